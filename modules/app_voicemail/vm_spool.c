/* app_voicemail - the spool's layout and its changes: deliver, delete,
 * move, copy.  See vm_spool.h for the order of the steps and why a crash
 * between any two of them loses nothing that was saved. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "vm_spool.h"

static const char *const folder_names[VM_N_FOLDERS] = {
    [VM_FOLDER_INBOX] = "INBOX",
    [VM_FOLDER_OLD] = "Old",
    [VM_FOLDER_WORK] = "Work",
    [VM_FOLDER_FAMILY] = "Family",
    [VM_FOLDER_FRIENDS] = "Friends",
};

const char *
vm_folder_name(VmFolder folder)
{
    return (guint) folder < VM_N_FOLDERS ? folder_names[folder] : NULL;
}

int
vm_folder_from_name(const char *name)
{
    for (int i = 0; i < VM_N_FOLDERS; i++)
        if (g_ascii_strcasecmp(folder_names[i], name) == 0)
            return i;
    return -1;
}

static gboolean
io_error(GError **error, const char *what, const char *path)
{
    int err = errno;

    g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_IO, "%s %s: %s", what, path,
                g_strerror(err));
    return FALSE;
}

char *
vm_spool_box_dir(const char *root, const char *context, const char *number)
{
    return g_build_filename(root, "voicemail", context, number, NULL);
}

char *
vm_spool_folder_dir(const char *box_dir, VmFolder folder)
{
    return g_build_filename(box_dir, vm_folder_name(folder), NULL);
}

char *
vm_spool_msg_base(const char *folder_dir, guint index)
{
    return g_strdup_printf("%s/msg%04u", folder_dir, index);
}

static char *
msg_path(const char *folder_dir, guint index, const char *ext)
{
    return g_strdup_printf("%s/msg%04u.%s", folder_dir, index, ext);
}

static gboolean
msg_exists(const char *folder_dir, guint index)
{
    g_autofree char *wav = msg_path(folder_dir, index, "wav");

    return g_file_test(wav, G_FILE_TEST_EXISTS);
}

guint
vm_spool_count(const char *folder_dir)
{
    guint n = 0;

    while (n < VM_MAX_MESSAGES && msg_exists(folder_dir, n))
        n++;
    return n;
}

gboolean
vm_spool_fsync_path(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    gboolean ok;

    if (fd < 0)
        return io_error(error, "open", path);
    ok = fsync(fd) == 0;
    if (!ok)
        io_error(error, "fsync", path);
    close(fd);
    return ok;
}

static gboolean
make_dir(const char *dir, GError **error)
{
    if (g_mkdir_with_parents(dir, 0750) != 0)
        return io_error(error, "mkdir", dir);
    return TRUE;
}

static gboolean
write_synced(const char *path, const char *text, gsize len, GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    gsize done = 0;

    if (fd < 0)
        return io_error(error, "create", path);
    while (done < len) {
        gssize n = write(fd, text + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return io_error(error, "write", path);
        }
        done += (gsize) n;
    }
    if (fsync(fd) != 0) {
        close(fd);
        return io_error(error, "fsync", path);
    }
    close(fd);
    return TRUE;
}

static gboolean
rename_checked(const char *from, const char *to, GError **error)
{
    if (g_rename(from, to) != 0)
        return io_error(error, "rename to", to);
    return TRUE;
}

static gboolean
unlink_checked(const char *path, GError **error)
{
    if (g_unlink(path) != 0 && errno != ENOENT)
        return io_error(error, "unlink", path);
    return TRUE;
}

/* The next free number, or FULL. */
static gboolean
next_index(const char *dir, guint maxmsg, guint *index, GError **error)
{
    guint n = vm_spool_count(dir);

    if (n >= MIN(maxmsg, VM_MAX_MESSAGES)) {
        g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_FULL, "%s holds %u messages", dir, n);
        return FALSE;
    }
    *index = n;
    return TRUE;
}

/* Envelope in tmp/, fsynced; the audio fsynced. */
static char *
stage_envelope(const char *box_dir, const char *audio, const VmEnvelope *env, GError **error)
{
    g_autofree char *tmp = g_build_filename(box_dir, "tmp", NULL);
    g_autofree char *text = vm_envelope_format(env);
    g_autofree char *name = g_strdup_printf("%s.txt", env->msg_id);
    g_autofree char *path = g_build_filename(tmp, name, NULL);

    if (!make_dir(tmp, error) || !vm_spool_fsync_path(audio, error)
        || !write_synced(path, text, strlen(text), error))
        return NULL;
    return g_steal_pointer(&path);
}

gboolean
vm_spool_deliver(const char *box_dir, VmFolder folder, const char *audio,
                 const VmEnvelope *env, guint maxmsg, guint *index, GError **error)
{
    g_autofree char *dir = vm_spool_folder_dir(box_dir, folder);
    g_autofree char *staged = NULL;
    g_autofree char *txt = NULL, *wav = NULL;

    if (!make_dir(dir, error) || !next_index(dir, maxmsg, index, error))
        return FALSE;
    staged = stage_envelope(box_dir, audio, env, error);
    if (!staged)
        return FALSE;
    txt = msg_path(dir, *index, "txt");
    wav = msg_path(dir, *index, "wav");
    if (!rename_checked(staged, txt, error))
        return FALSE;
    if (!rename_checked(audio, wav, error)) {
        g_unlink(txt);
        return FALSE;
    }
    return vm_spool_fsync_path(dir, error);
}

/* Links (or, across file systems, copies) src to dst. */
static gboolean
link_or_copy(const char *src, const char *dst, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (link(src, dst) == 0)
        return TRUE;
    if (errno != EXDEV)
        return io_error(error, "link to", dst);
    if (!g_file_get_contents(src, &data, &len, error))
        return FALSE;
    return write_synced(dst, data, len, error);
}

/* The message's two files under a new name: envelope first, audio last. */
static gboolean
link_message(const char *src_dir, guint src, const char *dst_dir, guint dst, GError **error)
{
    g_autofree char *st = msg_path(src_dir, src, "txt");
    g_autofree char *sw = msg_path(src_dir, src, "wav");
    g_autofree char *dt = msg_path(dst_dir, dst, "txt");
    g_autofree char *dw = msg_path(dst_dir, dst, "wav");

    if (!g_file_test(sw, G_FILE_TEST_EXISTS)) {
        g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_NO_MESSAGE, "no message %s", sw);
        return FALSE;
    }
    g_unlink(dt);
    if (!link_or_copy(st, dt, error))
        return FALSE;
    if (!link_or_copy(sw, dw, error)) {
        g_unlink(dt);
        return FALSE;
    }
    return vm_spool_fsync_path(dst_dir, error);
}

/* Audio first: from then on the message is gone; then its envelope. */
static gboolean
unlink_message(const char *dir, guint index, GError **error)
{
    g_autofree char *txt = msg_path(dir, index, "txt");
    g_autofree char *wav = msg_path(dir, index, "wav");

    return unlink_checked(wav, error) && unlink_checked(txt, error);
}

/* Moves the messages after `from` down by one each. */
static gboolean
close_gap(const char *dir, guint from, GError **error)
{
    for (guint i = from + 1; msg_exists(dir, i); i++)
        if (!link_message(dir, i, dir, i - 1, error) || !unlink_message(dir, i, error))
            return FALSE;
    return vm_spool_fsync_path(dir, error);
}

gboolean
vm_spool_delete(const char *folder_dir, guint index, GError **error)
{
    if (!msg_exists(folder_dir, index)) {
        g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_NO_MESSAGE, "no message %u in %s",
                    index, folder_dir);
        return FALSE;
    }
    return unlink_message(folder_dir, index, error)
        && vm_spool_fsync_path(folder_dir, error) && close_gap(folder_dir, index, error);
}

gboolean
vm_spool_copy(const char *src_folder_dir, guint index, const char *dst_box_dir,
              VmFolder folder, guint maxmsg, guint *new_index, GError **error)
{
    g_autofree char *dir = vm_spool_folder_dir(dst_box_dir, folder);

    return make_dir(dir, error) && next_index(dir, maxmsg, new_index, error)
        && link_message(src_folder_dir, index, dir, *new_index, error);
}

gboolean
vm_spool_move(const char *box_dir, VmFolder from, guint index, VmFolder to, guint maxmsg,
              guint *new_index, GError **error)
{
    g_autofree char *src = vm_spool_folder_dir(box_dir, from);

    if (from == to) {
        *new_index = index;
        return TRUE;
    }
    return vm_spool_copy(src, index, box_dir, to, maxmsg, new_index, error)
        && vm_spool_delete(src, index, error);
}

gboolean
vm_spool_install_file(const char *audio, const char *dst, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(dst);

    return make_dir(dir, error) && vm_spool_fsync_path(audio, error)
        && rename_checked(audio, dst, error) && vm_spool_fsync_path(dir, error);
}
