/* Unit tests: pickup groups (core/pickup_group.c) and pbx_pickup()
 * taking a ringing dial (core/pickup.c, core/dial.c), with the fake
 * tech. */
#include <string.h>

#include <carillon/pickup.h>

#include "../../../core/calls_private.h"
#include "fake_tech.c"

static guint64
groups(const char *text)
{
    g_autoptr(GError) error = NULL;
    guint64 g = 12345;

    g_assert_true(pbx_pickup_groups_parse(text, &g, &error));
    g_assert_no_error(error);
    return g;
}

static void
test_groups_parse(void)
{
    static const char *const bad[] = {
        "64", "-1", "3-1", "a", "1,,2", "1-", "-", "+1", "1 2", "0x1", "1-64", ",",
        "99999999999999999999",
    };
    guint64 g = 7;

    g_assert_cmpuint(groups("1"), ==, 1u << 1);
    g_assert_cmpuint(groups("1,3-5"), ==, (1u << 1) | (1u << 3) | (1u << 4) | (1u << 5));
    g_assert_cmpuint(groups(" 2 , 7 "), ==, (1u << 2) | (1u << 7));
    g_assert_cmpuint(groups("0-63"), ==, G_MAXUINT64);
    g_assert_cmpuint(groups("63"), ==, G_GUINT64_CONSTANT(1) << 63);
    g_assert_cmpuint(groups("4-4"), ==, 1u << 4);
    g_assert_cmpuint(groups(""), ==, 0);
    g_assert_cmpuint(groups("  "), ==, 0);
    g_assert_cmpuint(groups(NULL), ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(pbx_pickup_groups_parse(bad[i], &g, &error));
        g_assert_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_PARSE);
        g_assert_nonnull(strstr(error->message, bad[i]));
        g_assert_cmpuint(g, ==, 7);           /* untouched */
    }
}

static void
test_groups_to_string(void)
{
    static const char *const texts[] = { "0-2,5,7,8,10-63", "1", "63", "0,63", "3,4" };

    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autofree char *s = pbx_pickup_groups_to_string(groups(texts[i]));
        g_assert_cmpstr(s, ==, texts[i]);
    }
    g_autofree char *none = pbx_pickup_groups_to_string(0);
    g_autofree char *canon = pbx_pickup_groups_to_string(groups(" 5,1-3, 4 "));
    g_assert_cmpstr(none, ==, "");
    g_assert_cmpstr(canon, ==, "1-5");
}

static void
test_groups_meet(void)
{
    g_assert_true(pbx_pickup_groups_meet("1", "1"));
    g_assert_true(pbx_pickup_groups_meet("1-3", "3,9"));
    g_assert_false(pbx_pickup_groups_meet("1,2", "3"));
    g_assert_false(pbx_pickup_groups_meet(NULL, "1"));
    g_assert_false(pbx_pickup_groups_meet("1", NULL));
    g_assert_false(pbx_pickup_groups_meet("", ""));
    g_assert_false(pbx_pickup_groups_meet("x", "1"));       /* unparsable: none */
    g_assert_false(pbx_pickup_groups_meet("0-63", "64"));
}

/* ------------------------------------------------ pbx_pickup() */

typedef struct {
    gboolean done;
    PbxDialOutcome outcome;
    PbxChannel *answered;
    PbxChannel *leg;            /* the ringing leg (a reference) */
} DialResult;

static void
dial_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered, PbxCause cause,
          gpointer data)
{
    DialResult *r = data;

    r->done = TRUE;
    r->outcome = outcome;
    r->answered = answered ? pbx_channel_ref(answered) : NULL;
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static PbxChannel *
inbound(const char *from, const char *to)
{
    return pbx_channel_new_inbound(pbx_channel_tech_find("SIP"), NULL, from, NULL, to,
                                   "office");
}

/* `from` dials `to` (which never answers); the leg gets CALL_GROUP. */
static PbxChannel *
ring(const char *from, const char *to, const char *call_group, DialResult *r)
{
    const char *targets[] = { to, NULL };
    PbxChannel *caller = inbound(from, to);
    g_autoptr(GPtrArray) chans = NULL;

    memset(r, 0, sizeof *r);
    fake_tech_set(to, FAKE_NOANSWER, 0);
    pbx_dial_start(caller, targets, NULL, dial_done, r);
    chans = pbx_channel_list();
    for (guint i = 0; i < chans->len; i++) {
        PbxChannel *c = chans->pdata[i];
        if (pbx_channel_get_direction(c) == PBX_CHANNEL_OUTBOUND &&
            g_strcmp0(pbx_channel_get_callee(c), to) == 0) {
            r->leg = pbx_channel_ref(c);
            if (call_group)
                pbx_channel_set_var(c, "CALL_GROUP", call_group);
        }
    }
    return caller;
}

static void
hang_up(PbxChannel *chan)
{
    pbx_channel_hangup(chan, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(chan);
}

static void
test_directed(void)
{
    g_autoptr(GError) error = NULL;
    PbxChannel *caller, *picker, *got = NULL;
    DialResult r;

    fake_tech_register("SIP");
    caller = ring("1001", "1002", NULL, &r);
    picker = inbound("1003", "**1002");
    /* another target: nothing */
    g_assert_false(pbx_pickup(picker, "1009", &got, &error));
    g_assert_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_NOTHING);
    g_clear_error(&error);
    g_assert_false(r.done);
    fake_tech_clear_log();
    g_assert_true(pbx_pickup(picker, "1002", &got, &error));
    g_assert_no_error(error);
    g_assert_true(got == caller);
    g_assert_true(r.done);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_ANSWERED);
    g_assert_true(r.answered == picker);
    g_assert_cmpint(pbx_channel_get_state(picker), ==, PBX_CHANNEL_UP);
    /* answered first, then the ringing leg cleared as answered elsewhere */
    g_assert_cmpstr(fake_tech_log(), ==, "answer:**1002;hangup:1002:487;");
    g_assert_cmpint(pbx_channel_get_hangup_cause(r.leg), ==, PBX_CAUSE_ANSWERED_ELSEWHERE);
    g_assert_cmpstr(pbx_channel_get_var(picker, "PICKUP"), ==, "1002");
    g_assert_cmpstr(pbx_channel_get_var(caller, "PICKUP"), ==, "1002");
    g_assert_cmpstr(pbx_channel_get_linked_id(picker), ==, pbx_channel_get_linked_id(caller));
    /* the call was taken: nothing rings any more */
    g_assert_false(pbx_pickup(picker, "1002", &got, &error));
    g_assert_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_NOTHING);
    pbx_channel_unref(r.answered);
    pbx_channel_unref(r.leg);
    hang_up(picker);
    hang_up(caller);
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
}

static void
test_group_oldest_first(void)
{
    g_autoptr(GError) error = NULL;
    PbxChannel *first, *second, *outsider, *picker, *got = NULL;
    DialResult r1, r2;

    fake_tech_register("SIP");
    first = ring("1001", "1002", "1", &r1);
    second = ring("1004", "1005", "1,2", &r2);
    outsider = inbound("1006", "*8");
    pbx_channel_set_var(outsider, "PICKUP_GROUP", "3-5");
    g_assert_false(pbx_pickup(outsider, NULL, &got, &error));
    g_assert_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_NOTHING);
    g_clear_error(&error);
    g_assert_cmpint(pbx_channel_get_state(outsider), !=, PBX_CHANNEL_UP);
    picker = inbound("1003", "*8");
    pbx_channel_set_var(picker, "PICKUP_GROUP", "1");
    g_assert_true(pbx_pickup(picker, NULL, &got, &error));
    g_assert_true(got == first && r1.done && r1.answered == picker && !r2.done);
    g_assert_cmpint(pbx_channel_get_state(r2.leg), ==, PBX_CHANNEL_RINGING);
    /* group 2 only meets the second call */
    pbx_channel_set_var(outsider, "PICKUP_GROUP", "2");
    g_assert_true(pbx_pickup(outsider, NULL, &got, &error));
    g_assert_true(got == second && r2.done && r2.answered == outsider);
    pbx_channel_unref(r1.answered);
    pbx_channel_unref(r2.answered);
    pbx_channel_unref(r1.leg);
    pbx_channel_unref(r2.leg);
    hang_up(picker);
    hang_up(outsider);
    hang_up(first);
    hang_up(second);
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
}

static void
test_hung_up_picker(void)
{
    g_autoptr(GError) error = NULL;
    PbxChannel *caller, *picker, *got = NULL;
    DialResult r;

    fake_tech_register("SIP");
    caller = ring("1001", "1002", "1", &r);
    picker = inbound("1003", "**1002");
    pbx_channel_hangup(picker, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_false(pbx_pickup(picker, "1002", &got, &error));
    g_assert_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_STATE);
    g_assert_false(r.done);
    pbx_channel_unref(picker);
    pbx_channel_unref(r.leg);
    hang_up(caller);                    /* the dial ends as cancelled */
    drain();
    g_assert_true(r.done);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_CANCELLED);
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Pickup groups and pbx_pickup() with a fake tech");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/pickup/groups-parse", test_groups_parse);
    g_test_add_func("/core/pickup/groups-to-string", test_groups_to_string);
    g_test_add_func("/core/pickup/groups-meet", test_groups_meet);
    g_test_add_func("/core/pickup/directed", test_directed);
    g_test_add_func("/core/pickup/group-oldest-first", test_group_oldest_first);
    g_test_add_func("/core/pickup/hung-up-picker", test_hung_up_picker);
    return g_test_run();
}
