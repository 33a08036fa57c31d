/* Carillon res_sip - sip.conf [limits]: keys, defaults and checks.
 * See sip_limits.h and the res_sip README for what each key does. */
#include <string.h>
#include <arpa/inet.h>
#include "sip_limits.h"

#define SECTION "limits"

typedef struct {
    guint rate, burst, rate_block_time, retry_after, max_sources;
    guint max_transactions_per_source, max_dialogs_per_source, max_dialogs;
    char *rate_answer, *busy_answer;
    char **exempt;
} LimitsOptions;

#define LOPT(name, type, field, def, min, max) \
    { name, type, G_STRUCT_OFFSET(LimitsOptions, field), def, min, max }

static const PbxOption options[] = {
    LOPT("rate",                        PBX_OPT_UINT, rate, "30", 0, 1000000),
    LOPT("burst",                       PBX_OPT_UINT, burst, "100", 1, 1000000),
    LOPT("rate_block_time",             PBX_OPT_UINT, rate_block_time, "60", 1, 86400),
    LOPT("rate_answer",                 PBX_OPT_STRING, rate_answer, "silence", 0, 0),
    LOPT("max_transactions_per_source", PBX_OPT_UINT, max_transactions_per_source, "50",
         1, 10000000),
    LOPT("max_dialogs_per_source",      PBX_OPT_UINT, max_dialogs_per_source, "100", 1, 10000000),
    LOPT("max_dialogs",                 PBX_OPT_UINT, max_dialogs, "10000", 1, 10000000),
    LOPT("busy_answer",                 PBX_OPT_STRING, busy_answer, "503", 0, 0),
    LOPT("retry_after",                 PBX_OPT_UINT, retry_after, "30", 1, 86400),
    LOPT("max_sources",                 PBX_OPT_UINT, max_sources, "65536", 16, 10000000),
    LOPT("exempt",                      PBX_OPT_STRV, exempt, "127.0.0.1, ::1", 0, 0),
};

gboolean
sip_limits_parse_prefix(const char *text, guint8 *len, guint8 bytes[16], guint *prefix)
{
    g_autofree char *addr = g_strstrip(g_strdup(text));
    char *slash = strchr(addr, '/');
    gint64 n = -1;

    if (slash) {
        char *end;
        *slash++ = '\0';
        n = g_ascii_strtoll(slash, &end, 10);
        if (!*slash || *end || n < 0)
            return FALSE;
    }
    memset(bytes, 0, 16);
    if (inet_pton(AF_INET, addr, bytes) == 1)
        *len = 4;
    else if (inet_pton(AF_INET6, addr, bytes) == 1)
        *len = 16;
    else
        return FALSE;
    if (n > *len * 8)
        return FALSE;
    *prefix = n < 0 ? *len * 8u : (guint) n;
    return TRUE;
}

/* "503" or "silence" into *silent. */
static gboolean
parse_answer(const PbxConfig *cfg, const char *key, const char *value, gboolean *silent,
             GError **error)
{
    if (g_ascii_strcasecmp(value, "silence") == 0 || g_ascii_strcasecmp(value, "503") == 0) {
        *silent = g_ascii_strcasecmp(value, "silence") == 0;
        return TRUE;
    }
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, SECTION, key,
                         "'%s' is not 503 or silence", value);
    return FALSE;
}

static gboolean
check_exempt(const PbxConfig *cfg, char **list, GError **error)
{
    for (guint i = 0; list && list[i]; i++) {
        guint8 len, bytes[16];
        guint prefix;
        if (!sip_limits_parse_prefix(list[i], &len, bytes, &prefix)) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, SECTION, "exempt",
                                 "'%s' is not ADDRESS or ADDRESS/PREFIX", list[i]);
            return FALSE;
        }
    }
    return TRUE;
}

static void
copy_out(const LimitsOptions *o, SipLimitsConf *out)
{
    out->rate = o->rate;
    out->burst = o->burst;
    out->rate_block_time = o->rate_block_time;
    out->max_transactions_per_source = o->max_transactions_per_source;
    out->max_dialogs_per_source = o->max_dialogs_per_source;
    out->max_dialogs = o->max_dialogs;
    out->retry_after = o->retry_after;
    out->max_sources = o->max_sources;
    out->exempt = g_strdupv(o->exempt);
}

gboolean
sip_limits_conf_parse(const PbxConfig *cfg, SipLimitsConf *out, GError **error)
{
    LimitsOptions o = { 0 };
    gboolean ok = FALSE;

    memset(out, 0, sizeof(*out));
    if (!pbx_config_apply(cfg, SECTION, options, G_N_ELEMENTS(options), &o, FALSE, error))
        goto done;
    if (!parse_answer(cfg, "rate_answer", o.rate_answer, &out->rate_silent, error)
        || !parse_answer(cfg, "busy_answer", o.busy_answer, &out->busy_silent, error)
        || !check_exempt(cfg, o.exempt, error))
        goto done;
    copy_out(&o, out);
    ok = TRUE;
done:
    pbx_config_options_clear(options, G_N_ELEMENTS(options), &o);
    return ok;
}

void
sip_limits_conf_clear(SipLimitsConf *conf)
{
    g_clear_pointer(&conf->exempt, g_strfreev);
}
