/* res_rtp - RTP/RTCP header parsing and receive statistics.
 *
 * Pure functions over one packet: no sockets, no allocation, no locks.
 * The media workers call them per packet; the unit tests feed them
 * crafted sequence numbers and timestamps.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    guint8 payload_type;
    gboolean marker;
    guint16 seq;
    guint32 timestamp;
    guint32 ssrc;
    gsize header_len;          /* fixed header + CSRCs + extension */
} RtpHeader;

/* FALSE unless buf holds a well-formed RTP version 2 packet.  RTCP sent
 * to an RTP port (payload types 72..76 with the marker bit) is refused. */
gboolean rtp_header_parse(const guint8 *buf, gsize len, RtpHeader *out);

/* Receive state of one stream, RFC 3550 appendix A.1 (sequence numbers)
 * and A.8 (jitter).  Zero-initialise. */
typedef struct {
    gboolean have_ssrc;
    guint32 ssrc;
    guint32 ssrc_changes;      /* not counting the first SSRC */
    guint16 max_seq;
    guint32 cycles;            /* count of wraps << 16 */
    guint32 base_seq;
    guint32 bad_seq;
    guint64 received;
    gboolean have_transit;
    gint32 transit;
    guint32 jitter_q4;         /* jitter in timestamp units, times 16 */
} RtpRxState;

typedef enum {
    RTP_RX_OK,
    RTP_RX_NEW_SSRC,           /* first packet, or the SSRC changed */
    RTP_RX_RESTART,            /* large jump confirmed: sequence restarted */
    RTP_RX_BAD_SEQ,            /* large jump, not (yet) believed */
    RTP_RX_LATE,               /* duplicate or reordered */
} RtpRxResult;

/* Accounts one packet.  `arrival` is the arrival time in the stream's
 * timestamp units (any origin, wrapping is fine). */
RtpRxResult rtp_rx_update(RtpRxState *st, const RtpHeader *h, guint32 arrival);
guint64 rtp_rx_expected(const RtpRxState *st);
gint64 rtp_rx_lost(const RtpRxState *st);
/* Jitter in timestamp units (rounded down). */
guint32 rtp_rx_jitter(const RtpRxState *st);

/* What one RTCP compound packet says. */
typedef struct {
    guint n_sr, n_rr;          /* SR and RR packets in the compound */
    gboolean has_sr;
    guint32 sr_ssrc;
    guint32 sr_ntp_middle;     /* middle 32 bits of the NTP timestamp */
    guint32 sr_packets, sr_octets;
    gboolean has_block;        /* first report block of the first SR/RR */
    guint32 block_ssrc;
    guint8 fraction_lost;
    gint32 cumulative_lost;    /* 24-bit signed */
    guint32 ext_highest_seq;
    guint32 jitter;            /* timestamp units */
    guint32 lsr, dlsr;         /* dlsr in 1/65536 s */
} RtcpInfo;

/* FALSE unless buf is a well-formed compound RTCP packet (every packet
 * version 2, lengths add up exactly). */
gboolean rtcp_parse(const guint8 *buf, gsize len, RtcpInfo *out);

/* Round trip time in microseconds from a report block's LSR/DLSR, given
 * when the SR it refers to was sent and when the block arrived (both in
 * microseconds); -1 when it cannot be computed. */
gint32 rtcp_rtt_us(gint64 sr_sent_us, gint64 arrival_us, guint32 dlsr);

G_END_DECLS
