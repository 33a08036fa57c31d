/* app_voicemail - PIN checks with a lockout (vm_login.h). */
#include <string.h>

#include "vm_login.h"

typedef struct {
    guint failures;             /* wrong PINs in a row */
    gint64 locked_until;        /* s; 0 not locked */
} LoginState;

struct _VmLogins {
    GHashTable *boxes;          /* box id -> LoginState* */
};

VmLogins *
vm_logins_new(void)
{
    VmLogins *l = g_new0(VmLogins, 1);

    l->boxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return l;
}

void
vm_logins_free(VmLogins *logins)
{
    if (!logins)
        return;
    g_hash_table_unref(logins->boxes);
    g_free(logins);
}

static LoginState *
state_of(VmLogins *logins, const char *box_id)
{
    LoginState *st = g_hash_table_lookup(logins->boxes, box_id);

    if (!st) {
        st = g_new0(LoginState, 1);
        g_hash_table_insert(logins->boxes, g_strdup(box_id), st);
    }
    return st;
}

static VmLoginResult
failed(LoginState *st, gint64 now, guint maxlogins, guint lockout, gboolean locked)
{
    st->failures++;
    if (locked || (maxlogins > 0 && st->failures >= maxlogins)) {
        st->locked_until = now + lockout;
        return VM_LOGIN_LOCKED;
    }
    return VM_LOGIN_WRONG;
}

VmLoginResult
vm_logins_check(VmLogins *logins, const char *box_id, gboolean pin_ok, gint64 now,
                guint maxlogins, guint lockout)
{
    LoginState *st = state_of(logins, box_id);
    gboolean locked = st->locked_until > now;

    if (!locked && st->locked_until) {
        st->locked_until = 0;   /* the lockout is over: a fresh start */
        st->failures = 0;
    }
    if (!pin_ok)
        return failed(st, now, maxlogins, lockout, locked);
    if (locked)
        return VM_LOGIN_LOCKED;
    st->failures = 0;
    return VM_LOGIN_OK;
}

gboolean
vm_pin_equal(const char *expected, const char *given)
{
    gsize n = strlen(expected);
    guchar diff = 0;

    if (n == 0 || strlen(given) != n)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        diff |= (guchar) (expected[i] ^ given[i]);
    return diff == 0;
}
