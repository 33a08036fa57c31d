/* Carillon - res_sip TLS sessions over memory BIOs (see tls.h).
 *
 * rbio holds what the peer sent and SSL has not consumed; wbio holds the
 * records SSL made for the peer until the connection takes them.  Both
 * are memory BIOs, so SSL never waits for the socket: SSL_read with too
 * little input says WANT_READ and we return "nothing for now".
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include "tls_private.h"
#include "sip_core.h"

struct _SipTlsSession {
    SSL *ssl;
    BIO *rbio;                  /* owned by ssl */
    BIO *wbio;                  /* owned by ssl */
    GByteArray *held;           /* plaintext written before the handshake ended */
    gboolean failed;
    char *error;
};

/* A client session checks the server's certificate against the IP it
 * connected to (we send to addresses, not names, at this layer) or the
 * SNI name when there is one. */
static void
client_verify_setup(SipTlsSession *s, const SipTlsContext *ctx, const SipAddr *peer,
                    const char *sni)
{
    X509_VERIFY_PARAM *param = SSL_get0_param(s->ssl);
    char ip[SIP_ADDR_STRLEN];

    if (sni)
        SSL_set_tlsext_host_name(s->ssl, sni);
    if (!ctx->conf->verify_server) {
        SSL_set_verify(s->ssl, SSL_VERIFY_NONE, NULL);
        return;
    }
    SSL_set_verify(s->ssl, SSL_VERIFY_PEER, NULL);
    if (sni)
        X509_VERIFY_PARAM_set1_host(param, sni, 0);
    else if (peer)
        X509_VERIFY_PARAM_set1_ip_asc(param, sip_addr_ip_string(peer, ip, sizeof(ip)));
}

SipTlsSession *
sip_tls_session_new(SipTlsContext *ctx, gboolean server, const SipAddr *peer, const char *sni)
{
    SipTlsSession *s = g_new0(SipTlsSession, 1);

    s->ssl = SSL_new(ctx->ctx);
    s->rbio = BIO_new(BIO_s_mem());
    s->wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(s->rbio, -1);
    SSL_set_bio(s->ssl, s->rbio, s->wbio);
    s->held = g_byte_array_new();
    if (server) {
        SSL_set_accept_state(s->ssl);
        if (ctx->conf->verify_client)
            SSL_set_verify(s->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_set_connect_state(s->ssl);
        client_verify_setup(s, ctx, peer, sni);
    }
    return s;
}

void
sip_tls_session_free(SipTlsSession *s)
{
    if (!s)
        return;
    SSL_free(s->ssl);
    g_byte_array_unref(s->held);
    g_free(s->error);
    g_free(s);
}

gboolean
sip_tls_session_handshake_done(const SipTlsSession *s)
{
    return SSL_is_init_finished(s->ssl);
}

const char *
sip_tls_session_error(const SipTlsSession *s)
{
    return s->error;
}

static void
set_failed(SipTlsSession *s, const char *fallback)
{
    g_autofree char *why = sip_tls_openssl_error();
    long vr = SSL_get_verify_result(s->ssl);

    s->failed = TRUE;
    if (s->error)
        return;
    if (vr != X509_V_OK)
        s->error = g_strdup_printf("%s (%s)", *why ? why : fallback,
                                   X509_verify_cert_error_string(vr));
    else
        s->error = g_strdup(*why ? why : fallback);
}

/* The result of an SSL call: progress, "wait for more input", or fatal. */
static gssize
check(SipTlsSession *s, int r, const char *what)
{
    if (r > 0)
        return r;
    switch (SSL_get_error(s->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        set_failed(s, "closed by peer (close_notify)");
        return -1;
    default:
        set_failed(s, what);
        return -1;
    }
}

SipTlsStatus
sip_tls_session_input(SipTlsSession *s, const char *raw, gsize len)
{
    if (s->failed)
        return SIP_TLS_FAILED;
    if (len > 0 && BIO_write(s->rbio, raw, (int) len) != (int) len) {
        set_failed(s, "out of memory");
        return SIP_TLS_FAILED;
    }
    return SIP_TLS_OK;
}

/* Writes the plaintext held back while the handshake ran. */
static gboolean
write_held(SipTlsSession *s)
{
    while (s->held->len > 0) {
        gssize n = check(s, SSL_write(s->ssl, s->held->data, (int) s->held->len), "write");
        if (n < 0)
            return FALSE;
        if (n == 0)
            return TRUE;
        g_byte_array_remove_range(s->held, 0, (guint) n);
    }
    return TRUE;
}

gssize
sip_tls_session_read(SipTlsSession *s, char *buf, gsize size)
{
    gssize n;

    if (s->failed)
        return -1;
    ERR_clear_error();
    if (!SSL_is_init_finished(s->ssl)) {
        if (check(s, SSL_do_handshake(s->ssl), "handshake failed") < 0)
            return -1;
        if (!SSL_is_init_finished(s->ssl))
            return 0;
    }
    if (!write_held(s))
        return -1;
    n = check(s, SSL_read(s->ssl, buf, (int) MIN(size, G_MAXINT)), "read");
    return n;
}

SipTlsStatus
sip_tls_session_write(SipTlsSession *s, const char *data, gsize len)
{
    if (s->failed)
        return SIP_TLS_FAILED;
    ERR_clear_error();
    g_byte_array_append(s->held, (const guint8 *) data, (guint) len);
    if (!SSL_is_init_finished(s->ssl)) {
        /* A client's first write starts the handshake (ClientHello). */
        return check(s, SSL_do_handshake(s->ssl), "handshake failed") < 0 ? SIP_TLS_FAILED
                                                                           : SIP_TLS_OK;
    }
    return write_held(s) ? SIP_TLS_OK : SIP_TLS_FAILED;
}

gsize
sip_tls_session_take_output(SipTlsSession *s, char *buf, gsize size)
{
    int n = BIO_read(s->wbio, buf, (int) MIN(size, G_MAXINT));

    return n > 0 ? (gsize) n : 0;
}

void
sip_tls_session_describe(const SipTlsSession *s, GString *out)
{
    const char *sni = SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name);

    if (!SSL_is_init_finished(s->ssl)) {
        g_string_append(out, "handshaking");
        return;
    }
    g_string_append_printf(out, "%s %s", SSL_get_version(s->ssl),
                           SSL_get_cipher_name(s->ssl));
    if (sni)
        g_string_append_printf(out, " sni=%s", sni);
}
