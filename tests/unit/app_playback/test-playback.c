/* Carillon - unit tests of app_playback: the dialplan methods
 * call:play(), call:say_digits(), call:say_number() and
 * call:read_digits(), with the modules app_playback and res_sounds
 * loaded from the tree as the daemon loads them, the fake channel tech
 * (its port ticks stand in for a media thread) and a sounds dir of our
 * own.  Each test sound is a constant sample value of its own, so the
 * audio a call got says which sounds it heard, in which order. */
#include <string.h>

#include "../../../core/core_private.h"
#include "../../../core/module_private.h"
#include "../../../dialplan/dialplan_private.h"
#include "../core/fake_tech.c"
#include "../res_sounds/wav.h"

#define SOUND_SAMPLES 400       /* 50 ms at 8 kHz: 2.5 ticks, so sounds meet inside a tick */
#define LONG_SAMPLES 16000      /* "long": 2 s */

static const char script[] =
    "local function rec(call, ...)\n"
    "  local t, out = table.pack(...), {}\n"
    "  for i = 1, t.n do out[i] = tostring(t[i]) end\n"
    "  call.vars.r = table.concat(out, '|')\n"
    "end\n"
    "local tests = {\n"
    "  play = function(c) return c:play({'a', 'b'}) end,\n"
    "  one = function(c) return c:play('a') end,\n"
    "  interrupt = function(c) return c:play({'long', 'a'}, {interrupt = '5#'}) end,\n"
    "  missing = function(c) return c:play({'a', 'nope'}) end,\n"
    "  hangup = function(c) return c:play('long') end,\n"
    "  digits = function(c) return c:say_digits('12*#0') end,\n"
    "  number = function(c) return c:say_number(tonumber(c.vars.n)) end,\n"
    "  read_max = function(c) return c:read_digits{max = 3, prompt = 'long'} end,\n"
    "  read_term = function(c) return c:read_digits{prompt = {'a', 'b'}} end,\n"
    "  read_timeout = function(c) return c:read_digits{timeout = 0.15, prompt = 'a'} end,\n"
    "  read_inter = function(c) return c:read_digits{timeout = 5, inter_digit = 0.15} end,\n"
    "  read_hangup = function(c) return c:read_digits{timeout = 10} end,\n"
    "  read_missing = function(c) return c:read_digits{prompt = 'nope'} end,\n"
    "  misuse = function(c)\n"
    "    local e = {}\n"
    "    for _, f in ipairs{function() c:play(42) end, function() c:play({}) end,\n"
    "                       function() c:play('a', {interrupt = 'x'}) end,\n"
    "                       function() c:say_number(1.5) end,\n"
    "                       function() c:say_digits('12a') end,\n"
    "                       function() c:read_digits{max = 0} end,\n"
    "                       function() c:read_digits{timeout = -1} end,\n"
    "                       function() c:play('') end} do\n"
    "      local ok, msg = pcall(f)\n"
    "      e[#e + 1] = ok and 'ok' or msg:gsub('^.-: ', '')\n"
    "    end\n"
    "    return table.concat(e, ';')\n"
    "  end,\n"
    "}\n"
    "context('test', {\n"
    "  on_invite = function(call)\n"
    "    if call.to ~= 'unanswered' and call.to ~= 'early' then call:answer() end\n"
    "    if call.to == 'unanswered' or call.to == 'early' then\n"
    "      return rec(call, call:play('a'))\n"
    "    end\n"
    "    rec(call, tests[call.to](call))\n"
    "    call.vars.after = tostring(call:play('b'))\n"
    "  end,\n"
    "})\n";

/* The test sounds, each a constant sample value: (index + 1) * 50. */
static const char *const sound_names[] = {
    "a", "b", "long",
    "digits/0", "digits/1", "digits/2", "digits/3", "digits/4", "digits/5", "digits/6",
    "digits/7", "digits/8", "digits/9", "digits/10", "digits/11", "digits/12", "digits/13",
    "digits/14", "digits/15", "digits/16", "digits/17", "digits/18", "digits/19",
    "digits/20", "digits/30", "digits/40", "digits/50", "digits/60", "digits/70",
    "digits/80", "digits/90", "digits/hundred", "digits/thousand", "digits/million",
    "digits/billion", "digits/minus", "digits/star", "digits/pound",
    /* the sample office's IVR */
    "hello", "vm-press", "vm-for", "extension", "vm-reachoper", "transfer", "pm-invalid-option",
    "vm-goodbye", "vm-theperson", "is-in-use", "vm-isunavail",
};

static char *conf_dir;
static char *sounds_dir;
static GString *errors;

static gint16
sound_value(guint i)
{
    return (gint16) ((i + 1) * 50);
}

static guint
sound_samples(const char *name)
{
    return strcmp(name, "long") == 0 ? LONG_SAMPLES : SOUND_SAMPLES;
}

static void
write_sounds(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(sound_names); i++) {
        g_autofree char *path = g_strdup_printf("%s/en/%s.wav", sounds_dir, sound_names[i]);
        g_autofree char *dir = g_path_get_dirname(path);
        guint n = sound_samples(sound_names[i]);
        g_autofree gint16 *pcm = g_new(gint16, n);

        for (guint k = 0; k < n; k++)
            pcm[k] = sound_value(i);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        wav_write(path, WAV_PCM16, 8000, 1, pcm, n);
    }
}

/* ---------------------------------------------------------- running calls */

typedef enum { ACT_NONE, ACT_DIGIT, ACT_HANGUP } ActKind;

/* What the far end does after `ticks` port ticks, or `ms` after the call
 * started (when ticks is 0). */
typedef struct {
    guint ticks;
    guint ms;
    ActKind kind;
    char digit;
} Act;

typedef struct {
    GArray *samples;            /* everything the port gave */
    guint ticks;
    guint rate;                 /* of the last frame */
    gint64 ended_ms;            /* when the dialplan let go of the call */
} Heard;

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static gboolean
act_due(const Act *a, const Heard *h, gint64 elapsed_ms)
{
    return a->kind != ACT_NONE && (a->ticks ? h->ticks >= a->ticks : elapsed_ms >= a->ms);
}

static void
act(PbxChannel *chan, Act *a)
{
    if (a->kind == ACT_DIGIT)
        fake_tech_dtmf(chan, a->digit);
    else
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_NORMAL_CLEARING);
    a->kind = ACT_NONE;
}

/* One pass of the loop: main context, one media tick, due actions. */
static void
step(PbxChannel *chan, Heard *h, Act *acts, guint n_acts, gint64 elapsed_ms)
{
    PbxAudioFrame in, out;

    drain();
    pbx_audio_frame_init(&in, 8000);
    in.n_samples = 160;
    if (fake_tech_port_tick(chan, &in, &out)) {
        g_array_append_vals(h->samples, out.samples, out.n_samples);
        h->rate = out.rate;
        h->ticks++;
    }
    for (guint i = 0; i < n_acts; i++)
        if (act_due(&acts[i], h, elapsed_ms))
            act(chan, &acts[i]);
    g_usleep(500);
}

/* Calls `to` and runs it until its script is over (10 s at most); the
 * port ticks as fast as the loop goes, timers in real time. */
static PbxChannel *
run_call(const char *to, const char *n, const char *codec, Heard *h, Act *acts,
         guint n_acts)
{
    PbxChannel *chan = fake_tech_call_in("1001", to, "test");
    gint64 start = g_get_monotonic_time();
    gint64 elapsed_ms = 0;

    if (n)
        pbx_channel_set_var(chan, "n", n);
    if (codec)
        pbx_channel_set_codec(chan, codec);
    h->samples = g_array_new(FALSE, FALSE, sizeof(gint16));
    while (elapsed_ms < 10000 && (elapsed_ms == 0 || pbx_channel_get_dialplan_data(chan))) {
        step(chan, h, acts, n_acts, elapsed_ms);
        elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    }
    h->ended_ms = elapsed_ms;
    drain();
    g_assert_null(pbx_channel_get_dialplan_data(chan));
    return chan;
}

static void
heard_clear(Heard *h)
{
    g_array_unref(h->samples);
}

static const char *
name_of_value(gint16 v)
{
    for (guint i = 0; i < G_N_ELEMENTS(sound_names); i++)
        if (sound_value(i) == v)
            return sound_names[i];
    return "?";
}

/* The sounds heard, as "a,b,b": runs of one value, each run as many
 * times as its sound's length fits in it. */
static char *
sequence(const Heard *h)
{
    const gint16 *s = (const gint16 *) (gpointer) h->samples->data;
    GString *out = g_string_new(NULL);
    guint i = 0;

    while (i < h->samples->len) {
        guint j = i;
        while (j < h->samples->len && s[j] == s[i])
            j++;
        if (s[i] != 0) {
            const char *name = name_of_value(s[i]);
            for (guint k = 0; k < (j - i + sound_samples(name) / 2) / sound_samples(name); k++)
                g_string_append_printf(out, "%s%s", out->len ? "," : "", name);
        }
        i = j;
    }
    return g_string_free(out, FALSE);
}

/* The module holds nothing once every call is over. */
static void
assert_all_freed(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    drain();
    g_assert_cmpuint(pbx_module_get_use_count(pbx_module_find("app_playback")), ==, 0);
    g_assert_true(pbx_cli_execute("playback show", out));
    g_assert_nonnull(strstr(out->str, "0 playbacks, 0 calls reading digits"));
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    g_assert_cmpstr(errors->str, ==, "");
}

/* ---------------------------------------------------------- play */

/* The sounds play one after the other without a gap (they meet inside a
 * tick), the call gets true, and the next play follows. */
static void
test_play_complete(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("play", NULL, NULL, &h, NULL, 0);
    g_autofree char *seq = sequence(&h);
    const gint16 *s = (const gint16 *) (gpointer) h.samples->data;

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "true");
    g_assert_cmpstr(pbx_channel_get_var(c, "after"), ==, "true");
    g_assert_cmpstr(seq, ==, "a,b,b");
    g_assert_cmpint(s[0], ==, sound_value(0));
    g_assert_cmpint(s[SOUND_SAMPLES - 1], ==, sound_value(0));
    g_assert_cmpint(s[SOUND_SAMPLES], ==, sound_value(1));         /* no gap */
    g_assert_cmpint(s[3 * SOUND_SAMPLES], ==, 0);                  /* padded */
    g_assert_cmpuint(h.rate, ==, 8000);
    heard_clear(&h);
    assert_all_freed();
}

/* A digit of the interrupt set stops the prompt at once and is returned;
 * another digit does not. */
static void
test_play_interrupt(void)
{
    Act acts[] = {
        { .ticks = 5, .kind = ACT_DIGIT, .digit = '1' },
        { .ticks = 10, .kind = ACT_DIGIT, .digit = '5' },
    };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("interrupt", NULL, NULL, &h, acts, G_N_ELEMENTS(acts));
    g_autofree char *seq = sequence(&h);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "5");
    g_assert_cmpstr(seq, ==, "b");      /* 10 ticks of "long" (under its length), then b */
    g_assert_cmpuint(h.ticks, <=, 10 + 3 + 1);
    heard_clear(&h);
    assert_all_freed();
}

/* A sound that does not exist: nothing plays, the call gets nil, the
 * message of res_sounds and "notfound". */
static void
test_play_missing(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("missing", NULL, NULL, &h, NULL, 0);
    const char *r = pbx_channel_get_var(c, "r");

    g_assert_true(g_str_has_prefix(r, "nil|sound 'nope' (language en) not found in "));
    g_assert_true(g_str_has_suffix(r, "|notfound"));
    g_assert_cmpstr(pbx_channel_get_var(c, "after"), ==, "true");
    heard_clear(&h);
    assert_all_freed();
}

/* A hangup in the middle: nil, "hangup", and nothing is left behind. */
static void
test_play_hangup(void)
{
    Act acts[] = { { .ticks = 8, .kind = ACT_HANGUP } };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("hangup", NULL, NULL, &h, acts, 1);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "nil|hangup|hangup");
    g_assert_cmpstr(pbx_channel_get_var(c, "after"), ==, "nil");
    g_assert_cmpuint(h.ticks, ==, 8);
    heard_clear(&h);
    assert_all_freed();
}

/* No media before the answer: nil, message, "state"; early media (a
 * channel in PROGRESS) plays. */
static void
test_play_state(void)
{
    Heard h = { 0 }, e = { 0 };
    g_autoptr(PbxChannel) c = run_call("unanswered", NULL, NULL, &h, NULL, 0);
    PbxChannel *early = fake_tech_call_in("1001", "early", "test");
    g_autofree char *seq = NULL;

    g_assert_true(g_str_has_prefix(pbx_channel_get_var(c, "r"), "nil|SIP/1001-"));
    g_assert_true(g_str_has_suffix(pbx_channel_get_var(c, "r"),
                                   " is RING: answer it (call:answer()) or start early media "
                                   "first|state"));
    pbx_channel_set_state(early, PBX_CHANNEL_PROGRESS);     /* before its script runs */
    e.samples = g_array_new(FALSE, FALSE, sizeof(gint16));
    for (guint i = 0; i < 200 && pbx_channel_get_dialplan_data(early) != NULL; i++)
        step(early, &e, NULL, 0, 0);
    for (guint i = 0; i < 200 && !pbx_channel_get_var(early, "r"); i++)
        step(early, &e, NULL, 0, 0);
    seq = sequence(&e);
    g_assert_cmpstr(pbx_channel_get_var(early, "r"), ==, "true");
    g_assert_cmpstr(seq, ==, "a");
    pbx_channel_unref(early);
    heard_clear(&h);
    heard_clear(&e);
    assert_all_freed();
}

/* Sounds are loaded at the rate of the channel's codec. */
static void
test_play_rate(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("one", NULL, "g722", &h, NULL, 0);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "true");
    g_assert_cmpuint(h.rate, ==, 16000);
    g_assert_cmpuint(h.samples->len, ==, 2 * 3 * 320);     /* a, b: 50 ms in 3 ticks each */
    heard_clear(&h);
    assert_all_freed();
}

/* ---------------------------------------------------------- say */

static void
assert_says(const char *n, const char *expected)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("number", n, NULL, &h, NULL, 0);
    g_autofree char *seq = sequence(&h);
    g_autofree char *want = g_strdup_printf("%s,b", expected);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "true");
    g_assert_cmpstr(seq, ==, want);
    heard_clear(&h);
}

static void
test_say_number(void)
{
    assert_says("0", "digits/0");
    assert_says("7", "digits/7");
    assert_says("13", "digits/13");
    assert_says("42", "digits/40,digits/2");
    assert_says("100", "digits/1,digits/hundred");
    assert_says("999", "digits/9,digits/hundred,digits/90,digits/9");
    assert_says("1001", "digits/1,digits/thousand,digits/1");
    assert_says("1000000", "digits/1,digits/million");
    assert_says("-20", "digits/minus,digits/20");
    assert_says("2000018", "digits/2,digits/million,digits/18");
    assert_says("312000000005", "digits/3,digits/hundred,digits/12,digits/billion,digits/5");
    assert_all_freed();
}

static void
test_say_digits(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("digits", NULL, NULL, &h, NULL, 0);
    g_autofree char *seq = sequence(&h);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "true");
    g_assert_cmpstr(seq, ==, "digits/1,digits/2,digits/star,digits/pound,digits/0,b");
    heard_clear(&h);
    assert_all_freed();
}

/* Misuse raises errors that say what is wrong. */
static void
test_misuse(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("misuse", NULL, NULL, &h, NULL, 0);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==,
                    "call:play(): a sound name or a list of names expected;"
                    "ok;"
                    "call:play(): option 'interrupt': 'x' is not a DTMF digit (0-9 * # A-D);"
                    "call:say_number(): an integer from -999999999999 to 999999999999 expected;"
                    "call:say_digits(): 'a' cannot be said (0-9 * #);"
                    "call:read_digits(): option 'max' must be an integer from 1 to 128;"
                    "call:read_digits(): option 'timeout' must be a number of seconds from 0 "
                    "to 3600;"
                    "call:play(): a sound name must be a non-empty string");
    heard_clear(&h);
    assert_all_freed();
}

/* ---------------------------------------------------------- read_digits */

/* A digit during the prompt stops it and counts; max ends it. */
static void
test_read_max(void)
{
    Act acts[] = {
        { .ticks = 5, .kind = ACT_DIGIT, .digit = '1' },
        { .ms = 200, .kind = ACT_DIGIT, .digit = '2' },
        { .ms = 250, .kind = ACT_DIGIT, .digit = '3' },
        { .ms = 300, .kind = ACT_DIGIT, .digit = '4' },
    };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_max", NULL, NULL, &h, acts, G_N_ELEMENTS(acts));
    g_autofree char *seq = sequence(&h);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "123|max");
    g_assert_cmpstr(seq, ==, "b");      /* 5 ticks of "long" only */
    heard_clear(&h);
    assert_all_freed();
}

/* The terminator ends it and is not part of the digits; typed after the
 * whole prompt. */
static void
test_read_terminator(void)
{
    Act acts[] = {
        { .ms = 100, .kind = ACT_DIGIT, .digit = '4' },
        { .ms = 150, .kind = ACT_DIGIT, .digit = '2' },
        { .ms = 200, .kind = ACT_DIGIT, .digit = '#' },
    };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_term", NULL, NULL, &h, acts, G_N_ELEMENTS(acts));
    g_autofree char *seq = sequence(&h);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "42|terminator");
    g_assert_cmpstr(seq, ==, "a,b,b");  /* the whole prompt a, b (over in 5 ticks) */
    heard_clear(&h);
    assert_all_freed();
}

/* No digit: "" and "timeout", counted from the prompt's end. */
static void
test_read_timeout(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_timeout", NULL, NULL, &h, NULL, 0);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "|timeout");
    g_assert_cmpint(h.ended_ms, >=, 150);
    g_assert_cmpint(h.ended_ms, <, 2000);
    heard_clear(&h);
    assert_all_freed();
}

/* After a digit the inter-digit timeout applies, not the first one. */
static void
test_read_inter_digit(void)
{
    Act acts[] = { { .ms = 50, .kind = ACT_DIGIT, .digit = '7' } };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_inter", NULL, NULL, &h, acts, 1);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "7|timeout");
    g_assert_cmpint(h.ended_ms, >=, 200);
    g_assert_cmpint(h.ended_ms, <, 3000);       /* well under the 5 s first-digit timeout */
    heard_clear(&h);
    assert_all_freed();
}

static void
test_read_hangup(void)
{
    Act acts[] = {
        { .ms = 30, .kind = ACT_DIGIT, .digit = '9' },
        { .ms = 60, .kind = ACT_HANGUP },
    };
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_hangup", NULL, NULL, &h, acts, 2);

    g_assert_cmpstr(pbx_channel_get_var(c, "r"), ==, "nil|hangup|hangup");
    g_assert_cmpint(h.ended_ms, <, 2000);
    heard_clear(&h);
    assert_all_freed();
}

static void
test_read_missing_prompt(void)
{
    Heard h = { 0 };
    g_autoptr(PbxChannel) c = run_call("read_missing", NULL, NULL, &h, NULL, 0);

    g_assert_true(g_str_has_prefix(pbx_channel_get_var(c, "r"), "nil|sound 'nope' "));
    g_assert_true(g_str_has_suffix(pbx_channel_get_var(c, "r"), "|notfound"));
    heard_clear(&h);
    assert_all_freed();
}

/* ---------------------------------------------------------- sharing, unload */

static guint
cache_users(const char *name)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;

    g_assert_true(pbx_cli_execute("sounds show cache", out));
    lines = g_strsplit(out->str, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines[i], " ", -1);
        g_autofree char *joined = NULL;
        guint k = 0;
        const char *cols[8] = { 0 };

        for (guint j = 0; f[j] && k < 8; j++)
            if (*f[j])
                cols[k++] = f[j];
        if (k >= 5 && strcmp(cols[0], name) == 0 && strcmp(cols[1], "8000") == 0)
            return (guint) g_ascii_strtoull(cols[4], NULL, 10);
        (void) joined;
    }
    return 0;
}

/* Three calls playing one prompt share its one decoded copy; a module
 * in use is not unloaded; a forced unload wakes the calls
 * (nil, ..., "stopped") and waits for their ports. */
static void
test_shared_and_unload(void)
{
    PbxChannel *calls[3];
    g_autoptr(GError) error = NULL;
    Heard h = { 0 };

    h.samples = g_array_new(FALSE, FALSE, sizeof(gint16));
    for (guint i = 0; i < 3; i++)
        calls[i] = fake_tech_call_in("1001", "hangup", "test");
    for (guint i = 0; i < 100 && cache_users("long") < 3; i++)
        step(calls[0], &h, NULL, 0, 0);
    g_assert_cmpuint(cache_users("long"), ==, 3);
    g_assert_false(pbx_module_unload("app_playback", FALSE, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE);
    g_assert_true(pbx_module_unload("app_playback", TRUE, NULL));
    drain();
    for (guint i = 0; i < 3; i++) {
        g_assert_cmpstr(pbx_channel_get_var(calls[i], "r"), ==,
                        "nil|app_playback is unloading|stopped");
        g_assert_null(pbx_channel_get_dialplan_data(calls[i]));
        pbx_channel_unref(calls[i]);
    }
    g_assert_cmpuint(cache_users("long"), ==, 0);
    g_assert_nonnull(pbx_module_load("app_playback", NULL));
    heard_clear(&h);
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
}

/* ---------------------------------------------------------- the sample office */

static void
load_script(const char *text)
{
    g_autofree char *path = g_build_filename(conf_dir, "extensions.lua", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_true(pbx_dialplan_reload(&error));
    g_assert_no_error(error);
}

/* The sample office's 800: a digit stops the menu; 9 is an invalid
 * choice (the menu comes again), 2 rings 1002, which answers: bridged. */
static void
test_sample_ivr(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *path = g_build_filename(top ? top : ".", "contrib", "configs",
                                             "sample-office", "extensions.lua", NULL);
    g_autofree char *text = NULL;
    g_autofree char *seq = NULL;
    Act acts[] = {
        { .ticks = 5, .kind = ACT_DIGIT, .digit = '9' },
        { .ms = 60, .kind = ACT_DIGIT, .digit = '#' },
        { .ticks = 12, .kind = ACT_DIGIT, .digit = '2' },
        { .ms = 200, .kind = ACT_DIGIT, .digit = '#' },
        { .ms = 500, .kind = ACT_HANGUP },
    };
    Heard h = { 0 };
    PbxChannel *c;
    gint64 start;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    fake_tech_set("1002", FAKE_ANSWER, 10);
    fake_tech_clear_log();
    load_script(text);
    c = fake_tech_call_in("1001", "800", "office");
    start = g_get_monotonic_time();
    h.samples = g_array_new(FALSE, FALSE, sizeof(gint16));
    for (guint i = 0; i < 4000 && pbx_channel_count() > 0; i++)
        step(c, &h, acts, G_N_ELEMENTS(acts), (g_get_monotonic_time() - start) / 1000);
    pbx_channel_unref(c);
    seq = sequence(&h);
    g_assert_cmpstr(seq, ==, "hello,vm-press,pm-invalid-option,hello,vm-press,transfer");
    g_assert_nonnull(strstr(fake_tech_log(), "answer:800;"));
    g_assert_nonnull(strstr(fake_tech_log(), "call:1002;"));
    g_assert_nonnull(strstr(fake_tech_log(), "bridge:800:1002;"));
    load_script(script);
    heard_clear(&h);
    assert_all_freed();
}

/* ---------------------------------------------------------- setup */

static void
on_error(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(errors, "%s\n", pbx_event_get(ev, "message"));
}

static void
setup(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autofree char *script_path = NULL;
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    conf_dir = g_dir_make_tmp("carillon-playback-XXXXXX", NULL);
    sounds_dir = g_build_filename(conf_dir, "sounds", NULL);
    write_sounds();
    script_path = g_build_filename(conf_dir, "extensions.lua", NULL);
    g_assert_true(g_file_set_contents(script_path, script, -1, NULL));
    paths.config_dir = g_strdup(conf_dir);
    paths.sounds_dir = g_strdup(sounds_dir);
    pbx_paths_set(&paths);
    errors = g_string_new(NULL);
    pbx_event_subscribe(NULL, "dialplan/error", on_error, NULL);
    fake_tech_register("SIP");
    pbx_modules_init(mods);
    g_assert_nonnull(pbx_module_load("codec_g722", &error));
    g_assert_nonnull(pbx_module_load("app_playback", &error));
    g_assert_no_error(error);
    g_assert_true(pbx_dialplan_init(&error));
}

static void
teardown(void)
{
    drain();
    pbx_dialplan_shutdown();
    pbx_modules_shutdown();
    drain();
    fake_tech_unregister();
    wav_tmpdir_remove(conf_dir);
    g_free(sounds_dir);
    g_free(conf_dir);
    g_string_free(errors, TRUE);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_playback: play, say_digits, say_number, read_digits on fake calls");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    setup();
    g_test_add_func("/app_playback/play/complete", test_play_complete);
    g_test_add_func("/app_playback/play/interrupt", test_play_interrupt);
    g_test_add_func("/app_playback/play/missing", test_play_missing);
    g_test_add_func("/app_playback/play/hangup", test_play_hangup);
    g_test_add_func("/app_playback/play/state", test_play_state);
    g_test_add_func("/app_playback/play/rate", test_play_rate);
    g_test_add_func("/app_playback/say/number", test_say_number);
    g_test_add_func("/app_playback/say/digits", test_say_digits);
    g_test_add_func("/app_playback/play/misuse", test_misuse);
    g_test_add_func("/app_playback/read/max", test_read_max);
    g_test_add_func("/app_playback/read/terminator", test_read_terminator);
    g_test_add_func("/app_playback/read/timeout", test_read_timeout);
    g_test_add_func("/app_playback/read/inter-digit", test_read_inter_digit);
    g_test_add_func("/app_playback/read/hangup", test_read_hangup);
    g_test_add_func("/app_playback/read/missing-prompt", test_read_missing_prompt);
    g_test_add_func("/app_playback/sample-office/ivr", test_sample_ivr);
    g_test_add_func("/app_playback/module/shared-and-unload", test_shared_and_unload);
    rc = g_test_run();
    teardown();
    return rc;
}
