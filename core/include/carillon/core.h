/* Carillon - daemon-wide facts: directories, version, uptime, stopping. */
#pragma once

#include <carillon/defs.h>
#include <carillon/config.h>

G_BEGIN_DECLS

PBX_API const char *pbx_core_get_config_dir(void);
PBX_API const char *pbx_core_get_var_dir(void);
PBX_API const char *pbx_core_get_run_dir(void);
PBX_API const char *pbx_core_get_modules_dir(void);
/* Seconds since the daemon started and since the last `core reload`. */
PBX_API gint64 pbx_core_get_uptime(void);
PBX_API gint64 pbx_core_get_reload_age(void);

/* Loads `<config dir>/<filename>`. */
PBX_API PbxConfig *pbx_core_load_config(const char *filename, GError **error);

/* Asks the main loop to stop; graceful waits for calls to end. */
PBX_API void pbx_core_request_stop(gboolean graceful);

/* Signalling state belongs to the main context; public entry points that
 * touch it assert so. */
#define PBX_ASSERT_MAIN_CONTEXT() \
    g_assert(g_main_context_is_owner(g_main_context_default()))

G_END_DECLS
