/* Carillon - unit tests of G.722 (codec_g722, spandsp).
 *
 * The Debian packages ship no G.722 test vectors (dpkg -L libspandsp-dev
 * libspandsp2: headers and libraries only; spandsp's ITU vectors stay in
 * its source tree), so the codec is judged by round trips: narrowband
 * tones and a 6 kHz tone that only a wideband codec carries. */
#include "../audio_check.h"

#define RATE 16000
#define N RATE                  /* one second */
#define MAX_LAG 200
#define SKIP 1000

extern const PbxModuleInfo pbx_module_info;

static void
check_tone(double freq)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("g722", NULL);
    g_autofree gint16 *in = g_new(gint16, N);
    g_autofree gint16 *out = g_new(gint16, N);
    guint lag = 0;
    double corr, snr;

    audio_tone(in, N, RATE, freq, 10000);
    /* 64 kbit/s: a byte per two samples. */
    g_assert_cmpuint(audio_codec_round_trip(inst, in, N, out), ==, N / 2);
    /* Past the first packets, where the ADPCM predictors settle. */
    corr = audio_best_lag_correlation(in + SKIP, out + SKIP, N - 2 * SKIP, MAX_LAG, &lag);
    snr = audio_snr_db(in + SKIP, out + SKIP, N - 2 * SKIP, lag);
    g_test_message("g722 %.0f Hz: correlation %.4f at lag %u, SNR %.1f dB", freq, corr, lag, snr);
    g_assert_cmpfloat(corr, >, 0.99);
    g_assert_cmpfloat(snr, >, 20);
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(out + SKIP, N - SKIP, RATE, 1000),
                                   freq, freq * 0.005);
}

static void
test_tone_round_trip(void)
{
    check_tone(1000);
    check_tone(440);
    check_tone(6000);
}

static void
test_descriptor(void)
{
    const PbxCodec *g722 = pbx_codec_find("g722");
    g_autofree char *rtpmap = pbx_codec_dup_rtpmap(g722);

    /* RFC 3551: the RTP clock stays 8000 although G.722 samples at 16 kHz. */
    g_assert_cmpstr(rtpmap, ==, "G722/8000");
    g_assert_cmpuint(g722->clock_rate, ==, 8000);
    g_assert_cmpuint(g722->sample_rate, ==, 16000);
    g_assert_true(pbx_codec_find_by_payload(9) == g722);
    g_assert_null(g722->fmtp);
}

static void
test_frames_and_buffers(void)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("g722", "ptime=10");
    g_autofree PbxAudioFrame *frame = g_new0(PbxAudioFrame, 1);
    gint16 pcm[320] = { 0 };
    guint8 out[160];

    g_assert_cmpuint(pbx_codec_instance_get_frame_samples(inst), ==, 160);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 159, out, sizeof out), ==, PBX_AUDIO_E_INVALID);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 320, out, 159), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 320, out, 160), ==, 160);
    g_assert_cmpint(pbx_codec_decode(inst, out, 160, pcm, 319), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_decode_frame(inst, out, 160, frame), ==, 320);
    g_assert_cmpuint(frame->rate, ==, 16000);
    g_assert_cmpuint(frame->n_samples, ==, 320);
    g_assert_cmpint(pbx_codec_encode_frame(inst, frame, out, sizeof out), ==, 160);
    frame->rate = 8000;
    g_assert_cmpint(pbx_codec_encode_frame(inst, frame, out, sizeof out), ==, PBX_AUDIO_E_RATE);
    g_assert_cmpint(pbx_codec_conceal(inst, pcm, 320), ==, PBX_AUDIO_E_UNSUPPORTED);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("G.722 through spandsp: wideband round trips, RTP clock, buffers");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(pbx_module_info.load(NULL, &error));
    g_assert_no_error(error);
    g_test_add_func("/codec/g722/tone-round-trip", test_tone_round_trip);
    g_test_add_func("/codec/g722/descriptor", test_descriptor);
    g_test_add_func("/codec/g722/frames-and-buffers", test_frames_and_buffers);
    return g_test_run();
}
