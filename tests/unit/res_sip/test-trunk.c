/* Unit tests: trunks in endpoints.conf, `match` ranges, and the digest
 * answers Carillon sends to a provider, checked by res_sip's own
 * verifier (MD5 and SHA-256). */
#include <string.h>

#include "../../../modules/res_sip/auth.h"
#include "../../../modules/res_sip/auth_client.h"
#include "../../../modules/res_sip/endpoint_table.h"

static SipEndpointTable *
parse(const char *text, GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("endpoints.conf", text, -1, error);
    return cfg ? sip_endpoint_table_new(cfg, error) : NULL;
}

static void
test_trunk_section(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipEndpointTable) t = parse(
        "[1001]\nsecret = pw\ncontext = office\nmax_trunk_calls = 3\n"
        "international_per_hour = 5\n"
        "[provider]\ntype = trunk\nhost = a.example, 192.0.2.7\nport = 5070\n"
        "transport = tcp\nusername = u\npassword = p\nfrom_user = acct\n"
        "send_pai = yes\nmatch = 192.0.2.0/24, [2001:db8::1]:5060\n"
        "context = from-provider\ndid_source = to\nregister = yes\n"
        "outbound_contexts = office\nmax_calls = 7\n", &error);
    SipEndpoint *e;

    g_assert_no_error(error);
    e = sip_endpoint_table_lookup(t, "1001");
    g_assert_null(e->trunk);
    g_assert_cmpuint(e->max_trunk_calls, ==, 3);
    g_assert_cmpuint(e->international_per_hour, ==, 5);
    e = sip_endpoint_table_lookup(t, "provider");
    g_assert_nonnull(e->trunk);
    g_assert_null(e->secret);
    g_assert_cmpstr(e->context, ==, "from-provider");
    g_assert_cmpstr(e->trunk->hosts[0], ==, "a.example");
    g_assert_cmpstr(e->trunk->hosts[1], ==, "192.0.2.7");
    g_assert_cmpuint(e->trunk->port, ==, 5070);
    g_assert_cmpint(e->trunk->transport, ==, SIP_TRANSPORT_TCP);
    g_assert_cmpstr(e->trunk->from_user, ==, "acct");
    g_assert_true(e->trunk->send_pai);
    g_assert_false(e->trunk->send_rpid);
    g_assert_cmpint(e->trunk->did_source, ==, SIP_DID_FROM_TO);
    g_assert_true(e->trunk->do_register);
    g_assert_cmpstr(e->trunk->contact_user, ==, "u");
    g_assert_cmpuint(e->trunk->max_calls, ==, 7);
    g_assert_cmpstr(e->trunk->outbound_contexts[0], ==, "office");
    g_assert_true(sip_endpoint_table_match_source(t, "192.0.2.200", 40000) == e);
    g_assert_true(sip_endpoint_table_match_source(t, "2001:db8::1", 5060) == e);
    g_assert_null(sip_endpoint_table_match_source(t, "2001:db8::1", 5061));
    g_assert_null(sip_endpoint_table_match_source(t, "192.0.3.1", 5060));
}

static void
test_trunk_errors(void)
{
    static const char *const bad[][2] = {
        { "[t]\ntype = trunk\n", "host" },
        { "[t]\ntype = trunk\nhost = h\nmatch = h.example\n", "match" },
        { "[t]\ntype = trunk\nhost = h\nmatch = 10.0.0.0/33\n", "match" },
        { "[t]\ntype = trunk\nhost = h\ntransport = sctp\n", "transport" },
        { "[t]\ntype = trunk\nhost = h\nusername = u\n", "password" },
        { "[t]\ntype = trunk\nhost = h\nregister = yes\n", "username" },
        { "[t]\ntype = trunk\nhost = h\ndid_source = from\n", "did_source" },
        { "[t]\ntype = trunk\nhost = h\nsecret = x\n", "secret" },
        { "[t]\ntype = gateway\nsecret = x\n", "type" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SipEndpointTable) t = parse(bad[i][0], &error);
        g_assert_null(t);
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error->message, bad[i][1]));
        g_assert_nonnull(strstr(error->message, "endpoints.conf:"));
    }
}

static void
test_cidr(void)
{
    SipCidr c;

    g_assert_true(sip_cidr_parse("10.1.0.0/16", &c));
    g_assert_true(sip_cidr_contains(&c, "10.1.255.3", 1));
    g_assert_false(sip_cidr_contains(&c, "10.2.0.1", 1));
    g_assert_false(sip_cidr_contains(&c, "::1", 1));
    g_assert_true(sip_cidr_parse("10.1.2.3/23", &c));
    g_assert_true(sip_cidr_contains(&c, "10.1.3.200", 0));
    g_assert_false(sip_cidr_contains(&c, "10.1.4.1", 0));
    g_assert_true(sip_cidr_parse("0.0.0.0/0", &c));
    g_assert_true(sip_cidr_contains(&c, "203.0.113.9", 0));
    g_assert_true(sip_cidr_parse("127.0.0.1:5070", &c));
    g_assert_true(sip_cidr_contains(&c, "127.0.0.1", 5070));
    g_assert_false(sip_cidr_contains(&c, "127.0.0.1", 5071));
    g_assert_true(sip_cidr_parse("2001:db8::/32", &c));
    g_assert_true(sip_cidr_contains(&c, "2001:db8:ffff::1", 0));
    g_assert_false(sip_cidr_contains(&c, "2001:db9::1", 0));
    for (guint i = 0; i < 7; i++) {
        static const char *const bad[] = { "", "1.2.3", "1.2.3.4/", "1.2.3.4/x",
                                           "::1:99999", "[::1]:0", "host:5060" };
        g_assert_false(sip_cidr_parse(bad[i], &c));
    }
}

static const char *
secret_trunkpw(const char *username, gpointer data)
{
    return strcmp(username, "carillon") == 0 ? "trunkpw" : NULL;
}

/* A 401 carrying our own verifier's challenge, answered by the client
 * code, then checked by the verifier: what a provider running res_sip
 * would do. */
static SipAuthResult
round_trip(SipDigestAlgorithm offered, const char *password, char **auth_line)
{
    SipAuthConfig cfg = { .realm = "provider.test", .nonce_lifetime = 300,
                          .algorithms = { offered }, .n_algorithms = 1 };
    SipAuth *auth = sip_auth_new(&cfg);
    SipAuthSource src;
    g_autoptr(GString) resp = g_string_new("SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:u@p>;tag=1\r\n"
        "To: <sip:u@p>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n");
    g_autoptr(GString) req = g_string_new(NULL);
    g_autoptr(SipMsg) msg = sip_msg_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *user = NULL;
    SipAuthResult r;

    g_assert_true(sip_auth_source_parse("127.0.0.1", &src));
    sip_auth_append_challenge(auth, &src, FALSE, FALSE, FALSE, resp);
    g_string_append(resp, "Content-Length: 0\r\n\r\n");
    g_assert_cmpint(sip_msg_parse(msg, resp->str, resp->len, SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    *auth_line = sip_auth_client_answer(msg, "REGISTER", "sip:provider.test", "carillon",
                                        password, &error);
    g_assert_no_error(error);
    g_string_append_printf(req, "REGISTER sip:provider.test SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2\r\nFrom: <sip:u@p>;tag=1\r\n"
        "To: <sip:u@p>\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\n%sContent-Length: 0\r\n\r\n",
        *auth_line);
    g_assert_cmpint(sip_msg_parse(msg, req->str, req->len, SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    r = sip_auth_verify(auth, msg, FALSE, &src, secret_trunkpw, NULL, &user);
    sip_auth_free(auth);
    return r;
}

static void
test_digest_answers(void)
{
    g_autofree char *md5 = NULL, *sha = NULL, *wrong = NULL;

    g_assert_cmpint(round_trip(SIP_DIGEST_ALG_MD5, "trunkpw", &md5), ==, SIP_AUTH_OK);
    g_assert_nonnull(strstr(md5, "algorithm=MD5"));
    g_assert_true(g_str_has_prefix(md5, "Authorization: Digest username=\"carillon\""));
    g_assert_cmpint(round_trip(SIP_DIGEST_ALG_SHA256, "trunkpw", &sha), ==, SIP_AUTH_OK);
    g_assert_nonnull(strstr(sha, "algorithm=SHA-256"));
    g_assert_nonnull(strstr(sha, "qop=auth, nc=00000001, cnonce=\""));
    g_assert_cmpint(round_trip(SIP_DIGEST_ALG_SHA256, "guess", &wrong), ==, SIP_AUTH_FAILED);
}

static void
test_digest_picks_strongest(void)
{
    const char *text = "SIP/2.0 407 Proxy Authentication Required\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:u@p>;tag=1\r\n"
        "To: <sip:u@p>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
        "Proxy-Authenticate: NewAuth realm=\"x\"\r\n"
        "Proxy-Authenticate: Digest realm=\"p\", nonce=\"n1\", algorithm=MD5\r\n"
        "Proxy-Authenticate: Digest realm=\"p\", nonce=\"n2\", algorithm=SHA-256, "
        "opaque=\"op\"\r\nContent-Length: 0\r\n\r\n";
    const char *none = "SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:u@p>;tag=1\r\n"
        "To: <sip:u@p>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
        "WWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n";
    g_autoptr(SipMsg) msg = sip_msg_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL, *nothing = NULL;

    g_assert_cmpint(sip_msg_parse(msg, text, strlen(text), SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    line = sip_auth_client_answer(msg, "INVITE", "sip:1@p", "u", "pw", &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(line, "Proxy-Authorization: Digest "));
    g_assert_nonnull(strstr(line, "nonce=\"n2\""));
    g_assert_nonnull(strstr(line, "opaque=\"op\""));
    g_assert_null(strstr(line, "qop="));       /* none offered: RFC 2069 form */
    g_assert_cmpint(sip_msg_parse(msg, none, strlen(none), SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    nothing = sip_auth_client_answer(msg, "INVITE", "sip:1@p", "u", "pw", &error);
    g_assert_null(nothing);
    g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("SIP trunks: endpoints.conf, match ranges, digest answers");
    g_test_add_func("/sip/trunk/section", test_trunk_section);
    g_test_add_func("/sip/trunk/errors", test_trunk_errors);
    g_test_add_func("/sip/trunk/cidr", test_cidr);
    g_test_add_func("/sip/trunk/digest-answers", test_digest_answers);
    g_test_add_func("/sip/trunk/digest-picks-strongest", test_digest_picks_strongest);
    return g_test_run();
}
