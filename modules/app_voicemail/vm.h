/* app_voicemail - the module's state and the files that share it.
 *
 *   vm_conf.c, vm_box.c  voicemail.conf (vm_conf.h);
 *   vm_envelope.c        message envelopes (vm_spool.h);
 *   vm_spool.c           the spool's layout and its crash-safe changes;
 *   vm_repair.c          the start-up check of every box;
 *   vm_mail.c            the notification email (vm_mail.h);
 *   ops.c                spool changes run on the storage thread, their
 *                        results (counts, events, MWI, email) back on main;
 *   mwi.c                the "message-summary" event package (RFC 3842);
 *   mwi_unsolicited.c    NOTIFYs to endpoints with mwi_unsolicited;
 *   cli.c                `voicemail show ...`, `voicemail reload`;
 *   module.c             load, reload, unload.
 *
 * Thread affinity: `vm` and everything declared here belong to the main
 * context (asserted), except what ops.c runs on its storage and mail
 * threads, which touch only their job (copies of the paths and limits).
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sip/api.h>
#include <carillon/sip/pubsub.h>
#include <carillon/registrar.h>

#include "vm_conf.h"
#include "vm_spool.h"
#include "vm_login.h"

G_BEGIN_DECLS

typedef struct {
    guint new_count;            /* INBOX */
    guint old_count;            /* Old */
} VmCounts;

typedef struct {
    PbxModule *module;
    PbxLogDomain *log;
    VmConf *conf;
    char *spool;                /* <var_dir>/spool: <spool>/voicemail/<context>/<box> */
    GHashTable *counts;         /* box id -> VmCounts* */
    GThreadPool *store;         /* one thread: spool changes in order */
    GThreadPool *mail;          /* one thread: the mail command */
    guint pending;              /* jobs not finished on main yet */
    const SipApi *sip;
    const SipPubsubApi *pubsub;
    const RegistrarApi *registrar;
    GHashTable *pins;           /* box id -> PIN changed by its owner */
    VmLogins *logins;
} Vm;

extern Vm vm;

/* ---------------------------------------------------------- ops.c */

void vm_ops_start(void);
/* Waits for every queued job and its completion (unload). */
void vm_ops_drain(void);
/* Repairs every configured box and counts its messages (start-up and
 * reload: a box new to the config gets counted; synchronous, before the
 * first call, like the registrar's start-up read). */
void vm_ops_scan_all(void);
const VmCounts *vm_counts_get(const char *box_id);
char *vm_box_dir(const VmBox *box);

typedef void (*VmOpDone)(gboolean ok, const GError *error, gpointer data);
/* Files `audio` as a new INBOX message of box (the file is renamed). */
void vm_op_leave(const VmBox *box, const char *audio, const VmEnvelope *env, VmOpDone done,
                 gpointer data);
/* Copies `file` (anywhere) into box as a new INBOX message. */
void vm_op_import(const VmBox *box, const char *file, const VmEnvelope *env, VmOpDone done,
                  gpointer data);
void vm_op_delete(const VmBox *box, VmFolder folder, guint index, VmOpDone done,
                  gpointer data);
void vm_op_move(const VmBox *box, VmFolder from, guint index, VmFolder to, VmOpDone done,
                gpointer data);

/* The spool changes and reads of the call flows: `done` gets the result
 * (new_index: the message's number in its new place; messages: LIST's
 * VmMessage*, borrowed for the call). */
typedef struct {
    gboolean ok;
    const GError *error;
    guint new_index;
    GPtrArray *messages;
} VmOpResult;
typedef void (*VmOpResultFunc)(const VmOpResult *result, gpointer data);

void vm_op_leave_r(const VmBox *box, const char *audio, const VmEnvelope *env,
                   VmOpResultFunc done, gpointer data);
void vm_op_delete_r(const VmBox *box, VmFolder folder, guint index, VmOpResultFunc done,
                    gpointer data);
void vm_op_move_r(const VmBox *box, VmFolder from, guint index, VmFolder to,
                  VmOpResultFunc done, gpointer data);
/* Copies a message into `to`'s INBOX (forwarding). */
void vm_op_forward(const VmBox *box, VmFolder folder, guint index, const VmBox *to,
                   VmOpResultFunc done, gpointer data);
/* Renames `audio` (in the box's tmp/) to <box>/<name>.wav: a greeting. */
void vm_op_install(const VmBox *box, const char *audio, const char *name,
                   VmOpResultFunc done, gpointer data);
/* Removes a recording that is not kept (too short). */
void vm_op_discard(const VmBox *box, const char *audio);
void vm_op_set_pin(const VmBox *box, const char *pin, VmOpResultFunc done, gpointer data);
void vm_op_list(const VmBox *box, VmFolder folder, VmOpResultFunc done, gpointer data);
/* Which recorded greetings the box has: new_index holds VM_GREETING_* bits. */
enum { VM_GREETING_UNAVAIL = 1, VM_GREETING_BUSY = 2, VM_GREETING_NAME = 4 };
void vm_op_greetings(const VmBox *box, VmOpResultFunc done, gpointer data);

/* ---------------------------------------------------------- pin.c */

/* A PIN changed by the box's owner is kept in <box>/pin (0600) and wins
 * over voicemail.conf's.  vm_pin_store runs on the storage thread. */
gboolean vm_pin_store(const char *box_dir, const char *pin, GError **error);
/* Main context: reads <box>/pin (start-up, a box new to the config). */
void vm_pin_load(const char *box_id, const char *box_dir);
void vm_pin_set(const char *box_id, const char *pin);
/* The PIN in force: the changed one, else voicemail.conf's. */
const char *vm_pin_get(const VmBox *box);

/* ---------------------------------------------------------- lua_api.c */

/* The messages of each box's INBOX and Old as the storage thread last
 * read them (after every change; at start-up): what pbx.voicemail
 * answers from without touching the disk on the main context.  Takes
 * the arrays (VmMessage*). */
void vm_index_set(const char *box_id, GPtrArray *inbox, GPtrArray *old);
void vm_index_clear(void);
/* pbx.voicemail.count(box), pbx.voicemail.messages(box[, folder]) */
gboolean vm_register_lua_api(PbxModule *self, GError **error);

/* ---------------------------------------------------------- flows.c */

/* call:voicemail(), call:voicemail_main() (flows.lua). */
gboolean vm_register_methods(PbxModule *self, GError **error);

/* ---------------------------------------------------------- mwi.c */

extern const SipEventPackage vm_mwi_package;
/* The counts of box changed: NOTIFY its subscribers (and the endpoints
 * with mwi_unsolicited watching it). */
void vm_mwi_changed(const VmBox *box);
/* The box endpoint ep watches: its `mailbox`, else its own number. */
const VmBox *vm_mwi_box_of(const SipEndpoint *ep);
/* The RFC 3842 body of box's counts (a new string). */
char *vm_mwi_summary(const VmBox *box, const char *account);

/* ---------------------------------------------------------- mwi_unsolicited.c */

void vm_mwi_unsolicited_start(PbxModule *self);
void vm_mwi_unsolicited_changed(const VmBox *box);

/* ---------------------------------------------------------- cli.c */

gboolean vm_register_cli(PbxModule *self, GError **error);

/* ---------------------------------------------------------- module.c */

/* Reads voicemail.conf: FALSE when it cannot be read; bad lines logged. */
gboolean vm_load_conf(GError **error);

G_END_DECLS
