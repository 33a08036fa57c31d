/* Carillon - unit tests of SDES a=crypto values (RFC 4568;
 * carillon/sip/sdp_crypto.h): the four suites, lifetime and MKI,
 * session parameters, and every malformed part refused with an error
 * that does not quote the key. */
#include <string.h>

#include <carillon/sip/sdp_crypto.h>

/* RFC 4568 section 4's example key. */
#define RFC_KEY "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

static void
test_rfc_example(void)
{
    SdpCrypto c;
    g_autoptr(GError) error = NULL;
    g_autofree guint8 *raw = NULL;
    gsize raw_len = 0;

    g_assert_true(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:4",
                                   &c, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(c.tag, ==, 1);
    g_assert_cmpint(c.suite, ==, SDP_SRTP_AES_CM_128_HMAC_SHA1_80);
    g_assert_cmpuint(c.key_len, ==, 30);
    raw = g_base64_decode(RFC_KEY, &raw_len);
    g_assert_cmpmem(c.key, c.key_len, raw, raw_len);
    g_assert_cmpuint(c.lifetime, ==, 1u << 20);
    g_assert_cmpuint(c.mki, ==, 1);
    g_assert_cmpuint(c.mki_len, ==, 4);
    g_assert_false(c.session_params);
}

/* Each suite: a key of its length round-trips through our writer. */
static void
test_suites_roundtrip(void)
{
    for (guint s = 0; s < SDP_SRTP_N_SUITES; s++) {
        SdpCrypto c = { .tag = 7 + s, .suite = (SdpSrtpSuite) s }, back;
        g_autoptr(GError) error = NULL;
        char *value;

        c.key_len = sdp_srtp_suite_key_len(c.suite);
        for (guint i = 0; i < c.key_len; i++)
            c.key[i] = (guint8) (i * 7 + s);
        value = sdp_crypto_to_value(&c);
        g_test_message("%s", value);
        g_assert_true(g_str_has_prefix(value, "7") || s > 0);
        g_assert_nonnull(strstr(value, sdp_srtp_suite_name(c.suite)));
        g_assert_true(sdp_crypto_parse(value, &back, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(back.tag, ==, c.tag);
        g_assert_cmpint(back.suite, ==, c.suite);
        g_assert_cmpmem(back.key, back.key_len, c.key, c.key_len);
        sdp_crypto_free_value(value);
    }
    g_assert_cmpuint(sdp_srtp_suite_key_len(SDP_SRTP_AES_CM_128_HMAC_SHA1_32), ==, 30);
    g_assert_cmpuint(sdp_srtp_suite_key_len(SDP_SRTP_AEAD_AES_128_GCM), ==, 28);
    g_assert_cmpuint(sdp_srtp_suite_key_len(SDP_SRTP_AEAD_AES_256_GCM), ==, 44);
}

static void
test_variants(void)
{
    SdpCrypto c;

    /* padding left out, tabs, a decimal lifetime, session parameters */
    g_assert_true(sdp_crypto_parse("2 AEAD_AES_128_GCM "
                                   "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw", &c, NULL));
    g_assert_cmpuint(c.key[27], ==, 27);
    g_assert_true(sdp_crypto_parse("3\tAES_CM_128_HMAC_SHA1_32\tinline:" RFC_KEY "|1048576", &c,
                                   NULL));
    g_assert_cmpuint(c.lifetime, ==, 1048576);
    g_assert_cmpuint(c.mki_len, ==, 0);
    g_assert_true(sdp_crypto_parse("4 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=1", &c, NULL));
    g_assert_true(c.session_params);
    g_assert_true(sdp_crypto_parse("5 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|3:1", &c, NULL));
    g_assert_cmpuint(c.mki, ==, 3);
    g_assert_cmpuint(c.mki_len, ==, 1);
}

static void
bad(const char *value, SdpCryptoError code, const char *fragment)
{
    SdpCrypto c;
    g_autoptr(GError) error = NULL;

    g_test_message("%s", value);
    memset(&c, 0xaa, sizeof(c));
    g_assert_false(sdp_crypto_parse(value, &c, &error));
    g_assert_error(error, SDP_CRYPTO_ERROR, (gint) code);
    g_assert_nonnull(strstr(error->message, fragment));
    g_assert_null(strstr(error->message, "PS1u"));  /* never the key */
    g_assert_cmpuint(c.key[0] | c.key_len | c.tag, ==, 0);    /* wiped */
}

static void
test_errors(void)
{
    bad("", SDP_CRYPTO_ERROR_PARSE, "tag");
    bad("x AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, SDP_CRYPTO_ERROR_PARSE, "tag");
    bad("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, SDP_CRYPTO_ERROR_PARSE, "tag");
    bad("1", SDP_CRYPTO_ERROR_PARSE, "suite");
    bad("1 F8_128_HMAC_SHA1_80 inline:" RFC_KEY, SDP_CRYPTO_ERROR_SUITE, "suite");
    bad("1 aes_cm_128_hmac_sha1_80 inline:" RFC_KEY, SDP_CRYPTO_ERROR_SUITE, "suite");
    bad("1 AES_CM_128_HMAC_SHA1_80", SDP_CRYPTO_ERROR_PARSE, "no key");
    bad("1 AES_CM_128_HMAC_SHA1_80 uri:" RFC_KEY, SDP_CRYPTO_ERROR_PARSE, "inline");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFC", SDP_CRYPTO_ERROR_PARSE, "length");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "AAAA", SDP_CRYPTO_ERROR_PARSE, "length");
    bad("1 AEAD_AES_256_GCM inline:" RFC_KEY, SDP_CRYPTO_ERROR_PARSE, "length");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkp*ywjNWhcYD0mXXtxaVBR",
        SDP_CRYPTO_ERROR_PARSE, "base64");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB=",
        SDP_CRYPTO_ERROR_PARSE, "base64");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^99", SDP_CRYPTO_ERROR_PARSE, "lifetime");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|", SDP_CRYPTO_ERROR_PARSE, "lifetime");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:200", SDP_CRYPTO_ERROR_PARSE, "MKI");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:1|2:1", SDP_CRYPTO_ERROR_PARSE, "MKI");
    bad("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY ";inline:" RFC_KEY, SDP_CRYPTO_ERROR_PARSE,
        "more than one");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("SDES a=crypto values");

    g_test_add_func("/sip/sdp-crypto/rfc-example", test_rfc_example);
    g_test_add_func("/sip/sdp-crypto/suites-roundtrip", test_suites_roundtrip);
    g_test_add_func("/sip/sdp-crypto/variants", test_variants);
    g_test_add_func("/sip/sdp-crypto/errors", test_errors);

    return g_test_run();
}
