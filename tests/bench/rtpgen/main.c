/* rtpgen - options and set-up: limits, the PBX's address, the SIP
 * sockets; then the timeline (timeline.c) runs and the report is printed.
 * Usage: rtpgen --help.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "rtpgen.h"

static const char usage[] =
    "usage: rtpgen [OPTION...]\n"
    "Places calls CALLER -> CALLEE through a SIP PBX (UDP, IPv4), answers them,\n"
    "streams audio at 50 packets/s both ways on each (the caller PCMU, the callee\n"
    "--callee-codec), and reports loss, jitter and late packets; the last output\n"
    "line is key=value for scripts.\n"
    "\n"
    "  -H, --host ADDR        the PBX's SIP address (127.0.0.1)\n"
    "  -p, --port PORT        its SIP port (5060)\n"
    "  -n, --calls N          concurrent calls (10)\n"
    "  -d, --duration S       seconds of media with every call up (10)\n"
    "  -r, --rate R           call set-ups per second (50)\n"
    "  -t, --timeout S        hard limit of the whole run (default: from the above)\n"
    "      --caller USER      calling user (1001), password --caller-pw (pwUSER)\n"
    "      --callee USER      called user, registered by rtpgen (1002), --callee-pw\n"
    "      --callee-codec C   what the callee answers and sends: ulaw (the PBX\n"
    "                         relays), alaw, g722 or opus (the PBX transcodes when\n"
    "                         its dialplan offers the callee that codec only)\n"
    "  -T, --threads N        media threads (1)\n"
    "      --late-ms MS       a packet whose delay through the PBX exceeds this\n"
    "                         is late (40)\n"
    "      --media-delay MS   from an answer to the stream's first packet (60)\n"
    "      --pbx-pid PID      measure this process's CPU in the window\n"
    "      --direct           no PBX: each call's two sockets stream to each other\n"
    "                         (what the generator itself can do on this machine)\n"
    "  -v, --verbose          progress on stderr\n"
    "\n"
    "Exit status: 0 every call came up, 1 a call failed or an error, 2 timeout.\n";

enum {
    OPT_CALLER = 256,
    OPT_CALLER_PW,
    OPT_CALLEE,
    OPT_CALLEE_PW,
    OPT_LATE_MS,
    OPT_MEDIA_DELAY,
    OPT_PBX_PID,
    OPT_DIRECT,
    OPT_CALLEE_CODEC,
};

static const struct option long_options[] = {
    { "host", required_argument, NULL, 'H' },
    { "port", required_argument, NULL, 'p' },
    { "calls", required_argument, NULL, 'n' },
    { "duration", required_argument, NULL, 'd' },
    { "rate", required_argument, NULL, 'r' },
    { "timeout", required_argument, NULL, 't' },
    { "threads", required_argument, NULL, 'T' },
    { "caller", required_argument, NULL, OPT_CALLER },
    { "caller-pw", required_argument, NULL, OPT_CALLER_PW },
    { "callee", required_argument, NULL, OPT_CALLEE },
    { "callee-pw", required_argument, NULL, OPT_CALLEE_PW },
    { "callee-codec", required_argument, NULL, OPT_CALLEE_CODEC },
    { "late-ms", required_argument, NULL, OPT_LATE_MS },
    { "media-delay", required_argument, NULL, OPT_MEDIA_DELAY },
    { "pbx-pid", required_argument, NULL, OPT_PBX_PID },
    { "direct", no_argument, NULL, OPT_DIRECT },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* ---------------------------------------------------------- helpers */

int64_t
gen_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
gen_now_ms(const Gen *g)
{
    return (gen_now_ns() - g->epoch_ns) / 1000000;
}

void
gen_send(Gen *g, int fd, const struct sockaddr_in *to, const char *msg, size_t len)
{
    static unsigned errors;

    if (sendto(fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *) to, sizeof(*to)) < 0 &&
        errors++ < 5)
        g_printerr("rtpgen: SIP send: %s\n", g_strerror(errno));
}

/* status 0: timeout, 1: a local or protocol problem, else the response. */
void
gen_fail(Gen *g, int status)
{
    g->n_failed++;
    g->fail_codes[status >= 300 && status < 700 ? status / 100 : status == 1]++;
}

/* ---------------------------------------------------------- options */

static bool
number_arg(const char *arg, double min, double max, double *out)
{
    char *end;
    double v = strtod(arg, &end);

    if (*arg == '\0' || *end != '\0' || v < min || v > max) {
        g_printerr("rtpgen: '%s' is not a number in %g..%g\n", arg, min, max);
        return false;
    }
    *out = v;
    return true;
}

/* Options whose argument is a number: range and where it goes. */
typedef struct {
    int c;
    double min, max;
    size_t offset;
    bool is_double;             /* else unsigned (int for pbx_pid) */
} NumericOption;

static const NumericOption numeric_options[] = {
    { 'p', 1, 65535, offsetof(Options, port), false },
    { 'n', 1, 100000, offsetof(Options, calls), false },
    { 'd', 0.1, 86400, offsetof(Options, duration), true },
    { 'r', 0.1, 100000, offsetof(Options, rate), true },
    { 't', 1, 7 * 86400, offsetof(Options, timeout), true },
    { 'T', 1, 64, offsetof(Options, threads), false },
    { OPT_LATE_MS, 1, 60000, offsetof(Options, late_ms), false },
    { OPT_MEDIA_DELAY, 0, 60000, offsetof(Options, media_delay_ms), false },
    { OPT_PBX_PID, 1, 1 << 30, offsetof(Options, pbx_pid), false },
};

static bool
numeric_option(int c, const char *arg, Options *o)
{
    for (size_t i = 0; i < G_N_ELEMENTS(numeric_options); i++) {
        const NumericOption *n = &numeric_options[i];
        double v;

        if (n->c != c)
            continue;
        if (!number_arg(arg, n->min, n->max, &v))
            return false;
        if (n->is_double)
            *(double *) ((char *) o + n->offset) = v;
        else if (n->c == OPT_PBX_PID)
            *(int *) ((char *) o + n->offset) = (int) v;
        else
            *(unsigned *) ((char *) o + n->offset) = (unsigned) v;
        return true;
    }
    return false;
}

static bool
take_option(int c, const char *arg, Options *o)
{
    switch (c) {
    case 'H': o->host = arg; return true;
    case OPT_CALLER: o->caller = arg; return true;
    case OPT_CALLER_PW: o->caller_pw = g_strdup(arg); return true;
    case OPT_CALLEE: o->callee = arg; return true;
    case OPT_CALLEE_PW: o->callee_pw = g_strdup(arg); return true;
    case OPT_DIRECT: o->direct = true; return true;
    case OPT_CALLEE_CODEC:
        o->callee_codec = codec_find(arg);
        if (!o->callee_codec)
            g_printerr("rtpgen: --callee-codec: '%s' is not ulaw, alaw, g722 or opus\n", arg);
        return o->callee_codec != NULL;
    case 'v': o->verbose = true; return true;
    case 'h': fputs(usage, stdout); exit(0);
    default: return numeric_option(c, arg, o);
    }
}

static bool
parse_options(int argc, char **argv, Options *o)
{
    int c;

    *o = (Options) {
        .host = "127.0.0.1", .port = 5060, .calls = 10, .duration = 10, .rate = 50,
        .caller = "1001", .callee = "1002", .threads = 1, .late_ms = 40,
        .media_delay_ms = 60, .expires = 600, .callee_codec = codec_get(CODEC_ULAW),
    };
    while ((c = getopt_long(argc, argv, "H:p:n:d:r:t:T:vh", long_options, NULL)) != -1)
        if (c == '?' || !take_option(c, optarg, o)) {
            fputs(usage, stderr);
            return false;
        }
    if (optind < argc) {
        g_printerr("rtpgen: unexpected argument '%s'\n", argv[optind]);
        return false;
    }
    if (!o->caller_pw)
        o->caller_pw = g_strconcat("pw", o->caller, NULL);
    if (!o->callee_pw)
        o->callee_pw = g_strconcat("pw", o->callee, NULL);
    return true;
}

/* The longest a run can take when every phase uses its whole deadline. */
static double
default_timeout(const Options *o)
{
    double bye_rate = MAX(o->rate, RTPGEN_MIN_BYE_RATE);

    return 10 + o->calls / o->rate + RTPGEN_TX_TIMEOUT_MS / 1000.0 + 1 + o->duration + 1 +
           o->calls / bye_rate + RTPGEN_TX_TIMEOUT_MS / 1000.0 + 10;
}

/* ---------------------------------------------------------- set-up */

/* Each call has two RTP sockets here (four in the PBX): raise the soft
 * limit to what the run needs, and the hard one too when allowed. */
static bool
raise_fd_limit(unsigned needed)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return false;
    if (rl.rlim_cur >= needed)
        return true;
    if (rl.rlim_max < needed) {
        struct rlimit want = { needed, needed };

        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            return true;
        g_printerr("rtpgen: %u descriptors needed, the hard limit is %lu (ulimit -Hn)\n",
                   needed, (unsigned long) rl.rlim_max);
        return false;
    }
    rl.rlim_cur = needed;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static bool
resolve_pbx(Gen *g)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res = NULL;
    int rc = getaddrinfo(g->opt.host, NULL, &hints, &res);

    if (rc != 0) {
        g_printerr("rtpgen: %s: %s\n", g->opt.host, gai_strerror(rc));
        return false;
    }
    g->pbx = *(struct sockaddr_in *) res->ai_addr;
    g->pbx.sin_port = htons((uint16_t) g->opt.port);
    freeaddrinfo(res);
    return true;
}

/* The local address that routes to the PBX (a connected UDP socket's). */
static bool
find_local_ip(Gen *g)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *) &g->pbx, sizeof(g->pbx)) == 0 &&
              getsockname(fd, (struct sockaddr *) &sin, &len) == 0;

    if (ok)
        inet_ntop(AF_INET, &sin.sin_addr, g->local_ip, sizeof(g->local_ip));
    else
        g_printerr("rtpgen: no route to %s: %s\n", g->opt.host, g_strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok;
}

static int
sip_socket(Gen *g, unsigned *port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int size = 4 << 20, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

    inet_pton(AF_INET, g->local_ip, &sin.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 ||
        getsockname(fd, (struct sockaddr *) &sin, &len) < 0 ||
        epoll_ctl(g->sip_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        g_printerr("rtpgen: SIP socket: %s\n", g_strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    *port = ntohs(sin.sin_port);
    return fd;
}

/* The payload loops of the caller's PCMU and the callee's codec.  PCMU
 * both ways (or --direct) is a relayed run: the payloads carry their
 * send time. */
static bool
payloads_init(Gen *g, GError **error)
{
    const Codec *ulaw = codec_get(CODEC_ULAW), *callee = g->opt.callee_codec;

    g->relay_timing = g->opt.direct || callee == ulaw;
    g->loops[ulaw->id] = payload_loop_new(ulaw, error);
    if (!g->loops[ulaw->id])
        return false;
    if (!g->loops[callee->id])
        g->loops[callee->id] = payload_loop_new(callee, error);
    return g->loops[callee->id] != NULL;
}

static bool
gen_init(Gen *g)
{
    g_autoptr(GError) error = NULL;
    struct timespec real;

    g->epoch_ns = gen_now_ns();
    clock_gettime(CLOCK_REALTIME, &real);
    g->realtime_offset_ns = (int64_t) real.tv_sec * 1000000000 + real.tv_nsec - g->epoch_ns;
    snprintf(g->run_id, sizeof(g->run_id), "%08x", g_random_int());
    if (!raise_fd_limit(2 * g->opt.calls + 64) || !resolve_pbx(g) || !find_local_ip(g))
        return false;
    g->sip_epfd = epoll_create1(EPOLL_CLOEXEC);
    g->calls = g_new0(Call, g->opt.calls);
    if (g->sip_epfd < 0 || (!g->opt.direct && ((g->uac_fd = sip_socket(g, &g->uac_port)) < 0 ||
                                              (g->uas_fd = sip_socket(g, &g->uas_port)) < 0)))
        return false;
    if (!payloads_init(g, &error) || !media_init(g, &error)) {
        g_printerr("rtpgen: %s\n", error->message);
        return false;
    }
    g->deadline_ms = (int64_t) (1000 * (g->opt.timeout ? g->opt.timeout
                                                       : default_timeout(&g->opt)));
    return true;
}

/* Static: what the run allocated stays reachable until exit (the process
 * ends there; LeakSanitizer need not report it). */
static Gen gen;

int
main(int argc, char **argv)
{
    Gen *g = &gen;
    int rc;

    if (!parse_options(argc, argv, &g->opt))
        return 1;
    if (!gen_init(g))
        return 1;
    timeline_run(g);
    report_print(g);
    rc = g->timed_out ? 2 : (g->error || g->n_failed) ? 1 : 0;
    uas_free(g);
    return rc;
}
