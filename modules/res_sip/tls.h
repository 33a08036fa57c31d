/* Carillon - res_sip TLS (OpenSSL): contexts made from sip.conf and the
 * per-connection session that sits between a stream connection's socket
 * and its SIP framing.
 *
 * A session never touches the socket.  It uses memory BIOs: the
 * connection pushes the bytes it read (sip_tls_session_input), pulls
 * plaintext out (sip_tls_session_read), pushes plaintext to send
 * (sip_tls_session_write) and pulls the records to put on the wire
 * (sip_tls_session_take_output).  The handshake runs inside those calls,
 * so it can never block: until it is done, plaintext to send is held in
 * the session and read returns nothing.
 *
 * TLS 1.2 is the oldest version accepted, with forward-secret AEAD
 * ciphers only; renegotiation is off.
 *
 * Thread affinity: main context only (sessions belong to connections).
 */
#pragma once

#include <glib.h>
#include <carillon/sip/addr.h>

G_BEGIN_DECLS

/* The TLS keys of a `protocol = tls` transport section. */
typedef struct {
    char *cert_file;            /* PEM chain, leaf first */
    char *key_file;             /* PEM private key */
    char *ca_file;              /* PEM CAs for peer verification, or NULL */
    gboolean verify_client;     /* require a client certificate signed by ca_file */
    gboolean verify_server;     /* check the certificates of servers we connect to */
    char *min_version;          /* "1.2" or "1.3" */
    char *ciphers;              /* TLS 1.2 cipher list (OpenSSL syntax) */
    char **sni_certs;           /* "NAME:CERT:KEY" per server name (SNI), or NULL */
} SipTlsConf;

/* A tls_certs entry split (the name in lower case); FALSE: malformed. */
gboolean sip_tls_sni_entry_parse(const char *entry, char **name, char **cert, char **key);

SipTlsConf *sip_tls_conf_copy(const SipTlsConf *c);
void sip_tls_conf_free(SipTlsConf *c);
gboolean sip_tls_conf_equal(const SipTlsConf *a, const SipTlsConf *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipTlsConf, sip_tls_conf_free)

typedef struct _SipTlsContext SipTlsContext;

/* Loads the certificate, key and CAs.  Errors name the file and say
 * what OpenSSL said. */
SipTlsContext *sip_tls_context_new(const SipTlsConf *conf, GError **error);
void sip_tls_context_free(SipTlsContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipTlsContext, sip_tls_context_free)
/* "TLSv1.2+, client certificates required" for `sip show transports`. */
void sip_tls_context_describe(const SipTlsContext *ctx, GString *out);

typedef struct _SipTlsSession SipTlsSession;

typedef enum {
    SIP_TLS_OK = 0,
    SIP_TLS_FAILED,             /* fatal: close the connection (after sending output) */
} SipTlsStatus;

/* A server session (accepted connection) or a client session (one we
 * open to peer; its IP is checked against the server's certificate when
 * verify_server is set; sni may be NULL). */
SipTlsSession *sip_tls_session_new(SipTlsContext *ctx, gboolean server,
                                   const SipAddr *peer, const char *sni);
void sip_tls_session_free(SipTlsSession *s);

SipTlsStatus sip_tls_session_input(SipTlsSession *s, const char *raw, gsize len);
/* Decrypted bytes into buf: > 0, 0 when nothing more for now, -1 on a
 * fatal error (sip_tls_session_error says why). */
gssize sip_tls_session_read(SipTlsSession *s, char *buf, gsize size);
SipTlsStatus sip_tls_session_write(SipTlsSession *s, const char *data, gsize len);
/* Up to size bytes of records to send; 0 when none. */
gsize sip_tls_session_take_output(SipTlsSession *s, char *buf, gsize size);

gboolean sip_tls_session_handshake_done(const SipTlsSession *s);
/* Why the session failed ("certificate verify failed",
 * "unsupported protocol"), or NULL. */
const char *sip_tls_session_error(const SipTlsSession *s);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384 sni=pbx.example" (after the handshake). */
void sip_tls_session_describe(const SipTlsSession *s, GString *out);

G_END_DECLS
