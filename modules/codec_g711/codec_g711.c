/* codec_g711 - G.711 µ-law ("ulaw", PCMU, payload type 0) and A-law
 * ("alaw", PCMA, payload type 8) for the codec registry.  See README.md.
 *
 * Stateless: one byte per sample both ways, no state to create, so any
 * instance may run on any worker. */
#include <carillon/carillon.h>
#include <carillon/codec.h>

#include "g711.h"

static gint
ulaw_encode(gpointer state, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    if (out_size < n)
        return PBX_AUDIO_E_SPACE;
    for (guint i = 0; i < n; i++)
        out[i] = g711_ulaw_encode(pcm[i]);
    return (gint) n;
}

static gint
ulaw_decode(gpointer state, const guint8 *data, gsize len, gint16 *pcm, guint max_samples)
{
    if (len > max_samples)
        return PBX_AUDIO_E_SPACE;
    for (gsize i = 0; i < len; i++)
        pcm[i] = g711_ulaw_decode(data[i]);
    return (gint) len;
}

static gint
alaw_encode(gpointer state, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    if (out_size < n)
        return PBX_AUDIO_E_SPACE;
    for (guint i = 0; i < n; i++)
        out[i] = g711_alaw_encode(pcm[i]);
    return (gint) n;
}

static gint
alaw_decode(gpointer state, const guint8 *data, gsize len, gint16 *pcm, guint max_samples)
{
    if (len > max_samples)
        return PBX_AUDIO_E_SPACE;
    for (gsize i = 0; i < len; i++)
        pcm[i] = g711_alaw_decode(data[i]);
    return (gint) len;
}

static const PbxCodec ulaw = {
    .name = "ulaw",
    .description = "ITU-T G.711 mu-law",
    .rtp_name = "PCMU",
    .clock_rate = 8000,
    .payload_type = 0,
    .sample_rate = 8000,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(10, 20, 30, 40, 50, 60),
    .encode = ulaw_encode,
    .decode = ulaw_decode,
};

static const PbxCodec alaw = {
    .name = "alaw",
    .description = "ITU-T G.711 A-law",
    .rtp_name = "PCMA",
    .clock_rate = 8000,
    .payload_type = 8,
    .sample_rate = 8000,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(10, 20, 30, 40, 50, 60),
    .encode = alaw_encode,
    .decode = alaw_decode,
};

static gboolean
g711_load(PbxModule *self, GError **error)
{
    return pbx_codec_register(self, &ulaw, error) && pbx_codec_register(self, &alaw, error);
}

static void
g711_unload(PbxModule *self)
{
    pbx_codec_unregister(&alaw);
    pbx_codec_unregister(&ulaw);
}

PBX_MODULE_DEFINE("codec_g711", "G.711 mu-law and A-law codecs",
                  .load = g711_load,
                  .unload = g711_unload);
