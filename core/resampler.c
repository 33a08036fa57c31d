/* Carillon - resampling with speexdsp (see carillon/resampler.h).
 *
 * speexdsp's int16 path converts through a buffer on the stack, so
 * process never allocates.  Quality 3 ("VoIP") keeps a 48 kHz -> 8 kHz
 * conversion of speech free of audible aliasing at a fraction of the
 * CPU of the desktop settings; it is fixed so that costs stay comparable.
 */
#include <speex/speex_resampler.h>

#include <carillon/resampler.h>

#include "codec_private.h"

#define QUALITY SPEEX_RESAMPLER_QUALITY_VOIP
#define N_RATES 3

struct _PbxResampler {
    SpeexResamplerState *st;
    guint from_rate;
    guint to_rate;
};

static guint costs[N_RATES][N_RATES];   /* us per second of audio + 1; 0: not timed yet */

PbxResampler *
pbx_resampler_new(guint from_rate, guint to_rate, GError **error)
{
    PbxResampler *self;
    SpeexResamplerState *st;
    int err = 0;

    if (!pbx_audio_rate_is_valid(from_rate) || !pbx_audio_rate_is_valid(to_rate) ||
        from_rate == to_rate) {
        g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_RATE,
                    "cannot resample from %u Hz to %u Hz: two different rates of 8000, "
                    "16000 and 48000 are needed", from_rate, to_rate);
        return NULL;
    }
    st = speex_resampler_init(1, from_rate, to_rate, QUALITY, &err);
    if (!st) {
        g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_FAILED,
                    "speexdsp resampler %u -> %u Hz: %s", from_rate, to_rate,
                    speex_resampler_strerror(err));
        return NULL;
    }
    self = g_new0(PbxResampler, 1);
    self->st = st;
    self->from_rate = from_rate;
    self->to_rate = to_rate;
    return self;
}

void
pbx_resampler_free(PbxResampler *self)
{
    if (!self)
        return;
    speex_resampler_destroy(self->st);
    g_free(self);
}

guint
pbx_resampler_get_from_rate(const PbxResampler *self)
{
    return self->from_rate;
}

guint
pbx_resampler_get_to_rate(const PbxResampler *self)
{
    return self->to_rate;
}

guint
pbx_resampler_get_delay(const PbxResampler *self)
{
    return (guint) MAX(speex_resampler_get_output_latency(self->st), 0);
}

gint
pbx_resampler_process(PbxResampler *self, const gint16 *in, guint n_in, gint16 *out,
                      guint max_out)
{
    guint64 need = ((guint64) n_in * self->to_rate + self->from_rate - 1) / self->from_rate;
    spx_uint32_t in_len = n_in, out_len = max_out;

    if (need > max_out)
        return PBX_AUDIO_E_SPACE;
    if (speex_resampler_process_int(self->st, 0, in, &in_len, out, &out_len) !=
        RESAMPLER_ERR_SUCCESS)
        return PBX_AUDIO_E_INVALID;
    return (gint) out_len;
}

gint
pbx_resampler_process_frame(PbxResampler *self, const PbxAudioFrame *in, PbxAudioFrame *out)
{
    gint n;

    if (in->rate != self->from_rate)
        return PBX_AUDIO_E_RATE;
    n = pbx_resampler_process(self, in->samples, in->n_samples, out->samples,
                              PBX_AUDIO_MAX_SAMPLES);
    if (n >= 0) {
        out->rate = self->to_rate;
        out->n_samples = (guint) n;
    }
    return n;
}

void
pbx_resampler_reset(PbxResampler *self)
{
    speex_resampler_reset_mem(self->st);
}

static guint
rate_index(guint rate)
{
    return rate == 8000 ? 0 : rate == 16000 ? 1 : 2;
}

/* One second of the test signal through a fresh resampler, in 20 ms
 * frames as a media worker would, repeated until measurable. */
static guint
measure(guint from_rate, guint to_rate)
{
    g_autoptr(PbxResampler) rs = pbx_resampler_new(from_rate, to_rate, NULL);
    guint frame = pbx_audio_samples_for_ms(from_rate, 20);
    g_autofree gint16 *pcm = g_new(gint16, from_rate);
    g_autofree gint16 *out = g_new(gint16, PBX_AUDIO_MAX_SAMPLES);
    gint64 ns = 0;
    guint passes = 0;

    pbx_cost_signal(pcm, from_rate, from_rate);
    for (; passes < PBX_COST_MAX_PASSES && ns < PBX_COST_MIN_NS; passes++) {
        gint64 t0 = pbx_cost_cpu_ns();
        for (guint i = 0; i + frame <= from_rate; i += frame)
            pbx_resampler_process(rs, pcm + i, frame, out, PBX_AUDIO_MAX_SAMPLES);
        ns += pbx_cost_cpu_ns() - t0;
    }
    return (guint) (ns / passes / 1000);
}

guint
pbx_resampler_get_cost(guint from_rate, guint to_rate)
{
    guint *cost;

    if (from_rate == to_rate || !pbx_audio_rate_is_valid(from_rate) ||
        !pbx_audio_rate_is_valid(to_rate))
        return 0;
    cost = &costs[rate_index(from_rate)][rate_index(to_rate)];
    if (*cost == 0)
        *cost = measure(from_rate, to_rate) + 1;
    return *cost - 1;
}
