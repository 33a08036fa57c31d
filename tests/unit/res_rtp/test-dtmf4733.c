/* Carillon - unit tests of RFC 4733 telephone-events (res_rtp/dtmf4733.c):
 * the payload, the receiver against lost, duplicated, reordered, long and
 * hostile streams, the sender's packet schedule and queue, and the two
 * together. */
#include <string.h>

#define FUZZ_DTMF_RTP
#define FUZZ_DTMF_CHECK(cond) g_assert_true(cond)
#include "../../fuzz/fuzz-dtmf.h"

#define MS (G_GINT64_CONSTANT(1000))
#define T0 (G_GINT64_CONSTANT(1000000))

/* A receiver and what it reported, packet after packet. */
typedef struct {
    RtpDtmfRx rx;
    RtpDtmfEvent ev[RTP_DTMF_RX_MAX_EVENTS];
    guint n;
} Rx;

static guint
rx_feed(Rx *r, guint32 ts, gboolean marker, guint event, gboolean end, guint16 duration, gint64 now)
{
    guint8 payload[4];
    RtpTelEvent te = { .event = (guint8) event, .end = end, .volume = 10, .duration = duration };

    rtp_tel_event_write(&te, payload);
    r->n = rtp_dtmf_rx_packet(&r->rx, ts, marker, payload, sizeof payload, now, r->ev);
    return r->n;
}

static void
assert_event(const RtpDtmfEvent *ev, RtpDtmfPhase phase, char digit, guint duration_ms, guint32 ts)
{
    g_assert_cmpint(ev->phase, ==, phase);
    g_assert_cmpint(ev->digit, ==, digit);
    g_assert_cmpuint(ev->event, ==, (guint) rtp_dtmf_event_from_digit(digit));
    g_assert_cmpuint(ev->duration_ms, ==, duration_ms);
    g_assert_cmpuint(ev->timestamp, ==, ts);
}

/* A well-behaved digit: updates every 50 ms (400 units at 8 kHz), the end
 * packet three times.  Returns the events it gave, in order. */
static guint
rx_send_digit(Rx *r, guint32 ts, guint event, guint units, gint64 *now, RtpDtmfEvent *all)
{
    guint n = 0;

    for (guint d = 400; d < units; d += 400) {
        rx_feed(r, ts, d == 400, event, FALSE, (guint16) d, *now);
        memcpy(all + n, r->ev, r->n * sizeof *r->ev);
        n += r->n;
        *now += 50 * MS;
    }
    for (int i = 0; i < 3; i++) {
        rx_feed(r, ts, FALSE, event, TRUE, (guint16) units, *now);
        memcpy(all + n, r->ev, r->n * sizeof *r->ev);
        n += r->n;
        *now += 50 * MS;
    }
    return n;
}

static void
test_digits(void)
{
    const char *digits = "0123456789*#ABCD";

    for (guint i = 0; i < 16; i++) {
        g_assert_cmpint(rtp_dtmf_digit_from_event(i), ==, digits[i]);
        g_assert_cmpint(rtp_dtmf_event_from_digit(digits[i]), ==, (gint) i);
    }
    g_assert_cmpint(rtp_dtmf_digit_from_event(16), ==, 0); /* flash */
    g_assert_cmpint(rtp_dtmf_digit_from_event(255), ==, 0);
    g_assert_cmpint(rtp_dtmf_digit_from_event(G_MAXUINT), ==, 0);
    g_assert_cmpint(rtp_dtmf_event_from_digit('a'), ==, 12);
    g_assert_cmpint(rtp_dtmf_event_from_digit('d'), ==, 15);
    g_assert_cmpint(rtp_dtmf_event_from_digit('E'), ==, -1);
    g_assert_cmpint(rtp_dtmf_event_from_digit('\0'), ==, -1);
    g_assert_cmpint(rtp_dtmf_event_from_digit(' '), ==, -1);
    g_assert_cmpint(rtp_dtmf_event_from_digit((char) 0xb5), ==, -1);
}

static void
test_payload(void)
{
    const guint8 wire[8] = { 5, 0x8a, 0x03, 0x20, 6, 0x0a, 0, 0xa0 };
    RtpTelEvent ev;
    guint8 out[4];

    g_assert_true(rtp_tel_event_parse(wire, 4, &ev));
    g_assert_cmpuint(ev.event, ==, 5);
    g_assert_true(ev.end);
    g_assert_cmpuint(ev.volume, ==, 10);
    g_assert_cmpuint(ev.duration, ==, 800);
    rtp_tel_event_write(&ev, out);
    g_assert_cmpmem(out, 4, wire, 4);
    /* Two events packed (2.5.1.5): the first is read. */
    g_assert_true(rtp_tel_event_parse(wire, 8, &ev));
    g_assert_cmpuint(ev.event, ==, 5);
    /* The R bit is ignored; the volume is 6 bits. */
    g_assert_true(rtp_tel_event_parse((const guint8[]) { 1, 0x7f, 0, 1 }, 4, &ev));
    g_assert_false(ev.end);
    g_assert_cmpuint(ev.volume, ==, 63);
    ev.volume = 0xff;
    rtp_tel_event_write(&ev, out);
    g_assert_cmpuint(out[1], ==, 0x3f);
    g_assert_false(rtp_tel_event_parse(wire, 0, &ev));
    g_assert_false(rtp_tel_event_parse(wire, 3, &ev));
    g_assert_false(rtp_tel_event_parse(wire, 5, &ev));
    g_assert_false(rtp_tel_event_parse(NULL, 4, &ev));
}

static void
test_queue(void)
{
    RtpDtmfQueue q = { 0 };
    char digit;
    guint16 ms;

    for (guint round = 0; round < 3; round++) {
        for (guint i = 0; i < RTP_DTMF_QUEUE_SIZE; i++)
            g_assert_true(rtp_dtmf_queue_push(&q, (char) ('0' + i % 10), (guint16) i));
        g_assert_false(rtp_dtmf_queue_push(&q, '1', 1));
        for (guint i = 0; i < RTP_DTMF_QUEUE_SIZE; i++) {
            g_assert_true(rtp_dtmf_queue_pop(&q, &digit, &ms));
            g_assert_cmpint(digit, ==, '0' + i % 10);
            g_assert_cmpuint(ms, ==, i);
        }
        g_assert_false(rtp_dtmf_queue_pop(&q, &digit, &ms));
        /* Start the next round elsewhere in the ring. */
        g_assert_true(rtp_dtmf_queue_push(&q, '9', 9));
        g_assert_true(rtp_dtmf_queue_pop(&q, &digit, &ms));
    }
}

static void
test_rx_basic(void)
{
    Rx r;
    RtpDtmfEvent all[32];
    gint64 now = T0;
    guint n;

    rtp_dtmf_rx_init(&r.rx, 8000);
    g_assert_cmpint(rtp_dtmf_rx_deadline(&r.rx), ==, G_MAXINT64);
    n = rx_send_digit(&r, 1000, 5, 1600, &now, all);
    g_assert_cmpuint(n, ==, 2);
    assert_event(&all[0], RTP_DTMF_BEGIN, '5', 50, 1000);
    assert_event(&all[1], RTP_DTMF_END, '5', 200, 1000);
    /* The same digit again is a new event: a new timestamp. */
    n = rx_send_digit(&r, 4000, 5, 800, &now, all);
    g_assert_cmpuint(n, ==, 2);
    assert_event(&all[0], RTP_DTMF_BEGIN, '5', 50, 4000);
    assert_event(&all[1], RTP_DTMF_END, '5', 100, 4000);
    g_assert_cmpint(rtp_dtmf_rx_deadline(&r.rx), ==, G_MAXINT64);
}

static void
test_rx_clock_rates(void)
{
    static const guint rates[] = { 8000, 16000, 48000 };

    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        Rx r;
        gint64 now = T0;
        guint per_50ms = rates[i] / 20;

        rtp_dtmf_rx_init(&r.rx, rates[i]);
        g_assert_cmpuint(rx_feed(&r, 99, TRUE, 11, FALSE, (guint16) per_50ms, now), ==, 1);
        assert_event(&r.ev[0], RTP_DTMF_BEGIN, '#', 50, 99);
        g_assert_cmpuint(rx_feed(&r, 99, FALSE, 11, FALSE, (guint16) (2 * per_50ms), now), ==, 0);
        /* 250 ms */
        g_assert_cmpuint(rx_feed(&r, 99, FALSE, 11, TRUE, (guint16) (rates[i] / 4), now), ==, 1);
        assert_event(&r.ev[0], RTP_DTMF_END, '#', 250, 99);
    }
    /* 0 means 8000. */
    {
        Rx r;

        rtp_dtmf_rx_init(&r.rx, 0);
        rx_feed(&r, 1, TRUE, 1, TRUE, 800, T0);
        g_assert_cmpuint(r.n, ==, 2);
        g_assert_cmpuint(r.ev[1].duration_ms, ==, 100);
    }
}

static void
test_rx_duplicates(void)
{
    Rx r;
    gint64 now = T0;

    rtp_dtmf_rx_init(&r.rx, 8000);
    /* The first packet twice (some senders do), then a retransmitted
     * update, updates out of order, the end packet three times and again
     * much later. */
    g_assert_cmpuint(rx_feed(&r, 500, TRUE, 1, FALSE, 160, now), ==, 1);
    g_assert_cmpuint(rx_feed(&r, 500, TRUE, 1, FALSE, 160, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, FALSE, 480, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, FALSE, 320, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, FALSE, 480, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, TRUE, 960, now += 50 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '1', 120, 500);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, TRUE, 960, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, TRUE, 960, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, TRUE, 1, FALSE, 160, now += 5000 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 500, FALSE, 1, TRUE, 960, now), ==, 0);
}

static void
test_rx_reorder(void)
{
    Rx r;
    gint64 now = T0;

    rtp_dtmf_rx_init(&r.rx, 8000);
    rx_feed(&r, 1000, TRUE, 2, FALSE, 400, now);
    rx_feed(&r, 1000, FALSE, 2, TRUE, 800, now += 50 * MS);
    g_assert_cmpuint(r.n, ==, 1);
    /* '3' begins; then a late update and late end packets of '2'. */
    g_assert_cmpuint(rx_feed(&r, 3000, TRUE, 3, FALSE, 400, now += 150 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_BEGIN, '3', 50, 3000);
    g_assert_cmpuint(rx_feed(&r, 1000, FALSE, 2, FALSE, 400, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 1000, FALSE, 2, TRUE, 800, now), ==, 0);
    /* A late packet of '2' that never ended here either. */
    g_assert_cmpuint(rx_feed(&r, 2000, TRUE, 2, TRUE, 800, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 3000, FALSE, 3, TRUE, 800, now += 50 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '3', 100, 3000);
    /* The sender's timestamps went back (a restart) long after: a new
     * event, not a late packet. */
    g_assert_cmpuint(rx_feed(&r, 100, TRUE, 4, FALSE, 400, now += 3000 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_BEGIN, '4', 50, 100);
}

static void
test_rx_lost_end(void)
{
    Rx r;
    gint64 now = T0;

    rtp_dtmf_rx_init(&r.rx, 8000);
    rx_feed(&r, 1000, TRUE, 7, FALSE, 400, now);
    rx_feed(&r, 1000, FALSE, 7, FALSE, 800, now += 50 * MS);
    /* No end packet for '7': the next digit ends it first. */
    g_assert_cmpuint(rx_feed(&r, 3000, TRUE, 8, FALSE, 400, now += 50 * MS), ==, 2);
    assert_event(&r.ev[0], RTP_DTMF_END, '7', 100, 1000);
    assert_event(&r.ev[1], RTP_DTMF_BEGIN, '8', 50, 3000);
    /* '8' loses its end too, and the first packet of '9' we get is
     * already its end: three events. */
    g_assert_cmpuint(rx_feed(&r, 6000, FALSE, 9, TRUE, 640, now += 300 * MS), ==, 3);
    assert_event(&r.ev[0], RTP_DTMF_END, '8', 50, 3000);
    assert_event(&r.ev[1], RTP_DTMF_BEGIN, '9', 80, 6000);
    assert_event(&r.ev[2], RTP_DTMF_END, '9', 80, 6000);
}

static void
test_rx_timeout(void)
{
    Rx r;
    gint64 now = T0;

    rtp_dtmf_rx_init(&r.rx, 8000);
    g_assert_cmpuint(rtp_dtmf_rx_tick(&r.rx, now, r.ev), ==, 0);
    rx_feed(&r, 1000, TRUE, 0, FALSE, 400, now);
    rx_feed(&r, 1000, FALSE, 0, FALSE, 800, now += 50 * MS);
    g_assert_cmpint(rtp_dtmf_rx_deadline(&r.rx), ==, now + RTP_DTMF_RX_TIMEOUT_MS * MS);
    g_assert_cmpuint(rtp_dtmf_rx_tick(&r.rx, now + 199 * MS, r.ev), ==, 0);
    g_assert_cmpuint(rtp_dtmf_rx_tick(&r.rx, now + 200 * MS, r.ev), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '0', 100, 1000);
    g_assert_cmpint(rtp_dtmf_rx_deadline(&r.rx), ==, G_MAXINT64);
    g_assert_cmpuint(rtp_dtmf_rx_tick(&r.rx, now + 400 * MS, r.ev), ==, 0);
    /* Its end packets arrive after all: once only. */
    g_assert_cmpuint(rx_feed(&r, 1000, FALSE, 0, TRUE, 2000, now + 300 * MS), ==, 0);
    /* rtp_dtmf_rx_end: hang-up in the middle of a digit. */
    rx_feed(&r, 5000, TRUE, 10, FALSE, 400, now += 1000 * MS);
    g_assert_cmpuint(rtp_dtmf_rx_end(&r.rx, r.ev), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '*', 50, 5000);
    g_assert_cmpuint(rtp_dtmf_rx_end(&r.rx, r.ev), ==, 0);
}

static void
test_rx_segments(void)
{
    Rx r;
    gint64 now = T0;
    guint32 ts = 0xffff0000u; /* the segments' timestamps wrap too */

    /* 3 s at 48 kHz: 144000 units, segments of 0xFFFF (1.365 s). */
    rtp_dtmf_rx_init(&r.rx, 48000);
    g_assert_cmpuint(rx_feed(&r, ts, TRUE, 9, FALSE, 2400, now), ==, 1);
    g_assert_cmpuint(rx_feed(&r, ts, FALSE, 9, FALSE, 0xffff, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, ts + 0xffff, FALSE, 9, FALSE, 2400, now += 50 * MS), ==, 0);
    /* A late packet of the first segment changes nothing. */
    g_assert_cmpuint(rx_feed(&r, ts, FALSE, 9, FALSE, 0xff00, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, ts + 0xffff, FALSE, 9, FALSE, 0xffff, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, ts + 2 * 0xffff, FALSE, 9, FALSE, 2400, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, ts + 2 * 0xffff, FALSE, 9, TRUE, 144000 - 2 * 0xffff, now), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '9', 3000, ts);

    /* A sender that lets the duration field wrap under one timestamp:
     * 10 s at 8 kHz is 80000 units, 14464 after the wrap. */
    rtp_dtmf_rx_init(&r.rx, 8000);
    rx_feed(&r, 100, TRUE, 4, FALSE, 400, now);
    for (guint d = 800; d < 0x10000; d += 400)
        g_assert_cmpuint(rx_feed(&r, 100, FALSE, 4, FALSE, (guint16) d, now += 50 * MS), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 100, FALSE, 4, FALSE, 400, now += 50 * MS), ==, 0);
    /* A late packet from before the wrap is not another wrap. */
    g_assert_cmpuint(rx_feed(&r, 100, FALSE, 4, FALSE, 0xfe00, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 100, FALSE, 4, TRUE, 14464, now += 50 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_END, '4', 10000, 100);
}

static void
test_rx_hostile(void)
{
    Rx r;
    gint64 now = T0;
    guint8 junk[64];
    GRand *rand = g_rand_new_with_seed(4733);
    FuzzDtmfOpen st = { 0 };

    rtp_dtmf_rx_init(&r.rx, 8000);
    /* Not digits: flash and tones are ignored, whatever they do. */
    g_assert_cmpuint(rx_feed(&r, 1, TRUE, 16, FALSE, 400, now), ==, 0);
    g_assert_cmpuint(rx_feed(&r, 1, TRUE, 255, TRUE, 400, now), ==, 0);
    g_assert_cmpint(rtp_dtmf_rx_deadline(&r.rx), ==, G_MAXINT64);
    /* Nothing, or not whole events. */
    g_assert_cmpuint(rtp_dtmf_rx_packet(&r.rx, 1, TRUE, junk, 0, now, r.ev), ==, 0);
    g_assert_cmpuint(rtp_dtmf_rx_packet(&r.rx, 1, TRUE, NULL, 4, now, r.ev), ==, 0);
    g_assert_cmpuint(rtp_dtmf_rx_packet(&r.rx, 1, TRUE, junk, 7, now, r.ev), ==, 0);
    /* An absurd duration is reported as it is, once. */
    g_assert_cmpuint(rx_feed(&r, 7, TRUE, 3, TRUE, 0xffff, now), ==, 2);
    assert_event(&r.ev[1], RTP_DTMF_END, '3', 8191, 7);
    g_assert_cmpuint(rx_feed(&r, 7, TRUE, 3, TRUE, 0xffff, now), ==, 0);
    /* A digit that changes under one timestamp (senders that reuse it). */
    g_assert_cmpuint(rx_feed(&r, 7, TRUE, 6, FALSE, 0, now += 100 * MS), ==, 1);
    assert_event(&r.ev[0], RTP_DTMF_BEGIN, '6', 0, 7);
    /* ...but a stray end packet of the earlier digit is not a new one. */
    g_assert_cmpuint(rx_feed(&r, 7, FALSE, 3, TRUE, 0xffff, now), ==, 0);
    g_assert_cmpuint(rtp_dtmf_rx_end(&r.rx, r.ev), ==, 1);
    /* Random payloads and timestamps: every digit still begins and ends
     * once. */
    for (guint i = 0; i < 20000; i++) {
        guint32 ts = g_rand_int_range(rand, 0, 8);
        gsize len = (gsize) g_rand_int_range(rand, 0, 9);

        for (gsize j = 0; j < len; j++)
            junk[j] = (guint8) g_rand_int(rand);
        junk[0] &= 0x1f;
        now += g_rand_int_range(rand, 0, 80) * MS;
        r.n = rtp_dtmf_rx_packet(&r.rx, ts * 1000, g_rand_boolean(rand), junk, len, now, r.ev);
        fuzz_dtmf_check_events(&st, r.ev, r.n);
        fuzz_dtmf_check_events(&st, r.ev, rtp_dtmf_rx_tick(&r.rx, now, r.ev));
    }
    g_rand_free(rand);
}

/* The packets a sender gives over time: when each is due, what it says. */
typedef struct {
    gint64 at;
    gboolean marker, end;
    guint32 ts;
    guint event;
    guint16 duration;
} TxPacket;

static guint
tx_run(RtpDtmfTx *tx, gint64 now, TxPacket *pkts, guint max)
{
    guint n = 0;

    while (rtp_dtmf_tx_active(tx) && n < max) {
        guint8 payload[4];
        RtpTelEvent ev;

        now = MAX(now, rtp_dtmf_tx_deadline(tx));
        g_assert_true(rtp_dtmf_tx_next(tx, now, payload, &pkts[n].marker, &pkts[n].ts));
        /* One packet at a time: the next is due later. */
        g_assert_cmpint(rtp_dtmf_tx_deadline(tx), >, now);
        g_assert_true(rtp_tel_event_parse(payload, 4, &ev));
        g_assert_cmpuint(ev.volume, ==, RTP_DTMF_TX_VOLUME);
        pkts[n].at = now;
        pkts[n].end = ev.end;
        pkts[n].event = ev.event;
        pkts[n++].duration = ev.duration;
    }
    return n;
}

static void
assert_packet(const TxPacket *p, gint64 at, gboolean marker, gboolean end, guint32 ts,
              guint16 duration)
{
    g_assert_cmpint(p->at, ==, at);
    g_assert_cmpint(p->marker, ==, marker);
    g_assert_cmpint(p->end, ==, end);
    g_assert_cmpuint(p->ts, ==, ts);
    g_assert_cmpuint(p->duration, ==, duration);
}

static void
test_tx_packets(void)
{
    RtpDtmfTx tx;
    TxPacket p[16];
    guint8 payload[4];
    gboolean marker;
    guint32 ts;

    rtp_dtmf_tx_init(&tx);
    g_assert_false(rtp_dtmf_tx_active(&tx));
    g_assert_cmpint(rtp_dtmf_tx_deadline(&tx), ==, G_MAXINT64);
    g_assert_false(rtp_dtmf_tx_next(&tx, T0, payload, &marker, &ts));
    /* 120 ms at 8 kHz, default interval: 960 units. */
    g_assert_cmpint(rtp_dtmf_tx_start(&tx, '7', 120, 0, 8000, 5000, T0), ==, RTP_DTMF_TX_OK);
    g_assert_true(rtp_dtmf_tx_active(&tx));
    g_assert_cmpint(rtp_dtmf_tx_deadline(&tx), <=, T0);
    g_assert_cmpuint(tx_run(&tx, T0, p, 16), ==, 6);
    assert_packet(&p[0], T0, TRUE, FALSE, 5000, 400);
    assert_packet(&p[1], T0 + 50 * MS, FALSE, FALSE, 5000, 800);
    assert_packet(&p[2], T0 + 100 * MS, FALSE, FALSE, 5000, 960);
    assert_packet(&p[3], T0 + 120 * MS, FALSE, TRUE, 5000, 960);
    assert_packet(&p[4], T0 + 170 * MS, FALSE, TRUE, 5000, 960);
    assert_packet(&p[5], T0 + 220 * MS, FALSE, TRUE, 5000, 960);
    g_assert_cmpuint(p[0].event, ==, 7);
    g_assert_false(rtp_dtmf_tx_active(&tx));

    /* 48 kHz, 20 ms interval, 40 ms: two updates then the ends. */
    rtp_dtmf_tx_init(&tx);
    rtp_dtmf_tx_start(&tx, '#', 40, 20, 48000, 0xfffffff0u, T0);
    g_assert_cmpuint(tx_run(&tx, T0, p, 16), ==, 5);
    assert_packet(&p[0], T0, TRUE, FALSE, 0xfffffff0u, 960);
    assert_packet(&p[1], T0 + 20 * MS, FALSE, FALSE, 0xfffffff0u, 1920);
    assert_packet(&p[2], T0 + 40 * MS, FALSE, TRUE, 0xfffffff0u, 1920);
    assert_packet(&p[4], T0 + 80 * MS, FALSE, TRUE, 0xfffffff0u, 1920);
    g_assert_cmpuint(p[0].event, ==, 11);
}

static void
test_tx_queue(void)
{
    RtpDtmfTx tx;
    TxPacket p[64];
    guint n, begins = 0;
    gint64 last_end = 0;

    rtp_dtmf_tx_init(&tx);
    for (const char *d = "12#"; *d; d++)
        g_assert_cmpint(rtp_dtmf_tx_start(&tx, *d, 100, 0, 8000, 800, T0), ==, RTP_DTMF_TX_OK);
    n = tx_run(&tx, T0, p, 64);
    g_assert_cmpuint(n, ==, 15);
    for (guint i = 0; i < n; i++) {
        if (!p[i].marker) {
            if (p[i].end)
                last_end = p[i].at;
            continue;
        }
        /* Each digit waits for the previous one's last end packet and the
         * gap; its timestamp advanced by the time it waited. */
        if (begins > 0)
            g_assert_cmpint(p[i].at - last_end, >=, RTP_DTMF_TX_GAP_MS * MS);
        g_assert_cmpuint(p[i].ts, ==, 800 + (guint32) ((p[i].at - T0) * 8000 / G_USEC_PER_SEC));
        g_assert_cmpuint(p[i].event, ==, (guint) rtp_dtmf_event_from_digit("12#"[begins]));
        begins++;
    }
    g_assert_cmpuint(begins, ==, 3);

    /* A digit queued with another clock (the stream renegotiated) does
     * not change the event in progress. */
    rtp_dtmf_tx_init(&tx);
    rtp_dtmf_tx_start(&tx, '1', 100, 0, 8000, 0, T0);
    g_assert_cmpuint(tx_run(&tx, T0, p, 1), ==, 1);
    rtp_dtmf_tx_start(&tx, '2', 100, 0, 16000, 0, T0 + 10 * MS);
    n = tx_run(&tx, T0 + 10 * MS, p, 64);
    g_assert_cmpuint(n, ==, 9);
    assert_packet(&p[3], T0 + 200 * MS, FALSE, TRUE, 0, 800);
    assert_packet(&p[4], T0 + 250 * MS, TRUE, FALSE, (250 - 10) * 16, 800);
    assert_packet(&p[8], T0 + 450 * MS, FALSE, TRUE, (250 - 10) * 16, 1600);

    /* A full queue drops the digit and says so. */
    rtp_dtmf_tx_init(&tx);
    for (guint i = 0; i < RTP_DTMF_QUEUE_SIZE; i++)
        g_assert_cmpint(rtp_dtmf_tx_start(&tx, '5', 0, 0, 8000, 0, T0), ==, RTP_DTMF_TX_OK);
    g_assert_cmpint(rtp_dtmf_tx_start(&tx, '5', 0, 0, 8000, 0, T0), ==, RTP_DTMF_TX_FULL);
    g_assert_cmpint(rtp_dtmf_tx_start(&tx, 'x', 0, 0, 8000, 0, T0), ==, RTP_DTMF_TX_INVALID);
    g_assert_cmpint(rtp_dtmf_tx_start(&tx, '\0', 0, 0, 8000, 0, T0), ==, RTP_DTMF_TX_INVALID);
}

static void
test_tx_late(void)
{
    RtpDtmfTx tx;
    guint8 payload[4];
    gboolean marker;
    guint32 ts;
    RtpTelEvent ev;

    /* The worker wakes late: the event starts then, its timestamp the
     * stream's at that time, and the updates it missed are skipped. */
    rtp_dtmf_tx_init(&tx);
    rtp_dtmf_tx_start(&tx, '3', 400, 0, 8000, 0, T0);
    g_assert_true(rtp_dtmf_tx_next(&tx, T0 + 30 * MS, payload, &marker, &ts));
    g_assert_true(marker);
    g_assert_cmpuint(ts, ==, 240);
    g_assert_true(rtp_dtmf_tx_next(&tx, T0 + 180 * MS, payload, &marker, &ts));
    g_assert_false(marker);
    g_assert_cmpuint(ts, ==, 240);
    rtp_tel_event_parse(payload, 4, &ev);
    g_assert_cmpuint(ev.duration, ==, 1600); /* 150 ms in: through 200 ms */
    g_assert_cmpint(rtp_dtmf_tx_deadline(&tx), ==, T0 + 230 * MS);
    /* Woken after the end: the end packets come next. */
    g_assert_true(rtp_dtmf_tx_next(&tx, T0 + 900 * MS, payload, &marker, &ts));
    rtp_tel_event_parse(payload, 4, &ev);
    g_assert_true(ev.end);
    g_assert_cmpuint(ev.duration, ==, 3200);
    g_assert_cmpint(rtp_dtmf_tx_deadline(&tx), ==, T0 + 950 * MS);
    g_assert_false(rtp_dtmf_tx_next(&tx, T0 + 949 * MS, payload, &marker, &ts));
}

static void
test_tx_clamp(void)
{
    static const struct {
        guint ms, rate, units;
    } cases[] = {
        { 0, 8000, 800 },        /* the default, 100 ms */
        { 10, 8000, 320 },       /* raised to 40 ms */
        { 20000, 8000, 64000 },  /* cut to 8000 ms */
        { 2000, 48000, 0xffff }, /* 1.365 s at 48 kHz */
        { 250, 16000, 4000 },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        RtpDtmfTx tx;
        TxPacket p[400];
        guint n;

        rtp_dtmf_tx_init(&tx);
        rtp_dtmf_tx_start(&tx, 'D', cases[i].ms, 0, cases[i].rate, 0, T0);
        n = tx_run(&tx, T0, p, 400);
        g_assert_cmpuint(n, >=, 4);
        g_assert_true(p[n - 1].end);
        g_assert_cmpuint(p[n - 1].duration, ==, cases[i].units);
        g_assert_cmpuint(p[n - 1].event, ==, 15);
    }
}

/* Sender into receiver through a link that loses, duplicates and
 * reorders: every digit arrives once, in order, with its duration. */
typedef struct {
    Rx rx;
    FuzzDtmfOpen open;
    const char *digits;
    guint ends;
    guint8 held[4];
    guint32 held_ts;
    gboolean have_held;
} Link;

static void
link_deliver(Link *l, guint32 ts, gboolean marker, const guint8 *payload, gint64 now)
{
    l->rx.n = rtp_dtmf_rx_packet(&l->rx.rx, ts, marker, payload, 4, now, l->rx.ev);
    fuzz_dtmf_check_events(&l->open, l->rx.ev, l->rx.n);
    for (guint i = 0; i < l->rx.n; i++) {
        if (l->rx.ev[i].phase != RTP_DTMF_END)
            continue;
        g_assert_cmpint(l->rx.ev[i].digit, ==, l->digits[l->ends++]);
        g_assert_cmpuint(l->rx.ev[i].duration_ms, ==, 160);
    }
}

/* 15% lost, 10% twice, 10% held back behind the next one. */
static void
link_send(Link *l, GRand *rand, guint32 ts, gboolean marker, const guint8 *payload, gint64 now)
{
    double fate = g_rand_double(rand);

    if (fate < 0.15)
        return;
    if (fate < 0.25 && !l->have_held) {
        memcpy(l->held, payload, 4);
        l->held_ts = ts;
        l->have_held = TRUE;
        return;
    }
    link_deliver(l, ts, marker, payload, now);
    if (fate < 0.35)
        link_deliver(l, ts, marker, payload, now);
    if (l->have_held) {
        link_deliver(l, l->held_ts, FALSE, l->held, now);
        l->have_held = FALSE;
    }
}

static void
test_loopback_lossy(void)
{
    static const guint rates[] = { 8000, 16000, 48000 };
    GRand *rand = g_rand_new_with_seed(2833);

    for (guint r = 0; r < G_N_ELEMENTS(rates); r++) {
        Link l = { .digits = "0123456789*#ABCD" };
        RtpDtmfTx tx;
        gint64 now = T0;

        rtp_dtmf_tx_init(&tx);
        rtp_dtmf_rx_init(&l.rx.rx, rates[r]);
        for (const char *d = l.digits; *d; d++)
            rtp_dtmf_tx_start(&tx, *d, 160, 20, rates[r], 12345, now);
        while (rtp_dtmf_tx_active(&tx)) {
            guint8 payload[4];
            gboolean marker;
            guint32 ts;

            now = MAX(now, MIN(rtp_dtmf_tx_deadline(&tx), rtp_dtmf_rx_deadline(&l.rx.rx)));
            l.rx.n = rtp_dtmf_rx_tick(&l.rx.rx, now, l.rx.ev);
            g_assert_cmpuint(l.rx.n, ==, 0); /* never 200 ms without a packet */
            if (rtp_dtmf_tx_next(&tx, now, payload, &marker, &ts))
                link_send(&l, rand, ts, marker, payload, now);
        }
        if (l.have_held)
            link_deliver(&l, l.held_ts, FALSE, l.held, now);
        g_assert_cmpuint(l.ends, ==, 16);
    }
    g_rand_free(rand);
}

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-dtmf", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-dtmf regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL)
            || !fuzz_dtmf_is_rtp((const guint8 *) data, len))
            continue;
        g_test_message("regression %s", name);
        fuzz_dtmf_rtp((const guint8 *) data, len);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("RFC 4733 telephone-events: payload, receiver, sender");
    g_test_add_func("/rtp/dtmf/digits", test_digits);
    g_test_add_func("/rtp/dtmf/payload", test_payload);
    g_test_add_func("/rtp/dtmf/queue", test_queue);
    g_test_add_func("/rtp/dtmf/rx/basic", test_rx_basic);
    g_test_add_func("/rtp/dtmf/rx/clock-rates", test_rx_clock_rates);
    g_test_add_func("/rtp/dtmf/rx/duplicates", test_rx_duplicates);
    g_test_add_func("/rtp/dtmf/rx/reorder", test_rx_reorder);
    g_test_add_func("/rtp/dtmf/rx/lost-end", test_rx_lost_end);
    g_test_add_func("/rtp/dtmf/rx/timeout", test_rx_timeout);
    g_test_add_func("/rtp/dtmf/rx/segments", test_rx_segments);
    g_test_add_func("/rtp/dtmf/rx/hostile", test_rx_hostile);
    g_test_add_func("/rtp/dtmf/tx/packets", test_tx_packets);
    g_test_add_func("/rtp/dtmf/tx/queue", test_tx_queue);
    g_test_add_func("/rtp/dtmf/tx/late", test_tx_late);
    g_test_add_func("/rtp/dtmf/tx/clamp", test_tx_clamp);
    g_test_add_func("/rtp/dtmf/loopback-lossy", test_loopback_lossy);
    g_test_add_func("/rtp/dtmf/fuzz-regressions", test_fuzz_regressions);
    return g_test_run();
}
