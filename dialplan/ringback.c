/* Carillon - the ringback tone a transferred party hears while the
 * target rings: 440 + 480 Hz, 2 s on, 4 s off (the North American
 * audible ringing tone), played through an audio task at 8 kHz.  One
 * table of a 25 ms period (both tones fit it whole: 11 and 12 cycles)
 * serves every call, so the media thread only copies. */
#include <math.h>

#include <carillon/audio_task.h>

#include "dialplan_private.h"

#define RATE 8000
#define PERIOD 200                      /* samples: 25 ms */
#define ON_SAMPLES (2 * RATE)
#define CYCLE_SAMPLES (6 * RATE)
#define AMPLITUDE 4000.0

struct _DpRingback {
    PbxAudioTask *task;
    DpRingback **owner;                 /* cleared when the task ends */
    guint pos;                          /* in the cycle; media thread */
};

static gint16 table[PERIOD];

static void
table_init(void)
{
    static gsize done;

    if (!g_once_init_enter(&done))
        return;
    for (guint i = 0; i < PERIOD; i++)
        table[i] = (gint16) lrint(AMPLITUDE * (sin(2 * G_PI * 440 * i / RATE)
                                               + sin(2 * G_PI * 480 * i / RATE)) / 2);
    g_once_init_leave(&done, 1);
}

/* Media thread: a tick of tone or of the pause. */
static gboolean
ringback_read(gpointer data, PbxAudioFrame *out)
{
    DpRingback *rb = data;
    guint n = pbx_audio_samples_for_ms(RATE, PBX_AUDIO_TICK_MS);

    out->rate = RATE;
    out->n_samples = n;
    for (guint i = 0; i < n; i++) {
        guint p = (rb->pos + i) % CYCLE_SAMPLES;
        out->samples[i] = p < ON_SAMPLES ? table[p % PERIOD] : 0;
    }
    rb->pos = (rb->pos + n) % CYCLE_SAMPLES;
    return TRUE;
}

static const PbxAudioPortFuncs ringback_port = { .read = ringback_read };

static void
ringback_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    DpRingback *rb = data;

    if (rb->owner)
        *rb->owner = NULL;
    g_free(rb);
}

DpRingback *
dp_ringback_start(PbxChannel *chan, DpRingback **owner, GError **error)
{
    DpRingback *rb = g_new0(DpRingback, 1);

    table_init();
    rb->owner = owner;
    rb->task = pbx_audio_task_start(chan, &ringback_port, rb, NULL, ringback_done, rb, error);
    if (!rb->task) {
        g_free(rb);
        return NULL;
    }
    return rb;
}

void
dp_ringback_stop(DpRingback *rb)
{
    if (!rb)
        return;
    if (rb->owner)
        *rb->owner = NULL;
    rb->owner = NULL;
    pbx_audio_task_stop(rb->task);
}
