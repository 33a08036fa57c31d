/* rtpgen - the codecs a stream can send, and their payloads.
 *
 * A PBX that transcodes decodes what it receives, so payloads must be
 * real audio of the codec: a second of the tone of tests/bench/tone.h,
 * encoded once at start-up with the codec's real encoder (G.711 by its
 * formula, G.722 by spandsp, Opus by libopus: mono speech at 32 kbit/s,
 * what Carillon's codec_opus sends when the far end asks for nothing)
 * and replayed by every stream, so that the media threads only copy.
 * The encoders run over the loop twice and keep the second pass: its
 * first packet is coded after the loop's last one, as when it is
 * replayed, so the decoder's history matches at the seam.
 *
 * RTP clocks: G.722 is 8000 in SDP although it samples at 16 kHz
 * (RFC 3551); Opus is always 48000 and `opus/48000/2` (RFC 7587). */
#include <string.h>

#include <opus.h>
#include <spandsp.h>

#include "rtpgen.h"
#include "../tone.h"

#define PACKET_MS RTPGEN_TICKS_PER_PACKET
#define OPUS_BITRATE 32000

static const Codec codecs[N_CODECS] = {
    [CODEC_ULAW] = { CODEC_ULAW, "ulaw", "PCMU", 8000, 0, 0, 8000 },
    [CODEC_ALAW] = { CODEC_ALAW, "alaw", "PCMA", 8000, 0, 8, 8000 },
    [CODEC_G722] = { CODEC_G722, "g722", "G722", 8000, 0, 9, 16000 },
    [CODEC_OPUS] = { CODEC_OPUS, "opus", "opus", 48000, 2, -1, 48000 },
};

const Codec *
codec_find(const char *name)
{
    for (unsigned i = 0; i < N_CODECS; i++)
        if (g_ascii_strcasecmp(name, codecs[i].name) == 0)
            return &codecs[i];
    return NULL;
}

const Codec *
codec_get(CodecId id)
{
    return &codecs[id];
}

unsigned
codec_ts_per_ms(const Codec *codec)
{
    return codec->clock / 1000;
}

/* ---------------------------------------------------------- G.711 */

/* ITU-T G.711 mu-law of a 16-bit sample (bias 0x84, clip 32635). */
static uint8_t
ulaw_of(int16_t pcm)
{
    int v = pcm, sign = v < 0 ? 0x80 : 0, seg = 0;

    if (v < 0)
        v = -v;
    v = MIN(v, 32635) + 0x84;
    for (int m = v >> 7; m > 1; m >>= 1)
        seg++;
    return (uint8_t) ~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}

/* ITU-T G.711 A-law of a 16-bit sample (13 bits used; even bits
 * inverted). */
static uint8_t
alaw_of(int16_t pcm)
{
    int v = pcm >> 3, mask = 0xd5, seg = 0;

    if (v < 0) {
        mask = 0x55;
        v = -v - 1;
    }
    for (int m = v >> 5; m > 0; m >>= 1)
        seg++;
    if (seg > 7)
        return (uint8_t) (0x7f ^ mask);
    return (uint8_t) ((seg << 4 | ((v >> (seg < 2 ? 1 : seg)) & 0x0f)) ^ mask);
}

static void
encode_g711(PayloadLoop *l, const int16_t *pcm, unsigned n)
{
    for (unsigned p = 0; p < RTPGEN_LOOP_PACKETS; p++) {
        for (unsigned i = 0; i < n; i++)
            l->data[p][i] = l->codec->id == CODEC_ULAW ? ulaw_of(pcm[p * n + i])
                                                       : alaw_of(pcm[p * n + i]);
        l->len[p] = (uint16_t) n;
    }
}

/* ---------------------------------------------------------- G.722, Opus */

static bool
encode_g722(PayloadLoop *l, const int16_t *pcm, unsigned n, GError **error)
{
    g722_encode_state_t *enc = g722_encode_init(NULL, 64000, 0);

    if (!enc) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "spandsp: no G.722 encoder");
        return false;
    }
    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned p = 0; p < RTPGEN_LOOP_PACKETS; p++)
            l->len[p] = (uint16_t) g722_encode(enc, l->data[p], pcm + p * n, (int) n);
    g722_encode_free(enc);
    return true;
}

static bool
encode_opus(PayloadLoop *l, const int16_t *pcm, unsigned n, GError **error)
{
    int err = OPUS_OK;
    OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);

    if (!enc || opus_encoder_ctl(enc, OPUS_SET_BITRATE(OPUS_BITRATE)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "libopus: no encoder: %s",
                    opus_strerror(err));
        if (enc)
            opus_encoder_destroy(enc);
        return false;
    }
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned p = 0; p < RTPGEN_LOOP_PACKETS; p++) {
            int len = opus_encode(enc, pcm + p * n, (int) n, l->data[p], RTPGEN_MAX_PAYLOAD);

            if (len <= 0) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "libopus: %s",
                            opus_strerror(len));
                opus_encoder_destroy(enc);
                return false;
            }
            l->len[p] = (uint16_t) len;
        }
    }
    opus_encoder_destroy(enc);
    return true;
}

PayloadLoop *
payload_loop_new(const Codec *codec, GError **error)
{
    unsigned n = codec->sample_rate / 1000 * PACKET_MS;
    g_autofree int16_t *pcm = g_new(int16_t, (size_t) n * RTPGEN_LOOP_PACKETS);
    PayloadLoop *l = g_new0(PayloadLoop, 1);
    bool ok = true;

    G_STATIC_ASSERT(RTPGEN_LOOP_PACKETS * PACKET_MS == BENCH_TONE_LOOP_MS);
    l->codec = codec;
    bench_tone_fill(pcm, n * RTPGEN_LOOP_PACKETS, codec->sample_rate, 0);
    switch (codec->id) {
    case CODEC_ULAW:
    case CODEC_ALAW:
        encode_g711(l, pcm, n);
        break;
    case CODEC_G722:
        ok = encode_g722(l, pcm, n, error);
        break;
    default:
        ok = encode_opus(l, pcm, n, error);
        break;
    }
    if (!ok)
        g_clear_pointer(&l, g_free);
    return l;
}
