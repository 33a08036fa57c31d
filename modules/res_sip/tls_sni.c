/* Carillon - res_sip TLS server name indication (RFC 6066 3) on the
 * server side: a certificate per name (`tls_certs = NAME:CERT:KEY, ...`
 * in a TLS transport section), picked in OpenSSL's servername callback
 * during the ClientHello; a client that names nothing we have (or no
 * name at all) gets the transport's cert_file.  A name may start with
 * "*." for the names one label below (RFC 6125 6.4.3).  Main context
 * only (handshakes run there, over memory BIOs). */
#include <string.h>
#include <openssl/ssl.h>
#include "tls.h"
#include "tls_private.h"
#include "sip_core.h"

/* "NAME:CERT:KEY" split; FALSE when a part is missing. */
gboolean
sip_tls_sni_entry_parse(const char *entry, char **name, char **cert, char **key)
{
    g_auto(GStrv) parts = g_strsplit(entry, ":", 3);

    if (g_strv_length(parts) != 3 || !*g_strstrip(parts[0]) || !*g_strstrip(parts[1])
        || !*g_strstrip(parts[2]))
        return FALSE;
    *name = g_ascii_strdown(parts[0], -1);
    *cert = g_strdup(parts[1]);
    *key = g_strdup(parts[2]);
    return TRUE;
}

static SSL_CTX *
identity_ctx(const char *cert, const char *key, GError **error)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());

    if (ctx && SSL_CTX_use_certificate_chain_file(ctx, cert) == 1
        && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1
        && SSL_CTX_check_private_key(ctx) == 1
        && SSL_CTX_set_session_id_context(ctx, (const unsigned char *) "carillon", 8) == 1)
        return ctx;         /* the id context of the transport's, for resumption */
    g_autofree char *why = sip_tls_openssl_error();
    g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT, "TLS certificate %s / key %s: %s",
                cert, key, *why ? why : "failed");
    if (ctx)
        SSL_CTX_free(ctx);
    return NULL;
}

/* The identity for `name`: exact, else "*." and the name's parent. */
static SSL_CTX *
lookup(GHashTable *sni, const char *name)
{
    g_autofree char *low = g_ascii_strdown(name, -1);
    const char *dot = strchr(low, '.');
    SSL_CTX *ctx = g_hash_table_lookup(sni, low);

    if (!ctx && dot && dot != low) {
        g_autofree char *wild = g_strconcat("*", dot, NULL);
        ctx = g_hash_table_lookup(sni, wild);
    }
    return ctx;
}

/* OpenSSL, during the ClientHello: switch to the name's certificate
 * (the transport's versions, ciphers and verification stay). */
static int
servername(SSL *ssl, int *alert, void *arg)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    SSL_CTX *ctx = name ? lookup(arg, name) : NULL;

    (void) alert;
    if (ctx && !SSL_set_SSL_CTX(ssl, ctx))
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

static gboolean
add_entry(GHashTable *sni, const char *entry, GError **error)
{
    g_autofree char *name = NULL, *cert = NULL, *key = NULL;
    SSL_CTX *ctx;

    if (!sip_tls_sni_entry_parse(entry, &name, &cert, &key)) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT,
                    "tls_certs entry '%s': use NAME:CERT_FILE:KEY_FILE", entry);
        return FALSE;
    }
    if (!(ctx = identity_ctx(cert, key, error)))
        return FALSE;
    g_hash_table_replace(sni, g_steal_pointer(&name), ctx);
    return TRUE;
}

gboolean
sip_tls_sni_setup(SipTlsContext *t, char *const *entries, GError **error)
{
    if (!entries || !*entries)
        return TRUE;
    t->sni = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) SSL_CTX_free);
    for (guint i = 0; entries[i]; i++)
        if (!add_entry(t->sni, entries[i], error))
            return FALSE;
    SSL_CTX_set_tlsext_servername_callback(t->ctx, servername);
    SSL_CTX_set_tlsext_servername_arg(t->ctx, t->sni);
    return TRUE;
}
