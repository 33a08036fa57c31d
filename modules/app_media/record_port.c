/* app_media - the media thread's side of a recording (see
 * record_port.h). */
#include <math.h>
#include <string.h>

#include "record_port.h"

#define BEEP_TICK (TONE_RATE / 1000 * PBX_AUDIO_TICK_MS)

static const guint rates[3] = { 8000, 16000, 48000 };

double
record_threshold_from_dbm0(double dbm0)
{
    double rms = TONE_DBM0_RMS * pow(10, dbm0 / 20);

    return rms * rms;
}

gboolean
record_port_init(RecordPort *rp, const RecordPortParams *p, GError **error)
{
    memset(rp, 0, sizeof(*rp));
    rp->p = *p;
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        if (rates[i] == p->rate)
            continue;
        rp->from[i] = pbx_resampler_new(rates[i], p->rate, error);
        if (!rp->from[i])
            return FALSE;
    }
    rec_ring_init(&rp->ring, p->rate * RECORD_RING_SECONDS);
    if (p->beep)
        rp->beep = tone_player_new(p->beep);
    rp->recording = !p->beep;
    return TRUE;
}

void
record_port_clear(RecordPort *rp)
{
    for (guint i = 0; i < G_N_ELEMENTS(rp->from); i++)
        g_clear_pointer(&rp->from[i], pbx_resampler_free);
    g_clear_pointer(&rp->beep, tone_player_free);
    rec_ring_clear(&rp->ring);
}

/* in at the file's rate: itself, or resampled into the scratch frame;
 * NULL for a rate we have no resampler for. */
static const PbxAudioFrame *
at_file_rate(RecordPort *rp, const PbxAudioFrame *in)
{
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        if (rates[i] != in->rate)
            continue;
        if (!rp->from[i])
            return in;
        return pbx_resampler_process_frame(rp->from[i], in, &rp->scratch) >= 0 ? &rp->scratch
                                                                                : NULL;
    }
    return NULL;
}

static gboolean
is_silent(const RecordPort *rp, const gint16 *pcm, guint n)
{
    gint64 sum = 0;

    for (guint i = 0; i < n; i++)
        sum += (gint32) pcm[i] * pcm[i];
    return n == 0 || (double) sum / n < rp->p.threshold;
}

static void
check_limits(RecordPort *rp)
{
    if (rp->p.max_samples && rp->recorded >= rp->p.max_samples)
        rp->limit = RECORD_MAX;
    else if (rp->p.silence_samples && rp->silent_run >= rp->p.silence_samples)
        rp->limit = RECORD_SILENCE;
}

void
record_port_write(RecordPort *rp, const PbxAudioFrame *in)
{
    const PbxAudioFrame *f;
    guint n;

    if (!rp->recording || rp->limit != RECORD_GOING || !(f = at_file_rate(rp, in)))
        return;
    n = f->n_samples;
    if (rp->p.max_samples)
        n = (guint) MIN(n, rp->p.max_samples - rp->recorded);
    if (!rec_ring_push(&rp->ring, f->samples, n))
        rp->lost += n;                          /* the writer writes silence for it */
    rp->recorded += n;
    rp->silent_run = is_silent(rp, f->samples, n) ? rp->silent_run + n : 0;
    check_limits(rp);
}

gboolean
record_port_read(RecordPort *rp, PbxAudioFrame *out)
{
    guint got;

    if (rp->recording)
        return FALSE;
    out->rate = TONE_RATE;
    out->n_samples = BEEP_TICK;
    got = tone_player_fill(rp->beep, out->samples, BEEP_TICK);
    memset(out->samples + got, 0, (BEEP_TICK - got) * sizeof(gint16));
    rp->recording = got < BEEP_TICK;        /* from the next tick on */
    return TRUE;
}

RecordLimit
record_port_get_limit(const RecordPort *rp)
{
    return rp->limit;
}

guint64
record_port_get_trailing_silence(const RecordPort *rp)
{
    return rp->silent_run;
}
