/* res_rtp - SRTP and SRTCP (libsrtp2) of a session.
 *
 * An RtpSrtp holds two libsrtp sessions: the one that protects what the
 * session sends (our key, any outbound SSRC) and the one that checks and
 * decrypts what it receives (the far end's key, any inbound SSRC); each
 * covers RTP and RTCP.  They are made on the main context
 * (rtp_srtp_new: policy, key expansion, allocation), handed to the
 * worker with CMD_SRTP, and freed back on the main context.  On the
 * worker, protect/unprotect work in place in the packet buffer, which
 * has RTP_SRTP_ROOM bytes after the packet for the tag.  libsrtp makes a
 * stream for each new SSRC it sees (once per stream, not per packet).
 * Keys are never logged; the key copies made here are wiped.
 */
#pragma once

#include <carillon/rtp.h>

G_BEGIN_DECLS

/* What protect may add after a packet: the tag (and, for RTCP, the
 * SRTCP index); libsrtp's maximum with an MKI. */
#define RTP_SRTP_ROOM (16 + 128 + 4)

typedef struct _RtpSrtp RtpSrtp;

/* Main context, once: libsrtp's global state. */
gboolean rtp_srtp_init(GError **error);

/* Main context: the contexts for what we send (tx) and receive (rx).
 * NULL with RTP_ERROR_FAILED when the suite or key is refused. */
RtpSrtp *rtp_srtp_new(const RtpSrtpKey *tx, const RtpSrtpKey *rx, GError **error);
/* Main context (or the engine's end).  NULL ok. */
void rtp_srtp_free(RtpSrtp *srtp);

/* Worker: in place; *len is the packet's length before and after.
 * FALSE when the packet is to be dropped (authentication failed, a
 * replay, no room, malformed). */
gboolean rtp_srtp_protect(RtpSrtp *srtp, guint8 *pkt, guint *len);
gboolean rtp_srtp_unprotect(RtpSrtp *srtp, guint8 *pkt, guint *len);
gboolean rtp_srtp_protect_rtcp(RtpSrtp *srtp, guint8 *pkt, guint *len);
gboolean rtp_srtp_unprotect_rtcp(RtpSrtp *srtp, guint8 *pkt, guint *len);

G_END_DECLS
