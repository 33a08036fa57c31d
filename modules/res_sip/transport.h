/* Carillon - res_sip transports: one interface for UDP, TCP and (later)
 * TLS and WebSocket.
 *
 * A SipListener is one configured transport (a `type = transport` section
 * of sip.conf): a bound UDP socket, or a listening TCP socket with its
 * connections.  A SipConn is one stream connection (accepted or opened by
 * us); datagram transports have none.  Every received message is handed
 * to sip_receive() with a SipRx saying where it came from; every message
 * we send goes through sip_transport_send() with the listener, the
 * connection when there is one, and the destination address.
 *
 * A transport class implements open/close/send.  Stream classes share the
 * connection table here: connections are found by remote address so an
 * outgoing request reuses a connection the peer opened (RFC 3261 18.1.1,
 * 18.2.2), and per-IP and global connection limits are counted here.
 *
 * Thread affinity: main context only.  Nothing here blocks: sockets are
 * non-blocking and watched by GSources on the default main context.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <carillon/sip/addr.h>
#include "timer.h"
#include "tls.h"

G_BEGIN_DECLS

GSocketAddress *sip_addr_to_gsocket_address(const SipAddr *a);
gboolean sip_addr_from_gsocket_address(GSocketAddress *ga, SipAddr *out);

typedef struct _SipListener SipListener;
typedef struct _SipConn SipConn;

typedef enum {
    SIP_SEND_OK = 0,            /* written or queued */
    SIP_SEND_ERROR,             /* transport error: RFC 3261 8.1.3.1 -> 503 */
} SipSendResult;

/* What a transport implements.  `send` gets conn (may be NULL on stream
 * transports: then the class finds or opens a connection to dest). */
typedef struct {
    const char *name;           /* "udp", "tcp" (sip.conf protocol) */
    const char *via_name;       /* "UDP", "TCP" */
    SipTransport proto;
    gboolean reliable;
    gboolean (*open)(SipListener *l, GError **error);
    void (*close)(SipListener *l);
    SipSendResult (*send)(SipListener *l, SipConn *conn, const SipAddr *dest,
                          const char *data, gsize len);
    /* Stream classes with a security layer: the TLS session of a new
     * connection (accepted or opened), or NULL for plain TCP. */
    SipTlsSession *(*conn_setup)(SipListener *l, SipConn *c);
} SipTransportClass;

/* Counters shown by `sip show transports`. */
typedef struct {
    guint64 rx_msgs;
    guint64 tx_msgs;
    guint64 rx_bytes;
    guint64 tx_bytes;
    guint64 rx_errors;          /* unparsable or rejected input */
    guint64 tx_errors;
} SipTransportStats;

struct _SipListener {
    gint ref_count;
    const SipTransportClass *klass;
    char *name;                 /* sip.conf section */
    SipAddr bind;               /* as configured */
    SipAddr local;              /* as bound (port 0 resolved) */
    char *bind_text;            /* as configured, for reload comparison */
    gboolean open;
    gpointer priv;              /* class state */
    guint n_conns;
    SipTransportStats stats;
    SipTlsConf *tls_conf;       /* TLS transports: set before open */
    SipTlsContext *tls_ctx;     /* TLS transports while open */
};

/* Limits shared by all stream transports (from sip.conf [general]). */
typedef struct {
    guint max_message_size;
    guint idle_timeout_s;
    guint max_connections;
    guint max_connections_per_ip;
    guint max_buffered;         /* unsent bytes per connection */
} SipStreamLimits;

/* Where a received message came from. */
typedef struct {
    SipListener *listener;
    SipConn *conn;              /* stream transports, else NULL */
    SipAddr src;
} SipRx;

extern const SipTransportClass sip_transport_udp;
extern const SipTransportClass sip_transport_tcp;
extern const SipTransportClass sip_transport_tls;

/* Class by sip.conf protocol name ("udp"), NULL when unknown. */
const SipTransportClass *sip_transport_class_find(const char *name);

SipListener *sip_listener_new(const SipTransportClass *klass, const char *name,
                              const SipAddr *bind, const char *bind_text);
SipListener *sip_listener_ref(SipListener *l);
void sip_listener_unref(SipListener *l);
gboolean sip_listener_open(SipListener *l, GError **error);
void sip_listener_close(SipListener *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipListener, sip_listener_unref)

/* Registry of open listeners (in configuration order). */
void sip_listeners_add(SipListener *l);
void sip_listeners_remove(SipListener *l);
GPtrArray *sip_listeners_get(void);
/* Closes and drops every listener (module unload). */
void sip_listeners_shutdown(void);
SipListener *sip_listeners_find(const char *name);
/* An open listener for a transport and address family, preferring one
 * bound to a specific address over a wildcard. NULL if none. */
SipListener *sip_listeners_pick(SipTransport proto, gboolean v6);

/* Sends one message.  Logs it when SIP debug is on. */
SipSendResult sip_transport_send(SipListener *l, SipConn *conn,
                                 const SipAddr *dest, const char *data,
                                 gsize len);

/* Host part for Via sent-by / Contact when sending to dest: the bound IP,
 * or for a wildcard bind the local address the kernel routes dest from.
 * buf needs SIP_ADDR_STRLEN bytes; IPv6 gets brackets. */
const char *sip_listener_sent_by_host(SipListener *l, const SipAddr *dest,
                                      char *buf, gsize size);

/* Our IP (no brackets) and port for Contact and SDP when talking to
 * remote_ip over transport (SipApi.local_address), and the Contact made
 * of them (SipApi.contact_for, a new string). */
gboolean sip_local_address(SipTransport transport, const char *remote_ip, char *ip,
                           gsize size, guint16 *port);
char *sip_contact_for(SipTransport transport, const char *remote_ip);

/* ---- stream connections (shared by TCP, later TLS/WS) ---- */

SipConn *sip_conn_ref(SipConn *c);
void sip_conn_unref(SipConn *c);
gboolean sip_conn_is_open(const SipConn *c);
const SipAddr *sip_conn_get_remote(const SipConn *c);
SipListener *sip_conn_get_listener(const SipConn *c);
/* Open connection to addr on listener l's transport, or NULL. */
SipConn *sip_conns_find(SipListener *l, const SipAddr *remote);
guint sip_conns_count(void);
void sip_conns_foreach(void (*fn)(SipConn *c, gpointer data), gpointer data);
void sip_conn_describe(const SipConn *c, GString *out);

void sip_stream_set_limits(const SipStreamLimits *limits);
const SipStreamLimits *sip_stream_get_limits(void);

/* Frees the connection tables (module unload, after every listener
 * closed). */
void sip_conns_shutdown(void);

/* Close every connection of l (used by the class's close). */
void sip_conns_close_listener(SipListener *l);

/* Called by the transaction layer to learn about dead connections:
 * fn(conn) runs when a connection closes. */
void sip_conns_set_closed_hook(void (*fn)(SipConn *c));

/* Internal to stream classes (transport_tcp.c, transport_tls.c): the
 * listening socket, connect without blocking, send finding or opening the
 * connection to dest. */
gboolean sip_stream_listen(SipListener *l, GError **error);
void sip_stream_unlisten(SipListener *l);
SipConn *sip_stream_connect(SipListener *l, const SipAddr *dest);
SipSendResult sip_stream_send(SipListener *l, SipConn *conn, const SipAddr *dest,
                              const char *data, gsize len);
SipTlsSession *sip_conn_get_tls(const SipConn *c);
gboolean sip_conn_is_outgoing(const SipConn *c);
SipConn *sip_conn_new(SipListener *l, GSocket *socket, const SipAddr *remote,
                      gboolean outgoing, gboolean connecting);
SipSendResult sip_conn_send(SipConn *c, const char *data, gsize len);
void sip_conn_close(SipConn *c, const char *why);
gboolean sip_conns_may_accept(const SipAddr *remote);

/* The receive entry point (receive.c). */
void sip_receive(const SipRx *rx, const char *buf, gsize len);

G_END_DECLS
