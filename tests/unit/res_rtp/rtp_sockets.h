/* Carillon - unit tests of res_rtp: phones' RTP/RTCP sockets on 127.0.0.1 and a
 * res_rtp engine around them, shared by test-srtp.c and test-dtls.c (included
 * after the res_rtp headers). */
#ifndef CARILLON_TEST_RTP_SOCKETS_H
#define CARILLON_TEST_RTP_SOCKETS_H

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

#endif
