/* Carillon - unit tests of Opus (codec_opus, libopus).
 *
 * The Debian packages ship no Opus test vectors (dpkg -L libopus-dev
 * libopus0: headers and libraries; the RFC 6716/8251 vectors are a
 * separate download), so the codec is judged by round trips after its
 * delay, by what the far end's fmtp does to the encoder, and by how
 * losses are covered: PLC and in-band FEC. */
#include <string.h>

#include "../audio_check.h"
#include "../../../core/codec_private.h"

#define RATE 48000
#define N RATE                  /* one second */
#define FRAME 960               /* 20 ms */
#define SKIP 4800
#define MAX_LAG 1200

extern const PbxModuleInfo pbx_module_info;

static void
check_tone(double freq)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("opus", NULL);
    g_autofree gint16 *in = g_new(gint16, N);
    g_autofree gint16 *out = g_new(gint16, N);
    guint lag = 0;
    double corr;

    audio_tone(in, N, RATE, freq, 10000);
    audio_codec_round_trip(inst, in, N, out);
    corr = audio_best_lag_correlation(in + SKIP, out + SKIP, N - 2 * SKIP, MAX_LAG, &lag);
    g_test_message("opus %.0f Hz: correlation %.4f at lag %u, SNR %.1f dB", freq, corr, lag,
                   audio_snr_db(in + SKIP, out + SKIP, N - 2 * SKIP, lag));
    g_assert_cmpfloat(corr, >, 0.99);
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(out + SKIP, N - SKIP, RATE, 1000),
                                   freq, freq * 0.005);
}

static void
test_tone_round_trip(void)
{
    check_tone(1000);
    check_tone(440);
}

/* Decodes a few packets of a tone, then conceals one: Opus' PLC carries
 * the tone on, neither silent nor louder than what came before. */
static void
test_packet_loss_concealment(void)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("opus", NULL);
    gint16 in[10 * FRAME], out[10 * FRAME], plc[FRAME];
    double rms;

    audio_tone(in, G_N_ELEMENTS(in), RATE, 440, 10000);
    audio_codec_round_trip(inst, in, G_N_ELEMENTS(in), out);
    g_assert_cmpint(pbx_codec_conceal(inst, plc, FRAME), ==, FRAME);
    rms = audio_rms(plc, FRAME);
    g_test_message("PLC: rms %.0f (tone %.0f), share at 440 Hz %.3f", rms,
                   audio_rms(in, FRAME), audio_tone_share(plc, FRAME, RATE, 440));
    g_assert_cmpfloat(rms, >, 0.2 * audio_rms(in, FRAME));
    g_assert_cmpfloat(rms, <, 1.5 * audio_rms(in, FRAME));
    g_assert_cmpfloat(audio_tone_share(plc, FRAME, RATE, 440), >, 0.5);
    /* The lost duration must be a multiple of 2.5 ms. */
    g_assert_cmpint(pbx_codec_conceal(inst, plc, 100), ==, PBX_AUDIO_E_INVALID);
}

/* Encodes 440 Hz for packets 0..SWITCH-1 and 1000 Hz after, with FEC. */
#define N_PACKETS 20
#define SWITCH 10

typedef struct {
    guint8 data[N_PACKETS][PBX_CODEC_MAX_PAYLOAD];
    gint len[N_PACKETS];
} Packets;

static void
encode_tone_switch(const char *fmtp, Packets *p)
{
    g_autoptr(PbxCodecInstance) enc = audio_instance("opus", fmtp);
    gint16 pcm[FRAME];

    for (guint i = 0; i < N_PACKETS; i++) {
        audio_tone(pcm, FRAME, RATE, i < SWITCH ? 440 : 1000, 10000);
        p->len[i] = pbx_codec_encode(enc, pcm, FRAME, p->data[i], PBX_CODEC_MAX_PAYLOAD);
        g_assert_cmpint(p->len[i], >, 0);
    }
}

/* Decodes up to the switch, loses the packet at the switch and covers
 * it with FEC from the next packet (fec) or with PLC; returns the share
 * of 1000 Hz in the second half of what covers the loss. */
static double
cover_loss(const Packets *p, gboolean fec)
{
    g_autoptr(PbxCodecInstance) dec = audio_instance("opus", NULL);
    gint16 pcm[FRAME];
    gint n;

    for (guint i = 0; i < SWITCH; i++)
        g_assert_cmpint(pbx_codec_decode(dec, p->data[i], p->len[i], pcm, FRAME), ==, FRAME);
    if (fec)
        n = pbx_codec_decode_fec(dec, p->data[SWITCH + 1], p->len[SWITCH + 1], pcm, FRAME);
    else
        n = pbx_codec_conceal(dec, pcm, FRAME);
    g_assert_cmpint(n, ==, FRAME);
    g_assert_cmpfloat(audio_rms(pcm, FRAME), <, 15000);
    /* The decoder's output runs about 7 ms behind its input: the packet
     * at the switch starts with the end of the 440 Hz. */
    return audio_tone_share(pcm + FRAME / 2, FRAME / 2, RATE, 1000);
}

/* The far end offered useinbandfec=1, so each packet carries the previous
 * one again at a lower rate: the 1000 Hz of the lost packet comes back,
 * where PLC could only extend the 440 Hz before it. */
static void
test_fec_recovers_lost_packet(void)
{
    g_autofree Packets *with_fec = g_new0(Packets, 1);
    g_autofree Packets *without = g_new0(Packets, 1);
    double fec, plc, none;

    encode_tone_switch("useinbandfec=1;maxplaybackrate=16000;maxaveragebitrate=24000", with_fec);
    encode_tone_switch("useinbandfec=0;maxplaybackrate=16000;maxaveragebitrate=24000", without);
    fec = cover_loss(with_fec, TRUE);
    plc = cover_loss(with_fec, FALSE);
    none = cover_loss(without, TRUE);
    g_test_message("share of 1000 Hz: FEC %.3f, PLC %.3f, FEC without FEC data %.3f", fec, plc,
                   none);
    g_assert_cmpfloat(fec, >, 0.8);
    g_assert_cmpfloat(plc, <, 0.1);
    g_assert_cmpfloat(none, <, 0.1);
}

static double
out_rms_for(const char *fmtp, double freq)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("opus", fmtp);
    g_autofree gint16 *in = g_new(gint16, N / 2);
    g_autofree gint16 *out = g_new(gint16, N / 2);

    audio_tone(in, N / 2, RATE, freq, 10000);
    audio_codec_round_trip(inst, in, N / 2, out);
    return audio_rms(out + SKIP, N / 2 - SKIP);
}

/* maxplaybackrate=8000: narrowband, so a 6 kHz tone does not get through. */
static void
test_maxplaybackrate_limits_bandwidth(void)
{
    double full = out_rms_for(NULL, 6000);
    double narrow = out_rms_for("maxplaybackrate=8000", 6000);

    g_test_message("6 kHz tone: rms %.0f fullband, %.0f narrowband", full, narrow);
    g_assert_cmpfloat(full, >, 5000);
    g_assert_cmpfloat(narrow, <, 500);
}

static gsize
bytes_per_second(const char *fmtp)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("opus", fmtp);
    g_autofree gint16 *in = g_new(gint16, N);
    g_autofree gint16 *out = g_new(gint16, N);

    pbx_cost_signal(in, N, RATE);
    return audio_codec_round_trip(inst, in, N, out);
}

static void
test_maxaveragebitrate_sets_bitrate(void)
{
    gsize low = bytes_per_second("maxaveragebitrate=12000");
    gsize high = bytes_per_second("maxaveragebitrate=64000");

    g_test_message("bytes per second: %zu at 12 kbit/s, %zu at 64 kbit/s", low, high);
    g_assert_cmpuint(low, >, 12000 / 8 * 6 / 10);
    g_assert_cmpuint(low, <, 12000 / 8 * 14 / 10);
    g_assert_cmpuint(high, >, 64000 / 8 * 6 / 10);
    g_assert_cmpuint(high, <, 64000 / 8 * 14 / 10);
}

#define DEFAULTS "maxplaybackrate=48000;stereo=0;useinbandfec=0"

/* Far-end fmtp, whether it parses cleanly, and the params it leaves
 * (written back as fmtp). */
static const struct {
    const char *fmtp;
    gboolean ok;
    const char *params;
} fmtp_cases[] = {
    { NULL, TRUE, DEFAULTS },
    { "", TRUE, DEFAULTS },
    { ";;; ; ", TRUE, DEFAULTS },
    { "garbage", FALSE, DEFAULTS },
    { "=", FALSE, DEFAULTS },
    { "==;=1", FALSE, DEFAULTS },
    { "useinbandfec", FALSE, DEFAULTS },
    { "useinbandfec=", FALSE, DEFAULTS },
    { "useinbandfec=2", FALSE, DEFAULTS },
    { "useinbandfec=-1", FALSE, DEFAULTS },
    { "useinbandfec=1 junk", FALSE, DEFAULTS },
    { "maxplaybackrate=99999999999999999999999", FALSE, DEFAULTS },
    { "maxplaybackrate=4294967296", FALSE, DEFAULTS },
    { "maxplaybackrate=0x10", FALSE, DEFAULTS },
    { "maxplaybackrate=0", FALSE, DEFAULTS },
    { "maxaveragebitrate=1e9", FALSE, DEFAULTS },
    { "maxplaybackrate=4294967295", TRUE, DEFAULTS },
    { "maxplaybackrate=100", TRUE, "maxplaybackrate=8000;stereo=0;useinbandfec=0" },
    { "maxaveragebitrate=1000000", TRUE,
      "maxplaybackrate=48000;maxaveragebitrate=510000;stereo=0;useinbandfec=0" },
    { " MaxPlaybackRate = 12000 ; USEINBANDFEC=1 ", TRUE,
      "maxplaybackrate=12000;stereo=0;useinbandfec=1" },
    { "minptime=10;useinbandfec=1;sprop-stereo=1", TRUE,
      "maxplaybackrate=48000;stereo=0;useinbandfec=1" },
    { "useinbandfec=1;useinbandfec=bad;stereo=1", FALSE,
      "maxplaybackrate=48000;stereo=1;useinbandfec=1" },
    { "\x01\xff=\x80;stereo=\xff", FALSE, DEFAULTS },
};

static void
check_fmtp_case(const PbxCodec *opus, const char *fmtp, gboolean ok, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxCodecInstance) inst = NULL;
    g_autofree char *written = NULL;
    PbxCodecParams params;
    gint16 pcm[FRAME] = { 0 };
    guint8 out[PBX_CODEC_MAX_PAYLOAD];

    g_assert_cmpint(pbx_codec_params_parse(opus, fmtp, &params, &error), ==, ok);
    if (!ok) {
        g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM);
        g_assert_cmpuint(strlen(error->message), <, 200);
    }
    written = pbx_codec_params_to_fmtp(opus, &params);
    g_assert_cmpstr(written, ==, expected);
    g_assert_cmpuint(params.ptime, ==, 20);
    /* Whatever came in, the params make a working encoder. */
    inst = pbx_codec_instance_new(opus, &params, NULL);
    g_assert_nonnull(inst);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, FRAME, out, sizeof out), >, 0);
}

static void
test_fmtp_hostile(void)
{
    const PbxCodec *opus = pbx_codec_find("opus");
    g_autofree char *huge = g_strnfill(65536, 'a');
    g_autofree char *huge_value = g_strconcat("maxaveragebitrate=", huge, NULL);

    for (guint i = 0; i < G_N_ELEMENTS(fmtp_cases); i++) {
        g_test_message("fmtp case %u", i);
        check_fmtp_case(opus, fmtp_cases[i].fmtp, fmtp_cases[i].ok, fmtp_cases[i].params);
    }
    check_fmtp_case(opus, huge, FALSE, DEFAULTS);
    check_fmtp_case(opus, huge_value, FALSE, DEFAULTS);
}

static void
test_fmtp_ptime_and_offer(void)
{
    const PbxCodec *opus = pbx_codec_find("opus");
    g_autofree char *offer = NULL;
    PbxCodecParams params;

    g_assert_true(pbx_codec_params_parse(opus, "ptime=40", &params, NULL));
    g_assert_cmpuint(params.ptime, ==, 40);
    g_assert_true(pbx_codec_params_parse(opus, "ptime=30", &params, NULL));
    g_assert_cmpuint(params.ptime, ==, 20);
    g_assert_false(pbx_codec_params_parse(opus, "ptime=0", &params, NULL));
    g_assert_cmpuint(params.ptime, ==, 20);
    g_assert_false(pbx_codec_params_parse(opus, "ptime=100000", &params, NULL));
    /* What we offer reads back as itself. */
    g_assert_true(pbx_codec_params_parse(opus, opus->fmtp, &params, NULL));
    offer = pbx_codec_params_to_fmtp(opus, &params);
    g_assert_cmpstr(offer, ==, opus->fmtp);
}

static void
test_descriptor(void)
{
    const PbxCodec *opus = pbx_codec_find("opus");
    g_autofree char *rtpmap = pbx_codec_dup_rtpmap(opus);

    g_assert_cmpstr(rtpmap, ==, "opus/48000/2");
    g_assert_cmpuint(opus->payload_type, ==, PBX_CODEC_PT_DYNAMIC);
    g_assert_cmpuint(opus->sample_rate, ==, 48000);
    g_assert_nonnull(opus->conceal);
    g_assert_nonnull(opus->decode_fec);
    g_assert_nonnull(strstr(opus->fmtp, "useinbandfec=1"));
}

static void
test_invalid_input(void)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("opus", "ptime=60");
    static const guint8 bad_toc[] = { 0xff, 0xff, 0xff };
    gint16 pcm[PBX_AUDIO_MAX_SAMPLES] = { 0 };
    guint8 out[PBX_CODEC_MAX_PAYLOAD];
    guint32 seed = 7;
    gint len;

    g_assert_cmpuint(pbx_codec_instance_get_frame_samples(inst), ==, 3 * FRAME);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 1000, out, sizeof out), ==, PBX_AUDIO_E_INVALID);
    len = pbx_codec_encode(inst, pcm, 3 * FRAME, out, sizeof out);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpint(pbx_codec_decode(inst, out, len, pcm, FRAME), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_decode(inst, out, 0, pcm, FRAME), ==, PBX_AUDIO_E_INVALID);
    g_assert_cmpint(pbx_codec_decode(inst, bad_toc, sizeof bad_toc, pcm, 3 * FRAME), ==,
                    PBX_AUDIO_E_INVALID);
    /* Random payloads decode to something (up to 120 ms) or are refused,
     * never worse. */
    for (guint i = 0; i < 200; i++) {
        for (guint j = 0; j < 80; j++) {
            seed = seed * 1103515245u + 12345u;
            out[j] = (guint8) (seed >> 16);
        }
        len = pbx_codec_decode(inst, out, 1 + i % 80, pcm, PBX_AUDIO_MAX_SAMPLES);
        g_assert_true(len == PBX_AUDIO_E_INVALID || (len > 0 && len <= PBX_AUDIO_MAX_SAMPLES));
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("Opus through libopus: round trips, fmtp, PLC and FEC");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(pbx_module_info.load(NULL, &error));
    g_assert_no_error(error);
    g_test_add_func("/codec/opus/tone-round-trip", test_tone_round_trip);
    g_test_add_func("/codec/opus/packet-loss-concealment", test_packet_loss_concealment);
    g_test_add_func("/codec/opus/fec-recovers-lost-packet", test_fec_recovers_lost_packet);
    g_test_add_func("/codec/opus/maxplaybackrate-limits-bandwidth",
                    test_maxplaybackrate_limits_bandwidth);
    g_test_add_func("/codec/opus/maxaveragebitrate-sets-bitrate",
                    test_maxaveragebitrate_sets_bitrate);
    g_test_add_func("/codec/opus/fmtp-hostile", test_fmtp_hostile);
    g_test_add_func("/codec/opus/fmtp-ptime-and-offer", test_fmtp_ptime_and_offer);
    g_test_add_func("/codec/opus/descriptor", test_descriptor);
    g_test_add_func("/codec/opus/invalid-input", test_invalid_input);
    return g_test_run();
}
