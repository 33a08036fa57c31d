/* Carillon - unit tests of digest credentials/challenge parsing
 * (RFC 3261 22, RFC 7616, RFC 8760) in modules/res_sip/sip_msg.h. */
#include <string.h>

#include <carillon/sip/msg.h>

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static void
check_slice(SipSlice s, const char *expected)
{
    g_autofree char *copy = s.p ? g_strndup(s.p, s.len) : NULL;

    g_assert_cmpstr(copy, ==, expected);
}

static gboolean
parse(const char *text, SipDigestParams *dp)
{
    return sip_parse_digest(sip_slice_from_str(text), dp);
}

static void
test_credentials(void)
{
    SipDigestParams dp;

    g_assert_true(parse("Digest username=\"bob\",\r\n realm=\"biloxi.com\", "
                        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", "
                        "qop=auth, nc=0000000a, cnonce=\"0a4f113b\", "
                        "response=\"6629fae49393a05397450978507c4ef1\", "
                        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_DIGEST);
    check_slice(dp.scheme_name, "Digest");
    check_slice(dp.username, "bob");
    check_slice(dp.realm, "biloxi.com");
    check_slice(dp.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    check_slice(dp.uri, "sip:bob@biloxi.com");
    check_slice(dp.qop, "auth");
    g_assert_cmpuint(dp.qop_mask, ==, SIP_DIGEST_QOP_AUTH);
    check_slice(dp.nc, "0000000a");
    g_assert_cmpuint(dp.nc_value, ==, 10);
    check_slice(dp.cnonce, "0a4f113b");
    check_slice(dp.response, "6629fae49393a05397450978507c4ef1");
    check_slice(dp.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_NONE);
    g_assert_null(dp.algorithm_name.p);

    /* scheme and param names are case-insensitive; unquoted uri tolerated */
    g_assert_true(parse("digest USERNAME=\"a\",Realm=\"r\",NONCE=\"n\",uri=sip:x@y,"
                        "response=\"00\",algorithm=md5-SESS", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_DIGEST);
    check_slice(dp.username, "a");
    check_slice(dp.uri, "sip:x@y");
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_MD5_SESS);

    /* escaped quotes in a username */
    g_assert_true(parse("Digest username=\"a\\\"b\\\\c\", realm=\"r\", nonce=\"n\"", &dp));
    {
        g_autoptr(GString) s = g_string_new(NULL);

        check_slice(dp.username, "a\\\"b\\\\c");
        sip_unquote(dp.username, s);
        g_assert_cmpstr(s->str, ==, "a\"b\\c");
    }

    /* RFC 7616 userhash and SHA-256 */
    g_assert_true(parse(
        "Digest username=\"488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec\", "
        "realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-256, "
        "nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", nc=00000001, "
        "cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth, "
        "response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\", "
        "opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", userhash=true",
        &dp));
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_SHA256);
    g_assert_true(dp.userhash);
    g_assert_true(parse("Digest username=\"u\", algorithm=SHA-512-256-sess", &dp));
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_SHA512_256_SESS);
    g_assert_true(parse("Digest username=\"u\", algorithm=\"SHA-256-sess\"", &dp));
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_SHA256_SESS);
    g_assert_true(parse("Digest username=\"u\", algorithm=AKAv1-MD5", &dp));
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_OTHER);
    g_assert_true(parse("Digest username=\"u\", algorithm=MD5", &dp));
    g_assert_cmpint(dp.algorithm, ==, SIP_DIGEST_ALG_MD5);
}

static void
test_challenge(void)
{
    SipDigestParams dp;

    g_assert_true(parse("Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", "
                        "qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
                        "opaque=\"\", stale=FALSE, algorithm=MD5", &dp));
    check_slice(dp.realm, "atlanta.com");
    check_slice(dp.domain, "sip:ss1.carrier.com");
    g_assert_cmpuint(dp.qop_mask, ==, SIP_DIGEST_QOP_AUTH | SIP_DIGEST_QOP_AUTH_INT);
    check_slice(dp.opaque, "");
    g_assert_nonnull(dp.opaque.p);
    g_assert_false(dp.stale);
    g_assert_true(parse("Digest realm=\"r\", nonce=\"n\", stale=true, qop=\" auth , x-y \"", &dp));
    g_assert_true(dp.stale);
    g_assert_cmpuint(dp.qop_mask, ==, SIP_DIGEST_QOP_AUTH | SIP_DIGEST_QOP_OTHER);
    /* unknown parameters are ignored */
    g_assert_true(parse("Digest realm=\"r\", nonce=\"n\", charset=UTF-8, x-ext=\"a, b\"", &dp));
}

static void
test_other_schemes(void)
{
    SipDigestParams dp;

    g_assert_true(parse("NewAuth opaque-data=here", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_OTHER);
    check_slice(dp.scheme_name, "NewAuth");
    check_slice(dp.params, "opaque-data=here");
    g_assert_true(parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_OTHER);
    g_assert_true(parse("Bearer", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_OTHER);
    g_assert_true(parse("DigestX realm=\"r\"", &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_OTHER);
}

static void
test_malformed(void)
{
    static const char *const bad[] = {
        "", "   ", "Digest", "Digest ", "Digest realm", "Digest realm=", "Digest realm=\"r",
        "Digest realm=\"r\" nonce=\"n\"", "Digest realm=\"r\",", "Digest realm=\"r\",,nonce=\"n\"",
        "Digest realm=\"r\", realm=\"s\"", "Digest nc=1", "Digest nc=0000000g",
        "Digest nc=000000001", "Digest stale=maybe", "Digest userhash=1", "Digest =x",
        "Digest,realm=\"r\"", "Digest realm=\"a\"b\"", "\"Digest\" realm=\"r\"",
    };
    SipDigestParams dp;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("%s", bad[i]);
        g_assert_false(parse(bad[i], &dp));
    }
    g_assert_false(sip_parse_digest(SIP_SLICE_NULL, &dp));
}

/* Headers of a real message, found through the message API. */
static void
test_in_message(void)
{
    static const char text[] =
        "SIP/2.0 407 Proxy Authentication Required\r\n"
        "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
        "Proxy-Authenticate: NewAuth realm=\"r\"\r\n"
        "Proxy-Authenticate: Digest realm=\"pbx\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"\r\n"
        "Proxy-Authenticate: Digest realm=\"pbx\", nonce=\"abc\", algorithm=MD5, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"w\", nonce=\"n\"\r\n"
        "Content-Length: 0\r\n\r\n";
    g_autoptr(SipMsg) msg = sip_msg_new();
    const SipHeader *h;
    SipDigestParams dp;
    guint digests = 0;

    g_assert_cmpint(sip_msg_parse(msg, text, sizeof text - 1, SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    for (guint i = 0; (h = sip_msg_get_header(msg, SIP_HDR_PROXY_AUTHENTICATE, i)) != NULL; i++) {
        g_assert_true(sip_parse_digest(h->value, &dp));
        if (dp.scheme == SIP_AUTH_SCHEME_DIGEST)
            digests++;
    }
    g_assert_cmpuint(digests, ==, 2);
    h = sip_msg_get_header(msg, SIP_HDR_WWW_AUTHENTICATE, 0);
    g_assert_true(sip_parse_digest(h->value, &dp));
    check_slice(dp.realm, "w");
}

static void
test_regaut01(void)
{
    g_autofree char *path = g_build_filename(data_dir(), "rfc4475", "regaut01.dat", NULL);
    g_autofree char *data = NULL;
    g_autoptr(SipMsg) msg = sip_msg_new();
    SipDigestParams dp;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpint(sip_msg_parse(msg, data, len, SIP_PARSE_DATAGRAM, NULL), ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_digest(sip_msg_get_header(msg, SIP_HDR_AUTHORIZATION, 0)->value, &dp));
    g_assert_cmpint(dp.scheme, !=, SIP_AUTH_SCHEME_DIGEST);
}

static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-digest", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-digest regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        SipDigestParams dp;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL))
            continue;
        g_test_message("regression %s", name);
        sip_parse_digest((SipSlice) { data, (guint32) len }, &dp);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Digest Authorization / WWW-Authenticate value parsing");

    g_test_add_func("/sip/digest/credentials", test_credentials);
    g_test_add_func("/sip/digest/challenge", test_challenge);
    g_test_add_func("/sip/digest/other-schemes", test_other_schemes);
    g_test_add_func("/sip/digest/malformed", test_malformed);
    g_test_add_func("/sip/digest/in-message", test_in_message);
    g_test_add_func("/sip/digest/regaut01", test_regaut01);
    g_test_add_func("/sip/digest/fuzz-regressions", test_fuzz_regressions);

    return g_test_run();
}
