/* app_playback - a playback: the sounds of a request loaded in parallel
 * by res_sounds, then played in order through an audio task, ended once
 * by their end, an interrupt digit, a hangup or a stop.
 *
 * Stages: LOADING (load requests out; a hangup, a digit or a stop ends it
 * at once, the requests are cancelled and the playback freed), PLAYING
 * (the audio task runs; its end comes back in task_done once the media
 * thread has let go of the port, and the playback is freed there), and
 * ENDING (the owner has heard how it ended, the port is not released
 * yet).  Every live playback is in `live`, so that unloading the module
 * can stop them and wait for their ports.
 */
#include <string.h>

#include "app_playback.h"

typedef enum { STAGE_LOADING, STAGE_PLAYING, STAGE_ENDING } Stage;

/* One sound of the request: how its load comes back to the playback. */
typedef struct {
    Playback *pb;
    guint index;
    guint request;              /* the load's id; 0 once answered or cancelled */
} Slot;

struct _Playback {
    GList link;                 /* in `live` */
    PbxChannel *chan;
    guint watch;                /* 0 once done has run */
    Stage stage;
    PlaybackDone done;          /* NULL once called */
    gpointer data;
    char interrupt[PLAYBACK_MAX_DIGITS + 1];
    char **names;
    Slot *slots;
    guint pending;              /* loads not answered yet */
    PbxAudioTask *task;
    PlayPort port;
};

static GQueue live = G_QUEUE_INIT;

static void chan_event(PbxChannel *chan, PbxChannelEventKind kind, const char *detail,
                       gpointer data);

/* ---------------------------------------------------------- ending */

/* Tells the owner how it ended, once; from then on nothing of the
 * playback reaches the owner again. */
static void
report(Playback *pb, PlaybackEnd end, char digit, const GError *error)
{
    PlaybackDone done = pb->done;

    if (!done)
        return;
    pb->done = NULL;
    if (pb->watch)
        pbx_channel_unwatch(pb->chan, pb->watch);
    pb->watch = 0;
    if (error)
        pbx_notice(app_playback_log, "%s: playback failed: %s", pbx_channel_get_name(pb->chan),
                   error->message);
    done(end, digit, error, pb->data);
}

static void
cancel_loads(Playback *pb)
{
    for (guint i = 0; i < pb->port.n_sounds; i++)
        if (pb->slots[i].request)
            app_playback_sounds->cancel(pb->slots[i].request);
    for (guint i = 0; i < pb->port.n_sounds; i++)
        pb->slots[i].request = 0;
    pb->pending = 0;
}

static void
playback_free(Playback *pb)
{
    if (pb->watch)
        pbx_channel_unwatch(pb->chan, pb->watch);
    cancel_loads(pb);
    g_queue_unlink(&live, &pb->link);
    play_port_clear(&pb->port);
    g_strfreev(pb->names);
    g_free(pb->slots);
    pbx_channel_unref(pb->chan);
    g_free(pb);
    pbx_module_unuse(app_playback_module);
}

/* Ends a playback that never started playing: nothing holds it. */
static void
end_loading(Playback *pb, PlaybackEnd end, char digit, const GError *error)
{
    cancel_loads(pb);
    report(pb, end, digit, error);
    playback_free(pb);
}

/* ---------------------------------------------------------- playing */

static gboolean
task_dtmf(PbxAudioTask *task, char digit, gpointer data)
{
    Playback *pb = data;

    if (pb->stage != STAGE_PLAYING || !strchr(pb->interrupt, digit))
        return FALSE;
    pb->stage = STAGE_ENDING;
    report(pb, PLAYBACK_DIGIT, digit, NULL);
    return TRUE;
}

/* The port is released: say how it ended unless that was said already
 * (a digit, a hangup, a stop), and let go. */
static void
task_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    Playback *pb = data;
    g_autoptr(GError) error = NULL;

    switch (end) {
    case PBX_AUDIO_TASK_COMPLETE:
        report(pb, PLAYBACK_COMPLETE, 0, NULL);
        break;
    case PBX_AUDIO_TASK_HANGUP:
        report(pb, PLAYBACK_HANGUP, 0, NULL);
        break;
    case PBX_AUDIO_TASK_DTMF:
    case PBX_AUDIO_TASK_STOPPED:
        report(pb, PLAYBACK_STOPPED, 0, NULL);
        break;
    case PBX_AUDIO_TASK_LOST:
        g_set_error(&error, PLAYBACK_ERROR, PLAYBACK_ERROR_FAILED,
                    "the media was taken away (bridged)");
        report(pb, PLAYBACK_FAILED, 0, error);
        break;
    }
    playback_free(pb);
}

static void
start_playing(Playback *pb)
{
    g_autoptr(GError) error = NULL;

    pb->task = pbx_audio_task_start(pb->chan, &play_port_funcs, &pb->port, task_dtmf,
                                    task_done, pb, &error);
    if (!pb->task) {
        g_prefix_error(&error, "cannot play: ");
        end_loading(pb, PLAYBACK_FAILED, 0, error);
        return;
    }
    pb->stage = STAGE_PLAYING;
    play_port_set_task(&pb->port, pb->task);
}

/* A load came back (res_sounds has logged a failure already). */
static void
sound_loaded(PbxSound *sound, const GError *error, gpointer data)
{
    Slot *slot = data;
    Playback *pb = slot->pb;

    slot->request = 0;
    pb->pending--;
    if (!sound) {
        end_loading(pb, PLAYBACK_FAILED, 0, error);
        return;
    }
    pb->port.sounds[slot->index] = sound;
    if (pb->pending == 0)
        start_playing(pb);
}

/* ---------------------------------------------------------- the channel */

/* A hangup is reported at once, not when the port is released: the
 * dialplan frees a call that it ends (on shutdown) right after hanging
 * it up.  A digit is ours to watch only while the sounds load; then the
 * audio task takes it (task_dtmf). */
static void
chan_event(PbxChannel *chan, PbxChannelEventKind kind, const char *detail, gpointer data)
{
    Playback *pb = data;

    if (kind == PBX_CHANNEL_EVENT_HANGUP) {
        if (pb->stage == STAGE_LOADING)
            end_loading(pb, PLAYBACK_HANGUP, 0, NULL);
        else
            report(pb, PLAYBACK_HANGUP, 0, NULL);
    } else if (kind == PBX_CHANNEL_EVENT_DTMF && pb->stage == STAGE_LOADING
               && strchr(pb->interrupt, detail[0])) {
        end_loading(pb, PLAYBACK_DIGIT, detail[0], NULL);
    }
}

/* ---------------------------------------------------------- API */

gboolean
playback_check_channel(PbxChannel *chan, GError **error)
{
    PbxChannelState state = pbx_channel_get_state(chan);

    PBX_ASSERT_MAIN_CONTEXT();
    if (app_playback_unloading) {
        g_set_error(error, PLAYBACK_ERROR, PLAYBACK_ERROR_STOPPED, "app_playback is unloading");
        return FALSE;
    }
    if (state == PBX_CHANNEL_HANGUP) {
        g_set_error_literal(error, PLAYBACK_ERROR, PLAYBACK_ERROR_HANGUP, "hangup");
        return FALSE;
    }
    if (state != PBX_CHANNEL_UP && state != PBX_CHANNEL_PROGRESS) {
        g_set_error(error, PLAYBACK_ERROR, PLAYBACK_ERROR_STATE,
                    "%s is %s: answer it (call:answer()) or start early media first",
                    pbx_channel_get_name(chan), pbx_channel_state_to_string(state));
        return FALSE;
    }
    return TRUE;
}

guint
playback_rate_for(PbxChannel *chan)
{
    const char *name = pbx_channel_get_codec(chan);
    const PbxCodec *codec = name ? pbx_codec_find(name) : NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    return codec && pbx_audio_rate_is_valid(codec->sample_rate) ? codec->sample_rate : 8000;
}

/* The language of a request: its own, else the channel variable
 * "language" (call.vars.language), else NULL (res_sounds' default). */
static const char *
request_language(PbxChannel *chan, const PlaybackRequest *req)
{
    const char *language = req->language ? req->language
                                         : pbx_channel_get_var(chan, "language");

    return language && *language ? language : NULL;
}

static Playback *
playback_new(PbxChannel *chan, const PlaybackRequest *req, PlaybackDone done, gpointer data)
{
    Playback *pb = g_new0(Playback, 1);

    pb->link.data = pb;
    g_queue_push_tail_link(&live, &pb->link);
    pbx_module_use(app_playback_module);
    pb->chan = pbx_channel_ref(chan);
    pb->done = done;
    pb->data = data;
    g_strlcpy(pb->interrupt, req->interrupt, sizeof(pb->interrupt));
    pb->names = g_new0(char *, req->n_names + 1);
    for (guint i = 0; i < req->n_names; i++)
        pb->names[i] = g_strdup(req->names[i]);
    pb->slots = g_new0(Slot, req->n_names);
    play_port_init(&pb->port, req->n_names, playback_rate_for(chan));
    return pb;
}

Playback *
playback_start(PbxChannel *chan, const PlaybackRequest *req, PlaybackDone done, gpointer data)
{
    const char *language = request_language(chan, req);
    Playback *pb;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(req->n_names > 0 && req->n_names <= PLAYBACK_MAX_SOUNDS, NULL);
    pb = playback_new(chan, req, done, data);
    pb->watch = pbx_channel_watch(chan, chan_event, pb);
    pb->pending = req->n_names;
    for (guint i = 0; i < req->n_names; i++) {
        pb->slots[i].pb = pb;
        pb->slots[i].index = i;
        pb->slots[i].request = app_playback_sounds->load(pb->names[i], language,
                                                         pb->port.rate, sound_loaded,
                                                         &pb->slots[i]);
    }
    return pb;
}

void
playback_stop(Playback *pb)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (pb->stage == STAGE_LOADING) {
        end_loading(pb, PLAYBACK_STOPPED, 0, NULL);
        return;
    }
    pb->stage = STAGE_ENDING;
    report(pb, PLAYBACK_STOPPED, 0, NULL);
    pbx_audio_task_stop(pb->task);      /* nothing when it is ending already */
}

guint
playback_count(void)
{
    return live.length;
}

void
playback_stop_all(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = live.head, *next; l; l = next) {
        next = l->next;                 /* a loading one goes at once */
        playback_stop(l->data);
    }
}

static const char *const stage_names[] = { "loading", "playing", "ending" };

/* The sound being played, from the ticks the port gave (the position
 * itself is the media thread's). */
static guint
current_sound(Playback *pb, guint played_ms)
{
    guint64 at = (guint64) played_ms * pb->port.rate / 1000;
    guint i = 0;

    while (i + 1 < pb->port.n_sounds && at >= pb->port.sounds[i]->n_samples) {
        at -= pb->port.sounds[i]->n_samples;
        i++;
    }
    return i;
}

void
playback_foreach(void (*fn)(const PlaybackInfo *info, gpointer data), gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = live.head; l; l = l->next) {
        Playback *pb = l->data;
        PlaybackInfo info = {
            .channel = pbx_channel_get_name(pb->chan),
            .stage = stage_names[pb->stage],
            .n_sounds = pb->port.n_sounds,
            .played_ms = play_port_get_played_ms(&pb->port),
            .interrupt = pb->interrupt,
        };
        if (pb->stage != STAGE_LOADING) {
            info.length_ms = play_port_get_length_ms(&pb->port);
            info.index = current_sound(pb, info.played_ms);
            info.sound = pb->names[info.index];
        }
        fn(&info, data);
    }
}
