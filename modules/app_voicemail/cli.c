/* app_voicemail - the CLI: `voicemail show users`, `voicemail show
 * counts`, `voicemail show messages BOX`, `voicemail import BOX FILE`,
 * `voicemail reload`.  (`show messages` reads the envelopes, a few small
 * files, on the main context: an operator's command, not a call path.) */
#include "vm.h"

static gboolean
no_args(PbxCliContext *ctx, int argc)
{
    if (argc == 0)
        return TRUE;
    pbx_cli_usage(ctx);
    return FALSE;
}

static gboolean
show_users(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    if (!no_args(ctx, argc))
        return FALSE;
    pbx_cli_print(ctx, "%-12s %-8s %-24s %-28s %5s\n", "Context", "Mbox", "User", "Email",
                  "NewMsg");
    for (guint i = 0; i < vm.conf->boxes->len; i++) {
        const VmBox *b = g_ptr_array_index(vm.conf->boxes, i);
        const VmCounts *c = vm_counts_get(b->id);

        pbx_cli_print(ctx, "%-12s %-8s %-24s %-28s %5u\n", b->context, b->number, b->fullname,
                      b->email, c ? c->new_count : 0);
    }
    pbx_cli_print(ctx, "%u voicemail users configured.\n", vm.conf->boxes->len);
    return TRUE;
}

static gboolean
show_counts(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    guint new_total = 0, old_total = 0;

    if (!no_args(ctx, argc))
        return FALSE;
    pbx_cli_print(ctx, "%-24s %6s %6s\n", "Mailbox", "New", "Old");
    for (guint i = 0; i < vm.conf->boxes->len; i++) {
        const VmBox *b = g_ptr_array_index(vm.conf->boxes, i);
        const VmCounts *c = vm_counts_get(b->id);

        pbx_cli_print(ctx, "%-24s %6u %6u\n", b->id, c ? c->new_count : 0,
                      c ? c->old_count : 0);
        new_total += c ? c->new_count : 0;
        old_total += c ? c->old_count : 0;
    }
    pbx_cli_print(ctx, "%u new, %u old messages in %u mailboxes\n", new_total, old_total,
                  vm.conf->boxes->len);
    return TRUE;
}

static void
print_folder(PbxCliContext *ctx, const char *box_dir, VmFolder f)
{
    g_autofree char *dir = vm_spool_folder_dir(box_dir, f);
    guint n = vm_spool_count(dir);

    for (guint i = 0; i < n; i++) {
        g_autofree char *txt = g_strdup_printf("%s/msg%04u.txt", dir, i);
        g_auto(VmEnvelope) env = { 0 };
        g_autoptr(GError) error = NULL;
        g_autoptr(GDateTime) dt = NULL;
        g_autofree char *when = NULL;

        if (!vm_envelope_load(txt, &env, &error)) {
            pbx_cli_print(ctx, "%-8s %4u  (envelope unreadable: %s)\n", vm_folder_name(f), i + 1,
                          error->message);
            continue;
        }
        dt = g_date_time_new_from_unix_local(env.origtime);
        when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
        pbx_cli_print(ctx, "%-8s %4u  %-19s %5us  %s\n", vm_folder_name(f), i + 1, when,
                      env.duration, env.callerid);
    }
}

static gboolean
show_messages(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const VmBox *box = argc == 1 ? vm_conf_find(vm.conf, argv[0]) : NULL;
    g_autofree char *dir = NULL;

    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (!box) {
        pbx_cli_print(ctx, "No mailbox %s\n", argv[0]);
        return FALSE;
    }
    dir = vm_box_dir(box);
    pbx_cli_print(ctx, "Mailbox %s (%s)\n%-8s %4s  %-19s %6s  %s\n", box->id, box->fullname,
                  "Folder", "#", "Received", "Length", "Caller");
    for (int f = 0; f < VM_N_FOLDERS; f++)
        print_folder(ctx, dir, (VmFolder) f);
    return TRUE;
}

static void
import_done(gboolean ok, const GError *error, gpointer data)
{
    g_free(data);
}

/* Copies a WAV file into the box as a new message from "Import". */
static gboolean
import_message(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const VmBox *box = argc == 2 ? vm_conf_find(vm.conf, argv[0]) : NULL;
    g_auto(VmEnvelope) env = { 0 };

    if (argc != 2) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (!box || !g_path_is_absolute(argv[1])) {
        pbx_cli_print(ctx, box ? "FILE must be an absolute path\n" : "No mailbox %s\n",
                      argv[0]);
        return FALSE;
    }
    env.origmailbox = g_strdup(box->number);
    env.context = g_strdup(box->context);
    env.exten = g_strdup(box->number);
    env.callerid = g_strdup("Import");
    env.origtime = g_get_real_time() / G_USEC_PER_SEC;
    env.msg_id = vm_envelope_new_id();
    vm_op_import(box, argv[1], &env, import_done, NULL);
    pbx_cli_print(ctx, "Importing %s into %s\n", argv[1], box->id);
    return TRUE;
}

static gboolean
reload_conf(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!no_args(ctx, argc))
        return FALSE;
    if (!vm_load_conf(&error)) {
        pbx_cli_print(ctx, "voicemail.conf not reloaded: %s\n", error->message);
        return FALSE;
    }
    pbx_cli_print(ctx, "voicemail.conf reloaded: %u mailboxes\n", vm.conf->boxes->len);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "voicemail show users", NULL, "Mailboxes and their new messages", show_users, NULL },
    { "voicemail show counts", NULL, "New and old messages of every mailbox", show_counts,
      NULL },
    { "voicemail show messages", "BOX", "The messages of a mailbox, per folder", show_messages,
      NULL },
    { "voicemail import", "BOX FILE", "Copy a WAV file into a mailbox as a new message",
      import_message, NULL },
    { "voicemail reload", NULL, "Re-read voicemail.conf (stored messages stay)", reload_conf,
      NULL },
};

gboolean
vm_register_cli(PbxModule *self, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}
