/* res_rtp - RTP/RTCP header parsing and receive statistics. */
#include "rtp_stats.h"

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MOD (1u << 16)

static guint16
rd16(const guint8 *p)
{
    return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
rd32(const guint8 *p)
{
    return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
rtp_header_parse(const guint8 *buf, gsize len, RtpHeader *out)
{
    gsize hlen;

    if (len < 12 || (buf[0] >> 6) != 2)
        return FALSE;
    out->marker = (buf[1] & 0x80) != 0;
    out->payload_type = buf[1] & 0x7f;
    if (out->marker && out->payload_type >= 72 && out->payload_type <= 76)
        return FALSE;
    hlen = 12 + 4u * (buf[0] & 0x0f);
    if ((buf[0] & 0x10) != 0) {
        if (len < hlen + 4)
            return FALSE;
        hlen += 4 + 4u * rd16(buf + hlen + 2);
    }
    if (len < hlen)
        return FALSE;
    if ((buf[0] & 0x20) != 0 && (buf[len - 1] == 0 || buf[len - 1] > len - hlen))
        return FALSE;
    out->seq = rd16(buf + 2);
    out->timestamp = rd32(buf + 4);
    out->ssrc = rd32(buf + 8);
    out->header_len = hlen;
    return TRUE;
}

static void
init_seq(RtpRxState *st, guint16 seq)
{
    st->base_seq = seq;
    st->max_seq = seq;
    st->bad_seq = SEQ_MOD + 1;
    st->cycles = 0;
    st->received = 0;
}

static void
new_ssrc(RtpRxState *st, const RtpHeader *h)
{
    if (st->have_ssrc)
        st->ssrc_changes++;
    st->have_ssrc = TRUE;
    st->ssrc = h->ssrc;
    st->have_transit = FALSE;
    st->jitter_q4 = 0;
    init_seq(st, h->seq);
}

/* RFC 3550 A.1 update_seq() without the probation phase: the first
 * packet of an SSRC is believed (a relay must not drop a call's first
 * packets).  A jump of more than MAX_DROPOUT is believed when the next
 * packet continues from it. */
static RtpRxResult
update_seq(RtpRxState *st, guint16 seq)
{
    guint16 udelta = (guint16) (seq - st->max_seq);

    if (udelta < MAX_DROPOUT) {
        if (seq < st->max_seq)
            st->cycles += SEQ_MOD;
        st->max_seq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
        if (seq != st->bad_seq) {
            st->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
            return RTP_RX_BAD_SEQ;
        }
        init_seq(st, seq);
        st->received++;
        return RTP_RX_RESTART;
    } else {
        st->received++;
        return RTP_RX_LATE;
    }
    st->received++;
    return RTP_RX_OK;
}

/* RFC 3550 A.8: J += (|D| - J) / 16, kept times 16 in integers. */
static void
update_jitter(RtpRxState *st, guint32 rtp_ts, guint32 arrival)
{
    gint32 transit = (gint32) (arrival - rtp_ts);
    gint32 d;

    if (st->have_transit) {
        d = transit - st->transit;
        if (d < 0)
            d = -d;
        st->jitter_q4 += (guint32) d - ((st->jitter_q4 + 8) >> 4);
    }
    st->transit = transit;
    st->have_transit = TRUE;
}

RtpRxResult
rtp_rx_update(RtpRxState *st, const RtpHeader *h, guint32 arrival)
{
    RtpRxResult r;

    if (!st->have_ssrc || h->ssrc != st->ssrc) {
        new_ssrc(st, h);
        st->received = 1;
        update_jitter(st, h->timestamp, arrival);
        return RTP_RX_NEW_SSRC;
    }
    r = update_seq(st, h->seq);
    if (r == RTP_RX_OK || r == RTP_RX_LATE)
        update_jitter(st, h->timestamp, arrival);
    else if (r == RTP_RX_RESTART)
        st->have_transit = FALSE;
    return r;
}

guint64
rtp_rx_expected(const RtpRxState *st)
{
    if (!st->have_ssrc)
        return 0;
    return (guint64) st->cycles + st->max_seq - st->base_seq + 1;
}

gint64
rtp_rx_lost(const RtpRxState *st)
{
    return (gint64) rtp_rx_expected(st) - (gint64) st->received;
}

guint32
rtp_rx_jitter(const RtpRxState *st)
{
    return st->jitter_q4 >> 4;
}

static void
parse_block(const guint8 *b, RtcpInfo *out)
{
    guint32 cum = ((guint32) b[5] << 16) | ((guint32) b[6] << 8) | b[7];

    out->has_block = TRUE;
    out->block_ssrc = rd32(b);
    out->fraction_lost = b[4];
    out->cumulative_lost = (cum & 0x800000) ? (gint32) (cum | 0xff000000u) : (gint32) cum;
    out->ext_highest_seq = rd32(b + 8);
    out->jitter = rd32(b + 12);
    out->lsr = rd32(b + 16);
    out->dlsr = rd32(b + 20);
}

/* One SR (pt 200) or RR (pt 201) of `len` bytes including its header. */
static gboolean
parse_report(const guint8 *p, gsize len, RtcpInfo *out)
{
    guint count = p[0] & 0x1f;
    gboolean sr = p[1] == 200;
    gsize blocks_at = sr ? 28 : 8;

    if (len < blocks_at + 24u * count)
        return FALSE;
    if (sr) {
        out->n_sr++;
        if (!out->has_sr) {
            out->has_sr = TRUE;
            out->sr_ssrc = rd32(p + 4);
            out->sr_ntp_middle = (rd32(p + 8) << 16) | (rd32(p + 12) >> 16);
            out->sr_packets = rd32(p + 20);
            out->sr_octets = rd32(p + 24);
        }
    } else {
        out->n_rr++;
    }
    if (count > 0 && !out->has_block)
        parse_block(p + blocks_at, out);
    return TRUE;
}

gboolean
rtcp_parse(const guint8 *buf, gsize len, RtcpInfo *out)
{
    gsize off = 0;

    *out = (RtcpInfo) { 0 };
    if (len < 8 || (buf[1] != 200 && buf[1] != 201))
        return FALSE;   /* RFC 3550 6.1: a compound starts with SR or RR */
    while (off < len) {
        const guint8 *p = buf + off;
        gsize plen;

        if (len - off < 4 || (p[0] >> 6) != 2)
            return FALSE;
        plen = 4u * (rd16(p + 2) + 1u);
        if (plen > len - off)
            return FALSE;
        if ((p[1] == 200 || p[1] == 201) && !parse_report(p, plen, out))
            return FALSE;
        off += plen;
    }
    return TRUE;
}

gint32
rtcp_rtt_us(gint64 sr_sent_us, gint64 arrival_us, guint32 dlsr)
{
    gint64 delay = ((gint64) dlsr * G_USEC_PER_SEC) >> 16;
    gint64 rtt = arrival_us - sr_sent_us - delay;

    if (sr_sent_us <= 0 || rtt > G_MAXINT32)
        return -1;
    return rtt < 0 ? 0 : (gint32) rtt;   /* DLSR rounding on loopback */
}
