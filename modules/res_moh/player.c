/* res_moh - one listener's view of a class (see player.h). */
#include "player.h"

void
moh_player_init(MohPlayer *p, MohClass *cls, guint rate)
{
    PBX_ASSERT_MAIN_CONTEXT();
    *p = (MohPlayer) { .cls = moh_class_ref(cls), .rate = rate };
}

void
moh_player_clear(MohPlayer *p)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_clear_pointer(&p->cls, moh_class_unref);
    p->tl = NULL;
}

/* The timeline at the wanted rate, else the one playing, else any. */
static const MohTimeline *
pick(const MohPlayer *p)
{
    static const guint fallback[MOH_N_RATES] = { 8000, 16000, 48000 };
    const MohTimeline *tl = moh_class_get_timeline(p->cls, p->rate);

    if (tl || p->tl)
        return tl ? tl : p->tl;
    for (guint i = 0; !tl && i < MOH_N_RATES; i++)
        tl = moh_class_get_timeline(p->cls, fallback[i]);
    return tl;
}

static guint64
class_position(const MohPlayer *p, const MohTimeline *tl, gint64 now_us)
{
    return moh_samples_for_us(tl->rate, now_us - moh_class_get_start(p->cls));
}

static gboolean
out_of_step(const MohPlayer *p, gint64 now_us)
{
    guint64 there = class_position(p, p->tl, now_us);
    guint64 limit = (guint64) p->tl->rate / 1000 * MOH_RESYNC_MS;

    return there > p->position + limit || p->position > there + limit;
}

static void
join(MohPlayer *p, const MohTimeline *tl, gint64 now_us)
{
    p->tl = tl;
    p->position = class_position(p, tl, now_us);
    moh_timeline_seek(tl, p->position, &p->cursor);
}

gboolean
moh_player_fill(MohPlayer *p, gint64 now_us, PbxAudioFrame *out)
{
    const MohTimeline *tl = pick(p);
    guint n;

    if (!tl)
        return FALSE;
    if (tl != p->tl || out_of_step(p, now_us))
        join(p, tl, now_us);
    n = pbx_audio_samples_for_ms(tl->rate, PBX_AUDIO_TICK_MS);
    out->rate = tl->rate;
    out->n_samples = n;
    moh_timeline_copy(tl, &p->cursor, out->samples, n);
    p->position += n;
    return TRUE;
}
