/* Unit tests: the codec registry, parameters, instances, costs and CLI,
 * with test codecs, and the real codec modules through the loader. */
#include <string.h>

#include "../audio_check.h"
#include "../../../core/core_private.h"
#include "../../../core/codec_private.h"
#include "../../../core/module_private.h"

/* A stateless test codec: 16-bit big-endian linear (like L16). */
static gint
l16_encode(gpointer state, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    if (out_size < (gsize) n * 2)
        return PBX_AUDIO_E_SPACE;
    for (guint i = 0; i < n; i++) {
        out[2 * i] = (guint8) ((guint16) pcm[i] >> 8);
        out[2 * i + 1] = (guint8) pcm[i];
    }
    return (gint) n * 2;
}

static gint
l16_decode(gpointer state, const guint8 *data, gsize len, gint16 *pcm, guint max_samples)
{
    if (len % 2 != 0)
        return PBX_AUDIO_E_INVALID;
    if (len / 2 > max_samples)
        return PBX_AUDIO_E_SPACE;
    for (gsize i = 0; i < len / 2; i++)
        pcm[i] = (gint16) (data[2 * i] << 8 | data[2 * i + 1]);
    return (gint) (len / 2);
}

/* Decodes one sample short: fails the self-test at registration. */
static gint
short_decode(gpointer state, const guint8 *data, gsize len, gint16 *pcm, guint max_samples)
{
    gint n = l16_decode(state, data, len, pcm, max_samples);

    return n > 0 ? n - 1 : n;
}

/* A stateful one: counts live states; refuses params with opt[0] set. */
static gint live_states;

static gpointer
counted_state_new(const PbxCodecParams *params, GError **error)
{
    if (params->opt[0]) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_FAILED, "refused on purpose");
        return NULL;
    }
    live_states++;
    return g_new0(gint, 1);
}

static void
counted_state_free(gpointer state)
{
    live_states--;
    g_free(state);
}

static void
wide_init_params(PbxCodecParams *params)
{
    params->opt[1] = 7;
}

static const PbxCodec test_ulaw = {
    .name = "tulaw", .rtp_name = "L16", .clock_rate = 8000, .payload_type = 0,
    .sample_rate = 8000, .ptime = 20, .ptimes = PBX_CODEC_PTIMES(10, 20, 30),
    .encode = l16_encode, .decode = l16_decode,
};
static const PbxCodec test_clash = {
    .name = "other", .rtp_name = "L16", .clock_rate = 8000, .payload_type = 0,
    .sample_rate = 8000, .ptime = 20, .ptimes = PBX_CODEC_PTIMES(20),
    .encode = l16_encode, .decode = l16_decode,
};
static const PbxCodec test_wide = {
    .name = "twide", .rtp_name = "L16", .clock_rate = 8000, .channels = 1,
    .payload_type = PBX_CODEC_PT_DYNAMIC, .sample_rate = 16000, .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(10, 20, 30), .init_params = wide_init_params,
    .state_new = counted_state_new, .state_free = counted_state_free,
    .encode = l16_encode, .decode = l16_decode,
};
static const PbxCodec test_short = {
    .name = "short", .rtp_name = "L16", .clock_rate = 8000, .payload_type = 96,
    .sample_rate = 8000, .ptime = 20, .ptimes = PBX_CODEC_PTIMES(20),
    .encode = l16_encode, .decode = short_decode,
};

/* test_clash with one thing wrong each. */
static void
break_name(PbxCodec *c)
{
    c->name = NULL;
}

static void
break_ptimes(PbxCodec *c)
{
    c->ptimes = NULL;
}

static void
break_default_ptime(PbxCodec *c)
{
    c->ptime = 25;
}

static void
break_order(PbxCodec *c)
{
    static const guint16 descending[] = { 20, 10, 0 };

    c->ptimes = descending;
}

static void
break_rate(PbxCodec *c)
{
    c->sample_rate = 44100;
}

static void
break_state(PbxCodec *c)
{
    c->state_new = counted_state_new;
}

static void
break_encode(PbxCodec *c)
{
    c->encode = NULL;
}

static gboolean
ignore_param(PbxCodecParams *params, const char *key, const char *value, GError **error)
{
    return TRUE;
}

/* set_param without init_params. */
static void
break_params(PbxCodec *c)
{
    c->set_param = ignore_param;
}

static void
test_registry(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    PbxCodecInfo info;

    g_assert_true(pbx_codec_register(NULL, &test_ulaw, &error));
    g_assert_no_error(error);
    g_assert_true(pbx_codec_find("TULAW") == &test_ulaw);
    g_assert_true(pbx_codec_find_by_payload(0) == &test_ulaw);
    g_assert_false(pbx_codec_register(NULL, &test_ulaw, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(pbx_codec_register(NULL, &test_clash, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_true(pbx_codec_register(NULL, &test_wide, &error));
    g_assert_null(pbx_codec_find_by_payload(PBX_CODEC_PT_DYNAMIC));
    list = pbx_codec_list();
    g_assert_cmpuint(list->len, ==, 2);
    g_assert_true(list->pdata[0] == &test_ulaw);
    g_assert_true(pbx_codec_get_info(&test_wide, &info));
    g_assert_null(info.owner);
    g_assert_cmpuint(info.instances, ==, 0);
    /* The self-test made (and freed) a state. */
    g_assert_cmpint(live_states, ==, 0);
    g_assert_false(pbx_codec_get_info(&test_clash, &info));
}

static void
test_registry_refusals(void)
{
    static void (*const breakers[])(PbxCodec *) = {
        break_name, break_ptimes, break_default_ptime, break_order,
        break_rate, break_state, break_encode, break_params,
    };
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(breakers); i++) {
        PbxCodec c = test_clash;

        c.payload_type = 97;
        breakers[i](&c);
        g_assert_false(pbx_codec_register(NULL, &c, &error));
        g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID);
        g_clear_error(&error);
    }
    g_assert_false(pbx_codec_register(NULL, &test_short, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "self-test"));
    g_assert_null(pbx_codec_find("short"));
}

static void
test_translation_cost(void)
{
    guint narrow_to_wide = pbx_codec_get_translation_cost(&test_ulaw, &test_wide);
    PbxCodecInfo a, b;

    g_assert_true(pbx_codec_get_info(&test_ulaw, &a));
    g_assert_true(pbx_codec_get_info(&test_wide, &b));
    g_assert_cmpuint(pbx_codec_get_translation_cost(&test_ulaw, &test_ulaw), ==, 0);
    g_assert_cmpuint(pbx_codec_get_translation_cost(&test_ulaw, &test_clash), ==, G_MAXUINT);
    g_assert_cmpuint(pbx_resampler_get_cost(8000, 16000), >, 0);
    g_assert_cmpuint(narrow_to_wide, ==,
                     a.decode_cost + pbx_resampler_get_cost(8000, 16000) + b.encode_cost);
}

static void
test_params(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *map_u = pbx_codec_dup_rtpmap(&test_ulaw);
    g_autofree char *map_w = pbx_codec_dup_rtpmap(&test_wide);
    PbxCodecParams params;

    g_assert_cmpstr(map_u, ==, "L16/8000");
    g_assert_cmpstr(map_w, ==, "L16/8000/1");
    g_assert_cmpuint(pbx_codec_choose_ptime(&test_ulaw, 5), ==, 10);
    g_assert_cmpuint(pbx_codec_choose_ptime(&test_ulaw, 29), ==, 20);
    g_assert_cmpuint(pbx_codec_choose_ptime(&test_ulaw, 31), ==, 30);
    pbx_codec_params_init(&test_wide, &params);
    g_assert_cmpuint(params.ptime, ==, 20);
    g_assert_cmpuint(params.opt[1], ==, 7);
    g_assert_true(pbx_codec_params_parse(&test_ulaw, " PTIME = 30 ; other=1", &params, &error));
    g_assert_cmpuint(params.ptime, ==, 30);
    g_assert_false(pbx_codec_params_parse(&test_ulaw, "ptime=;ptime=x;ptime=10", &params,
                                          &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM);
    g_assert_nonnull(strstr(error->message, "ptime"));
    g_assert_cmpuint(params.ptime, ==, 10);
    g_assert_null(pbx_codec_params_to_fmtp(&test_ulaw, &params));
}

static void
test_instances(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree PbxAudioFrame *frame = g_new0(PbxAudioFrame, 1);
    PbxCodecInstance *a, *b;
    PbxCodecParams params;
    PbxCodecInfo info;
    guint8 payload[640];

    a = pbx_codec_instance_new(&test_wide, NULL, &error);
    g_assert_no_error(error);
    pbx_codec_params_init(&test_wide, &params);
    params.ptime = 25;
    b = pbx_codec_instance_new(&test_wide, &params, &error);
    g_assert_cmpuint(pbx_codec_instance_get_params(b)->ptime, ==, 20);
    g_assert_cmpuint(pbx_codec_instance_get_frame_samples(b), ==, 320);
    g_assert_true(pbx_codec_instance_get_codec(b) == &test_wide);
    g_assert_true(pbx_codec_get_info(&test_wide, &info));
    g_assert_cmpuint(info.instances, ==, 2);
    g_assert_cmpint(live_states, ==, 2);

    pbx_audio_frame_init(frame, 16000);
    frame->n_samples = 320;
    g_assert_cmpint(pbx_codec_encode_frame(b, frame, payload, sizeof payload), ==, 640);
    g_assert_cmpint(pbx_codec_decode_frame(b, payload, 640, frame), ==, 320);
    g_assert_cmpint(pbx_codec_conceal(b, frame->samples, 320), ==, PBX_AUDIO_E_UNSUPPORTED);

    params.opt[0] = 1;
    g_assert_null(pbx_codec_instance_new(&test_wide, &params, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_FAILED);
    g_clear_error(&error);
    g_assert_null(pbx_codec_instance_new(&test_clash, NULL, &error));
    g_assert_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_NOT_FOUND);

    pbx_codec_instance_free(a);
    pbx_codec_instance_free(b);
    pbx_codec_instance_free(NULL);
    g_assert_true(pbx_codec_get_info(&test_wide, &info));
    g_assert_cmpuint(info.instances, ==, 0);
    g_assert_cmpint(live_states, ==, 0);
}

/* The whitespace-separated fields of the line of out starting with first. */
static GStrv
line_fields(const char *out, const char *first)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        GStrv f = g_regex_split_simple("\\s+", lines[i], 0, 0);
        if (g_strcmp0(f[0], first) == 0)
            return f;
        g_strfreev(f);
    }
    return NULL;
}

static void
test_cli(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(PbxCodecInstance) inst = pbx_codec_instance_new(&test_wide, NULL, NULL);
    g_auto(GStrv) ulaw = NULL, wide = NULL, row = NULL;

    pbx_codec_register_cli();
    g_assert_true(pbx_cli_execute("core show codecs", out));
    ulaw = line_fields(out->str, "tulaw");
    wide = line_fields(out->str, "twide");
    g_assert_nonnull(strstr(out->str, "Name   SDP"));
    g_assert_cmpstrv(ulaw, ((const char *[]){ "tulaw", "L16/8000", "0", "8000", "20",
                                               "10,20,30", "core", "0", "", NULL }));
    g_assert_cmpstrv(wide, ((const char *[]){ "twide", "L16/8000/1", "dyn", "16000", "20",
                                               "10,20,30", "core", "1", "", NULL }));
    g_assert_nonnull(strstr(out->str, "2 codecs registered"));
    g_string_truncate(out, 0);
    g_assert_true(pbx_cli_execute("core show translation", out));
    g_assert_nonnull(strstr(out->str, "From\\To     tulaw    twide"));
    row = line_fields(out->str, "tulaw");
    g_assert_cmpstr(row[1], ==, "-");
    g_assert_cmpuint(g_ascii_strtoull(row[2], NULL, 10), ==,
                     pbx_codec_get_translation_cost(&test_ulaw, &test_wide));
    g_assert_nonnull(strstr(out->str, "8->16"));
}

static void
test_unregister(void)
{
    g_autoptr(GPtrArray) list = NULL;

    pbx_codec_unregister(&test_ulaw);
    pbx_codec_unregister(&test_ulaw);   /* unknown: ignored */
    pbx_codec_unregister(&test_wide);
    g_assert_null(pbx_codec_find("tulaw"));
    g_assert_null(pbx_codec_find_by_payload(0));
    list = pbx_codec_list();
    g_assert_cmpuint(list->len, ==, 0);
}

/* The real modules: a live instance keeps its module loaded. */
static void
test_unload_refused_while_in_use(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autoptr(GError) error = NULL;
    PbxCodecInstance *inst;
    PbxModule *m;

    pbx_modules_init(mods);
    m = pbx_module_load("codec_opus", &error);
    g_assert_no_error(error);
    inst = pbx_codec_instance_new(pbx_codec_find("opus"), NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pbx_module_get_use_count(m), ==, 1);
    g_assert_false(pbx_module_unload("codec_opus", FALSE, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE);
    g_clear_error(&error);
    g_assert_nonnull(pbx_codec_find("opus"));

    pbx_codec_instance_free(inst);
    g_assert_cmpuint(pbx_module_get_use_count(m), ==, 0);
    g_assert_true(pbx_module_unload("codec_opus", FALSE, &error));
    g_assert_no_error(error);
    g_assert_null(pbx_codec_find("opus"));
}

/* Every codec module loads, registers what it says and unloads clean. */
static void
test_modules_load_and_unload(void)
{
    static const struct {
        const char *module;
        const char *codecs[3];
    } cases[] = {
        { "codec_g711", { "ulaw", "alaw" } },
        { "codec_g722", { "g722" } },
        { "codec_gsm", { "gsm" } },
        { "codec_opus", { "opus" } },
    };
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_nonnull(pbx_module_load(cases[i].module, &error));
        g_assert_no_error(error);
        for (guint j = 0; cases[i].codecs[j]; j++)
            g_assert_nonnull(pbx_codec_find(cases[i].codecs[j]));
    }
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_true(pbx_module_unload(cases[i].module, FALSE, &error));
        for (guint j = 0; cases[i].codecs[j]; j++)
            g_assert_null(pbx_codec_find(cases[i].codecs[j]));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Codec registry, fmtp, instances, costs, CLI and module unload");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/codec/registry", test_registry);
    g_test_add_func("/core/codec/registry-refusals", test_registry_refusals);
    g_test_add_func("/core/codec/translation-cost", test_translation_cost);
    g_test_add_func("/core/codec/params", test_params);
    g_test_add_func("/core/codec/instances", test_instances);
    g_test_add_func("/core/codec/cli", test_cli);
    g_test_add_func("/core/codec/unregister", test_unregister);
    g_test_add_func("/core/codec/unload-refused-while-in-use", test_unload_refused_while_in_use);
    g_test_add_func("/core/codec/modules-load-and-unload", test_modules_load_and_unload);
    return g_test_run();
}
