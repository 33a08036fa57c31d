/* res_sounds - its settings: sounds.conf [general] (optional) and the
 * core's carillon.conf [general] sounds_dir and language. */
#include "sounds_private.h"

/* One key: name, type, field of SoundsConf, default, range. */
#define OPT(name, type, field, def, min, max) \
    { name, type, G_STRUCT_OFFSET(SoundsConf, field), def, min, max }

static const PbxOption conf_opts[] = {
    OPT("cache_max_kb",   PBX_OPT_UINT, cache_max_kb,   "65536", 0, 16777216),
    OPT("max_seconds",    PBX_OPT_UINT, max_seconds,    "600",   1, 3600),
    OPT("loader_threads", PBX_OPT_UINT, loader_threads, "2",     1, 16),
};

void
sounds_conf_free(SoundsConf *conf)
{
    if (!conf)
        return;
    g_free(conf->sounds_dir);
    g_free(conf->language);
    g_free(conf);
}

SoundsConf *
sounds_conf_parse(const PbxConfig *cfg, const char *sounds_dir, const char *language,
                  GError **error)
{
    g_autoptr(SoundsConf) conf = g_new0(SoundsConf, 1);

    if (!pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts), conf,
                          FALSE, error))
        return NULL;
    conf->sounds_dir = g_strdup(sounds_dir);
    conf->language = g_strdup(language);
    return g_steal_pointer(&conf);
}

SoundsConf *
sounds_conf_load(GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    cfg = pbx_core_load_config("sounds.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    return sounds_conf_parse(cfg, pbx_core_get_sounds_dir(), pbx_core_get_language(),
                             error);
}
