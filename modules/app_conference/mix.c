/* app_conference - the mixer's media side: a participant's write and
 * read, on its media thread (see mixer.h).  Nothing here allocates,
 * locks, logs or waits; what other threads see goes through atomics. */
#include <string.h>

#include "mixer_private.h"

/* ------------------------------------------------------------ write */

static gboolean
rate_wanted(ConfMixer *m, guint ri, guint now_ms)
{
    return now_ms - __atomic_load_n(&m->wanted_ms[ri], __ATOMIC_RELAXED) < CONF_WANTED_MS;
}

/* Tick m of the participant at rate index `to`, from its input at
 * `from`.  A resampler that was idle starts a new stream (no stale
 * history from seconds ago). */
static void
put_rate(ConfMixPort *p, ConfRing *ring, guint m, const PbxAudioFrame *in, guint from, guint to)
{
    gint16 *dst = conf_ring_entry(ring, to, m);
    guint n = conf_tick_samples(to);
    gint got;

    if (from == to) {
        memcpy(dst, in->samples, n * sizeof(gint16));
        return;
    }
    if (!p->resampling[to])
        pbx_resampler_reset(p->resampler[from][to]);
    got = pbx_resampler_process(p->resampler[from][to], in->samples, in->n_samples, dst, n);
    got = MAX(got, 0);          /* an error leaves a tick of silence */
    if ((guint) got < n)
        memset(dst + got, 0, (n - (guint) got) * sizeof(gint16));
}

/* A muted participant publishes nothing (listeners skip its slot); its
 * resamplers start afresh when it speaks again. */
static gboolean
muted(ConfMixPort *p, ConfSlot *slot)
{
    if (!g_atomic_int_get(&slot->muted))
        return FALSE;
    memset(p->resampling, 0, sizeof p->resampling);
    return TRUE;
}

void
conf_mix_port_write(ConfMixPort *p, const PbxAudioFrame *in)
{
    ConfSlot *slot = &p->mixer->slots[p->slot];
    gint from = conf_rate_index(in->rate);
    guint now_ms = conf_now_ms(), m;

    if (from < 0 || in->n_samples != conf_tick_samples((guint) from))
        return;
    __atomic_store_n(&p->rate, (gint) in->rate, __ATOMIC_RELAXED);
    if (muted(p, slot))
        return;
    m = conf_ring_begin(&slot->ring);
    for (guint to = 0; to < CONF_N_RATES; to++) {
        gboolean out = to == (guint) from || rate_wanted(p->mixer, to, now_ms);
        if (out)
            put_rate(p, &slot->ring, m, in, (guint) from, to);
        conf_ring_mark(&slot->ring, to, m, out);
        p->resampling[to] = out;
    }
    conf_ring_publish(&slot->ring, m);
    conf_count(&p->stats.written);
}

/* ------------------------------------------------------------ read */

static void
add(gint32 *sum, const gint16 *tick, guint n)
{
    for (guint i = 0; i < n; i++)
        sum[i] += tick[i];
}

static void
clip(const gint32 *sum, gint16 *out, guint n)
{
    for (guint i = 0; i < n; i++)
        out[i] = (gint16) CLAMP(sum[i], G_MININT16, G_MAXINT16);
}

static gboolean
heard_from(const ConfMixPort *p, guint i, ConfSlot *slot)
{
    return i != p->slot && g_atomic_int_get(&slot->in_use) && !g_atomic_int_get(&slot->muted);
}

/* Adds the next tick of every other participant; returns how many. */
static guint
mix_others(ConfMixPort *p, guint ri, guint n)
{
    ConfMixer *m = p->mixer;
    guint n_slots = (guint) g_atomic_int_get(&m->n_slots), heard = 0;

    for (guint i = 0; i < n_slots; i++) {
        ConfSlot *slot = &m->slots[i];
        if (!heard_from(p, i, slot) ||
            conf_ring_take(&slot->ring, ri, &p->cursor[i], p->tick, &p->stats.take) != CONF_TAKE_OK)
            continue;
        add(p->sum, p->tick, n);
        heard++;
    }
    return heard;
}

/* Adds the next tick of the tone playing (a new one starts over); 1
 * when there was one. */
static guint
add_tone(ConfMixPort *p, guint ri, guint n)
{
    gint tone = g_atomic_int_get(&p->mixer->tone);
    const gint16 *samples;
    guint len;

    if (tone != p->tone_seen) {
        p->tone_seen = tone;
        p->tone_kind = (ConfToneKind) (tone & 3);
        p->tone_tick = 0;
    }
    if (p->tone_kind == CONF_TONE_NONE)
        return 0;
    samples = conf_tone_get(p->tone_kind, ri, &len);
    if (!samples || (p->tone_tick + 1) * n > len) {
        p->tone_kind = CONF_TONE_NONE;
        return 0;
    }
    add(p->sum, samples + p->tone_tick++ * n, n);
    return 1;
}

gboolean
conf_mix_port_read(ConfMixPort *p, PbxAudioFrame *out)
{
    guint rate = (guint) __atomic_load_n(&p->rate, __ATOMIC_RELAXED);
    guint ri = (guint) conf_rate_index(rate), n = conf_tick_samples(ri), heard;

    __atomic_store_n(&p->mixer->wanted_ms[ri], conf_now_ms(), __ATOMIC_RELAXED);
    memset(p->sum, 0, n * sizeof(gint32));
    heard = mix_others(p, ri, n) + add_tone(p, ri, n);
    conf_count(&p->stats.mixed);
    if (!heard)
        return FALSE;
    clip(p->sum, out->samples, n);
    out->rate = rate;
    out->n_samples = n;
    return TRUE;
}

/* ------------------------------------------------------------ as a port */

static gboolean
port_read(gpointer data, PbxAudioFrame *out)
{
    return conf_mix_port_read(data, out);
}

static void
port_write(gpointer data, const PbxAudioFrame *in)
{
    conf_mix_port_write(data, in);
}

const PbxAudioPortFuncs conf_mix_port_funcs = {
    .read = port_read,
    .write = port_write,
};
