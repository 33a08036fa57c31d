/* res_moh - a class's files as one looped timeline (see timeline.h). */
#include <string.h>

#include "timeline.h"

MohTimeline *
moh_timeline_new(PbxSound *const *sounds, guint n)
{
    MohTimeline *tl;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(sounds != NULL && n > 0, NULL);
    tl = g_new0(MohTimeline, 1);
    tl->rate = sounds[0]->rate;
    tl->n_files = n;
    tl->sounds = g_new(PbxSound *, n);
    tl->starts = g_new(guint64, n);
    for (guint i = 0; i < n; i++) {
        g_warn_if_fail(sounds[i]->rate == tl->rate && sounds[i]->n_samples > 0);
        tl->sounds[i] = pbx_sound_ref(sounds[i]);
        tl->starts[i] = tl->total;
        tl->total += sounds[i]->n_samples;
    }
    return tl;
}

void
moh_timeline_free(MohTimeline *tl)
{
    if (!tl)
        return;
    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; i < tl->n_files; i++)
        pbx_sound_unref(tl->sounds[i]);
    g_free(tl->sounds);
    g_free(tl->starts);
    g_free(tl);
}

/* Whole milliseconds and the rest apart: no overflow of 64 bits before
 * 2^64 / 48 ms (12 million years). */
guint64
moh_samples_for_us(guint rate, gint64 elapsed_us)
{
    guint64 us = elapsed_us > 0 ? (guint64) elapsed_us : 0;
    guint per_ms = rate / 1000;

    return us / 1000 * per_ms + us % 1000 * per_ms / 1000;
}

void
moh_timeline_seek(const MohTimeline *tl, guint64 pos, MohCursor *cursor)
{
    guint lo = 0, hi = tl->n_files - 1;

    pos %= tl->total;
    while (lo < hi) {                   /* the last file starting at or before pos */
        guint mid = (lo + hi + 1) / 2;
        if (tl->starts[mid] <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    cursor->file = lo;
    cursor->offset = (gsize) (pos - tl->starts[lo]);
}

void
moh_timeline_copy(const MohTimeline *tl, MohCursor *cursor, gint16 *out, gsize n)
{
    while (n > 0) {
        const PbxSound *s = tl->sounds[cursor->file];
        gsize take = MIN(n, s->n_samples - cursor->offset);

        memcpy(out, s->samples + cursor->offset, take * sizeof(gint16));
        out += take;
        n -= take;
        cursor->offset += take;
        if (cursor->offset == s->n_samples) {
            cursor->offset = 0;
            cursor->file = (cursor->file + 1) % tl->n_files;
        }
    }
}
