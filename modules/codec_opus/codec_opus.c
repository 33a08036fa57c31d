/* codec_opus - Opus ("opus", opus/48000/2, dynamic payload type) through
 * libopus.  See README.md.
 *
 * We send mono speech (OPUS_APPLICATION_VOIP) and decode at 48 kHz.  The
 * far end's fmtp (RFC 7587) sets up the encoder: maxplaybackrate caps
 * the audio bandwidth, maxaveragebitrate sets the bitrate, useinbandfec=1
 * adds in-band FEC; stereo=1 only states a preference, and mono is always
 * allowed.  Losses are concealed by Opus' PLC, or recovered from the
 * next packet's FEC when it has some. */
#include <string.h>

#include <opus.h>

#include <carillon/carillon.h>
#include <carillon/codec.h>

#define RATE 48000
#define DEFAULT_BITRATE 32000   /* wideband speech at good quality when the far end sets none */
#define FEC_LOSS_PERC 10        /* libopus adds FEC only when it expects losses */

/* PbxCodecParams.opt slots. */
enum {
    OPT_FEC,                    /* useinbandfec: the far end uses in-band FEC */
    OPT_MAX_PLAYBACK_RATE,      /* maxplaybackrate, Hz */
    OPT_MAX_BITRATE,            /* maxaveragebitrate, bit/s; 0: not given */
    OPT_STEREO,                 /* stereo: the far end would like stereo */
};

/* fmtp keys we use; values outside [min, max] are refused, or clamped
 * into it where RFC 7587 allows any number (rates). */
static const struct {
    const char *key;
    guint opt;
    guint min, max;
    gboolean clamp;
} fmtp_keys[] = {
    { "useinbandfec",      OPT_FEC,               0,    1,      FALSE },
    { "maxplaybackrate",   OPT_MAX_PLAYBACK_RATE, 8000, 48000,  TRUE },
    { "maxaveragebitrate", OPT_MAX_BITRATE,       6000, 510000, TRUE },
    { "stereo",            OPT_STEREO,            0,    1,      FALSE },
};

typedef struct {
    OpusEncoder *enc;
    OpusDecoder *dec;
} OpusState;

static void
opus_init_params(PbxCodecParams *p)
{
    p->opt[OPT_MAX_PLAYBACK_RATE] = RATE;
}

static gboolean
opus_set_param(PbxCodecParams *p, const char *key, const char *value, GError **error)
{
    for (guint i = 0; i < G_N_ELEMENTS(fmtp_keys); i++) {
        guint min = fmtp_keys[i].clamp ? 1 : fmtp_keys[i].min;
        guint max = fmtp_keys[i].clamp ? G_MAXUINT32 : fmtp_keys[i].max;
        guint v;

        if (strcmp(key, fmtp_keys[i].key) != 0)
            continue;
        if (!pbx_codec_param_parse_uint(key, value, min, max, &v, error))
            return FALSE;
        p->opt[fmtp_keys[i].opt] = CLAMP(v, fmtp_keys[i].min, fmtp_keys[i].max);
        return TRUE;
    }
    return TRUE;                /* sprop-*, minptime, cbr, ...: not for us */
}

static void
opus_write_fmtp(const PbxCodecParams *p, GString *out)
{
    g_string_append_printf(out, "maxplaybackrate=%u;", p->opt[OPT_MAX_PLAYBACK_RATE]);
    if (p->opt[OPT_MAX_BITRATE])
        g_string_append_printf(out, "maxaveragebitrate=%u;", p->opt[OPT_MAX_BITRATE]);
    g_string_append_printf(out, "stereo=%u;useinbandfec=%u", p->opt[OPT_STEREO],
                           p->opt[OPT_FEC]);
}

static int
max_bandwidth(guint playback_rate)
{
    if (playback_rate <= 8000)
        return OPUS_BANDWIDTH_NARROWBAND;
    if (playback_rate <= 12000)
        return OPUS_BANDWIDTH_MEDIUMBAND;
    if (playback_rate <= 16000)
        return OPUS_BANDWIDTH_WIDEBAND;
    if (playback_rate <= 24000)
        return OPUS_BANDWIDTH_SUPERWIDEBAND;
    return OPUS_BANDWIDTH_FULLBAND;
}

static gboolean
configure_encoder(OpusEncoder *enc, const PbxCodecParams *p)
{
    guint fec = p->opt[OPT_FEC];
    opus_int32 bitrate = p->opt[OPT_MAX_BITRATE] ? p->opt[OPT_MAX_BITRATE] : DEFAULT_BITRATE;

    return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) == OPUS_OK &&
           opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(
                                     max_bandwidth(p->opt[OPT_MAX_PLAYBACK_RATE]))) == OPUS_OK &&
           opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(fec)) == OPUS_OK &&
           opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(fec ? FEC_LOSS_PERC : 0)) == OPUS_OK &&
           opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) == OPUS_OK;
}

static void
opus_state_free(gpointer data)
{
    OpusState *s = data;

    opus_encoder_destroy(s->enc);
    opus_decoder_destroy(s->dec);
    g_free(s);
}

static gpointer
opus_state_new(const PbxCodecParams *params, GError **error)
{
    OpusState *s = g_new0(OpusState, 1);
    int err_enc = OPUS_OK, err_dec = OPUS_OK;

    s->enc = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err_enc);
    s->dec = opus_decoder_create(RATE, 1, &err_dec);
    if (!s->enc || !s->dec || !configure_encoder(s->enc, params)) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_FAILED,
                    "libopus could not set up an encoder and decoder: %s",
                    opus_strerror(err_enc != OPUS_OK ? err_enc : err_dec));
        opus_state_free(s);
        return NULL;
    }
    return s;
}

static gint
status_of(int r)
{
    if (r >= 0)
        return r;
    return r == OPUS_BUFFER_TOO_SMALL ? PBX_AUDIO_E_SPACE : PBX_AUDIO_E_INVALID;
}

static gint
opus_codec_encode(gpointer data, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    OpusState *s = data;

    if (n > PBX_AUDIO_MAX_SAMPLES)
        return PBX_AUDIO_E_INVALID;
    return status_of(opus_encode(s->enc, pcm, (int) n, out, (opus_int32) MIN(out_size, 4000)));
}

/* An empty payload would ask libopus for concealment: refused here. */
static gint
opus_codec_decode(gpointer data, const guint8 *payload, gsize len, gint16 *pcm,
                  guint max_samples)
{
    OpusState *s = data;

    if (len == 0 || len > G_MAXINT32 || max_samples > G_MAXINT)
        return PBX_AUDIO_E_INVALID;
    return status_of(opus_decode(s->dec, payload, (opus_int32) len, pcm, (int) max_samples, 0));
}

/* n must be the lost duration, a multiple of 2.5 ms. */
static gint
opus_codec_conceal(gpointer data, gint16 *pcm, guint n)
{
    OpusState *s = data;

    if (n > PBX_AUDIO_MAX_SAMPLES)
        return PBX_AUDIO_E_INVALID;
    return status_of(opus_decode(s->dec, NULL, 0, pcm, (int) n, 0));
}

/* Without FEC in the next packet libopus conceals instead. */
static gint
opus_codec_decode_fec(gpointer data, const guint8 *next, gsize len, gint16 *pcm, guint n)
{
    OpusState *s = data;

    if (n > PBX_AUDIO_MAX_SAMPLES || len > G_MAXINT32)
        return PBX_AUDIO_E_INVALID;
    return status_of(opus_decode(s->dec, len ? next : NULL, (opus_int32) len, pcm, (int) n, 1));
}

static const PbxCodec opus_codec = {
    .name = "opus",
    .description = "Opus speech, mono (libopus)",
    .rtp_name = "opus",
    .clock_rate = RATE,
    .channels = 2,
    .payload_type = PBX_CODEC_PT_DYNAMIC,
    .sample_rate = RATE,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(10, 20, 40, 60, 80, 100, 120),
    .fmtp = "maxplaybackrate=48000;stereo=0;useinbandfec=1",
    .init_params = opus_init_params,
    .set_param = opus_set_param,
    .write_fmtp = opus_write_fmtp,
    .state_new = opus_state_new,
    .state_free = opus_state_free,
    .encode = opus_codec_encode,
    .decode = opus_codec_decode,
    .conceal = opus_codec_conceal,
    .decode_fec = opus_codec_decode_fec,
};

static gboolean
opus_load(PbxModule *self, GError **error)
{
    return pbx_codec_register(self, &opus_codec, error);
}

static void
opus_unload(PbxModule *self)
{
    pbx_codec_unregister(&opus_codec);
}

PBX_MODULE_DEFINE("codec_opus", "Opus codec (libopus)",
                  .load = opus_load,
                  .unload = opus_unload);
