/* Carillon - micro-benchmark of the playout (jitter) buffer
 * (res_rtp/playout.c): nanoseconds per packet put plus frame pulled, on
 * one thread, for G.711 and Opus (20 ms packets and frames), with the
 * packets encoded beforehand and a simulated clock, on a clean network
 * and with 0-60 ms of jitter and 3 % loss.  The decode alone is timed
 * too: put + pull less decode is what the buffer itself costs.  A
 * measurement, not a test: no assertion on time.
 *
 *   tests/bench/bench-playout [seconds-per-case]   (default 1.0)
 *
 * The codecs are loaded from TOP_BUILDDIR/modules (default ./modules).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carillon/carillon.h>

#include "../../core/module_private.h"
#include "../../modules/res_rtp/playout.h"

#define PACKETS 3000 /* a minute of 20 ms packets */
#define PTIME_MS 20

typedef struct {
    RtpHeader h;
    gint64 arrival_us;
    gboolean lost;
    gint len;
    guint8 data[PBX_CODEC_MAX_PAYLOAD];
} Packet;

static PbxCodecInstance *
instance(const char *name, const char *fmtp)
{
    const PbxCodec *codec = pbx_codec_find(name);
    PbxCodecParams params;

    if (!codec)
        g_error("codec %s is not loaded", name);
    pbx_codec_params_parse(codec, fmtp, &params, NULL);
    return pbx_codec_instance_new(codec, &params, NULL);
}

/* Voiced speech, roughly: harmonics of a gliding 150 Hz voice whose
 * loudness rises and falls three times a second. */
static void
speechlike(gint16 *pcm, guint n, guint rate)
{
    double phase = 0;

    for (guint i = 0; i < n; i++) {
        double t = (double) i / rate, v = 0;
        phase += 2 * G_PI * (150 + 30 * sin(2 * G_PI * 2.3 * t)) / rate;
        for (guint k = 1; k <= 12; k++)
            v += sin(k * phase + k) / k;
        pcm[i] = (gint16) lrint(5000 * (0.55 - 0.45 * cos(2 * G_PI * 3 * t)) * v);
    }
}

static gint
by_arrival(gconstpointer a, gconstpointer b)
{
    const Packet *x = a, *y = b;

    if (x->arrival_us != y->arrival_us)
        return x->arrival_us < y->arrival_us ? -1 : 1;
    return (gint) x->h.seq - (gint) y->h.seq;
}

/* PACKETS packets of speech, sent every 20 ms, arriving 5 ms later plus
 * up to jitter_us; a share `loss` of them lost. */
static Packet *
encode(const char *codec, const char *fmtp, gint64 jitter_us, double loss)
{
    g_autoptr(PbxCodecInstance) enc = instance(codec, fmtp);
    guint rate = pbx_codec_instance_get_codec(enc)->sample_rate;
    guint clock = pbx_codec_instance_get_codec(enc)->clock_rate;
    guint n = rate / 1000 * PTIME_MS;
    g_autofree gint16 *pcm = g_new(gint16, (gsize) n * PACKETS);
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    Packet *packets = g_new0(Packet, PACKETS);

    speechlike(pcm, n * PACKETS, rate);
    for (guint i = 0; i < PACKETS; i++) {
        Packet *pk = &packets[i];
        pk->len = pbx_codec_encode(enc, pcm + (gsize) i * n, n, pk->data, sizeof pk->data);
        pk->h = (RtpHeader) { .seq = (guint16) i,
                              .timestamp = i * clock / 1000 * PTIME_MS,
                              .ssrc = 1,
                              .marker = i == 0 };
        pk->arrival_us = 1000000 + i * PTIME_MS * 1000 + 5000
                         + (gint64) g_rand_double_range(rand, 0, (double) jitter_us);
        pk->lost = g_rand_double(rand) < loss;
    }
    qsort(packets, PACKETS, sizeof *packets, by_arrival);
    return packets;
}

/* One pass through the packets; returns the nanoseconds it took. */
static double
play_once(PbxCodecInstance *dec, const Packet *packets)
{
    static PbxAudioFrame frame;
    g_autoptr(RtpPlayout) p = rtp_playout_new(dec, PTIME_MS, NULL);
    gint64 start = g_get_monotonic_time(), now_us = 1000000 + 7000;
    guint next = 0;

    for (guint f = 0; f < PACKETS; f++, now_us += PTIME_MS * 1000) {
        for (; next < PACKETS && packets[next].arrival_us <= now_us; next++) {
            const Packet *pk = &packets[next];
            if (!pk->lost)
                rtp_playout_put(p, &pk->h, pk->data, (gsize) pk->len, pk->arrival_us);
        }
        rtp_playout_pull(p, now_us, &frame);
    }
    return (double) (g_get_monotonic_time() - start) * 1000.0;
}

static double
decode_once(PbxCodecInstance *dec, const Packet *packets)
{
    static gint16 pcm[PBX_AUDIO_MAX_SAMPLES];
    gint64 start = g_get_monotonic_time();

    for (guint i = 0; i < PACKETS; i++)
        pbx_codec_decode(dec, packets[i].data, (gsize) packets[i].len, pcm, G_N_ELEMENTS(pcm));
    return (double) (g_get_monotonic_time() - start) * 1000.0;
}

/* ns per packet of fn over passes for about `seconds`. */
static double
measure(double (*fn)(PbxCodecInstance *, const Packet *), PbxCodecInstance *dec,
        const Packet *packets, double seconds)
{
    double ns = 0;
    guint64 passes = 0;

    do {
        ns += fn(dec, packets);
        passes++;
    } while (ns < seconds * 1e9);
    return ns / (double) (passes * PACKETS);
}

static void
report(const char *codec, const char *fmtp, const char *network, gint64 jitter_us, double loss,
       double seconds)
{
    g_autofree Packet *packets = encode(codec, fmtp, jitter_us, loss);
    g_autoptr(PbxCodecInstance) dec = instance(codec, NULL);
    double both, decode;

    measure(play_once, dec, packets, seconds / 5); /* warm-up */
    both = measure(play_once, dec, packets, seconds);
    decode = measure(decode_once, dec, packets, seconds);
    printf("%-5s %-22s %8.0f ns put+pull  %8.0f ns decode  %6.0f ns buffer\n", codec, network, both,
           decode, both - decode);
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
    if (!pbx_module_load("codec_g711", &error) || !pbx_module_load("codec_opus", &error))
        g_error("%s", error->message);
    printf("playout buffer, one thread, 20 ms packets and frames, per packet (%.1f s each)\n",
           seconds);
    report("ulaw", NULL, "clean", 0, 0, seconds);
    report("ulaw", NULL, "0-60 ms jitter, 3% loss", 60000, 0.03, seconds);
    report("opus", "useinbandfec=1", "clean", 0, 0, seconds);
    report("opus", "useinbandfec=1", "0-60 ms jitter, 3% loss", 60000, 0.03, seconds);
    pbx_modules_shutdown();
    return 0;
}
