/* Carillon - timing codecs for translation costs (see codec_private.h).
 *
 * Like Asterisk's translate.c, each codec is timed once, when it
 * registers, on this machine: encoding and decoding a second of a
 * speech-like signal.
 */
#include <math.h>
#include <time.h>

#include "codec_private.h"

typedef struct {
    const PbxCodec *codec;
    gpointer state;
    guint frame;                /* samples per packet */
    guint n_packets;
    gint16 *pcm;                /* n_packets * frame samples */
    guint8 *packets;            /* PBX_CODEC_MAX_PAYLOAD each */
    gint *lens;
    gint16 *out;                /* PBX_AUDIO_MAX_SAMPLES */
} Bench;

void
pbx_cost_signal(gint16 *pcm, guint n, guint rate)
{
    guint32 seed = 12345;

    for (guint i = 0; i < n; i++) {
        double t = (double) i / rate;
        double env = 0.55 + 0.45 * sin(2 * G_PI * 5 * t);
        double v = 6000 * sin(2 * G_PI * 220 * t) + 4000 * sin(2 * G_PI * 1200 * t) +
                   2000 * sin(2 * G_PI * 3100 * t);

        seed = seed * 1103515245u + 12345u;
        pcm[i] = (gint16) (env * v + (double) (seed >> 16 & 0x3ff) - 512);
    }
}

gint64
pbx_cost_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64) ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

static gboolean
encode_pass(Bench *b)
{
    for (guint i = 0; i < b->n_packets; i++) {
        b->lens[i] = b->codec->encode(b->state, b->pcm + (gsize) i * b->frame, b->frame,
                                      b->packets + (gsize) i * PBX_CODEC_MAX_PAYLOAD,
                                      PBX_CODEC_MAX_PAYLOAD);
        if (b->lens[i] <= 0)
            return FALSE;
    }
    return TRUE;
}

static gboolean
decode_pass(Bench *b)
{
    for (guint i = 0; i < b->n_packets; i++) {
        gint n = b->codec->decode(b->state, b->packets + (gsize) i * PBX_CODEC_MAX_PAYLOAD,
                                  (gsize) b->lens[i], b->out, PBX_AUDIO_MAX_SAMPLES);
        if (n != (gint) b->frame)
            return FALSE;
    }
    return TRUE;
}

/* Times passes of encode and decode; FALSE when one fails. */
static gboolean
run_passes(Bench *b, gint64 *encode_ns, gint64 *decode_ns, guint *passes)
{
    *encode_ns = *decode_ns = 0;
    for (*passes = 0; *passes < PBX_COST_MAX_PASSES && *encode_ns + *decode_ns < PBX_COST_MIN_NS;
         (*passes)++) {
        gint64 t0 = pbx_cost_cpu_ns(), t1, t2;
        if (!encode_pass(b))
            return FALSE;
        t1 = pbx_cost_cpu_ns();
        if (!decode_pass(b))
            return FALSE;
        t2 = pbx_cost_cpu_ns();
        *encode_ns += t1 - t0;
        *decode_ns += t2 - t1;
    }
    return TRUE;
}

static void
bench_init(Bench *b, const PbxCodec *codec, gpointer state)
{
    b->codec = codec;
    b->state = state;
    b->frame = pbx_audio_samples_for_ms(codec->sample_rate, codec->ptime);
    b->n_packets = PBX_COST_AUDIO_MS / codec->ptime;
    b->pcm = g_new(gint16, (gsize) b->frame * b->n_packets);
    b->packets = g_malloc((gsize) PBX_CODEC_MAX_PAYLOAD * b->n_packets);
    b->lens = g_new(gint, b->n_packets);
    b->out = g_new(gint16, PBX_AUDIO_MAX_SAMPLES);
    pbx_cost_signal(b->pcm, b->frame * b->n_packets, codec->sample_rate);
}

static void
bench_clear(Bench *b)
{
    g_free(b->pcm);
    g_free(b->packets);
    g_free(b->lens);
    g_free(b->out);
}

/* ns of CPU per pass over PBX_COST_AUDIO_MS -> us per second of audio. */
static guint
per_second(gint64 ns, guint passes, const Bench *b)
{
    guint audio_ms = b->n_packets * b->codec->ptime;

    return (guint) (ns / passes / audio_ms);
}

gboolean
pbx_cost_measure_codec(const PbxCodec *codec, guint *encode_us, guint *decode_us,
                       GError **error)
{
    PbxCodecParams params;
    gpointer state = NULL;
    gint64 enc_ns, dec_ns;
    guint passes;
    gboolean ok;
    Bench b;

    /* Timed as a peer like us would ask for it: with our own fmtp. */
    pbx_codec_params_parse(codec, codec->fmtp, &params, NULL);
    if (codec->state_new && !(state = codec->state_new(&params, error)))
        return FALSE;
    bench_init(&b, codec, state);
    ok = run_passes(&b, &enc_ns, &dec_ns, &passes);
    if (ok) {
        *encode_us = per_second(enc_ns, passes, &b);
        *decode_us = per_second(dec_ns, passes, &b);
    } else {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID,
                    "codec '%s' fails its self-test: a %u ms packet does not encode and "
                    "decode back to %u samples", codec->name, codec->ptime, b.frame);
    }
    bench_clear(&b);
    if (state)
        codec->state_free(state);
    return ok;
}
