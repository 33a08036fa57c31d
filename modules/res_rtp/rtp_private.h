/* res_rtp - structures shared by engine.c (main context) and worker.c
 * (media threads).  Each field says which thread owns it. */
#pragma once

#include <sys/socket.h>
#include "dtls.h"
#include "dtmf4733.h"
#include "rtp_engine.h"
#include "rtp_stats.h"
#include "srtp.h"

G_BEGIN_DECLS

#define RTP_BATCH 32            /* packets per recvmmsg/sendmmsg */
#define RTP_MAX_PACKET 2048     /* larger datagrams are truncated and dropped */
#define RTP_CLOCK_RATE 8000     /* for jitter until a format says (static audio payloads) */

typedef struct _RtpWorker RtpWorker;
typedef struct _RtpMedia RtpMedia;

typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;              /* 0: unset */
} RtpAddr;

/* The epoll tag of one socket. */
typedef struct {
    RtpSession *session;
    gboolean rtcp;
} RtpEndpoint;

/* Written by the owning worker with relaxed atomic stores. */
typedef struct {
    guint64 rx_packets, rx_octets, tx_packets, tx_octets, relayed, dropped;
    guint64 rtcp_rx, rtcp_tx, expected;
    gint64 lost;
    guint32 ssrc, ssrc_changes, jitter_us, sr_rx, rr_rx;
    guint32 remote_fraction_lost, remote_jitter_us;
    gint32 remote_lost, rtt_us;
    gint32 latched;
    guint64 dtmf_rx, dtmf_tx;
    guint64 srtp_failed;
    gint32 dtls;                /* RtpDtlsStatus */
} RtpCounters;

/* The RTP stream a session sends to its far end, whoever makes its
 * packets (relayed from the peer, or encoded here): what an injected
 * telephone-event continues.  Worker only. */
typedef struct {
    gboolean known;             /* a packet went out */
    guint32 ssrc;
    guint16 seq;                /* of the last packet sent */
    guint32 ts;                 /* its timestamp ... */
    gint64 us;                  /* ... and when it went (monotonic) */
    guint16 seq_delta;          /* added to relayed packets' sequence numbers:
                                 * events we sent in, packets we left out */
} RtpOutStream;

struct _RtpSession {
    /* Immutable after creation. */
    RtpEngine *engine;
    guint id;
    int family;
    int fd[2];                  /* RTP, RTCP */
    guint16 port;
    char local_str[INET6_ADDRSTRLEN];
    RtpEndpoint ep[2];
    gint refs;                  /* atomic: engine table + queued LINKs */

    /* Main context. */
    RtpFormat fmt;              /* as negotiated; fmt.codec NULL: unknown */
    RtpBridgeMode mode;         /* of its bridge, as decided here */
    RtpMedia *media_main;       /* the media last given to the worker (stats) */
    const PbxAudioPortFuncs *aport;     /* attached (the worker's copy may lag) */
    gpointer aport_data;
    RtpStats jb_base;           /* jitter buffer counters of media released */
    const RtpSessionEvents *events;
    gpointer events_data;
    RtpWorker *worker;          /* attached to, or (in transit) moving to */
    RtpWorker *home;            /* where it will be after queued moves */
    gboolean in_transit;        /* DETACH sent, DETACHED not yet seen */
    GQueue pending;             /* commands held while in transit */
    gboolean freed;
    RtpSession *main_peer;
    char *sdp_remote_str;
    char *latched_str;
    guint remote_gen;           /* bumped by each set_remote */
    gboolean srtp_on;           /* SRTP keys last given to the worker ... */
    guint8 srtp_tx_id[32];      /* ... these (rtp_srtp_key_id): a key given again */
    guint8 srtp_rx_id[32];      /* keeps its context, and its rollover counter */
    gboolean keys_expected;     /* CMD_EXPECT_KEYS sent, no keys nor plain since */
    gboolean dtls_on;           /* DTLS last given to the worker ... */
    RtpDtlsParams dtls_params;  /* ... with these */

    /* The owning worker. */
    RtpSession *peer;           /* relaying to; always on the same worker */
    RtpSession *want;           /* atomic: LINK received, waiting for peer's */
    RtpAddr sdp;                /* remote from SDP; len 0: none (hold) */
    guint sdp_gen;              /* remote_gen of the SET_REMOTE applied */
    RtpAddr latched;            /* remote learned from RTP */
    RtpAddr rtcp_latched;       /* remote learned from RTCP */
    RtpAddr rtp_dest;           /* where RTP goes: latched or sdp */
    RtpAddr rtcp_dest;          /* rtcp_latched, or rtp_dest port + 1 */
    RtpRxState rx;
    guint32 last_sr_middle;     /* last SR sent out of this session */
    gint64 last_sr_sent;
    guint8 rx_pt;               /* the audio payload type it receives (fmt) */
    guint8 tx_pt;               /* the one its far end expects from us */
    guint8 te_pt;               /* telephone-event, 0: none */
    guint8 dtmf_mode;           /* RtpDtmfMode of the format */
    guint clock;                /* RTP clock of the format's codec (and its events) */
    RtpMedia *media;            /* decoded and encoded here (transcoding), or NULL */
    RtpSession *tick_next;      /* in the worker's list of ticking sessions */
    RtpSession *tick_prev;
    gboolean ticking;
    const PbxAudioPortFuncs *wport; /* the port this worker serves, or NULL */
    gpointer wport_data;
    RtpOutStream out;
    RtpDtmfRx dtmf_rx;          /* telephone-events received */
    RtpDtmfTx dtmf_tx;          /* ... and sent */
    RtpSrtp *srtp;              /* SRTP/SRTCP contexts, NULL: plain RTP */
    RtpSrtp *srtcp;             /* RTCP's own (DTLS on the RTCP port), else NULL */
    RtpDtls *dtls[2];           /* DTLS-SRTP of RTP, of RTCP (none with rtcp_mux) */
    gboolean keys_pending;      /* SRTP expected or DTLS set, RTP not keyed yet: */
                                /* nothing passes in or out (a flag test) */
    gboolean rtcp_mux;          /* RTCP in and out of the RTP socket */

    RtpCounters pub;
};

typedef enum {
    CMD_ATTACH,                 /* worker: add to epoll */
    CMD_DETACH,                 /* worker: remove, then EV_DETACHED */
    CMD_SET_REMOTE,
    CMD_LINK,                   /* session wants `other` as peer */
    CMD_UNLINK,
    CMD_FREE,                   /* worker: close, then EV_FREED */
    CMD_STOP,
    CMD_SYNC,                   /* worker: answer EV_SYNCED */
    CMD_FORMAT,                 /* payload types, and media (or none) to use */
    CMD_DTMF,                   /* send `digit` for `duration_ms` */
    CMD_PORT,                   /* serve `port` (NULL: none) */
    CMD_SRTP,                   /* use `srtp` (NULL: plain RTP) */
    CMD_DTLS,                   /* use `dtls` (both NULL: none), `rtcp_mux` */
    CMD_EXPECT_KEYS,            /* nothing passes until CMD_SRTP or CMD_DTLS */
    EV_DETACHED,                /* main: attach to `target` */
    EV_FREED,                   /* main: drop the engine's reference */
    EV_LATCHED,                 /* main: show `addr` in the CLI */
    EV_SYNCED,
    EV_RELEASE,                 /* main: free `media`, the worker let go of it */
    EV_DTMF,                    /* main: `digit` received, `duration_ms`, `source` */
    EV_PORT_RELEASED,           /* main: `port` let go of: its released(port_data) */
    EV_SRTP_RELEASED,           /* main: free `srtp`, the worker let go of it */
    EV_DTLS,                    /* main: DTLS over (`ok`, `detail`) */
} RtpCmdType;

/* A command to a worker, turned into an event for the main context when
 * the worker has something to report (no second allocation). */
typedef struct {
    RtpCmdType type;
    RtpSession *session;
    RtpSession *other;          /* CMD_LINK, holds a reference */
    RtpWorker *target;          /* CMD_DETACH / EV_DETACHED */
    RtpAddr addr;               /* CMD_SET_REMOTE / EV_LATCHED */
    guint gen;                  /* CMD_SET_REMOTE / EV_LATCHED: remote_gen */
    guint8 rx_pt, tx_pt, te_pt; /* CMD_FORMAT */
    guint8 dtmf_mode;           /* CMD_FORMAT */
    guint clock;                /* CMD_FORMAT */
    RtpMedia *media;            /* CMD_FORMAT (given), EV_RELEASE / EV_FREED (returned) */
    char digit;                 /* CMD_DTMF / EV_DTMF */
    guint duration_ms;
    RtpDtmfMode source;         /* EV_DTMF */
    const PbxAudioPortFuncs *port;  /* CMD_PORT, EV_PORT_RELEASED */
    gpointer port_data;
    RtpSrtp *srtp;              /* CMD_SRTP (given), EV_SRTP_RELEASED / EV_FREED (returned) */
    RtpSrtp *srtcp;             /* returned with srtp */
    RtpDtls *dtls[2];           /* CMD_DTLS (given), EV_SRTP_RELEASED / EV_FREED (returned) */
    gboolean rtcp_mux;          /* CMD_DTLS */
    gboolean ok;                /* EV_DTLS */
    const char *detail;         /* EV_DTLS: static string */
} RtpCmd;

struct _RtpWorker {
    RtpEngine *engine;
    guint index;
    GThread *thread;
    int epfd;
    int evfd;
    GAsyncQueue *cmds;
    gint wake_pending;          /* atomic: evfd written, commands not yet drained */
    gboolean wake_deferred;     /* main only: evfd to write at the next flush */
    gint lazy_pending;          /* atomic: commands queued without a wake-up */
    gint64 lazy_seen;           /* worker only: when it noticed lazy_pending */
    gint sleeping;              /* atomic: the worker waits with no deadline */
    guint n_sessions;           /* atomic, for the CLI */

    int tfd;                    /* timerfd: the media tick, armed while `ticking` */
    RtpSession *ticking;        /* sessions with media or DTMF under way */

    /* Hot path buffers, used only by the worker thread. */
    struct mmsghdr rx[RTP_BATCH];
    struct iovec rx_iov[RTP_BATCH];
    struct sockaddr_storage rx_addr[RTP_BATCH];
    struct mmsghdr tx[RTP_BATCH];
    struct iovec tx_iov[RTP_BATCH];
    guint8 buf[RTP_BATCH][RTP_MAX_PACKET + RTP_SRTP_ROOM];   /* room for SRTP tags */
};

/* worker.c */
RtpWorker *rtp_worker_new(RtpEngine *e, guint index, GError **error);
/* Queues cmd (taking it) and wakes the worker (or marks the wake-up for
 * rtp_worker_flush_wake() when the engine defers them). */
void rtp_worker_push(RtpWorker *w, RtpCmd *cmd);
void rtp_worker_flush_wake(RtpWorker *w);
/* Stops the thread and frees the worker. */
void rtp_worker_free(RtpWorker *w);

/* media.c: decoded sessions (transcoding, DTMF in band) */
#define RTP_TICK_MS 20

/* Made on the main context for a format (codec instance, jitter buffer,
 * resamplers, in-band DTMF when fmt->dtmf says so); NULL with error when
 * the codec cannot be instantiated. */
RtpMedia *rtp_media_new(const RtpFormat *fmt, GError **error);
void rtp_media_free(RtpMedia *m);
/* Main context, while the media is alive: its jitter buffer counters
 * added to st. */
void rtp_media_add_stats(const RtpMedia *m, RtpStats *st);
/* Worker: s now sends with this media (a new stream: SSRC, numbers). */
void rtp_media_attach(RtpSession *s);
/* Worker: an audio packet of the session's codec arrived. */
void rtp_media_receive(RtpMedia *m, const RtpHeader *h, const guint8 *payload, gsize len,
                       gint64 now_us);
/* Worker, the two phases of a tick: s's audio pulled from its jitter
 * buffer (digits in band detected) and given to its port; then what s
 * sends: its port's audio, or its peer's. */
void rtp_media_take(RtpSession *s, gint64 now_us);
void rtp_media_give(RtpSession *s, gint64 now_us);
/* Worker: plays a digit as tones into what s sends; FALSE when s has
 * no in-band generator or its queue is full. */
gboolean rtp_media_send_dtmf(RtpSession *s, char digit, guint duration_ms);
/* Worker: the sessions that need the tick (media, DTMF under way) and
 * the tick timer. */
void rtp_media_update_tick(RtpWorker *w, RtpSession *s);
void rtp_media_tick_remove(RtpWorker *w, RtpSession *s);
void rtp_media_tick(RtpWorker *w);

/* session_dtmf.c: RFC 4733 events of a session, on its worker */
/* The format's DTMF settings (CMD_FORMAT): ends a digit in progress. */
void rtp_dtmf_set_format(RtpSession *s);
/* A telephone-event packet received on s (never relayed). */
void rtp_dtmf_receive(RtpSession *s, const RtpHeader *h, const guint8 *pkt, guint len,
                      gint64 now_us);
/* CMD_DTMF: a digit to send in s's format. */
void rtp_dtmf_send(RtpSession *s, char digit, guint duration_ms, gint64 now_us);
/* Timeouts of digits received, events due to be sent. */
void rtp_dtmf_tick(RtpSession *s, gint64 now_us);
/* TRUE while s has a digit coming in or going out: it needs the tick. */
gboolean rtp_dtmf_busy(const RtpSession *s);
/* TRUE while s sends an event: audio for it is held back. */
gboolean rtp_dtmf_sending(const RtpSession *s);
/* Reports a digit to the main context (EV_DTMF). */
void rtp_dtmf_report(RtpSession *s, char digit, guint duration_ms, RtpDtmfMode source);
/* media.c: sends pkt (room for the header, then payload_len bytes, then
 * RTP_SRTP_ROOM for the SRTP tag) as the next packet of s's outgoing
 * stream. */
void rtp_out_send(RtpSession *s, guint8 *pkt, gsize payload_len, gboolean marker, guint8 pt,
                  guint32 ts);
/* The RTP timestamp of s's outgoing stream at now_us. */
guint32 rtp_out_timestamp(const RtpSession *s, gint64 now_us);

/* The RTP clock of what s receives: its format's, 8 kHz before one. */
static inline guint
rtp_rx_clock(const RtpSession *s)
{
    return s->clock ? s->clock : RTP_CLOCK_RATE;
}

/* A packet relayed out of `out`: its sequence number shifted by what
 * was inserted or left out, and noted as the stream's latest. */
static inline void
rtp_out_relayed(RtpSession *out, guint8 *pkt, gint64 now_us)
{
    RtpOutStream *o = &out->out;
    guint16 seq = (guint16) (((pkt[2] << 8) | pkt[3]) + o->seq_delta);

    if (o->seq_delta) {
        pkt[2] = (guint8) (seq >> 8);
        pkt[3] = (guint8) seq;
    }
    o->known = TRUE;
    o->seq = seq;
    o->ts = ((guint32) pkt[4] << 24) | ((guint32) pkt[5] << 16) | ((guint32) pkt[6] << 8) | pkt[7];
    o->ssrc =
        ((guint32) pkt[8] << 24) | ((guint32) pkt[9] << 16) | ((guint32) pkt[10] << 8) | pkt[11];
    o->us = now_us;
}

/* session_srtp.c: CMD_SRTP on the worker (the old contexts go back). */
void rtp_session_srtp_apply(RtpWorker *w, RtpSession *s, RtpCmd *cmd);

/* session_dtls.c, worker: CMD_DTLS (the old associations and contexts
 * go back in cmd); a DTLS record received on component c (0 RTP, 1
 * RTCP) from the session's remote; the tick (retransmissions, timeout);
 * whether a handshake is under way (the session needs the tick). */
void rtp_session_dtls_apply(RtpWorker *w, RtpSession *s, RtpCmd *cmd);
void rtp_session_dtls_receive(RtpSession *s, guint c, const guint8 *pkt, gsize len,
                              gint64 now_us);
void rtp_session_dtls_tick(RtpSession *s, gint64 now_us);
gboolean rtp_session_dtls_busy(const RtpSession *s);
/* Main: what the worker gave back (any thread that owns cmd). */
void rtp_cmd_free_crypto(RtpCmd *cmd);

/* worker.c: where RTP and RTCP go after a change of remote or mux. */
void rtp_session_update_dest(RtpSession *s);

/* engine.c: sends cmd to the worker of s (or holds it while s moves). */
void rtp_session_command(RtpSession *s, RtpCmd *cmd);

/* engine.c, callable from workers */
void rtp_engine_post(RtpEngine *e, RtpCmd *ev);
/* TRUE when wake-ups of workers wait for the main loop's next iteration
 * (rtp_engine_defer_wakes). */
gboolean rtp_engine_wakes_deferred(const RtpEngine *e);
/* Writes the wake-ups deferred so far. */
void rtp_engine_flush_wakes(RtpEngine *e);

void rtp_session_unref(RtpSession *s);
void rtp_cmd_free(RtpCmd *cmd);

/* Relaxed atomic counters, single writer. */
#define RTP_PUB_SET(s, field, v) __atomic_store_n(&(s)->pub.field, (v), __ATOMIC_RELAXED)
#define RTP_PUB_GET(s, field) __atomic_load_n(&(s)->pub.field, __ATOMIC_RELAXED)
#define RTP_PUB_ADD(s, field, n) RTP_PUB_SET(s, field, RTP_PUB_GET(s, field) + (n))

G_END_DECLS
