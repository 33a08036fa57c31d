/* app_media - a dialplan call waiting on an audio task (see app.h). */
#include <string.h>

#include <lua.h>

#include "app.h"

static GQueue live = G_QUEUE_INIT;
static PbxModule *owner;
static gboolean unloading;

void
media_apps_init(PbxModule *self)
{
    owner = self;
    unloading = FALSE;
}

guint
media_apps_count(void)
{
    return live.length;
}

void
media_app_init(MediaApp *app, const MediaAppClass *klass, PbxChannel *chan,
               const char *terminators)
{
    app->klass = klass;
    app->chan = pbx_channel_ref(chan);
    g_strlcpy(app->terminators, terminators, sizeof app->terminators);
    app->link.data = app;
}

void
media_app_free(MediaApp *app)
{
    if (app->live) {
        g_queue_unlink(&live, &app->link);
        if (owner)
            pbx_module_unuse(owner);
    }
    pbx_channel_unref(app->chan);
    g_free(app->fail_message);
    app->klass->free(app);
}

void
media_app_set_fail(MediaApp *app, const char *code, const char *message)
{
    app->fail = code;
    g_free(app->fail_message);
    app->fail_message = g_strdup(message);
}

/* Why nothing can start now: the module is going or the caller hung up. */
static gboolean
refused(MediaApp *app)
{
    if (unloading)
        media_app_set_fail(app, "unloaded", "app_media is unloading");
    else if (pbx_channel_get_state(app->chan) == PBX_CHANNEL_HANGUP)
        media_app_set_fail(app, "hangup", NULL);
    return app->fail != NULL;
}

gboolean
media_app_begin(lua_State *L, MediaApp *app)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (refused(app))
        return FALSE;
    app->call = pbx_dialplan_get_running_call(L);
    app->live = TRUE;
    g_queue_push_tail_link(&live, &app->link);
    if (owner)
        pbx_module_use(owner);
    return TRUE;
}

static gboolean
app_dtmf(PbxAudioTask *task, char digit, gpointer data)
{
    MediaApp *app = data;

    return strchr(app->terminators, digit) != NULL;
}

static void
app_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    MediaApp *app = data;

    app->running = FALSE;
    app->end = end;
    app->digit = digit;
    if (app->klass->ended)
        app->klass->ended(app);
    else
        media_app_wake(app);
}

gboolean
media_app_start(MediaApp *app)
{
    g_autoptr(GError) error = NULL;
    PbxAudioTask *t;

    PBX_ASSERT_MAIN_CONTEXT();
    if (refused(app))
        return FALSE;
    t = pbx_audio_task_start(app->chan, &app->klass->port, app, app_dtmf, app_done, app,
                             &error);
    if (!t) {
        media_app_set_fail(app, "state", error->message);
        return FALSE;
    }
    g_atomic_pointer_set(&app->task, t);
    app->running = TRUE;
    return TRUE;
}

int
media_app_push_fail(MediaApp *app, lua_State *T)
{
    lua_pushnil(T);
    lua_pushstring(T, app->fail_message ? app->fail_message : app->fail);
    if (!app->fail_message)
        return 2;
    lua_pushstring(T, app->fail);
    return 3;
}

int
media_app_run(lua_State *L, MediaApp *app)
{
    int n;

    if (media_app_begin(L, app) && media_app_start(app))
        return pbx_dialplan_yield(L);
    n = media_app_push_fail(app, L);
    media_app_free(app);
    return n;
}

/* The dialplan lets go of its calls when it shuts down, before the
 * modules unload: a call it no longer runs is not ours to resume. */
static gboolean
call_waiting(const MediaApp *app)
{
    return app->call && pbx_channel_get_dialplan_data(app->chan) == (gpointer) app->call;
}

void
media_app_wake(MediaApp *app)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (call_waiting(app)) {
        lua_State *T = pbx_dialplan_call_get_thread(app->call);
        pbx_dialplan_wake(app->call, app->klass->push(app, T));
    }
    media_app_free(app);
}

/* An end other than the port's completion or a digit is a failure. */
static void
fail_from_end(MediaApp *app)
{
    switch (app->end) {
    case PBX_AUDIO_TASK_HANGUP:
        media_app_set_fail(app, "hangup", NULL);
        break;
    case PBX_AUDIO_TASK_LOST:
        media_app_set_fail(app, "lost", "the call's media was taken away (bridged)");
        break;
    case PBX_AUDIO_TASK_STOPPED:
        media_app_set_fail(app, "unloaded", "app_media was unloaded");
        break;
    case PBX_AUDIO_TASK_COMPLETE:
    case PBX_AUDIO_TASK_DTMF:
        break;
    }
}

int
media_app_push_end(MediaApp *app, lua_State *T)
{
    if (!app->fail)
        fail_from_end(app);
    if (app->fail)
        return media_app_push_fail(app, T);
    lua_pushboolean(T, TRUE);
    if (app->end != PBX_AUDIO_TASK_DTMF)
        return 1;
    lua_pushlstring(T, &app->digit, 1);
    return 2;
}

/* ---------------------------------------------------------- media thread */

void
media_app_port_done(MediaApp *app)
{
    app->port_done = TRUE;
    media_app_port_tick(app);
}

void
media_app_port_tick(MediaApp *app)
{
    PbxAudioTask *t;

    if (!app->port_done || app->port_completed)
        return;
    t = g_atomic_pointer_get(&app->task);
    if (!t)
        return;             /* its start has not returned yet: next tick */
    app->port_completed = TRUE;
    pbx_audio_task_complete(t);
}

/* ---------------------------------------------------------- unloading */

static gboolean
deadline_passed(gpointer data)
{
    *(gboolean *) data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main context until the last app is freed (their ports come
 * back from the media workers, recordings from the writer) or timeout. */
static gboolean
wait_for_apps(guint timeout_ms)
{
    gboolean late = FALSE;
    guint timer = g_timeout_add(timeout_ms, deadline_passed, &late);

    while (live.length > 0 && !late)
        g_main_context_iteration(NULL, TRUE);
    if (!late)
        g_source_remove(timer);
    return live.length == 0;
}

gboolean
media_apps_shutdown(guint timeout_ms)
{
    PBX_ASSERT_MAIN_CONTEXT();
    unloading = TRUE;
    for (GList *l = live.head, *next; l; l = next) {
        MediaApp *app = l->data;

        next = l->next;
        if (app->running)
            pbx_audio_task_stop(app->task);
    }
    return wait_for_apps(timeout_ms);
}
