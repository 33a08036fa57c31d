/* Carillon - unit tests of res_sounds' cache and of PbxSound's life:
 * one copy per (file, rate) shared by every user, a bound in bytes kept
 * by evicting the least recently used sounds nobody holds, sounds in use
 * never freed under their users (also when dropped from the cache), and
 * references taken and dropped from many threads at once. */
#include <string.h>

#include "../../../modules/res_sounds/sounds_private.h"

static const SoundFileId no_id;

/* A sound of n samples under path at 8 kHz. */
static PbxSound *
make(const char *path, gsize n)
{
    g_autofree gint16 *pcm = g_new0(gint16, n);

    for (gsize i = 0; i < n; i++)
        pcm[i] = (gint16) i;
    return sound_new(path, path, 8000, pcm, n);
}

static void
test_layout(void)
{
    g_autoptr(PbxSound) s = make("/x/beep.wav", 1000);

    g_assert_cmpuint(s->n_samples, ==, 1000);
    g_assert_cmpint(s->samples[999], ==, 999);
    g_assert_cmpstr(s->name, ==, "/x/beep.wav");
    g_assert_cmpstr(s->path, ==, "/x/beep.wav");
    g_assert_true((gsize) s->samples % 8 == 0);
    g_assert_cmpuint(sound_get_bytes(s), ==, sizeof(PbxSound) + 2000 + 2 * 12);
}

/* The same key gives the same sound; another rate is another entry. */
static void
test_share(void)
{
    g_autoptr(SoundCache) cache = sound_cache_new(1 << 20);
    PbxSound *s = make("/x/a.wav", 800);
    g_autoptr(PbxSound) a = NULL, b = NULL;

    sound_cache_insert(cache, s, &no_id);
    a = sound_cache_lookup(cache, "/x/a.wav", 8000, NULL);
    b = sound_cache_lookup(cache, "/x/a.wav", 8000, NULL);
    g_assert_true(a == s && b == s);
    g_assert_cmpint(g_atomic_int_get(&s->ref_count), ==, 3);
    g_assert_null(sound_cache_lookup(cache, "/x/a.wav", 16000, NULL));
    g_assert_null(sound_cache_lookup(cache, "/x/b.wav", 8000, NULL));
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 1);
    g_assert_cmpuint(sound_cache_get_bytes(cache), ==, sound_get_bytes(s));
}

static gboolean
cached(SoundCache *cache, const char *path)
{
    PbxSound *s = sound_cache_lookup(cache, path, 8000, NULL);

    pbx_sound_unref(s);
    return s != NULL;
}

/* Room for three: the fourth evicts the least recently used. */
static void
test_lru(void)
{
    g_autoptr(PbxSound) probe = make("/x/0.wav", 1000);
    g_autoptr(SoundCache) cache = sound_cache_new(3 * sound_get_bytes(probe));

    sound_cache_insert(cache, make("/x/0.wav", 1000), &no_id);
    sound_cache_insert(cache, make("/x/1.wav", 1000), &no_id);
    sound_cache_insert(cache, make("/x/2.wav", 1000), &no_id);
    g_assert_true(cached(cache, "/x/0.wav"));     /* now the most recent */
    sound_cache_insert(cache, make("/x/3.wav", 1000), &no_id);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 3);
    g_assert_false(cached(cache, "/x/1.wav"));
    g_assert_true(cached(cache, "/x/0.wav") && cached(cache, "/x/2.wav") &&
                  cached(cache, "/x/3.wav"));
    g_assert_cmpuint(sound_cache_get_evictions(cache), ==, 1);
    sound_cache_set_max(cache, 0);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 0);
    g_assert_cmpuint(sound_cache_get_bytes(cache), ==, 0);
}

/* Sounds in use stay, even over the bound; they go once let go. */
static void
test_in_use(void)
{
    g_autoptr(PbxSound) probe = make("/x/0.wav", 1000);
    g_autoptr(SoundCache) cache = sound_cache_new(2 * sound_get_bytes(probe));
    PbxSound *held0, *held1;

    sound_cache_insert(cache, make("/x/0.wav", 1000), &no_id);
    sound_cache_insert(cache, make("/x/1.wav", 1000), &no_id);
    held0 = sound_cache_lookup(cache, "/x/0.wav", 8000, NULL);
    held1 = sound_cache_lookup(cache, "/x/1.wav", 8000, NULL);
    sound_cache_insert(cache, make("/x/2.wav", 1000), &no_id);
    /* 0 and 1 are held: the idle newcomer is the only one that can go */
    g_assert_true(cached(cache, "/x/0.wav") && cached(cache, "/x/1.wav"));
    g_assert_false(cached(cache, "/x/2.wav"));
    sound_cache_insert(cache, make("/x/3.wav", 1000), &no_id);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 2);
    pbx_sound_unref(held0);
    sound_cache_insert(cache, make("/x/4.wav", 1000), &no_id);
    g_assert_false(cached(cache, "/x/0.wav"));
    g_assert_true(cached(cache, "/x/1.wav") && cached(cache, "/x/4.wav"));
    g_assert_cmpint(held1->samples[500], ==, 500);
    pbx_sound_unref(held1);
}

/* Over the bound while in use, trimmed back once free. */
static void
test_over_bound(void)
{
    g_autoptr(SoundCache) cache = sound_cache_new(1000);
    PbxSound *big = make("/x/moh.wav", 100000);
    PbxSound *user = pbx_sound_ref(big);

    sound_cache_insert(cache, big, &no_id);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 1);
    g_assert_cmpuint(sound_cache_get_bytes(cache), >, 1000);
    pbx_sound_unref(user);
    sound_cache_trim(cache);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 0);
}

/* Dropped from the cache (a reload), a held sound lives on. */
static void
test_evicted_lives(void)
{
    g_autoptr(SoundCache) cache = sound_cache_new(1 << 20);
    PbxSound *held;

    sound_cache_insert(cache, make("/x/a.wav", 4000), &no_id);
    held = sound_cache_lookup(cache, "/x/a.wav", 8000, NULL);
    sound_cache_clear(cache);
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&held->ref_count), ==, 1);
    g_assert_cmpint(held->samples[3999], ==, 3999);
    pbx_sound_unref(held);          /* freed here: ASan/valgrind watch */
}

/* Replacing an entry (a file changed on the disk) keeps the old copy
 * for its users. */
static void
test_replace(void)
{
    g_autoptr(SoundCache) cache = sound_cache_new(1 << 20);
    SoundFileId id = { .ino = 7 }, got;
    PbxSound *old, *now;

    sound_cache_insert(cache, make("/x/a.wav", 100), &no_id);
    old = sound_cache_lookup(cache, "/x/a.wav", 8000, NULL);
    sound_cache_insert(cache, make("/x/a.wav", 200), &id);
    now = sound_cache_lookup(cache, "/x/a.wav", 8000, &got);
    g_assert_true(now != old);
    g_assert_cmpuint(now->n_samples, ==, 200);
    g_assert_true(sound_file_id_equal(&got, &id));
    g_assert_cmpuint(sound_cache_get_count(cache), ==, 1);
    g_assert_cmpuint(sound_cache_get_bytes(cache), ==, sound_get_bytes(now));
    pbx_sound_unref(old);
    pbx_sound_unref(now);
}

typedef struct {
    PbxSound *sound;
    gint64 sum;
} Reader;

/* A media worker: refs, reads every sample, unrefs, many times. */
static gpointer
reader_thread(gpointer data)
{
    Reader *r = data;

    for (guint round = 0; round < 2000; round++) {
        PbxSound *s = pbx_sound_ref(r->sound);
        gsize n = 0;
        const gint16 *pcm = pbx_sound_get_samples(s, &n);

        for (gsize i = 0; i < n; i += 97)
            r->sum += pcm[i];
        pbx_sound_unref(s);
    }
    pbx_sound_unref(r->sound);      /* the reference it was given */
    return NULL;
}

/* Threads share a sound while the main thread evicts it: the count
 * stays right and the last one out frees it. */
static void
test_threads(void)
{
    g_autoptr(SoundCache) cache = sound_cache_new(1 << 20);
    PbxSound *s = make("/x/shared.wav", 8000);
    Reader readers[4];
    GThread *threads[4];

    sound_cache_insert(cache, s, &no_id);
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
        readers[i] = (Reader){ sound_cache_lookup(cache, "/x/shared.wav", 8000, NULL), 0 };
        threads[i] = g_thread_new("reader", reader_thread, &readers[i]);
    }
    sound_cache_clear(cache);
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
        g_thread_join(threads[i]);
        g_assert_cmpint(readers[i].sum, ==, readers[0].sum);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sounds: the cache of decoded sounds and their references");
    g_test_add_func("/sounds/sound/layout", test_layout);
    g_test_add_func("/sounds/cache/share", test_share);
    g_test_add_func("/sounds/cache/lru", test_lru);
    g_test_add_func("/sounds/cache/in-use", test_in_use);
    g_test_add_func("/sounds/cache/over-bound", test_over_bound);
    g_test_add_func("/sounds/cache/evicted-lives", test_evicted_lives);
    g_test_add_func("/sounds/cache/replace", test_replace);
    g_test_add_func("/sounds/sound/threads", test_threads);
    return g_test_run();
}
