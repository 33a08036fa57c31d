/* res_rtp - RFC 4733 telephone-events: the payload, a receiver and a
 * sender (see dtmf4733.h). */
#include <string.h>

#include "dtmf4733.h"

#define DIGITS "0123456789*#ABCD"
/* A new segment starts 0xFFFF units after the previous one (RFC 4733
 * 2.5.1.3); a little less is accepted from senders that cut early. */
#define SEGMENT_MIN 0xF000u
/* Under one timestamp, a duration field that drops from above WRAP_HIGH
 * to below WRAP_LOW wrapped: senders that never cut segments. */
#define WRAP_HIGH 0xC000u
#define WRAP_LOW 0x4000u
/* An older timestamp is a late packet of an earlier event for this long
 * after the latest packet; later it means the sender's timestamps went
 * back (a restarted stream), and it starts a new event. */
#define STALE_US (2 * G_USEC_PER_SEC)

enum { TX_IDLE, TX_UPDATES, TX_ENDS };

/* ---- digits --------------------------------------------------------------- */

char
rtp_dtmf_digit_from_event(guint event)
{
    return event < 16 ? DIGITS[event] : 0;
}

gint
rtp_dtmf_event_from_digit(char digit)
{
    const char *p;

    if (digit == '\0')
        return -1;
    p = strchr(DIGITS, g_ascii_toupper(digit));
    return p ? (gint) (p - DIGITS) : -1;
}

gboolean
rtp_dtmf_queue_push(RtpDtmfQueue *q, char digit, guint16 duration_ms)
{
    guint tail;

    if (q->count >= RTP_DTMF_QUEUE_SIZE)
        return FALSE;
    tail = (q->head + q->count) % RTP_DTMF_QUEUE_SIZE;
    q->digit[tail] = digit;
    q->duration_ms[tail] = duration_ms;
    q->count++;
    return TRUE;
}

gboolean
rtp_dtmf_queue_pop(RtpDtmfQueue *q, char *digit, guint16 *duration_ms)
{
    if (q->count == 0)
        return FALSE;
    *digit = q->digit[q->head];
    *duration_ms = q->duration_ms[q->head];
    q->head = (q->head + 1) % RTP_DTMF_QUEUE_SIZE;
    q->count--;
    return TRUE;
}

/* ---- payload -------------------------------------------------------------- */

gboolean
rtp_tel_event_parse(const guint8 *payload, gsize len, RtpTelEvent *ev)
{
    if (payload == NULL || len < RTP_TEL_EVENT_SIZE || len % RTP_TEL_EVENT_SIZE != 0)
        return FALSE;
    ev->event = payload[0];
    ev->end = (payload[1] & 0x80) != 0;
    ev->volume = payload[1] & 0x3f;
    ev->duration = (guint16) ((payload[2] << 8) | payload[3]);
    return TRUE;
}

void
rtp_tel_event_write(const RtpTelEvent *ev, guint8 out[RTP_TEL_EVENT_SIZE])
{
    out[0] = ev->event;
    out[1] = (guint8) ((ev->end ? 0x80 : 0) | (ev->volume & 0x3f));
    out[2] = (guint8) (ev->duration >> 8);
    out[3] = (guint8) (ev->duration & 0xff);
}

/* ---- receiver ------------------------------------------------------------ */

void
rtp_dtmf_rx_init(RtpDtmfRx *rx, guint clock_rate)
{
    g_return_if_fail(rx != NULL);
    memset(rx, 0, sizeof *rx);
    rx->clock_rate = clock_rate ? clock_rate : 8000;
    rx->timeout_us = RTP_DTMF_RX_TIMEOUT_MS * G_GINT64_CONSTANT(1000);
}

/* The event's duration so far: earlier segments (and wraps) plus the
 * current segment's largest duration field. */
static guint
rx_duration_ms(const RtpDtmfRx *rx)
{
    guint64 units = rx->seg_base + rx->seg_duration;
    guint64 ms = units * 1000 / rx->clock_rate;

    return ms > G_MAXUINT ? G_MAXUINT : (guint) ms;
}

static guint
rx_emit(const RtpDtmfRx *rx, RtpDtmfPhase phase, RtpDtmfEvent *out)
{
    out->phase = phase;
    out->event = rx->event;
    out->digit = rtp_dtmf_digit_from_event(rx->event);
    out->duration_ms = rx_duration_ms(rx);
    out->timestamp = rx->timestamp;
    return 1;
}

/* The largest duration field of a segment wins (late and retransmitted
 * packets carry smaller ones), except a drop from near 0xFFFF to near 0,
 * which is the field wrapping, and the converse just after a wrap, which
 * is a late packet from before it. */
static void
rx_update_duration(RtpDtmfRx *rx, guint16 duration)
{
    if (duration >= rx->seg_duration) {
        if (!(rx->wrapped && rx->seg_duration < WRAP_LOW && duration >= WRAP_HIGH))
            rx->seg_duration = duration;
    } else if (rx->seg_duration >= WRAP_HIGH && duration < WRAP_LOW) {
        rx->seg_base += 0x10000;
        rx->seg_duration = duration;
        rx->wrapped = TRUE;
    }
}

/* Another packet of the latest event: its timestamp and digit. */
static gboolean
rx_is_same(const RtpDtmfRx *rx, guint32 ts, const RtpTelEvent *ev)
{
    return rx->have_event && ts == rx->seg_timestamp && ev->event == rx->event;
}

/* The first packet of the next segment of the event in progress: same
 * digit, no marker, starting where the current segment's 0xFFFF units
 * end. */
static gboolean
rx_is_next_segment(const RtpDtmfRx *rx, guint32 ts, gboolean marker, const RtpTelEvent *ev)
{
    guint32 delta = ts - rx->seg_timestamp;

    return rx->active && !marker && ev->event == rx->event && delta >= SEGMENT_MIN
           && delta <= 0xFFFF;
}

/* A packet of an event older than the latest one (reordered after a new
 * event began, or a retransmission). */
static gboolean
rx_is_late(const RtpDtmfRx *rx, guint32 ts, gint64 now_us)
{
    return rx->have_event && (gint32) (ts - rx->seg_timestamp) < 0
           && now_us - rx->last_us < STALE_US;
}

/* With senders that reuse a timestamp for the next digit, a packet with
 * the latest timestamp and another digit starts a new event; but an end
 * packet without the marker is a late retransmission of an earlier
 * digit's end. */
static gboolean
rx_is_stray_end(const RtpDtmfRx *rx, guint32 ts, gboolean marker, const RtpTelEvent *ev)
{
    return rx->have_event && ts == rx->seg_timestamp && ev->end && !marker;
}

static guint
rx_continue(RtpDtmfRx *rx, const RtpTelEvent *ev, gint64 now_us, RtpDtmfEvent *out)
{
    rx_update_duration(rx, ev->duration);
    rx->last_us = now_us;
    if (!ev->end)
        return 0;
    rx->active = FALSE;
    return rx_emit(rx, RTP_DTMF_END, out);
}

static void
rx_next_segment(RtpDtmfRx *rx, guint32 ts)
{
    rx->seg_base += ts - rx->seg_timestamp;
    rx->seg_timestamp = ts;
    rx->seg_duration = 0;
    rx->wrapped = FALSE;
}

/* out has room for 3: the END of an event in progress, then the new
 * event's BEGIN and, for a first packet that is an end packet, its END. */
static guint
rx_new_event(RtpDtmfRx *rx, guint32 ts, const RtpTelEvent *ev, gint64 now_us, RtpDtmfEvent *out)
{
    guint n = rtp_dtmf_rx_end(rx, out);

    rx->have_event = rx->active = TRUE;
    rx->event = ev->event;
    rx->timestamp = rx->seg_timestamp = ts;
    rx->seg_base = 0;
    rx->seg_duration = ev->duration;
    rx->wrapped = FALSE;
    rx->last_us = now_us;
    n += rx_emit(rx, RTP_DTMF_BEGIN, out + n);
    if (ev->end)
        n += rtp_dtmf_rx_end(rx, out + n);
    return n;
}

guint
rtp_dtmf_rx_packet(RtpDtmfRx *rx, guint32 rtp_timestamp, gboolean marker, const guint8 *payload,
                   gsize len, gint64 now_us, RtpDtmfEvent out[RTP_DTMF_RX_MAX_EVENTS])
{
    RtpTelEvent ev;

    g_return_val_if_fail(rx != NULL && out != NULL, 0);
    if (!rtp_tel_event_parse(payload, len, &ev) || rtp_dtmf_digit_from_event(ev.event) == 0)
        return 0;
    if (rx_is_same(rx, rtp_timestamp, &ev))
        return rx->active ? rx_continue(rx, &ev, now_us, out) : 0;
    if (rx_is_next_segment(rx, rtp_timestamp, marker, &ev)) {
        rx_next_segment(rx, rtp_timestamp);
        return rx_continue(rx, &ev, now_us, out);
    }
    if (rx_is_late(rx, rtp_timestamp, now_us) || rx_is_stray_end(rx, rtp_timestamp, marker, &ev))
        return 0;
    return rx_new_event(rx, rtp_timestamp, &ev, now_us, out);
}

gint64
rtp_dtmf_rx_deadline(const RtpDtmfRx *rx)
{
    return rx->active ? rx->last_us + rx->timeout_us : G_MAXINT64;
}

guint
rtp_dtmf_rx_tick(RtpDtmfRx *rx, gint64 now_us, RtpDtmfEvent *out)
{
    if (now_us < rtp_dtmf_rx_deadline(rx))
        return 0;
    return rtp_dtmf_rx_end(rx, out);
}

guint
rtp_dtmf_rx_end(RtpDtmfRx *rx, RtpDtmfEvent *out)
{
    if (!rx->active)
        return 0;
    rx->active = FALSE;
    return rx_emit(rx, RTP_DTMF_END, out);
}

/* ---- sender -------------------------------------------------------------- */

void
rtp_dtmf_tx_init(RtpDtmfTx *tx)
{
    g_return_if_fail(tx != NULL);
    memset(tx, 0, sizeof *tx);
    tx->state = TX_IDLE;
    tx->free_us = G_MININT64;
    tx->due_us = G_MAXINT64;
}

static guint16
tx_clamp_ms(guint duration_ms)
{
    if (duration_ms == 0)
        return RTP_DTMF_TX_DEFAULT_MS;
    return (guint16) CLAMP(duration_ms, RTP_DTMF_TX_MIN_MS, RTP_DTMF_TX_MAX_MS);
}

RtpDtmfTxStatus
rtp_dtmf_tx_start(RtpDtmfTx *tx, char digit, guint duration_ms, guint interval_ms, guint clock_rate,
                  guint32 start_timestamp, gint64 now_us)
{
    g_return_val_if_fail(tx != NULL, RTP_DTMF_TX_INVALID);
    if (rtp_dtmf_event_from_digit(digit) < 0)
        return RTP_DTMF_TX_INVALID;
    if (!rtp_dtmf_queue_push(&tx->queue, digit, tx_clamp_ms(duration_ms)))
        return RTP_DTMF_TX_FULL;
    /* The latest call tells the stream's clock best; an event in progress
     * keeps what it began with. */
    tx->clock_rate = clock_rate ? clock_rate : 8000;
    tx->interval_ms = interval_ms ? CLAMP(interval_ms, 10, 1000) : RTP_DTMF_TX_INTERVAL_MS;
    tx->anchor_ts = start_timestamp;
    tx->anchor_us = now_us;
    return RTP_DTMF_TX_OK;
}

/* Makes the next queued digit the event in progress, starting at now_us,
 * its timestamp the stream's at that time. */
static gboolean
tx_begin(RtpDtmfTx *tx, gint64 now_us)
{
    char digit;
    guint16 ms;
    guint64 units;

    if (!rtp_dtmf_queue_pop(&tx->queue, &digit, &ms))
        return FALSE;
    units = CLAMP((guint64) ms * tx->clock_rate / 1000, 1, 0xFFFF);
    tx->event = (guint8) rtp_dtmf_event_from_digit(digit);
    tx->units = (guint32) units;
    tx->rate = tx->clock_rate;
    tx->event_us = (gint64) units * G_USEC_PER_SEC / tx->rate;
    tx->timestamp =
        tx->anchor_ts + (guint32) ((now_us - tx->anchor_us) * tx->clock_rate / G_USEC_PER_SEC);
    tx->start_us = now_us;
    tx->interval_us = (gint64) tx->interval_ms * 1000;
    tx->updates = tx->ends = 0;
    tx->state = TX_UPDATES;
    return TRUE;
}

/* An update says the duration through the end of its interval (never 0:
 * some receivers drop such packets).  A late call skips to the current
 * interval. */
static void
tx_update(RtpDtmfTx *tx, gint64 now_us, RtpTelEvent *ev)
{
    gint64 k = tx->updates;
    gint64 through_us;

    if (k > 0)
        k = MAX(k, (now_us - tx->start_us) / tx->interval_us);
    through_us = (k + 1) * tx->interval_us;
    ev->duration = (guint16) MIN((gint64) tx->units, through_us * tx->rate / G_USEC_PER_SEC);
    tx->updates = (guint) k + 1;
    if (through_us >= tx->event_us) {
        tx->state = TX_ENDS;
        tx->due_us = tx->start_us + tx->event_us;
    } else {
        tx->due_us = tx->start_us + through_us;
    }
}

static void
tx_end(RtpDtmfTx *tx, gint64 now_us, RtpTelEvent *ev)
{
    ev->end = TRUE;
    ev->duration = (guint16) tx->units;
    if (++tx->ends < RTP_DTMF_TX_END_PACKETS) {
        tx->due_us = now_us + tx->interval_us;
        return;
    }
    tx->state = TX_IDLE;
    tx->free_us = now_us + RTP_DTMF_TX_GAP_MS * G_GINT64_CONSTANT(1000);
    tx->due_us = G_MAXINT64;
}

gboolean
rtp_dtmf_tx_next(RtpDtmfTx *tx, gint64 now_us, guint8 payload[RTP_TEL_EVENT_SIZE], gboolean *marker,
                 guint32 *timestamp)
{
    RtpTelEvent ev = { .volume = RTP_DTMF_TX_VOLUME };

    g_return_val_if_fail(tx != NULL && payload != NULL, FALSE);
    if (now_us < rtp_dtmf_tx_deadline(tx))
        return FALSE;
    if (tx->state == TX_IDLE && !tx_begin(tx, now_us))
        return FALSE;
    /* Called after the event's end: straight to its end packets. */
    if (tx->state == TX_UPDATES && tx->updates > 0 && now_us >= tx->start_us + tx->event_us)
        tx->state = TX_ENDS;
    ev.event = tx->event;
    *marker = tx->state == TX_UPDATES && tx->updates == 0;
    *timestamp = tx->timestamp;
    if (tx->state == TX_UPDATES)
        tx_update(tx, now_us, &ev);
    else
        tx_end(tx, now_us, &ev);
    rtp_tel_event_write(&ev, payload);
    return TRUE;
}

gboolean
rtp_dtmf_tx_active(const RtpDtmfTx *tx)
{
    return tx->state != TX_IDLE || tx->queue.count > 0;
}

gint64
rtp_dtmf_tx_deadline(const RtpDtmfTx *tx)
{
    if (tx->state != TX_IDLE)
        return tx->due_us;
    return tx->queue.count > 0 ? tx->free_us : G_MAXINT64;
}
