/* res_rtp - terminated media: the legs of a transcoding bridge.
 *
 * A session whose bridge cannot relay (the two legs speak different
 * codecs) gets an RtpMedia: its codec instance, resamplers from the
 * other rates to its own, and two small PCM buffers.  Packets it
 * receives are decoded on arrival into `rx`; every RTP_TICK_MS the
 * worker takes one tick of that audio (or silence when nothing came:
 * the codec's concealment where it has it), resamples it to the peer's
 * rate and hands it to the peer's encoder, which sends a packet each
 * time it has a packet time's worth, with its own SSRC, sequence numbers
 * and timestamps.
 *
 * Made and freed on the main context (they allocate); used by the
 * session's worker only, without allocation, lock or log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <carillon/resampler.h>

#include "rtp_private.h"

/* Decoded audio kept waiting: more than this and the oldest goes (the
 * far end sends faster than we play: a crude bound until the jitter
 * buffer replaces it). */
#define RX_MAX_MS 200
#define RX_CAP (PBX_AUDIO_MAX_RATE / 1000 * RX_MAX_MS)
#define TX_CAP (PBX_AUDIO_MAX_RATE / 1000 * PBX_AUDIO_MAX_MS)

struct _RtpMedia {
    RtpFormat fmt;
    guint rate;                 /* PCM rate of the codec */
    guint clock;                /* its RTP clock */
    guint tick_samples;         /* RTP_TICK_MS at rate */
    guint packet_samples;       /* a packet time at rate */
    PbxCodecInstance *codec;
    PbxResampler *from8k, *from16k, *from48k;   /* NULL for our own rate */
    gint16 rx[RX_CAP];
    guint rx_len;
    gboolean rx_started;
    gint16 tx[TX_CAP];
    guint tx_len;
    guint32 ssrc;
    guint16 seq;
    guint32 ts;
    gboolean marker;
    PbxAudioFrame frame, resampled;
    guint8 packet[12 + PBX_CODEC_MAX_PAYLOAD];
};

static gboolean
add_resampler(RtpMedia *m, guint from, PbxResampler **out, GError **error)
{
    if (from == m->rate)
        return TRUE;
    *out = pbx_resampler_new(from, m->rate, error);
    return *out != NULL;
}

RtpMedia *
rtp_media_new(const RtpFormat *fmt, GError **error)
{
    RtpMedia *m = g_new0(RtpMedia, 1);

    m->fmt = *fmt;
    m->rate = fmt->codec->sample_rate;
    m->clock = fmt->codec->clock_rate;
    m->tick_samples = pbx_audio_samples_for_ms(m->rate, RTP_TICK_MS);
    m->codec = pbx_codec_instance_new(fmt->codec, &fmt->params, error);
    if (!m->codec || !add_resampler(m, 8000, &m->from8k, error)
        || !add_resampler(m, 16000, &m->from16k, error)
        || !add_resampler(m, 48000, &m->from48k, error)) {
        rtp_media_free(m);
        return NULL;
    }
    m->packet_samples = MIN(pbx_codec_instance_get_frame_samples(m->codec), TX_CAP);
    m->ssrc = g_random_int();
    m->seq = (guint16) g_random_int();
    m->ts = g_random_int();
    m->marker = TRUE;
    return m;
}

void
rtp_media_free(RtpMedia *m)
{
    if (!m)
        return;
    pbx_codec_instance_free(m->codec);
    pbx_resampler_free(m->from8k);
    pbx_resampler_free(m->from16k);
    pbx_resampler_free(m->from48k);
    g_free(m);
}

/* ---------------------------------------------------------- receiving */

void
rtp_media_receive(RtpMedia *m, const RtpHeader *h, const guint8 *payload, gsize len)
{
    gint n;

    if (m->rx_len + PBX_AUDIO_MAX_SAMPLES > RX_CAP) {
        guint drop = m->rx_len + PBX_AUDIO_MAX_SAMPLES - RX_CAP;
        memmove(m->rx, m->rx + drop, (m->rx_len - drop) * sizeof(gint16));
        m->rx_len -= drop;
    }
    n = pbx_codec_decode(m->codec, payload, len, m->rx + m->rx_len, RX_CAP - m->rx_len);
    if (n > 0) {
        m->rx_len += (guint) n;
        m->rx_started = TRUE;
    }
}

/* One tick of received audio: decoded, or concealed (silence when the
 * codec cannot). */
static void
take_tick(RtpMedia *m, PbxAudioFrame *out)
{
    guint n = m->tick_samples;

    out->rate = m->rate;
    out->n_samples = n;
    if (m->rx_len >= n) {
        memcpy(out->samples, m->rx, n * sizeof(gint16));
        memmove(m->rx, m->rx + n, (m->rx_len - n) * sizeof(gint16));
        m->rx_len -= n;
        return;
    }
    if (!m->rx_started || pbx_codec_conceal(m->codec, out->samples, n) != (gint) n)
        memset(out->samples, 0, n * sizeof(gint16));
}

/* ---------------------------------------------------------- sending */

static PbxResampler *
resampler_from(RtpMedia *m, guint rate)
{
    return rate == 8000 ? m->from8k : rate == 16000 ? m->from16k : m->from48k;
}

static void
write_header(RtpMedia *m, guint8 pt)
{
    guint8 *p = m->packet;

    p[0] = 0x80;
    p[1] = (guint8) ((m->marker ? 0x80 : 0) | (pt & 0x7f));
    p[2] = (guint8) (m->seq >> 8);
    p[3] = (guint8) m->seq;
    p[4] = (guint8) (m->ts >> 24);
    p[5] = (guint8) (m->ts >> 16);
    p[6] = (guint8) (m->ts >> 8);
    p[7] = (guint8) m->ts;
    p[8] = (guint8) (m->ssrc >> 24);
    p[9] = (guint8) (m->ssrc >> 16);
    p[10] = (guint8) (m->ssrc >> 8);
    p[11] = (guint8) m->ssrc;
}

/* Encodes one packet time from tx and sends it out of s. */
static void
send_packet(RtpSession *s, RtpMedia *m)
{
    guint n = m->packet_samples;
    gint bytes = pbx_codec_encode(m->codec, m->tx, n, m->packet + 12, PBX_CODEC_MAX_PAYLOAD);
    ssize_t sent = -1;

    memmove(m->tx, m->tx + n, (m->tx_len - n) * sizeof(gint16));
    m->tx_len -= n;
    if (bytes > 0 && s->rtp_dest.len) {
        write_header(m, s->tx_pt);
        sent = sendto(s->fd[0], m->packet, 12 + (gsize) bytes, MSG_DONTWAIT,
                      (const struct sockaddr *) &s->rtp_dest.ss, s->rtp_dest.len);
    }
    if (sent > 0) {
        RTP_PUB_ADD(s, tx_packets, 1);
        RTP_PUB_ADD(s, tx_octets, (guint64) sent);
    }
    m->seq++;
    m->ts += n * (m->clock / 1000) / (m->rate / 1000);
    m->marker = FALSE;
}

/* Audio for s's far end, at any rate: resampled to the codec's, then
 * sent a packet time at a time. */
static void
send_audio(RtpSession *s, const PbxAudioFrame *in)
{
    RtpMedia *m = s->media;
    const PbxAudioFrame *f = in;

    if (in->rate != m->rate) {
        if (pbx_resampler_process_frame(resampler_from(m, in->rate), in, &m->resampled) < 0)
            return;
        f = &m->resampled;
    }
    if (m->tx_len + f->n_samples > TX_CAP)
        m->tx_len = 0;          /* cannot happen with ticks < a packet time */
    memcpy(m->tx + m->tx_len, f->samples, f->n_samples * sizeof(gint16));
    m->tx_len += f->n_samples;
    while (m->packet_samples && m->tx_len >= m->packet_samples)
        send_packet(s, m);
}

void
rtp_media_forward(RtpWorker *w, RtpSession *s)
{
    RtpSession *out = s->peer;

    if (!out || !out->media)
        return;
    take_tick(s->media, &s->media->frame);
    send_audio(out, &s->media->frame);
}

/* ---------------------------------------------------------- the tick */

static void
arm(RtpWorker *w, gboolean on)
{
    struct itimerspec its = { 0 };

    if (on) {
        its.it_value.tv_nsec = RTP_TICK_MS * 1000000L;
        its.it_interval.tv_nsec = RTP_TICK_MS * 1000000L;
    }
    if (timerfd_settime(w->tfd, 0, &its, NULL) < 0)
        g_warning("res_rtp: timerfd_settime: %s", g_strerror(errno));
}

void
rtp_media_tick_add(RtpWorker *w, RtpSession *s)
{
    if (s->tick_prev || w->ticking == s)
        return;
    s->tick_next = w->ticking;
    if (w->ticking)
        w->ticking->tick_prev = s;
    else
        arm(w, TRUE);
    w->ticking = s;
}

void
rtp_media_tick_remove(RtpWorker *w, RtpSession *s)
{
    if (!s->tick_prev && w->ticking != s)
        return;
    if (s->tick_prev)
        s->tick_prev->tick_next = s->tick_next;
    else
        w->ticking = s->tick_next;
    if (s->tick_next)
        s->tick_next->tick_prev = s->tick_prev;
    s->tick_next = s->tick_prev = NULL;
    if (!w->ticking)
        arm(w, FALSE);
}

/* The timer fired: each session with media gives one tick of audio per
 * expiry (up to three when the worker was late, then it catches up by
 * dropping: better a gap than a growing delay). */
void
rtp_media_tick(RtpWorker *w)
{
    guint64 expiries = 0;

    if (read(w->tfd, &expiries, sizeof(expiries)) < 0)
        return;
    for (guint64 i = 0; i < MIN(expiries, 3); i++)
        for (RtpSession *s = w->ticking; s; s = s->tick_next)
            rtp_media_forward(w, s);
}
