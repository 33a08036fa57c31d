/* Carillon res_sip_pubsub - pubsub.conf: how long subscriptions last.
 *
 *   [general]          default_expires = 3600, min_expires = 60,
 *                      max_expires = 7200 (s), for every package
 *   [<package>]        the same keys for one event package ([dialog],
 *                      [presence], [message-summary])
 *
 * A package may bring its own values (presence asks for 600 s by
 * default); a [<package>] section overrides them.  The file is optional;
 * a broken one is refused with file:line and the old values stay.
 */
#include <string.h>
#include "pubsub_private.h"

static const PbxOption general_opts[] = {
    { "default_expires", PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, dflt), "3600", 1, 86400 },
    { "min_expires",     PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, min), "60", 1, 86400 },
    { "max_expires",     PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, max), "7200", 1, 604800 },
};

/* The same keys without defaults: 0 = not set in the section. */
static const PbxOption package_opts[] = {
    { "default_expires", PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, dflt), NULL, 0, 86400 },
    { "min_expires",     PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, min), NULL, 0, 86400 },
    { "max_expires",     PBX_OPT_UINT, G_STRUCT_OFFSET(ExpiryConf, max), NULL, 0, 604800 },
};

static gboolean
check_order(const PbxConfig *cfg, const char *section, const ExpiryConf *e, GError **error)
{
    if ((e->min && e->max && e->min > e->max) || (e->dflt && e->max && e->dflt > e->max)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, NULL,
                             "need min_expires <= default_expires <= max_expires");
        return FALSE;
    }
    return TRUE;
}

gboolean
conf_check(const PbxConfig *cfg, GError **error)
{
    const char *const *sections = pbx_config_get_sections(cfg);

    for (guint i = 0; sections && sections[i]; i++) {
        ExpiryConf e = { 0 };
        const PbxOption *opts = g_str_equal(sections[i], "general") ? general_opts
                                                                     : package_opts;
        if (!pbx_config_apply(cfg, sections[i], opts, G_N_ELEMENTS(general_opts), &e, FALSE,
                              error)
            || !check_order(cfg, sections[i], &e, error))
            return FALSE;
    }
    return TRUE;
}

/* pubsub.conf, checked; NULL with error set when broken.  A missing file
 * is an empty configuration. */
PbxConfig *
conf_load(GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(PbxConfig) cfg = pbx_core_load_config("pubsub.conf", &local);

    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    if (!cfg)
        cfg = pbx_config_load_data("pubsub.conf", "", 0, NULL);
    if (!conf_check(cfg, error))
        return NULL;
    return g_steal_pointer(&cfg);
}

static void
override(ExpiryConf *out, const ExpiryConf *with)
{
    if (with->dflt)
        out->dflt = with->dflt;
    if (with->min)
        out->min = with->min;
    if (with->max)
        out->max = with->max;
}

void
conf_expiry(const Package *p, ExpiryConf *out)
{
    ExpiryConf own = { p->pkg->default_expires, p->pkg->min_expires, p->pkg->max_expires };
    ExpiryConf section = { 0 };
    g_autofree char *name = g_ascii_strdown(p->pkg->name, -1);

    pbx_config_apply(pubsub.conf, "general", general_opts, G_N_ELEMENTS(general_opts), out,
                     FALSE, NULL);
    override(out, &own);
    pbx_config_apply(pubsub.conf, name, package_opts, G_N_ELEMENTS(package_opts), &section,
                     FALSE, NULL);
    override(out, &section);
    out->max = MAX(out->max, out->min);
    out->dflt = CLAMP(out->dflt, out->min, out->max);
}
