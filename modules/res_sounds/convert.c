/* res_sounds - converting a whole sound to another rate, once.
 *
 * Not the core's PbxResampler: that one streams frames between the
 * three media rates at a fixed, cheap quality so that transcoding costs
 * stay comparable.  A file may come at any rate (44.1 kHz music, 22.05
 * kHz prompts) and is converted once for every call that plays it, so
 * this uses speexdsp directly, at its default (higher) quality, over the
 * whole buffer: the filter's delay is skipped at the start and flushed
 * with silence at the end, so the result lines up with the input and
 * lasts as long. */
#include <speex/speex_resampler.h>

#include "sounds_private.h"

#define QUALITY SPEEX_RESAMPLER_QUALITY_DEFAULT
#define STEP 65536              /* input samples per speexdsp call */

/* Feeds n samples of in (NULL: silence) through st into out[*pos..cap). */
static void
feed(SpeexResamplerState *st, const gint16 *in, gsize n, gint16 *out, gsize *pos,
     gsize cap)
{
    static const gint16 zeros[1024];
    gsize done = 0;

    while (done < n && *pos < cap) {
        spx_uint32_t in_len = (spx_uint32_t) MIN(n - done, in ? STEP : G_N_ELEMENTS(zeros));
        spx_uint32_t out_len = (spx_uint32_t) MIN(cap - *pos, G_MAXUINT32);

        speex_resampler_process_int(st, 0, in ? in + done : zeros, &in_len, out + *pos,
                                    &out_len);
        if (in_len == 0 && out_len == 0)
            break;
        done += in_len;
        *pos += out_len;
    }
}

gint16 *
sound_resample(const gint16 *in, gsize n_in, guint from_rate, guint to_rate, gsize *n_out,
               GError **error)
{
    int err = 0;
    SpeexResamplerState *st = speex_resampler_init(1, from_rate, to_rate, QUALITY, &err);
    gsize want = MAX((gsize) (((guint64) n_in * to_rate + from_rate / 2) / from_rate), 1);
    gint16 *out;
    gsize pos = 0;

    if (!st) {
        g_set_error(error, SOUNDS_ERROR, SOUNDS_ERROR_READ,
                    "cannot convert %u Hz to %u Hz: %s", from_rate, to_rate,
                    speex_resampler_strerror(err));
        return NULL;
    }
    out = g_new0(gint16, want);
    speex_resampler_skip_zeros(st);
    feed(st, in, n_in, out, &pos, want);
    feed(st, NULL, (gsize) speex_resampler_get_input_latency(st) + 1, out, &pos, want);
    speex_resampler_destroy(st);
    *n_out = want;              /* a short tail (rounding) stays silent */
    return out;
}
