/* res_rtp - DTMF as RFC 4733 telephone-events: the payload, a receiver
 * and a sender for one RTP stream.
 *
 * Pure and allocation-free: no sockets, no clock of their own (the
 * caller passes now_us, g_get_monotonic_time() microseconds), no locks,
 * no logging.  The state structs are plain values that the caller embeds
 * in its session (zeroed, then _init) and never shares between threads.
 *
 * Thread affinity: the thread that owns the stream (a media worker); any
 * thread in tests.  Worker-safe: nothing here allocates.
 *
 * Timestamps are in the telephone-event clock of the stream (the rate of
 * its a=rtpmap:N telephone-event/RATE: 8000 usually, 16000 or 48000 next
 * to wideband codecs); durations in events are milliseconds.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- digits --------------------------------------------------------------- */

/* The digit carried by an RFC 4733 event code 0-15 ('0'-'9', '*', '#',
 * 'A'-'D'); 0 for every other code (flash is 16, the rest are tones
 * and signals of other registries). */
char rtp_dtmf_digit_from_event(guint event);
/* The event code of a digit (lower case 'a'-'d' accepted), -1 for
 * anything else. */
gint rtp_dtmf_event_from_digit(char digit);

typedef enum {
    RTP_DTMF_BEGIN, /* a digit started (first packet or tone seen) */
    RTP_DTMF_END,   /* it ended: duration_ms is final */
} RtpDtmfPhase;

/* One thing that happened to a digit, as the receivers report it.  Every
 * digit gives exactly one BEGIN then exactly one END. */
typedef struct {
    RtpDtmfPhase phase;
    char digit;        /* '0'-'9', '*', '#', 'A'-'D' */
    guint8 event;      /* its RFC 4733 event code, 0-15 */
    guint duration_ms; /* END: the digit's duration; BEGIN: so far */
    guint32 timestamp; /* RTP timestamp of the digit's start (inband: sample count) */
} RtpDtmfEvent;

/* Digits waiting to be sent (the sender's and the in-band generator's):
 * a fixed ring, so that queueing never allocates. */
#define RTP_DTMF_QUEUE_SIZE 32

typedef struct {
    char digit[RTP_DTMF_QUEUE_SIZE];
    guint16 duration_ms[RTP_DTMF_QUEUE_SIZE];
    guint head, count;
} RtpDtmfQueue;

/* FALSE when the ring is full (the digit is dropped). */
gboolean rtp_dtmf_queue_push(RtpDtmfQueue *q, char digit, guint16 duration_ms);
/* FALSE when empty. */
gboolean rtp_dtmf_queue_pop(RtpDtmfQueue *q, char *digit, guint16 *duration_ms);

/* ---- the payload (RFC 4733 2.3) ---------------------------------------- */

typedef struct {
    guint8 event;     /* 0-255; 0-15 are DTMF digits */
    gboolean end;     /* E bit: the last packet(s) of the event */
    guint8 volume;    /* 0-63: -dBm0 */
    guint16 duration; /* timestamp units since the event's (segment's) start */
} RtpTelEvent;

#define RTP_TEL_EVENT_SIZE 4

/* Reads the first event of payload into ev.  FALSE when len is below 4
 * or not a whole number of 4-byte events.  A packet may carry several
 * consecutive events (RFC 4733 2.5.1.5, rare in practice): only the
 * first, the one the RTP timestamp refers to, is read. */
gboolean rtp_tel_event_parse(const guint8 *payload, gsize len, RtpTelEvent *ev);
/* Writes ev as 4 bytes (the R bit zero, volume masked to 6 bits). */
void rtp_tel_event_write(const RtpTelEvent *ev, guint8 out[RTP_TEL_EVENT_SIZE]);

/* ---- receiver ------------------------------------------------------------ */

/* A packet reports at most: the END of an event whose end packets were
 * lost, the BEGIN of a new one and, when that packet is already an end
 * packet, its END. */
#define RTP_DTMF_RX_MAX_EVENTS 3
/* An event whose packets stop without an end packet ends this long after
 * the last one (updates come every 50 ms: 200 ms is three lost in a row). */
#define RTP_DTMF_RX_TIMEOUT_MS 200

/* Receive state of one stream.  Fields are private. */
typedef struct {
    guint clock_rate;
    gint64 timeout_us;
    gboolean have_event; /* the fields below describe the latest event */
    gboolean active;     /* it began and has not ended */
    guint8 event;
    guint32 timestamp;     /* its start (first segment) */
    guint32 seg_timestamp; /* the start of its current segment */
    guint64 seg_base;      /* timestamp units before the current segment */
    guint16 seg_duration;  /* the largest duration seen in the current segment */
    gboolean wrapped;      /* seg_base counts a duration field that wrapped */
    gint64 last_us;        /* arrival of its latest packet */
} RtpDtmfRx;

/* Starts (or restarts, forgetting everything) a receiver for a stream
 * whose telephone-event clock is clock_rate Hz (0: 8000). */
void rtp_dtmf_rx_init(RtpDtmfRx *rx, guint clock_rate);

/* Takes the payload of one received telephone-event packet (its RTP
 * timestamp and marker bit from the header) and writes what it tells
 * to out[0..n), returning n (0 to RTP_DTMF_RX_MAX_EVENTS), in order:
 *
 *  - a new event is a new timestamp (or the same timestamp with another
 *    digit, from senders that reuse it): BEGIN, whether or not the
 *    packet has the marker bit (the first packet may be lost);
 *  - END once per event, with the duration of its end packet, although
 *    end packets come three times;
 *  - a new event while the previous one never got its end: the END of
 *    the previous one (its last known duration) before the new BEGIN;
 *  - duplicates, retransmissions and late packets of earlier events
 *    (their timestamp is older) change nothing;
 *  - long events: a new segment (RFC 4733 2.5.1.3: the same digit, no
 *    marker, the timestamp 0xFFFF after the previous segment's) and a
 *    duration field that wraps under the same timestamp (some senders)
 *    both continue the event, and its duration adds up;
 *  - payloads that do not parse and events that are not digits (flash,
 *    tones) are ignored.
 *
 * The caller restarts the receiver (rtp_dtmf_rx_end then _init) when the
 * stream's SSRC changes. */
guint rtp_dtmf_rx_packet(RtpDtmfRx *rx, guint32 rtp_timestamp, gboolean marker,
                         const guint8 *payload, gsize len, gint64 now_us,
                         RtpDtmfEvent out[RTP_DTMF_RX_MAX_EVENTS]);

/* Ends the event in progress when no packet of it arrived for
 * RTP_DTMF_RX_TIMEOUT_MS (its end packets were lost): 1 and the END in
 * *out with the last known duration, else 0. */
guint rtp_dtmf_rx_tick(RtpDtmfRx *rx, gint64 now_us, RtpDtmfEvent *out);

/* When rtp_dtmf_rx_tick has something to do: G_MAXINT64 when no event is
 * in progress. */
gint64 rtp_dtmf_rx_deadline(const RtpDtmfRx *rx);

/* Ends the event in progress now (hang-up, SSRC change, the far end
 * switched DTMF modes): 1 and its END in *out, else 0. */
guint rtp_dtmf_rx_end(RtpDtmfRx *rx, RtpDtmfEvent *out);

/* ---- sender -------------------------------------------------------------- */

#define RTP_DTMF_TX_INTERVAL_MS 50 /* between updates (RFC 4733 2.5.1.2) */
#define RTP_DTMF_TX_END_PACKETS 3  /* the end packet is sent 3 times (2.5.1.4) */
#define RTP_DTMF_TX_GAP_MS 50      /* at least this between two events */
#define RTP_DTMF_TX_DEFAULT_MS 100 /* a duration of 0 means this */
#define RTP_DTMF_TX_MIN_MS 40      /* shorter durations are raised to this */
#define RTP_DTMF_TX_MAX_MS 8000    /* longer ones are cut (and to 0xFFFF units) */
#define RTP_DTMF_TX_VOLUME 10      /* -10 dBm0 */

typedef enum {
    RTP_DTMF_TX_OK,      /* started, or queued behind the digits in progress */
    RTP_DTMF_TX_INVALID, /* not a DTMF digit */
    RTP_DTMF_TX_FULL,    /* RTP_DTMF_QUEUE_SIZE digits already wait: dropped */
} RtpDtmfTxStatus;

/* Send state of one stream.  Fields are private. */
typedef struct {
    RtpDtmfQueue queue;
    guint clock_rate; /* of the latest start() */
    guint interval_ms;
    guint32 anchor_ts; /* the stream's timestamp at anchor_us */
    gint64 anchor_us;
    gint64 free_us; /* no event starts before (the gap) */
    guint state;    /* idle, sending updates, sending end packets */
    guint8 event;
    guint32 timestamp;
    guint32 units; /* the event's duration, timestamp units */
    guint rate;    /* the event's clock (a later start may change the stream's) */
    gint64 start_us;
    gint64 event_us; /* the event's duration */
    gint64 interval_us;
    guint updates; /* update packets sent */
    guint ends;    /* end packets sent */
    gint64 due_us;
} RtpDtmfTx;

/* An idle sender. */
void rtp_dtmf_tx_init(RtpDtmfTx *tx);

/* Sends digit for duration_ms (0: RTP_DTMF_TX_DEFAULT_MS; clamped to
 * RTP_DTMF_TX_MIN_MS..RTP_DTMF_TX_MAX_MS and to 0xFFFF timestamp units,
 * 1.36 s at 48 kHz: the sender does not cut events into segments) with
 * updates every interval_ms (0: RTP_DTMF_TX_INTERVAL_MS; clamped to
 * 10..1000; the codec's ptime is the other good choice).  start_timestamp is the stream's RTP
 * timestamp at now_us, in clock_rate units.  When an event is in progress
 * the digit waits its turn, and its timestamp will be start_timestamp
 * advanced by the time it waited.  Call rtp_dtmf_tx_next() at
 * rtp_dtmf_tx_deadline(): the first packet is due at once. */
RtpDtmfTxStatus rtp_dtmf_tx_start(RtpDtmfTx *tx, char digit, guint duration_ms, guint interval_ms,
                                  guint clock_rate, guint32 start_timestamp, gint64 now_us);

/* The next packet when one is due at now_us: TRUE with its 4-byte
 * payload, its marker bit and its RTP timestamp (the event's start, the
 * same for all its packets), FALSE when nothing is due.  The packets of
 * an event: the first, with the marker bit, at once; then one every
 * interval with the duration growing (each says the duration through the
 * end of its interval, so none says 0); at the event's end the final
 * duration with the E bit, RTP_DTMF_TX_END_PACKETS times an interval
 * apart; then at least RTP_DTMF_TX_GAP_MS before the next queued digit.
 * Called late, it skips the updates that are no longer current. */
gboolean rtp_dtmf_tx_next(RtpDtmfTx *tx, gint64 now_us, guint8 payload[RTP_TEL_EVENT_SIZE],
                          gboolean *marker, guint32 *timestamp);

/* TRUE while an event is being sent or digits wait: the caller holds
 * back audio meanwhile, so that the far end does not play both. */
gboolean rtp_dtmf_tx_active(const RtpDtmfTx *tx);

/* When rtp_dtmf_tx_next has a packet: G_MAXINT64 when idle. */
gint64 rtp_dtmf_tx_deadline(const RtpDtmfTx *tx);

G_END_DECLS
