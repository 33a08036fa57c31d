/* res_rtp - DTLS-SRTP (RFC 5763/5764) of one media component (OpenSSL).
 *
 * One RtpDtlsCert per process: an EC P-256 key and a self-signed
 * certificate made when res_rtp loads, whose SHA-256 fingerprint goes
 * into our SDP (a=fingerprint).  An RtpDtls is one DTLS association over
 * memory BIOs: the worker pushes each received datagram whose first byte
 * is 20-63 (RFC 7983) into it, and it hands the records to send to a
 * callback in datagrams of at most RTP_DTLS_MTU bytes.  When the
 * handshake is over, the peer's certificate is checked against the
 * fingerprint from its SDP and the SRTP keys are exported from the
 * use_srtp extension's profile (SRTP_AES128_CM_SHA1_80 / _32,
 * SRTP_AEAD_AES_128_GCM / 256).
 *
 * Threads: rtp_dtls_cert_* and rtp_dtls_new run on the main context;
 * everything else of an RtpDtls on the worker that owns its session (one
 * thread at a time; OpenSSL keeps no shared state per SSL).
 */
#pragma once

#include <carillon/rtp.h>
#include "srtp.h"

G_BEGIN_DECLS

#define RTP_DTLS_MTU 1200
#define RTP_DTLS_FP_LEN 32      /* SHA-256 */
/* A handshake not over after this long fails. */
#define RTP_DTLS_TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef struct _RtpDtlsCert RtpDtlsCert;
typedef struct _RtpDtls RtpDtls;

typedef enum {
    RTP_DTLS_HANDSHAKE,         /* under way */
    RTP_DTLS_DONE,              /* keyed: rtp_dtls_take_srtp() */
    RTP_DTLS_FAILED,            /* rtp_dtls_error() says why */
} RtpDtlsState;

/* Sends one datagram (the records of a flight) to the peer. */
typedef void (*RtpDtlsSendFunc)(const guint8 *data, gsize len, gpointer user);

/* Main context: a new key and certificate (valid a year from now). */
RtpDtlsCert *rtp_dtls_cert_new(GError **error);
void rtp_dtls_cert_free(RtpDtlsCert *cert);
/* "AB:CD:..." (95 characters), the SHA-256 of the certificate. */
const char *rtp_dtls_cert_fingerprint(const RtpDtlsCert *cert);
/* The process's certificate: made by rtp_dtls_global_init (module
 * load), else on first use; freed by rtp_dtls_global_free. */
gboolean rtp_dtls_global_init(GError **error);
RtpDtlsCert *rtp_dtls_global(void);
void rtp_dtls_global_free(void);

/* Main context: an association with our certificate; active: we are the
 * DTLS client (a=setup:active).  peer_fp: the SHA-256 the peer's
 * certificate must have. */
RtpDtls *rtp_dtls_new(RtpDtlsCert *cert, gboolean active, const guint8 *peer_fp,
                      GError **error);
/* Any thread that owns it.  NULL ok. */
void rtp_dtls_free(RtpDtls *d);

/* Worker: the client's first flight (nothing for a server). */
RtpDtlsState rtp_dtls_start(RtpDtls *d, gint64 now_us, RtpDtlsSendFunc send, gpointer user);
/* Worker: a datagram from the peer. */
RtpDtlsState rtp_dtls_receive(RtpDtls *d, const guint8 *pkt, gsize len, gint64 now_us,
                              RtpDtlsSendFunc send, gpointer user);
/* Worker: retransmissions when their time came; the overall timeout. */
RtpDtlsState rtp_dtls_tick(RtpDtls *d, gint64 now_us, RtpDtlsSendFunc send, gpointer user);
RtpDtlsState rtp_dtls_state(const RtpDtls *d);
/* Worker, once DONE: the SRTP contexts from the exported keys (each
 * side's tx is its own write key), made once; NULL after the first call
 * or on failure (error set). */
RtpSrtp *rtp_dtls_take_srtp(RtpDtls *d, GError **error);
/* The negotiated profile ("SRTP_AES128_CM_SHA1_80"), or NULL. */
const char *rtp_dtls_profile(const RtpDtls *d);
/* Why it FAILED (static string). */
const char *rtp_dtls_error(const RtpDtls *d);

/* The first byte of a DTLS record (RFC 7983 5). */
static inline gboolean
rtp_dtls_is_record(const guint8 *pkt, gsize len)
{
    return len >= 13 && pkt[0] >= 20 && pkt[0] <= 63;
}

G_END_DECLS
