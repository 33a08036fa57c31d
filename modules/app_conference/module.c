/* app_conference - conference rooms for the dialplan:
 * call:conference(room, opts), the `conference` CLI commands and the
 * conference/join, conference/leave, conference/end events.  See
 * README.md; the mixer's design is in mixer.h. */
#include "conference.h"

/* How long an unload waits for the media threads to let go of the ports
 * of the rooms it ended. */
#define DRAIN_MS 2000

ConfApp conf_app;

void
conf_app_start(PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    conf_app.module = self;
    conf_app.log = pbx_log_domain("conference");
    conf_app.timers = pbx_timers_new("app_conference");
    conf_app.rooms = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&conf_app.seats);
    conf_tones_init();
}

static gboolean
tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* Runs the main context until every seat is gone: their ports' `done`
 * comes back from the media threads, and must run while this module's
 * code is still there.  Bounded: a stuck worker costs DRAIN_MS. */
static void
drain(void)
{
    gint64 deadline = g_get_monotonic_time() + DRAIN_MS * 1000;
    guint wakeup = g_timeout_add(10, tick, NULL);

    while (conf_app.seats.length > 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(wakeup);
    if (conf_app.seats.length > 0)
        pbx_warning(conf_app.log, "%u conference seats still held by media threads",
                    conf_app.seats.length);
}

/* Ends every room (everyone leaves with "ended"), refuses the calls on
 * their way in, and waits for the media threads to let go. */
void
conf_app_stop(void)
{
    g_autoptr(GPtrArray) rooms = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    rooms = conf_room_list();
    for (guint i = 0; i < rooms->len; i++)
        conf_room_end(rooms->pdata[i], "unloaded");
    for (GList *l = conf_app.seats.head, *next; l; l = next) {
        ConfSeat *seat = l->data;
        next = l->next;
        if (!seat->finished)                /* answering or taking the PIN */
            conf_seat_abort(seat, "the conference module was unloaded");
    }
    drain();
    g_clear_pointer(&conf_app.rooms, g_hash_table_unref);
    g_clear_pointer(&conf_app.timers, pbx_timers_free);
    conf_tones_clear();
    conf_app.module = NULL;
}

/* The method and the commands go with the module (the core undoes
 * them, also after a failed load). */
static gboolean
conference_load(PbxModule *self, GError **error)
{
    conf_app_start(self);
    if (conf_method_register(self, error) && conf_cli_register(self, error))
        return TRUE;
    conf_app_stop();
    return FALSE;
}

static void
conference_unload(PbxModule *self)
{
    conf_app_stop();
}

PBX_MODULE_DEFINE("app_conference",
                  "Conference rooms: call:conference(), mixing on the media workers",
                  .load = conference_load,
                  .unload = conference_unload);
