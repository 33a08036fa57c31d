/* Carillon - res_moh test helpers: sounds whose samples tell where they
 * are, a fake res_sounds that decodes them asynchronously, and class
 * definitions without files.  Header-only; include it in one file per
 * program.
 *
 * A test sound of a class plays sample `moh_test_value(p)` at position p
 * of the class's timeline (counted at the sound's rate), so a frame's
 * first sample says where a player is. */
#pragma once

#include <string.h>

#include "../../../modules/res_moh/class.h"

#define MOH_TEST_PERIOD 30011   /* a prime: no tick or file length divides it */

static inline gint16
moh_test_value(guint64 position)
{
    return (gint16) (position % MOH_TEST_PERIOD);
}

/* A sound of n samples at rate whose sample k is moh_test_value(start + k),
 * laid out as res_sounds does (one allocation, freed with g_free). */
static inline PbxSound *
moh_test_sound(const char *path, guint rate, gsize n, guint64 start)
{
    gsize len = strlen(path) + 1;
    PbxSound *s = g_malloc(sizeof(PbxSound) + n * sizeof(gint16) + 2 * len);
    gint16 *samples = (gint16 *) (s + 1);
    char *name = (char *) (samples + n);

    for (gsize k = 0; k < n; k++)
        samples[k] = moh_test_value(start + k);
    memcpy(name, path, len);
    memcpy(name + len, path, len);
    *s = (PbxSound) { .ref_count = 1, .rate = rate, .n_samples = n, .samples = samples,
                      .name = name, .path = name + len };
    return s;
}

/* ---------------------------------------------------------- fake res_sounds
 *
 * A class's files are "/moh/<ms>-<anything>": <ms> milliseconds of
 * audio; a name containing "bad" fails to decode.  The classes' file
 * lists are given to the fake (fake_sounds_init, fake_sounds_add): a
 * file's place in its list gives its start on the class's timeline (the
 * sum of the earlier ones' lengths), as the class lays them out. */

typedef struct {
    guint id;
    char *path;
    guint rate;
    SoundsLoadFunc done;
    gpointer data;
    guint source;
} FakeLoad;

static struct {
    GPtrArray *lists;           /* the classes' files (const char *const *), in order */
    GHashTable *loads;          /* id -> FakeLoad */
    guint next_id;
    guint loaded, cancelled;    /* counters */
    GString *log;               /* "load:RATE:PATH;" "cancel:PATH;" */
} fake_sounds;

static inline guint
fake_file_ms(const char *path)
{
    return (guint) g_ascii_strtoull(strrchr(path, '/') + 1, NULL, 10);
}

/* Where path starts on its class's timeline at rate (the files before
 * it in the first list that has it). */
static inline guint64
fake_file_start(const char *path, guint rate)
{
    for (guint l = 0; l < fake_sounds.lists->len; l++) {
        const char *const *files = fake_sounds.lists->pdata[l];
        guint64 start = 0;

        for (guint i = 0; files[i]; i++) {
            if (strcmp(files[i], path) == 0)
                return start;
            if (!strstr(files[i], "bad"))
                start += (guint64) fake_file_ms(files[i]) * (rate / 1000);
        }
    }
    g_error("fake res_sounds: %s is in no class", path);
}

static gboolean
fake_sounds_answer(gpointer data)
{
    FakeLoad *l = data;
    GError *error = NULL;
    PbxSound *s = NULL;

    if (strstr(l->path, "bad"))
        error = g_error_new(SOUNDS_ERROR, SOUNDS_ERROR_READ, "%s: bad file", l->path);
    else
        s = moh_test_sound(l->path, l->rate, (gsize) fake_file_ms(l->path) * (l->rate / 1000),
                           fake_file_start(l->path, l->rate));
    fake_sounds.loaded++;
    l->source = 0;
    l->done(s, error, l->data);
    g_clear_error(&error);
    g_hash_table_remove(fake_sounds.loads, GUINT_TO_POINTER(l->id));
    return G_SOURCE_REMOVE;
}

static guint
fake_load(const char *name, const char *language, guint rate, SoundsLoadFunc done,
          gpointer data)
{
    FakeLoad *l = g_new0(FakeLoad, 1);

    l->id = ++fake_sounds.next_id;
    l->path = g_strdup(name);
    l->rate = rate;
    l->done = done;
    l->data = data;
    l->source = g_idle_add(fake_sounds_answer, l);
    g_hash_table_insert(fake_sounds.loads, GUINT_TO_POINTER(l->id), l);
    g_string_append_printf(fake_sounds.log, "load:%u:%s;", rate, name);
    return l->id;
}

static void
fake_cancel(guint id)
{
    FakeLoad *l = g_hash_table_lookup(fake_sounds.loads, GUINT_TO_POINTER(id));

    if (!l)
        return;
    g_string_append_printf(fake_sounds.log, "cancel:%s;", l->path);
    fake_sounds.cancelled++;
    g_hash_table_remove(fake_sounds.loads, GUINT_TO_POINTER(id));
}

static void
fake_load_free(gpointer p)
{
    FakeLoad *l = p;

    if (l->source)
        g_source_remove(l->source);
    g_free(l->path);
    g_free(l);
}

static const SoundsApi fake_sounds_api = {
    .version = SOUNDS_API_VERSION,
    .load = fake_load,
    .cancel = fake_cancel,
};

static inline void
fake_sounds_add(const char *const *files)
{
    g_ptr_array_add(fake_sounds.lists, (gpointer) files);
}

static inline void
fake_sounds_init(const char *const *files)
{
    fake_sounds.lists = g_ptr_array_new();
    fake_sounds_add(files);
    fake_sounds.loads = g_hash_table_new_full(NULL, NULL, NULL, fake_load_free);
    fake_sounds.loaded = fake_sounds.cancelled = 0;
    fake_sounds.log = g_string_new(NULL);
}

static inline void
fake_sounds_clear(void)
{
    g_hash_table_unref(fake_sounds.loads);
    g_ptr_array_unref(fake_sounds.lists);
    g_string_free(fake_sounds.log, TRUE);
}

/* A class definition of `files` (no directory behind it) whose files hold
 * up to `rate`. */
static inline MohClassDef *
moh_test_def(const char *name, const char *const *files, guint rate)
{
    MohClassDef *def = g_new0(MohClassDef, 1);

    def->name = g_strdup(name);
    def->directory = g_strdup("/moh");
    def->files = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; files[i]; i++)
        g_ptr_array_add(def->files, g_strdup(files[i]));
    def->rate = rate;
    return def;
}

static inline void
moh_test_def_free(MohClassDef *def)
{
    g_free(def->name);
    g_free(def->directory);
    g_ptr_array_unref(def->files);
    g_free(def);
}

/* Runs the main context until nothing is pending. */
static inline void
moh_test_drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}
