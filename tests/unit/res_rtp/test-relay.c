/* Carillon - unit tests of the res_rtp relay engine with real UDP sockets
 * on loopback: relaying, symmetric RTP latching, loss/jitter through the
 * workers, RTCP statistics and round trip, moves between workers, port
 * range exhaustion and IPv6. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../../modules/res_rtp/rtp_engine.h"

/* A test endpoint: a phone's RTP socket and its RTCP socket (port + 1). */
typedef struct {
    int family;
    int fd, rtcp_fd;
    guint16 port;
} Phone;

static guint
random_base(void)
{
    return (guint) g_test_rand_int_range(20000, 60000) & ~1u;
}

static RtpEngine *
engine_new(guint workers, guint start, guint end)
{
    g_autoptr(GError) error = NULL;
    RtpConf conf = {
        .port_start = start, .port_end = end, .workers = workers,
        .bind = (char *) "127.0.0.1", .bind6 = (char *) "::1", .tos = 0xb8,
    };
    RtpEngine *e = rtp_engine_new(&conf, &error);

    g_assert_no_error(error);
    g_assert_nonnull(e);
    return e;
}

static gboolean
bind_port(int fd, int family, guint16 port)
{
    struct sockaddr_storage ss = { 0 };
    socklen_t len;

    if (family == AF_INET) {
        struct sockaddr_in *sin = (void *) &ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (void *) &ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = in6addr_loopback;
        len = sizeof(*sin6);
    }
    return bind(fd, (struct sockaddr *) &ss, len) == 0;
}

static int
udp_socket(int family)
{
    struct timeval tv = { .tv_sec = 2 };
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Binds RTP on an even port and RTCP on the next one. */
static Phone
phone_new(int family)
{
    Phone p = { .family = family };

    for (int tries = 0; tries < 100; tries++) {
        guint16 port = (guint16) (g_test_rand_int_range(20000, 60000) & ~1);

        p.fd = udp_socket(family);
        p.rtcp_fd = udp_socket(family);
        if (bind_port(p.fd, family, port) && bind_port(p.rtcp_fd, family, port + 1)) {
            p.port = port;
            return p;
        }
        close(p.fd);
        close(p.rtcp_fd);
    }
    g_assert_not_reached();
}

static void
phone_close(Phone *p)
{
    close(p->fd);
    close(p->rtcp_fd);
}

static void
send_to(int fd, int family, guint16 port, const guint8 *buf, gsize len)
{
    struct sockaddr_storage ss = { 0 };
    socklen_t slen;

    if (family == AF_INET) {
        struct sockaddr_in *sin = (void *) &ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        slen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (void *) &ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = in6addr_loopback;
        slen = sizeof(*sin6);
    }
    g_assert_cmpint(sendto(fd, buf, len, 0, (struct sockaddr *) &ss, slen), ==, (gssize) len);
}

static void
send_rtp(int fd, int family, guint16 port, guint16 seq, guint32 ts, guint32 ssrc)
{
    guint8 buf[172] = { 0x80, 0 };

    buf[2] = seq >> 8;
    buf[3] = seq & 0xff;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (ts >> (24 - 8 * i)) & 0xff;
        buf[8 + i] = (ssrc >> (24 - 8 * i)) & 0xff;
    }
    memset(buf + 12, 0xff, 160);
    send_to(fd, family, port, buf, sizeof(buf));
}

/* Receives one datagram; returns its length (-1 on timeout) and the
 * sender's port. */
static gssize
receive(int fd, guint8 *buf, gsize size, guint16 *from_port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    gssize n = recvfrom(fd, buf, size, 0, (struct sockaddr *) &ss, &len);

    if (n >= 0 && from_port)
        *from_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                   : ((struct sockaddr_in6 *) &ss)->sin6_port);
    return n;
}

static guint16
session_port(const RtpSession *s)
{
    guint16 port;

    rtp_session_get_local(s, &port);
    return port;
}

static RtpSession *
session_new(RtpEngine *e, int family)
{
    g_autoptr(GError) error = NULL;
    RtpSession *s = rtp_session_new(e, family, &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

static void
set_remote(RtpSession *s, const char *addr, guint16 port)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(rtp_session_set_remote(s, addr, port, &error));
    g_assert_no_error(error);
}

/* Waits until the worker has counted what the kernel delivered. */
static void
wait_counter(RtpEngine *e, const RtpSession *s, gsize offset, guint64 want)
{
    for (int i = 0; i < 2000; i++) {
        RtpStats st;

        rtp_engine_sync(e);
        rtp_session_get_stats(s, &st);
        if (*(guint64 *) ((guint8 *) &st + offset) >= want)
            return;
        g_usleep(1000);
    }
    g_assert_not_reached();
}

/* Phone X -> session A relayed to B -> phone Y, and back. */
static void
relay_both_ways(int family, const char *loopback)
{
    RtpEngine *e = engine_new(2, random_base(), 65535);
    RtpSession *a = session_new(e, family), *b = session_new(e, family);
    Phone x = phone_new(family), y = phone_new(family);
    guint8 buf[2048];
    guint16 from = 0;
    RtpStats st;

    g_assert_cmpuint(session_port(a) % 2, ==, 0);
    g_assert_cmpuint(rtp_session_get_worker(a), !=, rtp_session_get_worker(b));
    set_remote(b, loopback, y.port);
    rtp_session_relay(a, b);
    g_assert_cmpuint(rtp_session_get_worker(a), ==, rtp_session_get_worker(b));
    rtp_engine_sync(e);

    for (guint i = 0; i < 10; i++)
        send_rtp(x.fd, family, session_port(a), (guint16) i, i * 160, 0xabc);
    for (guint i = 0; i < 10; i++) {
        g_assert_cmpint(receive(y.fd, buf, sizeof(buf), &from), ==, 172);
        g_assert_cmpuint(from, ==, session_port(b));
        g_assert_cmpuint(buf[3], ==, i);
    }
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, relayed), 10);
    g_assert_cmpuint(rtp_session_get_relayed(a), ==, 10);

    /* Back: B's remote was never latched from X, A's was. */
    for (guint i = 0; i < 5; i++)
        send_rtp(y.fd, family, session_port(b), (guint16) (500 + i), i * 160, 0xdef);
    for (guint i = 0; i < 5; i++) {
        g_assert_cmpint(receive(x.fd, buf, sizeof(buf), &from), ==, 172);
        g_assert_cmpuint(from, ==, session_port(a));
    }
    wait_counter(e, b, G_STRUCT_OFFSET(RtpStats, relayed), 5);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.rx_packets, ==, 10);
    g_assert_cmpuint(st.rx_octets, ==, 1720);
    g_assert_cmpuint(st.tx_packets, ==, 5);
    g_assert_cmpuint(st.tx_octets, ==, 860);
    g_assert_cmpuint(st.ssrc, ==, 0xabc);
    g_assert_cmpint(st.lost, ==, 0);
    g_assert_true(st.latched);
    g_assert_nonnull(rtp_session_get_remote(a));
    g_assert_cmpuint(rtp_session_get_peer_id(a), ==, rtp_session_get_id(b));
    rtp_session_get_stats(b, &st);
    g_assert_cmpuint(st.tx_packets, ==, 10);
    g_assert_cmpuint(st.rx_packets, ==, 5);

    /* Unrelayed: packets are counted and dropped. */
    rtp_session_unrelay(a);
    rtp_engine_sync(e);
    send_rtp(x.fd, family, session_port(a), 10, 1600, 0xabc);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, dropped), 1);
    g_assert_cmpuint(rtp_session_get_relayed(a), ==, 10);

    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

static void
test_relay(void)
{
    relay_both_ways(AF_INET, "127.0.0.1");
}

static void
test_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    gboolean ok = fd >= 0 && bind_port(fd, AF_INET6, 0);

    if (fd >= 0)
        close(fd);
    if (!ok) {
        g_test_skip("no IPv6 loopback");
        return;
    }
    relay_both_ways(AF_INET6, "::1");
}

static void
on_latched(const PbxEvent *ev, gpointer data)
{
    g_free(*(char **) data);
    *(char **) data = g_strdup_printf("%s %s %s", pbx_event_get(ev, "session"),
                                      pbx_event_get(ev, "remote"), pbx_event_get(ev, "sdp"));
}

/* The SDP address is used until a packet arrives; then the source wins
 * and sticks, and strangers are dropped.  A new SDP address resets it. */
static void
test_latching(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone sdp = phone_new(AF_INET), nat = phone_new(AF_INET), y = phone_new(AF_INET);
    Phone stranger = phone_new(AF_INET);
    g_autofree char *expect = NULL, *event = NULL, *expect_event = NULL;
    guint8 buf[2048];
    RtpStats st;
    guint sub = pbx_event_subscribe(NULL, "rtp/latched", on_latched, &event);

    set_remote(a, "127.0.0.1", sdp.port);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);

    /* Before latching, B -> A goes to the SDP address. */
    send_rtp(y.fd, AF_INET, session_port(b), 1, 0, 0x77);
    g_assert_cmpint(receive(sdp.fd, buf, sizeof(buf), NULL), ==, 172);
    rtp_session_get_stats(a, &st);
    g_assert_false(st.latched);

    /* The phone's packets come from its NAT binding: A latches it. */
    send_rtp(nat.fd, AF_INET, session_port(a), 1, 0, 0x55);
    g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, rx_packets), 1);
    rtp_session_get_stats(a, &st);
    g_assert_true(st.latched);
    send_rtp(y.fd, AF_INET, session_port(b), 2, 160, 0x77);
    g_assert_cmpint(receive(nat.fd, buf, sizeof(buf), NULL), ==, 172);
    expect = g_strdup_printf("127.0.0.1:%u", nat.port);
    g_assert_cmpstr(rtp_session_get_remote(a), ==, expect);
    expect_event = g_strdup_printf("%u 127.0.0.1:%u 127.0.0.1:%u", rtp_session_get_id(a),
                                   nat.port, sdp.port);
    g_assert_cmpstr(event, ==, expect_event);

    /* Someone else sending to A is not relayed. */
    send_rtp(stranger.fd, AF_INET, session_port(a), 2, 160, 0x55);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, dropped), 1);
    g_assert_cmpuint(rtp_session_get_relayed(a), ==, 1);

    /* A re-INVITE moves A: latching starts over. */
    set_remote(a, "127.0.0.1", sdp.port);
    rtp_engine_sync(e);
    rtp_session_get_stats(a, &st);
    g_assert_false(st.latched);
    send_rtp(stranger.fd, AF_INET, session_port(a), 3, 320, 0x55);
    g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);

    pbx_event_unsubscribe(sub);
    rtp_engine_free(e);   /* closes a and b */
    phone_close(&sdp);
    phone_close(&nat);
    phone_close(&y);
    phone_close(&stranger);
}

/* Loss and jitter as the worker computes them from crafted packets. */
static void
test_loss_jitter(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET);
    RtpStats st;
    guint n = 0;

    for (guint16 seq = 1000; seq < 1050; seq++) {
        if (seq % 10 == 3)
            continue;
        /* Timestamps claim 20 ms apart, packets go out back to back:
         * the transit time changes by 160 units each packet. */
        send_rtp(x.fd, AF_INET, session_port(a), seq, seq * 160u, 0x1234);
        n++;
    }
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, rx_packets), n);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.expected, ==, 50);
    g_assert_cmpint(st.lost, ==, 5);
    g_assert_cmpuint(st.jitter_us, >, 5000);
    g_assert_cmpuint(st.jitter_us, <=, 40000);   /* gaps count double */
    g_assert_cmpuint(st.dropped, ==, n);   /* not relayed anywhere */

    /* A new SSRC starts a new count. */
    send_rtp(x.fd, AF_INET, session_port(a), 7, 0, 0x9999);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, rx_packets), n + 1);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.ssrc, ==, 0x9999);
    g_assert_cmpuint(st.ssrc_changes, ==, 1);
    g_assert_cmpuint(st.expected, ==, 1);
    g_assert_cmpint(st.lost, ==, 0);

    /* Garbage is dropped, not counted as RTP. */
    send_to(x.fd, AF_INET, session_port(a), (const guint8 *) "hello", 5);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, dropped), n + 1);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.rx_packets, ==, n + 1);

    rtp_session_free(a);
    rtp_engine_free(e);
    phone_close(&x);
}

static gsize
put32(guint8 *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = (v >> 16) & 0xff;
    p[2] = (v >> 8) & 0xff;
    p[3] = v & 0xff;
    return 4;
}

/* X sends an SR through A; it leaves B for Y's RTCP port.  Y answers
 * with an RR whose LSR names that SR: B learns the round trip to Y. */
static void
test_rtcp(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    guint8 sr[28] = { 0x80, 200, 0, 6 }, rr[32] = { 0x81, 201, 0, 7 }, buf[256];
    guint16 from = 0;
    RtpStats st;

    set_remote(a, "127.0.0.1", x.port);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);

    put32(sr + 4, 0x1111);
    put32(sr + 8, 0xE0001234);    /* NTP seconds */
    put32(sr + 12, 0x56780000);   /* NTP fraction */
    send_to(x.rtcp_fd, AF_INET, session_port(a) + 1, sr, sizeof(sr));
    g_assert_cmpint(receive(y.rtcp_fd, buf, sizeof(buf), &from), ==, sizeof(sr));
    g_assert_cmpuint(from, ==, session_port(b) + 1);

    g_usleep(30000);
    put32(rr + 4, 0x2222);
    put32(rr + 8, 0x1111);        /* about X's stream */
    rr[12] = 26;                  /* ~10 % lost */
    put32(rr + 12, (26u << 24) | 3);
    put32(rr + 20, 160);          /* jitter: 20 ms */
    put32(rr + 24, 0x12345678);   /* LSR: middle of the SR's NTP time */
    put32(rr + 28, 0);            /* DLSR */
    send_to(y.rtcp_fd, AF_INET, session_port(b) + 1, rr, sizeof(rr));
    g_assert_cmpint(receive(x.rtcp_fd, buf, sizeof(buf), &from), ==, sizeof(rr));
    g_assert_cmpuint(from, ==, session_port(a) + 1);

    wait_counter(e, b, G_STRUCT_OFFSET(RtpStats, rtcp_rx), 1);
    rtp_session_get_stats(b, &st);
    g_assert_cmpuint(st.rr_rx, ==, 1);
    g_assert_cmpuint(st.rtcp_tx, ==, 1);
    g_assert_cmpuint(st.remote_fraction_lost, ==, 26);
    g_assert_cmpint(st.remote_lost, ==, 3);
    g_assert_cmpuint(st.remote_jitter_us, ==, 20000);
    g_assert_cmpint(st.rtt_us, >=, 30000);
    g_assert_cmpint(st.rtt_us, <, 1000000);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.sr_rx, ==, 1);
    g_assert_cmpuint(st.rtcp_rx, ==, 1);
    g_assert_cmpuint(st.rtcp_tx, ==, 1);
    g_assert_cmpint(st.rtt_us, ==, -1);

    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* Relaying a to c moves c to a's worker and drops a's relay with b;
 * freeing a session while it moves is safe. */
static void
test_move(void)
{
    RtpEngine *e = engine_new(3, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    RtpSession *c = session_new(e, AF_INET), *d = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), z = phone_new(AF_INET);
    guint8 buf[2048];
    g_autoptr(GPtrArray) list = NULL;

    rtp_session_relay(a, b);
    set_remote(c, "127.0.0.1", z.port);
    rtp_session_relay(a, c);     /* c moves while b's move may be under way */
    rtp_session_relay(d, b);
    rtp_session_free(d);         /* freed while b may still be moving */
    g_assert_cmpuint(rtp_session_get_peer_id(a), ==, rtp_session_get_id(c));
    g_assert_cmpuint(rtp_session_get_peer_id(b), ==, 0);
    rtp_engine_sync(e);
    g_assert_cmpuint(rtp_session_get_worker(a), ==, rtp_session_get_worker(c));

    send_rtp(x.fd, AF_INET, session_port(a), 1, 0, 1);
    g_assert_cmpint(receive(z.fd, buf, sizeof(buf), NULL), ==, 172);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, relayed), 1);
    list = rtp_engine_list_sessions(e);
    g_assert_cmpuint(list->len, ==, 3);

    rtp_session_free(b);
    rtp_session_free(c);
    rtp_session_free(a);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&z);
}

/* A range of four ports holds two sessions; the third gets a clean error
 * and a freed pair can be used again. */
static void
test_exhausted(void)
{
    g_autoptr(GError) error = NULL;
    guint base = random_base();
    RtpEngine *e = engine_new(1, base, base + 3);
    RtpSession *s[3] = { NULL };
    guint n = 0;

    for (; n < 3; n++) {
        s[n] = rtp_session_new(e, AF_INET, &error);
        if (!s[n])
            break;
        g_assert_cmpuint(session_port(s[n]), >=, base);
        g_assert_cmpuint(session_port(s[n]) + 1, <=, base + 3);
    }
    g_assert_cmpuint(n, <=, 2);
    g_assert_error(error, RTP_ERROR, RTP_ERROR_PORTS_EXHAUSTED);
    g_assert_nonnull(strstr(error->message, "port_start"));
    if (n > 0) {
        g_clear_error(&error);
        rtp_session_free(s[0]);
        rtp_engine_sync(e);
        s[0] = rtp_session_new(e, AF_INET, &error);
        g_assert_no_error(error);
    }
    g_clear_error(&error);
    g_assert_null(rtp_session_new(e, AF_UNIX, &error) ? (gpointer) 1 : NULL);
    g_assert_error(error, RTP_ERROR, RTP_ERROR_FAMILY);
    rtp_engine_free(e);
}

/* c=0.0.0.0 (old-style hold) gives no destination: nothing is sent to
 * the local host; once the far end sends, it latches as usual. */
static void
test_hold(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    guint8 buf[2048];

    set_remote(b, "0.0.0.0", y.port);
    g_assert_null(rtp_session_get_remote(b));
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    send_rtp(x.fd, AF_INET, session_port(a), 1, 0, 1);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, dropped), 1);
    g_assert_cmpuint(rtp_session_get_relayed(a), ==, 0);

    send_rtp(y.fd, AF_INET, session_port(b), 1, 0, 2);
    g_assert_cmpint(receive(x.fd, buf, sizeof(buf), NULL), ==, 172);
    send_rtp(x.fd, AF_INET, session_port(a), 2, 160, 1);
    g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* Relayed media leaves marked DSCP EF (TOS 0xb8). */
static void
test_tos(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    guint8 buf[2048], control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof(control) };
    struct cmsghdr *cm;
    int one = 1, tos = -1;

    g_assert_cmpint(setsockopt(y.fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), ==, 0);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    send_rtp(x.fd, AF_INET, session_port(a), 1, 0, 1);
    g_assert_cmpint(recvmsg(y.fd, &msg, 0), ==, 172);
    for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
            tos = *(guint8 *) CMSG_DATA(cm);
    g_assert_cmpint(tos, ==, 0xb8);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* Whether the RTP or RTCP port of a session is still bound by it. */
static gboolean
pair_in_use(guint16 port)
{
    gboolean used = FALSE;

    for (guint16 p = port; p <= port + 1; p++) {
        int fd = udp_socket(AF_INET);

        used = used || !bind_port(fd, AF_INET, p);
        close(fd);
    }
    return used;
}

/* Frees go without a wake-up of their own, yet a worker that no packet
 * wakes any more applies them within a bounded time: the last call's
 * sockets close without waiting for the next call.  With the daemon's
 * deferred wake-ups (flushed by the main context) and without. */
static void
free_when_idle(gboolean deferred)
{
    RtpEngine *e = engine_new(2, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    guint16 pa = session_port(a), pb = session_port(b);
    guint8 buf[2048];
    gint64 deadline;

    if (deferred)
        rtp_engine_defer_wakes(e);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    send_rtp(x.fd, AF_INET, pa, 1, 0, 1);
    g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);
    rtp_engine_sync(e);     /* the workers wait for packets, nothing queued */
    g_assert_true(pair_in_use(pa));
    g_assert_true(pair_in_use(pb));

    rtp_session_free(a);
    rtp_session_free(b);
    deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while ((pair_in_use(pa) || pair_in_use(pb)) && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_assert_false(pair_in_use(pa));
    g_assert_false(pair_in_use(pb));
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

static void
test_free_when_idle(void)
{
    free_when_idle(FALSE);
}

static void
test_free_when_idle_deferred(void)
{
    free_when_idle(TRUE);
}

static void
test_bad_remote(void)
{
    g_autoptr(GError) error = NULL;
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *s = session_new(e, AF_INET);

    g_assert_false(rtp_session_set_remote(s, "::1", 4000, &error));
    g_assert_error(error, RTP_ERROR, RTP_ERROR_ADDRESS);
    g_clear_error(&error);
    g_assert_false(rtp_session_set_remote(s, "phone.example.com", 4000, &error));
    g_assert_error(error, RTP_ERROR, RTP_ERROR_ADDRESS);
    rtp_engine_free(e);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_rtp relay engine on loopback with real sockets");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/rtp/relay/both-ways", test_relay);
    g_test_add_func("/rtp/relay/latching", test_latching);
    g_test_add_func("/rtp/relay/loss-jitter", test_loss_jitter);
    g_test_add_func("/rtp/relay/rtcp", test_rtcp);
    g_test_add_func("/rtp/relay/move", test_move);
    g_test_add_func("/rtp/relay/ipv6", test_ipv6);
    g_test_add_func("/rtp/relay/tos", test_tos);
    g_test_add_func("/rtp/relay/hold", test_hold);
    g_test_add_func("/rtp/session/ports-exhausted", test_exhausted);
    g_test_add_func("/rtp/session/bad-remote", test_bad_remote);
    g_test_add_func("/rtp/session/free-when-idle", test_free_when_idle);
    g_test_add_func("/rtp/session/free-when-idle-deferred", test_free_when_idle_deferred);
    return g_test_run();
}
