/* app_voicemail - the spool: Asterisk's layout, one message as two files.
 *
 *     <spool>/voicemail/<context>/<box>/INBOX/msg0000.wav   the audio
 *     <spool>/voicemail/<context>/<box>/INBOX/msg0000.txt   its envelope
 *     <spool>/voicemail/<context>/<box>/{Old,Work,Family,Friends}/...
 *     <spool>/voicemail/<context>/<box>/{unavail,busy,greet}.wav  greetings, name
 *     <spool>/voicemail/<context>/<box>/tmp/                 recordings in progress
 *
 * A message exists when its .wav exists; the .txt is put in place just
 * before it, so a crash leaves at worst an envelope without audio, which
 * the start-up repair removes.  Every change is a rename or a link of
 * files already fsynced, followed by an fsync of the folder:
 *
 *   deliver  envelope written and fsynced in tmp/, audio fsynced;
 *            rename envelope -> msgN.txt, rename audio -> msgN.wav;
 *   delete   unlink msgN.wav (gone from here on), unlink msgN.txt, then
 *            the later ones move down by one;
 *   move     link msgM.txt, msgM.wav into the target, then delete from
 *            the source (a crash between leaves the message in both,
 *            never in none);
 *   renumber link txt, link wav under the new number, unlink the old wav,
 *            unlink the old txt: a crash leaves the message under both
 *            numbers (the same inode), which the repair folds back.
 *
 * vm_spool_repair() runs at start-up on every box: envelopes without
 * audio are removed, audio without envelope gets one rebuilt, hard-link
 * duplicates are folded, gaps in the numbering closed, and leftovers in
 * tmp/ (a recording cut by the crash) removed; each is reported.
 *
 * Thread affinity: none; these block on the disk, so the module calls
 * them on its storage thread, one operation at a time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VM_SPOOL_ERROR (g_quark_from_static_string("carillon-voicemail-spool-error"))
typedef enum {
    VM_SPOOL_ERROR_IO,
    VM_SPOOL_ERROR_FULL,        /* the folder holds maxmsg messages */
    VM_SPOOL_ERROR_NO_MESSAGE,
    VM_SPOOL_ERROR_ENVELOPE,    /* an envelope that cannot be read */
} VmSpoolError;

typedef enum {
    VM_FOLDER_INBOX,
    VM_FOLDER_OLD,
    VM_FOLDER_WORK,
    VM_FOLDER_FAMILY,
    VM_FOLDER_FRIENDS,
    VM_N_FOLDERS,
} VmFolder;

#define VM_MAX_MESSAGES 9999

/* "INBOX", "Old", ... ; and back (case-insensitive), -1 when unknown. */
const char *vm_folder_name(VmFolder folder);
int vm_folder_from_name(const char *name);

/* ---------------------------------------------------------- envelope */

typedef struct {
    char *origmailbox;
    char *context;
    char *exten;
    char *callerchan;
    char *callerid;         /* "Name" <number> */
    gint64 origtime;        /* Unix time */
    guint duration;         /* s */
    char *msg_id;
    char *flag;             /* "" or "Urgent" */
} VmEnvelope;

void vm_envelope_clear(VmEnvelope *env);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmEnvelope, vm_envelope_clear)

/* Asterisk's [message] text; values are cleaned of line breaks and `;`. */
char *vm_envelope_format(const VmEnvelope *env);
/* Parses an envelope's text; `name` for messages. */
gboolean vm_envelope_parse(const char *name, const char *text, gssize len, VmEnvelope *env,
                           GError **error);
gboolean vm_envelope_load(const char *path, VmEnvelope *env, GError **error);
/* A fresh message id: "<time>-<random hex>". */
char *vm_envelope_new_id(void);

/* ---------------------------------------------------------- layout */

char *vm_spool_box_dir(const char *root, const char *context, const char *number);
char *vm_spool_folder_dir(const char *box_dir, VmFolder folder);
/* ".../msg0004" without extension. */
char *vm_spool_msg_base(const char *folder_dir, guint index);
/* Messages in a folder (msgNNNN.wav files; after the repair they are
 * 0..n-1).  A missing folder has none. */
guint vm_spool_count(const char *folder_dir);

/* A message as vm_spool_list() reads it. */
typedef struct {
    char *path;             /* the .wav */
    VmEnvelope env;
} VmMessage;

void vm_message_free(VmMessage *msg);
/* The messages of a folder in order (VmMessage*); an envelope that
 * cannot be read leaves its fields empty.  A missing folder has none. */
GPtrArray *vm_spool_list(const char *folder_dir, GError **error);

/* ---------------------------------------------------------- changes */

/* Files `audio` (a WAV on the same file system, e.g. in box_dir/tmp)
 * into the folder as its next message with `env`.  *index is its number. */
gboolean vm_spool_deliver(const char *box_dir, VmFolder folder, const char *audio,
                          const VmEnvelope *env, guint maxmsg, guint *index, GError **error);
/* Copies a message (hard links when possible) into another box's folder:
 * forwarding. */
gboolean vm_spool_copy(const char *src_folder_dir, guint index, const char *dst_box_dir,
                       VmFolder folder, guint maxmsg, guint *new_index, GError **error);
gboolean vm_spool_delete(const char *folder_dir, guint index, GError **error);
gboolean vm_spool_move(const char *box_dir, VmFolder from, guint index, VmFolder to,
                       guint maxmsg, guint *new_index, GError **error);
/* Writes `audio` as box_dir/<name>.wav (greetings, the name), atomically. */
gboolean vm_spool_install_file(const char *audio, const char *dst, GError **error);

/* The start-up check of one box: appends what it found and did to
 * `report` (one line each); FALSE only on an I/O error. */
gboolean vm_spool_repair(const char *box_dir, GPtrArray *report, GError **error);

/* fsync of a file or folder by path. */
gboolean vm_spool_fsync_path(const char *path, GError **error);

G_END_DECLS
