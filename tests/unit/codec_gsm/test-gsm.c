/* Carillon - unit tests of GSM 06.10 (codec_gsm, libgsm).
 *
 * The Debian packages ship no GSM test vectors (dpkg -L libgsm1-dev
 * libgsm1: headers, library, man pages).  spandsp carries its own,
 * independent GSM 06.10, and the standard is bit exact: libgsm must
 * produce the same frames and the same decoded samples. */
#include <spandsp.h>

#include "../audio_check.h"
#include "../../../core/codec_private.h"

#define RATE 8000
#define N RATE                  /* one second */
#define SKIP 800
#define MAX_LAG 100

extern const PbxModuleInfo pbx_module_info;

static void
check_tone(double freq)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("gsm", NULL);
    gint16 in[N], out[N];
    guint lag = 0;
    double corr, snr;

    audio_tone(in, N, RATE, freq, 10000);
    /* 13 kbit/s: 33 bytes per 160 samples. */
    g_assert_cmpuint(audio_codec_round_trip(inst, in, N, out), ==, N / 160 * 33);
    corr = audio_best_lag_correlation(in + SKIP, out + SKIP, N - 2 * SKIP, MAX_LAG, &lag);
    snr = audio_snr_db(in + SKIP, out + SKIP, N - 2 * SKIP, lag);
    g_test_message("gsm %.0f Hz: correlation %.4f at lag %u, SNR %.1f dB, share %.3f", freq,
                   corr, lag, snr, audio_tone_share(out + SKIP, N - 2 * SKIP, RATE, freq));
    g_assert_cmpfloat(corr, >, 0.9);
    g_assert_cmpfloat(snr, >, 15);
    g_assert_cmpfloat(audio_tone_share(out + SKIP, N - 2 * SKIP, RATE, freq), >, 0.8);
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(out + SKIP, N - SKIP, RATE, 2000),
                                   freq, freq * 0.01);
}

static void
test_tone_round_trip(void)
{
    check_tone(1000);
    check_tone(440);
}

static void
test_matches_spandsp(void)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("gsm", NULL);
    gsm0610_state_t *enc = gsm0610_init(NULL, GSM0610_PACKING_VOIP);
    gsm0610_state_t *dec = gsm0610_init(NULL, GSM0610_PACKING_VOIP);
    gint16 in[N], ours[160], theirs[160];
    guint8 a[33], b[33];

    pbx_cost_signal(in, N, RATE);
    for (guint i = 0; i < N; i += 160) {
        g_assert_cmpint(pbx_codec_encode(inst, in + i, 160, a, sizeof a), ==, 33);
        g_assert_cmpint(gsm0610_encode(enc, b, in + i, 160), ==, 33);
        g_assert_cmpmem(a, 33, b, 33);
        g_assert_cmpint(pbx_codec_decode(inst, a, 33, ours, 160), ==, 160);
        g_assert_cmpint(gsm0610_decode(dec, theirs, a, 33), ==, 160);
        g_assert_cmpmem(ours, sizeof ours, theirs, sizeof theirs);
    }
    gsm0610_free(enc);
    gsm0610_free(dec);
}

static void
test_descriptor(void)
{
    const PbxCodec *gsm = pbx_codec_find("gsm");
    g_autofree char *rtpmap = pbx_codec_dup_rtpmap(gsm);

    g_assert_cmpstr(rtpmap, ==, "GSM/8000");
    g_assert_true(pbx_codec_find_by_payload(3) == gsm);
    g_assert_cmpuint(pbx_codec_choose_ptime(gsm, 30), ==, 20);
    g_assert_cmpuint(pbx_codec_choose_ptime(gsm, 10), ==, 20);
}

/* Whole frames only; a frame without the 0xD signature is refused
 * before anything is decoded. */
static void
test_invalid_payloads(void)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance("gsm", "ptime=40");
    gint16 pcm[320] = { 0 };
    guint8 out[66];

    g_assert_cmpuint(pbx_codec_instance_get_frame_samples(inst), ==, 320);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 300, out, sizeof out), ==, PBX_AUDIO_E_INVALID);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 320, out, 65), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 320, out, sizeof out), ==, 66);
    g_assert_cmpint(pbx_codec_decode(inst, out, 66, pcm, 320), ==, 320);
    g_assert_cmpint(pbx_codec_decode(inst, out, 66, pcm, 319), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_decode(inst, out, 65, pcm, 320), ==, PBX_AUDIO_E_INVALID);
    g_assert_cmpint(pbx_codec_decode(inst, out, 0, pcm, 320), ==, PBX_AUDIO_E_INVALID);
    out[33] = 0x00;
    g_assert_cmpint(pbx_codec_decode(inst, out, 66, pcm, 320), ==, PBX_AUDIO_E_INVALID);
    g_assert_cmpint(pbx_codec_conceal(inst, pcm, 160), ==, PBX_AUDIO_E_UNSUPPORTED);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("GSM 06.10 through libgsm: round trips, bit exact with spandsp, framing");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(pbx_module_info.load(NULL, &error));
    g_assert_no_error(error);
    g_test_add_func("/codec/gsm/tone-round-trip", test_tone_round_trip);
    g_test_add_func("/codec/gsm/matches-spandsp", test_matches_spandsp);
    g_test_add_func("/codec/gsm/descriptor", test_descriptor);
    g_test_add_func("/codec/gsm/invalid-payloads", test_invalid_payloads);
    return g_test_run();
}
