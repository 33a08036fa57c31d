/* Carillon - unit tests of app_voicemail's spool: Asterisk's layout,
 * delivery, deletion with renumbering, moves between folders, copies to
 * other boxes, and the start-up repair of every state a crash can leave. */
#include <unistd.h>
#include <glib/gstdio.h>

#include "../../../modules/app_voicemail/vm_spool.h"

typedef struct {
    char *root;
    char *box;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    f->root = g_dir_make_tmp("vm-spool-XXXXXX", NULL);
    f->box = vm_spool_box_dir(f->root, "office", "1001");
}

static void
remove_tree(const char *path)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

    g_assert_cmpint(system(cmd), ==, 0);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    remove_tree(f->root);
    g_free(f->root);
    g_free(f->box);
}

/* A "recording" in the box's tmp/ whose contents name it. */
static char *
make_audio(const Fixture *f, const char *tag)
{
    g_autofree char *tmp = g_build_filename(f->box, "tmp", NULL);
    g_autofree char *name = g_strdup_printf("rec-%s.wav", tag);
    char *path = g_build_filename(tmp, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(tmp, 0700), ==, 0);
    g_assert_true(g_file_set_contents(path, tag, -1, NULL));
    return path;
}

static guint
deliver(const Fixture *f, const char *tag, VmFolder folder)
{
    g_autofree char *audio = make_audio(f, tag);
    g_auto(VmEnvelope) env = { 0 };
    g_autoptr(GError) error = NULL;
    guint index = 999;

    env.msg_id = g_strdup_printf("id-%s", tag);
    env.callerid = g_strdup(tag);
    env.duration = 3;
    g_assert_true(vm_spool_deliver(f->box, folder, audio, &env, 100, &index, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(audio, G_FILE_TEST_EXISTS));
    return index;
}

static char *
folder(const Fixture *f, VmFolder folder)
{
    return vm_spool_folder_dir(f->box, folder);
}

/* The tag of message i of a folder, read from its audio, checked against
 * its envelope. */
static char *
tag_of(const Fixture *f, VmFolder fo, guint i)
{
    g_autofree char *dir = folder(f, fo);
    g_autofree char *wav = g_strdup_printf("%s/msg%04u.wav", dir, i);
    g_autofree char *txt = g_strdup_printf("%s/msg%04u.txt", dir, i);
    g_auto(VmEnvelope) env = { 0 };
    g_autoptr(GError) error = NULL;
    char *tag = NULL;

    g_assert_true(g_file_get_contents(wav, &tag, NULL, NULL));
    g_assert_true(vm_envelope_load(txt, &env, &error));
    g_assert_cmpstr(env.callerid, ==, tag);
    return tag;
}

static void
assert_folder(const Fixture *f, VmFolder fo, const char *const *tags)
{
    g_autofree char *dir = folder(f, fo);
    guint n = g_strv_length((char **) tags);

    g_assert_cmpuint(vm_spool_count(dir), ==, n);
    for (guint i = 0; i < n; i++) {
        g_autofree char *tag = tag_of(f, fo, i);

        g_assert_cmpstr(tag, ==, tags[i]);
    }
}

static void
test_layout(Fixture *f, gconstpointer data)
{
    g_autofree char *inbox = folder(f, VM_FOLDER_INBOX);
    g_autofree char *expect = g_build_filename(f->root, "voicemail", "office", "1001",
                                               "INBOX", NULL);
    g_autofree char *wav = g_build_filename(expect, "msg0001.wav", NULL);
    g_autofree char *txt = g_build_filename(expect, "msg0001.txt", NULL);

    g_assert_cmpstr(inbox, ==, expect);
    g_assert_cmpuint(deliver(f, "a", VM_FOLDER_INBOX), ==, 0);
    g_assert_cmpuint(deliver(f, "b", VM_FOLDER_INBOX), ==, 1);
    g_assert_true(g_file_test(wav, G_FILE_TEST_IS_REGULAR));
    g_assert_true(g_file_test(txt, G_FILE_TEST_IS_REGULAR));
    assert_folder(f, VM_FOLDER_INBOX, (const char *[]) { "a", "b", NULL });
    g_assert_cmpstr(vm_folder_name(VM_FOLDER_OLD), ==, "Old");
    g_assert_cmpint(vm_folder_from_name("friends"), ==, VM_FOLDER_FRIENDS);
    g_assert_cmpint(vm_folder_from_name("Spam"), ==, -1);
}

static void
test_full(Fixture *f, gconstpointer data)
{
    g_autofree char *audio = make_audio(f, "x");
    g_auto(VmEnvelope) env = { .msg_id = g_strdup("x") };
    g_autoptr(GError) error = NULL;
    guint index;

    deliver(f, "a", VM_FOLDER_INBOX);
    deliver(f, "b", VM_FOLDER_INBOX);
    g_assert_false(vm_spool_deliver(f->box, VM_FOLDER_INBOX, audio, &env, 2, &index, &error));
    g_assert_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_FULL);
    g_assert_true(g_file_test(audio, G_FILE_TEST_EXISTS));
}

static void
test_delete_renumbers(Fixture *f, gconstpointer data)
{
    g_autofree char *inbox = folder(f, VM_FOLDER_INBOX);
    g_autoptr(GError) error = NULL;

    deliver(f, "a", VM_FOLDER_INBOX);
    deliver(f, "b", VM_FOLDER_INBOX);
    deliver(f, "c", VM_FOLDER_INBOX);
    g_assert_true(vm_spool_delete(inbox, 0, &error));
    assert_folder(f, VM_FOLDER_INBOX, (const char *[]) { "b", "c", NULL });
    g_assert_true(vm_spool_delete(inbox, 1, &error));
    assert_folder(f, VM_FOLDER_INBOX, (const char *[]) { "b", NULL });
    g_assert_false(vm_spool_delete(inbox, 5, &error));
    g_assert_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_NO_MESSAGE);
}

static void
test_move_and_copy(Fixture *f, gconstpointer data)
{
    g_autofree char *inbox = folder(f, VM_FOLDER_INBOX);
    g_autofree char *other = vm_spool_box_dir(f->root, "office", "1002");
    g_autofree char *other_inbox = vm_spool_folder_dir(other, VM_FOLDER_INBOX);
    g_autoptr(GError) error = NULL;
    guint index;

    deliver(f, "a", VM_FOLDER_INBOX);
    deliver(f, "b", VM_FOLDER_INBOX);
    g_assert_true(vm_spool_move(f->box, VM_FOLDER_INBOX, 0, VM_FOLDER_OLD, 100, &index, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(index, ==, 0);
    assert_folder(f, VM_FOLDER_INBOX, (const char *[]) { "b", NULL });
    assert_folder(f, VM_FOLDER_OLD, (const char *[]) { "a", NULL });
    g_assert_true(vm_spool_copy(inbox, 0, other, VM_FOLDER_INBOX, 100, &index, &error));
    g_assert_cmpuint(vm_spool_count(other_inbox), ==, 1);
    assert_folder(f, VM_FOLDER_INBOX, (const char *[]) { "b", NULL });
    /* The copy outlives the original. */
    g_assert_true(vm_spool_delete(inbox, 0, &error));
    g_assert_cmpuint(vm_spool_count(other_inbox), ==, 1);
}

static void
put(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
alias(const char *dir, const char *from, const char *to)
{
    g_autofree char *src = g_build_filename(dir, from, NULL);
    g_autofree char *dst = g_build_filename(dir, to, NULL);

    g_assert_cmpint(link(src, dst), ==, 0);
}

static void
drop(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(g_unlink(path), ==, 0);
}

static gboolean
exists(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static guint
repair(Fixture *f)
{
    g_autoptr(GPtrArray) report = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    g_assert_true(vm_spool_repair(f->box, report, &error));
    g_assert_no_error(error);
    return report->len;
}

/* Every state a kill -9 can leave in a folder, at once. */
static void
test_repair(Fixture *f, gconstpointer data)
{
    g_autofree char *inbox = folder(f, VM_FOLDER_INBOX);
    g_autofree char *tmp = g_build_filename(f->box, "tmp", NULL);
    g_autofree char *txt = NULL;
    g_autofree char *tag = NULL;
    g_auto(VmEnvelope) env = { 0 };

    deliver(f, "a", VM_FOLDER_INBOX);   /* 0 */
    deliver(f, "b", VM_FOLDER_INBOX);   /* 1 */
    deliver(f, "c", VM_FOLDER_INBOX);   /* 2 */
    deliver(f, "d", VM_FOLDER_INBOX);   /* 3 */
    /* a deletion of 0 cut after the audio went */
    drop(inbox, "msg0000.wav");
    /* a renumbering of 3 -> 2 after 2 was deleted, cut after both links */
    drop(inbox, "msg0002.wav");
    drop(inbox, "msg0002.txt");
    alias(inbox, "msg0003.txt", "msg0002.txt");
    alias(inbox, "msg0003.wav", "msg0002.wav");
    /* a delivery cut between its two renames */
    put(inbox, "msg0004.txt", "[message]\ncallerid=e\n");
    /* audio copied in by hand, without envelope */
    put(inbox, "msg0007.wav", "g");
    /* a recording cut by the crash */
    put(tmp, "rec-x.wav", "partial");
    /* 2 lone envelopes, 1 duplicate, 1 rebuilt envelope, 3 renumbered, 1 in tmp/ */
    g_assert_cmpuint(repair(f), ==, 8);
    g_assert_cmpuint(vm_spool_count(inbox), ==, 3);
    tag = tag_of(f, VM_FOLDER_INBOX, 0);
    g_assert_cmpstr(tag, ==, "b");
    g_free(tag);
    tag = tag_of(f, VM_FOLDER_INBOX, 1);
    g_assert_cmpstr(tag, ==, "d");
    txt = g_build_filename(inbox, "msg0002.txt", NULL);
    g_assert_true(vm_envelope_load(txt, &env, NULL));
    g_assert_cmpstr(env.callerid, ==, "Unknown");
    g_assert_false(exists(inbox, "msg0003.wav"));
    g_assert_false(exists(inbox, "msg0003.txt"));
    g_assert_false(exists(tmp, "rec-x.wav"));
    /* a second run finds nothing to do */
    g_assert_cmpuint(repair(f), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_voicemail: the spool (layout, crash-safe changes, repair)");
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/voicemail/spool/layout", test_layout);
    ADD("/voicemail/spool/full", test_full);
    ADD("/voicemail/spool/delete-renumbers", test_delete_renumbers);
    ADD("/voicemail/spool/move-and-copy", test_move_and_copy);
    ADD("/voicemail/spool/repair", test_repair);
    return g_test_run();
}
