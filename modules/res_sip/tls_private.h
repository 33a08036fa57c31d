/* Carillon - res_sip TLS internals shared by tls_context.c and
 * tls_session.c.  Main context only. */
#pragma once

#include <openssl/ssl.h>
#include "tls.h"

struct _SipTlsContext {
    SSL_CTX *ctx;
    SipTlsConf *conf;
    GHashTable *sni;            /* server name (lower case) -> SSL_CTX, or NULL */
};

/* tls_sni.c: the tls_certs identities and the servername callback. */
gboolean sip_tls_sni_setup(SipTlsContext *t, char *const *entries, GError **error);

/* OpenSSL's error queue as one message (a new string; the queue is
 * emptied). */
char *sip_tls_openssl_error(void);
