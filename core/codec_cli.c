/* Carillon - CLI commands of the codec registry: `core show codecs`,
 * `core show translation`. */
#include <carillon/cli.h>
#include <carillon/resampler.h>

#include "codec_private.h"

static char *
format_ptimes(const PbxCodec *codec)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; codec->ptimes[i]; i++)
        g_string_append_printf(s, "%s%u", i ? "," : "", codec->ptimes[i]);
    return g_string_free(s, FALSE);
}

static char *
format_payload_type(const PbxCodec *codec)
{
    if (codec->payload_type == PBX_CODEC_PT_DYNAMIC)
        return g_strdup("dyn");
    return g_strdup_printf("%u", codec->payload_type);
}

static void
print_codec(PbxCliContext *ctx, const PbxCodec *codec)
{
    g_autofree char *rtpmap = pbx_codec_dup_rtpmap(codec);
    g_autofree char *pt = format_payload_type(codec);
    g_autofree char *ptimes = format_ptimes(codec);
    PbxCodecInfo info;

    pbx_codec_get_info(codec, &info);
    pbx_cli_print(ctx, "%-6s %-14s %-4s %-6u %-5u %-22s %-12s %-6u %s\n", codec->name, rtpmap,
                  pt, codec->sample_rate, codec->ptime, ptimes,
                  info.owner ? pbx_module_get_name(info.owner) : "core", info.instances,
                  codec->fmtp ? codec->fmtp : "");
}

static gboolean
show_codecs(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_codec_list();

    pbx_cli_print(ctx, "%-6s %-14s %-4s %-6s %-5s %-22s %-12s %-6s %s\n", "Name", "SDP", "PT",
                  "Rate", "Ptime", "Allowed ptime", "Module", "In use", "Offered fmtp");
    for (guint i = 0; i < list->len; i++)
        print_codec(ctx, list->pdata[i]);
    pbx_cli_print(ctx, "%u codecs registered\n", list->len);
    return TRUE;
}

static void
print_matrix_row(PbxCliContext *ctx, const PbxCodec *from, GPtrArray *list)
{
    pbx_cli_print(ctx, "%-8s", from->name);
    for (guint i = 0; i < list->len; i++) {
        if (list->pdata[i] == from)
            pbx_cli_print(ctx, " %8s", "-");
        else
            pbx_cli_print(ctx, " %8u", pbx_codec_get_translation_cost(from, list->pdata[i]));
    }
    pbx_cli_print(ctx, "\n");
}

static void
print_codec_costs(PbxCliContext *ctx, GPtrArray *list)
{
    pbx_cli_print(ctx, "\n%-8s %8s %8s %6s\n", "Codec", "Encode", "Decode", "Rate");
    for (guint i = 0; i < list->len; i++) {
        const PbxCodec *c = list->pdata[i];
        PbxCodecInfo info;

        pbx_codec_get_info(c, &info);
        pbx_cli_print(ctx, "%-8s %8u %8u %6u\n", c->name, info.encode_cost, info.decode_cost,
                      c->sample_rate);
    }
}

static void
print_resample_costs(PbxCliContext *ctx)
{
    static const guint rates[] = { 8000, 16000, 48000 };

    pbx_cli_print(ctx, "\nResampling:");
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(rates); j++) {
            if (i != j)
                pbx_cli_print(ctx, " %u->%u %u;", rates[i] / 1000, rates[j] / 1000,
                              pbx_resampler_get_cost(rates[i], rates[j]));
        }
    }
    pbx_cli_print(ctx, "\n");
}

static gboolean
show_translation(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_codec_list();

    pbx_cli_print(ctx, "Translation costs in microseconds of CPU per second of audio\n"
                       "(decode + resample + encode, timed on this machine; - : relayed)\n\n");
    pbx_cli_print(ctx, "%-8s", "From\\To");
    for (guint i = 0; i < list->len; i++)
        pbx_cli_print(ctx, " %8s", ((const PbxCodec *) list->pdata[i])->name);
    pbx_cli_print(ctx, "\n");
    for (guint i = 0; i < list->len; i++)
        print_matrix_row(ctx, list->pdata[i], list);
    print_codec_costs(ctx, list);
    print_resample_costs(ctx);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "core show codecs",      NULL, "List registered codecs", show_codecs, NULL },
    { "core show translation", NULL, "Show the CPU cost of each codec translation path",
      show_translation, NULL },
};

void
pbx_codec_register_cli(void)
{
    pbx_cli_register(NULL, commands, G_N_ELEMENTS(commands), NULL, NULL);
}
