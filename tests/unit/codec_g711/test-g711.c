/* Carillon - unit tests of G.711 (codec_g711): the companding itself,
 * against spandsp's, and the codecs through the registry. */
#include <spandsp.h>

#include "../audio_check.h"
#include "../../../modules/codec_g711/g711.h"

extern const PbxModuleInfo pbx_module_info;

static void
test_ulaw_round_trip(void)
{
    for (guint code = 0; code < 256; code++) {
        gint16 pcm = g711_ulaw_decode((guint8) code);
        guint8 back = g711_ulaw_encode(pcm);

        /* 0x7f is "negative zero": it decodes to 0, which encodes as 0xff. */
        if (code == 0x7f)
            g_assert_cmpuint(back, ==, 0xff);
        else
            g_assert_cmpuint(back, ==, code);
    }
}

static void
test_alaw_round_trip(void)
{
    for (guint code = 0; code < 256; code++)
        g_assert_cmpuint(g711_alaw_encode(g711_alaw_decode((guint8) code)), ==, code);
}

static void
test_ulaw_known_values(void)
{
    g_assert_cmpint(g711_ulaw_decode(0xff), ==, 0);
    g_assert_cmpint(g711_ulaw_decode(0x7f), ==, 0);
    g_assert_cmpint(g711_ulaw_decode(0x00), ==, -32124);
    g_assert_cmpint(g711_ulaw_decode(0x80), ==, 32124);
    g_assert_cmpint(g711_ulaw_decode(0xfe), ==, 8);
    g_assert_cmpint(g711_ulaw_decode(0x7e), ==, -8);
    g_assert_cmpint(g711_ulaw_decode(0xf0), ==, 120);
    g_assert_cmpuint(g711_ulaw_encode(0), ==, 0xff);
    g_assert_cmpuint(g711_ulaw_encode(-1), ==, 0x7f);
    g_assert_cmpuint(g711_ulaw_encode(32767), ==, 0x80);
    g_assert_cmpuint(g711_ulaw_encode(-32768), ==, 0x00);
    g_assert_cmpuint(g711_ulaw_encode(1000), ==, 0xce);
    g_assert_cmpuint(g711_ulaw_encode(-1000), ==, 0x4e);
}

static void
test_alaw_known_values(void)
{
    g_assert_cmpint(g711_alaw_decode(0xd5), ==, 8);
    g_assert_cmpint(g711_alaw_decode(0x55), ==, -8);
    g_assert_cmpint(g711_alaw_decode(0xaa), ==, 32256);
    g_assert_cmpint(g711_alaw_decode(0x2a), ==, -32256);
    g_assert_cmpuint(g711_alaw_encode(0), ==, 0xd5);
    g_assert_cmpuint(g711_alaw_encode(-1), ==, 0x55);
    g_assert_cmpuint(g711_alaw_encode(32767), ==, 0xaa);
    g_assert_cmpuint(g711_alaw_encode(-32768), ==, 0x2a);
    g_assert_cmpuint(g711_alaw_encode(1000), ==, 0xfa);
}

/* Companding keeps the error within half a step of the segment. */
static void
test_error_bound(void)
{
    for (int v = -32768; v <= 32767; v += 7) {
        gint16 u = g711_ulaw_decode(g711_ulaw_encode((gint16) v));
        gint16 a = g711_alaw_decode(g711_alaw_encode((gint16) v));
        int mag = ABS(v);
        int ubound = mag > 32000 ? 1100 : MAX(8, mag / 16 + 8);
        int abound = MAX(16, mag / 16 + 16);

        g_assert_cmpint(ABS(u - v), <=, ubound);
        g_assert_cmpint(ABS(a - v), <=, abound);
        g_assert_true((u >= 0) == (v >= 0) || u == 0);
    }
}

/* spandsp ships its own G.711 (inline in spandsp/g711.h): an independent
 * implementation to hold ours against, over every input.  The Debian
 * packages ship no G.711 test vectors. */
static void
test_matches_spandsp(void)
{
    for (int v = -32768; v <= 32767; v++) {
        g_assert_cmpuint(g711_ulaw_encode((gint16) v), ==, linear_to_ulaw(v));
        g_assert_cmpuint(g711_alaw_encode((gint16) v), ==, linear_to_alaw(v));
    }
    for (guint code = 0; code < 256; code++) {
        g_assert_cmpint(g711_ulaw_decode((guint8) code), ==, ulaw_to_linear((guint8) code));
        g_assert_cmpint(g711_alaw_decode((guint8) code), ==, alaw_to_linear((guint8) code));
    }
}

static void
check_tone(const char *name, double freq)
{
    g_autoptr(PbxCodecInstance) inst = audio_instance(name, NULL);
    gint16 in[8000], out[8000];
    guint lag = 0;

    audio_tone(in, G_N_ELEMENTS(in), 8000, freq, 10000);
    g_assert_cmpuint(audio_codec_round_trip(inst, in, 8000, out), ==, 8000);
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(out, 8000, 8000, 500), freq,
                                   freq * 0.005);
    g_assert_cmpfloat(audio_best_lag_correlation(in, out, 7900, 100, &lag), >, 0.999);
    g_assert_cmpuint(lag, ==, 0);
    /* Companding keeps about 38 dB for a signal at this level. */
    g_assert_cmpfloat(audio_snr_db(in, out, 8000, 0), >, 33);
}

static void
test_tone_round_trip(void)
{
    check_tone("ulaw", 1000);
    check_tone("ulaw", 440);
    check_tone("alaw", 1000);
    check_tone("alaw", 440);
}

static void
test_descriptors(void)
{
    const PbxCodec *ulaw = pbx_codec_find("ulaw"), *alaw = pbx_codec_find("alaw");
    g_autofree char *map_u = pbx_codec_dup_rtpmap(ulaw);
    g_autofree char *map_a = pbx_codec_dup_rtpmap(alaw);

    g_assert_cmpstr(map_u, ==, "PCMU/8000");
    g_assert_cmpstr(map_a, ==, "PCMA/8000");
    g_assert_true(pbx_codec_find_by_payload(0) == ulaw);
    g_assert_true(pbx_codec_find_by_payload(8) == alaw);
    g_assert_null(ulaw->fmtp);
    g_assert_null(ulaw->conceal);
    g_assert_cmpuint(ulaw->sample_rate, ==, 8000);
    g_assert_cmpuint(pbx_codec_choose_ptime(ulaw, 25), ==, 20);
    g_assert_cmpuint(pbx_codec_choose_ptime(ulaw, 500), ==, 60);
}

static void
test_buffers_and_ptime(void)
{
    const PbxCodec *ulaw = pbx_codec_find("ulaw");
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxCodecInstance) inst = NULL;
    PbxCodecParams params;
    gint16 pcm[240] = { 0 };
    guint8 out[240];

    g_assert_true(pbx_codec_params_parse(ulaw, "ptime=30", &params, &error));
    inst = pbx_codec_instance_new(ulaw, &params, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pbx_codec_instance_get_frame_samples(inst), ==, 240);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 240, out, 239), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_encode(inst, pcm, 240, out, 240), ==, 240);
    g_assert_cmpint(pbx_codec_decode(inst, out, 240, pcm, 100), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_codec_conceal(inst, pcm, 160), ==, PBX_AUDIO_E_UNSUPPORTED);
    g_assert_cmpint(pbx_codec_decode_fec(inst, out, 160, pcm, 160), ==, PBX_AUDIO_E_UNSUPPORTED);
}

/* G.711 has no fmtp: only the generic ptime is read, junk is reported
 * and ignored. */
static void
test_fmtp(void)
{
    const PbxCodec *alaw = pbx_codec_find("alaw");
    g_autoptr(GError) error = NULL;
    PbxCodecParams params;

    g_assert_false(pbx_codec_params_parse(alaw, "annexb=no;garbage;ptime=40", &params, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM);
    g_assert_cmpuint(params.ptime, ==, 40);
    g_assert_null(pbx_codec_params_to_fmtp(alaw, &params));
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("G.711 mu-law/A-law companding and the ulaw/alaw codecs");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(pbx_module_info.load(NULL, &error));
    g_assert_no_error(error);
    g_test_add_func("/codec/g711/ulaw-round-trip", test_ulaw_round_trip);
    g_test_add_func("/codec/g711/alaw-round-trip", test_alaw_round_trip);
    g_test_add_func("/codec/g711/ulaw-known-values", test_ulaw_known_values);
    g_test_add_func("/codec/g711/alaw-known-values", test_alaw_known_values);
    g_test_add_func("/codec/g711/error-bound", test_error_bound);
    g_test_add_func("/codec/g711/matches-spandsp", test_matches_spandsp);
    g_test_add_func("/codec/g711/tone-round-trip", test_tone_round_trip);
    g_test_add_func("/codec/g711/descriptors", test_descriptors);
    g_test_add_func("/codec/g711/buffers-and-ptime", test_buffers_and_ptime);
    g_test_add_func("/codec/g711/fmtp", test_fmtp);
    return g_test_run();
}
