/* Carillon - unit tests of sip.conf parsing (res_sip/sip_config.c). */
#include <string.h>
#include "../../../modules/res_sip/sip_config.h"

static SipConf *
parse(const char *text, GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("sip.conf", text, -1, error);

    return cfg ? sip_conf_parse(cfg, error) : NULL;
}

static void
test_good(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipConf) conf = parse("[general]\nt1 = 250\nt2 = 2000\nforce_rport = no\n"
                                    "user_agent = Test UA\n"
                                    "[udp]\ntype = transport\nprotocol = udp\nbind = 0.0.0.0:5060\n"
                                    "[tcp6]\ntype = transport\nprotocol = tcp\nbind = [::]:5061\n",
                                    &error);
    const SipTransportConf *t;

    g_assert_no_error(error);
    g_assert_nonnull(conf);
    g_assert_cmpuint(conf->settings.t1, ==, 250);
    g_assert_cmpuint(conf->settings.t2, ==, 2000);
    g_assert_cmpuint(conf->settings.t4, ==, 5000);
    g_assert_false(conf->settings.force_rport);
    g_assert_cmpstr(conf->settings.user_agent, ==, "Test UA");
    g_assert_cmpuint(conf->transports->len, ==, 2);
    t = conf->transports->pdata[1];
    g_assert_cmpstr(t->name, ==, "tcp6");
    g_assert_true(t->klass == &sip_transport_tcp);
    g_assert_true(sip_addr_is_v6(&t->bind));
    g_assert_cmpuint(sip_addr_port(&t->bind), ==, 5061);
    g_assert_cmpuint(t->line, ==, 13);
}

static void
expect_error(const char *text, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipConf) conf = parse(text, &error);

    g_assert_null(conf);
    g_assert_nonnull(error);
    if (!strstr(error->message, needle))
        g_error("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_errors(void)
{
    expect_error("[general]\nt1 = 5\n[udp]\ntype = transport\nbind = 0.0.0.0:5060\n",
                 "sip.conf:2:");
    expect_error("[general]\nt1 = 900\nt2 = 800\n[udp]\ntype = transport\nbind = 0.0.0.0:5060\n",
                 "sip.conf:3:");
    expect_error("[general]\nbogus = 1\n[udp]\ntype = transport\nbind = 0.0.0.0:5060\n",
                 "sip.conf:2:");
    expect_error("[udp]\ntype = transport\nprotocol = sctp\nbind = 0.0.0.0:5060\n",
                 "sip.conf:3:");
    expect_error("[udp]\ntype = transport\nbind = ::1:5060\n", "sip.conf:3:");
    expect_error("[udp]\ntype = transport\nbind = 1.2.3.4:99999\n", "sip.conf:3:");
    expect_error("[udp]\nprotocol = udp\nbind = 1.2.3.4:5060\n", "sip.conf:1:");
    expect_error("[phone]\ntype = endpoint\n", "sip.conf:2:");
    expect_error("[udp]\ntype = transport\nbind = 0.0.0.0:5060\n"
                 "[udp2]\ntype = transport\nbind = 0.0.0.0:5060\n", "sip.conf:6:");
    expect_error("[general]\nt1 = 500\n", "no transport");
}

static void
test_addr(void)
{
    SipAddr a;
    char buf[SIP_ADDR_STRLEN];

    g_assert_true(sip_addr_parse("[2001:db8::1]:5070", 5060, &a));
    g_assert_cmpstr(sip_addr_to_string(&a, buf, sizeof(buf)), ==, "[2001:db8::1]:5070");
    g_assert_true(sip_addr_parse("192.0.2.1", 5060, &a));
    g_assert_cmpstr(sip_addr_to_string(&a, buf, sizeof(buf)), ==, "192.0.2.1:5060");
    g_assert_false(sip_addr_parse("example.com:5060", 5060, &a));
    g_assert_false(sip_addr_parse("[192.0.2.1]:5060", 5060, &a));
    g_assert_false(sip_addr_parse("", 5060, &a));
}

static void
test_tls(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipConf) conf = parse("[tls]\ntype = transport\nprotocol = tls\n"
                                    "bind = 127.0.0.1:5061\ncert_file = /x/c.pem\n"
                                    "key_file = /x/k.pem\nverify_client = yes\n"
                                    "ca_file = /x/ca.pem\nmin_version = 1.3\n", &error);
    const SipTransportConf *t;

    g_assert_no_error(error);
    t = conf->transports->pdata[0];
    g_assert_true(t->klass == &sip_transport_tls);
    g_assert_cmpstr(t->tls->cert_file, ==, "/x/c.pem");
    g_assert_cmpstr(t->tls->ca_file, ==, "/x/ca.pem");
    g_assert_true(t->tls->verify_client);
    g_assert_cmpstr(t->tls->min_version, ==, "1.3");
    expect_error("[tls]\ntype = transport\nprotocol = tls\nbind = 127.0.0.1:5061\n",
                 "cert_file");
    expect_error("[tls]\ntype = transport\nprotocol = tls\nbind = 127.0.0.1:5061\n"
                 "cert_file = a\nkey_file = b\nmin_version = 1.0\n", "sip.conf:7:");
    expect_error("[tls]\ntype = transport\nprotocol = tls\nbind = 127.0.0.1:5061\n"
                 "cert_file = a\nkey_file = b\nverify_client = yes\n", "needs ca_file");
    expect_error("[x]\ntype = transport\nprotocol = sctp\nbind = 127.0.0.1:5061\n",
                 "use udp, tcp or tls");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("sip.conf parsing: settings, transports, file:line errors");
    g_test_add_func("/sip/config/good", test_good);
    g_test_add_func("/sip/config/errors", test_errors);
    g_test_add_func("/sip/config/addresses", test_addr);
    g_test_add_func("/sip/config/tls", test_tls);
    return g_test_run();
}
