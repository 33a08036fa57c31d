/* Unit tests: call:record() from the Lua dialplan with the fake tech.
 * It stops for each reason (max, silence, a terminator, the hangup); the
 * file appears only under its final name once finished, with the right
 * length and content (libsndfile read-back), and while it records only a
 * temporary file exists; formats, rates, the beep, paths, failures, lost
 * audio kept as silence, the dialplan or the module going away
 * mid-recording. */
#include <sndfile.h>

#include "../alloc_count.h"
#include "../audio_check.h"
#include "harness.h"

static double
tone440(guint i, guint rate)
{
    return 8000 * sin(2 * G_PI * 440 * i / rate);
}

static char *
rec_path(const char *name)
{
    return g_build_filename(tmp_dir, "recordings", name, NULL);
}

/* Names in dir, sorted, joined with ",". */
static char *
listing(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (d && (name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(",", (char **) names->pdata);
}

typedef struct {
    SF_INFO info;
    GArray *pcm;
} ReadBack;

static ReadBack
read_back(const char *path)
{
    ReadBack rb = { { 0 }, g_array_new(FALSE, TRUE, sizeof(gint16)) };
    SNDFILE *sf = sf_open(path, SFM_READ, &rb.info);

    g_assert_nonnull(sf);
    g_array_set_size(rb.pcm, (guint) rb.info.frames);
    g_assert_cmpint(sf_read_short(sf, (short *) rb.pcm->data, rb.info.frames), ==,
                    rb.info.frames);
    sf_close(sf);
    return rb;
}

static double
freq_of(const ReadBack *rb)
{
    return audio_zero_crossing_freq((const gint16 *) rb->pcm->data, rb->pcm->len,
                                    (guint) rb->info.samplerate, 1000);
}

/* call:record('<to>.wav', <opts>) for the call to `to`: the options are
 * Lua source in `opts` of the body. */
static const char record_body[] =
    "  local opts = {\n"
    "    max = {max = 1},\n"
    "    silence = {silence = 0.5},\n"
    "    term = {terminator = '*#'},\n"
    "    hangup = {},\n"
    "    beep = {beep = true, max = 0.5},\n"
    "    gsm = {format = 'gsm', max = 1},\n"
    "    wav8 = {format = 'wav8', max = 1},\n"
    "    g722 = {max = 1},\n"
    "    lost = {max = 3},\n"
    "  }\n"
    "  call.vars.r = show(call:record('sub/' .. call.to .. '.wav', opts[call.to]))\n";

/* While it records, the final name does not exist: only the writer's
 * temporary file, hidden, in the same directory. */
static void
check_only_temp(const char *name)
{
    g_autofree char *dir = rec_path("sub");
    g_autofree char *names = listing(dir);
    g_autofree char *prefix = g_strdup_printf(".%s.wav.", name);

    g_assert_true(g_str_has_prefix(names, prefix));
    g_assert_null(strchr(names, ','));
}

static void
check_final(const char *name, const ReadBack *rb)
{
    g_autofree char *dir = rec_path("sub");
    g_autofree char *names = listing(dir);
    g_autofree char *want = g_strdup_printf("%s.wav", name);

    g_assert_cmpstr(names, ==, want);       /* no temporary left */
}

static ReadBack
recorded(const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.wav", name);
    g_autofree char *path = rec_path("sub");
    g_autofree char *full = g_build_filename(path, file, NULL);
    ReadBack rb = read_back(full);

    check_final(name, &rb);
    return rb;
}

static char *
expected(const char *name, const char *seconds, const char *reason)
{
    g_autofree char *path = rec_path("sub");

    return g_strdup_printf("%s/%s.wav,%s,%s", path, name, seconds, reason);
}

/* max = 1: exactly 8000 samples although the tick feeding it runs over. */
static void
test_max(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    c = call_with_port("max");
    ticks(c, 20, 8000, tone440, NULL);
    check_only_temp("max");
    ticks(c, 40, 8000, tone440, NULL);
    want = expected("max", "1.0", "max");
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("max");
    g_assert_cmpint(rb.info.frames, ==, 8000);
    g_assert_cmpint(rb.info.samplerate, ==, 8000);
    g_assert_cmpint(rb.info.format, ==, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    g_assert_cmpfloat(fabs(freq_of(&rb) - 440), <, 1);
    g_assert_cmpfloat(fabs(audio_rms((gint16 *) rb.pcm->data, 8000) - 8000 / G_SQRT2), <, 20);
    g_array_unref(rb.pcm);
    teardown();
}

/* 0.8 s of tone, then quiet: ends after 0.5 s of silence, which is cut
 * off the file. */
static void
test_silence(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected("silence", "0.8", "silence");
    c = call_with_port("silence");
    ticks(c, 40, 8000, tone440, NULL);
    g_assert_cmpuint(ticks(c, 24, 8000, NULL, NULL), ==, 0);
    g_assert_false(script_done(c));
    ticks(c, 5, 8000, NULL, NULL);
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("silence");
    g_assert_cmpint(rb.info.frames, ==, 6400);
    g_array_unref(rb.pcm);
    teardown();
}

/* A terminator digit ends it and is the reason; other digits do not. */
static void
test_terminator(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected("term", "0.6", "*");
    c = call_with_port("term");
    ticks(c, 15, 8000, tone440, NULL);
    fake_tech_dtmf(c, '1');
    ticks(c, 15, 8000, tone440, NULL);
    fake_tech_dtmf(c, '*');
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("term");
    g_assert_cmpint(rb.info.frames, ==, 4800);
    g_array_unref(rb.pcm);
    teardown();
}

/* A hangup keeps what was recorded: path, seconds, "hangup". */
static void
test_hangup(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected("hangup", "0.4", "hangup");
    c = call_with_port("hangup");
    ticks(c, 20, 8000, tone440, NULL);
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("hangup");
    g_assert_cmpint(rb.info.frames, ==, 3200);
    g_assert_cmpfloat(fabs(freq_of(&rb) - 440), <, 1);
    g_array_unref(rb.pcm);
    teardown();
}

/* beep = true: 250 ms of 1 kHz first; what the caller says meanwhile is
 * not recorded. */
static void
test_beep(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(GArray) played = g_array_new(FALSE, FALSE, sizeof(gint16));
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected("beep", "0.5", "max");
    c = call_with_port("beep");
    g_assert_cmpuint(ticks(c, 20, 8000, tone440, played), ==, 13);
    g_assert_cmpfloat(fabs(audio_zero_crossing_freq((gint16 *) played->data, 2000, 8000, 100)
                           - 1000), <, 1);
    g_assert_cmpfloat(fabs(audio_rms((gint16 *) played->data, 2000)
                           - TONE_DBM0_RMS * pow(10, -6 / 20.0)), <, 100);
    g_assert_cmpfloat(audio_rms((gint16 *) played->data + 2000, played->len - 2000), ==, 0);
    ticks(c, 20, 8000, tone440, NULL);
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("beep");
    g_assert_cmpint(rb.info.frames, ==, 4000);
    g_assert_cmpfloat(fabs(freq_of(&rb) - 440), <, 1);     /* no beep in it */
    g_array_unref(rb.pcm);
    teardown();
}

/* gsm: WAV49 at 8 kHz (whole 320-sample blocks); wav8 from a 16 kHz
 * leg: resampled; wav from a G.722 leg: 16 kHz. */
static void
check_format(const char *to, const char *codec, guint rate, int format, guint file_rate)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected(to, "1.0", "max");
    c = fake_tech_call_in("1001", to, "test");
    if (codec)
        pbx_channel_set_codec(c, codec);
    g_assert_true(wait_until(has_port, (gpointer) to));
    ticks(c, 60, rate, tone440, NULL);
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded(to);
    g_assert_cmpint(rb.info.format, ==, format);
    g_assert_cmpint(rb.info.samplerate, ==, file_rate);
    g_assert_cmpint(rb.info.frames, >=, file_rate);
    /* GSM: whole blocks, one more at the end */
    g_assert_cmpint(rb.info.frames, <=, file_rate + 320);
    g_test_message("%s: %.1f Hz, share of 440 Hz %.3f", to, freq_of(&rb),
                   audio_tone_share((gint16 *) rb.pcm->data, file_rate, file_rate, 440));
    g_assert_cmpfloat(audio_tone_share((gint16 *) rb.pcm->data, file_rate, file_rate, 440), >, 0.9);
    g_array_unref(rb.pcm);
    teardown();
}

static void
test_formats(void)
{
    g_autoptr(GError) error = NULL;

    check_format("gsm", NULL, 8000, SF_FORMAT_WAV | SF_FORMAT_GSM610, 8000);
    check_format("wav8", NULL, 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000);
    g_assert_nonnull(pbx_module_load("codec_g722", &error));
    g_assert_no_error(error);
    check_format("g722", "g722", 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000);
    g_assert_true(pbx_module_unload("codec_g722", FALSE, NULL));
}

/* The writer fell behind (here: 3 s fed at once into a 2 s ring): what
 * was lost is silence, and the file keeps its length. */
static void
test_lost_audio_kept_as_silence(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    want = expected("lost", "3.0", "max");
    c = call_with_port("lost");
    ticks(c, 150, 8000, tone440, NULL);
    g_assert_cmpstr(result_of(c), ==, want);
    rb = recorded("lost");
    g_assert_cmpint(rb.info.frames, ==, 24000);
    g_assert_cmpfloat(audio_rms((gint16 *) rb.pcm->data, 8000), >, 5000);
    g_assert_cmpfloat(audio_rms((gint16 *) rb.pcm->data + 24000 - 4000, 4000), ==, 0);
    g_array_unref(rb.pcm);
    teardown();
}

/* Paths: relative ones stay under recordings_dir; "..", absolute paths
 * (unless allowed), directories, hidden names, NUL bytes and bad
 * options are Lua errors; a file that cannot be created is nil, msg, "io". */
static void
test_paths_and_misuse(void)
{
    static const struct {
        const char *lua, *error;
    } cases[] = {
        { "call:record('../x.wav')", "it leaves the recordings directory (..)" },
        { "call:record('a/../../x.wav')", "it leaves the recordings directory (..)" },
        { "call:record('/tmp/x.wav')", "absolute paths are not allowed" },
        { "call:record('dir/')", "it names a directory, not a file" },
        { "call:record('.hidden.wav')", "the file name starts with '.'" },
        { "call:record('a\\0b.wav')", "the path holds a NUL byte" },
        { "call:record('a\\nb.wav')", "the path holds a control character" },
        { "call:record('')", "the path is empty" },
        { "call:record(string.rep('a', 1025))", "the path is too long" },
        { "call:record()", "bad argument #1 to 'record'" },
        { "call:record('x.wav', {format = 'mp3'})",
          "call:record(): option 'format' must be one of \"wav\", \"wav8\", \"gsm\"" },
        { "call:record('x.wav', {max = -1})", "option 'max' must be a number of seconds" },
        { "call:record('x.wav', {silence = 1e6})", "option 'silence' must be a number" },
        { "call:record('x.wav', {beep = 'yes'})", "option 'beep' must be true or false" },
    };
    GString *body = g_string_new(NULL);
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *blocker = NULL;
    g_autofree char *dir = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        g_string_append_printf(body,
                               "  call.vars.e%u = select(2, pcall(function() return %s end))\n",
                               i, cases[i].lua);
    g_string_append(body, "  call.vars.r = show(call:record('file/under-a-file.wav'))\n");
    setup(body->str, NULL);
    g_string_free(body, TRUE);
    blocker = rec_path("file");
    g_assert_cmpint(g_mkdir_with_parents(dir = rec_path(NULL), 0750), ==, 0);
    g_assert_true(g_file_set_contents(blocker, "", 0, NULL));
    c = fake_tech_call_in("1001", "misuse", "test");
    g_assert_true(wait_until(script_done, c));
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *var = g_strdup_printf("e%u", i);
        const char *got = pbx_channel_get_var(c, var);
        if (!got || !strstr(got, cases[i].error))
            g_error("%s: got '%s', expected '%s'", cases[i].lua, got, cases[i].error);
    }
    g_assert_true(g_str_has_prefix(pbx_channel_get_var(c, "r"), "nil,cannot create "));
    g_assert_true(g_str_has_suffix(pbx_channel_get_var(c, "r"), ",io"));
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* allow_absolute_paths = yes lets the script name any (plain) path. */
static void
test_absolute_allowed(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *body = NULL;
    g_autofree char *dir = g_dir_make_tmp("carillon-abs-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "abs.wav", NULL);
    g_autofree char *want = g_strdup_printf("%s,0.2,max", path);

    body = g_strdup_printf("  call.vars.r = show(call:record('%s', {max = 0.2}))", path);
    setup(body, "[general]\nallow_absolute_paths = yes\n");
    c = call_with_port("abs");
    ticks(c, 12, 8000, tone440, NULL);
    g_assert_cmpstr(result_of(c), ==, want);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    teardown();
    remove_tree(dir);
}

/* Not answered: nil, message, "state", and no file is left. */
static void
test_unanswered(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *names = NULL;

    setup(record_body, NULL);
    c = fake_tech_call_in("1001", "unanswered", "test");
    g_assert_true(wait_until(script_done, c));
    g_assert_true(g_str_has_prefix(pbx_channel_get_var(c, "r"), "nil,"));
    g_assert_true(g_str_has_suffix(pbx_channel_get_var(c, "r"), ",state"));
    dir = rec_path("sub");
    names = listing(dir);
    g_assert_cmpstr(names, ==, "");
    teardown();
}

/* The daemon stops mid-recording: the dialplan lets go of its calls
 * first (the app must not resume a freed call), then the module unloads
 * and waits for the recording, which is still finished in place. */
static void
test_shutdown_mid_recording(void)
{
    g_autoptr(PbxChannel) c = NULL;
    ReadBack rb;

    setup(record_body, NULL);
    c = call_with_port("hangup");
    ticks(c, 10, 8000, tone440, NULL);
    pbx_dialplan_shutdown();
    media_teardown();
    g_assert_cmpuint(media_apps_count(), ==, 0);
    rb = recorded("hangup");
    g_assert_cmpint(rb.info.frames, ==, 1600);
    g_array_unref(rb.pcm);
    g_assert_true(media_setup(NULL, NULL));         /* for teardown */
    teardown();
}

/* The module unloads while a call records: the recording ends with
 * "unloaded" and the call carries on. */
static void
test_unload_mid_recording(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autofree char *want = NULL;

    setup(record_body, NULL);
    want = expected("hangup", "0.2", "unloaded");
    c = call_with_port("hangup");
    ticks(c, 10, 8000, tone440, NULL);
    media_teardown();
    g_assert_cmpstr(result_of(c), ==, want);
    g_assert_true(media_setup(NULL, NULL));
    teardown();
}

/* The port's write and read allocate nothing, beep included. */
static void
test_no_allocation(void)
{
    g_autoptr(PbxChannel) c = NULL;
    PbxAudioFrame in, out;

    if (!interposed()) {
        g_test_skip("malloc is not ours to count (valgrind or AddressSanitizer)");
        return;
    }
    setup("  call:record('x.wav', {beep = true, silence = 5, format = 'wav8'})", NULL);
    c = call_with_port("x");
    pbx_audio_frame_init(&in, 16000);
    in.n_samples = 320;
    for (guint i = 0; i < 320; i++)
        in.samples[i] = (gint16) tone440(i, 16000);
    count_from_here();
    for (guint i = 0; i < 60; i++)
        fake_tech_port_tick(c, &in, &out);
    g_assert_cmpuint(counted(), ==, 0);
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_true(wait_until(script_done, c));
    teardown();
}

int
main(int argc, char **argv)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);

    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_media: call:record() from the dialplan");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_modules_init(mods);
    g_test_add_func("/app_media/record/max", test_max);
    g_test_add_func("/app_media/record/silence", test_silence);
    g_test_add_func("/app_media/record/terminator", test_terminator);
    g_test_add_func("/app_media/record/hangup", test_hangup);
    g_test_add_func("/app_media/record/beep", test_beep);
    g_test_add_func("/app_media/record/formats", test_formats);
    g_test_add_func("/app_media/record/lost-audio", test_lost_audio_kept_as_silence);
    g_test_add_func("/app_media/record/paths-and-misuse", test_paths_and_misuse);
    g_test_add_func("/app_media/record/absolute-allowed", test_absolute_allowed);
    g_test_add_func("/app_media/record/unanswered", test_unanswered);
    g_test_add_func("/app_media/record/shutdown", test_shutdown_mid_recording);
    g_test_add_func("/app_media/record/unload", test_unload_mid_recording);
    g_test_add_func("/app_media/record/no-allocation", test_no_allocation);
    return g_test_run();
}
