/* app_voicemail - voicemail.conf in Asterisk's form.
 *
 *     [general]
 *     maxmsg = 100              ; messages per folder
 *     maxsecs = 180             ; longest message, s
 *     minsecs = 1               ; shorter ones are discarded
 *     maxsilence = 5            ; s of silence that end a recording
 *     silencethreshold = 128
 *     attach = yes
 *     serveremail = vm@office   ; From: address
 *     fromstring = Voicemail    ; From: display name
 *     emailsubject = New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}
 *     emailbody = Dear ${VM_NAME}:\n\n...
 *     mailcmd = /usr/sbin/sendmail -t
 *     maxlogins = 3             ; wrong PINs before a lockout
 *     lockout = 300             ; s the box then refuses logins
 *     operator = 1003           ; the extension `0` escapes to ("" none)
 *
 *     [office]
 *     1001 => 1234,Alice Anders,alice@example.com,,attach=yes|delete=no
 *
 * Each mailbox line is PIN, full name, email, pager email and options
 * separated by `|`.  A bad line is reported as "voicemail.conf:12: ..."
 * and skipped; the rest loads.
 *
 * Thread affinity: none (a VmConf is immutable once parsed; the module
 * swaps it on the main context).
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define VM_CONF_ERROR (g_quark_from_static_string("carillon-voicemail-conf-error"))

typedef struct {
    char *id;               /* "1001@office": the key of the box */
    char *number;           /* "1001" */
    char *context;          /* "office" */
    char *pin;              /* digits; "" none */
    gboolean pin_fixed;     /* written "-1234": the caller may not change it */
    char *fullname;
    char *email;            /* "" none */
    char *pager;            /* "" none */
    gboolean attach;        /* attach the WAV (else a path in the body) */
    gboolean delete_after;  /* delete once emailed */
    guint maxmsg;           /* 0: [general]'s */
    guint maxsecs;          /* 0: [general]'s */
    guint line;             /* in voicemail.conf */
} VmBox;

typedef struct {
    guint maxmsg;
    guint maxsecs;
    guint minsecs;
    guint maxsilence;
    guint silencethreshold;
    gboolean attach;
    char *serveremail;
    char *fromstring;
    char *emailsubject;
    char *emailbody;
    char *mailcmd;
    guint maxlogins;
    guint lockout;
    char *operator_exten;
} VmGeneral;

typedef struct {
    gint refs;
    VmGeneral general;
    GPtrArray *boxes;           /* VmBox*, in file order */
    GHashTable *by_id;          /* "1001@office" -> VmBox* (borrowed) */
} VmConf;

/* Parses a loaded voicemail.conf.  A bad [general] key or mailbox line
 * is appended to `problems` (GError*, "file:line: ...") and left out; a
 * NULL return only when `cfg` has no [general] that can be used. */
VmConf *vm_conf_parse(const PbxConfig *cfg, GPtrArray *problems);
/* A config with [general] defaults and no boxes. */
VmConf *vm_conf_new_empty(void);
VmConf *vm_conf_ref(VmConf *conf);
void vm_conf_unref(VmConf *conf);

/* "1001" (in the first context holding it) or "1001@office". */
const VmBox *vm_conf_find(const VmConf *conf, const char *box);
/* Parses one mailbox line's value into box (number, context set by the
 * caller).  FALSE with a message in *why. */
gboolean vm_box_parse_value(VmBox *box, const char *value, char **why);
void vm_box_free(VmBox *box);
/* The box's limits, its own or [general]'s. */
guint vm_box_maxmsg(const VmConf *conf, const VmBox *box);
guint vm_box_maxsecs(const VmConf *conf, const VmBox *box);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmConf, vm_conf_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmBox, vm_box_free)

G_END_DECLS
