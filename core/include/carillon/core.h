/* Carillon - daemon-wide facts: directories, version, uptime, stopping.
 *
 * Thread affinity: pbx_core_request_stop(), pbx_core_get_sounds_dir()
 * and pbx_core_get_language() on the main context (asserted).  The rest
 * may be called from any thread: the other directories are set before
 * the first module loads and never change, and
 * pbx_core_load_config() shares no state (see carillon/config.h).
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/config.h>

G_BEGIN_DECLS

PBX_API const char *pbx_core_get_config_dir(void);
PBX_API const char *pbx_core_get_var_dir(void);
PBX_API const char *pbx_core_get_run_dir(void);
PBX_API const char *pbx_core_get_modules_dir(void);
/* carillon.conf [general] sounds_dir (default: where Debian's
 * asterisk-core-sounds-* packages put the prompts, or configure
 * --with-sounds-dir) and language (default "en"): prompts are
 * <sounds_dir>/<language>/<name>.wav, and a call's language is this one
 * unless the dialplan says otherwise.  `core reload` may change both:
 * the core re-reads carillon.conf before it reloads the modules, so a
 * module reads them again in its .reload. */
PBX_API const char *pbx_core_get_sounds_dir(void);
PBX_API const char *pbx_core_get_language(void);
/* TRUE for a language name: 1 to 32 of [A-Za-z0-9_-] ("en", "en_US",
 * "pt-BR"), so that it is one directory under sounds_dir.  Any thread. */
PBX_API gboolean pbx_core_language_is_valid(const char *language);

/* Seconds since the daemon started and since the last `core reload`. */
PBX_API gint64 pbx_core_get_uptime(void);
PBX_API gint64 pbx_core_get_reload_age(void);

/* Loads `<config dir>/<filename>`. */
PBX_API PbxConfig *pbx_core_load_config(const char *filename, GError **error);

/* Asks the main loop to stop; graceful waits for calls to end. */
PBX_API void pbx_core_request_stop(gboolean graceful);

/* Signalling state belongs to the main context (the GLib default
 * context, owned by the daemon's main thread from start-up to exit);
 * public entry points that touch it assert so.  A g_assert: compiled out
 * only with G_DISABLE_ASSERT, which no Carillon build defines.  Each
 * check is one g_main_context_is_owner() call (a mutex round trip), so it
 * belongs on signalling and control paths, never on per-RTP-packet ones.
 * A test that calls such functions owns the context first:
 * g_main_context_acquire(g_main_context_default()). */
#define PBX_ASSERT_MAIN_CONTEXT() \
    g_assert(g_main_context_is_owner(g_main_context_default()))

G_END_DECLS
