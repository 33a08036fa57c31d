/* Unit tests: listening to a class on a channel (the fake tech's ports
 * stand for the media worker).  Hold music in a bridge: the other leg
 * hears its MOH_CLASS (an unknown one falls back to default) until the
 * resume, then the media is connected again; a hangup during the music;
 * no class: the hold is passed on.  A listener's duration, terminator
 * digits, a class whose files are still loading (silence, then the
 * class where it is), failed files, reload while listening, and the
 * shutdown of the module. */
#include "../core/fake_tech.c"
#include "moh_test.h"
#include "../../../core/calls_private.h"
#include "../../../modules/res_moh/classes.h"
#include "../../../modules/res_moh/hold.h"
#include "../../../modules/res_moh/listener.h"

static const char *const files[] = { "/moh/1000-a", "/moh/bad-0", "/moh/3000-b", NULL };
static const char *const others[] = { "/moh/500-x", NULL };

typedef struct {
    guint calls;
    PbxAudioTaskEnd end;
    char digit;
} Done;

static void
on_done(MohListener *l, PbxAudioTaskEnd end, char digit, gpointer data)
{
    Done *d = data;

    d->calls++;
    d->end = end;
    d->digit = digit;
}

/* The classes "default" (files[]) and "other" (others[]). */
static void
setup(void)
{
    MohConf conf = { .classes = g_ptr_array_new_with_free_func(
                                    (GDestroyNotify) moh_test_def_free) };

    fake_tech_register("SIP");
    fake_sounds_init(files);
    fake_sounds_add(others);
    g_ptr_array_add(conf.classes, moh_test_def("default", files, 8000));
    g_ptr_array_add(conf.classes, moh_test_def("other", others, 8000));
    moh_classes_set(&conf, &fake_sounds_api);
    g_ptr_array_unref(conf.classes);
    moh_listeners_init(NULL);
}

static void
teardown(void)
{
    moh_test_drain();
    g_assert_cmpuint(moh_listeners_count(), ==, 0);
    moh_classes_clear();
    g_assert_cmpuint(g_hash_table_size(fake_sounds.loads), ==, 0);
    fake_sounds_clear();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
}

static PbxChannel *
answered(const char *from, const char *to)
{
    PbxChannel *c = pbx_channel_new_inbound(pbx_channel_tech_find("SIP"), NULL, from, NULL, to,
                                            "office");

    pbx_channel_set_state(c, PBX_CHANNEL_UP);
    return c;
}

/* Two answered legs in a bridge: a (1001) and b (1002). */
static PbxBridge *
bridged(PbxChannel **a, PbxChannel **b)
{
    PbxBridge *br;

    *a = answered("1001", "1002");
    *b = answered("1002", "1001");
    br = pbx_bridge_new(*a, *b, NULL);
    g_assert_nonnull(br);
    return br;
}

/* One tick of chan's port; its first sample (-1 for silence). */
static gint
tick(PbxChannel *chan)
{
    static PbxAudioFrame in, out;

    pbx_audio_frame_init(&in, 8000);
    in.n_samples = 160;
    if (!fake_tech_port_tick(chan, &in, &out))
        return -1;
    g_assert_cmpuint(out.rate, ==, 8000);
    g_assert_cmpuint(out.n_samples, ==, 160);
    return out.samples[0];
}

/* The first tick of a listener: where `cls` is now, as its first sample
 * shows it, give or take the time the test took.  (Later ticks run ahead
 * of the clock here: the test ticks faster than every 20 ms.) */
static void
assert_at(gint first, MohClass *cls, guint64 total)
{
    guint64 p = moh_samples_for_us(8000, g_get_monotonic_time() - moh_class_get_start(cls));
    gint expect = moh_test_value(p % total);
    gint diff = ABS(expect - first);

    g_assert_cmpint(first, >=, 0);
    if (MIN(diff, MOH_TEST_PERIOD - diff) > 800)      /* 100 ms */
        g_error("tick at %d, the class at %d", first, expect);
}

static void
assert_class_now(gint first, const char *class_name, guint64 total)
{
    assert_at(first, moh_classes_find(class_name), total);
}

/* The far end of b holds: a hears the default class (b's "bad" file left
 * out) until b resumes; then the media is connected again. */
static void
test_hold_music(void)
{
    g_autoptr(PbxChannel) a = NULL, b = NULL;

    setup();
    bridged(&a, &b);
    moh_hold_register(NULL);
    fake_tech_clear_log();
    g_assert_true(pbx_channel_hold(b, TRUE));
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1001;port:1002;");
    g_assert_cmpint(tick(a), ==, -1);                   /* loading: silence */
    g_assert_cmpuint(moh_listeners_count(), ==, 1);
    g_assert_cmpuint(moh_class_get_listeners(moh_classes_find("default")), ==, 1);
    moh_test_drain();
    assert_class_now(tick(a), "default", 4000 * 8);
    for (guint i = 0; i < 10; i++)
        g_assert_cmpint(tick(a), >=, 0);
    g_assert_true(pbx_channel_hold(b, FALSE));
    moh_test_drain();
    g_assert_cmpstr(fake_tech_log(), ==,
                    "unbridge:1002:1001;port:1002;unport:1002;bridge:1002:1001;");
    g_assert_cmpint(tick(a), ==, -1);                   /* no port any more */
    g_assert_cmpuint(moh_listeners_count(), ==, 0);
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_bridge_set_hold_music(NULL, NULL);
    teardown();
}

/* MOH_CLASS picks the class; an unknown one plays default. */
static void
test_hold_class(void)
{
    g_autoptr(PbxChannel) a = NULL, b = NULL;

    setup();
    bridged(&a, &b);
    moh_hold_register(NULL);
    pbx_channel_set_var(a, "MOH_CLASS", "other");
    g_assert_true(pbx_channel_hold(b, TRUE));
    moh_test_drain();
    assert_class_now(tick(a), "other", 500 * 8);
    g_assert_true(pbx_channel_hold(b, FALSE));
    moh_test_drain();
    pbx_channel_set_var(a, "MOH_CLASS", "jazz");
    g_assert_true(pbx_channel_hold(b, TRUE));
    moh_test_drain();
    assert_class_now(tick(a), "default", 4000 * 8);
    g_assert_true(pbx_channel_hold(b, FALSE));
    moh_test_drain();
    pbx_channel_hangup_from_tech(b, PBX_CAUSE_NORMAL_CLEARING);   /* a goes with it */
    pbx_bridge_set_hold_music(NULL, NULL);
    teardown();
}

/* A hangup of either leg during the music ends it; nothing is left. */
static void
test_hold_hangup(void)
{
    for (guint who = 0; who < 2; who++) {
        g_autoptr(PbxChannel) a = NULL, b = NULL;

        setup();
        bridged(&a, &b);
        moh_hold_register(NULL);
        g_assert_true(pbx_channel_hold(b, TRUE));
        moh_test_drain();
        g_assert_cmpint(tick(a), >=, 0);
        pbx_channel_hangup_from_tech(who ? b : a, PBX_CAUSE_NORMAL_CLEARING);
        moh_test_drain();
        g_assert_cmpint(pbx_channel_get_state(a), ==, PBX_CHANNEL_HANGUP);
        g_assert_cmpint(pbx_channel_get_state(b), ==, PBX_CHANNEL_HANGUP);
        pbx_bridge_set_hold_music(NULL, NULL);
        teardown();
    }
}

/* The module goes during the music (a forced unload): the music stops,
 * and the resume connects the media again. */
static void
test_hold_shutdown(void)
{
    g_autoptr(PbxChannel) a = NULL, b = NULL;

    setup();
    bridged(&a, &b);
    moh_hold_register(NULL);
    fake_tech_clear_log();
    g_assert_true(pbx_channel_hold(b, TRUE));
    moh_test_drain();
    g_assert_true(moh_listeners_shutdown(1000));
    pbx_bridge_set_hold_music(NULL, NULL);
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1001;port:1002;unport:1002;");
    g_assert_true(pbx_channel_hold(b, FALSE));
    g_assert_cmpstr(fake_tech_log(), ==,
                    "unbridge:1002:1001;port:1002;unport:1002;bridge:1002:1001;");
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

/* Without a default class the hold is passed on (the media stays). */
static void
test_hold_no_class(void)
{
    g_autoptr(PbxChannel) a = NULL, b = NULL;
    MohConf none = { .classes = g_ptr_array_new() };

    setup();
    moh_classes_set(&none, &fake_sounds_api);
    g_ptr_array_unref(none.classes);
    bridged(&a, &b);
    moh_hold_register(NULL);
    fake_tech_clear_log();
    g_assert_false(pbx_channel_hold(b, TRUE));
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1001;bridge:1002:1001;");
    g_assert_false(pbx_channel_hold(b, FALSE));
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_bridge_set_hold_music(NULL, NULL);
    teardown();
}

/* A duration of 5 ticks completes after the fifth; terminators end it
 * and other digits do not. */
static void
test_duration_and_terminator(void)
{
    g_autoptr(PbxChannel) a = NULL;
    Done d = { 0 };
    MohListenOptions five = { .max_ticks = 5 }, digits = { .terminators = "#5" };
    MohListener *l;

    setup();
    a = answered("1001", "610");
    l = moh_listener_start(a, moh_classes_find("default"), &five, on_done, &d, NULL);
    g_assert_nonnull(l);
    g_assert_true(moh_listener_get_channel(l) == a);
    for (guint i = 0; i < 5; i++)
        tick(a);
    moh_test_drain();
    g_assert_cmpuint(d.calls, ==, 1);
    g_assert_cmpint(d.end, ==, PBX_AUDIO_TASK_COMPLETE);
    l = moh_listener_start(a, moh_classes_find("default"), &digits, on_done, &d, NULL);
    fake_tech_dtmf(a, '1');
    moh_test_drain();
    g_assert_cmpuint(d.calls, ==, 1);
    fake_tech_dtmf(a, '5');
    moh_test_drain();
    g_assert_cmpuint(d.calls, ==, 2);
    g_assert_cmpint(d.end, ==, PBX_AUDIO_TASK_DTMF);
    g_assert_cmpint(d.digit, ==, '5');
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

/* A reload during the music: the listener keeps its class (and its
 * audio); new listeners get the new class. */
static void
test_reload_while_listening(void)
{
    g_autoptr(PbxChannel) a = NULL, c = NULL;
    Done d = { 0 };
    MohClass *old;
    MohConf conf = { .classes = g_ptr_array_new_with_free_func(
                                    (GDestroyNotify) moh_test_def_free) };

    setup();
    a = answered("1001", "610");
    old = moh_classes_find("default");
    g_assert_nonnull(moh_listener_start(a, old, &(MohListenOptions) { 0 }, on_done, &d, NULL));
    moh_test_drain();
    g_ptr_array_add(conf.classes, moh_test_def("default", others, 8000));
    moh_classes_set(&conf, &fake_sounds_api);
    g_ptr_array_unref(conf.classes);
    g_assert_true(moh_classes_find("default") != old);
    assert_at(tick(a), old, 4000 * 8);                  /* still the old class */
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    moh_test_drain();
    g_assert_cmpuint(d.calls, ==, 1);
    g_assert_cmpint(d.end, ==, PBX_AUDIO_TASK_HANGUP);
    c = answered("1003", "610");
    g_assert_nonnull(moh_listener_start(c, moh_classes_find("default"),
                                        &(MohListenOptions) { 0 }, on_done, &d, NULL));
    moh_test_drain();
    assert_class_now(tick(c), "default", 500 * 8);
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

/* The module's shutdown ends every listener (STOPPED), waits for their
 * ports, and refuses new ones; a channel without media cannot listen. */
static void
test_shutdown(void)
{
    g_autoptr(PbxChannel) a = NULL, b = NULL, ringing = NULL;
    g_autoptr(GError) error = NULL;
    Done da = { 0 }, db = { 0 };
    MohClass *cls;

    setup();
    cls = moh_classes_find("default");
    a = answered("1001", "610");
    b = answered("1002", "610");
    ringing = pbx_channel_new_inbound(pbx_channel_tech_find("SIP"), NULL, "1003", NULL, "610",
                                      "office");
    g_assert_null(moh_listener_start(ringing, cls, &(MohListenOptions) { 0 }, on_done, &da,
                                     &error));
    g_assert_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE);
    g_clear_error(&error);
    g_assert_nonnull(moh_listener_start(a, cls, &(MohListenOptions) { 0 }, on_done, &da, NULL));
    g_assert_nonnull(moh_listener_start(b, cls, &(MohListenOptions) { 0 }, on_done, &db, NULL));
    g_assert_true(moh_listeners_shutdown(1000));
    g_assert_cmpuint(da.calls + db.calls, ==, 2);
    g_assert_cmpint(da.end, ==, PBX_AUDIO_TASK_STOPPED);
    g_assert_true(moh_listeners_stopping());
    g_assert_null(moh_listener_start(a, cls, &(MohListenOptions) { 0 }, on_done, &da, &error));
    g_assert_nonnull(strstr(error->message, "unloading"));
    for (guint i = 0; i < 3; i++)
        pbx_channel_hangup_from_tech((PbxChannel *[]) { a, b, ringing }[i],
                                     PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_moh: listeners on channels, hold music in bridges");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/res_moh/hold/music", test_hold_music);
    g_test_add_func("/res_moh/hold/class", test_hold_class);
    g_test_add_func("/res_moh/hold/hangup", test_hold_hangup);
    g_test_add_func("/res_moh/hold/no-class", test_hold_no_class);
    g_test_add_func("/res_moh/hold/shutdown", test_hold_shutdown);
    g_test_add_func("/res_moh/listener/duration-and-terminator", test_duration_and_terminator);
    g_test_add_func("/res_moh/listener/reload", test_reload_while_listening);
    g_test_add_func("/res_moh/listener/shutdown", test_shutdown);
    return g_test_run();
}
