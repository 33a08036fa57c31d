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

/* One readable file of a piece. */
typedef struct {
    char *path;
    guint rate;
    double seconds;
    gboolean raw;               /* no header: libsndfile went by the extension (.gsm) */
} Candidate;

static void
candidate_free(gpointer p)
{
    Candidate *c = p;

    g_free(c->path);
    g_free(c);
}

/* The file as libsndfile reads it; NULL when it cannot, or it is empty. */
static Candidate *
candidate_new(char *path)
{
    SF_INFO info = { 0 };
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    Candidate *c;

    if (sf)
        sf_close(sf);
    if (!sf || info.samplerate <= 0 || info.frames <= 0) {
        g_free(path);
        return NULL;
    }
    c = g_new0(Candidate, 1);
    c->path = path;
    c->rate = (guint) info.samplerate;
    c->seconds = (double) info.frames / info.samplerate;
    c->raw = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RAW;
    return c;
}

/* A file with a header beats a raw one, then the higher rate wins. */
static gboolean
better(const Candidate *a, const Candidate *b)
{
    if (a->raw != b->raw)
        return !a->raw;
    return a->rate > b->rate;
}

static char *
stem_of(const char *name)
{
    const char *dot = strrchr(name, '.');

    return dot && dot != name ? g_strndup(name, dot - name) : g_strdup(name);
}

/* One name of the listing: the best file of its piece so far, or
 * skipped.  `stems` keeps the pieces in the order first seen. */
static void
scan_one(MohScan *scan, GHashTable *best, GPtrArray *stems, const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    g_autofree char *stem = stem_of(name);
    Candidate *c, *old;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_free(path);
        return;
    }
    c = candidate_new(path);
    if (!c) {
        g_ptr_array_add(scan->skipped, g_strdup(name));
        return;
    }
    old = g_hash_table_lookup(best, stem);
    if (!old)
        g_ptr_array_add(stems, g_strdup(stem));
    if (!old || better(c, old))
        g_hash_table_insert(best, g_steal_pointer(&stem), c);
    else
        candidate_free(c);
}

/* The best file of each piece, in order. */
static void
collect(MohScan *scan, GHashTable *best, GPtrArray *stems)
{
    for (guint i = 0; i < stems->len; i++) {
        Candidate *c = g_hash_table_lookup(best, stems->pdata[i]);

        g_ptr_array_add(scan->files, g_strdup(c->path));
        scan->rate = MAX(scan->rate, moh_media_rate_for(c->rate));
        scan->seconds += c->seconds;
    }
}

static gboolean
check_count(const char *dir, const MohScan *scan, GError **error)
{
    if (scan->files->len == 0) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE,
                    "%s has no sound file libsndfile can read%s", dir,
                    scan->skipped->len ? " (raw .ulaw, .alaw, .g722 files are not read)" : "");
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
    g_autoptr(GHashTable) best = NULL;
    g_autoptr(GPtrArray) stems = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    names = list_names(dir, error);
    if (!names)
        return FALSE;
    best = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, candidate_free);
    stems = g_ptr_array_new_with_free_func(g_free);
    scan->files = g_ptr_array_new_with_free_func(g_free);
    scan->skipped = g_ptr_array_new_with_free_func(g_free);
    scan->rate = 0;
    scan->seconds = 0;
    for (guint i = 0; i < names->len && stems->len <= MOH_MAX_FILES; i++)
        scan_one(scan, best, stems, dir, names->pdata[i]);
    collect(scan, best, stems);
    if (check_count(dir, scan, error))
        return TRUE;
    moh_scan_clear(scan);
    return FALSE;
}
