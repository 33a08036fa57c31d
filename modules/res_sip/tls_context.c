/* Carillon - res_sip TLS contexts: one SSL_CTX per TLS transport, made
 * from its sip.conf section (see tls.h). */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "tls.h"
#include "tls_private.h"
#include "sip_core.h"

/* Forward-secret AEAD suites only, for TLS 1.2 (1.3 suites are all fine). */
#define DEFAULT_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!SHA1:!SHA256:!SHA384"

SipTlsConf *
sip_tls_conf_copy(const SipTlsConf *c)
{
    SipTlsConf *n = g_new0(SipTlsConf, 1);

    n->cert_file = g_strdup(c->cert_file);
    n->key_file = g_strdup(c->key_file);
    n->ca_file = g_strdup(c->ca_file);
    n->verify_client = c->verify_client;
    n->verify_server = c->verify_server;
    n->min_version = g_strdup(c->min_version);
    n->ciphers = g_strdup(c->ciphers);
    n->sni_certs = g_strdupv(c->sni_certs);
    return n;
}

void
sip_tls_conf_free(SipTlsConf *c)
{
    if (!c)
        return;
    g_free(c->cert_file);
    g_free(c->key_file);
    g_free(c->ca_file);
    g_free(c->min_version);
    g_free(c->ciphers);
    g_strfreev(c->sni_certs);
    g_free(c);
}

static gboolean
sni_equal(char *const *a, char *const *b)
{
    if (!a || !b)
        return (!a || !*a) && (!b || !*b);
    return g_strv_equal((const char *const *) a, (const char *const *) b);
}

gboolean
sip_tls_conf_equal(const SipTlsConf *a, const SipTlsConf *b)
{
    if (!a || !b)
        return a == b;
    return g_strcmp0(a->cert_file, b->cert_file) == 0
           && g_strcmp0(a->key_file, b->key_file) == 0
           && g_strcmp0(a->ca_file, b->ca_file) == 0
           && a->verify_client == b->verify_client
           && a->verify_server == b->verify_server
           && g_strcmp0(a->min_version, b->min_version) == 0
           && g_strcmp0(a->ciphers, b->ciphers) == 0
           && sni_equal(a->sni_certs, b->sni_certs);
}

/* OpenSSL's error queue as one message (and emptied). */
char *
sip_tls_openssl_error(void)
{
    GString *s = g_string_new(NULL);
    unsigned long e;

    while ((e = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        if (s->len)
            g_string_append(s, "; ");
        g_string_append(s, ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf);
    }
    return g_string_free(s, FALSE);
}

static gboolean
fail(GError **error, const char *what, const char *file)
{
    g_autofree char *why = sip_tls_openssl_error();

    g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT, "TLS %s%s%s: %s", what,
                file ? " " : "", file ? file : "", *why ? why : "failed");
    return FALSE;
}

static gboolean
set_versions(SSL_CTX *ctx, const char *min, GError **error)
{
    int v = TLS1_2_VERSION;

    if (min && strcmp(min, "1.3") == 0) {
        v = TLS1_3_VERSION;
    } else if (min && strcmp(min, "1.2") != 0) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT,
                    "TLS min_version '%s': use 1.2 or 1.3", min);
        return FALSE;
    }
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION
                             | SSL_OP_CIPHER_SERVER_PREFERENCE);
    return TRUE;
}

static gboolean
load_identity(SSL_CTX *ctx, const SipTlsConf *conf, GError **error)
{
    if (!conf->cert_file || !conf->key_file) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT,
                    "TLS transport needs cert_file and key_file");
        return FALSE;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, conf->cert_file) != 1)
        return fail(error, "certificate", conf->cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, conf->key_file, SSL_FILETYPE_PEM) != 1)
        return fail(error, "key", conf->key_file);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(error, "key does not match the certificate:", conf->key_file);
    return TRUE;
}

static gboolean
load_trust(SSL_CTX *ctx, const SipTlsConf *conf, GError **error)
{
    if (conf->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, conf->ca_file, NULL) != 1)
            return fail(error, "CA file", conf->ca_file);
        if (conf->verify_client)
            SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(conf->ca_file));
    } else if (conf->verify_client) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT,
                    "TLS verify_client = yes needs ca_file");
        return FALSE;
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    return TRUE;
}

SipTlsContext *
sip_tls_context_new(const SipTlsConf *conf, GError **error)
{
    g_autoptr(SipTlsContext) t = g_new0(SipTlsContext, 1);
    const char *ciphers = conf->ciphers ? conf->ciphers : DEFAULT_CIPHERS;

    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_method());
    if (!t->ctx) {
        fail(error, "context", NULL);
        return NULL;
    }
    t->conf = sip_tls_conf_copy(conf);
    if (!set_versions(t->ctx, conf->min_version, error)
        || !load_identity(t->ctx, conf, error) || !load_trust(t->ctx, conf, error)
        || !sip_tls_sni_setup(t, conf->sni_certs, error))
        return NULL;
    if (SSL_CTX_set_cipher_list(t->ctx, ciphers) != 1) {
        fail(error, "ciphers", ciphers);
        return NULL;
    }
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                             | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(t->ctx, (const unsigned char *) "carillon", 8);
    return g_steal_pointer(&t);
}

void
sip_tls_context_free(SipTlsContext *t)
{
    if (!t)
        return;
    if (t->ctx)
        SSL_CTX_free(t->ctx);
    if (t->sni)
        g_hash_table_destroy(t->sni);
    sip_tls_conf_free(t->conf);
    g_free(t);
}

void
sip_tls_context_describe(const SipTlsContext *t, GString *out)
{
    g_string_append_printf(out, "TLSv%s+", t->conf->min_version ? t->conf->min_version : "1.2");
    if (t->conf->verify_client)
        g_string_append(out, ", client certificates required");
    if (t->conf->verify_server)
        g_string_append(out, ", server certificates verified");
    if (t->sni)
        g_string_append_printf(out, ", %u SNI certificates", g_hash_table_size(t->sni));
}
