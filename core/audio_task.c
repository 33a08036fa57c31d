/* Carillon - audio tasks: an application's port on a channel until it
 * completes, a digit or a hangup ends it, or it is stopped.  See
 * carillon/audio_task.h. */
#include <carillon/audio_task.h>

#include "calls_private.h"

struct _PbxAudioTask {
    gatomicrefcount refs;       /* the task itself + a completion in flight */
    PbxChannel *chan;
    guint watch;
    const PbxAudioPortFuncs *app;
    gpointer app_data;
    PbxAudioTaskDtmf dtmf;
    PbxAudioTaskDone done;
    gpointer data;
    gint completed;             /* atomic: pbx_audio_task_complete() was called */
    gboolean ending;
    PbxAudioTaskEnd end;
    char digit;
};

static void
task_unref(PbxAudioTask *t)
{
    if (!g_atomic_ref_count_dec(&t->refs))
        return;
    pbx_channel_unref(t->chan);
    g_free(t);
}

/* ---------------------------------------------------------- the port */

static gboolean
port_read(gpointer data, PbxAudioFrame *out)
{
    PbxAudioTask *t = data;

    return t->app->read && t->app->read(t->app_data, out);
}

static void
port_write(gpointer data, const PbxAudioFrame *in)
{
    PbxAudioTask *t = data;

    if (t->app->write)
        t->app->write(t->app_data, in);
}

/* The media thread let go: the task is over (LOST when nothing ended it
 * before: its media was bridged). */
static void
port_released(gpointer data)
{
    PbxAudioTask *t = data;

    if (!t->ending) {
        t->ending = TRUE;
        t->end = PBX_AUDIO_TASK_LOST;
    }
    if (t->watch)
        pbx_channel_unwatch(t->chan, t->watch);
    t->watch = 0;
    if (t->app->released)
        t->app->released(t->app_data);
    t->done(t, t->end, t->digit, t->data);
    task_unref(t);
}

static const PbxAudioPortFuncs task_port = {
    .read = port_read,
    .write = port_write,
    .released = port_released,
};

/* ---------------------------------------------------------- ending */

/* Detaches the port; port_released finishes the task. */
static void
finish(PbxAudioTask *t, PbxAudioTaskEnd end, char digit)
{
    if (t->ending)
        return;
    t->ending = TRUE;
    t->end = end;
    t->digit = digit;
    pbx_channel_unwatch(t->chan, t->watch);
    t->watch = 0;
    /* fails only when the leg is gone, which releases the port anyway */
    pbx_channel_set_audio_port(t->chan, NULL, NULL, NULL);
}

static void
chan_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail, gpointer data)
{
    PbxAudioTask *t = data;

    if (kind == PBX_CHANNEL_EVENT_HANGUP)
        finish(t, PBX_AUDIO_TASK_HANGUP, 0);
    else if (kind == PBX_CHANNEL_EVENT_DTMF && t->dtmf && t->dtmf(t, detail[0], t->data))
        finish(t, PBX_AUDIO_TASK_DTMF, detail[0]);
}

static gboolean
completed_on_main(gpointer data)
{
    finish(data, PBX_AUDIO_TASK_COMPLETE, 0);
    return G_SOURCE_REMOVE;
}

void
pbx_audio_task_complete(PbxAudioTask *t)
{
    if (!g_atomic_int_compare_and_exchange(&t->completed, 0, 1))
        return;
    g_atomic_ref_count_inc(&t->refs);
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, completed_on_main, t,
                               (GDestroyNotify) task_unref);
}

void
pbx_audio_task_stop(PbxAudioTask *t)
{
    PBX_ASSERT_MAIN_CONTEXT();
    finish(t, PBX_AUDIO_TASK_STOPPED, 0);
}

/* ---------------------------------------------------------- starting */

PbxAudioTask *
pbx_audio_task_start(PbxChannel *chan, const PbxAudioPortFuncs *port, gpointer port_data,
                     PbxAudioTaskDtmf dtmf, PbxAudioTaskDone done, gpointer data,
                     GError **error)
{
    PbxAudioTask *t;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL && port != NULL && done != NULL, NULL);
    t = g_new0(PbxAudioTask, 1);
    g_atomic_ref_count_init(&t->refs);
    t->chan = pbx_channel_ref(chan);
    t->app = port;
    t->app_data = port_data;
    t->dtmf = dtmf;
    t->done = done;
    t->data = data;
    if (!pbx_channel_set_audio_port(chan, &task_port, t, error)) {
        task_unref(t);
        return NULL;
    }
    t->watch = pbx_channel_watch(chan, chan_changed, t);
    return t;
}

PbxChannel *
pbx_audio_task_get_channel(const PbxAudioTask *t)
{
    return t->chan;
}

const char *
pbx_audio_task_end_to_string(PbxAudioTaskEnd end)
{
    static const char *const names[] = { "complete", "dtmf", "hangup", "stopped", "lost" };

    return (guint) end < G_N_ELEMENTS(names) ? names[end] : "unknown";
}
