/* res_moh - a channel listening to a class (see listener.h). */
#include <string.h>

#include "listener.h"
#include "player.h"

struct _MohListener {
    MohPlayer player;
    PbxChannel *chan;                   /* a reference */
    PbxAudioTask *task;                 /* atomic: set once the task started */
    guint64 max_ticks;
    char terminators[MOH_TERMINATORS_MAX + 1];
    MohListenerDone done;
    gpointer data;
    GList link;                         /* in `live` */
    /* media thread */
    guint64 ticks;
    gboolean completed;
};

static GQueue live = G_QUEUE_INIT;
static PbxModule *owner;
static gboolean stopping;       /* moh_listeners_shutdown() ran: no new ones */

void
moh_listeners_init(PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    owner = self;
    stopping = FALSE;
}

gboolean
moh_listeners_stopping(void)
{
    return stopping;
}

guint
moh_listeners_count(void)
{
    return live.length;
}

/* ---------------------------------------------------------- media thread */

/* A duration is counted in ticks played; the task is told once (and only
 * once its start has returned: until then, at a later tick). */
static void
count_tick(MohListener *l)
{
    PbxAudioTask *t;

    if (!l->max_ticks || l->completed || ++l->ticks < l->max_ticks)
        return;
    t = g_atomic_pointer_get(&l->task);
    if (!t)
        return;
    l->completed = TRUE;
    pbx_audio_task_complete(t);
}

static gboolean
port_read(gpointer data, PbxAudioFrame *out)
{
    MohListener *l = data;
    gboolean ok = moh_player_fill(&l->player, g_get_monotonic_time(), out);

    count_tick(l);
    return ok;
}

static const PbxAudioPortFuncs listener_port = { .read = port_read };

/* ---------------------------------------------------------- main context */

static void
listener_free(MohListener *l)
{
    g_queue_unlink(&live, &l->link);
    moh_class_remove_listener(l->player.cls);
    moh_player_clear(&l->player);
    pbx_channel_unref(l->chan);
    g_free(l);
    if (owner)
        pbx_module_unuse(owner);
}

static gboolean
on_dtmf(PbxAudioTask *task, char digit, gpointer data)
{
    MohListener *l = data;

    return digit && strchr(l->terminators, digit) != NULL;
}

static void
on_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    MohListener *l = data;

    l->done(l, end, digit, l->data);
    listener_free(l);
}

/* The sample rate of the leg's codec (8000 before one is chosen). */
static guint
channel_rate(PbxChannel *chan)
{
    const char *name = pbx_channel_get_codec(chan);
    const PbxCodec *codec = name ? pbx_codec_find(name) : NULL;

    return codec ? codec->sample_rate : 8000;
}

static MohListener *
listener_new(PbxChannel *chan, MohClass *cls, const MohListenOptions *opts,
             MohListenerDone done, gpointer data)
{
    MohListener *l = g_new0(MohListener, 1);

    moh_player_init(&l->player, cls, moh_class_want(cls, channel_rate(chan)));
    l->chan = pbx_channel_ref(chan);
    l->max_ticks = opts->max_ticks;
    g_strlcpy(l->terminators, opts->terminators ? opts->terminators : "",
              sizeof l->terminators);
    l->done = done;
    l->data = data;
    l->link.data = l;
    return l;
}

/* A listener whose task never started (nothing of it ran). */
static void
listener_discard(MohListener *l)
{
    moh_player_clear(&l->player);
    pbx_channel_unref(l->chan);
    g_free(l);
}

MohListener *
moh_listener_start(PbxChannel *chan, MohClass *cls, const MohListenOptions *opts,
                   MohListenerDone done, gpointer data, GError **error)
{
    MohListener *l;
    PbxAudioTask *t;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL && cls != NULL && opts != NULL && done != NULL, NULL);
    if (stopping) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED, "res_moh is unloading");
        return NULL;
    }
    l = listener_new(chan, cls, opts, done, data);
    t = pbx_audio_task_start(chan, &listener_port, l, on_dtmf, on_done, l, error);
    if (!t) {
        listener_discard(l);
        return NULL;
    }
    g_atomic_pointer_set(&l->task, t);
    g_queue_push_tail_link(&live, &l->link);
    moh_class_add_listener(cls);
    if (owner)
        pbx_module_use(owner);
    return l;
}

void
moh_listener_stop(MohListener *l)
{
    PBX_ASSERT_MAIN_CONTEXT();
    pbx_audio_task_stop(l->task);
}

PbxChannel *
moh_listener_get_channel(const MohListener *l)
{
    return l->chan;
}

/* ---------------------------------------------------------- unloading */

static gboolean
deadline_passed(gpointer data)
{
    *(gboolean *) data = TRUE;
    return G_SOURCE_REMOVE;
}

gboolean
moh_listeners_shutdown(guint timeout_ms)
{
    gboolean late = FALSE;
    guint timer;

    PBX_ASSERT_MAIN_CONTEXT();
    stopping = TRUE;
    for (GList *l = live.head, *next; l; l = next) {
        next = l->next;                 /* a port may be released at once */
        moh_listener_stop(l->data);
    }
    timer = g_timeout_add(timeout_ms, deadline_passed, &late);
    while (live.length > 0 && !late)
        g_main_context_iteration(NULL, TRUE);
    if (!late)
        g_source_remove(timer);
    return live.length == 0;
}
