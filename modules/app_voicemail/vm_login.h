/* app_voicemail - PIN checks with a lockout.
 *
 * Each box counts the wrong PINs given for it in a row (any caller, any
 * call).  The `maxlogins`-th one locks the box for `lockout` seconds:
 * until then every login is refused, the right PIN too, and a wrong one
 * starts the lockout over.  A right PIN outside a lockout clears the
 * count.  maxlogins 0: no lockout.
 *
 * Thread affinity: none (the module keeps one table on the main context).
 */
#pragma once

#include <glib.h>

typedef enum {
    VM_LOGIN_OK,
    VM_LOGIN_WRONG,
    VM_LOGIN_LOCKED,
} VmLoginResult;

typedef struct _VmLogins VmLogins;

VmLogins *vm_logins_new(void);
void vm_logins_free(VmLogins *logins);
/* `now` in seconds (monotonic). */
VmLoginResult vm_logins_check(VmLogins *logins, const char *box_id, gboolean pin_ok,
                              gint64 now, guint maxlogins, guint lockout);
/* Constant-time comparison of two PINs ("" never matches). */
gboolean vm_pin_equal(const char *expected, const char *given);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmLogins, vm_logins_free)
