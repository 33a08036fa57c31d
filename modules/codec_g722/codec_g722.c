/* codec_g722 - ITU-T G.722 at 64 kbit/s ("g722", payload type 9) through
 * spandsp.  See README.md.
 *
 * G.722 samples at 16 kHz but its RTP clock runs at 8000 Hz (RFC 3551
 * keeps the value of an old error), so rtpmap says G722/8000 while frames
 * are 16 kHz.  Each byte carries two samples (one low-band and one
 * high-band ADPCM code). */
#include <spandsp.h>

#include <carillon/carillon.h>
#include <carillon/codec.h>

#define BIT_RATE 64000

typedef struct {
    g722_encode_state_t *enc;
    g722_decode_state_t *dec;
} G722State;

static void
g722_state_free(gpointer data)
{
    G722State *s = data;

    if (s->enc)
        g722_encode_free(s->enc);
    if (s->dec)
        g722_decode_free(s->dec);
    g_free(s);
}

static gpointer
g722_state_new(const PbxCodecParams *params, GError **error)
{
    G722State *s = g_new0(G722State, 1);

    s->enc = g722_encode_init(NULL, BIT_RATE, 0);
    s->dec = g722_decode_init(NULL, BIT_RATE, 0);
    if (!s->enc || !s->dec) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_FAILED,
                    "spandsp could not create a G.722 encoder and decoder");
        g722_state_free(s);
        return NULL;
    }
    return s;
}

/* Samples go in pairs: an odd count would split a code byte. */
static gint
g722_codec_encode(gpointer data, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    G722State *s = data;

    if (n % 2 != 0 || n > G_MAXINT)
        return PBX_AUDIO_E_INVALID;
    if (out_size < n / 2)
        return PBX_AUDIO_E_SPACE;
    return g722_encode(s->enc, out, pcm, (int) n);
}

static gint
g722_codec_decode(gpointer data, const guint8 *payload, gsize len, gint16 *pcm,
                  guint max_samples)
{
    G722State *s = data;

    if (len > max_samples / 2)
        return PBX_AUDIO_E_SPACE;
    return g722_decode(s->dec, pcm, payload, (int) len);
}

static const PbxCodec g722 = {
    .name = "g722",
    .description = "ITU-T G.722 wideband, 64 kbit/s (spandsp)",
    .rtp_name = "G722",
    .clock_rate = 8000,
    .payload_type = 9,
    .sample_rate = 16000,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(10, 20, 30, 40, 50, 60),
    .state_new = g722_state_new,
    .state_free = g722_state_free,
    .encode = g722_codec_encode,
    .decode = g722_codec_decode,
};

static gboolean
g722_load(PbxModule *self, GError **error)
{
    return pbx_codec_register(self, &g722, error);
}

static void
g722_unload(PbxModule *self)
{
    pbx_codec_unregister(&g722);
}

PBX_MODULE_DEFINE("codec_g722", "G.722 wideband codec (spandsp)",
                  .load = g722_load,
                  .unload = g722_unload);
