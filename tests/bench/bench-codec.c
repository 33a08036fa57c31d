/* Carillon - micro-benchmark of the codecs a transcoded call runs:
 * nanoseconds to encode and to decode one 20 ms frame, for ulaw, alaw,
 * g722 and opus, through Carillon's own codec modules and the core codec
 * API (pbx_codec_instance_new, pbx_codec_encode/decode), on one thread,
 * with the audio rtpgen streams (tests/bench/tone.h: one second, looped).
 * Instances have the default parameters, which is what the daemon uses
 * for a far end whose SDP has no fmtp (rtpgen's): Opus mono speech at
 * 32 kbit/s, without FEC.  Also timed: the resampling a transcoded call
 * between G.711 and a wideband codec adds (8 kHz up to the codec's rate
 * and back down, per 20 ms frame each way).  A measurement, not a test:
 * no assertion on time.
 *
 *   tests/bench/bench-codec [seconds-per-case]   (default 1.0)
 *
 * tests/bench/bench-transcode.sh divides Carillon's CPU per transcoded
 * call by 50 x (encode + decode) of both legs' codecs from this table.
 * The codecs are loaded from TOP_BUILDDIR/modules (default ./modules).
 */
#include <stdio.h>
#include <stdlib.h>

#include <carillon/carillon.h>
#include <carillon/codec.h>
#include <carillon/resampler.h>

#include "../../core/module_private.h"
#include "tone.h"

#define FRAME_MS 20
#define FRAMES (BENCH_TONE_LOOP_MS / FRAME_MS)

static const char *const codecs[] = { "ulaw", "alaw", "g722", "opus" };

typedef struct {
    guint rate, samples; /* per frame */
    gint16 *pcm;         /* FRAMES frames */
    guint8 payload[FRAMES][PBX_CODEC_MAX_PAYLOAD];
    gint len[FRAMES];
} Loop;

static PbxCodecInstance *
instance(const char *name)
{
    const PbxCodec *codec = pbx_codec_find(name);
    g_autoptr(GError) error = NULL;
    PbxCodecInstance *inst;

    if (!codec)
        g_error("codec %s is not loaded", name);
    inst = pbx_codec_instance_new(codec, NULL, &error);
    if (!inst)
        g_error("%s: %s", name, error->message);
    return inst;
}

/* One pass over the loop; returns the nanoseconds it took. */
static double
encode_once(PbxCodecInstance *inst, Loop *l)
{
    gint64 start = g_get_monotonic_time();

    for (guint i = 0; i < FRAMES; i++) {
        l->len[i] = pbx_codec_encode(inst, l->pcm + (gsize) i * l->samples, l->samples,
                                     l->payload[i], sizeof l->payload[i]);
        if (l->len[i] <= 0)
            g_error("encode failed: %d", l->len[i]);
    }
    return (double) (g_get_monotonic_time() - start) * 1000.0;
}

static double
decode_once(PbxCodecInstance *inst, Loop *l)
{
    static gint16 out[PBX_AUDIO_MAX_SAMPLES];
    gint64 start = g_get_monotonic_time();

    for (guint i = 0; i < FRAMES; i++)
        if (pbx_codec_decode(inst, l->payload[i], (gsize) l->len[i], out, G_N_ELEMENTS(out))
            != (gint) l->samples)
            g_error("decode failed");
    return (double) (g_get_monotonic_time() - start) * 1000.0;
}

/* ns per frame of fn over passes for about `seconds`. */
static double
measure(double (*fn)(PbxCodecInstance *, Loop *), PbxCodecInstance *inst, Loop *l, double seconds)
{
    double ns = 0;
    guint64 passes = 0;

    do {
        ns += fn(inst, l);
        passes++;
    } while (ns < seconds * 1e9);
    return ns / (double) (passes * FRAMES);
}

static void
report_codec(const char *name, double seconds)
{
    g_autoptr(PbxCodecInstance) enc = instance(name);
    g_autoptr(PbxCodecInstance) dec = instance(name);
    Loop *l = g_new0(Loop, 1);
    double encode, decode;
    gsize bytes = 0;

    l->rate = pbx_codec_instance_get_codec(enc)->sample_rate;
    l->samples = l->rate / 1000 * FRAME_MS;
    l->pcm = g_new(gint16, (gsize) l->samples * FRAMES);
    bench_tone_fill(l->pcm, l->samples * FRAMES, l->rate, 0);
    measure(encode_once, enc, l, seconds / 5); /* warm-up, and the payloads */
    measure(decode_once, dec, l, seconds / 5);
    encode = measure(encode_once, enc, l, seconds);
    decode = measure(decode_once, dec, l, seconds);
    for (guint i = 0; i < FRAMES; i++)
        bytes += (gsize) l->len[i];
    printf("%-6s %6u %6.0f %10.0f %10.0f %10.0f %10.1f\n", name, l->rate, (double) bytes / FRAMES,
           encode, decode, encode + decode, 50 * (encode + decode) / 1000.0);
    g_free(l->pcm);
    g_free(l);
}

/* 20 ms of the tone from 8 kHz to rate and back, per frame each way. */
static void
report_resample(guint rate, double seconds)
{
    g_autoptr(PbxResampler) up = pbx_resampler_new(8000, rate, NULL);
    g_autoptr(PbxResampler) down = pbx_resampler_new(rate, 8000, NULL);
    guint n = 8000 / 1000 * FRAME_MS, m = rate / 1000 * FRAME_MS;
    g_autofree gint16 *narrow = g_new(gint16, (gsize) n * FRAMES);
    g_autofree gint16 *wide = g_new(gint16, (gsize) m * FRAMES);
    static gint16 out[PBX_AUDIO_MAX_SAMPLES];
    double ns = 0;
    guint64 frames = 0;

    if (!up || !down)
        g_error("no resampler 8000 <-> %u", rate);
    bench_tone_fill(narrow, n * FRAMES, 8000, 0);
    bench_tone_fill(wide, m * FRAMES, rate, 0);
    do {
        gint64 start = g_get_monotonic_time();

        for (guint i = 0; i < FRAMES; i++) {
            pbx_resampler_process(up, narrow + (gsize) i * n, n, out, G_N_ELEMENTS(out));
            pbx_resampler_process(down, wide + (gsize) i * m, m, out, G_N_ELEMENTS(out));
        }
        ns += (double) (g_get_monotonic_time() - start) * 1000.0;
        frames += FRAMES;
    } while (ns < seconds * 1e9);
    printf("resample 8000<->%-5u %28s %10.0f %10.1f\n", rate, "", ns / (double) frames,
           50 * ns / (double) frames / 1000.0);
}

int
main(int argc, char **argv)
{
    double seconds = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 1.0;
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autoptr(GError) error = NULL;

    if (seconds <= 0)
        seconds = 1.0;
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the core's log on stderr */
    g_main_context_acquire(g_main_context_default());
    pbx_modules_init(mods);
    if (!pbx_module_load("codec_g711", &error) || !pbx_module_load("codec_g722", &error)
        || !pbx_module_load("codec_opus", &error))
        g_error("%s", error->message);
    printf(
        "codec cost: Carillon's codec modules, one thread, 20 ms frames of the tone of"
        " tests/bench/tone.h (%.1f s per case)\n",
        seconds);
    printf("%-6s %6s %6s %10s %10s %10s %10s\n", "codec", "rate", "bytes", "encode ns", "decode ns",
           "pair ns", "us/s");
    for (guint i = 0; i < G_N_ELEMENTS(codecs); i++)
        report_codec(codecs[i], seconds);
    report_resample(16000, seconds);
    report_resample(48000, seconds);
    printf(
        "us/s: one leg of a call for a second: 50 frames encoded and 50 decoded"
        " (resample: 50 up and 50 down)\n");
    pbx_modules_shutdown();
    return 0;
}
