/* app_playback - the audio port of a playback: decoded sounds read in
 * order, a tick at a time, on the channel's media thread.  The samples
 * are the sounds' own (shared with every call that plays them); the
 * port copies each tick into the frame the media thread hands it, so it
 * needs no buffer of its own. */
#include <string.h>

#include "app_playback.h"

/* Copies up to `want` samples from where the port stands, going on into
 * the next sound without a gap; returns how many (fewer only at the end
 * of the last sound). */
static guint
copy_samples(PlayPort *p, gint16 *out, guint want)
{
    guint done = 0;

    while (done < want && p->index < p->n_sounds) {
        const PbxSound *s = p->sounds[p->index];
        guint n = (guint) MIN(s->n_samples - p->pos, (gsize) (want - done));

        memcpy(out + done, s->samples + p->pos, n * sizeof(gint16));
        done += n;
        p->pos += n;
        if (p->pos == s->n_samples) {
            p->index++;
            p->pos = 0;
        }
    }
    return done;
}

/* The sounds are over: the task hears it once.  Until the main context
 * has stored the task (it may not have yet when a short list runs out
 * on the first ticks) the next reads try again. */
static void
tell_task(PlayPort *p)
{
    PbxAudioTask *task = g_atomic_pointer_get(&p->task);

    if (task && !p->notified) {
        p->notified = TRUE;
        pbx_audio_task_complete(task);
    }
}

/* Media thread: the next tick, the last one padded with silence. */
static gboolean
port_read(gpointer data, PbxAudioFrame *out)
{
    PlayPort *p = data;
    guint want = pbx_audio_samples_for_ms(p->rate, PBX_AUDIO_TICK_MS);
    guint got = copy_samples(p, out->samples, want);

    if (got == 0) {
        tell_task(p);
        return FALSE;
    }
    memset(out->samples + got, 0, (want - got) * sizeof(gint16));
    out->rate = p->rate;
    out->n_samples = want;
    g_atomic_int_inc(&p->ticks);
    return TRUE;
}

/* write: the far end's audio is not needed; released: the audio task
 * reports it. */
const PbxAudioPortFuncs play_port_funcs = {
    .read = port_read,
};

void
play_port_init(PlayPort *port, guint n_sounds, guint rate)
{
    memset(port, 0, sizeof(*port));
    port->sounds = g_new0(PbxSound *, n_sounds);
    port->n_sounds = n_sounds;
    port->rate = rate;
}

void
play_port_clear(PlayPort *port)
{
    for (guint i = 0; i < port->n_sounds; i++)
        pbx_sound_unref(port->sounds[i]);
    g_clear_pointer(&port->sounds, g_free);
    port->n_sounds = 0;
}

void
play_port_set_task(PlayPort *port, PbxAudioTask *task)
{
    g_atomic_pointer_set(&port->task, task);
}

guint
play_port_get_played_ms(PlayPort *port)
{
    return (guint) g_atomic_int_get(&port->ticks) * PBX_AUDIO_TICK_MS;
}

guint
play_port_get_length_ms(const PlayPort *port)
{
    gsize samples = 0;

    for (guint i = 0; i < port->n_sounds; i++)
        samples += port->sounds[i] ? port->sounds[i]->n_samples : 0;
    return port->rate ? (guint) (samples * 1000 / port->rate) : 0;
}
