/* res_rtp - the engine: workers, port allocation and the main-context
 * side of sessions.
 *
 * A session's media state belongs to one worker; the main context only
 * queues commands to it.  Relaying needs both sessions on one worker, so
 * session_relay() moves b to a's worker: b's worker detaches it and
 * reports EV_DETACHED, and only then does the main context attach it to
 * the new worker and send the commands it held back meanwhile.  Each
 * session's commands therefore reach exactly one worker at a time, in
 * the order they were given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <glib-unix.h>

#include "rtp_private.h"

struct _RtpEngine {
    RtpConf conf;
    RtpWorker **workers;
    guint n_workers;
    guint next_worker;
    guint next_port;
    guint next_id;
    GHashTable *sessions;       /* id -> RtpSession, holds a reference */
    GAsyncQueue *events;
    int evfd;
    gint events_pending;        /* atomic: evfd written, events not yet drained */
    guint source_id;
    GSource *wakes;             /* flushes deferred wake-ups (defer_wakes) */
    guint synced;               /* EV_SYNCED seen */
    guint arrivals;             /* EV_DETACHED seen */
    gboolean stopping;
};

static void
conf_copy(RtpConf *dst, const RtpConf *src)
{
    g_free(dst->bind);
    g_free(dst->bind6);
    *dst = *src;
    dst->bind = g_strdup(src->bind);
    dst->bind6 = g_strdup(src->bind6);
}

/* ---------------------------------------------------------- sessions */

static void
session_destroy(RtpSession *s)
{
    for (int i = 0; i < 2; i++)
        if (s->fd[i] >= 0)
            close(s->fd[i]);
    g_queue_clear_full(&s->pending, (GDestroyNotify) rtp_cmd_free);
    /* the engine stopped with the session live: what its worker held */
    rtp_media_free(s->media);
    rtp_srtp_free(s->srtp);
    if (s->wport && s->wport->released)
        s->wport->released(s->wport_data);
    g_free(s->sdp_remote_str);
    g_free(s->latched_str);
    g_free(s);
}

static RtpSession *
session_ref(RtpSession *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

void
rtp_session_unref(RtpSession *s)
{
    if (s && g_atomic_int_dec_and_test(&s->refs))
        session_destroy(s);
}

/* Main context, or a worker for commands that carry no media (the
 * worker takes a CMD_FORMAT's media before freeing it). */
void
rtp_cmd_free(RtpCmd *cmd)
{
    if (!cmd)
        return;
    if (cmd->type == CMD_LINK)
        rtp_session_unref(cmd->other);
    if (cmd->type == CMD_PORT && cmd->port && cmd->port->released)
        cmd->port->released(cmd->port_data);   /* never served (main context) */
    rtp_media_free(cmd->media);
    rtp_srtp_free(cmd->srtp);
    g_free(cmd);
}

static RtpCmd *
cmd_new(RtpCmdType type, RtpSession *s)
{
    RtpCmd *cmd = g_new0(RtpCmd, 1);

    cmd->type = type;
    cmd->session = s;
    return cmd;
}

/* Sends cmd to the worker s is on, or holds it while s moves. */
static void
submit(RtpSession *s, RtpCmd *cmd)
{
    if (s->in_transit) {
        g_queue_push_tail(&s->pending, cmd);
        return;
    }
    if (cmd->type == CMD_DETACH)
        s->in_transit = TRUE;
    rtp_worker_push(s->worker, cmd);
}

void
rtp_session_command(RtpSession *s, RtpCmd *cmd)
{
    submit(s, cmd);
}

static void
move_session(RtpSession *s, RtpWorker *to)
{
    RtpCmd *cmd = cmd_new(CMD_DETACH, s);

    cmd->target = to;
    s->home = to;
    submit(s, cmd);
}

/* EV_DETACHED: s left its old worker; attach it to the new one and let
 * the held commands follow (up to the next DETACH among them). */
static void
session_arrived(RtpEngine *e, RtpSession *s, RtpWorker *to)
{
    s->in_transit = FALSE;
    s->worker = to;
    e->arrivals++;
    if (e->stopping)
        return;
    rtp_worker_push(to, cmd_new(CMD_ATTACH, s));
    while (!s->in_transit && !g_queue_is_empty(&s->pending))
        submit(s, g_queue_pop_head(&s->pending));
}

static char *
addr_to_string(const RtpAddr *a)
{
    char host[INET6_ADDRSTRLEN] = "";

    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const void *) &a->ss;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        return g_strdup_printf("%s:%u", host, ntohs(sin->sin_port));
    }
    const struct sockaddr_in6 *sin6 = (const void *) &a->ss;
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
    return g_strdup_printf("[%s]:%u", host, ntohs(sin6->sin6_port));
}

/* "rtp/latched": admins see where NAT put a phone's media. */
static void
publish_latched(const RtpSession *s)
{
    PbxEvent *pe = pbx_event_new("rtp/latched");

    pbx_event_setf(pe, "session", "%u", s->id);
    pbx_event_set(pe, "remote", s->latched_str);
    if (s->sdp_remote_str)
        pbx_event_set(pe, "sdp", s->sdp_remote_str);
    pbx_event_publish(pe);
}

/* Media the worker let go of (EV_RELEASE, EV_FREED): its jitter
 * buffer's counters stay in the session's; freed here. */
static void
release_media(RtpSession *s, RtpMedia *m)
{
    rtp_media_add_stats(m, &s->jb_base);
    if (s->media_main == m)
        s->media_main = NULL;
    rtp_media_free(m);
}

static void
handle_event(RtpEngine *e, RtpCmd *ev)
{
    RtpSession *s = ev->session;

    if (ev->media)
        release_media(s, g_steal_pointer(&ev->media));  /* before EV_FREED drops s */
    rtp_srtp_free(g_steal_pointer(&ev->srtp));
    switch (ev->type) {
    case EV_DETACHED:
        session_arrived(e, s, ev->target);
        break;
    case EV_FREED:
        g_hash_table_remove(e->sessions, GUINT_TO_POINTER(s->id));
        break;
    case EV_RELEASE:
    case EV_SRTP_RELEASED:
        break;          /* the media or SRTP contexts went above */
    case EV_DTMF:
        if (!s->freed && s->events && s->events->dtmf)
            s->events->dtmf(s, ev->digit, ev->duration_ms, ev->source, s->events_data);
        break;
    case EV_PORT_RELEASED:
        if (ev->port->released)
            ev->port->released(ev->port_data);
        break;
    case EV_LATCHED:
        if (ev->gen != s->remote_gen)
            break;   /* learned before a newer SDP address: stale */
        g_free(s->latched_str);
        s->latched_str = addr_to_string(&ev->addr);
        publish_latched(s);
        break;
    case EV_SYNCED:
        e->synced++;
        break;
    default:
        g_assert_not_reached();
    }
    g_free(ev);
}

void
rtp_engine_dispatch(RtpEngine *e)
{
    guint64 v;
    RtpCmd *ev;

    if (read(e->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        g_warning("res_rtp: eventfd read: %s", g_strerror(errno));
    /* cleared before popping: an event posted from here on either is
     * popped below or writes the eventfd again */
    g_atomic_int_set(&e->events_pending, 0);
    while ((ev = g_async_queue_try_pop(e->events)))
        handle_event(e, ev);
}

static gboolean
events_ready(gint fd, GIOCondition cond, gpointer data)
{
    rtp_engine_dispatch(data);
    return G_SOURCE_CONTINUE;
}

void
rtp_engine_post(RtpEngine *e, RtpCmd *ev)
{
    guint64 one = 1;

    g_async_queue_push(e->events, ev);
    if (!g_atomic_int_compare_and_exchange(&e->events_pending, 0, 1))
        return;     /* the main context has a wake-up coming */
    if (write(e->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("res_rtp: eventfd write: %s", g_strerror(errno));
}

gboolean
rtp_engine_wakes_deferred(const RtpEngine *e)
{
    return e->wakes != NULL && !e->stopping;
}

void
rtp_engine_flush_wakes(RtpEngine *e)
{
    for (guint i = 0; i < e->n_workers; i++)
        rtp_worker_flush_wake(e->workers[i]);
}

typedef struct {
    GSource base;
    RtpEngine *engine;
} WakeSource;

/* Runs as the main loop prepares to poll: after every dispatch of the
 * iteration, so each worker is woken once for all their commands. */
static gboolean
wakes_prepare(GSource *source, gint *timeout)
{
    rtp_engine_flush_wakes(((WakeSource *) source)->engine);
    *timeout = -1;
    return FALSE;
}

static gboolean
wakes_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs wakes_funcs = {
    .prepare = wakes_prepare,
    .dispatch = wakes_dispatch,
};

void
rtp_engine_defer_wakes(RtpEngine *e)
{
    if (e->wakes)
        return;
    e->wakes = g_source_new(&wakes_funcs, sizeof(WakeSource));
    ((WakeSource *) e->wakes)->engine = e;
    g_source_set_name(e->wakes, "rtp-wakes");
    g_source_attach(e->wakes, NULL);
}

static gboolean
any_in_transit(RtpEngine *e)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, e->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (((RtpSession *) v)->in_transit)
            return TRUE;
    return FALSE;
}

/* One round trip through every worker, dispatching events meanwhile;
 * repeated while sessions move, since an arrival queues new commands. */
void
rtp_engine_sync(RtpEngine *e)
{
    guint arrivals;

    do {
        guint target = e->synced + e->n_workers;

        arrivals = e->arrivals;

        for (guint i = 0; i < e->n_workers; i++)
            rtp_worker_push(e->workers[i], cmd_new(CMD_SYNC, NULL));
        while (e->synced < target) {
            rtp_engine_flush_wakes(e);      /* events may queue commands */
            RtpCmd *ev = g_async_queue_timeout_pop(e->events, G_USEC_PER_SEC);

            if (ev)
                handle_event(e, ev);
        }
    } while (any_in_transit(e) || arrivals != e->arrivals);
}

/* ---------------------------------------------------------- ports */

static gboolean
fill_addr(int family, const char *host, guint port, RtpAddr *a)
{
    memset(a, 0, sizeof(*a));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (void *) &a->ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((guint16) port);
        a->len = sizeof(*sin);
        return inet_pton(AF_INET, host, &sin->sin_addr) == 1;
    }
    struct sockaddr_in6 *sin6 = (void *) &a->ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((guint16) port);
    a->len = sizeof(*sin6);
    return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1;
}

/* Media is marked (DSCP EF by default) so that office switches can
 * prioritise it; failing to mark is not an error. */
static int
open_socket(int family, const char *host, guint port, guint tos, int *err)
{
    RtpAddr a;
    int one = 1, tclass = (int) tos;
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
    } else {
        setsockopt(fd, IPPROTO_IP, IP_TOS, &tclass, sizeof(tclass));
    }
    fill_addr(family, host, port, &a);
    if (bind(fd, (struct sockaddr *) &a.ss, a.len) < 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

/* Binds an RTP/RTCP pair on the next free even port of the range,
 * starting after the last one handed out (so a port just released is not
 * reused at once).  Returns the RTP port, 0 with *err set otherwise. */
static guint
bind_pair(RtpEngine *e, int family, int fd[2], int *err)
{
    const char *host = family == AF_INET ? e->conf.bind : e->conf.bind6;
    guint first = e->conf.port_start + (e->conf.port_start & 1);
    guint n_pairs = (e->conf.port_end - first + 1) / 2;

    *err = EADDRINUSE;
    for (guint i = 0; i < n_pairs; i++) {
        guint port;

        if (e->next_port < first || e->next_port + 1 > e->conf.port_end)
            e->next_port = first;
        port = e->next_port;
        e->next_port += 2;
        fd[0] = open_socket(family, host, port, e->conf.tos, err);
        if (fd[0] < 0) {
            if (*err != EADDRINUSE && *err != EACCES)
                return 0;
            continue;
        }
        fd[1] = open_socket(family, host, port + 1, e->conf.tos, err);
        if (fd[1] >= 0)
            return port;
        close(fd[0]);
        if (*err != EADDRINUSE && *err != EACCES)
            return 0;
    }
    *err = EADDRINUSE;
    return 0;
}

static void
set_bind_error(const RtpEngine *e, int family, int err, GError **error)
{
    if (err == EADDRINUSE || err == EACCES)
        g_set_error(error, RTP_ERROR, RTP_ERROR_PORTS_EXHAUSTED,
                    "no free RTP port pair in %u-%u (rtp.conf port_start/port_end)",
                    e->conf.port_start, e->conf.port_end);
    else if (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAMILY, "cannot bind RTP to %s: %s",
                    family == AF_INET ? e->conf.bind : e->conf.bind6, g_strerror(err));
    else
        g_set_error(error, RTP_ERROR, RTP_ERROR_SOCKET, "RTP socket: %s", g_strerror(err));
}

RtpSession *
rtp_session_new(RtpEngine *e, int family, GError **error)
{
    RtpSession *s;
    int fd[2], err;
    guint port;

    g_return_val_if_fail(e != NULL, NULL);
    if (family != AF_INET && family != AF_INET6) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAMILY, "address family %d is not IPv4 or IPv6",
                    family);
        return NULL;
    }
    port = bind_pair(e, family, fd, &err);
    if (port == 0) {
        set_bind_error(e, family, err, error);
        return NULL;
    }
    s = g_new0(RtpSession, 1);
    s->engine = e;
    s->id = ++e->next_id;
    s->family = family;
    s->fd[0] = fd[0];
    s->fd[1] = fd[1];
    s->port = (guint16) port;
    g_strlcpy(s->local_str, family == AF_INET ? e->conf.bind : e->conf.bind6,
              sizeof(s->local_str));
    s->ep[0] = (RtpEndpoint) { s, FALSE };
    s->ep[1] = (RtpEndpoint) { s, TRUE };
    s->refs = 1;
    s->pub.rtt_us = -1;
    g_queue_init(&s->pending);
    s->worker = s->home = e->workers[e->next_worker++ % e->n_workers];
    g_hash_table_insert(e->sessions, GUINT_TO_POINTER(s->id), s);
    submit(s, cmd_new(CMD_ATTACH, s));
    return s;
}

void
rtp_session_free(RtpSession *s)
{
    if (!s || s->freed)
        return;
    rtp_session_unrelay(s);
    s->freed = TRUE;
    submit(s, cmd_new(CMD_FREE, s));
}

const char *
rtp_session_get_local(const RtpSession *s, guint16 *rtp_port)
{
    if (rtp_port)
        *rtp_port = s->port;
    return s->local_str;
}

static gboolean
addr_is_any(const RtpAddr *a)
{
    if (a->ss.ss_family == AF_INET)
        return ((const struct sockaddr_in *) &a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *) &a->ss)->sin6_addr);
}

gboolean
rtp_session_set_remote(RtpSession *s, const char *addr, guint16 port, GError **error)
{
    RtpCmd *cmd;
    RtpAddr a;

    g_return_val_if_fail(s != NULL && !s->freed && addr != NULL, FALSE);
    if (!fill_addr(s->family, addr, port, &a)) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_ADDRESS, "'%s' is not an %s address", addr,
                    s->family == AF_INET ? "IPv4" : "IPv6");
        return FALSE;
    }
    cmd = cmd_new(CMD_SET_REMOTE, s);
    g_free(s->sdp_remote_str);
    s->sdp_remote_str = NULL;
    if (port != 0 && !addr_is_any(&a)) {
        cmd->addr = a;
        s->sdp_remote_str = addr_to_string(&a);
    }
    cmd->gen = ++s->remote_gen;
    submit(s, cmd);
    g_clear_pointer(&s->latched_str, g_free);
    return TRUE;
}

/* ---------------------------------------------------------- formats */

static gboolean
inband(const RtpSession *s)
{
    return s->fmt.codec && s->fmt.dtmf == RTP_DTMF_INBAND;
}

/* Two legs relay when they speak the same codec, or when either is
 * unknown (no SDP given to us: relayed as before).  Otherwise, or when
 * either hears and sends its digits in band, both are decoded and the
 * worker transcodes. */
static RtpBridgeMode
bridge_mode(const RtpSession *a, const RtpSession *b)
{
    if (!b)
        return RTP_BRIDGE_NONE;
    if (!a->fmt.codec || !b->fmt.codec)
        return RTP_BRIDGE_RELAY;
    if (a->fmt.codec == b->fmt.codec && !inband(a) && !inband(b))
        return RTP_BRIDGE_RELAY;
    return RTP_BRIDGE_TRANSCODE;
}

/* Tells s's worker its payload types, DTMF and, when it is decoded (its
 * bridge transcodes, or its digits are in band), new media state (the
 * worker hands the old back to be freed here). */
static gboolean
send_format(RtpSession *s, RtpBridgeMode mode, GError **error)
{
    RtpCmd *cmd = cmd_new(CMD_FORMAT, s);

    cmd->rx_pt = cmd->tx_pt = s->fmt.codec ? s->fmt.payload_type : 0;
    cmd->te_pt = s->fmt.te_payload_type;
    cmd->dtmf_mode = (guint8) s->fmt.dtmf;
    cmd->clock = s->fmt.codec ? s->fmt.codec->clock_rate : 8000;
    if (s->fmt.codec && (mode == RTP_BRIDGE_TRANSCODE || inband(s) || s->aport)) {
        cmd->media = rtp_media_new(&s->fmt, error);
        if (!cmd->media) {
            g_free(cmd);
            return FALSE;
        }
    }
    s->mode = mode;
    s->media_main = cmd->media;
    submit(s, cmd);
    return TRUE;
}

/* The bridge of s (if any) after a change of either format. */
static gboolean
update_bridge(RtpSession *s, GError **error)
{
    RtpSession *p = s->main_peer;
    RtpBridgeMode mode = bridge_mode(s, p);

    if (!send_format(s, mode, error))
        return FALSE;
    return !p || (mode == p->mode && mode != RTP_BRIDGE_TRANSCODE) || send_format(p, mode, error);
}

gboolean
rtp_session_set_format(RtpSession *s, const RtpFormat *fmt, GError **error)
{
    RtpSession *p;

    g_return_val_if_fail(s != NULL && !s->freed && fmt != NULL, FALSE);
    p = s->main_peer;
    s->fmt = *fmt;
    if (p && s->mode == RTP_BRIDGE_TRANSCODE && bridge_mode(s, p) == RTP_BRIDGE_TRANSCODE) {
        /* still transcoding: only s's side changes */
        return send_format(s, RTP_BRIDGE_TRANSCODE, error);
    }
    return update_bridge(s, error);
}

RtpBridgeMode
rtp_session_get_bridge_mode(const RtpSession *s)
{
    return s->main_peer ? s->mode : RTP_BRIDGE_NONE;
}

gboolean
rtp_session_send_dtmf(RtpSession *s, char digit, guint duration_ms, GError **error)
{
    RtpCmd *cmd;

    g_return_val_if_fail(s != NULL, FALSE);
    if (s->freed || !s->fmt.codec || s->fmt.dtmf == RTP_DTMF_NONE
        || (s->fmt.dtmf == RTP_DTMF_RFC4733 && !s->fmt.te_payload_type)) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED,
                    "session %u has no DTMF in its media", s->id);
        return FALSE;
    }
    if (rtp_dtmf_event_from_digit(digit) < 0) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "'%c' is not a DTMF digit", digit);
        return FALSE;
    }
    cmd = cmd_new(CMD_DTMF, s);
    cmd->digit = digit;
    cmd->duration_ms = duration_ms;
    submit(s, cmd);
    return TRUE;
}

static void
send_port(RtpSession *s)
{
    RtpCmd *cmd = cmd_new(CMD_PORT, s);

    cmd->port = s->aport;
    cmd->port_data = s->aport_data;
    submit(s, cmd);
}

gboolean
rtp_session_set_port(RtpSession *s, const PbxAudioPortFuncs *port, gpointer data,
                     GError **error)
{
    g_return_val_if_fail(s != NULL && !s->freed, FALSE);
    if (port && (s->main_peer || !s->fmt.codec)) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "session %u %s", s->id,
                    s->main_peer ? "is bridged" : "has no codec yet");
        return FALSE;
    }
    if (!port && !s->aport)
        return TRUE;
    s->aport = port;
    s->aport_data = data;
    if (port && !s->media_main && !send_format(s, s->mode, error)) {
        s->aport = NULL;
        return FALSE;
    }
    send_port(s);
    if (!port && s->media_main && s->mode != RTP_BRIDGE_TRANSCODE && !inband(s))
        send_format(s, s->mode, NULL);          /* back to plain relaying */
    return TRUE;
}

const RtpFormat *
rtp_session_get_format(const RtpSession *s)
{
    return &s->fmt;
}

void
rtp_session_set_events(RtpSession *s, const RtpSessionEvents *events, gpointer data)
{
    s->events = events;
    s->events_data = data;
}

static void
send_link(RtpSession *s, RtpSession *other)
{
    RtpCmd *cmd = cmd_new(CMD_LINK, s);

    cmd->other = session_ref(other);
    submit(s, cmd);
}

/* The media each side needs for the bridge about to start; a codec that
 * cannot be instantiated leaves that side relaying (logged). */
static void
relay_formats(RtpSession *a, RtpSession *b)
{
    RtpBridgeMode mode = bridge_mode(a, b);
    g_autoptr(GError) error = NULL;

    if (!send_format(a, mode, &error) || !send_format(b, mode, &error))
        g_warning("res_rtp: sessions %u and %u: %s", a->id, b->id, error->message);
}

void
rtp_session_relay(RtpSession *a, RtpSession *b)
{
    g_return_if_fail(a != NULL && b != NULL && a != b && !a->freed && !b->freed);
    if (a->main_peer == b)
        return;
    rtp_session_unrelay(a);
    rtp_session_unrelay(b);
    if (b->home != a->home)
        move_session(b, a->home);
    /* a bridge takes the media over from the sessions' ports */
    rtp_session_set_port(a, NULL, NULL, NULL);
    rtp_session_set_port(b, NULL, NULL, NULL);
    a->main_peer = b;
    b->main_peer = a;
    if (bridge_mode(a, b) == RTP_BRIDGE_TRANSCODE || a->mode != RTP_BRIDGE_RELAY
        || b->mode != RTP_BRIDGE_RELAY)
        relay_formats(a, b);
    send_link(a, b);
    send_link(b, a);
}

void
rtp_session_unrelay(RtpSession *s)
{
    RtpSession *p;

    g_return_if_fail(s != NULL);
    p = s->main_peer;
    if (!p)
        return;
    s->main_peer = p->main_peer = NULL;
    submit(s, cmd_new(CMD_UNLINK, s));
    submit(p, cmd_new(CMD_UNLINK, p));
    /* a transcoding side drops its media: an unbridged leg has nobody to
     * decode for */
    if (s->mode == RTP_BRIDGE_TRANSCODE && !s->freed)
        send_format(s, RTP_BRIDGE_NONE, NULL);
    if (p->mode == RTP_BRIDGE_TRANSCODE && !p->freed)
        send_format(p, RTP_BRIDGE_NONE, NULL);
}

void
rtp_session_get_stats(const RtpSession *s, RtpStats *st)
{
    *st = (RtpStats) {
        .rx_packets = RTP_PUB_GET(s, rx_packets),
        .rx_octets = RTP_PUB_GET(s, rx_octets),
        .tx_packets = RTP_PUB_GET(s, tx_packets),
        .tx_octets = RTP_PUB_GET(s, tx_octets),
        .relayed = RTP_PUB_GET(s, relayed),
        .dropped = RTP_PUB_GET(s, dropped),
        .ssrc = RTP_PUB_GET(s, ssrc),
        .ssrc_changes = RTP_PUB_GET(s, ssrc_changes),
        .expected = RTP_PUB_GET(s, expected),
        .lost = RTP_PUB_GET(s, lost),
        .jitter_us = RTP_PUB_GET(s, jitter_us),
        .rtcp_rx = RTP_PUB_GET(s, rtcp_rx),
        .rtcp_tx = RTP_PUB_GET(s, rtcp_tx),
        .sr_rx = RTP_PUB_GET(s, sr_rx),
        .rr_rx = RTP_PUB_GET(s, rr_rx),
        .remote_fraction_lost = RTP_PUB_GET(s, remote_fraction_lost),
        .remote_lost = RTP_PUB_GET(s, remote_lost),
        .remote_jitter_us = RTP_PUB_GET(s, remote_jitter_us),
        .rtt_us = RTP_PUB_GET(s, rtt_us),
        .latched = RTP_PUB_GET(s, latched) != 0,
        .jb_delay_ms = s->jb_base.jb_delay_ms,
        .jb_jitter_ms = s->jb_base.jb_jitter_ms,
        .jb_late = s->jb_base.jb_late,
        .jb_concealed = s->jb_base.jb_concealed,
        .jb_fec = s->jb_base.jb_fec,
        .dtmf_rx = RTP_PUB_GET(s, dtmf_rx),
        .dtmf_tx = RTP_PUB_GET(s, dtmf_tx),
        .srtp = s->srtp_on,
        .srtp_failed = RTP_PUB_GET(s, srtp_failed),
    };
    if (s->media_main) {
        st->decoded = TRUE;
        rtp_media_add_stats(s->media_main, st);
    }
}

guint64
rtp_session_get_relayed(const RtpSession *s)
{
    return RTP_PUB_GET(s, relayed);
}

guint
rtp_session_get_id(const RtpSession *s)
{
    return s->id;
}

guint
rtp_session_get_worker(const RtpSession *s)
{
    return s->home->index;
}

guint
rtp_session_get_peer_id(const RtpSession *s)
{
    return s->main_peer ? s->main_peer->id : 0;
}

const char *
rtp_session_get_remote(const RtpSession *s)
{
    return s->latched_str ? s->latched_str : s->sdp_remote_str;
}

/* ---------------------------------------------------------- engine */

static guint
worker_count(const RtpConf *conf)
{
    return conf->workers ? conf->workers : MAX(1, g_get_num_processors());
}

RtpEngine *
rtp_engine_new(const RtpConf *conf, GError **error)
{
    RtpEngine *e = g_new0(RtpEngine, 1);

    conf_copy(&e->conf, conf);
    e->sessions = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) rtp_session_unref);
    e->events = g_async_queue_new();
    e->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->evfd < 0) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_SOCKET, "eventfd: %s", g_strerror(errno));
        rtp_engine_free(e);
        return NULL;
    }
    e->source_id = g_unix_fd_add(e->evfd, G_IO_IN, events_ready, e);
    /* no fd removal and re-add around each dispatch (each would wake the
     * context): see chan_sip's transport_udp.c */
    g_source_set_can_recurse(g_main_context_find_source_by_id(NULL, e->source_id), TRUE);
    e->workers = g_new0(RtpWorker *, worker_count(conf));
    for (guint i = 0; i < worker_count(conf); i++) {
        e->workers[i] = rtp_worker_new(e, i, error);
        if (!e->workers[i]) {
            rtp_engine_free(e);
            return NULL;
        }
        e->n_workers++;
    }
    return e;
}

/* Stops the workers first, so nothing touches a session any more, then
 * applies what they reported and closes what is left. */
void
rtp_engine_free(RtpEngine *e)
{
    RtpCmd *ev;

    if (!e)
        return;
    if (e->workers)
        rtp_engine_flush_wakes(e);
    e->stopping = TRUE;
    if (e->wakes) {
        g_source_destroy(e->wakes);
        g_source_unref(e->wakes);
        e->wakes = NULL;
    }
    for (guint i = 0; i < e->n_workers; i++)
        rtp_worker_free(e->workers[i]);
    while ((ev = g_async_queue_try_pop(e->events)))
        handle_event(e, ev);
    g_hash_table_destroy(e->sessions);
    g_async_queue_unref(e->events);
    if (e->source_id)
        g_source_remove(e->source_id);
    if (e->evfd >= 0)
        close(e->evfd);
    g_free(e->workers);
    g_free(e->conf.bind);
    g_free(e->conf.bind6);
    g_free(e);
}

void
rtp_engine_set_conf(RtpEngine *e, const RtpConf *conf)
{
    guint workers = e->conf.workers;

    conf_copy(&e->conf, conf);
    e->conf.workers = workers;
}

const RtpConf *
rtp_engine_get_conf(const RtpEngine *e)
{
    return &e->conf;
}

guint
rtp_engine_get_n_workers(const RtpEngine *e)
{
    return e->n_workers;
}

static gint
by_id(gconstpointer a, gconstpointer b)
{
    guint x = (*(RtpSession *const *) a)->id, y = (*(RtpSession *const *) b)->id;

    return x < y ? -1 : x > y;
}

GPtrArray *
rtp_engine_list_sessions(RtpEngine *e)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, e->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (!((RtpSession *) v)->freed)
            g_ptr_array_add(out, v);
    g_ptr_array_sort(out, by_id);
    return out;
}
