/* app_voicemail - the start-up check of a box's spool.  See vm_spool.h:
 * what a crash can leave behind and how each case is put right. */
#include <errno.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "vm_spool.h"

typedef struct {
    guint index;
    gboolean has_txt, has_wav;
    dev_t dev;
    ino_t ino;
} Entry;

static void
note(GPtrArray *report, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
note(GPtrArray *report, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(report, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* "msg0012.wav" -> 12, TRUE for wav; FALSE for other names. */
static gboolean
parse_name(const char *name, guint *index, gboolean *wav)
{
    guint64 v;
    char digits[5];

    if (strlen(name) != 11 || strncmp(name, "msg", 3) != 0)
        return FALSE;
    if (strcmp(name + 7, ".wav") != 0 && strcmp(name + 7, ".txt") != 0)
        return FALSE;
    memcpy(digits, name + 3, 4);
    digits[4] = '\0';
    if (!g_ascii_string_to_unsigned(digits, 10, 0, VM_MAX_MESSAGES - 1, &v, NULL))
        return FALSE;
    *index = (guint) v;
    *wav = name[8] == 'w';
    return TRUE;
}

static Entry *
entry_for(GArray *entries, guint index)
{
    Entry e = { .index = index };

    for (guint i = 0; i < entries->len; i++)
        if (g_array_index(entries, Entry, i).index == index)
            return &g_array_index(entries, Entry, i);
    g_array_append_val(entries, e);
    return &g_array_index(entries, Entry, entries->len - 1);
}

static void
scan_one(GArray *entries, const char *dir, const char *name)
{
    guint index;
    gboolean wav;
    Entry *e;

    if (!parse_name(name, &index, &wav))
        return;
    e = entry_for(entries, index);
    if (wav) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        struct stat st;

        e->has_wav = g_stat(path, &st) == 0;
        e->dev = st.st_dev;
        e->ino = st.st_ino;
    } else {
        e->has_txt = TRUE;
    }
}

static gint
by_index(gconstpointer a, gconstpointer b)
{
    return (gint) ((const Entry *) a)->index - (gint) ((const Entry *) b)->index;
}

static GArray *
scan(const char *dir, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    GArray *entries;
    const char *name;

    if (!d)
        return NULL;
    entries = g_array_new(FALSE, TRUE, sizeof(Entry));
    while ((name = g_dir_read_name(d)))
        scan_one(entries, dir, name);
    g_array_sort(entries, by_index);
    return entries;
}

static char *
path_of(const char *dir, guint index, const char *ext)
{
    return g_strdup_printf("%s/msg%04u.%s", dir, index, ext);
}

/* An envelope alone: a delivery or a move cut short. */
static void
drop_lone_envelope(const char *dir, const Entry *e, GPtrArray *report)
{
    g_autofree char *txt = path_of(dir, e->index, "txt");

    g_unlink(txt);
    note(report, "%s: envelope without audio removed (an unfinished save)", txt);
}

/* Audio alone: kept, with an envelope rebuilt from what is known. */
static void
rebuild_envelope(const char *dir, const Entry *e, GPtrArray *report)
{
    g_autofree char *txt = path_of(dir, e->index, "txt");
    g_autofree char *wav = path_of(dir, e->index, "wav");
    g_auto(VmEnvelope) env = { 0 };
    g_autofree char *text = NULL;
    GStatBuf st;

    env.msg_id = vm_envelope_new_id();
    env.callerid = g_strdup("Unknown");
    env.origtime = g_stat(wav, &st) == 0 ? (gint64) st.st_mtime : 0;
    text = vm_envelope_format(&env);
    g_file_set_contents(txt, text, -1, NULL);
    note(report, "%s: audio without envelope (orphan), envelope rebuilt", wav);
}

static gboolean
same_file(const Entry *a, const Entry *b)
{
    return a->has_wav && b->has_wav && a->dev == b->dev && a->ino == b->ino;
}

/* The same message under two numbers (a renumbering cut short): the
 * higher number goes. */
static gboolean
is_duplicate(GArray *entries, guint i, const char *dir, GPtrArray *report)
{
    const Entry *e = &g_array_index(entries, Entry, i);

    for (guint j = 0; j < i; j++)
        if (same_file(&g_array_index(entries, Entry, j), e)) {
            g_autofree char *txt = path_of(dir, e->index, "txt");
            g_autofree char *wav = path_of(dir, e->index, "wav");

            g_unlink(wav);
            g_unlink(txt);
            note(report, "%s: a second name of msg%04u removed", wav,
                 g_array_index(entries, Entry, j).index);
            return TRUE;
        }
    return FALSE;
}

static gboolean
renumber(const char *dir, guint from, guint to, GPtrArray *report, GError **error)
{
    const char *const exts[] = { "txt", "wav" };

    for (guint k = 0; k < G_N_ELEMENTS(exts); k++) {
        g_autofree char *src = path_of(dir, from, exts[k]);
        g_autofree char *dst = path_of(dir, to, exts[k]);

        if (g_rename(src, dst) != 0) {
            int err = errno;

            g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_IO, "rename %s: %s", src,
                        g_strerror(err));
            return FALSE;
        }
    }
    note(report, "%s: msg%04u renumbered msg%04u (a gap closed)", dir, from, to);
    return TRUE;
}

static gboolean
repair_folder(const char *dir, GPtrArray *report, GError **error)
{
    g_autoptr(GArray) entries = NULL;
    guint next = 0;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        return TRUE;
    entries = scan(dir, error);
    if (!entries)
        return FALSE;
    for (guint i = 0; i < entries->len; i++) {
        const Entry *e = &g_array_index(entries, Entry, i);

        if (!e->has_wav) {
            drop_lone_envelope(dir, e, report);
            continue;
        }
        if (is_duplicate(entries, i, dir, report))
            continue;
        if (!e->has_txt)
            rebuild_envelope(dir, e, report);
        if (e->index != next && !renumber(dir, e->index, next, report, error))
            return FALSE;
        next++;
    }
    return vm_spool_fsync_path(dir, error);
}

/* tmp/: recordings and envelopes of saves the crash cut. */
static void
clear_tmp(const char *box_dir, GPtrArray *report)
{
    g_autofree char *tmp = g_build_filename(box_dir, "tmp", NULL);
    g_autoptr(GDir) d = g_dir_open(tmp, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(tmp, name, NULL);

        g_unlink(path);
        note(report, "%s: unfinished recording removed", path);
    }
}

gboolean
vm_spool_repair(const char *box_dir, GPtrArray *report, GError **error)
{
    for (int f = 0; f < VM_N_FOLDERS; f++) {
        g_autofree char *dir = vm_spool_folder_dir(box_dir, (VmFolder) f);

        if (!repair_folder(dir, report, error))
            return FALSE;
    }
    clear_tmp(box_dir, report);
    return TRUE;
}
