/* Carillon - daemon-wide facts: directories, uptime, config loading. */
#include <string.h>

#include "core_private.h"

static PbxPaths paths;
static gint64 started_at;
static gint64 reloaded_at;

void
pbx_paths_clear(PbxPaths *p)
{
    g_clear_pointer(&p->config_dir, g_free);
    g_clear_pointer(&p->var_dir, g_free);
    g_clear_pointer(&p->run_dir, g_free);
    g_clear_pointer(&p->modules_path, g_free);
    g_clear_pointer(&p->control_socket, g_free);
    g_clear_pointer(&p->control_group, g_free);
    g_clear_pointer(&p->sounds_dir, g_free);
    g_clear_pointer(&p->language, g_free);
}

void
pbx_paths_set(PbxPaths *p)
{
    pbx_paths_clear(&paths);
    paths = *p;
    memset(p, 0, sizeof(*p));
}

void
pbx_paths_reload(PbxPaths *fresh)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_free(paths.sounds_dir);
    paths.sounds_dir = g_steal_pointer(&fresh->sounds_dir);
    g_free(paths.language);
    paths.language = g_steal_pointer(&fresh->language);
}

const PbxPaths *
pbx_paths_get(void)
{
    return &paths;
}

const char *
pbx_core_get_config_dir(void)
{
    return paths.config_dir ? paths.config_dir : PBX_DEFAULT_CONFIG_DIR;
}

const char *
pbx_core_get_var_dir(void)
{
    return paths.var_dir ? paths.var_dir : PBX_DEFAULT_VAR_DIR;
}

const char *
pbx_core_get_run_dir(void)
{
    return paths.run_dir ? paths.run_dir : PBX_DEFAULT_RUN_DIR;
}

const char *
pbx_core_get_modules_dir(void)
{
    return paths.modules_path ? paths.modules_path : PBX_DEFAULT_MODULES_DIR;
}

const char *
pbx_core_get_sounds_dir(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return paths.sounds_dir ? paths.sounds_dir : PBX_DEFAULT_SOUNDS_DIR;
}

const char *
pbx_core_get_language(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return paths.language ? paths.language : "en";
}

gboolean
pbx_core_language_is_valid(const char *language)
{
    gsize n = language ? strlen(language) : 0;

    if (n == 0 || n > 32)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isalnum(language[i]) && language[i] != '_' && language[i] != '-')
            return FALSE;
    }
    return TRUE;
}

void
pbx_core_mark_started(void)
{
    started_at = reloaded_at = g_get_monotonic_time();
}

void
pbx_core_mark_reloaded(void)
{
    reloaded_at = g_get_monotonic_time();
}

gint64
pbx_core_get_uptime(void)
{
    return started_at ? (g_get_monotonic_time() - started_at) / G_USEC_PER_SEC : 0;
}

gint64
pbx_core_get_reload_age(void)
{
    return reloaded_at ? (g_get_monotonic_time() - reloaded_at) / G_USEC_PER_SEC : 0;
}

PbxConfig *
pbx_core_load_config(const char *filename, GError **error)
{
    g_autofree char *path = g_build_filename(pbx_core_get_config_dir(),
                                             filename, NULL);
    return pbx_config_load_file(path, error);
}
