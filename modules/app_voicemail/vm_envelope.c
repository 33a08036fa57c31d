/* app_voicemail - the .txt envelope of a message, in Asterisk's format:
 *
 *     ;
 *     ; Message Information file
 *     ;
 *     [message]
 *     origmailbox=1001
 *     context=office
 *     ...
 *     duration=7
 *
 * Parsed with the core's INI reader, so a damaged envelope is a
 * file:line error. */
#include <carillon/carillon.h>

#include "vm_spool.h"

void
vm_envelope_clear(VmEnvelope *env)
{
    g_clear_pointer(&env->origmailbox, g_free);
    g_clear_pointer(&env->context, g_free);
    g_clear_pointer(&env->exten, g_free);
    g_clear_pointer(&env->callerchan, g_free);
    g_clear_pointer(&env->callerid, g_free);
    g_clear_pointer(&env->msg_id, g_free);
    g_clear_pointer(&env->flag, g_free);
    env->origtime = 0;
    env->duration = 0;
}

/* A value on one line, without `;` (a comment in the INI reader). */
static void
append_value(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, "%s=", key);
    for (const char *p = value ? value : ""; *p; p++)
        g_string_append_c(s, (*p == '\n' || *p == '\r' || *p == ';') ? ' ' : *p);
    g_string_append_c(s, '\n');
}

static char *
format_date(gint64 t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

    return dt ? g_date_time_format(dt, "%a %b %e %I:%M:%S %p UTC %Y") : g_strdup("");
}

char *
vm_envelope_format(const VmEnvelope *env)
{
    GString *s = g_string_new(";\n; Message Information file\n;\n[message]\n");
    g_autofree char *date = format_date(env->origtime);

    append_value(s, "origmailbox", env->origmailbox);
    append_value(s, "context", env->context);
    append_value(s, "macrocontext", "");
    append_value(s, "exten", env->exten);
    append_value(s, "rdnis", "unknown");
    append_value(s, "priority", "1");
    append_value(s, "callerchan", env->callerchan);
    append_value(s, "callerid", env->callerid);
    append_value(s, "origdate", date);
    g_string_append_printf(s, "origtime=%" G_GINT64_FORMAT "\n", env->origtime);
    append_value(s, "category", "");
    append_value(s, "msg_id", env->msg_id);
    append_value(s, "flag", env->flag);
    g_string_append_printf(s, "duration=%u\n", env->duration);
    return g_string_free(s, FALSE);
}

static char *
dup_key(const PbxConfig *cfg, const char *key)
{
    const char *v = pbx_config_get(cfg, "message", key);

    return g_strdup(v ? v : "");
}

static gboolean
parse_numbers(const PbxConfig *cfg, VmEnvelope *env, GError **error)
{
    const char *t = pbx_config_get(cfg, "message", "origtime");
    const char *d = pbx_config_get(cfg, "message", "duration");
    guint64 v;

    if (t && !g_ascii_string_to_unsigned(t, 10, 0, G_MAXINT64, &v, NULL)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "message", "origtime",
                             "not a time: \"%s\"", t);
        return FALSE;
    }
    env->origtime = t ? (gint64) v : 0;
    if (d && !g_ascii_string_to_unsigned(d, 10, 0, 86400, &v, NULL)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "message", "duration",
                             "not a duration: \"%s\"", d);
        return FALSE;
    }
    env->duration = d ? (guint) v : 0;
    return TRUE;
}

gboolean
vm_envelope_parse(const char *name, const char *text, gssize len, VmEnvelope *env,
                  GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_config_load_data(name, text, len, error);

    if (!cfg)
        return FALSE;
    if (!pbx_config_has_section(cfg, "message")) {
        g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_ENVELOPE, "%s: no [message] section",
                    name);
        return FALSE;
    }
    if (!parse_numbers(cfg, env, error))
        return FALSE;
    env->origmailbox = dup_key(cfg, "origmailbox");
    env->context = dup_key(cfg, "context");
    env->exten = dup_key(cfg, "exten");
    env->callerchan = dup_key(cfg, "callerchan");
    env->callerid = dup_key(cfg, "callerid");
    env->msg_id = dup_key(cfg, "msg_id");
    env->flag = dup_key(cfg, "flag");
    return TRUE;
}

gboolean
vm_envelope_load(const char *path, VmEnvelope *env, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *name = g_path_get_basename(path);
    gsize len;

    if (!g_file_get_contents(path, &text, &len, error))
        return FALSE;
    return vm_envelope_parse(name, text, (gssize) len, env, error);
}

char *
vm_envelope_new_id(void)
{
    return g_strdup_printf("%" G_GINT64_FORMAT "-%08x", g_get_real_time() / G_USEC_PER_SEC,
                           g_random_int());
}
