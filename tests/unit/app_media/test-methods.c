/* Unit tests: call:tone(), call:milliwatt() and call:echo() from the Lua
 * dialplan with the fake tech: frequencies and levels (Goertzel, RMS),
 * cadences, durations counted in audio played, terminators, hangups,
 * bad arguments, and no allocation on the media path. */
#include "../alloc_count.h"
#include "../audio_check.h"
#include "harness.h"

#define RMS_DBM0(level) (TONE_DBM0_RMS * pow(10, (level) / 20.0))

/* Runs of tone and silence in 10 ms blocks: "on500,off500,on500". */
static char *
cadence(const gint16 *pcm, guint n)
{
    GString *s = g_string_new(NULL);
    gboolean on = FALSE;
    guint run = 0;

    for (guint i = 0; i + 80 <= n; i += 80) {
        gboolean block_on = audio_rms(pcm + i, 80) > 100;
        if (run && block_on != on) {
            g_string_append_printf(s, "%s%s%u", s->len ? "," : "", on ? "on" : "off", run);
            run = 0;
        }
        on = block_on;
        run += 10;
    }
    g_string_append_printf(s, "%s%s%u", s->len ? "," : "", on ? "on" : "off", run);
    return g_string_free(s, FALSE);
}

static double
level_db(const gint16 *pcm, guint n, double expected_rms)
{
    return 20 * log10(audio_rms(pcm, n) / expected_rms);
}

typedef struct {
    const char *name;
    guint seconds;
    const char *cadence;
    double f1, f2;
    int level;                  /* dBm0 each */
} ToneCase;

static void
check_tone(const ToneCase *tc, const char *conf)
{
    g_autofree char *body = g_strdup_printf(
        "  call.vars.r = show(call:tone('%s', {duration = %u}))", tc->name, tc->seconds);
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(gint16));
    g_autofree char *runs = NULL;
    const gint16 *pcm;
    guint on = 1600;            /* 200 ms: in the first on period, whole cycles of each */

    setup(body, conf);
    c = call_with_port(tc->name);
    g_assert_cmpuint(ticks(c, tc->seconds * 50 + 5, 8000, NULL, out), ==, tc->seconds * 50);
    pcm = (const gint16 *) out->data;
    runs = cadence(pcm, out->len);
    g_assert_cmpstr(runs, ==, tc->cadence);
    g_assert_cmpfloat(audio_tone_share(pcm, on, 8000, tc->f1)
                      + (tc->f2 ? audio_tone_share(pcm, on, 8000, tc->f2) : 0), >, 0.98);
    if (tc->f2)
        g_assert_cmpfloat(fabs(audio_tone_share(pcm, on, 8000, tc->f1) - 0.5), <, 0.05);
    g_assert_cmpfloat(fabs(level_db(pcm, on, RMS_DBM0(tc->level) * (tc->f2 ? G_SQRT2 : 1))),
                      <, 0.2);
    g_assert_cmpstr(result_of(c), ==, "true");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* The North American plan (the default): ANSI T1.401 frequencies,
 * levels and cadences. */
static void
test_tones_us(void)
{
    static const ToneCase cases[] = {
        { "dial", 2, "on2000", 350, 440, -13 },
        { "ring", 7, "on2000,off4000,on1000", 440, 480, -19 },
        { "busy", 2, "on500,off500,on500,off500", 480, 620, -24 },
        { "congestion", 1, "on250,off250,on250,off250", 480, 620, -24 },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        check_tone(&cases[i], NULL);
}

static void
test_tones_eu(void)
{
    static const ToneCase cases[] = {
        { "dial", 1, "on1000", 425, 0, -10 },
        { "ring", 6, "on1000,off4000,on1000", 425, 0, -10 },
        { "busy", 2, "on500,off500,on500,off500", 425, 0, -10 },
        { "congestion", 1, "on250,off250,on250,off250", 425, 0, -10 },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        check_tone(&cases[i], "[general]\ntones = eu\n");
}

/* Any digit ends a tone by default (a dial tone waits for the first
 * one); `terminator` narrows that; a hangup returns nil, "hangup". */
static void
test_tone_ends(void)
{
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;
    g_autoptr(PbxChannel) h = NULL;

    setup("  if call.to == 'narrow' then\n"
          "    call.vars.r = show(call:tone('dial', {terminator = '#'}))\n"
          "  else call.vars.r = show(call:tone('dial')) end", NULL);
    a = call_with_port("any");
    ticks(a, 3, 8000, NULL, NULL);
    fake_tech_dtmf(a, '5');
    g_assert_cmpstr(result_of(a), ==, "true,5");
    b = call_with_port("narrow");
    fake_tech_dtmf(b, '5');
    ticks(b, 3, 8000, NULL, NULL);
    g_assert_false(script_done(b));
    fake_tech_dtmf(b, '#');
    g_assert_cmpstr(result_of(b), ==, "true,#");
    h = call_with_port("hangup");
    ticks(h, 3, 8000, NULL, NULL);
    pbx_channel_hangup_from_tech(h, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(h), ==, "nil,hangup");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static gboolean
hung_up(gpointer data)
{
    return script_done(data);
}

/* Misuse raises errors naming the method and the option; a call that
 * is not answered has no media: nil, message, "state". */
static void
test_tone_misuse(void)
{
    static const struct {
        const char *lua, *error;
    } cases[] = {
        { "call:tone('siren')", "unknown tone 'siren' (dial, ring, busy, congestion)" },
        { "call:tone('milliwatt')", "unknown tone 'milliwatt'" },
        { "call:tone()", "bad argument #1 to 'tone'" },
        { "call:tone('busy', 5)", "call:tone(): the options must be a table" },
        { "call:tone('busy', {durations = 5})", "call:tone(): unknown option 'durations'" },
        { "call:tone('busy', {duration = 0})",
          "option 'duration' must be a number of seconds from 0.02 to 86400" },
        { "call:tone('busy', {duration = 0/0})", "option 'duration' must be a number" },
        { "call:tone('busy', {duration = '5'})", "option 'duration' must be a number" },
        { "call:tone('busy', {terminator = 'x'})", "option 'terminator' must be DTMF digits" },
        { "call:tone('busy', {terminator = string.rep('1', 17)})",
          "option 'terminator' must be DTMF digits (0-9 * # A-D, at most 16)" },
        { "call:tone('busy', {[1] = 5})", "call:tone(): option names must be strings" },
        { "call:echo({terminator = true})", "call:echo(): option 'terminator' must be DTMF" },
        { "call:milliwatt({duration = 1e9})", "call:milliwatt(): option 'duration'" },
    };
    GString *body = g_string_new(NULL);
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(PbxChannel) u = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        g_string_append_printf(body,
                               "  call.vars.e%u = select(2, pcall(function() return %s end))\n",
                               i, cases[i].lua);
    g_string_append(body,
                    "  if call.to == 'unanswered' then call.vars.r = show(call:tone('busy')) end");
    setup(body->str, NULL);
    g_string_free(body, TRUE);
    c = fake_tech_call_in("1001", "misuse", "test");
    g_assert_true(wait_until(hung_up, c));
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *var = g_strdup_printf("e%u", i);
        const char *got = pbx_channel_get_var(c, var);
        if (!got || !strstr(got, cases[i].error))
            g_error("%s: got '%s', expected '%s'", cases[i].lua, got, cases[i].error);
    }
    u = fake_tech_call_in("1001", "unanswered", "test");
    g_assert_true(wait_until(hung_up, u));
    g_assert_true(g_str_has_prefix(pbx_channel_get_var(u, "r"), "nil,"));
    g_assert_true(g_str_has_suffix(pbx_channel_get_var(u, "r"), ",state"));
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* 1004 Hz at 0 dBm0 (RMS 16141, peak 22826) until the hangup: no default
 * duration, and digits do not end it unless asked. */
static void
test_milliwatt(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(gint16));
    const gint16 *pcm;

    setup("  call.vars.r = show(call:milliwatt())", NULL);
    c = call_with_port("601");
    g_assert_cmpuint(ticks(c, 600, 8000, NULL, out), ==, 600);     /* 12 s, past any default */
    fake_tech_dtmf(c, '#');
    g_assert_cmpuint(ticks(c, 5, 8000, NULL, NULL), ==, 5);
    pcm = (const gint16 *) out->data;
    g_assert_cmpfloat(fabs(audio_zero_crossing_freq(pcm, 8000, 8000, 1000) - 1004), <, 0.5);
    g_assert_cmpfloat(audio_tone_share(pcm + 8000, 8000, 8000, 1004), >, 0.99);
    g_assert_cmpfloat(fabs(level_db(pcm, out->len, TONE_DBM0_RMS)), <, 0.05);
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(c), ==, "nil,hangup");
    teardown();
}

static double
tone600(guint i, guint rate)
{
    return 6000 * sin(2 * G_PI * 600 * i / rate);
}

/* What the caller says comes back in the same tick, at its own rate,
 * until "#" (the default terminator) or the duration. */
static void
test_echo(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(PbxChannel) d = NULL;
    PbxAudioFrame in, out;

    setup("  if call.to == 'short' then\n"
          "    call.vars.r = show(call:echo({duration = 0.1}))\n"
          "  else call.vars.r = show(call:echo()) end", NULL);
    c = call_with_port("600");
    for (guint r = 0; r < 3; r++) {
        guint rate = (guint[]) { 8000, 16000, 48000 }[r];

        pbx_audio_frame_init(&in, rate);
        in.n_samples = pbx_audio_samples_for_ms(rate, PBX_AUDIO_TICK_MS);
        for (guint i = 0; i < in.n_samples; i++)
            in.samples[i] = (gint16) tone600(i, rate);
        pbx_audio_frame_init(&out, 8000);
        g_assert_true(fake_tech_port_tick(c, &in, &out));
        g_assert_cmpuint(out.rate, ==, rate);
        g_assert_cmpuint(out.n_samples, ==, in.n_samples);
        g_assert_cmpmem(out.samples, out.n_samples * 2, in.samples, in.n_samples * 2);
    }
    fake_tech_dtmf(c, '1');
    ticks(c, 2, 8000, tone600, NULL);
    g_assert_false(script_done(c));
    fake_tech_dtmf(c, '#');
    g_assert_cmpstr(result_of(c), ==, "true,#");
    d = call_with_port("short");
    g_assert_cmpuint(ticks(d, 8, 8000, tone600, NULL), ==, 5);
    g_assert_cmpstr(result_of(d), ==, "true");
    teardown();
}

/* The ports' reads and writes allocate nothing (they run on media
 * workers every 20 ms). */
static void
test_no_allocation(void)
{
    static const char *const tos[] = { "tone", "echo", "mw" };
    PbxAudioFrame in, out;

    if (!interposed()) {
        g_test_skip("malloc is not ours to count (valgrind or AddressSanitizer)");
        return;
    }
    setup("  if call.to == 'tone' then call:tone('ring')\n"
          "  elseif call.to == 'echo' then call:echo()\n"
          "  else call:milliwatt() end", NULL);
    pbx_audio_frame_init(&in, 16000);
    in.n_samples = 320;
    for (guint t = 0; t < G_N_ELEMENTS(tos); t++) {
        g_autoptr(PbxChannel) c = call_with_port(tos[t]);

        count_from_here();
        for (guint i = 0; i < 100; i++)
            fake_tech_port_tick(c, &in, &out);
        g_assert_cmpuint(counted(), ==, 0);
        pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
        g_assert_true(wait_until(script_done, c));
    }
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_media: tones, milliwatt and echo from the dialplan");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/app_media/tone/us", test_tones_us);
    g_test_add_func("/app_media/tone/eu", test_tones_eu);
    g_test_add_func("/app_media/tone/ends", test_tone_ends);
    g_test_add_func("/app_media/tone/misuse", test_tone_misuse);
    g_test_add_func("/app_media/milliwatt", test_milliwatt);
    g_test_add_func("/app_media/echo", test_echo);
    g_test_add_func("/app_media/no-allocation", test_no_allocation);
    return g_test_run();
}
