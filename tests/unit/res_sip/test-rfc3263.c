/* Unit tests: RFC 3263 / RFC 2782 ordering of NAPTR and SRV records
 * (rfc3263_order.c): NAPTR records of the wanted transport in order and
 * preference order, SRV targets by priority and within one priority by
 * the weighted draw. */
#include <string.h>

#include "../../../modules/res_sip/rfc3263.h"

static guint32 fixed_pick;

/* The "random" number the draw gets: fixed_pick, kept below n. */
static guint32
fixed_rnd(guint32 n)
{
    return MIN(fixed_pick, n - 1);
}

static void
test_srv_priority(void)
{
    SipSrvTarget t[] = {
        { 20, 0, 5062, "c" }, { 10, 0, 5060, "a" }, { 30, 0, 5063, "d" }, { 10, 0, 5061, "b" },
    };

    fixed_pick = 0;
    sip_srv_order(t, G_N_ELEMENTS(t), fixed_rnd);
    g_assert_cmpuint(t[0].priority, ==, 10);
    g_assert_cmpuint(t[1].priority, ==, 10);
    g_assert_cmpstr(t[2].target, ==, "c");
    g_assert_cmpstr(t[3].target, ==, "d");
}

/* Within a priority: weights 10 and 90, running sums 10 and 100; a draw
 * of 0..10 picks the first, 11..100 the second. */
static void
test_srv_weight(void)
{
    SipSrvTarget t[2];
    SipSrvTarget base[] = { { 5, 10, 1, "light" }, { 5, 90, 2, "heavy" } };

    fixed_pick = 10;
    memcpy(t, base, sizeof t);
    sip_srv_order(t, 2, fixed_rnd);
    g_assert_cmpstr(t[0].target, ==, "light");
    fixed_pick = 11;
    memcpy(t, base, sizeof t);
    sip_srv_order(t, 2, fixed_rnd);
    g_assert_cmpstr(t[0].target, ==, "heavy");
    g_assert_cmpstr(t[1].target, ==, "light");
}

/* A weight-0 record goes first in the list before the draw, so a draw
 * of 0 picks it; with the real random source the heavy one wins most. */
static void
test_srv_weight_zero_and_distribution(void)
{
    SipSrvTarget base[] = { { 1, 90, 1, "heavy" }, { 1, 0, 2, "zero" }, { 1, 10, 3, "light" } };
    SipSrvTarget t[3];
    guint heavy = 0;

    fixed_pick = 0;
    memcpy(t, base, sizeof t);
    sip_srv_order(t, 3, fixed_rnd);
    g_assert_cmpstr(t[0].target, ==, "zero");
    for (guint i = 0; i < 2000; i++) {
        memcpy(t, base, sizeof t);
        sip_srv_order(t, 3, NULL);
        heavy += strcmp(t[0].target, "heavy") == 0;
    }
    /* expected 90/101 of 2000 = 1782 */
    g_assert_cmpuint(heavy, >, 1650);
    g_assert_cmpuint(heavy, <, 1900);
}

static void
test_naptr_select(void)
{
    SipNaptrTarget t[] = {
        { 20, 10, "s", "SIP+D2U", "_sip._udp.b" },
        { 10, 10, "s", "SIP+D2T", "_sip._tcp.a" },
        { 10, 20, "S", "sip+d2u", "_sip._udp.a" },
        { 5, 5, "u", "SIP+D2U", "!^.*$!sip:x@y!" },
        { 1, 1, "s", "E2U+sip", "_sip._udp.e164" },
        { 1, 1, "s", "SIP+D2U", "" },
    };

    g_assert_cmpuint(sip_naptr_select(t, G_N_ELEMENTS(t), SIP_TRANSPORT_UDP), ==, 2);
    g_assert_cmpstr(t[0].replacement, ==, "_sip._udp.a");
    g_assert_cmpstr(t[1].replacement, ==, "_sip._udp.b");
    g_assert_cmpuint(sip_naptr_select(t, 0, SIP_TRANSPORT_TCP), ==, 0);
    g_assert_cmpuint(sip_naptr_select(t, 2, SIP_TRANSPORT_WS), ==, 0);
    g_assert_cmpstr(sip_srv_prefix(SIP_TRANSPORT_TLS), ==, "_sips._tcp.");
    g_assert_null(sip_srv_prefix(SIP_TRANSPORT_WS));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sip/rfc3263/srv-priority", test_srv_priority);
    g_test_add_func("/sip/rfc3263/srv-weight", test_srv_weight);
    g_test_add_func("/sip/rfc3263/srv-weight-zero", test_srv_weight_zero_and_distribution);
    g_test_add_func("/sip/rfc3263/naptr-select", test_naptr_select);
    return g_test_run();
}
