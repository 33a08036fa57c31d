/* Carillon - codec parameters: rtpmap, ptime and fmtp (see carillon/codec.h).
 *
 * fmtp text comes from the far end's SDP and is untrusted: it is split
 * here into key=value pairs, each handed to the codec on its own, and
 * anything that cannot be used leaves the default in place.
 */
#include <string.h>

#include "codec_private.h"

/* Bounds what an error message repeats of a hostile parameter. */
#define QUOTE_MAX 40

char *
pbx_codec_dup_rtpmap(const PbxCodec *codec)
{
    if (codec->channels)
        return g_strdup_printf("%s/%u/%u", codec->rtp_name, codec->clock_rate, codec->channels);
    return g_strdup_printf("%s/%u", codec->rtp_name, codec->clock_rate);
}

guint
pbx_codec_choose_ptime(const PbxCodec *codec, guint ms)
{
    guint best = codec->ptimes[0];

    for (guint i = 1; codec->ptimes[i] && codec->ptimes[i] <= ms; i++)
        best = codec->ptimes[i];
    return best;
}

void
pbx_codec_params_init(const PbxCodec *codec, PbxCodecParams *params)
{
    memset(params, 0, sizeof *params);
    params->ptime = codec->ptime;
    if (codec->init_params)
        codec->init_params(params);
}

gboolean
pbx_codec_param_parse_uint(const char *key, const char *value, guint min, guint max,
                           guint *out, GError **error)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(value, 10, min, max, &v, NULL)) {
        g_autofree char *quoted = g_strescape(value, NULL);
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM,
                    "fmtp %s=%.*s: not a number from %u to %u", key, QUOTE_MAX, quoted, min,
                    max);
        return FALSE;
    }
    *out = (guint) v;
    return TRUE;
}

static gboolean
apply_ptime(const PbxCodec *codec, PbxCodecParams *params, const char *value, GError **error)
{
    guint ms;

    if (!pbx_codec_param_parse_uint("ptime", value, 1, 1000, &ms, error))
        return FALSE;
    params->ptime = pbx_codec_choose_ptime(codec, ms);
    return TRUE;
}

/* One "key=value" (item is modified). */
static gboolean
apply_item(const PbxCodec *codec, PbxCodecParams *params, char *item, GError **error)
{
    char *eq = strchr(item, '=');
    g_autofree char *key = NULL;

    if (!eq) {
        g_autofree char *quoted = g_strescape(g_strstrip(item), NULL);
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM,
                    "fmtp '%.*s' is not key=value", QUOTE_MAX, quoted);
        return FALSE;
    }
    *eq = '\0';
    key = g_ascii_strdown(g_strstrip(item), -1);
    if (!*key) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_PARAM, "fmtp parameter without a key");
        return FALSE;
    }
    if (strcmp(key, "ptime") == 0)
        return apply_ptime(codec, params, g_strstrip(eq + 1), error);
    if (!codec->set_param)
        return TRUE;
    return codec->set_param(params, key, g_strstrip(eq + 1), error);
}

gboolean
pbx_codec_params_parse(const PbxCodec *codec, const char *fmtp, PbxCodecParams *params,
                       GError **error)
{
    g_auto(GStrv) items = NULL;
    GError *first = NULL;

    pbx_codec_params_init(codec, params);
    if (!fmtp)
        return TRUE;
    items = g_strsplit(fmtp, ";", -1);
    for (guint i = 0; items[i]; i++) {
        if (*g_strstrip(items[i]))
            apply_item(codec, params, items[i], first ? NULL : &first);
    }
    if (first) {
        g_propagate_error(error, first);
        return FALSE;
    }
    return TRUE;
}

char *
pbx_codec_params_to_fmtp(const PbxCodec *codec, const PbxCodecParams *params)
{
    GString *out;

    if (!codec->write_fmtp)
        return NULL;
    out = g_string_new(NULL);
    codec->write_fmtp(params, out);
    if (out->len == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}
