/* app_media - its configuration (see conf.h). */
#include <string.h>

#include "conf.h"

typedef struct {
    char *recordings_dir;
    gboolean allow_absolute_paths;
    char *tones;
    gint silence_threshold;
} RawConf;

#define OFF(f) G_STRUCT_OFFSET(RawConf, f)
/* silence_threshold's top is -1 dBm0: PbxOption reads min = max = 0 as
 * "no bound". */
static const PbxOption conf_opts[] = {
    /* key                     type            offset                     default       min  max */
    { "recordings_dir",       PBX_OPT_STRING, OFF(recordings_dir),       "recordings",   0,   0 },
    { "allow_absolute_paths", PBX_OPT_BOOL,   OFF(allow_absolute_paths), "no",           0,   0 },
    { "tones",                PBX_OPT_STRING, OFF(tones),                "us",           0,   0 },
    { "silence_threshold",    PBX_OPT_INT,    OFF(silence_threshold),    "-40",        -90,  -1 },
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
    if (ok) {
        conf->recordings_dir = g_canonicalize_filename(raw.recordings_dir,
                                                       pbx_core_get_var_dir());
        conf->allow_absolute_paths = raw.allow_absolute_paths;
        conf->tones = tone_plan_find(raw.tones);
        conf->silence_threshold = raw.silence_threshold;
    }
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
    g_clear_pointer(&conf->recordings_dir, g_free);
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
