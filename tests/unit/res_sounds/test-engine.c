/* Carillon - unit tests of res_sounds' requests: names looked up through
 * the language chain, answers always asynchronous on the main context,
 * one decode shared by concurrent requests, errors that say where we
 * looked, cancelling, absolute paths revalidated, files added after the
 * listing, reconfiguring, sounds.conf errors with file:line, and the
 * Debian prompts when they are installed. */
#include <string.h>
#include <unistd.h>

#include "../../../modules/res_sounds/sounds_private.h"
#include "wav.h"

typedef struct {
    guint calls;
    PbxSound *sound;
    GError *error;
} Result;

static char *root;              /* the test's sounds_dir */

static void
result_clear(Result *r)
{
    g_clear_pointer(&r->sound, pbx_sound_unref);
    g_clear_error(&r->error);
    r->calls = 0;
}

static void
on_loaded(PbxSound *sound, const GError *error, gpointer data)
{
    Result *r = data;

    g_assert_true(g_main_context_is_owner(g_main_context_default()));
    g_assert_true((sound == NULL) != (error == NULL));
    r->calls++;
    pbx_sound_unref(r->sound);
    r->sound = sound;
    g_clear_error(&r->error);
    r->error = error ? g_error_copy(error) : NULL;
}

/* Runs the main loop until every result has been called (5 s at most). */
static void
wait_results(Result *results, guint n)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    for (;;) {
        guint answered = 0;
        for (guint i = 0; i < n; i++)
            answered += results[i].calls > 0;
        if (answered == n)
            return;
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, TRUE);
    }
}

/* A little while of the main loop: what should not come does not. */
static void
spin(guint ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
}

static void
add_sound(const char *language, const char *name, double freq, guint ms)
{
    g_autofree char *path = sound_file_path(root, language, name);
    g_autofree char *parent = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    wav_write_tone(path, WAV_PCM16, 8000, 1, freq, 8000, ms);
}

static SoundsEngine *
engine_new(const char *language, guint cache_kb)
{
    g_autoptr(GError) error = NULL;
    SoundsConf *conf = sounds_conf_parse(NULL, root, language, &error);
    SoundsEngine *engine;

    g_assert_no_error(error);
    conf->cache_max_kb = cache_kb;
    engine = sounds_engine_new(conf, &error);
    g_assert_no_error(error);
    return engine;
}

/* Loads name and waits: the result's sound (a reference) or NULL. */
static PbxSound *
load(SoundsEngine *e, const char *name, const char *language, guint rate, GError **error)
{
    Result r = { 0 };

    sounds_engine_load(e, name, language, rate, on_loaded, &r);
    wait_results(&r, 1);
    g_assert_cmpuint(r.calls, ==, 1);
    if (r.error)
        g_propagate_error(error, r.error);
    return r.sound;
}

static char *
expected(const char *language, const char *name)
{
    return sound_file_path(root, language, name);
}

static void
assert_found(SoundsEngine *e, const char *name, const char *language, const char *in)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxSound) s = load(e, name, language, 8000, &error);
    g_autofree char *want = expected(in, name);
    g_autofree char *path = sounds_engine_dup_path(e, name, language);

    g_assert_no_error(error);
    g_assert_cmpstr(pbx_sound_get_path(s), ==, want);
    g_assert_cmpstr(pbx_sound_get_name(s), ==, name);
    g_assert_cmpstr(path, ==, want);
    g_assert_true(sounds_engine_exists(e, name, language));
}

/* The language, its base, the default and its base, then en. */
static void
test_lookup(void)
{
    g_autoptr(SoundsEngine) e = engine_new("de_AT", 1024);

    assert_found(e, "hello", "fr", "fr");
    assert_found(e, "hello", "fr_CA", "fr_CA");
    assert_found(e, "digits/5", "fr_CA", "fr");
    assert_found(e, "digits/6", "fr_CA", "en");
    assert_found(e, "only-de", "fr", "de");
    assert_found(e, "only-de-at", "fr", "de_AT");
    assert_found(e, "hello", NULL, "en");
    assert_found(e, "only-de", NULL, "de");
    assert_found(e, "digits/5", "it", "en");
    g_assert_false(sounds_engine_exists(e, "nothing", "fr"));
    g_assert_false(sounds_engine_exists(e, "../en/hello", "fr"));
    g_assert_false(sounds_engine_exists(e, "hello", "../en"));
}

/* `done` runs later, on the main context, for a cache hit too. */
static void
test_async(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    Result r[3] = { 0 };

    sounds_engine_load(e, "hello", NULL, 8000, on_loaded, &r[0]);
    g_assert_cmpuint(r[0].calls, ==, 0);
    wait_results(r, 1);
    sounds_engine_load(e, "hello", NULL, 8000, on_loaded, &r[1]);   /* cached */
    sounds_engine_load(e, "../etc", NULL, 8000, on_loaded, &r[2]);  /* invalid */
    g_assert_cmpuint(r[1].calls + r[2].calls, ==, 0);
    wait_results(r, 3);
    g_assert_true(r[1].sound == r[0].sound);
    g_assert_error(r[2].error, SOUNDS_ERROR, SOUNDS_ERROR_INVALID);
    g_assert_cmpuint(sounds_engine_get_stats(e)->hits, ==, 1);
    for (guint i = 0; i < 3; i++)
        result_clear(&r[i]);
    g_assert_cmpuint(sounds_engine_get_pending(e), ==, 0);
}

/* Concurrent requests for one file and rate share one decode and get
 * one sound; another rate is another sound. */
static void
test_shared(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    Result r[6] = { 0 };

    for (guint i = 0; i < 5; i++)
        sounds_engine_load(e, "hello", i % 2 ? "fr_BE" : "fr", 8000, on_loaded, &r[i]);
    sounds_engine_load(e, "hello", "fr", 48000, on_loaded, &r[5]);
    wait_results(r, 6);
    for (guint i = 1; i < 5; i++)
        g_assert_true(r[i].sound == r[0].sound);
    g_assert_true(r[5].sound != r[0].sound);
    g_assert_cmpuint(r[5].sound->n_samples, ==, 6 * r[0].sound->n_samples);
    g_assert_cmpuint(sounds_engine_get_stats(e)->decoded, ==, 2);
    g_assert_cmpint(g_atomic_int_get(&r[0].sound->ref_count), ==, 6);     /* 5 + cache */
    for (guint i = 0; i < 6; i++)
        result_clear(&r[i]);
}

/* Not found: the error names the sound, the language and the places. */
static void
test_missing(void)
{
    g_autoptr(SoundsEngine) e = engine_new("de", 1024);
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxSound) s = load(e, "vm-nothing", "fr", 8000, &error);
    g_autofree char *fr = g_build_filename(root, "fr", NULL);
    g_autofree char *de = g_build_filename(root, "de", NULL);
    g_autofree char *en = g_build_filename(root, "en", NULL);
    g_autofree char *msg = NULL;

    g_assert_null(s);
    g_assert_error(error, SOUNDS_ERROR, SOUNDS_ERROR_NOT_FOUND);
    msg = g_strdup_printf("sound 'vm-nothing' (language fr) not found in %s, %s, %s", fr, de, en);
    g_assert_cmpstr(error->message, ==, msg);
    g_assert_cmpuint(sounds_engine_get_stats(e)->failed, ==, 1);
}

static void
test_invalid(void)
{
    static const struct {
        const char *name, *language;
        guint rate;
    } bad[] = {
        { "../en/hello", NULL, 8000 }, { "", NULL, 8000 }, { "digits//5", NULL, 8000 },
        { "./hello", NULL, 8000 }, { "hello/", NULL, 8000 }, { "/tmp/", NULL, 8000 },
        { "hello", "../en", 8000 }, { "hello", "", 8000 }, { "hello", NULL, 44100 },
        { "hello", NULL, 0 }, { NULL, NULL, 8000 },
    };
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PbxSound) s = load(e, bad[i].name, bad[i].language, bad[i].rate, &error);
        g_assert_error(error, SOUNDS_ERROR, SOUNDS_ERROR_INVALID);
    }
}

/* A cancelled request is never called; the others of its load are. */
static void
test_cancel(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    Result r[4] = { 0 };
    guint a = sounds_engine_load(e, "digits/5", NULL, 16000, on_loaded, &r[0]);
    guint b = sounds_engine_load(e, "digits/5", NULL, 16000, on_loaded, &r[1]);

    sounds_engine_cancel(e, a);
    sounds_engine_cancel(e, a);             /* twice: ignored */
    sounds_engine_cancel(e, 9999);          /* unknown: ignored */
    wait_results(&r[1], 1);
    spin(20);
    g_assert_cmpuint(r[0].calls, ==, 0);
    g_assert_cmpuint(r[1].calls, ==, 1);
    sounds_engine_cancel(e, b);             /* answered: ignored */
    /* an answer from the cache, cancelled before its idle runs */
    a = sounds_engine_load(e, "digits/5", NULL, 16000, on_loaded, &r[2]);
    sounds_engine_load(e, "digits/5", NULL, 16000, on_loaded, &r[3]);
    sounds_engine_cancel(e, a);
    wait_results(&r[3], 1);
    spin(20);
    g_assert_cmpuint(r[2].calls, ==, 0);
    g_assert_true(r[3].sound == r[1].sound);
    for (guint i = 0; i < 4; i++)
        result_clear(&r[i]);
    g_assert_cmpuint(sounds_engine_get_pending(e), ==, 0);
}

typedef struct {
    SoundsEngine *engine;
    guint other;
    Result *result;
} Canceller;

/* A callback that cancels another request answered in the same batch. */
static void
cancel_other(PbxSound *sound, const GError *error, gpointer data)
{
    Canceller *c = data;

    sounds_engine_cancel(c->engine, c->other);
    on_loaded(sound, error, c->result);
}

static void
test_cancel_from_callback(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    Result r[2] = { 0 };
    Canceller c = { e, 0, &r[0] };

    sounds_engine_load(e, "hello", NULL, 8000, cancel_other, &c);
    c.other = sounds_engine_load(e, "hello", NULL, 8000, on_loaded, &r[1]);
    wait_results(&r[0], 1);
    spin(20);
    g_assert_cmpuint(r[1].calls, ==, 0);
    result_clear(&r[0]);
}

/* Absolute paths: with or without .wav; a file written again is read
 * again, an unchanged one comes from the cache. */
static void
test_absolute(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    g_autofree char *path = g_build_filename(root, "recording.wav", NULL);
    g_autofree char *bare = g_build_filename(root, "recording", NULL);
    g_autoptr(PbxSound) a = NULL, b = NULL, c = NULL;

    wav_write_tone(path, WAV_PCM16, 8000, 1, 440, 8000, 500);
    a = load(e, path, NULL, 8000, NULL);
    b = load(e, bare, NULL, 8000, NULL);
    g_assert_true(a == b);
    g_assert_cmpstr(a->path, ==, path);
    g_assert_true(sounds_engine_exists(e, bare, NULL));
    g_assert_cmpuint(sounds_engine_get_stats(e)->decoded, ==, 1);
    g_usleep(10000);                        /* another mtime */
    wav_write_tone(path, WAV_PCM16, 8000, 1, 440, 8000, 700);
    c = load(e, path, NULL, 8000, NULL);
    g_assert_true(c != a);
    g_assert_cmpuint(c->n_samples, ==, 5600);
    g_assert_cmpuint(a->n_samples, ==, 4000);   /* the old copy, still good */
    g_assert_cmpuint(sounds_engine_get_stats(e)->decoded, ==, 2);
    g_assert_false(sounds_engine_exists(e, "/nonexistent/x", NULL));
}

/* A prompt added after the listing is found on the disk, then known. */
static void
test_new_file(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    g_autoptr(PbxSound) s = NULL;

    g_assert_false(sounds_engine_exists(e, "custom/welcome", NULL));
    add_sound("en", "custom/welcome", 500, 200);
    s = load(e, "custom/welcome", "fr", 8000, NULL);
    g_assert_nonnull(s);
    g_assert_true(sounds_engine_exists(e, "custom/welcome", "fr"));
    g_assert_true(sound_index_has(sounds_engine_get_index(e), "en", "custom/welcome"));
}

/* Reconfigured: the cache is emptied (held sounds live on), the new
 * sounds_dir is listed off the main context, the new language used. */
static void
test_reconfigure(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    g_autofree char *other = wav_tmpdir();
    g_autofree char *path = sound_file_path(other, "sv", "hello");
    g_autofree char *parent = g_path_get_dirname(path);
    g_autoptr(PbxSound) held = load(e, "hello", NULL, 8000, NULL);
    g_autoptr(PbxSound) s = NULL;
    SoundsConf *conf = sounds_conf_parse(NULL, other, "sv", NULL);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    wav_write_tone(path, WAV_PCM16, 16000, 1, 600, 8000, 100);
    sounds_engine_reconfigure(e, conf);
    g_assert_cmpuint(sound_cache_get_count(sounds_engine_get_cache(e)), ==, 0);
    while (strcmp(sound_index_get_dir(sounds_engine_get_index(e)), other) != 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, TRUE);
    }
    g_assert_true(sounds_engine_exists(e, "hello", NULL));
    s = load(e, "hello", NULL, 8000, NULL);
    g_assert_cmpstr(s->path, ==, path);
    g_assert_cmpint(held->samples[10], !=, 0);
    wav_tmpdir_remove(other);
}

/* A load under way when the config changes answers its request but is
 * not cached: it may have read what the reload was meant to replace. */
static void
test_reload_in_flight(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1024);
    Result r[2] = { 0 };

    sounds_engine_load(e, "hello", NULL, 48000, on_loaded, &r[0]);
    sounds_engine_reconfigure(e, sounds_conf_parse(NULL, root, "en", NULL));
    sounds_engine_load(e, "hello", NULL, 48000, on_loaded, &r[1]);
    wait_results(r, 2);
    g_assert_nonnull(r[0].sound);
    g_assert_true(r[1].sound != r[0].sound);        /* not joined to the old load */
    g_assert_cmpuint(sound_cache_get_count(sounds_engine_get_cache(e)), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&r[0].sound->ref_count), ==, 1);
    for (guint i = 0; i < 2; i++)
        result_clear(&r[i]);
}

/* Freed with requests waiting: no callback, nothing leaked. */
static void
test_free_pending(void)
{
    SoundsEngine *e = engine_new("en", 1024);
    Result r[20] = { 0 };

    for (guint i = 0; i < G_N_ELEMENTS(r); i++)
        sounds_engine_load(e, i % 2 ? "hello" : "digits/5", NULL, i % 3 ? 48000 : 8000,
                           on_loaded, &r[i]);
    sounds_engine_free(e);
    spin(20);
    for (guint i = 0; i < G_N_ELEMENTS(r); i++)
        g_assert_cmpuint(r[i].calls, ==, 0);
}

/* A small cache through the engine: sounds in use are kept. */
static void
test_bound(void)
{
    g_autoptr(SoundsEngine) e = engine_new("en", 1);   /* 1 KB: nothing fits */
    g_autoptr(PbxSound) held = load(e, "hello", NULL, 8000, NULL);
    g_autoptr(PbxSound) again = load(e, "hello", NULL, 8000, NULL);
    SoundCache *cache = sounds_engine_get_cache(e);

    g_assert_true(held == again);           /* in use: still cached */
    g_clear_pointer(&held, pbx_sound_unref);
    g_clear_pointer(&again, pbx_sound_unref);
    held = load(e, "digits/5", NULL, 8000, NULL);   /* trims "hello" */
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 1);
    g_assert_cmpuint(sound_cache_get_evictions(cache), >=, 1);
}

static void
conf_error(const char *text, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("sounds.conf", text, -1, &error);
    SoundsConf *conf;

    g_assert_no_error(error);
    conf = sounds_conf_parse(cfg, "/x", "en", &error);
    g_assert_null(conf);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_str_has_prefix(error->message, message));
}

static void
test_conf(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data(
        "sounds.conf", "[general]\ncache_max_kb = 1024\nmax_seconds = 30\nloader_threads = 3\n",
        -1, &error);
    g_autoptr(SoundsConf) conf = sounds_conf_parse(cfg, "/x", "fr", &error);
    g_autoptr(SoundsConf) defaults = sounds_conf_parse(NULL, "/x", "fr", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(conf->cache_max_kb, ==, 1024);
    g_assert_cmpuint(conf->max_seconds, ==, 30);
    g_assert_cmpuint(conf->loader_threads, ==, 3);
    g_assert_cmpstr(conf->language, ==, "fr");
    g_assert_cmpuint(defaults->cache_max_kb, ==, 65536);
    g_assert_cmpuint(defaults->max_seconds, ==, 600);
    g_assert_cmpuint(defaults->loader_threads, ==, 2);
    conf_error("[general]\n\ncache_max_kb = lots\n", "sounds.conf:3:");
    conf_error("[general]\nmax_seconds = 0\n", "sounds.conf:2:");
    conf_error("[general]\nloader_threads = 99\n", "sounds.conf:2:");
    conf_error("[general]\ncache_size = 5\n", "sounds.conf:2:");
}

/* The real thing, when Debian's packages are installed. */
static void
test_debian(void)
{
    g_autoptr(GError) error = NULL;
    SoundsConf *conf = sounds_conf_parse(NULL, "/usr/share/asterisk/sounds", "en", &error);
    g_autoptr(SoundsEngine) e = NULL;
    static const guint rates[] = { 8000, 16000, 48000 };

    if (!g_file_test("/usr/share/asterisk/sounds/en/vm-intro.wav", G_FILE_TEST_EXISTS)) {
        sounds_conf_free(conf);
        g_test_skip("asterisk-core-sounds-en-wav is not installed");
        return;
    }
    e = sounds_engine_new(conf, &error);
    g_assert_true(sounds_engine_exists(e, "vm-intro", NULL));
    g_assert_true(sounds_engine_exists(e, "digits/5", "fr"));
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        g_autoptr(PbxSound) s = load(e, "vm-intro", "en_US", rates[i], &error);
        g_assert_no_error(error);
        g_assert_cmpuint(pbx_sound_get_duration_ms(s), >, 5000);
        g_assert_cmpfloat(audio_rms(s->samples, (guint) s->n_samples), >, 300);
    }
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sounds: requests, lookup, cache sharing, errors");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    root = wav_tmpdir();
    add_sound("en", "hello", 440, 300);
    add_sound("fr", "hello", 550, 300);
    add_sound("fr_CA", "hello", 660, 300);
    add_sound("en", "digits/5", 500, 200);
    add_sound("fr", "digits/5", 500, 200);
    add_sound("en", "digits/6", 600, 200);
    add_sound("de", "only-de", 700, 200);
    add_sound("de_AT", "only-de-at", 700, 200);
    g_test_add_func("/sounds/engine/lookup", test_lookup);
    g_test_add_func("/sounds/engine/async", test_async);
    g_test_add_func("/sounds/engine/shared", test_shared);
    g_test_add_func("/sounds/engine/missing", test_missing);
    g_test_add_func("/sounds/engine/invalid", test_invalid);
    g_test_add_func("/sounds/engine/cancel", test_cancel);
    g_test_add_func("/sounds/engine/cancel-from-callback", test_cancel_from_callback);
    g_test_add_func("/sounds/engine/absolute", test_absolute);
    g_test_add_func("/sounds/engine/new-file", test_new_file);
    g_test_add_func("/sounds/engine/reconfigure", test_reconfigure);
    g_test_add_func("/sounds/engine/reload-in-flight", test_reload_in_flight);
    g_test_add_func("/sounds/engine/free-pending", test_free_pending);
    g_test_add_func("/sounds/engine/bound", test_bound);
    g_test_add_func("/sounds/conf", test_conf);
    g_test_add_func("/sounds/engine/debian", test_debian);
    rc = g_test_run();
    wav_tmpdir_remove(root);
    g_free(root);
    return rc;
}
