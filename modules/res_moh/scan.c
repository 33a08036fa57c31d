/* res_moh - the files of a class's directory (see scan.h). */
#include <string.h>
#include <sndfile.h>

#include "scan.h"

guint
moh_media_rate_for(guint rate)
{
    if (rate <= 8000)
        return 8000;
    return rate <= 16000 ? 16000 : 48000;
}

void
moh_scan_clear(MohScan *scan)
{
    g_clear_pointer(&scan->files, g_ptr_array_unref);
    g_clear_pointer(&scan->skipped, g_ptr_array_unref);
    scan->rate = 0;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The names of dir, hidden ones left out, sorted; NULL with error. */
static GPtrArray *
list_names(const char *dir, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE, "%s", local->message);
        return NULL;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        if (names->len == MOH_MAX_ENTRIES) {
            g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE,
                        "%s has more than %u entries", dir, MOH_MAX_ENTRIES);
            return NULL;
        }
        if (name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    return g_steal_pointer(&names);
}

/* The file's sample rate and length from its header; FALSE when
 * libsndfile cannot read it or it is empty. */
static gboolean
header_info(const char *path, guint *rate, double *seconds)
{
    SF_INFO info = { 0 };
    SNDFILE *sf = sf_open(path, SFM_READ, &info);

    if (!sf)
        return FALSE;
    sf_close(sf);
    if (info.samplerate <= 0 || info.frames <= 0)
        return FALSE;
    *rate = (guint) info.samplerate;
    *seconds = (double) info.frames / info.samplerate;
    return TRUE;
}

static char *
stem_of(const char *name)
{
    const char *dot = strrchr(name, '.');

    return dot && dot != name ? g_strndup(name, dot - name) : g_strdup(name);
}

/* One name of the listing: kept, skipped, or a second format of a
 * piece already kept. */
static void
scan_one(MohScan *scan, GHashTable *stems, const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *stem = stem_of(name);
    guint rate;
    double seconds;

    if (g_hash_table_contains(stems, stem) || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return;
    if (!header_info(path, &rate, &seconds)) {
        g_ptr_array_add(scan->skipped, g_strdup(name));
        return;
    }
    g_hash_table_add(stems, g_steal_pointer(&stem));
    g_ptr_array_add(scan->files, g_steal_pointer(&path));
    scan->rate = MAX(scan->rate, moh_media_rate_for(rate));
    scan->seconds += seconds;
}

static gboolean
check_count(const char *dir, const MohScan *scan, GError **error)
{
    if (scan->files->len == 0) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE,
                    "%s has no sound file libsndfile can read%s", dir,
                    scan->skipped->len ? " (raw .gsm, .ulaw, .g722 files are not read)" : "");
        return FALSE;
    }
    if (scan->files->len > MOH_MAX_FILES) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE,
                    "%s has %u sound files, more than %u", dir, scan->files->len,
                    MOH_MAX_FILES);
        return FALSE;
    }
    return TRUE;
}

gboolean
moh_scan_directory(const char *dir, MohScan *scan, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GHashTable) stems = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    names = list_names(dir, error);
    if (!names)
        return FALSE;
    stems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    scan->files = g_ptr_array_new_with_free_func(g_free);
    scan->skipped = g_ptr_array_new_with_free_func(g_free);
    scan->rate = 0;
    scan->seconds = 0;
    for (guint i = 0; i < names->len && scan->files->len <= MOH_MAX_FILES; i++)
        scan_one(scan, stems, dir, names->pdata[i]);
    if (check_count(dir, scan, error))
        return TRUE;
    moh_scan_clear(scan);
    return FALSE;
}
