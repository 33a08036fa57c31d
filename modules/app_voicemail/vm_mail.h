/* app_voicemail - email notification: the message text (templates from
 * voicemail.conf with ${VM_NAME}, ${VM_DUR}, ... and Asterisk's \n, \t
 * escapes; a MIME multipart with the WAV attached, or its path in the
 * body) and handing it to a sendmail-compatible command.
 *
 * Thread affinity: none.  vm_mail_send() blocks while the command runs:
 * the module calls it on its mail thread, never the main context.
 */
#pragma once

#include "vm_conf.h"
#include "vm_spool.h"

G_BEGIN_DECLS

/* The variables of one message, for the templates. */
typedef struct {
    const char *name;       /* VM_NAME: the box owner's full name */
    const char *mailbox;    /* VM_MAILBOX */
    const char *context;    /* VM_CONTEXT */
    guint msgnum;           /* VM_MSGNUM: 1-based */
    guint duration;         /* VM_DUR: "0:07" */
    const char *callerid;   /* VM_CALLERID; VM_CIDNUM, VM_CIDNAME split from it */
    gint64 origtime;        /* VM_DATE */
} VmMailVars;

/* ${VAR} replaced (unknown ones by ""), \n \t \\ unescaped. */
char *vm_mail_expand(const char *tmpl, const VmMailVars *vars);

/* The whole RFC 5322 message.  `wav` is attached when `attach`, else
 * named in the body; NULL with an error when it cannot be read. */
char *vm_mail_build(const VmGeneral *general, const char *to, const VmMailVars *vars,
                    const char *wav, gboolean attach, GError **error);

/* Runs `command` (a shell-like word list, e.g. "/usr/sbin/sendmail -t")
 * with `message` on its standard input and waits for it; FALSE when it
 * cannot start or exits non-zero. */
gboolean vm_mail_send(const char *command, const char *message, GError **error);

G_END_DECLS
