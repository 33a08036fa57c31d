/* app_playback - prompts for the dialplan: call:play(), call:say_digits(),
 * call:say_number(), call:read_digits().  See README.md. */
#include "app_playback.h"

PbxModule *app_playback_module;
const SoundsApi *app_playback_sounds;
PbxTimers *app_playback_timers;
PbxLogDomain *app_playback_log;
gboolean app_playback_unloading;

/* How long unloading waits for the media threads to let go of the ports
 * of the playbacks it stopped (they answer within a tick or two). */
#define DRAIN_LIMIT_US (5 * G_USEC_PER_SEC)

static gboolean
keep_ticking(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* Runs the main loop until every stopped playback's port is released:
 * a released port calls this module's code, so the module cannot go
 * before.  Bounded; a tick source keeps the loop from blocking forever
 * when nothing else is pending. */
static void
drain_playbacks(void)
{
    gint64 deadline = g_get_monotonic_time() + DRAIN_LIMIT_US;
    guint tick;

    if (playback_count() == 0)
        return;
    tick = g_timeout_add(20, keep_ticking, NULL);
    while (playback_count() > 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(tick);
    if (playback_count() > 0)
        pbx_error(app_playback_log, "%u playbacks still hold a port after %d s",
                  playback_count(), (int) (DRAIN_LIMIT_US / G_USEC_PER_SEC));
}

static gboolean
playback_load(PbxModule *self, GError **error)
{
    app_playback_module = self;
    app_playback_log = pbx_log_domain("playback");
    app_playback_unloading = FALSE;
    app_playback_sounds = sounds_api_get(self, error);
    if (!app_playback_sounds)
        return FALSE;
    if (!app_playback_register_methods(self, error) || !app_playback_register_cli(self, error))
        return FALSE;
    app_playback_timers = pbx_timers_new("app_playback");
    app_playback_register_announcer(self);          /* announce.c */
    return TRUE;
}

/* Calls still waiting in a method are woken (nil, "app_playback is
 * unloading", "stopped"); their playbacks are stopped and their ports
 * waited for. */
static void
playback_unload(PbxModule *self)
{
    app_playback_unloading = TRUE;
    reader_stop_all();
    playback_stop_all();
    drain_playbacks();
    g_clear_pointer(&app_playback_timers, pbx_timers_free);
    app_playback_sounds = NULL;
}

PBX_MODULE_DEFINE("app_playback", "Prompts, digits and numbers for the dialplan",
                  .requires = PBX_REQUIRES("res_sounds"),
                  .load = playback_load,
                  .unload = playback_unload);
