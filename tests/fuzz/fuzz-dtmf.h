/* Carillon - what fuzz-dtmf.c runs on each input, shared with the unit
 * tests that replay tests/data/fuzz-regressions/fuzz-dtmf/: test-dtmf4733
 * (res_rtp) defines FUZZ_DTMF_RTP and replays the RTP inputs,
 * test-dtmf-info (chan_sip) defines FUZZ_DTMF_INFO and replays the INFO
 * ones; the harness defines both.
 *
 * Byte 0 picks the target and its settings:
 *   even: RFC 4733.  Bits 1-2 the clock (8000, 16000, 48000, 8000).  Then
 *         records of 4 bytes, flags, timestamp delta (signed, 16 bits),
 *         milliseconds since the previous record, and for packets the
 *         payload (flags >> 4 bytes).  Flags: bit 0 marker, bit 1 a tick
 *         instead of a packet, bit 2 the delta counts 256 times.  The
 *         receiver must report every digit as one BEGIN then one END
 *         with the same digit and timestamp.  Then the first 8 bytes
 *         after byte 0 are sent as digits through a sender into a fresh
 *         receiver, which must get them back in order with the durations
 *         the sender said.
 *   odd:  SIP INFO.  Bits 1-3 pick a Content-Type; the rest is the body.
 *         A body that parses gives a digit and a duration in range, and
 *         the body we write for them parses back to the same.
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#ifndef FUZZ_DTMF_CHECK
#define FUZZ_DTMF_CHECK(cond) \
    do {                      \
        if (!(cond))          \
            abort();          \
    } while (0)
#endif

#define FUZZ_DTMF_DIGITS "0123456789*#ABCD"

static inline gboolean
fuzz_dtmf_is_rtp(const guint8 *data, gsize size)
{
    return size > 0 && (data[0] & 1) == 0;
}

#ifdef FUZZ_DTMF_RTP
#include "../../modules/res_rtp/dtmf4733.h"

typedef struct {
    gboolean open;
    char digit;
    guint32 timestamp;
} FuzzDtmfOpen;

static inline void
fuzz_dtmf_check_events(FuzzDtmfOpen *st, const RtpDtmfEvent *ev, guint n)
{
    FUZZ_DTMF_CHECK(n <= RTP_DTMF_RX_MAX_EVENTS);
    for (guint i = 0; i < n; i++) {
        FUZZ_DTMF_CHECK(ev[i].event < 16 && ev[i].digit == FUZZ_DTMF_DIGITS[ev[i].event]);
        if (ev[i].phase == RTP_DTMF_BEGIN) {
            FUZZ_DTMF_CHECK(!st->open);
            st->open = TRUE;
            st->digit = ev[i].digit;
            st->timestamp = ev[i].timestamp;
        } else {
            FUZZ_DTMF_CHECK(st->open && st->digit == ev[i].digit);
            FUZZ_DTMF_CHECK(st->timestamp == ev[i].timestamp);
            st->open = FALSE;
        }
    }
}

static inline guint
fuzz_dtmf_clock(const guint8 *data)
{
    static const guint rates[] = { 8000, 16000, 48000, 8000 };

    return rates[(data[0] >> 1) & 3];
}

/* The records of the input through one receiver. */
static inline void
fuzz_dtmf_rx_records(const guint8 *data, gsize size)
{
    RtpDtmfRx rx;
    RtpDtmfEvent ev[RTP_DTMF_RX_MAX_EVENTS];
    FuzzDtmfOpen st = { 0 };
    guint32 ts = 0x7ffffff0u;
    gint64 now = G_USEC_PER_SEC;
    gsize p = 1;

    rtp_dtmf_rx_init(&rx, fuzz_dtmf_clock(data));
    while (p + 4 <= size) {
        guint8 flags = data[p];
        gint16 delta = (gint16) ((data[p + 1] << 8) | data[p + 2]);
        guint n;

        ts += (guint32) ((flags & 4) ? delta * 256 : delta);
        now += data[p + 3] * G_GINT64_CONSTANT(1000);
        p += 4;
        if (flags & 2) {
            n = rtp_dtmf_rx_tick(&rx, now, ev);
            FUZZ_DTMF_CHECK(rtp_dtmf_rx_deadline(&rx) > now);
        } else {
            gsize len = MIN((gsize) (flags >> 4), size - p);
            n = rtp_dtmf_rx_packet(&rx, ts, flags & 1, data + p, len, now, ev);
            p += len;
        }
        fuzz_dtmf_check_events(&st, ev, n);
    }
    fuzz_dtmf_check_events(&st, ev, rtp_dtmf_rx_end(&rx, ev));
    FUZZ_DTMF_CHECK(!st.open);
}

/* What a receiver must report for a digit the sender sent for ms. */
static inline guint
fuzz_dtmf_expected_ms(guint ms, guint clock)
{
    guint64 units;

    ms = ms == 0 ? RTP_DTMF_TX_DEFAULT_MS : CLAMP(ms, RTP_DTMF_TX_MIN_MS, RTP_DTMF_TX_MAX_MS);
    units = MIN((guint64) ms * clock / 1000, 0xFFFF);
    return (guint) (units * 1000 / clock);
}

/* Up to 8 digits through a sender, every packet into a receiver. */
static inline void
fuzz_dtmf_loopback(const guint8 *data, gsize size)
{
    guint clock = fuzz_dtmf_clock(data), interval = 10 + 10 * ((data[0] >> 3) & 7);
    gsize n_digits = MIN(size - 1, 8), got = 0;
    RtpDtmfTx tx;
    RtpDtmfRx rx;
    RtpDtmfEvent ev[RTP_DTMF_RX_MAX_EVENTS];
    FuzzDtmfOpen st = { 0 };
    gint64 now = G_USEC_PER_SEC;

    rtp_dtmf_tx_init(&tx);
    rtp_dtmf_rx_init(&rx, clock);
    for (gsize i = 0; i < n_digits; i++)
        FUZZ_DTMF_CHECK(rtp_dtmf_tx_start(&tx, FUZZ_DTMF_DIGITS[data[1 + i] & 15],
                                          (data[1 + i] >> 4) * 37u, interval, clock, 1000, now)
                        == RTP_DTMF_TX_OK);
    while (rtp_dtmf_tx_active(&tx)) {
        guint8 payload[RTP_TEL_EVENT_SIZE];
        gboolean marker;
        guint32 ts;
        guint n;

        now = MAX(now, rtp_dtmf_tx_deadline(&tx));
        FUZZ_DTMF_CHECK(rtp_dtmf_tx_next(&tx, now, payload, &marker, &ts));
        n = rtp_dtmf_rx_packet(&rx, ts, marker, payload, sizeof payload, now, ev);
        fuzz_dtmf_check_events(&st, ev, n);
        for (guint i = 0; i < n; i++) {
            if (ev[i].phase != RTP_DTMF_END)
                continue;
            FUZZ_DTMF_CHECK(got < n_digits);
            FUZZ_DTMF_CHECK(ev[i].digit == FUZZ_DTMF_DIGITS[data[1 + got] & 15]);
            FUZZ_DTMF_CHECK(ev[i].duration_ms
                            == fuzz_dtmf_expected_ms((data[1 + got] >> 4) * 37u, clock));
            got++;
        }
    }
    FUZZ_DTMF_CHECK(got == n_digits && !st.open);
}

static inline void
fuzz_dtmf_rtp(const guint8 *data, gsize size)
{
    fuzz_dtmf_rx_records(data, size);
    fuzz_dtmf_loopback(data, size);
}
#endif

#ifdef FUZZ_DTMF_INFO
#include "../../modules/chan_sip/dtmf_info.h"

static inline void
fuzz_dtmf_info(const guint8 *data, gsize size)
{
    static const char *const types[] = {
        "application/dtmf-relay",
        "application/dtmf",
        "Application/DTMF-Relay; x=y",
        " application/dtmf ;a",
        "application/dtmf-relayx",
        "text/plain",
        "",
        NULL,
    };
    const char *type = types[(data[0] >> 1) & 7], *out_type = NULL;
    /* A copy of exactly the body's size: a read past it is caught. */
    char *body = g_malloc(size);
    g_autofree char *written = NULL;
    char digit = 0, again = 0;
    guint ms = 0, ms_again = 0;

    memcpy(body, data + 1, size - 1);
    if (sip_dtmf_info_parse(type, body, size - 1, &digit, &ms)) {
        FUZZ_DTMF_CHECK(sip_dtmf_info_is_dtmf_type(type));
        FUZZ_DTMF_CHECK(digit != '\0' && strchr(FUZZ_DTMF_DIGITS, digit) != NULL);
        FUZZ_DTMF_CHECK(ms >= SIP_DTMF_INFO_MIN_MS && ms <= SIP_DTMF_INFO_MAX_MS);
        written = sip_dtmf_info_body(digit, ms, &out_type);
        FUZZ_DTMF_CHECK(written != NULL);
        FUZZ_DTMF_CHECK(sip_dtmf_info_parse(out_type, written, strlen(written), &again, &ms_again));
        FUZZ_DTMF_CHECK(again == digit && ms_again == ms);
    }
    g_free(body);
}
#endif
