/* Unit tests: digest authentication, nonces, replay and blocking. */
#include <string.h>

#include <carillon/carillon.h>

#include "../../../modules/res_sip/auth.h"
#include "../../../modules/res_sip/siphash.h"

static gint64 fake_now = 1000;

static gint64
fake_clock(void)
{
    return fake_now;
}

static const char *
lookup(const char *username, gpointer data)
{
    return strcmp(username, "1001") == 0 ? "pw1001" : NULL;
}

static SipAuthSource *
source(const char *ip)
{
    SipAuthSource *s = g_new0(SipAuthSource, 1);
    g_assert_true(sip_auth_source_parse(ip, s));
    return s;
}

static SipAuth *
new_auth(guint max_failures)
{
    SipAuthConfig c = { .realm = "office.example", .nonce_lifetime = 300,
                        .max_failures = max_failures, .failure_window = 60,
                        .block_time = 600 };
    SipAuth *auth = sip_auth_new(&c);
    sip_auth_set_clock(auth, fake_clock);
    return auth;
}

/* Extracts the nonce of the first challenge line. */
static char *
challenge_nonce(SipAuth *auth, const SipAuthSource *src)
{
    g_autoptr(GString) ch = g_string_new(NULL);
    const char *p, *q;

    sip_auth_append_challenge(auth, src, FALSE, FALSE, FALSE, ch);
    p = strstr(ch->str, "nonce=\"") + 7;
    q = strchr(p, '"');
    return g_strndup(p, q - p);
}

/* A REGISTER with credentials for (user, password) computed with alg. */
static GString *
register_with(const char *user, const char *password, const char *alg_name,
              SipDigestAlgorithm alg, const char *nonce, const char *nc)
{
    g_autofree char *resp = sip_auth_compute_response(
        alg, user, "office.example", password, "REGISTER", "sip:office.example",
        nonce, nc, "abcdef", "auth");
    GString *m = g_string_new(NULL);

    g_string_append_printf(m,
        "REGISTER sip:office.example SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:%s@office.example>;tag=a\r\n"
        "To: <sip:%s@office.example>\r\n"
        "Call-ID: c1\r\n"
        "CSeq: 2 REGISTER\r\n"
        "Authorization: Digest username=\"%s\", realm=\"office.example\", "
        "nonce=\"%s\", uri=\"sip:office.example\", response=\"%s\", "
        "algorithm=%s, cnonce=\"abcdef\", qop=auth, nc=%s\r\n"
        "Content-Length: 0\r\n\r\n", user, user, user, nonce, resp, alg_name, nc);
    return m;
}

static SipAuthResult
verify(SipAuth *auth, GString *text, const SipAuthSource *src, char **user)
{
    g_autoptr(SipMsg) msg = sip_msg_new();

    g_assert_cmpint(sip_msg_parse(msg, text->str, text->len, SIP_PARSE_DATAGRAM,
                                  NULL), ==, SIP_PARSE_OK);
    return sip_auth_verify(auth, msg, FALSE, src, lookup, NULL, user);
}

static void
test_rfc7616_vectors(void)
{
    g_autofree char *md5 = sip_auth_compute_response(
        SIP_DIGEST_ALG_MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
        "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth");
    g_autofree char *sha = sip_auth_compute_response(
        SIP_DIGEST_ALG_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life",
        "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth");

    g_assert_cmpstr(md5, ==, "8ca523f5e9506fed4657c9700eebdbec");
    g_assert_cmpstr(sha, ==,
                    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

static void
test_challenge_offers_both(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autoptr(GString) ch = g_string_new(NULL);
    const char *sha, *md5;

    sip_auth_append_challenge(auth, src, FALSE, TRUE, FALSE, ch);
    sha = strstr(ch->str, "algorithm=SHA-256");
    md5 = strstr(ch->str, "algorithm=MD5");
    g_assert_nonnull(sha);
    g_assert_nonnull(md5);
    g_assert_true(sha < md5);
    g_assert_true(g_str_has_prefix(ch->str, "WWW-Authenticate: Digest realm=\"office.example\""));
    g_assert_nonnull(strstr(ch->str, "qop=\"auth\", stale=true\r\n"));
    sip_auth_free(auth);
}

static void
test_configured_order(void)
{
    SipAuthConfig c = { .realm = "r", .nonce_lifetime = 300, .n_algorithms = 2,
                        .algorithms = { SIP_DIGEST_ALG_MD5, SIP_DIGEST_ALG_SHA256 } };
    SipAuth *auth = sip_auth_new(&c);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autoptr(GString) ch = g_string_new(NULL);

    sip_auth_append_challenge(auth, src, TRUE, FALSE, FALSE, ch);
    g_assert_true(strstr(ch->str, "algorithm=MD5") < strstr(ch->str, "algorithm=SHA-256"));
    g_assert_true(g_str_has_prefix(ch->str, "Proxy-Authenticate: Digest realm=\"r\""));
    g_string_truncate(ch, 0);
    sip_auth_append_challenge(auth, src, FALSE, FALSE, TRUE, ch);
    g_assert_nonnull(strstr(ch->str, "algorithm=MD5"));
    g_assert_null(strstr(ch->str, "SHA-256"));
    sip_auth_free(auth);
}

/* Credentials with an algorithm that was not offered are not accepted. */
static void
test_algorithm_not_offered(void)
{
    SipAuthConfig c = { .realm = "office.example", .nonce_lifetime = 300,
                        .n_algorithms = 1, .algorithms = { SIP_DIGEST_ALG_SHA256 } };
    SipAuth *auth = sip_auth_new(&c);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autofree char *nonce = (sip_auth_set_clock(auth, fake_clock),
                              challenge_nonce(auth, src));
    g_autoptr(GString) md5 = register_with("1001", "pw1001", "MD5",
                                           SIP_DIGEST_ALG_MD5, nonce, "00000001");
    char *user = NULL;

    g_assert_cmpint(verify(auth, md5, src, &user), ==, SIP_AUTH_CHALLENGE);
    sip_auth_free(auth);
}

static void
test_good_and_replay(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autofree char *nonce = challenge_nonce(auth, src);
    g_autoptr(GString) sha = register_with("1001", "pw1001", "SHA-256",
                                           SIP_DIGEST_ALG_SHA256, nonce, "00000001");
    g_autoptr(GString) md5 = register_with("1001", "pw1001", "MD5",
                                           SIP_DIGEST_ALG_MD5, nonce, "00000002");
    char *user = NULL;

    g_assert_cmpint(verify(auth, sha, src, &user), ==, SIP_AUTH_OK);
    g_assert_cmpstr(user, ==, "1001");
    g_clear_pointer(&user, g_free);
    g_assert_cmpint(verify(auth, md5, src, &user), ==, SIP_AUTH_OK);
    g_clear_pointer(&user, g_free);
    /* The same nc again is a replay. */
    g_assert_cmpint(verify(auth, md5, src, &user), ==, SIP_AUTH_CHALLENGE);
    g_assert_null(user);
    sip_auth_free(auth);
}

static void
test_unknown_user_same_as_wrong_password(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autofree char *nonce = challenge_nonce(auth, src);
    g_autoptr(GString) wrong = register_with("1001", "guess", "MD5",
                                             SIP_DIGEST_ALG_MD5, nonce, "00000001");
    g_autoptr(GString) unknown = register_with("9999", "guess", "MD5",
                                               SIP_DIGEST_ALG_MD5, nonce, "00000001");
    char *user = NULL;

    g_assert_cmpint(verify(auth, wrong, src, &user), ==, SIP_AUTH_FAILED);
    g_assert_cmpint(verify(auth, unknown, src, &user), ==, SIP_AUTH_FAILED);
    g_assert_null(user);
    sip_auth_free(auth);
}

/* SipHash-2-4 against the paper's vectors (appendix A: key 00..0f,
 * message 00..0e; and the empty message of the reference test set). */
static void
test_siphash_vectors(void)
{
    guint8 key[16], msg[64];

    for (guint i = 0; i < sizeof(key); i++)
        key[i] = (guint8) i;
    for (guint i = 0; i < sizeof(msg); i++)
        msg[i] = (guint8) i;
    g_assert_cmphex(sip_siphash24(key, msg, 15), ==, G_GUINT64_CONSTANT(0xa129ca6149be45e5));
    g_assert_cmphex(sip_siphash24(key, msg, 0), ==, G_GUINT64_CONSTANT(0x726fdb47dd0e0e31));
    /* every length through two blocks differs from its neighbours */
    for (guint n = 1; n < 17; n++)
        g_assert_cmphex(sip_siphash24(key, msg, n), !=, sip_siphash24(key, msg, n - 1));
}

/* A response longer than any digest (or in upper case) is compared like
 * any other: too long fails, case does not matter. */
static void
test_response_shape(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autofree char *nonce = challenge_nonce(auth, src);
    g_autoptr(GString) good = register_with("1001", "pw1001", "MD5",
                                            SIP_DIGEST_ALG_MD5, nonce, "00000001");
    g_autoptr(GString) upper = g_string_new(good->str);
    g_autoptr(GString) longer = g_string_new(good->str);
    const char *r = strstr(good->str, "response=\"") + strlen("response=\"");
    gsize at = (gsize) (r - good->str);
    char *user = NULL;

    for (gsize i = at; i < at + 32; i++)
        upper->str[i] = g_ascii_toupper(upper->str[i]);
    g_string_insert(longer, (gssize) at, "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef");
    g_assert_cmpint(verify(auth, longer, src, &user), ==, SIP_AUTH_FAILED);
    g_assert_null(user);
    g_assert_cmpint(verify(auth, upper, src, &user), ==, SIP_AUTH_OK);
    g_assert_cmpstr(user, ==, "1001");
    g_free(user);
    sip_auth_free(auth);
}

static void
test_stale_and_foreign_nonce(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autofree SipAuthSource *other = source("::1");
    g_autofree char *nonce = challenge_nonce(auth, src);
    g_autoptr(GString) req = register_with("1001", "pw1001", "MD5",
                                           SIP_DIGEST_ALG_MD5, nonce, "00000001");
    g_autoptr(GString) forged = register_with("1001", "pw1001", "MD5", SIP_DIGEST_ALG_MD5,
                                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                              "00000001");
    char *user = NULL;

    g_assert_cmpint(verify(auth, req, other, &user), ==, SIP_AUTH_CHALLENGE);
    /* Two challenges never share a nonce. */
    {
        g_autofree char *again = challenge_nonce(auth, src);
        g_assert_cmpstr(again, !=, nonce);
    }
    g_assert_cmpint(verify(auth, forged, src, &user), ==, SIP_AUTH_CHALLENGE);
    fake_now += 301;
    g_assert_cmpint(verify(auth, req, src, &user), ==, SIP_AUTH_STALE);
    g_assert_null(user);
    sip_auth_free(auth);
}

static void
test_no_or_other_credentials(void)
{
    SipAuth *auth = new_auth(0);
    g_autofree SipAuthSource *src = source("127.0.0.1");
    g_autoptr(GString) none = g_string_new(
        "REGISTER sip:office.example SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
        "From: <sip:1001@office.example>;tag=a\r\nTo: <sip:1001@office.example>\r\n"
        "Call-ID: c\r\nCSeq: 1 REGISTER\r\nAuthorization: NewAuth foo=bar\r\n"
        "Content-Length: 0\r\n\r\n");
    g_autoptr(GString) noqop = g_string_new(
        "REGISTER sip:office.example SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
        "From: <sip:1001@office.example>;tag=a\r\nTo: <sip:1001@office.example>\r\n"
        "Call-ID: c\r\nCSeq: 1 REGISTER\r\nAuthorization: Digest username=\"1001\", "
        "realm=\"office.example\", nonce=\"x\", uri=\"sip:office.example\", "
        "response=\"00\"\r\nContent-Length: 0\r\n\r\n");
    char *user = NULL;

    g_assert_cmpint(verify(auth, none, src, &user), ==, SIP_AUTH_CHALLENGE);
    g_assert_cmpint(verify(auth, noqop, src, &user), ==, SIP_AUTH_BAD_REQUEST);
    sip_auth_free(auth);
}

static void
count_blocked(const char *address, guint failures, gint64 left, gpointer data)
{
    g_assert_cmpstr(address, ==, "127.0.0.2");
    g_assert_cmpuint(failures, ==, 3);
    (*(guint *) data)++;
}

static void
test_blocking(void)
{
    SipAuth *auth = new_auth(3);
    g_autofree SipAuthSource *src = source("127.0.0.2");
    char *user = NULL;
    guint n = 0;

    for (int i = 1; i <= 3; i++) {
        g_autofree char *nonce = challenge_nonce(auth, src);
        g_autoptr(GString) bad = register_with("1001", "nope", "MD5",
                                               SIP_DIGEST_ALG_MD5, nonce, "00000001");
        g_assert_false(sip_auth_is_blocked(auth, src));
        g_assert_cmpint(verify(auth, bad, src, &user), ==, SIP_AUTH_FAILED);
    }
    g_assert_true(sip_auth_is_blocked(auth, src));
    sip_auth_foreach_blocked(auth, count_blocked, &n);
    g_assert_cmpuint(n, ==, 1);
    g_assert_true(sip_auth_unblock(auth, "127.0.0.2"));
    g_assert_false(sip_auth_is_blocked(auth, src));
    g_assert_false(sip_auth_unblock(auth, "127.0.0.2"));

    /* Blocks expire by themselves. */
    for (int i = 1; i <= 3; i++) {
        g_autofree char *nonce = challenge_nonce(auth, src);
        g_autoptr(GString) bad = register_with("1001", "nope", "MD5",
                                               SIP_DIGEST_ALG_MD5, nonce, "00000001");
        verify(auth, bad, src, &user);
    }
    g_assert_true(sip_auth_is_blocked(auth, src));
    fake_now += 601;
    g_assert_false(sip_auth_is_blocked(auth, src));
    sip_auth_free(auth);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Digest authentication (RFC 7616/8760) for SIP");
    pbx_log_set_level("*", PBX_LOG_ERROR);
    g_test_add_func("/sip/auth/rfc7616-vectors", test_rfc7616_vectors);
    g_test_add_func("/sip/auth/challenge-offers-sha256-and-md5", test_challenge_offers_both);
    g_test_add_func("/sip/auth/configured-order", test_configured_order);
    g_test_add_func("/sip/auth/algorithm-not-offered", test_algorithm_not_offered);
    g_test_add_func("/sip/auth/good-and-replay", test_good_and_replay);
    g_test_add_func("/sip/auth/unknown-user-same-as-wrong-password",
                    test_unknown_user_same_as_wrong_password);
    g_test_add_func("/sip/auth/response-shape", test_response_shape);
    g_test_add_func("/sip/auth/siphash-vectors", test_siphash_vectors);
    g_test_add_func("/sip/auth/stale-and-foreign-nonce", test_stale_and_foreign_nonce);
    g_test_add_func("/sip/auth/no-or-other-credentials", test_no_or_other_credentials);
    g_test_add_func("/sip/auth/blocking", test_blocking);
    return g_test_run();
}
