/* res_sounds - the index of sounds_dir: which names each language has.
 *
 * sounds_dir holds one directory per language (en, fr, en_US_f_Allison;
 * symbolic links count, Debian's en is one), each with <name>.wav files
 * and subdirectories (digits/, letters/).  Listing it once, off the main
 * context, lets exists() and the lookup of a load answer without
 * touching the disk.  The walk is bounded in depth and in entries, so a
 * sounds_dir pointed at / by mistake costs a moment, not the machine. */
#include <stdlib.h>
#include <string.h>

#include "sounds_private.h"

#define MAX_DEPTH 4
#define MAX_ENTRIES 200000

struct _SoundIndex {
    char *dir;
    GHashTable *names;          /* "language/name" (no .wav) */
    GHashTable *languages;      /* language directories seen */
};

SoundIndex *
sound_index_new(const char *dir)
{
    SoundIndex *index = g_new0(SoundIndex, 1);

    index->dir = g_strdup(dir);
    index->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    index->languages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return index;
}

void
sound_index_free(SoundIndex *index)
{
    if (!index)
        return;
    g_hash_table_unref(index->names);
    g_hash_table_unref(index->languages);
    g_free(index->dir);
    g_free(index);
}

/* Adds the .wav files under path (prefix: "language/sub/") and walks
 * its subdirectories. */
static void
walk(SoundIndex *index, const char *path, const char *prefix, guint depth)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *e;

    while (d && (e = g_dir_read_name(d)) &&
           g_hash_table_size(index->names) < MAX_ENTRIES) {
        g_autofree char *full = g_build_filename(path, e, NULL);

        if (g_str_has_suffix(e, ".wav") && strlen(e) > 4) {
            g_hash_table_add(index->names, g_strdup_printf("%s%.*s", prefix,
                                                           (int) strlen(e) - 4, e));
        } else if (depth < MAX_DEPTH && e[0] != '.' &&
                   g_file_test(full, G_FILE_TEST_IS_DIR)) {
            g_autofree char *sub = g_strconcat(prefix, e, "/", NULL);
            walk(index, full, sub, depth + 1);
        }
    }
}

SoundIndex *
sound_index_build(const char *dir, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    SoundIndex *index;
    const char *e;

    if (!d)
        return NULL;
    index = sound_index_new(dir);
    while ((e = g_dir_read_name(d))) {
        g_autofree char *full = g_build_filename(dir, e, NULL);
        g_autofree char *prefix = g_strconcat(e, "/", NULL);

        if (!pbx_core_language_is_valid(e) || !g_file_test(full, G_FILE_TEST_IS_DIR))
            continue;
        g_hash_table_add(index->languages, g_strdup(e));
        walk(index, full, prefix, 1);
    }
    return index;
}

const char *
sound_index_get_dir(const SoundIndex *index)
{
    return index->dir;
}

gboolean
sound_index_has(const SoundIndex *index, const char *language, const char *name)
{
    g_autofree char *key = g_strconcat(language, "/", name, NULL);

    return g_hash_table_contains(index->names, key);
}

void
sound_index_add(SoundIndex *index, const char *language, const char *name)
{
    g_hash_table_add(index->names, g_strconcat(language, "/", name, NULL));
    g_hash_table_add(index->languages, g_strdup(language));
}

guint
sound_index_get_size(const SoundIndex *index)
{
    return g_hash_table_size(index->names);
}

static int
compare_strings(const void *a, const void *b)
{
    return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

char **
sound_index_dup_languages(const SoundIndex *index)
{
    guint n = 0;
    char **langs = (char **) g_hash_table_get_keys_as_array(index->languages, &n);
    char **copy = g_new0(char *, n + 1);

    qsort(langs, n, sizeof(char *), compare_strings);
    for (guint i = 0; i < n; i++)
        copy[i] = g_strdup(langs[i]);
    g_free(langs);
    return copy;
}
