/* Carillon - RTP load generator/sink and relay micro-benchmark.
 *
 * Streams mode: N concurrent G.711 streams (172-byte packets: 160 bytes of
 * payload, one every 20 ms = 50 pps each) for T seconds, and on the return
 * path per-stream received packets, loss and interarrival jitter
 * (RFC 3550 A.8), summed up at the end.
 *
 *   bench-rtpflood [-n STREAMS] [-t SECONDS]           in-process relay:
 *       a res_rtp engine (-w workers) relays stream i from session A_i to
 *       B_i, whose remote is stream i's receive socket
 *   bench-rtpflood -n STREAMS -t SECONDS --target HOST:PORT[:STEP]
 *       sends stream i to HOST:PORT+i*STEP (STEP defaults to 2) and
 *       measures what comes back to the same socket (an echo, or a PBX
 *       relaying two flood instances to each other)
 *
 * Relay mode (--relay): packets per second through one worker: -n pairs
 * relayed, a sender thread blasting sendmmsg batches as fast as it can,
 * a receiver draining the far side; prints relayed packets/s and packets
 * per worker CPU-second (from /proc, steadier on a shared machine).
 *
 * SRTP (--srtp): the same relay with SRTP legs, each run in turn in one
 * process: plain RTP, then per suite (AES_CM_128_HMAC_SHA1_80,
 * AEAD_AES_128_GCM) RTP -> SRTP (the worker encrypts), SRTP -> RTP (it
 * authenticates and decrypts) and SRTP -> SRTP (both, two keys); the
 * sender protects each packet itself (libsrtp rejects replays).  Prints
 * worker ns per packet and the ratio to the plain relay of the same run.
 *
 * A measurement, not a test: no assertion on time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "../../modules/res_rtp/rtp_engine.h"
#include "../../modules/res_rtp/rtp_stats.h"
#include "../../modules/res_rtp/srtp.h"

#define PACKET 172
#define BATCH 32

typedef struct {
    int tx_fd;                  /* sends, and (target mode) receives */
    int rx_fd;                  /* receives the return path */
    struct sockaddr_in dest;
    guint16 seq;
    guint32 ts;                 /* own counter: it must not wrap with seq */
    guint32 ssrc;
    guint64 sent;
    RtpRxState rx;
    guint64 rx_bytes;
    RtpSrtp *srtp;              /* --srtp with SRTP in: the sender protects */
} Stream;

/* Which legs of a relay pair speak SRTP. */
typedef struct {
    const char *name;
    gboolean in, out;           /* A (what the sender sends), B (what the sink gets) */
    RtpSrtpSuite suite;
} SrtpMode;

static gint stop_flag;

static int
udp_bind(guint16 port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int size = 4 << 20;

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0) {
        perror("bench-rtpflood: socket");
        exit(1);
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return fd;
}

static guint16
fd_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);

    getsockname(fd, (struct sockaddr *) &sin, &len);
    return ntohs(sin.sin_port);
}

static void
fill_rtp(guint8 *buf, Stream *s)
{
    guint32 ts = s->ts;

    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = s->seq >> 8;
    buf[3] = s->seq & 0xff;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (ts >> (24 - 8 * i)) & 0xff;
        buf[8 + i] = (s->ssrc >> (24 - 8 * i)) & 0xff;
    }
    memset(buf + 12, 0xd5, PACKET - 12);
    s->seq++;
    s->ts += 160;
}

/* ---------------------------------------------------------- streams */

static gpointer
sender_main(gpointer data)
{
    GPtrArray *streams = data;
    gint64 next = g_get_monotonic_time();
    guint8 buf[PACKET];

    while (!g_atomic_int_get(&stop_flag)) {
        for (guint i = 0; i < streams->len; i++) {
            Stream *s = streams->pdata[i];

            fill_rtp(buf, s);
            if (sendto(s->tx_fd, buf, PACKET, 0, (struct sockaddr *) &s->dest,
                       sizeof(s->dest)) == PACKET)
                s->sent++;
        }
        next += 20000;
        if (next > g_get_monotonic_time())
            g_usleep((gulong) (next - g_get_monotonic_time()));
    }
    return NULL;
}

static void
drain(Stream *s, int fd)
{
    guint8 buf[2048];
    gssize n;

    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
        RtpHeader h;
        guint32 arrival = (guint32) (g_get_monotonic_time() * 8000 / G_USEC_PER_SEC);

        if (!rtp_header_parse(buf, (gsize) n, &h))
            continue;
        rtp_rx_update(&s->rx, &h, arrival);
        s->rx_bytes += (guint64) n;
    }
}

static void
receive_loop(GPtrArray *streams, gboolean target_mode, gint64 until)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[64];

    for (guint i = 0; i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
        epoll_ctl(ep, EPOLL_CTL_ADD, target_mode ? s->tx_fd : s->rx_fd, &ev);
    }
    while (g_get_monotonic_time() < until) {
        int n = epoll_wait(ep, evs, 64, 50);

        for (int i = 0; i < n; i++) {
            Stream *s = evs[i].data.ptr;
            drain(s, target_mode ? s->tx_fd : s->rx_fd);
        }
    }
    close(ep);
}

static void
report_streams(GPtrArray *streams, double seconds)
{
    guint64 sent = 0, received = 0, expected = 0;
    gint64 lost = 0;
    double jitter_sum = 0, jitter_max = 0;

    for (guint i = 0; i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        double j = rtp_rx_jitter(&s->rx) / 8.0;   /* ms at 8 kHz */

        sent += s->sent;
        received += s->rx.received;
        /* Packets never received at the tail count as lost too. */
        expected += s->sent;
        jitter_sum += j;
        jitter_max = MAX(jitter_max, j);
    }
    lost = (gint64) expected - (gint64) received;
    printf("streams:   %u x 50 pps, %.1f s\n", streams->len, seconds);
    printf("sent:      %" G_GUINT64_FORMAT " packets (%.0f pps)\n", sent, sent / seconds);
    printf("received:  %" G_GUINT64_FORMAT " packets (%.0f pps)\n", received, received / seconds);
    printf("lost:      %" G_GINT64_FORMAT " (%.3f %%)\n", lost,
           expected ? 100.0 * (double) lost / (double) expected : 0.0);
    printf("jitter:    mean %.3f ms, max %.3f ms\n",
           streams->len ? jitter_sum / streams->len : 0.0, jitter_max);
}

static gboolean
parse_target(const char *spec, struct sockaddr_in *base, guint *step)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", 3);

    if (!parts[0] || !parts[1])
        return FALSE;
    memset(base, 0, sizeof(*base));
    base->sin_family = AF_INET;
    base->sin_port = htons((guint16) atoi(parts[1]));
    *step = parts[2] ? (guint) atoi(parts[2]) : 2;
    return inet_pton(AF_INET, parts[0], &base->sin_addr) == 1;
}

/* With no target, a res_rtp engine in this process relays A_i -> B_i. */
static RtpEngine *
local_engine(GPtrArray *streams, guint workers, GPtrArray *sessions)
{
    g_autoptr(GError) error = NULL;
    RtpConf conf = { .port_start = 40000, .port_end = 60000, .workers = workers,
                     .bind = (char *) "127.0.0.1", .bind6 = (char *) "::1" };
    RtpEngine *e = rtp_engine_new(&conf, &error);

    for (guint i = 0; e && i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        RtpSession *a = rtp_session_new(e, AF_INET, &error);
        RtpSession *b = a ? rtp_session_new(e, AF_INET, &error) : NULL;
        guint16 port;

        if (!b) {
            fprintf(stderr, "bench-rtpflood: %s\n", error->message);
            exit(1);
        }
        rtp_session_get_local(a, &port);
        s->dest.sin_port = htons(port);
        rtp_session_set_remote(b, "127.0.0.1", fd_port(s->rx_fd), NULL);
        rtp_session_relay(a, b);
        g_ptr_array_add(sessions, a);
        g_ptr_array_add(sessions, b);
    }
    if (!e) {
        fprintf(stderr, "bench-rtpflood: %s\n", error->message);
        exit(1);
    }
    rtp_engine_sync(e);
    return e;
}

static int
run_streams(guint n, double seconds, const char *target, guint workers)
{
    g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) sessions = g_ptr_array_new();
    struct sockaddr_in base = { .sin_family = AF_INET };
    guint step = 2;
    RtpEngine *e = NULL;
    GThread *sender;

    if (target && !parse_target(target, &base, &step)) {
        fprintf(stderr, "bench-rtpflood: --target HOST:PORT[:STEP]\n");
        return 2;
    }
    base.sin_addr.s_addr = target ? base.sin_addr.s_addr : htonl(INADDR_LOOPBACK);
    for (guint i = 0; i < n; i++) {
        Stream *s = g_new0(Stream, 1);

        s->tx_fd = udp_bind(0);
        s->rx_fd = target ? -1 : udp_bind(0);
        s->ssrc = g_random_int();
        s->seq = (guint16) g_random_int();
        s->dest = base;
        s->dest.sin_port = htons((guint16) (ntohs(base.sin_port) + i * step));
        g_ptr_array_add(streams, s);
    }
    if (!target)
        e = local_engine(streams, workers, sessions);
    sender = g_thread_new("rtpflood-send", sender_main, streams);
    receive_loop(streams, target != NULL, g_get_monotonic_time() + (gint64) (seconds * 1e6));
    g_atomic_int_set(&stop_flag, 1);
    g_thread_join(sender);
    receive_loop(streams, target != NULL, g_get_monotonic_time() + 200000);   /* stragglers */
    report_streams(streams, seconds);
    for (guint i = 0; i < sessions->len; i++)
        rtp_session_free(sessions->pdata[i]);
    rtp_engine_free(e);
    for (guint i = 0; i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        close(s->tx_fd);
        if (s->rx_fd >= 0)
            close(s->rx_fd);
    }
    return 0;
}

/* ---------------------------------------------------------- relay */

typedef struct {
    GPtrArray *streams;
    guint64 sent;
} Blaster;

/* Sends batches of BATCH packets to each pair's A session in turn. */
static gpointer
blast_main(gpointer data)
{
    Blaster *b = data;
    static guint8 bufs[BATCH][PACKET + RTP_SRTP_ROOM];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];

    memset(msgs, 0, sizeof(msgs));
    while (!g_atomic_int_get(&stop_flag)) {
        for (guint i = 0; i < b->streams->len; i++) {
            Stream *s = b->streams->pdata[i];
            int sent;

            for (int k = 0; k < BATCH; k++) {
                guint len = PACKET;

                fill_rtp(bufs[k], s);
                if (s->srtp)
                    rtp_srtp_protect(s->srtp, bufs[k], &len);
                iov[k] = (struct iovec) { bufs[k], len };
                msgs[k].msg_hdr.msg_iov = &iov[k];
                msgs[k].msg_hdr.msg_iovlen = 1;
                msgs[k].msg_hdr.msg_name = &s->dest;
                msgs[k].msg_hdr.msg_namelen = sizeof(s->dest);
            }
            sent = sendmmsg(s->tx_fd, msgs, BATCH, 0);
            if (sent > 0)
                b->sent += (guint64) sent;
        }
    }
    return NULL;
}

/* CPU time (user + system, seconds) of the media worker threads, read
 * from /proc: packets per worker CPU-second is steadier than wall-clock
 * packets per second on a shared machine. */
static double
worker_cpu_seconds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
    const char *tid;
    double total = 0;

    while (dir && (tid = g_dir_read_name(dir))) {
        g_autofree char *comm_path = g_strdup_printf("/proc/self/task/%s/comm", tid);
        g_autofree char *stat_path = g_strdup_printf("/proc/self/task/%s/stat", tid);
        g_autofree char *comm = NULL, *stat = NULL;
        g_auto(GStrv) fields = NULL;
        const char *after;

        if (!g_file_get_contents(comm_path, &comm, NULL, NULL) ||
            !g_str_has_prefix(comm, "rtp-worker") ||
            !g_file_get_contents(stat_path, &stat, NULL, NULL) || !(after = strrchr(stat, ')')))
            continue;
        fields = g_strsplit(after + 2, " ", 0);
        if (g_strv_length(fields) > 12)   /* utime, stime: fields 14, 15 of stat */
            total += (g_ascii_strtod(fields[11], NULL) + g_ascii_strtod(fields[12], NULL)) /
                     (double) sysconf(_SC_CLK_TCK);
    }
    return total;
}

static guint64
total_relayed(GPtrArray *sessions)
{
    guint64 n = 0;

    for (guint i = 0; i < sessions->len; i += 2)
        n += rtp_session_get_relayed(sessions->pdata[i]);
    return n;
}

/* Receiver side: drain the far sockets with recvmmsg so that the kernel
 * does not drop on a full buffer (it would not slow the relay anyway);
 * blocks in epoll rather than spinning, the CPU belongs to the worker. */
static void
sink_loop(GPtrArray *streams, gint64 until)
{
    static guint8 bufs[BATCH][PACKET];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct epoll_event evs[64];
    int ep = epoll_create1(EPOLL_CLOEXEC);

    memset(msgs, 0, sizeof(msgs));
    for (int k = 0; k < BATCH; k++) {
        iov[k] = (struct iovec) { bufs[k], PACKET };
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }
    for (guint i = 0; i < streams->len; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = streams->pdata[i] };
        epoll_ctl(ep, EPOLL_CTL_ADD, ((Stream *) streams->pdata[i])->rx_fd, &ev);
    }
    while (g_get_monotonic_time() < until) {
        int n = epoll_wait(ep, evs, 64, 50);

        for (int i = 0; i < n; i++) {
            Stream *s = evs[i].data.ptr;
            int got = recvmmsg(s->rx_fd, msgs, BATCH, MSG_DONTWAIT, NULL);
            if (got > 0)
                s->rx_bytes += (guint64) got;   /* packets, here */
        }
    }
    close(ep);
}

static void
key_for(RtpSrtpKey *k, RtpSrtpSuite suite, guint8 seed)
{
    static const guint lens[] = { 30, 30, 28, 44 };

    k->suite = suite;
    k->key_len = lens[suite];
    for (guint i = 0; i < k->key_len; i++)
        k->key[i] = (guint8) (seed + 7 * i);
}

/* Keys the pairs' sessions (A: what the sender protects with; B: its
 * own) and the senders as the mode says. */
static void
key_pairs(GPtrArray *streams, GPtrArray *sessions, const SrtpMode *m)
{
    RtpSrtpKey ka, kb, unused;

    key_for(&ka, m->suite, 1);
    key_for(&kb, m->suite, 2);
    key_for(&unused, m->suite, 3);
    for (guint i = 0; i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        if (m->in) {
            rtp_session_set_srtp(sessions->pdata[2 * i], &unused, &ka, NULL);
            s->srtp = rtp_srtp_new(&ka, &unused, NULL);
        }
        if (m->out)
            rtp_session_set_srtp(sessions->pdata[2 * i + 1], &kb, &unused, NULL);
    }
}

/* Worker ns per relayed packet (0: no reading). */
static double
run_relay(guint pairs, double seconds, const SrtpMode *mode)
{
    g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) sessions = g_ptr_array_new();
    Blaster blaster = { streams, 0 };
    guint64 relayed0, relayed1, received = 0;
    double cpu0, cpu1;
    gint64 t0, t1;
    RtpEngine *e;
    GThread *thread;

    for (guint i = 0; i < pairs; i++) {
        Stream *s = g_new0(Stream, 1);

        s->tx_fd = udp_bind(0);
        s->rx_fd = udp_bind(0);
        s->ssrc = g_random_int();
        s->dest.sin_family = AF_INET;
        s->dest.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        g_ptr_array_add(streams, s);
    }
    e = local_engine(streams, 1, sessions);
    if (mode)
        key_pairs(streams, sessions, mode);
    rtp_engine_sync(e);
    thread = g_thread_new("rtpflood-blast", blast_main, &blaster);
    sink_loop(streams, g_get_monotonic_time() + 300000);   /* warm up */
    relayed0 = total_relayed(sessions);
    cpu0 = worker_cpu_seconds();
    t0 = g_get_monotonic_time();
    sink_loop(streams, t0 + (gint64) (seconds * 1e6));
    relayed1 = total_relayed(sessions);
    cpu1 = worker_cpu_seconds();
    t1 = g_get_monotonic_time();
    g_atomic_int_set(&stop_flag, 1);
    g_thread_join(thread);
    for (guint i = 0; i < streams->len; i++)
        received += ((Stream *) streams->pdata[i])->rx_bytes;
    printf("relay:     1 worker, %u pairs, %d-byte packets, %.1f s%s%s\n", pairs, PACKET,
           (t1 - t0) / 1e6, mode ? ", " : "", mode ? mode->name : "");
    printf("offered:   %" G_GUINT64_FORMAT " packets in total\n", blaster.sent);
    printf("relayed:   %.0f packets/s through one worker (%.1f Mbit/s payload)\n",
           (double) (relayed1 - relayed0) * 1e6 / (double) (t1 - t0),
           (double) (relayed1 - relayed0) * PACKET * 8 / (double) (t1 - t0));
    if (cpu1 > cpu0)
        printf(
            "per CPU:   %.0f packets per worker CPU-second (%.0f ns/packet, worker busy %.0f %%)\n",
            (double) (relayed1 - relayed0) / (cpu1 - cpu0),
            (cpu1 - cpu0) * 1e9 / (double) MAX(relayed1 - relayed0, 1),
            100.0 * (cpu1 - cpu0) * 1e6 / (double) (t1 - t0));
    printf("sink got:  %" G_GUINT64_FORMAT " packets in total\n", received);
    for (guint i = 0; i < sessions->len; i++)
        rtp_session_free(sessions->pdata[i]);
    rtp_engine_free(e);
    for (guint i = 0; i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        close(s->tx_fd);
        close(s->rx_fd);
        rtp_srtp_free(s->srtp);
    }
    g_atomic_int_set(&stop_flag, 0);
    return cpu1 > cpu0 ? (cpu1 - cpu0) * 1e9 / (double) MAX(relayed1 - relayed0, 1) : 0;
}

/* Plain relay, then each SRTP mode, in one process: ratios per packet. */
static int
run_srtp(guint pairs, double seconds)
{
    static const SrtpMode modes[] = {
        { "plain RTP -> RTP", FALSE, FALSE, 0 },
        { "RTP -> SRTP (AES_CM_128_HMAC_SHA1_80)", FALSE, TRUE, RTP_SRTP_AES_CM_128_HMAC_SHA1_80 },
        { "SRTP -> RTP (AES_CM_128_HMAC_SHA1_80)", TRUE, FALSE, RTP_SRTP_AES_CM_128_HMAC_SHA1_80 },
        { "SRTP -> SRTP (AES_CM_128_HMAC_SHA1_80)", TRUE, TRUE, RTP_SRTP_AES_CM_128_HMAC_SHA1_80 },
        { "RTP -> SRTP (AEAD_AES_128_GCM)", FALSE, TRUE, RTP_SRTP_AEAD_AES_128_GCM },
        { "SRTP -> RTP (AEAD_AES_128_GCM)", TRUE, FALSE, RTP_SRTP_AEAD_AES_128_GCM },
        { "SRTP -> SRTP (AEAD_AES_128_GCM)", TRUE, TRUE, RTP_SRTP_AEAD_AES_128_GCM },
    };
    double ns[G_N_ELEMENTS(modes)];

    if (!rtp_srtp_init(NULL))
        return 1;
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++)
        ns[m] = run_relay(pairs, seconds, &modes[m]);
    printf("\nSRTP relay cost, worker CPU per packet (ratio to the plain relay of this run):\n");
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++)
        printf("  %-42s %6.0f ns/packet  %5.2fx\n", modes[m].name, ns[m],
               ns[0] > 0 ? ns[m] / ns[0] : 0);
    return 0;
}

int
main(int argc, char **argv)
{
    gint n = 100, workers = 0;
    gdouble seconds = 5.0;
    gboolean relay = FALSE, srtp = FALSE;
    g_autofree char *target = NULL;
    GOptionEntry entries[] = {
        { "streams", 'n', 0, G_OPTION_ARG_INT, &n, "Streams (or relay pairs)", "N" },
        { "seconds", 't', 0, G_OPTION_ARG_DOUBLE, &seconds, "Duration", "T" },
        { "workers", 'w', 0, G_OPTION_ARG_INT, &workers, "In-process engine workers (0: CPUs)",
          "W" },
        { "target", 0, 0, G_OPTION_ARG_STRING, &target, "Send to HOST:PORT[:STEP]", "ADDR" },
        { "relay", 0, 0, G_OPTION_ARG_NONE, &relay, "Relay micro-benchmark (one worker)", NULL },
        { "srtp", 0, 0, G_OPTION_ARG_NONE, &srtp, "Relay with SRTP legs beside plain", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- RTP load generator and sink");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || n <= 0 || seconds <= 0) {
        fprintf(stderr, "bench-rtpflood: %s\n", error ? error->message : "bad arguments");
        return 2;
    }
    if (srtp)
        return run_srtp((guint) n == 100 ? 4 : (guint) n, seconds);
    if (relay)
        return run_relay((guint) n == 100 ? 4 : (guint) n, seconds, NULL) > 0 ? 0 : 1;
    return run_streams((guint) n, seconds, target, (guint) workers);
}
