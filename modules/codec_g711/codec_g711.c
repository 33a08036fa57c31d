/* codec_g711 - G.711 µ-law ("ulaw", PCMU, payload type 0) and A-law
 * ("alaw", PCMA, payload type 8) for the codec registry.  See README.md. */
#include <carillon/carillon.h>
#include <carillon/codec.h>

#include "g711.h"

static gsize
ulaw_encode(const gint16 *pcm, guint n, guint8 *out)
{
    for (guint i = 0; i < n; i++)
        out[i] = g711_ulaw_encode(pcm[i]);
    return n;
}

static guint
ulaw_decode(const guint8 *data, gsize len, gint16 *pcm)
{
    for (gsize i = 0; i < len; i++)
        pcm[i] = g711_ulaw_decode(data[i]);
    return (guint) len;
}

static gsize
alaw_encode(const gint16 *pcm, guint n, guint8 *out)
{
    for (guint i = 0; i < n; i++)
        out[i] = g711_alaw_encode(pcm[i]);
    return n;
}

static guint
alaw_decode(const guint8 *data, gsize len, gint16 *pcm)
{
    for (gsize i = 0; i < len; i++)
        pcm[i] = g711_alaw_decode(data[i]);
    return (guint) len;
}

/* One byte per sample both ways. */
static gsize
encoded_len(guint n_samples)
{
    return n_samples;
}

static guint
decoded_samples(gsize len)
{
    return (guint) len;
}

static const PbxCodec ulaw = {
    .name = "ulaw",
    .description = "ITU-T G.711 mu-law",
    .rtp_name = "PCMU",
    .payload_type = 0,
    .clock_rate = 8000,
    .sample_rate = 8000,
    .ptime = 20,
    .encode = ulaw_encode,
    .decode = ulaw_decode,
    .max_encoded_len = encoded_len,
    .max_decoded_samples = decoded_samples,
};

static const PbxCodec alaw = {
    .name = "alaw",
    .description = "ITU-T G.711 A-law",
    .rtp_name = "PCMA",
    .payload_type = 8,
    .clock_rate = 8000,
    .sample_rate = 8000,
    .ptime = 20,
    .encode = alaw_encode,
    .decode = alaw_decode,
    .max_encoded_len = encoded_len,
    .max_decoded_samples = decoded_samples,
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
