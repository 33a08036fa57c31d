/* app_conference - rooms' mixers and their ports, as the main context
 * makes and frees them (the media side is mix.c; see mixer.h). */
#include <string.h>

#include "mixer_private.h"

ConfMixer *
conf_mixer_new(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return g_aligned_alloc0(1, sizeof(ConfMixer), CACHE_LINE);
}

void
conf_mixer_free(ConfMixer *m)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!m)
        return;
    for (guint i = 0; i < CONF_MAX_MEMBERS; i++)
        conf_ring_clear(&m->slots[i].ring);
    g_aligned_free(m);
}

void
conf_mixer_play_tone(ConfMixer *m, ConfToneKind kind)
{
    PBX_ASSERT_MAIN_CONTEXT();
    m->tones_played++;
    g_atomic_int_set(&m->tone, (gint) ((m->tones_played << 2) | kind));
}

/* A listener is coming at rate index ri: writers start making it now. */
static void
want_rate(ConfMixer *m, guint ri)
{
    __atomic_store_n(&m->wanted_ms[ri], conf_now_ms(), __ATOMIC_RELAXED);
}

static gint
claim_slot(ConfMixer *m, GError **error)
{
    for (guint i = 0; i < CONF_MAX_MEMBERS; i++) {
        if (m->claimed[i])
            continue;
        m->claimed[i] = TRUE;
        if ((gint) i >= g_atomic_int_get(&m->n_slots))
            g_atomic_int_set(&m->n_slots, (gint) i + 1);
        return (gint) i;
    }
    g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_FAILED,
                "the room holds %u participants already", CONF_MAX_MEMBERS);
    return -1;
}

static gboolean
make_resamplers(ConfMixPort *p, GError **error)
{
    for (guint from = 0; from < CONF_N_RATES; from++)
        for (guint to = 0; to < CONF_N_RATES; to++) {
            if (from == to)
                continue;
            p->resampler[from][to] = pbx_resampler_new(conf_rate_of(from), conf_rate_of(to), error);
            if (!p->resampler[from][to])
                return FALSE;
        }
    return TRUE;
}

/* The port starts following every slot where it stands now: it hears the
 * others from their next tick on. */
static void
start_cursors(ConfMixPort *p)
{
    for (guint i = 0; i < CONF_MAX_MEMBERS; i++)
        p->cursor[i] = conf_ring_get_seq(&p->mixer->slots[i].ring);
    p->tone_seen = g_atomic_int_get(&p->mixer->tone);
}

static void
port_destroy(ConfMixPort *p)
{
    for (guint from = 0; from < CONF_N_RATES; from++)
        for (guint to = 0; to < CONF_N_RATES; to++)
            pbx_resampler_free(p->resampler[from][to]);
    g_free(p);
}

/* The slot is the port's: it is heard from it (silence until its first
 * write), and hears the others from their next tick on. */
static void
open_slot(ConfMixPort *p)
{
    ConfSlot *slot = &p->mixer->slots[p->slot];

    conf_ring_init(&slot->ring);
    start_cursors(p);
    want_rate(p->mixer, (guint) conf_rate_index((guint) p->rate));
    g_atomic_int_set(&slot->muted, 0);
    g_atomic_int_set(&slot->in_use, 1);     /* the ring is ready before anyone reads it */
}

ConfMixPort *
conf_mix_port_new(ConfMixer *m, guint rate, GError **error)
{
    ConfMixPort *p;
    gint i = -1;

    PBX_ASSERT_MAIN_CONTEXT();
    p = g_new0(ConfMixPort, 1);
    p->mixer = m;
    p->rate = conf_rate_index(rate) < 0 ? 8000 : (gint) rate;
    if (!make_resamplers(p, error) || (i = claim_slot(m, error)) < 0) {
        port_destroy(p);
        return NULL;
    }
    p->slot = (guint) i;
    open_slot(p);
    return p;
}

void
conf_mix_port_leave(ConfMixPort *p)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_atomic_int_set(&p->mixer->slots[p->slot].in_use, 0);
}

void
conf_mix_port_free(ConfMixPort *p)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!p)
        return;
    conf_mix_port_leave(p);
    p->mixer->claimed[p->slot] = FALSE;
    port_destroy(p);
}

void
conf_mix_port_set_muted(ConfMixPort *p, gboolean muted)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_atomic_int_set(&p->mixer->slots[p->slot].muted, muted ? 1 : 0);
}

gboolean
conf_mix_port_get_muted(const ConfMixPort *p)
{
    return g_atomic_int_get(&p->mixer->slots[p->slot].muted) != 0;
}

guint
conf_mix_port_get_rate(const ConfMixPort *p)
{
    return (guint) g_atomic_int_get(&p->rate);
}

/* Every field is a counter one thread writes (guint, relaxed). */
G_STATIC_ASSERT(sizeof(ConfMixStats) % sizeof(guint) == 0);

void
conf_mix_port_get_stats(const ConfMixPort *p, ConfMixStats *out)
{
    const guint *from = (const guint *) &p->stats;
    guint *to = (guint *) out;

    for (guint i = 0; i < sizeof(ConfMixStats) / sizeof(guint); i++)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}
