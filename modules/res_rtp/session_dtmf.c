/* res_rtp - the RFC 4733 telephone-events of a session, on its worker.
 *
 * Received events are never relayed: the receiver (dtmf4733.h) turns
 * the packets, with their redundant updates and three end packets, into
 * one digit with its duration, which goes to the main context (EV_DTMF)
 * and on to whoever owns the session; it passes the digit on to the
 * other leg in that leg's own form, or swallows it.  A relayed stream
 * whose events are taken out has its sequence numbers shifted
 * (RtpOutStream.seq_delta), so the far end sees no loss.
 *
 * Digits to send are queued in the session's sender and go out, from
 * the worker's tick, on the session's outgoing stream (relayed or
 * encoded here: same SSRC, the next sequence numbers, the stream's
 * timestamp at the digit's start), the audio held back meanwhile.  Legs
 * whose digits are in band are served by media.c's generator instead.
 *
 * Worker only, no allocation but the one event per digit reported.
 */
#define _GNU_SOURCE
#include <string.h>

#include "rtp_private.h"

/* One update per tick: RFC 4733 allows any interval, and the codec's
 * packet time is what phones use. */
#define UPDATE_INTERVAL_MS RTP_TICK_MS

void
rtp_dtmf_report(RtpSession *s, char digit, guint duration_ms, RtpDtmfMode source)
{
    RtpCmd *ev = g_new0(RtpCmd, 1);

    ev->type = EV_DTMF;
    ev->session = s;
    ev->digit = digit;
    ev->duration_ms = duration_ms;
    ev->source = source;
    RTP_PUB_ADD(s, dtmf_rx, 1);
    rtp_engine_post(s->engine, ev);
}

static void
report_ends(RtpSession *s, const RtpDtmfEvent *ev, guint n)
{
    for (guint i = 0; i < n; i++)
        if (ev[i].phase == RTP_DTMF_END)
            rtp_dtmf_report(s, ev[i].digit, ev[i].duration_ms, RTP_DTMF_RFC4733);
}

/* A new format on the same clock (a port attached or removed, relaying
 * again) keeps the receiver: it remembers the last digit, whose end
 * packets still to come (sent three times) must not make a second one.
 * Another clock starts afresh, ending a digit in progress. */
void
rtp_dtmf_set_format(RtpSession *s)
{
    RtpDtmfEvent ev;

    if (s->dtmf_rx.clock_rate == (s->clock ? s->clock : 8000))
        return;
    if (rtp_dtmf_rx_end(&s->dtmf_rx, &ev))
        report_ends(s, &ev, 1);
    rtp_dtmf_rx_init(&s->dtmf_rx, s->clock);
}

void
rtp_dtmf_receive(RtpSession *s, const RtpHeader *h, const guint8 *pkt, guint len, gint64 now_us)
{
    RtpDtmfEvent ev[RTP_DTMF_RX_MAX_EVENTS];
    guint n = rtp_dtmf_rx_packet(&s->dtmf_rx, h->timestamp, h->marker, pkt + h->header_len,
                                 len - h->header_len, now_us, ev);

    report_ends(s, ev, n);
}

/* ---------------------------------------------------------- sending */

guint32
rtp_out_timestamp(const RtpSession *s, gint64 now_us)
{
    const RtpOutStream *o = &s->out;

    if (!o->known)
        return 0;
    return o->ts + (guint32) ((now_us - o->us) * (gint64) (s->clock ? s->clock : 8000)
                              / G_USEC_PER_SEC);
}

void
rtp_dtmf_send(RtpSession *s, char digit, guint duration_ms, gint64 now_us)
{
    if (s->dtmf_mode == RTP_DTMF_INBAND) {
        rtp_media_send_dtmf(s, digit, duration_ms);
        return;
    }
    if (s->dtmf_mode != RTP_DTMF_RFC4733 || !s->te_pt)
        return;
    if (!s->out.known) {
        /* nothing sent yet: the events start the stream */
        s->out = (RtpOutStream) { .known = TRUE, .ssrc = g_random_int(),
                                  .seq = (guint16) g_random_int(), .ts = g_random_int(),
                                  .us = now_us };
    }
    rtp_dtmf_tx_start(&s->dtmf_tx, digit, duration_ms, UPDATE_INTERVAL_MS, s->clock,
                      rtp_out_timestamp(s, now_us), now_us);
}

/* The packets due: each the next in the stream's numbering, which the
 * relayed packets after it follow (seq_delta). */
static void
send_events(RtpSession *s, gint64 now_us)
{
    guint8 pkt[12 + RTP_TEL_EVENT_SIZE + RTP_SRTP_ROOM];     /* room for an SRTP tag */
    gboolean marker;
    guint32 ts;

    while (rtp_dtmf_tx_next(&s->dtmf_tx, now_us, pkt + 12, &marker, &ts)) {
        if (marker)
            RTP_PUB_ADD(s, dtmf_tx, 1);
        if (!s->media)
            s->out.seq_delta++;
        rtp_out_send(s, pkt, RTP_TEL_EVENT_SIZE, marker, s->te_pt, ts);
    }
}

void
rtp_dtmf_tick(RtpSession *s, gint64 now_us)
{
    RtpDtmfEvent ev;

    if (rtp_dtmf_rx_tick(&s->dtmf_rx, now_us, &ev))
        report_ends(s, &ev, 1);
    if (rtp_dtmf_tx_deadline(&s->dtmf_tx) <= now_us)
        send_events(s, now_us);
}

gboolean
rtp_dtmf_busy(const RtpSession *s)
{
    return rtp_dtmf_tx_active(&s->dtmf_tx) || rtp_dtmf_rx_deadline(&s->dtmf_rx) != G_MAXINT64;
}

gboolean
rtp_dtmf_sending(const RtpSession *s)
{
    return rtp_dtmf_tx_active(&s->dtmf_tx);
}
