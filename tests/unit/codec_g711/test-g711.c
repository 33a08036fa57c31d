/* Carillon - unit tests of G.711 (codec_g711) and the codec registry. */
#include <carillon/carillon.h>
#include <carillon/codec.h>

#include "../../../modules/codec_g711/g711.h"

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

static gsize
dummy_encode(const gint16 *pcm, guint n, guint8 *out)
{
    return 0;
}

static guint
dummy_decode(const guint8 *data, gsize len, gint16 *pcm)
{
    return 0;
}

static gsize
dummy_len(guint n)
{
    return n;
}

static guint
dummy_samples(gsize len)
{
    return (guint) len;
}

static const PbxCodec test_ulaw = {
    .name = "ulaw", .rtp_name = "PCMU", .payload_type = 0, .clock_rate = 8000,
    .sample_rate = 8000, .ptime = 20, .encode = dummy_encode, .decode = dummy_decode,
    .max_encoded_len = dummy_len, .max_decoded_samples = dummy_samples,
};
static const PbxCodec test_clash = {
    .name = "other", .payload_type = 0, .clock_rate = 8000, .sample_rate = 8000,
    .encode = dummy_encode, .decode = dummy_decode,
    .max_encoded_len = dummy_len, .max_decoded_samples = dummy_samples,
};
static const PbxCodec test_dyn = {
    .name = "opus", .payload_type = PBX_CODEC_PT_DYNAMIC, .clock_rate = 48000,
    .sample_rate = 48000, .encode = dummy_encode, .decode = dummy_decode,
    .max_encoded_len = dummy_len, .max_decoded_samples = dummy_samples,
};
static const PbxCodec test_broken = { .name = "broken", .clock_rate = 8000 };

static void
test_registry(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;

    g_assert_null(pbx_codec_find("ulaw"));
    g_assert_true(pbx_codec_register(NULL, &test_ulaw, &error));
    g_assert_no_error(error);
    g_assert_true(pbx_codec_find("ULAW") == &test_ulaw);
    g_assert_true(pbx_codec_find_by_payload(0) == &test_ulaw);
    g_assert_null(pbx_codec_find_by_payload(8));

    g_assert_false(pbx_codec_register(NULL, &test_ulaw, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(pbx_codec_register(NULL, &test_clash, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(pbx_codec_register(NULL, &test_broken, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID);
    g_clear_error(&error);

    g_assert_true(pbx_codec_register(NULL, &test_dyn, &error));
    g_assert_null(pbx_codec_find_by_payload(PBX_CODEC_PT_DYNAMIC));
    list = pbx_codec_list();
    g_assert_cmpuint(list->len, ==, 2);
    g_assert_true(list->pdata[0] == &test_ulaw);

    pbx_codec_unregister(&test_ulaw);
    g_assert_null(pbx_codec_find("ulaw"));
    g_assert_null(pbx_codec_find_by_payload(0));
    pbx_codec_unregister(&test_ulaw);   /* unknown: ignored */
    pbx_codec_unregister(&test_dyn);
    g_assert_null(pbx_codec_find("opus"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("G.711 mu-law/A-law companding and the codec registry");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/codec/g711/ulaw-round-trip", test_ulaw_round_trip);
    g_test_add_func("/codec/g711/alaw-round-trip", test_alaw_round_trip);
    g_test_add_func("/codec/g711/ulaw-known-values", test_ulaw_known_values);
    g_test_add_func("/codec/g711/alaw-known-values", test_alaw_known_values);
    g_test_add_func("/codec/g711/error-bound", test_error_bound);
    g_test_add_func("/codec/registry", test_registry);
    return g_test_run();
}
