/* res_rtp - a media worker: one thread, one epoll loop.
 *
 * The hot path (receive_rtp / receive_rtcp) reads a batch of datagrams
 * with recvmmsg into the worker's preallocated buffers, checks and
 * accounts each, and sends the accepted ones out of the peer session
 * with one sendmmsg.  It allocates nothing, takes no lock and formats no
 * log line; counters are relaxed atomic stores.  Commands from the main
 * context arrive on a queue with an eventfd wake-up and are applied after
 * the packet events of the same epoll round, so a session freed by a
 * command is never touched by a stale event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "rtp_private.h"

#define MAX_EVENTS 64

/* The epoll tag of a worker's media tick (the eventfd's is NULL). */
static RtpEndpoint tick_tag;

static gboolean
addr_equal(const RtpAddr *a, const struct sockaddr_storage *ss)
{
    if (a->ss.ss_family != ss->ss_family)
        return FALSE;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *) &a->ss, *y = (const void *) ss;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *) &a->ss, *y = (const void *) ss;
    return x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

static void
addr_set_port(RtpAddr *a, guint16 port)
{
    if (a->ss.ss_family == AF_INET)
        ((struct sockaddr_in *) &a->ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *) &a->ss)->sin6_port = htons(port);
}

static guint16
addr_get_port(const RtpAddr *a)
{
    if (a->ss.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *) &a->ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *) &a->ss)->sin6_port);
}

/* Recomputes where RTP and RTCP of s go: the latched source wins over
 * SDP; RTCP defaults to the RTP port + 1 until RTCP itself arrives. */
void
rtp_session_update_dest(RtpSession *s)
{
    s->rtp_dest = s->latched.len ? s->latched : s->sdp;
    if (s->rtcp_mux) {
        s->rtcp_dest = s->rtp_dest;
    } else if (s->rtcp_latched.len) {
        s->rtcp_dest = s->rtcp_latched;
    } else {
        s->rtcp_dest = s->rtp_dest;
        if (s->rtcp_dest.len)
            addr_set_port(&s->rtcp_dest, (guint16) (addr_get_port(&s->rtp_dest) + 1));
    }
}

static void
report_latched(RtpSession *s)
{
    RtpCmd *ev = g_new0(RtpCmd, 1);

    ev->type = EV_LATCHED;
    ev->session = s;
    ev->addr = s->latched;
    ev->gen = s->sdp_gen;
    rtp_engine_post(s->engine, ev);
}

/* Symmetric RTP: the first packet's source becomes the remote and then
 * sticks; packets from anywhere else are dropped. */
static gboolean
accept_source(RtpSession *s, const struct sockaddr_storage *from, socklen_t len)
{
    if (s->latched.len)
        return addr_equal(&s->latched, from);
    memcpy(&s->latched.ss, from, len);
    s->latched.len = len;
    RTP_PUB_SET(s, latched, 1);
    rtp_session_update_dest(s);
    report_latched(s);
    return TRUE;
}

static gboolean
accept_rtcp_source(RtpSession *s, const struct sockaddr_storage *from, socklen_t len)
{
    if (s->rtcp_latched.len)
        return addr_equal(&s->rtcp_latched, from);
    memcpy(&s->rtcp_latched.ss, from, len);
    s->rtcp_latched.len = len;
    rtp_session_update_dest(s);
    return TRUE;
}

static void
publish_rx(RtpSession *s)
{
    RTP_PUB_SET(s, ssrc, s->rx.ssrc);
    RTP_PUB_SET(s, ssrc_changes, s->rx.ssrc_changes);
    RTP_PUB_SET(s, expected, rtp_rx_expected(&s->rx));
    RTP_PUB_SET(s, lost, rtp_rx_lost(&s->rx));
    RTP_PUB_SET(s, jitter_us,
                (guint32) ((guint64) rtp_rx_jitter(&s->rx) * G_USEC_PER_SEC / rtp_rx_clock(s)));
}

static int
receive_batch(RtpWorker *w, int fd)
{
    for (guint i = 0; i < RTP_BATCH; i++)
        w->rx[i].msg_hdr.msg_namelen = sizeof(w->rx_addr[i]);
    return recvmmsg(fd, w->rx, RTP_BATCH, MSG_DONTWAIT, NULL);
}

static void
queue_send(RtpWorker *w, guint *ntx, guint i, RtpAddr *dest)
{
    w->tx_iov[*ntx].iov_base = w->buf[i];
    w->tx_iov[*ntx].iov_len = w->rx[i].msg_len;
    w->tx[*ntx].msg_hdr.msg_name = &dest->ss;
    w->tx[*ntx].msg_hdr.msg_namelen = dest->len;
    (*ntx)++;
}

/* Sends the queued packets out of `fd`; returns how many went. */
static guint
flush_send(RtpWorker *w, int fd, guint ntx, guint64 *octets)
{
    int sent;

    if (ntx == 0)
        return 0;
    sent = sendmmsg(fd, w->tx, ntx, MSG_DONTWAIT);
    if (sent <= 0)
        return 0;
    for (int i = 0; i < sent; i++)
        *octets += w->tx_iov[i].iov_len;
    return (guint) sent;
}

/* A relayed packet keeps everything but its payload type, which is the
 * one each leg negotiated for the codec (dynamic types differ between
 * the two offer/answers), and its sequence number when events were taken
 * out of or put into the stream (rtp_out_relayed). */
static inline void
rewrite_pt(const RtpSession *s, const RtpSession *out, guint8 *pkt, guint8 pt)
{
    if (pt == s->rx_pt && out->tx_pt && out->tx_pt != pt)
        pkt[1] = (guint8) ((pkt[1] & 0x80) | out->tx_pt);
}

/* What is not plain relaying: telephone-events (never relayed, see
 * session_dtmf.c) and the packets of a decoded leg.  TRUE when the
 * packet was taken here. */
static inline gboolean
take_packet(RtpSession *s, RtpSession *out, const RtpHeader *h, const guint8 *pkt, guint len,
            gint64 now_us)
{
    if (s->te_pt && h->payload_type == s->te_pt) {
        rtp_dtmf_receive(s, h, pkt, len, now_us);
        if (out && !out->media)
            out->out.seq_delta--;       /* the far end must not see a gap */
        return TRUE;
    }
    if (!s->media)
        return FALSE;
    if (h->payload_type == s->rx_pt)
        rtp_media_receive(s->media, h, pkt + h->header_len, len - h->header_len, now_us);
    return TRUE;
}

/* A relayed packet while `out` sends a telephone-event is held back, so
 * that the far end does not play audio and digit at once. */
static inline gboolean
held_back(RtpSession *out)
{
    if (!out->te_pt || !rtp_dtmf_sending(out))
        return FALSE;
    out->out.seq_delta--;
    return TRUE;
}

static inline RtpSrtp *
srtp_of(const RtpSession *s, gboolean rtcp)
{
    return rtcp && s->srtcp ? s->srtcp : s->srtp;
}

/* SRTP of a received packet: authenticated and decrypted in place
 * (*len shrinks by the tag); FALSE: drop it.  While keys are expected
 * (SDES not given yet, DTLS not over), nothing is accepted. */
static inline gboolean
srtp_in(RtpSession *s, guint8 *pkt, guint *len, gboolean rtcp)
{
    RtpSrtp *ctx = srtp_of(s, rtcp);

    if (!ctx)
        return !s->keys_pending;
    if (rtcp ? rtp_srtp_unprotect_rtcp(ctx, pkt, len) : rtp_srtp_unprotect(ctx, pkt, len))
        return TRUE;
    RTP_PUB_ADD(s, srtp_failed, 1);
    return FALSE;
}

/* Packet i of the batch, going out of `out`: protected in place when
 * out speaks SRTP (the buffer has RTP_SRTP_ROOM after it); FALSE (not
 * to be sent) while out expects keys it has not got yet. */
static inline gboolean
srtp_out(RtpWorker *w, RtpSession *out, guint i, gboolean rtcp)
{
    guint len = w->rx[i].msg_len;
    RtpSrtp *ctx = srtp_of(out, rtcp);

    if (!ctx)
        return !out->keys_pending;
    if (!(rtcp ? rtp_srtp_protect_rtcp(ctx, w->buf[i], &len)
               : rtp_srtp_protect(ctx, w->buf[i], &len)))
        return FALSE;
    w->rx[i].msg_len = len;
    return TRUE;
}

static gboolean demux(RtpWorker *w, RtpSession *s, guint i, gint64 now, guint64 *dropped);

static void
receive_rtp(RtpWorker *w, RtpSession *s)
{
    int n = receive_batch(w, s->fd[0]);
    RtpSession *out = s->peer;
    gint64 now_us;
    guint32 arrival;
    guint ntx = 0, sent;
    guint64 octets = 0, rx_octets = 0, accepted = 0, dropped = 0;

    if (n <= 0)
        return;
    now_us = g_get_monotonic_time();
    arrival = (guint32) (now_us * rtp_rx_clock(s) / G_USEC_PER_SEC);
    for (int i = 0; i < n; i++) {
        RtpHeader h;
        guint len = w->rx[i].msg_len;

        if ((w->buf[i][0] < 128 || s->rtcp_mux) && demux(w, s, (guint) i, now_us, &dropped))
            continue;
        if ((w->rx[i].msg_hdr.msg_flags & MSG_TRUNC) || !srtp_in(s, w->buf[i], &len, FALSE) ||
            !rtp_header_parse(w->buf[i], len, &h) ||
            !accept_source(s, &w->rx_addr[i], w->rx[i].msg_hdr.msg_namelen)) {
            dropped++;
            continue;
        }
        w->rx[i].msg_len = len;
        rtp_rx_update(&s->rx, &h, arrival);
        accepted++;
        rx_octets += len;
        if (take_packet(s, out, &h, w->buf[i], len, now_us))
            continue;
        if (out && out->rtp_dest.len) {
            if (held_back(out))
                continue;
            rewrite_pt(s, out, w->buf[i], h.payload_type);
            rtp_out_relayed(out, w->buf[i], now_us);
            if (!srtp_out(w, out, (guint) i, FALSE)) {
                dropped++;
                continue;
            }
            queue_send(w, &ntx, (guint) i, &out->rtp_dest);
        } else {
            dropped++;
        }
    }
    RTP_PUB_ADD(s, rx_packets, accepted);
    RTP_PUB_ADD(s, rx_octets, rx_octets);
    publish_rx(s);
    if (!s->ticking && rtp_dtmf_busy(s))
        rtp_media_update_tick(w, s);        /* a digit began: its timeout */
    if (ntx > 0) {
        sent = flush_send(w, out->fd[0], ntx, &octets);
        RTP_PUB_ADD(s, relayed, sent);
        RTP_PUB_ADD(out, tx_packets, sent);
        RTP_PUB_ADD(out, tx_octets, octets);
        dropped += ntx - sent;
    }
    if (dropped)
        RTP_PUB_ADD(s, dropped, dropped);
}

/* Statistics from one RTCP compound received on s.  A report block's
 * LSR matches the SR we last sent out of s, which gives the round trip
 * between the PBX and that far end even though we only relay RTCP. */
static void
account_rtcp(RtpSession *s, const RtcpInfo *info, gint64 now)
{
    RTP_PUB_ADD(s, sr_rx, info->n_sr);
    RTP_PUB_ADD(s, rr_rx, info->n_rr);
    if (!info->has_block)
        return;
    RTP_PUB_SET(s, remote_fraction_lost, info->fraction_lost);
    RTP_PUB_SET(s, remote_lost, info->cumulative_lost);
    RTP_PUB_SET(s, remote_jitter_us,
                (guint32) ((guint64) info->jitter * G_USEC_PER_SEC / rtp_rx_clock(s)));
    if (info->lsr != 0 && info->lsr == s->last_sr_middle)
        RTP_PUB_SET(s, rtt_us, rtcp_rtt_us(s->last_sr_sent, now, info->dlsr));
}

/* An RTCP compound received on s (buffer i): DTLS of the RTCP port
 * taken aside, then checked (SRTCP, structure, source) and accounted.
 * FALSE: dropped (or taken by DTLS, *dtls set). */
static gboolean
rtcp_accept(RtpWorker *w, RtpSession *s, guint i, gint64 now, gboolean mux, RtcpInfo *info)
{
    guint len = w->rx[i].msg_len;
    struct sockaddr_storage *from = &w->rx_addr[i];
    socklen_t from_len = w->rx[i].msg_hdr.msg_namelen;

    if ((w->rx[i].msg_hdr.msg_flags & MSG_TRUNC) || !srtp_in(s, w->buf[i], &len, TRUE) ||
        !rtcp_parse(w->buf[i], len, info) ||
        !(mux ? accept_source(s, from, from_len) : accept_rtcp_source(s, from, from_len)))
        return FALSE;
    w->rx[i].msg_len = len;
    RTP_PUB_ADD(s, rtcp_rx, 1);
    account_rtcp(s, info, now);
    return TRUE;
}

/* The compound in buffer i, accepted on s, made ready to go out of
 * `out` (SRTCP when out speaks it); FALSE: not to be sent. */
static gboolean
rtcp_forward(RtpWorker *w, RtpSession *out, guint i, const RtcpInfo *info, gint64 now)
{
    if (!out || !out->rtcp_dest.len)
        return FALSE;   /* terminated: nobody to relay to */
    if (info->has_sr) {
        out->last_sr_middle = info->sr_ntp_middle;
        out->last_sr_sent = now;
    }
    return srtp_out(w, out, i, TRUE);
}

/* With rtcp-mux, an RTCP compound on the RTP socket (a few a second at
 * most): relayed at once with its own sendto. */
static gboolean
receive_muxed_rtcp(RtpWorker *w, RtpSession *s, guint i, gint64 now)
{
    RtcpInfo info;
    RtpSession *out = s->peer;

    if (!rtcp_accept(w, s, i, now, TRUE, &info))
        return FALSE;
    if (!rtcp_forward(w, out, i, &info, now))
        return out == NULL || !out->rtcp_dest.len;
    if (sendto(out->fd[out->rtcp_mux ? 0 : 1], w->buf[i], w->rx[i].msg_len, MSG_DONTWAIT,
               (const struct sockaddr *) &out->rtcp_dest.ss, out->rtcp_dest.len) > 0)
        RTP_PUB_ADD(out, rtcp_tx, 1);
    return TRUE;
}

/* A DTLS record (RFC 7983: first byte 20-63) on component c of s goes to
 * its association, from the session's remote only. */
static gboolean
receive_dtls(RtpWorker *w, RtpSession *s, guint c, guint i, gint64 now)
{
    struct sockaddr_storage *from = &w->rx_addr[i];
    socklen_t from_len = w->rx[i].msg_hdr.msg_namelen;

    if (!s->dtls[c] || (w->rx[i].msg_hdr.msg_flags & MSG_TRUNC))
        return FALSE;
    if (!(c ? accept_rtcp_source(s, from, from_len) : accept_source(s, from, from_len)))
        return FALSE;
    rtp_session_dtls_receive(s, c, w->buf[i], w->rx[i].msg_len, now);
    return TRUE;
}

/* What arrives on the RTP socket and is not RTP: DTLS records and, with
 * rtcp-mux, RTCP (RFC 5761: packet types 192-223).  TRUE when taken
 * here; *dropped counts what was refused. */
static gboolean
demux(RtpWorker *w, RtpSession *s, guint i, gint64 now, guint64 *dropped)
{
    const guint8 *pkt = w->buf[i];
    guint len = w->rx[i].msg_len;
    gboolean ok;

    if (rtp_dtls_is_record(pkt, len))
        ok = receive_dtls(w, s, 0, i, now);
    else if (s->rtcp_mux && len >= 8 && pkt[1] >= 192 && pkt[1] <= 223)
        ok = receive_muxed_rtcp(w, s, i, now);
    else
        return FALSE;
    if (!ok)
        (*dropped)++;
    return TRUE;
}

static void
receive_rtcp(RtpWorker *w, RtpSession *s)
{
    int n = receive_batch(w, s->fd[1]);
    RtpSession *out = s->peer;
    gint64 now;
    guint ntx = 0, sent;
    guint64 octets = 0, dropped = 0;

    if (n <= 0)
        return;
    now = g_get_monotonic_time();
    for (int i = 0; i < n; i++) {
        RtcpInfo info;

        if (rtp_dtls_is_record(w->buf[i], w->rx[i].msg_len)) {
            if (!receive_dtls(w, s, 1, (guint) i, now))
                dropped++;
            continue;
        }
        if (!rtcp_accept(w, s, (guint) i, now, FALSE, &info)) {
            dropped++;
            continue;
        }
        if (rtcp_forward(w, out, (guint) i, &info, now))
            queue_send(w, &ntx, (guint) i, &out->rtcp_dest);
        else if (out && out->rtcp_dest.len)
            dropped++;
    }
    if (ntx > 0) {
        sent = flush_send(w, out->fd[out->rtcp_mux ? 0 : 1], ntx, &octets);
        RTP_PUB_ADD(out, rtcp_tx, sent);
    }
    if (dropped)
        RTP_PUB_ADD(s, dropped, dropped);
}

static void
epoll_add(RtpWorker *w, RtpSession *s)
{
    for (int i = 0; i < 2; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->ep[i] };
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->fd[i], &ev) < 0)
            g_warning("res_rtp: epoll_ctl(ADD): %s", g_strerror(errno));
    }
    g_atomic_int_inc(&w->n_sessions);
}

static void
epoll_del(RtpWorker *w, RtpSession *s)
{
    for (int i = 0; i < 2; i++)
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, s->fd[i], NULL);
    g_atomic_int_add(&w->n_sessions, -1);
}

static void
unlink_peer(RtpWorker *w, RtpSession *s)
{
    RtpSession *p = s->peer;

    if (p) {
        p->peer = NULL;
        s->peer = NULL;
        rtp_media_update_tick(w, p);
    }
    rtp_media_update_tick(w, s);
    g_atomic_pointer_set(&s->want, NULL);
}

static void
release_media(RtpWorker *w, RtpSession *s, RtpMedia *m)
{
    RtpCmd *ev;

    if (!m)
        return;
    ev = g_new0(RtpCmd, 1);
    ev->type = EV_RELEASE;
    ev->session = s;
    ev->media = m;
    rtp_engine_post(w->engine, ev);
}

static void
set_format(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    RtpMedia *old = s->media;

    s->rx_pt = cmd->rx_pt;
    s->tx_pt = cmd->tx_pt;
    s->te_pt = cmd->te_pt;
    s->dtmf_mode = cmd->dtmf_mode;
    if (s->clock != cmd->clock)
        s->rx.have_transit = FALSE;     /* jitter on the new clock from the next packet */
    s->clock = cmd->clock;
    rtp_dtmf_set_format(s);
    s->media = cmd->media;
    cmd->media = NULL;
    if (s->media)
        rtp_media_attach(s);
    rtp_media_update_tick(w, s);
    release_media(w, s, old);
}

/* The port s served goes back to the main context to be released. */
static void
release_port(RtpWorker *w, RtpSession *s)
{
    RtpCmd *ev;

    if (!s->wport)
        return;
    ev = g_new0(RtpCmd, 1);
    ev->type = EV_PORT_RELEASED;
    ev->session = s;
    ev->port = s->wport;
    ev->port_data = s->wport_data;
    s->wport = NULL;
    s->wport_data = NULL;
    rtp_engine_post(w->engine, ev);
}

static void
set_port(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    release_port(w, s);
    s->wport = cmd->port;
    s->wport_data = cmd->port_data;
    cmd->port = NULL;               /* taken */
}

static void
send_dtmf(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    rtp_dtmf_send(s, cmd->digit, cmd->duration_ms, g_get_monotonic_time());
    rtp_media_update_tick(w, s);
}

/* Both halves of a relay must arrive (each through its own session's
 * command stream, so each after that session's ATTACH here) before the
 * sessions are linked. */
static void
link_sessions(RtpWorker *w, RtpSession *s, RtpSession *other)
{
    if (s->peer && s->peer != other)
        unlink_peer(w, s);
    g_atomic_pointer_set(&s->want, other);
    if (g_atomic_pointer_get(&other->want) != s)
        return;
    if (other->peer && other->peer != s)
        unlink_peer(w, other);
    s->peer = other;
    other->peer = s;
    rtp_media_update_tick(w, s);
    rtp_media_update_tick(w, other);
}

static void
set_remote(RtpSession *s, const RtpAddr *addr, guint gen)
{
    s->sdp = *addr;
    s->sdp_gen = gen;
    s->latched.len = 0;
    s->rtcp_latched.len = 0;
    RTP_PUB_SET(s, latched, 0);
    rtp_session_update_dest(s);
}

/* Applies one command; returns FALSE on CMD_STOP.  Commands that report
 * back are re-used as the event. */
static gboolean
apply_command(RtpWorker *w, RtpCmd *cmd)
{
    RtpSession *s = cmd->session;

    switch (cmd->type) {
    case CMD_ATTACH:
        epoll_add(w, s);
        rtp_media_update_tick(w, s);
        break;
    case CMD_DETACH:
        epoll_del(w, s);
        unlink_peer(w, s);
        rtp_media_tick_remove(w, s);
        cmd->type = EV_DETACHED;
        rtp_engine_post(w->engine, cmd);
        return TRUE;
    case CMD_SET_REMOTE:
        set_remote(s, &cmd->addr, cmd->gen);
        break;
    case CMD_LINK:
        link_sessions(w, s, cmd->other);
        break;
    case CMD_UNLINK:
        unlink_peer(w, s);
        break;
    case CMD_FORMAT:
        set_format(w, s, cmd);
        break;
    case CMD_DTMF:
        send_dtmf(w, s, cmd);
        break;
    case CMD_PORT:
        set_port(w, s, cmd);
        break;
    case CMD_SRTP:
        rtp_session_srtp_apply(w, s, cmd);
        return TRUE;
    case CMD_DTLS:
        rtp_session_dtls_apply(w, s, cmd);
        return TRUE;
    case CMD_EXPECT_KEYS:
        s->keys_pending = TRUE;
        break;
    case CMD_FREE:
        epoll_del(w, s);
        unlink_peer(w, s);
        release_port(w, s);
        rtp_media_tick_remove(w, s);
        cmd->media = s->media;
        s->media = NULL;
        cmd->srtp = g_steal_pointer(&s->srtp);
        cmd->srtcp = g_steal_pointer(&s->srtcp);
        cmd->dtls[0] = g_steal_pointer(&s->dtls[0]);
        cmd->dtls[1] = g_steal_pointer(&s->dtls[1]);
        cmd->type = EV_FREED;
        rtp_engine_post(w->engine, cmd);
        return TRUE;
    case CMD_STOP:
        rtp_cmd_free(cmd);
        return FALSE;
    case CMD_SYNC:
        cmd->type = EV_SYNCED;
        rtp_engine_post(w->engine, cmd);
        return TRUE;
    default:
        g_assert_not_reached();
    }
    rtp_cmd_free(cmd);
    return TRUE;
}

static gboolean
drain_commands(RtpWorker *w)
{
    RtpCmd *cmd;

    /* cleared before popping: a command pushed from here on either is
     * popped below or writes the eventfd (or sets lazy_pending) again */
    g_atomic_int_set(&w->wake_pending, 0);
    g_atomic_int_set(&w->lazy_pending, 0);
    w->lazy_seen = 0;
    while ((cmd = g_async_queue_try_pop(w->cmds)))
        if (!apply_command(w, cmd))
            return FALSE;
    return TRUE;
}

/* The eventfd fired: for an urgent command (wake_pending), or for a kick
 * from rtp_worker_push that only ends a wait without deadline, so that
 * lazy commands get theirs.  Read before wake_pending is looked at: an
 * urgent command pushed after the read writes the eventfd again.
 * Returns TRUE when the commands are to be applied now. */
static gboolean
woken(RtpWorker *w)
{
    guint64 v;

    if (read(w->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        g_warning("res_rtp: eventfd read: %s", g_strerror(errno));
    return g_atomic_int_get(&w->wake_pending);
}

/* Commands that need not act at once (see rtp_worker_push) are applied
 * within LAZY_MS to 2 * LAZY_MS, also while packets keep the worker busy. */
#define LAZY_MS 20

/* The epoll timeout: LAZY_MS while lazy commands wait, else none.  Before
 * waiting without a deadline the worker says so in `sleeping` and looks
 * at lazy_pending again; rtp_worker_push sets lazy_pending and then looks
 * at `sleeping` (all sequentially consistent), so either this sees the
 * command or the pusher sees the worker asleep and kicks it.  Without
 * that, a worker with no packets slept on with the last call's frees
 * queued, and its sockets stayed open until the next call. */
static int
wait_timeout(RtpWorker *w)
{
    if (g_atomic_int_get(&w->lazy_pending))
        return LAZY_MS;
    g_atomic_int_set(&w->sleeping, 1);
    if (!g_atomic_int_get(&w->lazy_pending))
        return -1;
    g_atomic_int_set(&w->sleeping, 0);
    return LAZY_MS;
}

static gboolean
lazy_due(RtpWorker *w)
{
    gint64 now = g_get_monotonic_time();

    if (!w->lazy_seen)
        w->lazy_seen = now;
    return now - w->lazy_seen >= LAZY_MS * 1000;
}

static gpointer
worker_main(gpointer data)
{
    RtpWorker *w = data;
    struct epoll_event evs[MAX_EVENTS];

    for (;;) {
        gboolean commands = FALSE;
        int timeout = wait_timeout(w);
        int n = epoll_wait(w->epfd, evs, MAX_EVENTS, timeout);

        if (timeout < 0)
            g_atomic_int_set(&w->sleeping, 0);
        if (n < 0 && errno != EINTR) {
            g_warning("res_rtp: epoll_wait: %s", g_strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            RtpEndpoint *ep = evs[i].data.ptr;

            if (!ep)
                commands = woken(w);
            else if (ep == &tick_tag)
                rtp_media_tick(w);
            else if (ep->rtcp)
                receive_rtcp(w, ep->session);
            else
                receive_rtp(w, ep->session);
        }
        if (!commands && g_atomic_int_get(&w->lazy_pending))
            commands = lazy_due(w);
        if (commands && !drain_commands(w))
            break;
    }
    return NULL;
}

static void
init_buffers(RtpWorker *w)
{
    for (guint i = 0; i < RTP_BATCH; i++) {
        w->rx_iov[i] = (struct iovec) { w->buf[i], RTP_MAX_PACKET };
        w->rx[i].msg_hdr.msg_iov = &w->rx_iov[i];
        w->rx[i].msg_hdr.msg_iovlen = 1;
        w->rx[i].msg_hdr.msg_name = &w->rx_addr[i];
        w->tx[i].msg_hdr.msg_iov = &w->tx_iov[i];
        w->tx[i].msg_hdr.msg_iovlen = 1;
    }
}

static void
close_fds(RtpWorker *w)
{
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->evfd >= 0)
        close(w->evfd);
    if (w->tfd >= 0)
        close(w->tfd);
}

RtpWorker *
rtp_worker_new(RtpEngine *e, guint index, GError **error)
{
    RtpWorker *w = g_new0(RtpWorker, 1);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    struct epoll_event tick = { .events = EPOLLIN, .data.ptr = &tick_tag };
    g_autofree char *name = g_strdup_printf("rtp-worker-%u", index);

    w->engine = e;
    w->index = index;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->epfd < 0 || w->evfd < 0 || w->tfd < 0
        || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0
        || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &tick) < 0) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_SOCKET, "media worker %u: %s", index,
                    g_strerror(errno));
        close_fds(w);
        g_free(w);
        return NULL;
    }
    init_buffers(w);
    w->cmds = g_async_queue_new();
    w->thread = g_thread_new(name, worker_main, w);
    return w;
}

/* A new session's socket can wait in the kernel, and a session going
 * away can keep its sockets a few ms longer: those commands do not wake
 * the worker (they go with the next wake-up or within LAZY_MS to
 * 2 * LAZY_MS; a worker asleep without deadline is kicked once so that
 * it starts counting).  What changes where packets go, and what someone
 * waits for, wakes it. */
static gboolean
command_is_urgent(RtpCmdType type)
{
    switch (type) {
    case CMD_ATTACH:
    case CMD_UNLINK:
    case CMD_FREE:
        return FALSE;
    default:
        return TRUE;
    }
}

static void
wake(RtpWorker *w)
{
    guint64 one = 1;

    if (write(w->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("res_rtp: eventfd write: %s", g_strerror(errno));
}

/* Writes the eventfd now, or at the main loop's next iteration when the
 * engine defers wake-ups. */
static void
signal_worker(RtpWorker *w)
{
    if (rtp_engine_wakes_deferred(w->engine))
        w->wake_deferred = TRUE;
    else
        wake(w);
}

/* Lazy commands: only the first since the worker last applied its queue
 * can find it asleep without deadline (wait_timeout); then it is kicked,
 * without wake_pending, so that it arms its LAZY_MS deadline instead of
 * applying the queue at once.  Busy or already counting, it is left
 * alone: at most one kick per LAZY_MS window. */
static void
push_lazy(RtpWorker *w)
{
    if (g_atomic_int_compare_and_exchange(&w->lazy_pending, 0, 1) &&
        g_atomic_int_get(&w->sleeping))
        signal_worker(w);
}

/* The eventfd is written only when the worker has no wake-up pending, and
 * with deferred wakes not before the main loop's next iteration: the
 * commands of one SIP message (new session, remote, relay) cost one write
 * and one wake-up of the worker, not one each. */
void
rtp_worker_push(RtpWorker *w, RtpCmd *cmd)
{
    g_async_queue_push(w->cmds, cmd);
    if (!command_is_urgent(cmd->type)) {
        push_lazy(w);
        return;
    }
    if (g_atomic_int_compare_and_exchange(&w->wake_pending, 0, 1))
        signal_worker(w);
}

void
rtp_worker_flush_wake(RtpWorker *w)
{
    if (!w->wake_deferred)
        return;
    w->wake_deferred = FALSE;
    wake(w);
}

void
rtp_worker_free(RtpWorker *w)
{
    RtpCmd *cmd;

    if (!w)
        return;
    cmd = g_new0(RtpCmd, 1);
    cmd->type = CMD_STOP;
    rtp_worker_push(w, cmd);
    rtp_worker_flush_wake(w);
    g_thread_join(w->thread);
    while ((cmd = g_async_queue_try_pop(w->cmds)))
        rtp_cmd_free(cmd);
    g_async_queue_unref(w->cmds);
    close_fds(w);
    g_free(w);
}
