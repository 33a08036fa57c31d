/* res_rtp - decoded sessions: the legs of a transcoding bridge, and legs
 * whose DTMF is in the audio.
 *
 * A session that cannot simply be relayed (the two legs of its bridge
 * speak different codecs, or its digits are tones) gets an RtpMedia: its
 * codec instance, a jitter buffer (playout.h), resamplers from the other
 * rates to its own, an in-band DTMF detector and generator when its
 * format says so, and a small PCM buffer of audio waiting to be encoded.
 * Audio packets it receives go into the jitter buffer; every
 * RTP_TICK_MS the worker pulls one frame out (concealed when packets are
 * missing), looks for digits in it (and mutes a digit it hears: the other
 * leg gets the digit in its own form), resamples it to the peer's rate
 * and hands it to the peer's encoder, which sends a packet each time it
 * has a packet time's worth, on the session's own stream (SSRC, sequence
 * numbers, timestamps: s->out).  Digits sent in band replace the audio
 * while they play.
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

#include "inband.h"
#include "playout.h"
#include "rtp_private.h"

#define TX_CAP (PBX_AUDIO_MAX_RATE / 1000 * PBX_AUDIO_MAX_MS)
#define TICK_8K (8000 / 1000 * RTP_TICK_MS)
#define MAX_INBAND_EVENTS 4

struct _RtpMedia {
    RtpFormat fmt;
    guint rate;                 /* PCM rate of the codec */
    guint clock;                /* its RTP clock */
    guint packet_samples;       /* a packet time at rate */
    PbxCodecInstance *codec;
    RtpPlayout *playout;
    gboolean started;           /* a packet arrived: pull from now on */
    PbxResampler *from8k, *from16k, *from48k;   /* NULL for our own rate */
    PbxResampler *to8k;         /* in-band detection, when rate != 8000 */
    RtpInbandDetector *detector;
    RtpInbandGenerator *generator;
    gboolean digit_on;          /* a tone is heard: the audio is muted */
    PbxAudioFrame port_frame;   /* what the port read this tick */
    PbxAudioFrame out;          /* what is encoded: resampled, digits over it */
    gint16 tx[TX_CAP];
    guint tx_len;
    gboolean marker;
    PbxAudioFrame frame, resampled, frame8k;
    guint8 packet[12 + PBX_CODEC_MAX_PAYLOAD + RTP_SRTP_ROOM];   /* room for the tag */
};

static gboolean
add_resampler(guint from, guint to, PbxResampler **out, GError **error)
{
    if (from == to)
        return TRUE;
    *out = pbx_resampler_new(from, to, error);
    return *out != NULL;
}

static gboolean
add_inband(RtpMedia *m, GError **error)
{
    if (m->fmt.dtmf != RTP_DTMF_INBAND)
        return TRUE;
    m->detector = rtp_inband_detector_new(error);
    m->generator = m->detector ? rtp_inband_generator_new(error) : NULL;
    return m->generator && add_resampler(m->rate, 8000, &m->to8k, error);
}

RtpMedia *
rtp_media_new(const RtpFormat *fmt, GError **error)
{
    RtpMedia *m = g_new0(RtpMedia, 1);

    m->fmt = *fmt;
    m->rate = fmt->codec->sample_rate;
    m->clock = fmt->codec->clock_rate;
    m->codec = pbx_codec_instance_new(fmt->codec, &fmt->params, error);
    if (!m->codec || !(m->playout = rtp_playout_new(m->codec, RTP_TICK_MS, error))
        || !add_resampler(8000, m->rate, &m->from8k, error)
        || !add_resampler(16000, m->rate, &m->from16k, error)
        || !add_resampler(48000, m->rate, &m->from48k, error) || !add_inband(m, error)) {
        rtp_media_free(m);
        return NULL;
    }
    m->packet_samples = MIN(pbx_codec_instance_get_frame_samples(m->codec), TX_CAP);
    m->marker = TRUE;
    return m;
}

void
rtp_media_free(RtpMedia *m)
{
    if (!m)
        return;
    rtp_playout_free(m->playout);       /* before the codec it borrows */
    pbx_codec_instance_free(m->codec);
    pbx_resampler_free(m->from8k);
    pbx_resampler_free(m->from16k);
    pbx_resampler_free(m->from48k);
    pbx_resampler_free(m->to8k);
    rtp_inband_detector_free(m->detector);
    rtp_inband_generator_free(m->generator);
    g_free(m);
}

void
rtp_media_add_stats(const RtpMedia *m, RtpStats *st)
{
    RtpPlayoutStats ps;

    rtp_playout_get_stats(m->playout, &ps);
    st->jb_delay_ms = ps.delay_ms;
    st->jb_jitter_ms = ps.jitter_ms;
    st->jb_late += ps.late;
    st->jb_concealed += ps.frames_concealed;
    st->jb_fec += ps.frames_fec;
}

/* A new stream: its own SSRC, sequence numbers and timestamps (the far
 * end sees a new source when transcoding starts or the codec changes). */
void
rtp_media_attach(RtpSession *s)
{
    s->out = (RtpOutStream) {
        .known = TRUE,
        .ssrc = g_random_int(),
        .seq = (guint16) g_random_int(),
        .ts = g_random_int(),
        .us = g_get_monotonic_time(),
    };
    s->media->marker = TRUE;
    s->media->tx_len = 0;
}

/* ---------------------------------------------------------- receiving */

void
rtp_media_receive(RtpMedia *m, const RtpHeader *h, const guint8 *payload, gsize len,
                  gint64 now_us)
{
    if (rtp_playout_put(m->playout, h, payload, len, now_us) == RTP_PLAYOUT_QUEUED)
        m->started = TRUE;
}

/* Digits in the tick's audio: reported at their end; while one sounds
 * the frame is muted, so that the other leg hears it only in its own
 * form (whatever leaked before the detector was sure is short). */
static void
detect_inband(RtpSession *s, RtpMedia *m, PbxAudioFrame *f)
{
    RtpDtmfEvent ev[MAX_INBAND_EVENTS];
    const PbxAudioFrame *f8 = f;
    guint n;

    if (m->to8k) {
        if (pbx_resampler_process_frame(m->to8k, f, &m->frame8k) < 0)
            return;
        f8 = &m->frame8k;
    }
    n = rtp_inband_detector_feed(m->detector, f8->samples, MIN(f8->n_samples, TICK_8K), ev,
                                 G_N_ELEMENTS(ev));
    for (guint i = 0; i < n; i++) {
        m->digit_on = ev[i].phase == RTP_DTMF_BEGIN;
        if (ev[i].phase == RTP_DTMF_END)
            rtp_dtmf_report(s, ev[i].digit, ev[i].duration_ms, RTP_DTMF_INBAND);
    }
    if (m->digit_on || n > 0)
        memset(f->samples, 0, f->n_samples * sizeof(gint16));
}

/* One tick of received audio: played out of the jitter buffer (silence
 * before the first packet). */
static void
take_tick(RtpSession *s, RtpMedia *m, gint64 now_us)
{
    PbxAudioFrame *f = &m->frame;

    if (m->started) {
        rtp_playout_pull(m->playout, now_us, f);
    } else {
        f->rate = m->rate;
        f->n_samples = pbx_audio_samples_for_ms(m->rate, RTP_TICK_MS);
        memset(f->samples, 0, f->n_samples * sizeof(gint16));
    }
    if (m->detector)
        detect_inband(s, m, f);
}

/* ---------------------------------------------------------- sending */

static PbxResampler *
resampler_from(RtpMedia *m, guint rate)
{
    return rate == 8000 ? m->from8k : rate == 16000 ? m->from16k : m->from48k;
}

static void
write_header(guint8 *p, gboolean marker, guint8 pt, guint16 seq, guint32 ts, guint32 ssrc)
{
    p[0] = 0x80;
    p[1] = (guint8) ((marker ? 0x80 : 0) | (pt & 0x7f));
    p[2] = (guint8) (seq >> 8);
    p[3] = (guint8) seq;
    p[4] = (guint8) (ts >> 24);
    p[5] = (guint8) (ts >> 16);
    p[6] = (guint8) (ts >> 8);
    p[7] = (guint8) ts;
    p[8] = (guint8) (ssrc >> 24);
    p[9] = (guint8) (ssrc >> 16);
    p[10] = (guint8) (ssrc >> 8);
    p[11] = (guint8) ssrc;
}

/* Sends one RTP packet (header made here) as the next of s's outgoing
 * stream; the caller keeps the stream's timestamp (events repeat their
 * start's). */
void
rtp_out_send(RtpSession *s, guint8 *pkt, gsize payload_len, gboolean marker, guint8 pt,
             guint32 ts)
{
    ssize_t sent;
    guint len = (guint) (12 + payload_len);

    s->out.seq++;
    if (!s->rtp_dest.len)
        return;
    write_header(pkt, marker, pt, s->out.seq, ts, s->out.ssrc);
    if (s->srtp ? !rtp_srtp_protect(s->srtp, pkt, &len) : s->keys_pending)
        return;         /* not protected, or keys expected: nothing goes */
    sent = sendto(s->fd[0], pkt, len, MSG_DONTWAIT,
                  (const struct sockaddr *) &s->rtp_dest.ss, s->rtp_dest.len);
    if (sent > 0) {
        RTP_PUB_ADD(s, tx_packets, 1);
        RTP_PUB_ADD(s, tx_octets, (guint64) sent);
    }
}

/* Encodes one packet time from tx and sends it out of s; while s sends
 * a telephone-event the audio is held back (its time still passes). */
static void
send_packet(RtpSession *s, RtpMedia *m, gint64 now_us)
{
    guint n = m->packet_samples;
    guint32 ts = s->out.ts + n * (m->clock / 1000) / (m->rate / 1000);
    gint bytes = -1;

    if (!rtp_dtmf_sending(s))
        bytes = pbx_codec_encode(m->codec, m->tx, n, m->packet + 12, PBX_CODEC_MAX_PAYLOAD);
    memmove(m->tx, m->tx + n, (m->tx_len - n) * sizeof(gint16));
    m->tx_len -= n;
    if (bytes > 0) {
        rtp_out_send(s, m->packet, (gsize) bytes, m->marker, s->tx_pt, ts);
        m->marker = FALSE;
    }
    s->out.ts = ts;                 /* held back or not, its time passes */
    s->out.us = now_us;
}

/* Tones of digits being sent, over the frame (8 kHz, resampled to the
 * codec's rate). */
static void
play_inband(RtpMedia *m, PbxAudioFrame *f)
{
    PbxAudioFrame *tone = &m->frame8k;
    guint n8 = pbx_audio_samples_for_ms(8000, RTP_TICK_MS), done;

    if (!m->generator || !rtp_inband_generator_active(m->generator))
        return;
    tone->rate = 8000;
    tone->n_samples = n8;
    memset(tone->samples, 0, n8 * sizeof(gint16));
    done = rtp_inband_generator_fill(m->generator, tone->samples, n8);
    if (m->rate == 8000) {
        memcpy(f->samples, tone->samples, MIN(done, f->n_samples) * sizeof(gint16));
        return;
    }
    if (pbx_resampler_process_frame(m->from8k, tone, &m->resampled) >= 0)
        memcpy(f->samples, m->resampled.samples,
               MIN(m->resampled.n_samples, f->n_samples) * sizeof(gint16));
}

/* Audio for s's far end, at any rate: resampled to the codec's, digits
 * played over it, then sent a packet time at a time. */
static void
send_audio(RtpSession *s, const PbxAudioFrame *in, gint64 now_us)
{
    RtpMedia *m = s->media;
    PbxAudioFrame *f = &m->out;     /* not m->frame: the peer reads that this tick */

    if (in->rate != m->rate) {
        if (pbx_resampler_process_frame(resampler_from(m, in->rate), in, f) < 0)
            return;
    } else if (in != f) {
        memcpy(f, in, G_STRUCT_OFFSET(PbxAudioFrame, samples) + in->n_samples * sizeof(gint16));
    }
    play_inband(m, f);
    if (m->tx_len + f->n_samples > TX_CAP)
        m->tx_len = 0;          /* cannot happen with ticks < a packet time */
    memcpy(m->tx + m->tx_len, f->samples, f->n_samples * sizeof(gint16));
    m->tx_len += f->n_samples;
    while (m->packet_samples && m->tx_len >= m->packet_samples)
        send_packet(s, m, now_us);
}

/* A tick of silence at the codec's rate, in the media's spare frame. */
static PbxAudioFrame *
silence(RtpMedia *m)
{
    PbxAudioFrame *f = &m->resampled;

    f->rate = m->rate;
    f->n_samples = pbx_audio_samples_for_ms(m->rate, RTP_TICK_MS);
    memset(f->samples, 0, f->n_samples * sizeof(gint16));
    return f;
}

/* Phase one of a tick: s's audio out of its jitter buffer (digits
 * detected), and to its port. */
void
rtp_media_take(RtpSession *s, gint64 now_us)
{
    take_tick(s, s->media, now_us);
    if (s->wport && s->wport->write)
        s->wport->write(s->wport_data, &s->media->frame);
}

/* What s sends this tick: its port's audio, else its peer's, else
 * silence when digits are being played in band (a leg alone otherwise
 * sends nothing). */
static const PbxAudioFrame *
source_of(RtpSession *s, gboolean *any)
{
    RtpMedia *m = s->media;
    PbxAudioFrame *f = &m->port_frame;

    *any = TRUE;
    if (s->wport) {
        if (s->wport->read && s->wport->read(s->wport_data, f) && pbx_audio_rate_is_valid(f->rate)
            && f->n_samples == pbx_audio_samples_for_ms(f->rate, RTP_TICK_MS))
            return f;
        return silence(m);
    }
    if (s->peer && s->peer->media)
        return &s->peer->media->frame;
    *any = m->generator && rtp_inband_generator_active(m->generator);
    return silence(m);
}

/* Phase two: what s sends to its far end. */
void
rtp_media_give(RtpSession *s, gint64 now_us)
{
    gboolean any;
    const PbxAudioFrame *f = source_of(s, &any);

    if (any)
        send_audio(s, f, now_us);
}

gboolean
rtp_media_send_dtmf(RtpSession *s, char digit, guint duration_ms)
{
    return s->media && s->media->generator
           && rtp_inband_generator_start(s->media->generator, digit, duration_ms)
                  == RTP_DTMF_TX_OK;
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

static void
tick_add(RtpWorker *w, RtpSession *s)
{
    s->ticking = TRUE;
    s->tick_prev = NULL;
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
    if (!s->ticking)
        return;
    if (s->tick_prev)
        s->tick_prev->tick_next = s->tick_next;
    else
        w->ticking = s->tick_next;
    if (s->tick_next)
        s->tick_next->tick_prev = s->tick_prev;
    s->tick_next = s->tick_prev = NULL;
    s->ticking = FALSE;
    if (!w->ticking)
        arm(w, FALSE);
}

/* A session ticks while it has media (a decoded leg plays out every
 * tick, bridged or not), DTMF or a DTLS handshake under way. */
void
rtp_media_update_tick(RtpWorker *w, RtpSession *s)
{
    gboolean need = s->media || rtp_dtmf_busy(s) || rtp_session_dtls_busy(s);

    if (need && !s->ticking)
        tick_add(w, s);
    else if (!need && s->ticking)
        rtp_media_tick_remove(w, s);
}

/* The timer fired: each ticking session gives one tick of audio per
 * expiry (up to three when the worker was late, then it catches up by
 * dropping: better a gap than a growing delay), and its DTMF is served. */
void
rtp_media_tick(RtpWorker *w)
{
    guint64 expiries = 0;
    gint64 now;
    RtpSession *s, *next;

    if (read(w->tfd, &expiries, sizeof(expiries)) < 0)
        return;
    now = g_get_monotonic_time();
    for (guint64 i = 0; i < MIN(expiries, 3); i++) {
        /* every session's input before any output: mixers see the whole tick */
        for (s = w->ticking; s; s = s->tick_next)
            if (s->media)
                rtp_media_take(s, now);
        for (s = w->ticking; s; s = s->tick_next)
            if (s->media)
                rtp_media_give(s, now);
    }
    for (s = w->ticking; s; s = next) {
        next = s->tick_next;
        rtp_dtmf_tick(s, now);
        rtp_session_dtls_tick(s, now);
        rtp_media_update_tick(w, s);
    }
}
