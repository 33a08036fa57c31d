/* res_rtp - structures shared by engine.c (main context) and worker.c
 * (media threads).  Each field says which thread owns it. */
#pragma once

#include <sys/socket.h>
#include "rtp_engine.h"
#include "rtp_stats.h"

G_BEGIN_DECLS

#define RTP_BATCH 32            /* packets per recvmmsg/sendmmsg */
#define RTP_MAX_PACKET 2048     /* larger datagrams are truncated and dropped */
#define RTP_CLOCK_RATE 8000     /* for jitter; every static audio payload */

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
} RtpCounters;

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
    RtpMedia *media;            /* decoded and encoded here (transcoding), or NULL */
    RtpSession *tick_next;      /* in the worker's list of sessions with media */
    RtpSession *tick_prev;

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
    EV_DETACHED,                /* main: attach to `target` */
    EV_FREED,                   /* main: drop the engine's reference */
    EV_LATCHED,                 /* main: show `addr` in the CLI */
    EV_SYNCED,
    EV_RELEASE,                 /* main: free `media`, the worker let go of it */
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
    RtpMedia *media;            /* CMD_FORMAT (given), EV_RELEASE / EV_FREED (returned) */
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
    RtpSession *ticking;        /* sessions with media on this worker */

    /* Hot path buffers, used only by the worker thread. */
    struct mmsghdr rx[RTP_BATCH];
    struct iovec rx_iov[RTP_BATCH];
    struct sockaddr_storage rx_addr[RTP_BATCH];
    struct mmsghdr tx[RTP_BATCH];
    struct iovec tx_iov[RTP_BATCH];
    guint8 buf[RTP_BATCH][RTP_MAX_PACKET];
};

/* worker.c */
RtpWorker *rtp_worker_new(RtpEngine *e, guint index, GError **error);
/* Queues cmd (taking it) and wakes the worker (or marks the wake-up for
 * rtp_worker_flush_wake() when the engine defers them). */
void rtp_worker_push(RtpWorker *w, RtpCmd *cmd);
void rtp_worker_flush_wake(RtpWorker *w);
/* Stops the thread and frees the worker. */
void rtp_worker_free(RtpWorker *w);

/* media.c: decoding and encoding of transcoded sessions */
#define RTP_TICK_MS 20

/* Made on the main context for a format (instances, resamplers,
 * buffers); NULL with error when the codec cannot be instantiated. */
RtpMedia *rtp_media_new(const RtpFormat *fmt, GError **error);
void rtp_media_free(RtpMedia *m);
/* Worker: an audio packet of the session's codec arrived. */
void rtp_media_receive(RtpMedia *m, const RtpHeader *h, const guint8 *payload, gsize len);
/* Worker: one tick of audio from s, sent out of its peer. */
void rtp_media_forward(RtpWorker *w, RtpSession *s);
/* Worker: the session's list membership and the tick timer. */
void rtp_media_tick_add(RtpWorker *w, RtpSession *s);
void rtp_media_tick_remove(RtpWorker *w, RtpSession *s);
void rtp_media_tick(RtpWorker *w);

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
