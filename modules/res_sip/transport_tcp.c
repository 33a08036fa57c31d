/* Carillon - res_sip TCP transport and stream connections.
 *
 * A TCP listener accepts connections; we also open connections ourselves
 * to send requests (or responses whose connection died, RFC 3261 18.2.2).
 * Every connection is in one table keyed by remote address, so a request
 * to a peer reuses the connection that peer opened to us.
 *
 * Reading appends to a per-connection buffer that never grows past the
 * message size limit; sip_msg_frame() cuts complete messages out of it by
 * Content-Length and each goes to sip_receive().  Writing tries the socket
 * at once and queues only what the kernel did not take; a connection
 * whose queue passes tcp_max_buffered is closed (a peer that does not
 * read cannot make us buffer without bound).  Idle connections close
 * after tcp_idle_timeout seconds.  Accepts past the global or per-IP
 * connection limit are closed at once.
 */
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "transport.h"
#include "sip_core.h"
#include "tls.h"

#define TCP_READ_CHUNK 16384
#define TCP_ACCEPTS_PER_DISPATCH 64
#define TCP_READS_PER_DISPATCH 16
/* A TLS handshake not done by then is dropped: a peer that opens
 * connections and never finishes them must not hold them for the idle
 * timeout. */
#define TLS_HANDSHAKE_TIMEOUT_MS 10000

struct _SipConn {
    gint ref_count;
    guint id;
    SipListener *listener;      /* weak: the listener closes us first */
    GSocket *socket;
    int fd;
    GSource *in_source;
    GSource *out_source;        /* while connecting or output is queued */
    SipAddr remote;
    gboolean outgoing;
    gboolean connecting;
    gboolean closed;
    gboolean in_table;
    char *in;                   /* unframed input */
    gsize in_len;
    gsize in_cap;
    GByteArray *out;            /* queued output */
    gsize out_off;
    SipTimer idle_timer;
    gint64 last_activity;
    SipTlsSession *tls;         /* TLS connections (transport_tls.c) */
};

typedef struct {
    GSocket *socket;
    GSource *source;
} TcpListener;

static GHashTable *conns_by_addr;   /* SipAddr* (conn->remote) -> SipConn* */
static GHashTable *conns_all;       /* SipConn* set (every open conn) */
static GHashTable *per_ip;          /* SipAddr* key copy -> count */
static SipStreamLimits limits = {
    .max_message_size = 65535,
    .idle_timeout_s = 300,
    .max_connections = 4096,
    .max_connections_per_ip = 64,
    .max_buffered = 1024 * 1024,
};
static guint next_id = 1;
static void (*closed_hook)(SipConn *c);

static guint
addr_hash(gconstpointer a)
{
    return sip_addr_hash(a);
}

static gboolean
addr_equal(gconstpointer a, gconstpointer b)
{
    return sip_addr_equal(a, b);
}

static guint
ip_hash(gconstpointer a)
{
    return sip_addr_ip_hash(a);
}

static gboolean
ip_equal(gconstpointer a, gconstpointer b)
{
    return sip_addr_ip_equal(a, b);
}

static void
tables_init(void)
{
    if (conns_all)
        return;
    conns_by_addr = g_hash_table_new(addr_hash, addr_equal);
    conns_all = g_hash_table_new(NULL, NULL);
    per_ip = g_hash_table_new_full(ip_hash, ip_equal, g_free, NULL);
}

void
sip_conns_shutdown(void)
{
    g_clear_pointer(&conns_by_addr, g_hash_table_unref);
    g_clear_pointer(&conns_all, g_hash_table_unref);
    g_clear_pointer(&per_ip, g_hash_table_unref);
}

void
sip_stream_set_limits(const SipStreamLimits *l)
{
    limits = *l;
}

const SipStreamLimits *
sip_stream_get_limits(void)
{
    return &limits;
}

void
sip_conns_set_closed_hook(void (*fn)(SipConn *c))
{
    closed_hook = fn;
}

static guint
ip_count(const SipAddr *a)
{
    return per_ip ? GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, a)) : 0;
}

static void
ip_count_add(const SipAddr *a, int delta)
{
    guint n = ip_count(a) + delta;

    if (n == 0)
        g_hash_table_remove(per_ip, a);
    else
        g_hash_table_insert(per_ip, g_memdup2(a, sizeof(*a)), GUINT_TO_POINTER(n));
}

gboolean
sip_conns_may_accept(const SipAddr *remote)
{
    tables_init();
    if (g_hash_table_size(conns_all) >= limits.max_connections)
        return FALSE;
    return ip_count(remote) < limits.max_connections_per_ip;
}

guint
sip_conns_count(void)
{
    return conns_all ? g_hash_table_size(conns_all) : 0;
}

void
sip_conns_foreach(void (*fn)(SipConn *c, gpointer data), gpointer data)
{
    GHashTableIter it;
    gpointer key;

    if (!conns_all)
        return;
    g_hash_table_iter_init(&it, conns_all);
    while (g_hash_table_iter_next(&it, &key, NULL))
        fn(key, data);
}

SipConn *
sip_conn_ref(SipConn *c)
{
    c->ref_count++;
    return c;
}

void
sip_conn_unref(SipConn *c)
{
    if (!c || --c->ref_count > 0)
        return;
    g_assert(c->closed);
    sip_tls_session_free(c->tls);
    g_free(c->in);
    if (c->out)
        g_byte_array_unref(c->out);
    g_free(c);
}

gboolean
sip_conn_is_open(const SipConn *c)
{
    return c && !c->closed;
}

const SipAddr *
sip_conn_get_remote(const SipConn *c)
{
    return &c->remote;
}

SipListener *
sip_conn_get_listener(const SipConn *c)
{
    return c->closed ? NULL : c->listener;
}

SipConn *
sip_conns_find(SipListener *l, const SipAddr *remote)
{
    SipConn *c;

    if (!conns_by_addr)
        return NULL;
    c = g_hash_table_lookup(conns_by_addr, remote);
    if (!c || c->closed || (l && c->listener != l))
        return NULL;
    return c;
}

void
sip_conn_describe(const SipConn *c, GString *out)
{
    char peer[SIP_ADDR_STRLEN];

    g_string_append_printf(out, "%-8u %-10s %-46s %-9s %-11s %8zu %8zu %6" G_GINT64_FORMAT "s",
                           c->id, c->listener ? c->listener->name : "-",
                           sip_addr_to_string(&c->remote, peer, sizeof(peer)),
                           c->outgoing ? "out" : "in",
                           c->connecting ? "connecting" : "open",
                           c->in_len, c->out ? c->out->len - c->out_off : 0,
                           (sip_now() - c->last_activity) / G_USEC_PER_SEC);
    if (c->tls) {
        g_string_append_c(out, ' ');
        sip_tls_session_describe(c->tls, out);
    }
}

static void
touch(SipConn *c)
{
    c->last_activity = sip_now();
}

/* Idle check: re-armed for the rest of the idle period while there was
 * traffic, so a busy connection costs one timer update per period. */
static void
idle_timer_fired(SipTimer *t, gpointer data)
{
    SipConn *c = data;
    gint64 idle_us = (gint64) limits.idle_timeout_s * G_USEC_PER_SEC;
    gint64 quiet = sip_now() - c->last_activity;

    if (c->tls && !sip_tls_session_handshake_done(c->tls)) {
        sip_conn_close(c, "TLS handshake timed out");
        return;
    }
    if (quiet >= idle_us) {
        sip_conn_close(c, c->connecting ? "connect timed out" : "idle timeout");
        return;
    }
    sip_timer_start(&c->idle_timer, (guint) ((idle_us - quiet) / 1000) + 1);
}

static void
destroy_source(GSource **s)
{
    if (*s) {
        g_source_destroy(*s);
        g_source_unref(*s);
        *s = NULL;
    }
}

void
sip_conn_close(SipConn *c, const char *why)
{
    char peer[SIP_ADDR_STRLEN];

    if (c->closed)
        return;
    pbx_debug(sip_log, "%s connection %u with %s closed: %s",
              c->tls ? "TLS" : "TCP", c->id,
              sip_addr_to_string(&c->remote, peer, sizeof(peer)), why);
    c->closed = TRUE;
    sip_timer_stop(&c->idle_timer);
    destroy_source(&c->in_source);
    destroy_source(&c->out_source);
    g_socket_close(c->socket, NULL);
    g_clear_object(&c->socket);
    if (c->in_table && g_hash_table_lookup(conns_by_addr, &c->remote) == c)
        g_hash_table_remove(conns_by_addr, &c->remote);
    g_hash_table_remove(conns_all, c);
    ip_count_add(&c->remote, -1);
    if (c->listener && c->listener->n_conns > 0)
        c->listener->n_conns--;
    if (closed_hook)
        closed_hook(c);
    sip_conn_unref(c);      /* the table's reference */
}

/* Writes queued output; returns FALSE when the connection was closed. */
static gboolean
flush_out(SipConn *c)
{
    while (c->out && c->out_off < c->out->len) {
        gssize n = send(c->fd, (const char *) c->out->data + c->out_off,
                         c->out->len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return TRUE;
            sip_conn_close(c, g_strerror(errno));
            return FALSE;
        }
        c->out_off += n;
    }
    if (c->out) {
        g_byte_array_set_size(c->out, 0);
        c->out_off = 0;
    }
    return TRUE;
}

static gboolean conn_writable(GSocket *s, GIOCondition cond, gpointer data);

static void
watch_output(SipConn *c, gboolean on)
{
    if (on && !c->out_source) {
        c->out_source = g_socket_create_source(c->socket, G_IO_OUT, NULL);
        g_source_set_callback(c->out_source, G_SOURCE_FUNC(conn_writable), c, NULL);
        g_source_set_can_recurse(c->out_source, TRUE);    /* see transport_udp.c */
        g_source_attach(c->out_source, NULL);
    } else if (!on) {
        destroy_source(&c->out_source);
    }
}

static gboolean
output_pending(const SipConn *c)
{
    return c->out && c->out_off < c->out->len;
}

static gboolean
finish_connect(SipConn *c)
{
    g_autoptr(GError) error = NULL;

    if (!g_socket_check_connect_result(c->socket, &error)) {
        sip_conn_close(c, error->message);
        return FALSE;
    }
    c->connecting = FALSE;
    touch(c);
    return TRUE;
}

static gboolean
conn_writable(GSocket *s, GIOCondition cond, gpointer data)
{
    SipConn *c = data;

    sip_conn_ref(c);
    if (c->connecting && !finish_connect(c))
        goto out;
    if (flush_out(c) && !output_pending(c))
        watch_output(c, FALSE);
out:
    sip_conn_unref(c);
    return G_SOURCE_CONTINUE;
}

/* Queues data after whatever is pending and tries to write it. */
static SipSendResult
send_raw(SipConn *c, const char *data, gsize len)
{
    gsize pending;

    if (c->closed)
        return SIP_SEND_ERROR;
    if (!c->connecting && !output_pending(c)) {
        gssize n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            sip_conn_close(c, g_strerror(errno));
            return SIP_SEND_ERROR;
        }
        if (n > 0) {
            data += n;
            len -= n;
        }
        touch(c);
        if (len == 0)
            return SIP_SEND_OK;
    }
    if (!c->out)
        c->out = g_byte_array_new();
    pending = c->out->len - c->out_off;
    if (pending + len > limits.max_buffered) {
        sip_conn_close(c, "output buffer limit reached");
        return SIP_SEND_ERROR;
    }
    g_byte_array_append(c->out, (const guint8 *) data, len);
    watch_output(c, TRUE);
    return SIP_SEND_OK;
}

/* Sends the records a TLS session made (handshake, data, alerts). */
static SipSendResult
flush_tls(SipConn *c)
{
    static char buf[TCP_READ_CHUNK];
    gsize n;

    while (!c->closed && (n = sip_tls_session_take_output(c->tls, buf, sizeof(buf))) > 0) {
        if (send_raw(c, buf, n) != SIP_SEND_OK)
            return SIP_SEND_ERROR;
    }
    return c->closed ? SIP_SEND_ERROR : SIP_SEND_OK;
}

/* A TLS failure: the alert goes out (best effort), then the connection
 * closes with OpenSSL's reason. */
static void
tls_failed(SipConn *c)
{
    char peer[SIP_ADDR_STRLEN];
    g_autofree char *why = g_strdup(sip_tls_session_error(c->tls));

    flush_tls(c);
    pbx_notice(sip_log, "TLS %s: %s; closing connection",
               sip_addr_to_string(&c->remote, peer, sizeof(peer)), why ? why : "error");
    if (c->listener)
        c->listener->stats.rx_errors++;
    sip_conn_close(c, why ? why : "TLS error");
}

SipSendResult
sip_conn_send(SipConn *c, const char *data, gsize len)
{
    if (c->closed)
        return SIP_SEND_ERROR;
    if (!c->tls)
        return send_raw(c, data, len);
    if (sip_tls_session_write(c->tls, data, len) != SIP_TLS_OK) {
        tls_failed(c);
        return SIP_SEND_ERROR;
    }
    return flush_tls(c);
}

/* A stream framing error (no or bad Content-Length, a message over the
 * size limit): the stream cannot be resynchronised, so the connection is
 * closed after logging why. */
static void
framing_failed(SipConn *c, const char *reason)
{
    char peer[SIP_ADDR_STRLEN];

    pbx_notice(sip_log, "TCP %s: %s; closing connection",
               sip_addr_to_string(&c->remote, peer, sizeof(peer)), reason);
    if (c->listener)
        c->listener->stats.rx_errors++;
    sip_conn_close(c, reason);
}

/* Cuts complete messages out of the input buffer and delivers them.
 * Returns FALSE when the connection closed. */
static gboolean
deliver_messages(SipConn *c)
{
    gsize off = 0;

    while (!c->closed && off < c->in_len) {
        gsize msg_len = 0;
        const char *reason = NULL;
        SipFrameResult r = sip_msg_frame(c->in + off, c->in_len - off, &sip_stack.limits,
                                         &msg_len, &reason);
        if (r == SIP_FRAME_NEED_MORE)
            break;
        if (r == SIP_FRAME_ERROR) {
            framing_failed(c, reason ? reason : "bad framing");
            return FALSE;
        }
        if (r == SIP_FRAME_KEEPALIVE) {
            /* RFC 5626 4.4.1: a double-CRLF ping gets a CRLF pong. */
            if (msg_len >= 4)
                sip_conn_send(c, "\r\n", 2);
        } else {
            SipRx rx = { .listener = c->listener, .conn = c, .src = c->remote };
            c->listener->stats.rx_msgs++;
            c->listener->stats.rx_bytes += msg_len;
            sip_receive(&rx, c->in + off, msg_len);
        }
        if (msg_len == 0)
            break;
        off += msg_len;
    }
    if (c->closed)
        return FALSE;
    if (off > 0) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return TRUE;
}

/* Makes room for one read; the buffer holds at most one maximum-size
 * message plus a read chunk. */
static gboolean
reserve_input(SipConn *c)
{
    gsize max = limits.max_message_size + TCP_READ_CHUNK;

    if (c->in_cap - c->in_len >= TCP_READ_CHUNK)
        return TRUE;
    if (c->in_len >= max)
        return FALSE;
    c->in_cap = MIN(MAX(c->in_cap * 2, (gsize) TCP_READ_CHUNK * 2), max);
    c->in = g_realloc(c->in, c->in_cap);
    return c->in_cap > c->in_len;
}

/* Decrypts what the socket gave into the input buffer, delivering
 * messages as they complete.  FALSE when the connection closed. */
static gboolean
tls_input(SipConn *c, const char *raw, gsize len)
{
    if (sip_tls_session_input(c->tls, raw, len) != SIP_TLS_OK)
        goto failed;
    for (;;) {
        gssize n;

        if (!reserve_input(c)) {
            framing_failed(c, "message larger than max_message_size");
            return FALSE;
        }
        n = sip_tls_session_read(c->tls, c->in + c->in_len, c->in_cap - c->in_len);
        if (n < 0)
            goto failed;
        if (n == 0)
            break;
        c->in_len += n;
        if (!deliver_messages(c))
            return FALSE;
    }
    return flush_tls(c) == SIP_SEND_OK;
failed:
    tls_failed(c);
    return FALSE;
}

/* One read from the socket; TRUE to read again. */
static gboolean
read_once(SipConn *c)
{
    static char raw[TCP_READ_CHUNK];
    gssize n;

    if (!c->tls && !reserve_input(c)) {
        framing_failed(c, "message larger than max_message_size");
        return FALSE;
    }
    if (c->tls)
        n = recv(c->fd, raw, sizeof(raw), MSG_DONTWAIT);
    else
        n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return FALSE;
    if (n <= 0) {
        sip_conn_close(c, n == 0 ? "closed by peer" : g_strerror(errno));
        return FALSE;
    }
    touch(c);
    if (c->tls)
        return tls_input(c, raw, n);
    c->in_len += n;
    return deliver_messages(c);
}

static gboolean
conn_readable(GSocket *s, GIOCondition cond, gpointer data)
{
    SipConn *c = data;

    sip_conn_ref(c);
    for (int i = 0; i < TCP_READS_PER_DISPATCH && !c->closed; i++) {
        if (!read_once(c))
            break;
    }
    sip_conn_unref(c);
    return G_SOURCE_CONTINUE;
}

SipConn *
sip_conn_new(SipListener *l, GSocket *socket, const SipAddr *remote,
             gboolean outgoing, gboolean connecting)
{
    SipConn *c = g_new0(SipConn, 1);

    tables_init();
    c->ref_count = 1;           /* the table's */
    c->id = next_id++;
    c->listener = l;
    c->socket = socket;
    c->fd = g_socket_get_fd(socket);
    c->remote = *remote;
    c->outgoing = outgoing;
    c->connecting = connecting;
    touch(c);
    g_socket_set_blocking(socket, FALSE);
    g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    c->in_source = g_socket_create_source(socket, G_IO_IN, NULL);
    g_source_set_callback(c->in_source, G_SOURCE_FUNC(conn_readable), c, NULL);
    g_source_set_can_recurse(c->in_source, TRUE);     /* see transport_udp.c */
    g_source_attach(c->in_source, NULL);
    if (connecting)
        watch_output(c, TRUE);
    g_hash_table_add(conns_all, c);
    g_hash_table_replace(conns_by_addr, &c->remote, c);
    c->in_table = TRUE;
    ip_count_add(remote, +1);
    l->n_conns++;
    sip_timer_init(&c->idle_timer, idle_timer_fired, c);
    sip_timer_start(&c->idle_timer, limits.idle_timeout_s * 1000);
    if (l->klass->conn_setup)
        c->tls = l->klass->conn_setup(l, c);
    if (c->tls)
        sip_timer_start(&c->idle_timer, MIN(TLS_HANDSHAKE_TIMEOUT_MS,
                                            limits.idle_timeout_s * 1000));
    return c;
}

gboolean
sip_conn_is_outgoing(const SipConn *c)
{
    return c->outgoing;
}

SipTlsSession *
sip_conn_get_tls(const SipConn *c)
{
    return c->tls;
}

void
sip_conns_close_listener(SipListener *l)
{
    g_autoptr(GPtrArray) victims = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    if (!conns_all)
        return;
    g_hash_table_iter_init(&it, conns_all);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        SipConn *c = key;
        if (c->listener == l)
            g_ptr_array_add(victims, c);
    }
    for (guint i = 0; i < victims->len; i++)
        sip_conn_close(victims->pdata[i], "transport closed");
}

/* ------------------------------------------------------------------ */
/* Listener                                                            */
/* ------------------------------------------------------------------ */

static void
accept_one(SipListener *l, GSocket *client)
{
    g_autoptr(GSocketAddress) ga = g_socket_get_remote_address(client, NULL);
    SipAddr remote;
    char peer[SIP_ADDR_STRLEN];

    if (!ga || !sip_addr_from_gsocket_address(ga, &remote)) {
        g_socket_close(client, NULL);
        g_object_unref(client);
        return;
    }
    if (!sip_conns_may_accept(&remote)) {
        pbx_notice(sip_log, "TCP %s: connection from %s refused (connection limit)",
                   l->name, sip_addr_to_string(&remote, peer, sizeof(peer)));
        l->stats.rx_errors++;
        g_socket_close(client, NULL);
        g_object_unref(client);
        return;
    }
    sip_conn_new(l, client, &remote, FALSE, FALSE);
}

static gboolean
listener_readable(GSocket *s, GIOCondition cond, gpointer data)
{
    SipListener *l = data;
    TcpListener *t = l->priv;

    for (int i = 0; i < TCP_ACCEPTS_PER_DISPATCH; i++) {
        GSocket *client = g_socket_accept(t->socket, NULL, NULL);
        if (!client)
            break;
        accept_one(l, client);
    }
    return G_SOURCE_CONTINUE;
}

gboolean
sip_stream_listen(SipListener *l, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) ga = sip_addr_to_gsocket_address(&l->bind);
    g_autoptr(GSocketAddress) local = NULL;
    GSocketFamily fam = sip_addr_is_v6(&l->bind) ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
    TcpListener *t;

    sock = g_socket_new(fam, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
    if (!sock)
        return FALSE;
    g_socket_set_blocking(sock, FALSE);
    if (fam == G_SOCKET_FAMILY_IPV6
        && !g_socket_set_option(sock, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
        return FALSE;
    g_socket_set_listen_backlog(sock, 512);
    if (!g_socket_bind(sock, ga, TRUE, error) || !g_socket_listen(sock, error))
        return FALSE;
    local = g_socket_get_local_address(sock, NULL);
    if (!local || !sip_addr_from_gsocket_address(local, &l->local))
        l->local = l->bind;
    tables_init();
    t = g_new0(TcpListener, 1);
    t->socket = g_steal_pointer(&sock);
    t->source = g_socket_create_source(t->socket, G_IO_IN, NULL);
    g_source_set_callback(t->source, G_SOURCE_FUNC(listener_readable), l, NULL);
    g_source_set_can_recurse(t->source, TRUE);        /* see transport_udp.c */
    g_source_attach(t->source, NULL);
    l->priv = t;
    return TRUE;
}

void
sip_stream_unlisten(SipListener *l)
{
    TcpListener *t = l->priv;

    sip_conns_close_listener(l);
    if (!t)
        return;
    destroy_source(&t->source);
    g_socket_close(t->socket, NULL);
    g_object_unref(t->socket);
    g_free(t);
    l->priv = NULL;
}

/* Opens a connection to dest without blocking; data sent before the
 * connect completes is queued. */
SipConn *
sip_stream_connect(SipListener *l, const SipAddr *dest)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketAddress) ga = sip_addr_to_gsocket_address(dest);
    GSocketFamily fam = sip_addr_is_v6(dest) ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
    GSocket *sock;
    gboolean pending = FALSE;
    char peer[SIP_ADDR_STRLEN];

    if (!sip_conns_may_accept(dest))
        return NULL;
    sock = g_socket_new(fam, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    if (!sock)
        return NULL;
    g_socket_set_blocking(sock, FALSE);
    if (!g_socket_connect(sock, ga, NULL, &error)) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PENDING)) {
            pbx_debug(sip_log, "TCP connect to %s: %s",
                      sip_addr_to_string(dest, peer, sizeof(peer)), error->message);
            g_object_unref(sock);
            return NULL;
        }
        pending = TRUE;
    }
    return sip_conn_new(l, sock, dest, TRUE, pending);
}

SipSendResult
sip_stream_send(SipListener *l, SipConn *conn, const SipAddr *dest, const char *data,
                gsize len)
{
    if (!conn || conn->closed) {
        if (!dest)
            return SIP_SEND_ERROR;
        conn = sip_conns_find(l, dest);
        if (!conn)
            conn = sip_stream_connect(l, dest);
        if (!conn)
            return SIP_SEND_ERROR;
    }
    return sip_conn_send(conn, data, len);
}

const SipTransportClass sip_transport_tcp = {
    .name = "tcp",
    .via_name = "TCP",
    .proto = SIP_TRANSPORT_TCP,
    .reliable = TRUE,
    .open = sip_stream_listen,
    .close = sip_stream_unlisten,
    .send = sip_stream_send,
};
