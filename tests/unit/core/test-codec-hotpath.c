/* Unit tests: the media hot path allocates nothing.
 *
 * Allocations are counted with ../alloc_count.h (the tests skip under
 * valgrind and ASan, which replace the allocator). */
#include <stdlib.h>

#include "../alloc_count.h"
#include "../audio_check.h"
#include "../../../core/core_private.h"
#include "../../../core/module_private.h"

/* Packets of a tone through every call a media worker makes. */
static void
check_codec(const char *name, const char *fmtp)
{
    static gint16 pcm[PBX_AUDIO_MAX_SAMPLES], out[PBX_AUDIO_MAX_SAMPLES];
    g_autoptr(PbxCodecInstance) inst = audio_instance(name, fmtp);
    guint frame = pbx_codec_instance_get_frame_samples(inst);
    guint8 payload[PBX_CODEC_MAX_PAYLOAD];

    audio_tone(pcm, frame, pbx_codec_instance_get_codec(inst)->sample_rate, 440, 8000);
    count_from_here();
    for (guint i = 0; i < 50; i++) {
        gint len = pbx_codec_encode(inst, pcm, frame, payload, sizeof payload);
        pbx_codec_decode(inst, payload, (gsize) len, out, PBX_AUDIO_MAX_SAMPLES);
        pbx_codec_conceal(inst, out, frame);
        pbx_codec_decode_fec(inst, payload, (gsize) len, out, frame);
    }
    g_assert_cmpuint(counted(), ==, 0);
}

static void
test_codecs(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    static const char *const modules[] = { "codec_g711", "codec_g722", "codec_gsm",
                                           "codec_opus" };
    g_autoptr(GError) error = NULL;

    if (!interposed()) {
        g_test_skip("malloc is not interposed (valgrind or ASan?)");
        return;
    }
    pbx_modules_init(mods);
    for (guint i = 0; i < G_N_ELEMENTS(modules); i++) {
        g_assert_nonnull(pbx_module_load(modules[i], &error));
        g_assert_no_error(error);
    }
    check_codec("ulaw", NULL);
    check_codec("alaw", NULL);
    check_codec("g722", NULL);
    check_codec("gsm", NULL);
    check_codec("opus", "useinbandfec=1");
    pbx_modules_shutdown();
}

static void
test_resampler(void)
{
    static const guint rates[] = { 8000, 16000, 48000 };
    static gint16 pcm[PBX_AUDIO_MAX_SAMPLES], out[PBX_AUDIO_MAX_SAMPLES];

    if (!interposed()) {
        g_test_skip("malloc is not interposed (valgrind or ASan?)");
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(rates); j++) {
            g_autoptr(PbxResampler) rs = NULL;
            if (i == j)
                continue;
            rs = pbx_resampler_new(rates[i], rates[j], NULL);
            count_from_here();
            for (guint k = 0; k < 50; k++)
                pbx_resampler_process(rs, pcm, rates[i] / 50, out, PBX_AUDIO_MAX_SAMPLES);
            g_assert_cmpuint(counted(), ==, 0);
        }
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("encode, decode, conceal, decode_fec and resampling allocate nothing");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/codec-hotpath/codecs", test_codecs);
    g_test_add_func("/core/codec-hotpath/resampler", test_resampler);
    return g_test_run();
}
