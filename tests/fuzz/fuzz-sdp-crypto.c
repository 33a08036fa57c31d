/* Carillon - libFuzzer harness for SDES a=crypto values
 * (sdp_crypto_parse, sdp_crypto_to_value). */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/sdp_crypto.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

/* What parsed must be sane, and our own writing of it must parse back
 * to the same suite, tag and key. */
static void
check_roundtrip(const SdpCrypto *c)
{
    SdpCrypto back;
    char *value;

    if (c->suite >= SDP_SRTP_N_SUITES || c->key_len != sdp_srtp_suite_key_len(c->suite) ||
        c->tag > 999999999 || c->mki_len > 128)
        abort();
    value = sdp_crypto_to_value(c);
    if (!sdp_crypto_parse(value, &back, NULL) || back.suite != c->suite || back.tag != c->tag ||
        memcmp(back.key, c->key, c->key_len) != 0)
        abort();
    sdp_crypto_free_value(value);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    char *value;
    SdpCrypto c;
    GError *error = NULL;

    if (size > 4096)
        return 0;
    value = g_strndup((const char *) data, size);
    if (sdp_crypto_parse(value, &c, &error))
        check_roundtrip(&c);
    else if (error == NULL || error->domain != SDP_CRYPTO_ERROR)
        abort();
    g_clear_error(&error);
    g_free(value);
    return 0;
}
