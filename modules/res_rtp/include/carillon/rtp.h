/* Carillon - the API of res_rtp ("rtp").
 *
 * Media anchoring: an RtpSession is a pair of UDP sockets (RTP on an even
 * port, RTCP on the next odd one) taken from the rtp.conf port range and
 * pinned to one media worker thread.  Two sessions can be relayed: what
 * arrives on one goes out of the other towards that session's remote.
 * The remote of a session is learned from the first RTP packet actually
 * received (symmetric RTP, so phones behind NAT work) and then sticks;
 * until then the address given with session_set_remote() (from SDP) is
 * used.  RTCP is relayed as well and parsed on the way for statistics.
 *
 * Consumers (chan_sip) declare .requires = PBX_REQUIRES("res_rtp") and
 * fetch the API at load with
 *
 *     const RtpApi *rtp = rtp_api_get(self, error);
 *
 * which records the dependency and checks RTP_API_VERSION.  Every live
 * session also counts as a use of res_rtp.
 *
 * Thread affinity: every function runs on the main context only.  The
 * media workers apply requests asynchronously but in order: after
 * session_relay() returns, packets are relayed within a few
 * microseconds; session_free() returns at once and the sockets close on
 * the worker.
 */
#pragma once

#include <sys/socket.h>
#include <carillon/carillon.h>
#include <carillon/audio_port.h>
#include <carillon/codec.h>

G_BEGIN_DECLS

#define RTP_API_NAME "rtp"
#define RTP_API_VERSION 5u

/* A macro, not a function: res_rtp exports no symbols. */
#define RTP_ERROR (g_quark_from_static_string("carillon-rtp-error"))
typedef enum {
    RTP_ERROR_PORTS_EXHAUSTED,  /* every port pair of the range is in use */
    RTP_ERROR_FAMILY,           /* address family not supported / mismatched */
    RTP_ERROR_ADDRESS,          /* not an IP address literal */
    RTP_ERROR_SOCKET,           /* socket(), bind(), ... failed */
    RTP_ERROR_FAILED,           /* not possible now (no DTMF in the media, ...) */
} RtpError;

typedef struct _RtpSession RtpSession;

/* How a leg carries DTMF in its media. */
typedef enum {
    RTP_DTMF_NONE,              /* not in the media (SIP INFO, or nothing) */
    RTP_DTMF_RFC4733,           /* telephone-event packets */
    RTP_DTMF_INBAND,            /* tones in the audio */
} RtpDtmfMode;

/* What a session's far end sends and receives, as SDP negotiated it. */
typedef struct {
    const PbxCodec *codec;      /* NULL: unknown, relayed as it comes */
    guint8 payload_type;        /* the codec's payload type on this leg */
    PbxCodecParams params;      /* the far end's fmtp: how to encode for it */
    guint8 te_payload_type;     /* telephone-event, 0: none offered */
    RtpDtmfMode dtmf;
} RtpFormat;

/* How two bridged sessions exchange media. */
typedef enum {
    RTP_BRIDGE_NONE,            /* not bridged */
    RTP_BRIDGE_RELAY,           /* the same codec: packets passed on (payload type rewritten) */
    RTP_BRIDGE_TRANSCODE,       /* decoded, resampled and encoded each way */
} RtpBridgeMode;

/* SRTP (RFC 3711) crypto suites, in the order of RFC 4568 / RFC 7714
 * names: AES_CM_128_HMAC_SHA1_80 and _32 (SRTCP always with an 80-bit
 * tag), AEAD_AES_128_GCM and AEAD_AES_256_GCM (16-byte tags). */
typedef enum {
    RTP_SRTP_AES_CM_128_HMAC_SHA1_80 = 0,
    RTP_SRTP_AES_CM_128_HMAC_SHA1_32,
    RTP_SRTP_AEAD_AES_128_GCM,
    RTP_SRTP_AEAD_AES_256_GCM,
} RtpSrtpSuite;

#define RTP_SRTP_MAX_KEY 46

/* A master key followed by its master salt (30, 30, 28 or 44 bytes). */
typedef struct {
    RtpSrtpSuite suite;
    guint8 key[RTP_SRTP_MAX_KEY];
    guint key_len;
} RtpSrtpKey;

/* DTLS-SRTP (RFC 5763/5764) of a session: which side starts the
 * handshake (a=setup), what the far end's certificate must hash to
 * (a=fingerprint, SHA-256) and whether RTCP shares the RTP port
 * (a=rtcp-mux: one handshake; else another on the RTCP port). */
typedef enum {
    RTP_DTLS_ROLE_ACTIVE,       /* we are the DTLS client */
    RTP_DTLS_ROLE_PASSIVE,      /* we wait for the far end's ClientHello */
} RtpDtlsRole;

#define RTP_DTLS_FINGERPRINT_LEN 32

typedef struct {
    RtpDtlsRole role;
    guint8 fingerprint[RTP_DTLS_FINGERPRINT_LEN];
    gboolean rtcp_mux;
} RtpDtlsParams;

/* Where a session's DTLS stands (RtpStats.dtls). */
typedef enum {
    RTP_DTLS_OFF = 0,
    RTP_DTLS_CONNECTING,        /* handshake under way: no media passes */
    RTP_DTLS_CONNECTED,         /* keyed: SRTP */
    RTP_DTLS_BROKEN,            /* failed (timeout, fingerprint): no media passes */
} RtpDtlsStatus;

/* What a session's media has to say, on the main context. */
typedef struct {
    /* A DTMF digit received (RFC 4733 events, or in-band tones when the
     * format says RTP_DTMF_INBAND), once, at its end.  RFC 4733 events
     * are never relayed: the receiving session reports them here and the
     * owner passes them on (the other leg may want another form). */
    void (*dtmf)(RtpSession *s, char digit, guint duration_ms, RtpDtmfMode source,
                 gpointer data);
    /* DTLS-SRTP keyed the session (ok; detail: the SRTP profile) or
     * failed (detail: why).  Once per handshake. */
    void (*secure)(RtpSession *s, gboolean ok, const char *detail, gpointer data);
} RtpSessionEvents;

/* A snapshot of a session's counters.  "rx" is what arrived on this
 * session's sockets, "tx" what was sent out of them. */
typedef struct {
    guint64 rx_packets, rx_octets;     /* RTP received (accepted) */
    guint64 tx_packets, tx_octets;     /* RTP sent */
    guint64 relayed;                   /* received here, sent out of the peer */
    guint64 dropped;                   /* malformed, foreign source, no destination */
    guint32 ssrc;                      /* current SSRC of the received stream */
    guint32 ssrc_changes;
    guint64 expected;                  /* RFC 3550 A.3, current SSRC */
    gint64 lost;                       /* expected - received (may be < 0) */
    guint32 jitter_us;                 /* interarrival jitter, RFC 3550 A.8 */
    guint64 rtcp_rx, rtcp_tx;          /* RTCP compound packets */
    guint32 sr_rx, rr_rx;              /* sender / receiver reports seen */
    /* From the last report block the far end sent us (about the stream
     * it receives from this session). */
    guint32 remote_fraction_lost;      /* 0..255, 1/256 units */
    gint32 remote_lost;                /* cumulative */
    guint32 remote_jitter_us;
    gint32 rtt_us;                     /* PBX <-> far end; -1 unknown */
    gboolean latched;                  /* remote learned from packets */
    /* The jitter buffer of a decoded leg (transcoded, or DTMF in band);
     * all zero while the leg was only relayed. */
    gboolean decoded;                  /* decoded now */
    guint32 jb_delay_ms;               /* playout delay now */
    guint32 jb_jitter_ms;              /* transit spread it measures */
    guint64 jb_late;                   /* packets dropped: too late to play */
    guint64 jb_concealed;              /* 20 ms frames made up (PLC) */
    guint64 jb_fec;                    /* frames recovered by FEC */
    guint64 dtmf_rx, dtmf_tx;          /* digits received, sent */
    gboolean srtp;                     /* SRTP keyed (as last set) */
    guint64 srtp_failed;               /* received packets that failed SRTP checks */
    RtpDtlsStatus dtls;                /* DTLS-SRTP (srtp is TRUE once CONNECTED) */
    gboolean rtcp_mux;                 /* RTCP on the RTP port */
} RtpStats;

typedef struct {
    guint version;                     /* RTP_API_VERSION */

    /* A new session for AF_INET or AF_INET6 on the configured bind
     * address, with an even RTP port and RTP+1 for RTCP. */
    RtpSession *(*session_new)(int family, GError **error);
    /* Closes the sockets (asynchronously) and ends any relay.  NULL ok. */
    void (*session_free)(RtpSession *s);

    /* The bound address ("0.0.0.0" when bound to any; advertise the
     * public media address in SDP instead) and RTP port.  Borrowed. */
    const char *(*session_get_local)(const RtpSession *s, guint16 *rtp_port);
    /* The remote RTP address from SDP (RTCP goes to port + 1).  Resets
     * latching: the next packet received decides again.  0.0.0.0 / ::
     * or port 0 (hold, a declined stream) means no remote until one
     * latches. */
    gboolean (*session_set_remote)(RtpSession *s, const char *addr,
                                   guint16 port, GError **error);

    /* What the far end speaks (after each offer/answer).  A bridge the
     * session is in switches between relaying and transcoding as the
     * formats of its two sessions require.  FALSE with error when a
     * codec instance cannot be made. */
    gboolean (*session_set_format)(RtpSession *s, const RtpFormat *format, GError **error);
    /* Where the session's events go (events NULL: nowhere). */
    void (*session_set_events)(RtpSession *s, const RtpSessionEvents *events, gpointer data);

    /* Bridges a <-> b, ending any bridge either had before: relayed when
     * both have the same codec (or no format), else transcoded through
     * signed linear.  The sessions end up on the same worker (b moves to
     * a's). */
    void (*session_relay)(RtpSession *a, RtpSession *b);
    /* Ends the bridge of s (and of its peer). */
    void (*session_unrelay)(RtpSession *s);
    RtpBridgeMode (*session_get_bridge_mode)(const RtpSession *s);

    /* Sends a DTMF digit in the session's format: RTP telephone-events
     * (RFC 4733, end packet sent three times) or tones in the audio
     * (inband); digits sent in a row are queued (32 at most).  FALSE
     * with error when the format carries no DTMF (RTP_DTMF_NONE, or no
     * format yet) or the queue is full. */
    gboolean (*session_send_dtmf)(RtpSession *s, char digit, guint duration_ms, GError **error);

    /* Terminates the session's audio with a port (carillon/audio_port.h):
     * it is decoded, and every tick its worker writes what it heard to
     * the port and sends what the port reads.  port NULL removes it.
     * FALSE with error when the session is bridged or has no codec yet.
     * Bridging the session later lets go of the port.  The port's
     * `released` runs on the main context once the worker let go (also
     * when the session is freed). */
    gboolean (*session_set_port)(RtpSession *s, const PbxAudioPortFuncs *port, gpointer data,
                                 GError **error);

    /* SRTP and SRTCP for s from now on: what it sends is protected with
     * tx, what it receives must authenticate with rx (anything else is
     * dropped and counted).  Both NULL: plain RTP again.  A bridge of an
     * SRTP and a plain session decrypts and re-encrypts on the worker.
     * FALSE with RTP_ERROR_FAILED when libsrtp refuses a key (wrong
     * length for the suite).  The keys are copied, never logged. */
    gboolean (*session_set_srtp)(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx,
                                 GError **error);

    /* Our media certificate's SHA-256 fingerprint for a=fingerprint
     * ("AB:CD:...", made when res_rtp loads). */
    const char *(*dtls_fingerprint)(void);
    /* DTLS-SRTP for s from now on (params NULL: plain RTP again): the
     * handshake runs on the media worker on the session's own sockets
     * (records told from RTP by their first byte, RFC 7983); until it
     * is over, nothing passes in or out of s.  The peer's certificate
     * must match params->fingerprint; then the keys exported from the
     * use_srtp profile key SRTP both ways and events->secure reports
     * it (or the failure).  Called again with the same params it keeps
     * the association (a re-INVITE); new params start a new one. */
    gboolean (*session_set_dtls)(RtpSession *s, const RtpDtlsParams *params, GError **error);

    void (*session_get_stats)(const RtpSession *s, RtpStats *stats);
    /* Packets received on s and sent out of its peer (tests, CLI). */
    guint64 (*session_get_relayed)(const RtpSession *s);

    /* s will be SRTP (or may be): from now on nothing passes in or out
     * of it, relayed or sent, until session_set_srtp() gives keys or
     * decides plain (NULL), or session_set_dtls() is called.  Call it
     * before session_set_remote(): commands apply in order, so no
     * packet goes in clear while the keys are still being negotiated.
     * A no-op on a session already keyed. */
    void (*session_expect_keys)(RtpSession *s);
} RtpApi;

#define rtp_api_get(self, error) \
    ((const RtpApi *) pbx_module_get_api_version((self), RTP_API_NAME, RTP_API_VERSION, (error)))

G_END_DECLS
