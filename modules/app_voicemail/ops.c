/* app_voicemail - spool changes off the main context.
 *
 * Every change of the spool is a job for the storage thread (one thread,
 * so changes of a box happen in the order they were asked); the job
 * carries copies of what it needs, does the change with vm_spool_*()
 * (fsyncs included), counts the box again and goes back to the main
 * context, where the counts are stored, the event published, the MWI
 * subscribers notified and the caller's `done` called.  A new message of
 * a box with an email address then becomes a job of the mail thread,
 * which builds the email and runs the command: a slow or failing mail
 * command delays no change of the spool and loses no message. */
#include <glib/gstdio.h>

#include "vm.h"
#include "vm_mail.h"

typedef enum {
    OP_LEAVE, OP_DELETE, OP_MOVE, OP_COPY,  /* change messages: events, MWI */
    OP_INSTALL, OP_DISCARD, OP_SETPIN,      /* other files of the box */
    OP_LIST, OP_GREETINGS,                  /* reads a folder, the greetings */
} OpKind;

typedef struct {
    OpKind kind;
    char *box_id;
    char *box_dir;
    VmFolder folder, to;
    guint index, maxmsg;
    char *audio;
    char *dst;                  /* INSTALL: the target; SETPIN: the PIN */
    char *src_dir;              /* COPY: the source folder */
    gboolean copy_audio;        /* audio is outside the spool: copied to tmp/ first */
    VmEnvelope env;
    /* results */
    gboolean ok;
    GError *error;
    guint new_index;
    VmCounts counts;
    GPtrArray *messages;        /* LIST: VmMessage* */
    GPtrArray *inbox, *old;     /* the box's INBOX and Old after a change */
    VmOpDone done;
    VmOpResultFunc result;
    gpointer data;
} Op;

typedef struct {
    char *command;
    char *message;
    char *box_id;
} MailJob;

static void
op_free(Op *op)
{
    g_free(op->box_id);
    g_free(op->box_dir);
    g_free(op->audio);
    g_free(op->dst);
    g_free(op->src_dir);
    g_clear_pointer(&op->messages, g_ptr_array_unref);
    g_clear_pointer(&op->inbox, g_ptr_array_unref);
    g_clear_pointer(&op->old, g_ptr_array_unref);
    vm_envelope_clear(&op->env);
    g_clear_error(&op->error);
    g_free(op);
}

char *
vm_box_dir(const VmBox *box)
{
    return vm_spool_box_dir(vm.spool, box->context, box->number);
}

static void
count_box(const char *box_dir, VmCounts *counts)
{
    g_autofree char *inbox = vm_spool_folder_dir(box_dir, VM_FOLDER_INBOX);
    g_autofree char *old = vm_spool_folder_dir(box_dir, VM_FOLDER_OLD);

    counts->new_count = vm_spool_count(inbox);
    counts->old_count = vm_spool_count(old);
}

/* Which of the box's recorded greetings exist: VM_GREETING_* bits. */
static guint
greetings_present(const char *box_dir)
{
    static const char *const names[] = { "unavail.wav", "busy.wav", "greet.wav" };
    guint bits = 0;

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(box_dir, names[i], NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            bits |= 1u << i;
    }
    return bits;
}

/* The messages of INBOX and Old, for pbx.voicemail.messages(). */
static void
list_box(const char *box_dir, GPtrArray **inbox, GPtrArray **old)
{
    g_autofree char *in = vm_spool_folder_dir(box_dir, VM_FOLDER_INBOX);
    g_autofree char *ol = vm_spool_folder_dir(box_dir, VM_FOLDER_OLD);

    *inbox = vm_spool_list(in, NULL);
    *old = vm_spool_list(ol, NULL);
}

/* An imported file: copied into tmp/ (and from there renamed in). */
static gboolean
copy_to_tmp(Op *op)
{
    g_autofree char *tmp = g_build_filename(op->box_dir, "tmp", NULL);
    g_autofree char *name = g_strdup_printf("%s.wav", op->env.msg_id);
    g_autofree char *dst = g_build_filename(tmp, name, NULL);
    g_autofree char *data = NULL;
    gsize len;

    if (g_mkdir_with_parents(tmp, 0750) != 0) {
        g_set_error(&op->error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_IO, "mkdir %s failed", tmp);
        return FALSE;
    }
    if (!g_file_get_contents(op->audio, &data, &len, &op->error)
        || !g_file_set_contents(dst, data, (gssize) len, &op->error))
        return FALSE;
    g_free(op->audio);
    op->audio = g_steal_pointer(&dst);
    return TRUE;
}

static void
op_run_other(Op *op, const char *dir)
{
    switch (op->kind) {
    case OP_COPY:
        op->ok = vm_spool_copy(op->src_dir, op->index, op->box_dir, VM_FOLDER_INBOX,
                               op->maxmsg, &op->new_index, &op->error);
        break;
    case OP_INSTALL:
        op->ok = vm_spool_install_file(op->audio, op->dst, &op->error);
        break;
    case OP_DISCARD:
        op->ok = g_unlink(op->audio) == 0;
        break;
    case OP_SETPIN:
        op->ok = vm_pin_store(op->box_dir, op->dst, &op->error);
        break;
    case OP_LIST:
        op->messages = vm_spool_list(dir, &op->error);
        op->ok = op->messages != NULL;
        break;
    case OP_GREETINGS:
        op->new_index = greetings_present(op->box_dir);
        op->ok = TRUE;
        break;
    default:
        break;
    }
}

static void
op_run(Op *op)
{
    g_autofree char *dir = vm_spool_folder_dir(op->box_dir, op->folder);

    switch (op->kind) {
    case OP_LEAVE:
        if (op->copy_audio && !copy_to_tmp(op))
            break;
        op->ok = vm_spool_deliver(op->box_dir, VM_FOLDER_INBOX, op->audio, &op->env, op->maxmsg,
                                  &op->new_index, &op->error);
        break;
    case OP_DELETE:
        op->ok = vm_spool_delete(dir, op->index, &op->error);
        break;
    case OP_MOVE:
        op->ok = vm_spool_move(op->box_dir, op->folder, op->index, op->to, op->maxmsg,
                               &op->new_index, &op->error);
        break;
    default:
        op_run_other(op, dir);
        break;
    }
    count_box(op->box_dir, &op->counts);
    if (op->kind <= OP_COPY)
        list_box(op->box_dir, &op->inbox, &op->old);
}

static void
publish(const Op *op, const VmBox *box)
{
    static const char *const types[] = {
        [OP_LEAVE] = "voicemail/new", [OP_DELETE] = "voicemail/deleted",
        [OP_MOVE] = "voicemail/moved", [OP_COPY] = "voicemail/new",
    };
    gboolean read = op->kind == OP_MOVE && op->folder == VM_FOLDER_INBOX;
    PbxEvent *ev = pbx_event_new(read ? "voicemail/read" : types[op->kind]);

    pbx_event_set(ev, "box", op->box_id);
    gboolean in = op->kind == OP_LEAVE || op->kind == OP_COPY;

    pbx_event_set(ev, "folder", vm_folder_name(in ? VM_FOLDER_INBOX : op->folder));
    pbx_event_setf(ev, "msgnum", "%u", op->kind == OP_DELETE ? op->index : op->new_index);
    if (op->kind == OP_MOVE)
        pbx_event_set(ev, "to", vm_folder_name(op->to));
    if (op->kind == OP_LEAVE)
        pbx_event_set(ev, "callerid", op->env.callerid);
    pbx_event_setf(ev, "new", "%u", op->counts.new_count);
    pbx_event_setf(ev, "old", "%u", op->counts.old_count);
    pbx_event_publish(ev);
}

static void
store_counts(const char *box_id, const VmCounts *counts)
{
    VmCounts *c = g_hash_table_lookup(vm.counts, box_id);

    if (!c) {
        c = g_new0(VmCounts, 1);
        g_hash_table_insert(vm.counts, g_strdup(box_id), c);
    }
    *c = *counts;
}

static void mail_queue(const Op *op, const VmBox *box);

static gboolean
op_finish(gpointer data)
{
    Op *op = data;
    const VmBox *box = vm.conf ? g_hash_table_lookup(vm.conf->by_id, op->box_id) : NULL;

    gboolean changes = op->kind <= OP_COPY;

    PBX_ASSERT_MAIN_CONTEXT();
    store_counts(op->box_id, &op->counts);
    if (op->inbox)
        vm_index_set(op->box_id, g_steal_pointer(&op->inbox), g_steal_pointer(&op->old));
    if (op->ok && box && changes)
        publish(op, box);
    if (box && changes)
        vm_mwi_changed(box);
    if (!op->ok)
        pbx_warning(vm.log, "%s: %s", op->box_id, op->error ? op->error->message
                                                             : "the file was not removed");
    else if (op->kind == OP_LEAVE && box && *box->email)
        mail_queue(op, box);
    if (op->ok && op->kind == OP_SETPIN)
        vm_pin_set(op->box_id, op->dst);
    if (op->done)
        op->done(op->ok, op->error, op->data);
    if (op->result)
        op->result(&(VmOpResult) { op->ok, op->error, op->new_index, op->messages }, op->data);
    vm.pending--;
    op_free(op);
    return G_SOURCE_REMOVE;
}

static void
store_thread(gpointer data, gpointer user_data)
{
    op_run(data);
    g_idle_add(op_finish, data);
}

/* ---------------------------------------------------------- mail */

static void
mail_thread(gpointer data, gpointer user_data)
{
    MailJob *job = data;
    g_autoptr(GError) error = NULL;

    if (!vm_mail_send(job->command, job->message, &error))
        pbx_warning(vm.log, "%s: the email was not sent: %s", job->box_id, error->message);
    else
        pbx_info(vm.log, "%s: email sent", job->box_id);
    g_free(job->command);
    g_free(job->message);
    g_free(job->box_id);
    g_free(job);
}

static void
mail_queue(const Op *op, const VmBox *box)
{
    g_autofree char *dir = vm_spool_folder_dir(op->box_dir, VM_FOLDER_INBOX);
    g_autofree char *wav = g_strdup_printf("%s/msg%04u.wav", dir, op->new_index);
    VmMailVars vars = {
        .name = box->fullname, .mailbox = box->number, .context = box->context,
        .msgnum = op->new_index + 1, .duration = op->env.duration,
        .callerid = op->env.callerid, .origtime = op->env.origtime,
    };
    g_autoptr(GError) error = NULL;
    char *message = vm_mail_build(&vm.conf->general, box->email, &vars, wav, box->attach,
                                  &error);
    MailJob *job;

    if (!message) {
        pbx_warning(vm.log, "%s: no email: %s", box->id, error->message);
        return;
    }
    job = g_new0(MailJob, 1);
    job->command = g_strdup(vm.conf->general.mailcmd);
    job->message = message;
    job->box_id = g_strdup(box->id);
    g_thread_pool_push(vm.mail, job, NULL);
}

/* ---------------------------------------------------------- jobs */

void
vm_ops_start(void)
{
    vm.store = g_thread_pool_new(store_thread, NULL, 1, FALSE, NULL);
    vm.mail = g_thread_pool_new(mail_thread, NULL, 1, FALSE, NULL);
    vm.pending = 0;
}

/* Store jobs and their completions first (they may queue mail). */
void
vm_ops_drain(void)
{
    while (vm.pending > 0)
        g_main_context_iteration(NULL, TRUE);
    if (vm.store)
        g_thread_pool_free(g_steal_pointer(&vm.store), FALSE, TRUE);
    if (vm.mail)
        g_thread_pool_free(g_steal_pointer(&vm.mail), FALSE, TRUE);
}

static Op *
op_new(OpKind kind, const VmBox *box, VmOpDone done, gpointer data)
{
    Op *op = g_new0(Op, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    op->kind = kind;
    op->box_id = g_strdup(box->id);
    op->box_dir = vm_box_dir(box);
    op->maxmsg = vm_box_maxmsg(vm.conf, box);
    op->done = done;
    op->data = data;
    return op;
}

static void
op_push(Op *op)
{
    vm.pending++;
    g_thread_pool_push(vm.store, op, NULL);
}

static void
copy_envelope(VmEnvelope *dst, const VmEnvelope *src)
{
    dst->origmailbox = g_strdup(src->origmailbox);
    dst->context = g_strdup(src->context);
    dst->exten = g_strdup(src->exten);
    dst->callerchan = g_strdup(src->callerchan);
    dst->callerid = g_strdup(src->callerid);
    dst->origtime = src->origtime;
    dst->duration = src->duration;
    dst->msg_id = g_strdup(src->msg_id);
    dst->flag = g_strdup(src->flag);
}

void
vm_op_leave(const VmBox *box, const char *audio, const VmEnvelope *env, VmOpDone done,
            gpointer data)
{
    Op *op = op_new(OP_LEAVE, box, done, data);

    op->audio = g_strdup(audio);
    copy_envelope(&op->env, env);
    op_push(op);
}

void
vm_op_import(const VmBox *box, const char *file, const VmEnvelope *env, VmOpDone done,
             gpointer data)
{
    Op *op = op_new(OP_LEAVE, box, done, data);

    op->audio = g_strdup(file);
    op->copy_audio = TRUE;
    copy_envelope(&op->env, env);
    op_push(op);
}

void
vm_op_delete(const VmBox *box, VmFolder folder, guint index, VmOpDone done, gpointer data)
{
    Op *op = op_new(OP_DELETE, box, done, data);

    op->folder = folder;
    op->index = index;
    op_push(op);
}

void
vm_op_move(const VmBox *box, VmFolder from, guint index, VmFolder to, VmOpDone done,
           gpointer data)
{
    Op *op = op_new(OP_MOVE, box, done, data);

    op->folder = from;
    op->index = index;
    op->to = to;
    op_push(op);
}

/* The ops of the call flows (flows_v.c): results through VmOpResultFunc. */
static Op *
op_new_r(OpKind kind, const VmBox *box, VmOpResultFunc result, gpointer data)
{
    Op *op = op_new(kind, box, NULL, data);

    op->result = result;
    return op;
}

void
vm_op_leave_r(const VmBox *box, const char *audio, const VmEnvelope *env,
              VmOpResultFunc done, gpointer data)
{
    Op *op = op_new_r(OP_LEAVE, box, done, data);

    op->audio = g_strdup(audio);
    copy_envelope(&op->env, env);
    op_push(op);
}

void
vm_op_delete_r(const VmBox *box, VmFolder folder, guint index, VmOpResultFunc done,
               gpointer data)
{
    Op *op = op_new_r(OP_DELETE, box, done, data);

    op->folder = folder;
    op->index = index;
    op_push(op);
}

void
vm_op_move_r(const VmBox *box, VmFolder from, guint index, VmFolder to, VmOpResultFunc done,
             gpointer data)
{
    Op *op = op_new_r(OP_MOVE, box, done, data);

    op->folder = from;
    op->index = index;
    op->to = to;
    op_push(op);
}

void
vm_op_forward(const VmBox *box, VmFolder folder, guint index, const VmBox *to,
              VmOpResultFunc done, gpointer data)
{
    g_autofree char *src_box = vm_box_dir(box);
    Op *op = op_new_r(OP_COPY, to, done, data);

    op->src_dir = vm_spool_folder_dir(src_box, folder);
    op->index = index;
    op_push(op);
}

void
vm_op_install(const VmBox *box, const char *audio, const char *name, VmOpResultFunc done,
              gpointer data)
{
    Op *op = op_new_r(OP_INSTALL, box, done, data);
    g_autofree char *file = g_strdup_printf("%s.wav", name);

    op->audio = g_strdup(audio);
    op->dst = g_build_filename(op->box_dir, file, NULL);
    op_push(op);
}

void
vm_op_discard(const VmBox *box, const char *audio)
{
    Op *op = op_new_r(OP_DISCARD, box, NULL, NULL);

    op->audio = g_strdup(audio);
    op_push(op);
}

void
vm_op_set_pin(const VmBox *box, const char *pin, VmOpResultFunc done, gpointer data)
{
    Op *op = op_new_r(OP_SETPIN, box, done, data);

    op->dst = g_strdup(pin);
    op_push(op);
}

void
vm_op_list(const VmBox *box, VmFolder folder, VmOpResultFunc done, gpointer data)
{
    Op *op = op_new_r(OP_LIST, box, done, data);

    op->folder = folder;
    op_push(op);
}

void
vm_op_greetings(const VmBox *box, VmOpResultFunc done, gpointer data)
{
    op_push(op_new_r(OP_GREETINGS, box, done, data));
}

/* ---------------------------------------------------------- start-up */

static void
scan_box(const VmBox *box)
{
    g_autofree char *dir = vm_box_dir(box);
    g_autoptr(GPtrArray) report = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    VmCounts counts;
    GPtrArray *inbox, *old;

    if (!vm_spool_repair(dir, report, &error))
        pbx_error(vm.log, "%s: spool check failed: %s", box->id, error->message);
    for (guint i = 0; i < report->len; i++)
        pbx_warning(vm.log, "%s: %s", box->id, (char *) g_ptr_array_index(report, i));
    count_box(dir, &counts);
    store_counts(box->id, &counts);
    list_box(dir, &inbox, &old);
    vm_index_set(box->id, inbox, old);
    vm_pin_load(box->id, dir);
}

void
vm_ops_scan_all(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; i < vm.conf->boxes->len; i++) {
        const VmBox *box = g_ptr_array_index(vm.conf->boxes, i);

        if (!g_hash_table_contains(vm.counts, box->id))
            scan_box(box);
        vm_mwi_changed(box);
    }
}

const VmCounts *
vm_counts_get(const char *box_id)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return g_hash_table_lookup(vm.counts, box_id);
}
