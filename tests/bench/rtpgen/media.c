/* rtpgen - the media streams and the threads that pace and receive them.
 *
 * Pacing: one timerfd per media thread ticks every millisecond from the
 * generator's epoch.  A stream belongs to one of 20 buckets and sends on
 * the ticks of its bucket (tick % 20), so each thread's sends are spread
 * evenly over the 20 ms instead of leaving in one burst.  A thread that
 * falls behind sends the missed ticks' packets at once and counts how
 * late it was (max_lag_ms, late_sends); more than MAX_BEHIND_TICKS behind,
 * the generator is overloaded and skips ahead (skipped_ticks: those
 * packets are never sent, and are not counted as lost).
 *
 * Each packet's SSRC is ssrc_base + the sending stream's id, which is how
 * the receiving socket finds the stream to account it to; the RTP
 * timestamp is ts_off + the codec's clock / 1000 * the scheduled tick.
 * The payload is the next packet of the stream's codec's loop (codec.c).
 *
 * What the relay adds is measured apart from the generator's own delays
 * on a busy machine: in a relayed run (PCMU both ways) the first 8 bytes
 * of the payload carry the moment the packet was actually sent, and its
 * arrival is the kernel's receive timestamp (SO_TIMESTAMPNS), not the
 * moment the media thread got to it.  How late the sends themselves were
 * is counted separately.
 *
 * A PBX that transcodes sends packets of its own (its SSRC, sequence and
 * timestamps): those are accounted to the socket they arrive on
 * (Stream.term), timed by their RTP timestamps (rxstats.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "rtpgen.h"

#define BUCKETS RTPGEN_TICKS_PER_PACKET
#define TICK_TAG UINT32_MAX
#define RX_BATCH 16
#define MAX_EVENTS 256
#define LATE_SEND_MS 10
#define MAX_BEHIND_TICKS 100

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define BUMP(p, n) \
    __atomic_store_n((p), __atomic_load_n((p), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)

/* Receive buffers of one thread. */
typedef struct {
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];
    uint8_t buf[RX_BATCH][2048];
    char control[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
    uint8_t pkt[RTPGEN_PACKET_MAX];
} MediaBuffers;

static bool
thread_init(Gen *g, MediaThread *t, unsigned index, GError **error)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TICK_TAG };

    t->g = g;
    t->index = index;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->epfd < 0 || t->tfd < 0 || epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->tfd, &ev) < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "media thread %u: %s", index, g_strerror(errno));
        return false;
    }
    t->next_tick = 1;
    return true;
}

bool
media_init(Gen *g, GError **error)
{
    g->max_streams = 2 * g->opt.calls + 16;
    g->streams = g_new0(Stream, g->max_streams);
    g->ssrc_base = g_random_int();
    g->stop_tick = g->end_tick = INT64_MAX;
    g->win_from_ms = g->win_until_ms = INT64_MAX / 1000000;
    g->media = g_new0(MediaThread, g->opt.threads);
    for (unsigned i = 0; i < g->opt.threads; i++)
        if (!thread_init(g, &g->media[i], i, error))
            return false;
    return true;
}

static int
open_socket(const Gen *g, unsigned *port, GError **error)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    inet_pton(AF_INET, g->local_ip, &sin.sin_addr);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 ||
        getsockname(fd, (struct sockaddr *) &sin, &len) < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "RTP socket: %s",
                    g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

/* A new stream with its socket, watched by its thread; returns its id. */
int
media_open_stream(Gen *g, const Codec *codec, unsigned pt, GError **error)
{
    unsigned id = g->n_streams;
    Stream *s = &g->streams[id];
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = id };

    if (id >= g->max_streams) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "more than %u streams",
                    g->max_streams);
        return -1;
    }
    s->fd = open_socket(g, &s->port, error);
    if (s->fd < 0)
        return -1;
    s->ssrc = g->ssrc_base + id;
    s->loop = g->loops[codec->id];
    s->pt = (uint8_t) pt;
    s->send_time = g->relay_timing;
    s->ts_off = g_random_int();
    s->seq = (uint16_t) g_random_int();
    if (epoll_ctl(g->media[id % g->opt.threads].epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "epoll: %s",
                    g_strerror(errno));
        close(s->fd);
        return -1;
    }
    STORE(&g->n_streams, id + 1);
    return (int) id;
}

/* The stream sends to dest (its socket connected there, which also makes
 * it accept packets from dest only) from media_delay_ms on. */
void
media_arm(Gen *g, int id, const struct sockaddr_in *dest)
{
    Stream *s = &g->streams[id];

    if (connect(s->fd, (const struct sockaddr *) dest, sizeof(*dest)) < 0) {
        g_printerr("rtpgen: stream %d: connect: %s\n", id, g_strerror(errno));
        return;
    }
    s->start_tick = gen_now_ms(g) + g->opt.media_delay_ms;
    STORE(&s->state, STREAM_ARMED);
}

void
media_stop_stream(Gen *g, int id)
{
    if (id >= 0 && (unsigned) id < LOAD(&g->n_streams))
        STORE(&g->streams[id].state, STREAM_STOPPED);
}

/* ---------------------------------------------------------- sending */

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static bool
send_packet(MediaBuffers *mb, Stream *s, int64_t tick, bool first)
{
    const PayloadLoop *l = s->loop;
    unsigned k = (unsigned) (s->sent % RTPGEN_LOOP_PACKETS);
    ssize_t len = 12 + l->len[k];
    uint8_t *p = mb->pkt;
    int64_t sent_ns;

    p[0] = 0x80;
    p[1] = (uint8_t) ((first ? 0x80 : 0x00) | s->pt);  /* marker on the first */
    p[2] = (uint8_t) (s->seq >> 8);
    p[3] = (uint8_t) s->seq;
    put32(p + 4, s->ts_off + (uint32_t) ((int64_t) codec_ts_per_ms(l->codec) * tick));
    put32(p + 8, s->ssrc);
    memcpy(p + 12, l->data[k], l->len[k]);
    if (s->send_time) {
        sent_ns = gen_now_ns();
        memcpy(p + 12, &sent_ns, sizeof(sent_ns));
    }
    if (send(s->fd, p, (size_t) len, MSG_DONTWAIT) != len)
        return false;
    s->seq++;
    s->sent++;
    return true;
}

/* Whether s sends on this tick (an armed stream starts running on its
 * first tick at or after start_tick). */
static bool
sends_now(Stream *s, int64_t tick, bool *first)
{
    int state = LOAD(&s->state);

    *first = false;
    if (state == STREAM_RUNNING)
        return true;
    if (state != STREAM_ARMED || tick < s->start_tick)
        return false;
    *first = __atomic_compare_exchange_n(&s->state, &state, STREAM_RUNNING, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return *first;
}

/* The packets of one tick: the streams of this thread in its bucket. */
static void
send_tick(MediaThread *t, MediaBuffers *mb, int64_t tick, double lag_ms)
{
    Gen *g = t->g;
    unsigned n = LOAD(&g->n_streams), step = BUCKETS * g->opt.threads;
    uint64_t sent = 0, errors = 0;
    bool first;

    if (tick >= LOAD(&g->stop_tick))
        return;
    for (unsigned id = t->index + g->opt.threads * (unsigned) (tick % BUCKETS); id < n;
         id += step) {
        Stream *s = &g->streams[id];

        if (!sends_now(s, tick, &first))
            continue;
        if (send_packet(mb, s, tick, first))
            sent++;
        else
            errors++;
    }
    BUMP(&t->tx_packets, sent);
    t->send_errors += errors;
    if (lag_ms > LATE_SEND_MS)
        t->late_sends += sent;
    if (sent && lag_ms > t->max_lag_ms)
        t->max_lag_ms = lag_ms;
}

/* The timer fired: every tick up to now, missed ones included. */
static void
on_ticks(MediaThread *t, MediaBuffers *mb)
{
    uint64_t expirations;
    double now_ms = (double) (gen_now_ns() - t->g->epoch_ns) / 1e6;

    if (read(t->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        g_printerr("rtpgen: timerfd: %s\n", g_strerror(errno));
    if ((int64_t) now_ms - t->next_tick > MAX_BEHIND_TICKS) {
        t->skipped_ticks += (uint64_t) ((int64_t) now_ms - MAX_BEHIND_TICKS - t->next_tick);
        t->next_tick = (int64_t) now_ms - MAX_BEHIND_TICKS;
    }
    while (t->next_tick <= (int64_t) now_ms) {
        send_tick(t, mb, t->next_tick, now_ms - (double) t->next_tick);
        t->next_tick++;
    }
}

/* ---------------------------------------------------------- receiving */

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* When the kernel queued message i on the socket (monotonic ns). */
static int64_t
arrival_ns(const Gen *g, MediaBuffers *mb, int i, int64_t fallback)
{
    struct msghdr *h = &mb->msgs[i].msg_hdr;

    for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;

            memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
            return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec - g->realtime_offset_ns;
        }
    }
    return fallback;
}

/* A relayed packet of ours: to the stream that sent it. */
static void
account_relayed(MediaThread *t, int fd, const uint8_t *p, Stream *src, int64_t arrival)
{
    int64_t sent_ns;

    if (src->fd == fd || (src->rx.started && src->rx.fd != fd)) {
        t->foreign++;           /* echoed to its sender, or to another call */
        return;
    }
    memcpy(&sent_ns, p + 12, sizeof(sent_ns));
    /* in 1/8 ms */
    rx_update(&src->rx, fd, (uint16_t) (p[2] << 8 | p[3]), (double) (arrival - sent_ns) * 8e-6,
              t->g->opt.late_ms);
}

/* A packet the PBX encoded: to the stream whose socket it arrived on. */
static void
account_terminated(MediaThread *t, Stream *dst, const uint8_t *p, int64_t arrival)
{
    Gen *g = t->g;
    int64_t at = arrival - g->epoch_ns;

    if ((p[1] & 0x7f) != dst->pt ||
        !rx_update_term(&dst->term, get32(p + 8), (uint16_t) (p[2] << 8 | p[3]), get32(p + 4),
                        codec_ts_per_ms(dst->loop->codec), at, g->opt.late_ms)) {
        t->foreign++;           /* another payload type, or a second SSRC */
        return;
    }
    if (at >= LOAD(&g->win_from_ms) * 1000000 && at < LOAD(&g->win_until_ms) * 1000000)
        rx_window_count(&dst->term);
}

static void
account_packet(MediaThread *t, uint32_t dst_id, const uint8_t *p, unsigned len, int64_t arrival)
{
    Gen *g = t->g;
    Stream *dst = &g->streams[dst_id];
    uint32_t id;

    if (len < 12 || (p[0] & 0xc0) != 0x80) {
        t->foreign++;
        return;
    }
    id = get32(p + 8) - g->ssrc_base;
    if (id < LOAD(&g->n_streams)) {
        Stream *src = &g->streams[id];

        if (src->send_time && len >= 12 + RTPGEN_TIME_BYTES) {
            account_relayed(t, dst->fd, p, src, arrival);
            return;
        }
        t->relayed++;           /* relayed although the callee's codec is not PCMU */
    }
    account_terminated(t, dst, p, arrival);
}

static void
receive(MediaThread *t, MediaBuffers *mb, uint32_t id)
{
    int fd = t->g->streams[id].fd, n;
    int64_t now;

    for (int i = 0; i < RX_BATCH; i++)
        mb->msgs[i].msg_hdr.msg_controllen = sizeof(mb->control[i]);
    n = recvmmsg(fd, mb->msgs, RX_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return;
    now = gen_now_ns();
    for (int i = 0; i < n; i++)
        account_packet(t, id, mb->buf[i], mb->msgs[i].msg_len, arrival_ns(t->g, mb, i, now));
    BUMP(&t->rx_packets, (uint64_t) n);
}

static void
buffers_init(MediaBuffers *mb)
{
    for (int i = 0; i < RX_BATCH; i++) {
        mb->iov[i] = (struct iovec) { mb->buf[i], sizeof(mb->buf[i]) };
        mb->msgs[i].msg_hdr = (struct msghdr) { .msg_iov = &mb->iov[i], .msg_iovlen = 1,
                                                .msg_control = mb->control[i] };
    }
}

static void *
media_main(void *data)
{
    MediaThread *t = data;
    MediaBuffers *mb = g_new0(MediaBuffers, 1);
    struct epoll_event evs[MAX_EVENTS];

    buffers_init(mb);
    while (t->next_tick <= LOAD(&t->g->end_tick)) {
        int n = epoll_wait(t->epfd, evs, MAX_EVENTS, 100);

        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 == TICK_TAG)
                on_ticks(t, mb);
            else
                receive(t, mb, evs[i].data.u32);
        }
        if (n < 0 && errno != EINTR)
            break;
    }
    g_free(mb);
    return NULL;
}

bool
media_start_threads(Gen *g, GError **error)
{
    for (unsigned i = 0; i < g->opt.threads; i++) {
        MediaThread *t = &g->media[i];
        struct itimerspec its = {
            .it_interval = { 0, 1000000 },
            .it_value = { (g->epoch_ns + 1000000) / 1000000000,
                          (g->epoch_ns + 1000000) % 1000000000 },
        };
        int rc = timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? errno : 0;

        if (rc == 0)
            rc = pthread_create(&t->thread, NULL, media_main, t);
        if (rc != 0) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "media thread %u: %s", i,
                        g_strerror(rc));
            return false;
        }
        t->started = true;
    }
    return true;
}

void
media_stop_at(Gen *g, int64_t stop_tick, int64_t end_tick)
{
    STORE(&g->stop_tick, stop_tick);
    STORE(&g->end_tick, end_tick);
}

void
media_set_window(Gen *g, int64_t from_ms, int64_t until_ms)
{
    STORE(&g->win_until_ms, until_ms);
    STORE(&g->win_from_ms, from_ms);
}

void
media_join(Gen *g)
{
    if (g->media_joined)
        return;
    for (unsigned i = 0; i < g->opt.threads; i++)
        if (g->media[i].started)
            pthread_join(g->media[i].thread, NULL);
    g->media_joined = true;
}

void
media_counters(const Gen *g, uint64_t *rx, uint64_t *tx)
{
    *rx = *tx = 0;
    for (unsigned i = 0; i < g->opt.threads; i++) {
        *rx += __atomic_load_n(&g->media[i].rx_packets, __ATOMIC_RELAXED);
        *tx += __atomic_load_n(&g->media[i].tx_packets, __ATOMIC_RELAXED);
    }
}
