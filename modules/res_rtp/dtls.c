/* res_rtp - DTLS-SRTP associations over memory BIOs; see dtls.h. */
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dtls.h"

#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:" \
                      "SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_32"
#define CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES"
#define OUT_SIZE 16384

struct _RtpDtlsCert {
    SSL_CTX *ctx;
    char fingerprint[RTP_DTLS_FP_LEN * 3];
};

struct _RtpDtls {
    SSL *ssl;
    BIO *rbio, *wbio;           /* owned by ssl */
    RtpDtlsState state;
    const char *error;
    guint8 peer_fp[RTP_DTLS_FP_LEN];
    gint64 started_us;          /* 0: not yet */
    gboolean active;
    gboolean have_keys;
    RtpSrtpKey tx, rx;          /* exported, wiped when taken */
    guint8 out[OUT_SIZE];       /* records read from wbio */
};

static RtpDtlsCert *global_cert;

static gboolean
ssl_fail(GError **error, const char *what)
{
    char buf[256] = "";

    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    ERR_clear_error();
    g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "DTLS: %s: %s", what, buf);
    return FALSE;
}

static X509 *
self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long) g_random_int_range(1, G_MAXINT32));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const guint8 *) "carillon", -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    if (!X509_sign(x, key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static void
format_fingerprint(const guint8 *md, char *out)
{
    for (guint i = 0; i < RTP_DTLS_FP_LEN; i++)
        g_snprintf(out + 3 * i, 4, "%02X%s", md[i], i + 1 < RTP_DTLS_FP_LEN ? ":" : "");
}

/* The peer's certificate is self-signed: its fingerprint is what counts
 * (checked when the handshake is over). */
static int
accept_any(int ok, X509_STORE_CTX *store)
{
    (void) ok;
    (void) store;
    return 1;
}

static gboolean
ctx_setup(RtpDtlsCert *c, X509 *x, EVP_PKEY *key, GError **error)
{
    c->ctx = SSL_CTX_new(DTLS_method());
    if (!c->ctx)
        return ssl_fail(error, "context");
    SSL_CTX_set_min_proto_version(c->ctx, DTLS1_2_VERSION);
    if (!SSL_CTX_use_certificate(c->ctx, x) || !SSL_CTX_use_PrivateKey(c->ctx, key))
        return ssl_fail(error, "certificate");
    if (SSL_CTX_set_tlsext_use_srtp(c->ctx, SRTP_PROFILES) != 0)    /* 0 is success */
        return ssl_fail(error, "use_srtp");
    if (!SSL_CTX_set_cipher_list(c->ctx, CIPHERS))
        return ssl_fail(error, "ciphers");
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    SSL_CTX_set_read_ahead(c->ctx, 1);
    return TRUE;
}

RtpDtlsCert *
rtp_dtls_cert_new(GError **error)
{
    RtpDtlsCert *c = g_new0(RtpDtlsCert, 1);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = key ? self_signed(key) : NULL;
    guint8 md[EVP_MAX_MD_SIZE];
    guint n = 0;
    gboolean ok = x && X509_digest(x, EVP_sha256(), md, &n) && n == RTP_DTLS_FP_LEN;

    if (!ok)
        ssl_fail(error, "self-signed certificate");
    else
        ok = ctx_setup(c, x, key, error);
    if (ok)
        format_fingerprint(md, c->fingerprint);
    X509_free(x);
    EVP_PKEY_free(key);
    if (!ok) {
        rtp_dtls_cert_free(c);
        return NULL;
    }
    return c;
}

void
rtp_dtls_cert_free(RtpDtlsCert *cert)
{
    if (!cert)
        return;
    SSL_CTX_free(cert->ctx);
    g_free(cert);
}

const char *
rtp_dtls_cert_fingerprint(const RtpDtlsCert *cert)
{
    return cert->fingerprint;
}

gboolean
rtp_dtls_global_init(GError **error)
{
    if (!global_cert)
        global_cert = rtp_dtls_cert_new(error);
    return global_cert != NULL;
}

RtpDtlsCert *
rtp_dtls_global(void)
{
    if (!global_cert && !rtp_dtls_global_init(NULL))
        return NULL;
    return global_cert;
}

void
rtp_dtls_global_free(void)
{
    g_clear_pointer(&global_cert, rtp_dtls_cert_free);
}

RtpDtls *
rtp_dtls_new(RtpDtlsCert *cert, gboolean active, const guint8 *peer_fp, GError **error)
{
    RtpDtls *d = g_new0(RtpDtls, 1);

    d->ssl = SSL_new(cert->ctx);
    d->rbio = BIO_new(BIO_s_mem());
    d->wbio = BIO_new(BIO_s_mem());
    if (!d->ssl || !d->rbio || !d->wbio) {
        BIO_free(d->rbio);
        BIO_free(d->wbio);
        SSL_free(d->ssl);
        g_free(d);
        ssl_fail(error, "new association");
        return NULL;
    }
    BIO_set_mem_eof_return(d->rbio, -1);
    SSL_set_bio(d->ssl, d->rbio, d->wbio);
    SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
    DTLS_set_link_mtu(d->ssl, RTP_DTLS_MTU);
    if (active)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    d->active = active;
    memcpy(d->peer_fp, peer_fp, RTP_DTLS_FP_LEN);
    return d;
}

void
rtp_dtls_free(RtpDtls *d)
{
    if (!d)
        return;
    SSL_free(d->ssl);
    explicit_bzero(&d->tx, sizeof(d->tx));
    explicit_bzero(&d->rx, sizeof(d->rx));
    g_free(d);
}

/* Length of the whole records at p (at most max bytes, at least one
 * record even when it alone is longer). */
static gsize
records_upto(const guint8 *p, gsize avail, gsize max)
{
    gsize used = 0;

    while (used + 13 <= avail) {
        gsize rec = 13 + ((gsize) p[used + 11] << 8 | p[used + 12]);
        if (used + rec > avail)
            return avail;       /* truncated: send what there is */
        if (used && used + rec > max)
            break;
        used += rec;
    }
    return used ? used : avail;
}

/* What OpenSSL wrote, in datagrams of whole records up to the MTU. */
static void
flush(RtpDtls *d, RtpDtlsSendFunc send, gpointer user)
{
    int n;

    while ((n = BIO_read(d->wbio, d->out, sizeof(d->out))) > 0) {
        gsize off = 0;
        while (off < (gsize) n) {
            gsize len = records_upto(d->out + off, (gsize) n - off, RTP_DTLS_MTU);
            send(d->out + off, len, user);
            off += len;
        }
    }
}

static RtpDtlsState
fail(RtpDtls *d, const char *why)
{
    d->state = RTP_DTLS_FAILED;
    d->error = why;
    ERR_clear_error();
    return d->state;
}

static gboolean
suite_of(guint64 id, RtpSrtpSuite *suite, guint *key, guint *salt)
{
    switch (id) {
    case SRTP_AES128_CM_SHA1_80:
        *suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
        break;
    case SRTP_AES128_CM_SHA1_32:
        *suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_32;
        break;
    case SRTP_AEAD_AES_128_GCM:
        *suite = RTP_SRTP_AEAD_AES_128_GCM;
        break;
    case SRTP_AEAD_AES_256_GCM:
        *suite = RTP_SRTP_AEAD_AES_256_GCM;
        break;
    default:
        return FALSE;
    }
    *key = *suite == RTP_SRTP_AEAD_AES_256_GCM ? 32 : 16;
    *salt = *suite >= RTP_SRTP_AEAD_AES_128_GCM ? 12 : 14;
    return TRUE;
}

static void
set_key(RtpSrtpKey *k, RtpSrtpSuite suite, const guint8 *key, guint klen, const guint8 *salt,
        guint slen)
{
    k->suite = suite;
    k->key_len = klen + slen;
    memcpy(k->key, key, klen);
    memcpy(k->key + klen, salt, slen);
}

/* RFC 5764 4.2: client key, server key, client salt, server salt. */
static gboolean
export_keys(RtpDtls *d)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    guint8 m[2 * (32 + 14)];
    RtpSrtpSuite suite;
    guint k, s;

    if (!p || !suite_of(p->id, &suite, &k, &s))
        return FALSE;
    if (SSL_export_keying_material(d->ssl, m, 2 * (k + s), "EXTRACTOR-dtls_srtp", 19, NULL,
                                   0, 0) != 1)
        return FALSE;
    set_key(d->active ? &d->tx : &d->rx, suite, m, k, m + 2 * k, s);
    set_key(d->active ? &d->rx : &d->tx, suite, m + k, k, m + 2 * k + s, s);
    explicit_bzero(m, sizeof(m));
    d->have_keys = TRUE;
    return TRUE;
}

static gboolean
peer_matches(RtpDtls *d)
{
    X509 *peer = SSL_get1_peer_certificate(d->ssl);
    guint8 md[EVP_MAX_MD_SIZE];
    guint n = 0;
    gboolean ok = peer && X509_digest(peer, EVP_sha256(), md, &n) && n == RTP_DTLS_FP_LEN &&
                  CRYPTO_memcmp(md, d->peer_fp, RTP_DTLS_FP_LEN) == 0;

    X509_free(peer);
    return ok;
}

static RtpDtlsState
handshake_over(RtpDtls *d)
{
    if (!peer_matches(d))
        return fail(d, "the peer's certificate does not match its a=fingerprint");
    if (!export_keys(d))
        return fail(d, "no SRTP profile negotiated (use_srtp)");
    d->state = RTP_DTLS_DONE;
    return d->state;
}

/* Moves the handshake on, or (once keyed) reads what the peer repeats
 * (its last flight when our Finished was lost) so that OpenSSL answers. */
static RtpDtlsState
step(RtpDtls *d, RtpDtlsSendFunc send, gpointer user)
{
    guint8 junk[256];
    int r;

    if (d->state == RTP_DTLS_HANDSHAKE) {
        r = SSL_do_handshake(d->ssl);
        if (r == 1)
            handshake_over(d);
        else if (SSL_get_error(d->ssl, r) != SSL_ERROR_WANT_READ)
            fail(d, "DTLS handshake failed");
    } else if (d->state == RTP_DTLS_DONE) {
        while (SSL_read(d->ssl, junk, sizeof(junk)) > 0)
            ;   /* no application data over DTLS-SRTP */
        ERR_clear_error();
    }
    flush(d, send, user);
    return d->state;
}

RtpDtlsState
rtp_dtls_start(RtpDtls *d, gint64 now_us, RtpDtlsSendFunc send, gpointer user)
{
    if (!d->started_us)
        d->started_us = now_us;
    if (!d->active)
        return d->state;
    return step(d, send, user);
}

RtpDtlsState
rtp_dtls_receive(RtpDtls *d, const guint8 *pkt, gsize len, gint64 now_us, RtpDtlsSendFunc send,
                 gpointer user)
{
    if (d->state == RTP_DTLS_FAILED)
        return d->state;
    if (!d->started_us)
        d->started_us = now_us;
    if (BIO_write(d->rbio, pkt, (int) len) != (int) len)
        return d->state;
    return step(d, send, user);
}

RtpDtlsState
rtp_dtls_tick(RtpDtls *d, gint64 now_us, RtpDtlsSendFunc send, gpointer user)
{
    struct timeval tv;

    if (d->state != RTP_DTLS_HANDSHAKE || !d->started_us)
        return d->state;
    if (now_us - d->started_us > RTP_DTLS_TIMEOUT_US)
        return fail(d, "DTLS handshake timed out");
    if (DTLSv1_get_timeout(d->ssl, &tv) && tv.tv_sec == 0 && tv.tv_usec == 0) {
        if (DTLSv1_handle_timeout(d->ssl) < 0)
            return fail(d, "DTLS retransmission failed");
        flush(d, send, user);
    }
    return d->state;
}

RtpDtlsState
rtp_dtls_state(const RtpDtls *d)
{
    return d->state;
}

RtpSrtp *
rtp_dtls_take_srtp(RtpDtls *d, GError **error)
{
    RtpSrtp *srtp;

    if (d->state != RTP_DTLS_DONE || !d->have_keys) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "DTLS: no keys");
        return NULL;
    }
    srtp = rtp_srtp_new(&d->tx, &d->rx, error);
    explicit_bzero(&d->tx, sizeof(d->tx));
    explicit_bzero(&d->rx, sizeof(d->rx));
    d->have_keys = FALSE;
    return srtp;
}

const char *
rtp_dtls_profile(const RtpDtls *d)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);

    return p ? p->name : NULL;
}

const char *
rtp_dtls_error(const RtpDtls *d)
{
    return d->error;
}
