/* Carillon - unit tests of the DTLS-SRTP SDP attributes (RFC 5763, 8122,
 * 4145, 5761; carillon/sip/sdp_dtls.h): a=setup values, a=fingerprint
 * hash functions and digests, the attributes of a stream at media or
 * session level, what we write, and malformed values refused. */
#include <string.h>

#include <carillon/sip/sdp_dtls.h>

#define FP256 "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:" \
              "9C:F1:EB:E8:86:77:A2:79:3D:10:5B"

static void
test_setup(void)
{
    SdpSetup s;
    g_autoptr(GError) error = NULL;

    g_assert_true(sdp_setup_parse("actpass", &s, NULL));
    g_assert_cmpint(s, ==, SDP_SETUP_ACTPASS);
    g_assert_true(sdp_setup_parse("ACTIVE", &s, NULL));
    g_assert_cmpint(s, ==, SDP_SETUP_ACTIVE);
    g_assert_true(sdp_setup_parse("passive", &s, NULL));
    g_assert_cmpint(s, ==, SDP_SETUP_PASSIVE);
    g_assert_true(sdp_setup_parse("holdconn", &s, NULL));
    g_assert_cmpint(s, ==, SDP_SETUP_HOLDCONN);
    g_assert_cmpstr(sdp_setup_to_string(SDP_SETUP_ACTIVE), ==, "active");
    g_assert_null(sdp_setup_to_string(SDP_SETUP_NONE));
    for (const char *const *bad = (const char *const[]) { "", "act", "actpass ", "both", NULL };
         *bad; bad++) {
        g_assert_false(sdp_setup_parse(*bad, &s, &error));
        g_assert_error(error, SDP_DTLS_ERROR, SDP_DTLS_ERROR_PARSE);
        g_clear_error(&error);
    }
    g_assert_false(sdp_setup_parse(NULL, &s, NULL));
}

static void
test_fingerprint(void)
{
    SdpFingerprint fp;
    g_autofree char *back = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(sdp_fingerprint_parse("sha-256 " FP256, &fp, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(fp.hash, ==, "sha-256");
    g_assert_cmpuint(fp.len, ==, 32);
    g_assert_cmpuint(fp.digest[0], ==, 0x4a);
    g_assert_cmpuint(fp.digest[31], ==, 0x5b);
    back = sdp_fingerprint_to_value(&fp);
    g_assert_cmpstr(back, ==, "sha-256 " FP256);
    /* hash names are case-insensitive, hex too (baresip writes SHA-256) */
    g_assert_true(sdp_fingerprint_parse("SHA-256 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:"
                                        "6b:19:e5:7c:ab:3d:9c:f1:eb:e8:86:77:a2:79:3d:10:5b",
                                        &fp, NULL));
    g_assert_cmpuint(fp.digest[1], ==, 0xad);
    g_assert_true(sdp_fingerprint_parse("sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
                                        "19:E5:7C:AB", &fp, NULL));
    g_assert_cmpuint(fp.len, ==, 20);
}

static void
test_fingerprint_bad(void)
{
    static const char *const bad[] = {
        "", "sha-256", "sha-256 ", "sha-257 " FP256, "sha-256 4A:AD",
        "sha-256 " FP256 ":00", "sha-256 " FP256 ":", "sha-256 4AAD" FP256,
        "sha-256 4G:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:"
        "9C:F1:EB:E8:86:77:A2:79:3D:10:5B",
        "sha-256 4A-AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:"
        "9C:F1:EB:E8:86:77:A2:79:3D:10:5B",
        "sha-1 " FP256, "sha-256 " FP256 " x", "md5",
    };
    SdpFingerprint fp;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(sdp_fingerprint_parse(bad[i], &fp, &error));
        g_assert_error(error, SDP_DTLS_ERROR, SDP_DTLS_ERROR_PARSE);
    }
    g_assert_false(sdp_fingerprint_parse(NULL, &fp, NULL));
}

static SdpSession *
parse(const char *sdp)
{
    g_autoptr(GError) error = NULL;
    SdpSession *s = sdp_session_parse(sdp, strlen(sdp), &error);

    g_assert_no_error(error);
    return s;
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"

static void
test_media_attrs(void)
{
    g_autoptr(SdpSession) media_level = parse(HEAD
        "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\n"
        "a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
        "a=fingerprint:sha-256 " FP256 "\r\na=rtcp-mux\r\n");
    /* baresip puts setup and fingerprint at session level */
    g_autoptr(SdpSession) session_level = parse(HEAD "a=setup:active\r\n"
        "a=fingerprint:SHA-256 " FP256 "\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n");
    g_autoptr(SdpSession) none = parse(HEAD "m=audio 4000 RTP/AVP 0\r\n");
    SdpDtlsAttrs a;

    g_assert_true(sdp_media_get_dtls(media_level, media_level->media->pdata[0], &a, NULL));
    g_assert_cmpint(a.setup, ==, SDP_SETUP_ACTPASS);
    g_assert_true(a.has_fingerprint);
    g_assert_cmpuint(a.fingerprint.len, ==, 32);   /* the sha-256 one, not the first */
    g_assert_true(a.rtcp_mux);
    g_assert_true(sdp_media_get_dtls(session_level, session_level->media->pdata[0], &a, NULL));
    g_assert_cmpint(a.setup, ==, SDP_SETUP_ACTIVE);
    g_assert_true(a.has_fingerprint);
    g_assert_false(a.rtcp_mux);
    g_assert_true(sdp_media_get_dtls(none, none->media->pdata[0], &a, NULL));
    g_assert_cmpint(a.setup, ==, SDP_SETUP_NONE);
    g_assert_false(a.has_fingerprint);
}

static void
test_media_attrs_bad(void)
{
    static const char *const bad[] = {
        "a=setup:sideways\r\n",
        "a=setup:active\r\na=setup:passive\r\n",
        "a=fingerprint:sha-256 00\r\n",
        "a=fingerprint:sha-256\r\n",
        "a=setup\r\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *text = g_strconcat(HEAD "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\n", bad[i],
                                            NULL);
        g_autoptr(SdpSession) s = parse(text);
        g_autoptr(GError) error = NULL;
        SdpDtlsAttrs a;

        g_assert_false(sdp_media_get_dtls(s, s->media->pdata[0], &a, &error));
        g_assert_error(error, SDP_DTLS_ERROR, SDP_DTLS_ERROR_PARSE);
    }
}

static void
test_write(void)
{
    g_autoptr(SdpSession) s = parse(HEAD "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\n");
    g_autofree char *text = NULL;
    g_autoptr(SdpSession) back = NULL;
    SdpFingerprint fp;
    SdpDtlsAttrs a;

    g_assert_true(sdp_fingerprint_parse("sha-256 " FP256, &fp, NULL));
    sdp_media_add_dtls(s->media->pdata[0], SDP_SETUP_PASSIVE, &fp, TRUE);
    text = sdp_session_to_string(s);
    g_assert_nonnull(strstr(text, "a=setup:passive\r\na=fingerprint:sha-256 " FP256
                                  "\r\na=rtcp-mux\r\n"));
    back = parse(text);
    g_assert_true(sdp_media_get_dtls(back, back->media->pdata[0], &a, NULL));
    g_assert_cmpint(a.setup, ==, SDP_SETUP_PASSIVE);
    g_assert_cmpmem(a.fingerprint.digest, 32, fp.digest, 32);
    g_assert_true(a.rtcp_mux);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sdp/dtls/setup", test_setup);
    g_test_add_func("/sdp/dtls/fingerprint", test_fingerprint);
    g_test_add_func("/sdp/dtls/fingerprint-bad", test_fingerprint_bad);
    g_test_add_func("/sdp/dtls/media", test_media_attrs);
    g_test_add_func("/sdp/dtls/media-bad", test_media_attrs_bad);
    g_test_add_func("/sdp/dtls/write", test_write);
    return g_test_run();
}
