/* Carillon - unit tests of the abuse limits (res_sip/limits*.c): the
 * per-source rate, concurrency counts, exemptions, answers and the
 * sip.conf [limits] keys. */
#include <string.h>
#include "../../../modules/res_sip/sip_config.h"
#include "../../../modules/res_sip/sip_limits.h"

#define S(n) ((gint64) (n) * G_USEC_PER_SEC)

static SipAddr
addr(const char *ip)
{
    SipAddr a;

    g_assert_true(sip_addr_from_ip(ip, strlen(ip), 5060, &a));
    return a;
}

static void
configure(const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("sip.conf", text, -1, &error);
    SipLimitsConf c;

    g_assert_no_error(error);
    g_assert_true(sip_limits_conf_parse(cfg, &c, &error));
    g_assert_no_error(error);
    sip_limits_shutdown();
    sip_limits_configure(&c);
    sip_limits_conf_clear(&c);
}

/* A source gets `burst` messages at once and `rate` a second after that;
 * past it, it is limited for rate_block_time whatever it sends, then let
 * in again.  Other sources are not affected. */
static void
test_rate(void)
{
    SipAddr bad = addr("192.0.2.1"), good = addr("192.0.2.2");
    gint64 t0 = S(1000);

    configure("[limits]\nrate = 10\nburst = 5\nrate_block_time = 2\n");
    for (int i = 0; i < 5; i++)
        g_assert_cmpint(sip_limits_on_message(&bad, t0), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&bad, t0), ==, SIP_LIMIT_DROP);
    g_assert_cmpuint(sip_limits_trips(SIP_LIMIT_RATE), ==, 1);
    g_assert_cmpint(sip_limits_on_message(&good, t0), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&bad, t0 + S(1)), ==, SIP_LIMIT_DROP);
    g_assert_cmpuint(sip_limits_trips(SIP_LIMIT_RATE), ==, 2);
    g_assert_cmpint(sip_limits_on_message(&bad, t0 + S(3)), ==, SIP_LIMIT_PASS);
    /* a steady 10/s from the good source never trips */
    for (int i = 1; i <= 100; i++)
        g_assert_cmpint(sip_limits_on_message(&good, t0 + i * S(1) / 10), ==, SIP_LIMIT_PASS);
    g_assert_true(sip_limits_unlimit("192.0.2.1") == FALSE);
}

static void
test_rate_answer_and_unlimit(void)
{
    SipAddr bad = addr("2001:db8::1");

    configure("[limits]\nrate = 1\nburst = 1\nrate_answer = 503\nretry_after = 7\n");
    g_assert_cmpint(sip_limits_on_message(&bad, S(10)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&bad, S(10)), ==, SIP_LIMIT_REFUSE);
    g_assert_cmpstr(sip_limits_retry_after_header(), ==, "Retry-After: 7\r\n");
    g_assert_true(sip_limits_unlimit("2001:db8::1"));
    g_assert_cmpint(sip_limits_on_message(&bad, S(10)), ==, SIP_LIMIT_PASS);
}

/* Loopback is exempt by default; exempt takes prefixes; rate = 0 is off. */
static void
test_exempt(void)
{
    SipAddr lo = addr("127.0.0.1"), lo2 = addr("127.0.0.2"), in = addr("10.1.2.3");
    SipAddr out = addr("11.0.0.1");

    configure("[limits]\nrate = 1\nburst = 1\n");
    for (int i = 0; i < 1000; i++)
        g_assert_cmpint(sip_limits_on_message(&lo, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&lo2, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&lo2, S(1)), ==, SIP_LIMIT_DROP);
    configure("[limits]\nrate = 1\nburst = 1\nexempt = 10.0.0.0/8, 192.0.2.128/25\n");
    g_assert_cmpint(sip_limits_on_message(&in, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&in, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&out, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&out, S(1)), ==, SIP_LIMIT_DROP);
    g_assert_cmpint(sip_limits_on_message(&lo, S(1)), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_on_message(&lo, S(1)), ==, SIP_LIMIT_DROP);
    configure("[limits]\nrate = 0\nexempt =\n");
    for (int i = 0; i < 1000; i++)
        g_assert_cmpint(sip_limits_on_message(&out, S(1)), ==, SIP_LIMIT_PASS);
}

/* Concurrent transactions and dialogs, per source and in total. */
static void
test_concurrency(void)
{
    SipAddr a = addr("192.0.2.10"), b = addr("192.0.2.11");

    configure("[limits]\nmax_transactions_per_source = 3\nmax_dialogs_per_source = 2\n"
              "max_dialogs = 3\nbusy_answer = silence\nexempt =\n");
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(sip_limits_may_open_tx(&a, i, 100), ==, SIP_LIMIT_PASS);
        sip_limits_tx_opened(&a);
    }
    g_assert_cmpint(sip_limits_may_open_tx(&a, 3, 100), ==, SIP_LIMIT_DROP);
    g_assert_cmpint(sip_limits_may_open_tx(&b, 3, 100), ==, SIP_LIMIT_PASS);
    g_assert_cmpint(sip_limits_may_open_tx(&b, 100, 100), ==, SIP_LIMIT_DROP);
    g_assert_cmpuint(sip_limits_open_transactions(), ==, 3);
    sip_limits_tx_closed(&a);
    g_assert_cmpint(sip_limits_may_open_tx(&a, 2, 100), ==, SIP_LIMIT_PASS);
    g_assert_cmpuint(sip_limits_trips(SIP_LIMIT_TX_SOURCE), ==, 1);
    g_assert_cmpuint(sip_limits_trips(SIP_LIMIT_TX_TOTAL), ==, 1);

    sip_limits_dialog_opened(&a);
    sip_limits_dialog_opened(&a);
    g_assert_cmpint(sip_limits_may_open_dialog(&a), ==, SIP_LIMIT_DROP);
    g_assert_cmpint(sip_limits_may_open_dialog(&b), ==, SIP_LIMIT_PASS);
    sip_limits_dialog_opened(&b);
    g_assert_cmpint(sip_limits_may_open_dialog(&b), ==, SIP_LIMIT_DROP);   /* total 3 */
    g_assert_cmpuint(sip_limits_trips(SIP_LIMIT_DIALOG_TOTAL), ==, 1);
    sip_limits_dialog_closed(&a);
    g_assert_cmpint(sip_limits_may_open_dialog(&b), ==, SIP_LIMIT_PASS);
    g_assert_cmpuint(sip_limits_dialogs(), ==, 2);
    sip_limits_dialog_closed(&a);
    sip_limits_dialog_closed(&a);       /* never below zero */
    sip_limits_dialog_closed(&b);
    g_assert_cmpuint(sip_limits_dialogs(), ==, 0);
    configure("[limits]\nmax_transactions_per_source = 1\nbusy_answer = 503\nexempt =\n");
    sip_limits_tx_opened(&a);
    g_assert_cmpint(sip_limits_may_open_tx(&a, 1, 100), ==, SIP_LIMIT_REFUSE);
    sip_limits_tx_closed(&a);
}

/* A flood of distinct sources cannot grow the table past max_sources:
 * the rest share one entry, and idle entries are swept. */
static void
test_many_sources(void)
{
    configure("[limits]\nrate = 100\nburst = 100\nmax_sources = 16\nexempt =\n");
    for (guint i = 0; i < 1000; i++) {
        g_autofree char *ip = g_strdup_printf("198.51.%u.%u", i / 250, i % 250 + 1);
        SipAddr a = addr(ip);
        sip_limits_on_message(&a, S(5));
    }
    g_assert_cmpuint(sip_limits_sources(), <=, 16);
    {
        SipAddr a = addr("203.0.113.1");
        sip_limits_on_message(&a, S(100));      /* all the others are idle by now */
    }
    g_assert_cmpuint(sip_limits_sources(), ==, 1);
}

static void
test_prefix(void)
{
    guint8 len, b[16];
    guint p;

    g_assert_true(sip_limits_parse_prefix("10.0.0.0/8", &len, b, &p) && len == 4 && p == 8);
    g_assert_true(sip_limits_parse_prefix(" ::1 ", &len, b, &p) && len == 16 && p == 128);
    g_assert_true(sip_limits_parse_prefix("192.0.2.7", &len, b, &p) && p == 32);
    g_assert_false(sip_limits_parse_prefix("10.0.0.0/33", &len, b, &p));
    g_assert_false(sip_limits_parse_prefix("10.0.0.0/", &len, b, &p));
    g_assert_false(sip_limits_parse_prefix("10.0.0.0/-1", &len, b, &p));
    g_assert_false(sip_limits_parse_prefix("example.com", &len, b, &p));
    g_assert_false(sip_limits_parse_prefix("", &len, b, &p));
}

static void
expect_error(const char *text, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("sip.conf", text, -1, &error);
    SipLimitsConf c;

    g_assert_no_error(error);
    g_assert_false(sip_limits_conf_parse(cfg, &c, &error));
    g_assert_nonnull(error);
    if (!strstr(error->message, message))
        g_error("'%s' does not contain '%s'", error->message, message);
}

/* The keys' defaults and errors; [limits] is no transport. */
static void
test_conf(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data(
        "sip.conf", "[limits]\nrate = 5\n[udp]\ntype = transport\nbind = 127.0.0.1:5060\n",
        -1, &error);
    g_autoptr(SipConf) conf = sip_conf_parse(cfg, &error);
    SipLimitsConf d;

    g_assert_no_error(error);
    g_assert_cmpuint(conf->transports->len, ==, 1);
    g_assert_cmpuint(conf->limits.rate, ==, 5);
    g_assert_true(sip_limits_conf_parse(NULL, &d, NULL));
    g_assert_cmpuint(d.rate, ==, 30);
    g_assert_cmpuint(d.burst, ==, 100);
    g_assert_true(d.rate_silent);
    g_assert_false(d.busy_silent);
    g_assert_cmpstr(d.exempt[0], ==, "127.0.0.1");
    g_assert_cmpstr(d.exempt[1], ==, "::1");
    sip_limits_conf_clear(&d);
    expect_error("[limits]\nrate_answer = maybe\n", "sip.conf:2");
    expect_error("[limits]\nbusy_answer = 404\n", "not 503 or silence");
    expect_error("[limits]\nexempt = 10.0.0.0/8, nonsense\n", "'nonsense' is not ADDRESS");
    expect_error("[limits]\nburst = 0\n", "out of range");
    expect_error("[limits]\nfoo = 1\n", "unknown option");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sip abuse limits");
    sip_stack_init();
    g_test_add_func("/sip/limits/rate", test_rate);
    g_test_add_func("/sip/limits/rate-answer-unlimit", test_rate_answer_and_unlimit);
    g_test_add_func("/sip/limits/exempt", test_exempt);
    g_test_add_func("/sip/limits/concurrency", test_concurrency);
    g_test_add_func("/sip/limits/many-sources", test_many_sources);
    g_test_add_func("/sip/limits/prefix", test_prefix);
    g_test_add_func("/sip/limits/conf", test_conf);
    return g_test_run();
}
