/* Carillon - unit test helpers: tones in, measurements out.
 *
 * Codecs are judged on what a listener would notice: the tone keeps its
 * frequency (zero crossings, Goertzel) and the output resembles the input
 * once the codec's delay is accounted for (the best-lag correlation).
 * Header-only so that each test program takes what it uses.
 */
#pragma once

#include <math.h>

#include <carillon/carillon.h>

static inline void
audio_tone(gint16 *pcm, guint n, guint rate, double freq, double amplitude)
{
    for (guint i = 0; i < n; i++)
        pcm[i] = (gint16) lrint(amplitude * sin(2 * G_PI * freq * i / rate));
}

static inline double
audio_rms(const gint16 *pcm, guint n)
{
    double sum = 0;

    for (guint i = 0; i < n; i++)
        sum += (double) pcm[i] * pcm[i];
    return n ? sqrt(sum / n) : 0;
}

/* Frequency from rising zero crossings, interpolated between samples.  A
 * crossing counts only after the signal went below -hysteresis, so noise
 * around zero does not add crossings.  0 when fewer than two. */
static inline double
audio_zero_crossing_freq(const gint16 *pcm, guint n, guint rate, double hysteresis)
{
    double first = -1, last = -1;
    guint count = 0;
    gboolean armed = FALSE;

    for (guint i = 1; i < n; i++) {
        armed |= pcm[i - 1] < -hysteresis;
        if (armed && pcm[i - 1] < 0 && pcm[i] >= 0) {
            double t = i - 1 + (double) -pcm[i - 1] / (pcm[i] - pcm[i - 1]);
            if (first < 0)
                first = t;
            last = t;
            count++;
            armed = FALSE;
        }
    }
    return count < 2 ? 0 : (count - 1) * rate / (last - first);
}

/* The share of the signal's energy at freq (Goertzel): about 1 for a
 * pure tone at freq, about 0 for a tone elsewhere. */
static inline double
audio_tone_share(const gint16 *pcm, guint n, guint rate, double freq)
{
    double coeff = 2 * cos(2 * G_PI * freq / rate);
    double s1 = 0, s2 = 0, energy = 0;

    for (guint i = 0; i < n; i++) {
        double s = pcm[i] + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
        energy += (double) pcm[i] * pcm[i];
    }
    if (energy == 0)
        return 0;
    return 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * energy);
}

/* Normalised correlation of ref[0..n) with out[lag..lag+n). */
static inline double
audio_correlation_at(const gint16 *ref, const gint16 *out, guint n, guint lag)
{
    double xy = 0, xx = 0, yy = 0;

    for (guint i = 0; i < n; i++) {
        xy += (double) ref[i] * out[i + lag];
        xx += (double) ref[i] * ref[i];
        yy += (double) out[i + lag] * out[i + lag];
    }
    return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

/* The best correlation over lags 0..max_lag (out holds n + max_lag
 * samples); the lag found is stored in *lag. */
static inline double
audio_best_lag_correlation(const gint16 *ref, const gint16 *out, guint n, guint max_lag,
                           guint *lag)
{
    double best = -2;

    for (guint l = 0; l <= max_lag; l++) {
        double c = audio_correlation_at(ref, out, n, l);
        if (c > best) {
            best = c;
            *lag = l;
        }
    }
    return best;
}

/* Signal to noise ratio, dB, of out[lag..] against ref. */
static inline double
audio_snr_db(const gint16 *ref, const gint16 *out, guint n, guint lag)
{
    double sig = 0, noise = 0;

    for (guint i = 0; i < n; i++) {
        double d = (double) out[i + lag] - ref[i];
        sig += (double) ref[i] * ref[i];
        noise += d * d;
    }
    return noise > 0 ? 10 * log10(sig / noise) : 200;
}

/* Encodes pcm through inst packet by packet and decodes each packet back
 * into out (n samples); returns the payload bytes produced. */
static inline gsize
audio_codec_round_trip(PbxCodecInstance *inst, const gint16 *pcm, guint n, gint16 *out)
{
    guint frame = pbx_codec_instance_get_frame_samples(inst);
    guint8 payload[PBX_CODEC_MAX_PAYLOAD];
    gsize bytes = 0;

    for (guint i = 0; i + frame <= n; i += frame) {
        gint len = pbx_codec_encode(inst, pcm + i, frame, payload, sizeof payload);
        g_assert_cmpint(len, >, 0);
        bytes += (gsize) len;
        g_assert_cmpint(pbx_codec_decode(inst, payload, (gsize) len, out + i, n - i), ==,
                        (gint) frame);
    }
    return bytes;
}

/* A codec's instance with the params of fmtp (NULL: defaults). */
static inline PbxCodecInstance *
audio_instance(const char *codec_name, const char *fmtp)
{
    const PbxCodec *codec = pbx_codec_find(codec_name);
    g_autoptr(GError) error = NULL;
    PbxCodecParams params;
    PbxCodecInstance *inst;

    g_assert_nonnull(codec);
    g_assert_true(pbx_codec_params_parse(codec, fmtp, &params, &error));
    g_assert_no_error(error);
    inst = pbx_codec_instance_new(codec, &params, &error);
    g_assert_no_error(error);
    g_assert_nonnull(inst);
    return inst;
}
