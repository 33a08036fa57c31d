/* codec_gsm - GSM 06.10 full rate ("gsm", payload type 3) through libgsm.
 * See README.md.
 *
 * A frame is 160 samples (20 ms at 8 kHz) in 33 bytes, the RTP format of
 * RFC 3551 (libgsm's default packing; not the 65-byte WAV49 one).  The
 * encoder and the decoder each get their own libgsm state: one state holds
 * history of both directions and would mix them. */
#include <gsm.h>

#include <carillon/carillon.h>
#include <carillon/codec.h>

#define FRAME_SAMPLES 160
#define FRAME_BYTES 33
#define FRAME_MAGIC 0xd0        /* top nibble of every frame's first byte */

typedef struct {
    gsm enc;
    gsm dec;
} GsmState;

static void
gsm_state_free(gpointer data)
{
    GsmState *s = data;

    if (s->enc)
        gsm_destroy(s->enc);
    if (s->dec)
        gsm_destroy(s->dec);
    g_free(s);
}

static gpointer
gsm_state_new(const PbxCodecParams *params, GError **error)
{
    GsmState *s = g_new0(GsmState, 1);

    s->enc = gsm_create();
    s->dec = gsm_create();
    if (!s->enc || !s->dec) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_FAILED,
                    "libgsm could not create an encoder and decoder");
        gsm_state_free(s);
        return NULL;
    }
    return s;
}

static gint
gsm_codec_encode(gpointer data, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    GsmState *s = data;
    guint frames = n / FRAME_SAMPLES;

    if (n % FRAME_SAMPLES != 0)
        return PBX_AUDIO_E_INVALID;
    if (out_size < (gsize) frames * FRAME_BYTES)
        return PBX_AUDIO_E_SPACE;
    /* libgsm's prototype lacks const; it only reads the samples. */
    for (guint i = 0; i < frames; i++)
        gsm_encode(s->enc, (gsm_signal *) pcm + i * FRAME_SAMPLES, out + i * FRAME_BYTES);
    return (gint) (frames * FRAME_BYTES);
}

/* Every frame is checked before any is decoded, so a corrupt packet
 * leaves the decoder's history untouched. */
static gboolean
frames_valid(const guint8 *payload, gsize len)
{
    if (len == 0 || len % FRAME_BYTES != 0)
        return FALSE;
    for (gsize i = 0; i < len; i += FRAME_BYTES) {
        if ((payload[i] & 0xf0) != FRAME_MAGIC)
            return FALSE;
    }
    return TRUE;
}

static gint
gsm_codec_decode(gpointer data, const guint8 *payload, gsize len, gint16 *pcm,
                 guint max_samples)
{
    GsmState *s = data;
    gsize frames = len / FRAME_BYTES;

    if (!frames_valid(payload, len))
        return PBX_AUDIO_E_INVALID;
    if (frames * FRAME_SAMPLES > max_samples)
        return PBX_AUDIO_E_SPACE;
    for (gsize i = 0; i < frames; i++)
        gsm_decode(s->dec, (gsm_byte *) payload + i * FRAME_BYTES, pcm + i * FRAME_SAMPLES);
    return (gint) (frames * FRAME_SAMPLES);
}

static const PbxCodec gsm_codec = {
    .name = "gsm",
    .description = "GSM 06.10 full rate (libgsm)",
    .rtp_name = "GSM",
    .clock_rate = 8000,
    .payload_type = 3,
    .sample_rate = 8000,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(20, 40, 60),
    .state_new = gsm_state_new,
    .state_free = gsm_state_free,
    .encode = gsm_codec_encode,
    .decode = gsm_codec_decode,
};

static gboolean
gsm_load(PbxModule *self, GError **error)
{
    return pbx_codec_register(self, &gsm_codec, error);
}

static void
gsm_unload(PbxModule *self)
{
    pbx_codec_unregister(&gsm_codec);
}

PBX_MODULE_DEFINE("codec_gsm", "GSM 06.10 full rate codec (libgsm)",
                  .load = gsm_load,
                  .unload = gsm_unload);
