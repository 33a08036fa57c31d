/* app_voicemail - one mailbox line of voicemail.conf:
 *
 *     1001 => 1234,Alice Anders,alice@example.com,pager@example.com,attach=yes|delete=no
 *
 * PIN (digits; "-1234" when the owner may not change it), full name,
 * email, pager email, then options `key=value` separated by `|` (or `,`
 * as newer Asterisk versions write them). */
#include "vm_conf.h"

static gboolean
parse_pin(VmBox *box, const char *pin, char **why)
{
    if (*pin == '-') {
        box->pin_fixed = TRUE;
        pin++;
    }
    if (strlen(pin) > 16) {
        *why = g_strdup("the PIN is longer than 16 digits");
        return FALSE;
    }
    for (const char *p = pin; *p; p++)
        if (!g_ascii_isdigit(*p)) {
            *why = g_strdup_printf("the PIN \"%s\" is not digits", pin);
            return FALSE;
        }
    box->pin = g_strdup(pin);
    return TRUE;
}

static gboolean
parse_uint_option(const char *key, const char *value, guint max, guint *out, char **why)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(value, 10, 1, max, &v, NULL)) {
        *why = g_strdup_printf("option %s: \"%s\" is not a number in 1..%u", key, value, max);
        return FALSE;
    }
    *out = (guint) v;
    return TRUE;
}

static gboolean
parse_bool_option(const char *key, const char *value, gboolean *out, char **why)
{
    if (pbx_config_parse_bool(value, out))
        return TRUE;
    *why = g_strdup_printf("option %s: \"%s\" is not yes or no", key, value);
    return FALSE;
}

static gboolean
parse_option(VmBox *box, const char *key, const char *value, char **why)
{
    if (g_ascii_strcasecmp(key, "attach") == 0)
        return parse_bool_option(key, value, &box->attach, why);
    if (g_ascii_strcasecmp(key, "delete") == 0
        || g_ascii_strcasecmp(key, "deletevoicemail") == 0) {
        if (!parse_bool_option(key, value, &box->delete_after, why))
            return FALSE;
        if (box->delete_after)
            *why = g_strdup("delete=yes is not supported yet (messages are kept)");
        return !box->delete_after;
    }
    if (g_ascii_strcasecmp(key, "maxmsg") == 0)
        return parse_uint_option(key, value, 9999, &box->maxmsg, why);
    if (g_ascii_strcasecmp(key, "maxsecs") == 0
        || g_ascii_strcasecmp(key, "maxmessage") == 0)
        return parse_uint_option(key, value, 3600, &box->maxsecs, why);
    *why = g_strdup_printf("option %s is not supported", key);
    return FALSE;
}

static gboolean
parse_options(VmBox *box, const char *text, char **why)
{
    g_auto(GStrv) opts = g_strsplit_set(text, "|,", -1);

    for (char **o = opts; *o; o++) {
        char *eq;

        g_strstrip(*o);
        if (!**o)
            continue;
        eq = strchr(*o, '=');
        if (!eq) {
            *why = g_strdup_printf("option \"%s\" has no value (key=value)", *o);
            return FALSE;
        }
        *eq = '\0';
        if (!parse_option(box, g_strstrip(*o), g_strstrip(eq + 1), why))
            return FALSE;
    }
    return TRUE;
}

static gboolean
plausible_email(const char *s)
{
    const char *at = strchr(s, '@');

    if (!*s)
        return TRUE;
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return FALSE;
    for (; *s; s++)
        if (g_ascii_isspace(*s) || *s == '<' || *s == '>' || *s == '"' || (guchar) *s < 32)
            return FALSE;
    return TRUE;
}

static gboolean
parse_fields(VmBox *box, char **f, char **why)
{
    if (!parse_pin(box, g_strstrip(f[0]), why))
        return FALSE;
    box->fullname = g_strdup(f[1] ? g_strstrip(f[1]) : "");
    box->email = g_strdup(f[1] && f[2] ? g_strstrip(f[2]) : "");
    box->pager = g_strdup(f[1] && f[2] && f[3] ? g_strstrip(f[3]) : "");
    if (!plausible_email(box->email) || !plausible_email(box->pager)) {
        *why = g_strdup_printf("\"%s\" is not an email address",
                               plausible_email(box->email) ? box->pager : box->email);
        return FALSE;
    }
    return !(f[1] && f[2] && f[3] && f[4]) || parse_options(box, f[4], why);
}

gboolean
vm_box_parse_value(VmBox *box, const char *value, char **why)
{
    g_auto(GStrv) f = g_strsplit(value ? value : "", ",", 5);

    if (!f[0] || !*g_strstrip(f[0])) {
        *why = g_strdup("no PIN (1001 => PIN,Full Name,email,pager,options)");
        return FALSE;
    }
    for (char **p = f; *p; p++)
        if (strchr(*p, '\n') || strchr(*p, '\r')) {
            *why = g_strdup("a field holds a line break");
            return FALSE;
        }
    return parse_fields(box, f, why);
}

void
vm_box_free(VmBox *box)
{
    if (!box)
        return;
    g_free(box->id);
    g_free(box->number);
    g_free(box->context);
    g_free(box->pin);
    g_free(box->fullname);
    g_free(box->email);
    g_free(box->pager);
    g_free(box);
}
