/* Unit tests: the media hot path allocates nothing.
 *
 * This program defines malloc, calloc and realloc, which every library
 * in the process (GLib, libopus, spandsp, libgsm, speexdsp) then calls,
 * and counts the calls made while a window is open.  Each passes on to
 * glibc's own allocator entry points.  Under valgrind, whose allocator
 * replaces these too, nothing can be counted and the tests skip. */
#include <stdlib.h>

#include "../audio_check.h"
#include "../../../core/core_private.h"
#include "../../../core/module_private.h"

/* Exported, although the tree builds with -fvisibility=hidden: the
 * libraries must bind to these. */
#define INTERPOSE __attribute__((visibility("default")))

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

/* volatile: the compiler must not assume that calls into other
 * libraries leave them alone. */
static volatile gboolean counting;
static volatile guint allocations;

INTERPOSE void *
malloc(size_t n)
{
    allocations += counting;
    return __libc_malloc(n);
}

INTERPOSE void *
calloc(size_t n, size_t size)
{
    allocations += counting;
    return __libc_calloc(n, size);
}

INTERPOSE void *
realloc(void *p, size_t n)
{
    allocations += counting;
    return __libc_realloc(p, n);
}

static void
count_from_here(void)
{
    allocations = 0;
    counting = TRUE;
}

static guint
counted(void)
{
    counting = FALSE;
    return allocations;
}

/* FALSE when malloc is not ours (valgrind replaced it). */
static gboolean
interposed(void)
{
    g_autoptr(GString) s = NULL;

    count_from_here();
    s = g_string_new("counted");
    return counted() > 0;
}

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
        g_test_skip("malloc is not interposed (valgrind?)");
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
        g_test_skip("malloc is not interposed (valgrind?)");
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
