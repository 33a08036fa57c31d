/* app_media - its configuration (see conf.h). */
#include <string.h>

#include "conf.h"

typedef struct {
    char *tones;
} RawConf;

#define OFF(f) G_STRUCT_OFFSET(RawConf, f)
static const PbxOption conf_opts[] = {
    /* key                     type            offset                     default       min  max */
    { "tones",                PBX_OPT_STRING, OFF(tones),                "us",           0,   0 },
};

static MediaConf current;

gboolean
media_conf_apply(const PbxConfig *cfg, MediaConf *conf, GError **error)
{
    RawConf raw = { 0 };
    gboolean ok = pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts), &raw,
                                   FALSE, error);

    if (ok && !tone_plan_find(raw.tones)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general", "tones",
                             "unknown tone plan '%s' (us or eu)", raw.tones);
        ok = FALSE;
    }
    if (ok)
        conf->tones = tone_plan_find(raw.tones);
    pbx_config_options_clear(conf_opts, G_N_ELEMENTS(conf_opts), &raw);
    return ok;
}

gboolean
media_conf_load(MediaConf *conf, GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    cfg = pbx_core_load_config("app_media.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    return media_conf_apply(cfg, conf, error);
}

void
media_conf_clear(MediaConf *conf)
{
    memset(conf, 0, sizeof(*conf));
}

const MediaConf *
media_conf_get(void)
{
    return &current;
}

void
media_conf_set(MediaConf *conf)
{
    PBX_ASSERT_MAIN_CONTEXT();
    media_conf_clear(&current);
    current = *conf;
    memset(conf, 0, sizeof(*conf));
}
