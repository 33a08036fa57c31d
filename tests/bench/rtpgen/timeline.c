/* rtpgen - the timeline of a run:
 *
 *   register   remove the callee's bindings, register its Contact
 *   setup      start calls at --rate per second until --calls are placed
 *   media      once every call is up (or has failed), --duration seconds
 *              of media with all of them: the measured window
 *   hangup     media stops, BYE for every call (at least 200 per second)
 *   unregister the callee's Contact
 *
 * Each phase has a deadline, and the whole run the hard --timeout, so the
 * program always ends by itself.  The SIP sockets are read between steps;
 * retransmission timers are looked at every SCAN_MS.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "rtpgen.h"

#define SIP_BATCH 64
#define SCAN_MS 20              /* retransmission timers are looked at this often */
#define SETTLE_MS 500           /* from the last answer to the window */
#define DRAIN_MS 300            /* after the last packet sent */

static void
progress(const Gen *g, const char *what)
{
    if (g->opt.verbose)
        g_printerr("rtpgen: %7.3f s  %s (up %u, failed %u)\n", gen_now_ms(g) / 1000.0, what,
                   g->n_up, g->n_failed);
}

/* ---------------------------------------------------------- SIP input */

static void
read_sip(Gen *g, int fd)
{
    char buf[65536];

    for (int i = 0; i < SIP_BATCH; i++) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *) &from,
                             &len);
        SipMsg m;

        if (n <= 0)
            return;
        if (!sip_parse(buf, (size_t) n, &m))
            continue;
        if (fd == g->uas_fd)
            uas_on_message(g, &m, &from);
        else
            uac_on_message(g, &m, &from);
    }
}

/* ---------------------------------------------------------- phases */

/* CPU seconds of every thread of process pid: the run time in ns that
 * /proc/PID/task/TID/schedstat starts with (the 10 ms ticks of
 * /proc/PID/stat are too coarse for a few seconds at a few %); < 0 when
 * the process is gone. */
static double
process_cpu_s(int pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/task", pid);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *tid;
    double total = 0;

    if (!d)
        return -1;
    while ((tid = g_dir_read_name(d))) {
        g_autofree char *path = g_strdup_printf("%s/%s/schedstat", dir, tid);
        g_autofree char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL))
            total += g_ascii_strtod(text, NULL) / 1e9;
    }
    g_dir_close(d);
    return total;
}

static void
snapshot_cpu(const Gen *g, Snapshot *s)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) == 0)
        s->own_cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    if (g->opt.pbx_pid)
        s->pbx_cpu_s = process_cpu_s(g->opt.pbx_pid);
}

static void
take_snapshot(Gen *g, Snapshot *s)
{
    s->ms = gen_now_ms(g);
    media_counters(g, &s->rx, &s->tx);
    snapshot_cpu(g, s);
}

static void
start_setup(Gen *g, int64_t now)
{
    g_autoptr(GError) error = NULL;

    if (!media_start_threads(g, &error)) {
        g_printerr("rtpgen: %s\n", error->message);
        g->error = true;
        g->phase = PH_END;
        return;
    }
    g->setup_start_ms = now;
    g->setup_deadline_ms = now + (int64_t) (1000 * g->opt.calls / g->opt.rate) +
                           RTPGEN_TX_TIMEOUT_MS;
    g->phase = PH_SETUP;
    progress(g, "placing calls");
}

static void
phase_register(Gen *g, int64_t now)
{
    Registration *r = &g->reg;

    reg_tick(g, now);
    if (r->state != REG_OK && r->state != REG_FAILED)
        return;
    if (strcmp(r->what, "clear") == 0) {
        reg_start(g, "register", false, g->opt.expires);
    } else if (r->state == REG_FAILED) {
        g->error = true;
        g->phase = PH_END;
    } else {
        start_setup(g, now);
    }
}

/* --direct: a call is two streams sending PCMU to each other's socket
 * (--callee-codec does not apply: the generator's cost per packet is the
 * same whatever it replays). */
static void
start_direct_call(Gen *g, unsigned idx)
{
    g_autoptr(GError) error = NULL;
    const Codec *ulaw = codec_get(CODEC_ULAW);
    int a = media_open_stream(g, ulaw, 0, &error);
    int b = a < 0 ? -1 : media_open_stream(g, ulaw, 0, &error);
    struct sockaddr_in to = { .sin_family = AF_INET };

    g->n_started++;
    g->calls[idx].state = CALL_FAILED;
    if (b < 0) {
        g_printerr("rtpgen: call %u: %s\n", idx, error->message);
        gen_fail(g, 1);
        return;
    }
    inet_pton(AF_INET, g->local_ip, &to.sin_addr);
    to.sin_port = htons((uint16_t) g->streams[b].port);
    media_arm(g, a, &to);
    to.sin_port = htons((uint16_t) g->streams[a].port);
    media_arm(g, b, &to);
    g->calls[idx].state = CALL_UP;
    g->n_up++;
}

static void
open_window(Gen *g, int64_t now)
{
    g->window_start_ms = now + SETTLE_MS + g->opt.media_delay_ms;
    g->window_end_ms = g->window_start_ms + (int64_t) (1000 * g->opt.duration);
    media_stop_at(g, g->window_end_ms, g->window_end_ms + DRAIN_MS);
    media_set_window(g, g->window_start_ms, g->window_end_ms);
    g->phase = PH_MEDIA;
    progress(g, "calls placed; media window follows");
}

static void
phase_setup(Gen *g, int64_t now)
{
    double due = (double) (now - g->setup_start_ms) * g->opt.rate / 1000.0 + 1;

    while (g->n_started < g->opt.calls && g->n_started < due) {
        if (g->opt.direct)
            start_direct_call(g, g->n_started);
        else
            uac_start_call(g, g->n_started);
    }
    if ((g->n_started == g->opt.calls && g->n_up + g->n_failed == g->opt.calls) ||
        now >= g->setup_deadline_ms)
        open_window(g, now);
}

static void
start_hangup(Gen *g, int64_t now)
{
    double bye_rate = MAX(g->opt.rate, RTPGEN_MIN_BYE_RATE);

    media_join(g);
    g->hangup_start_ms = now;
    g->hangup_deadline_ms = now + (int64_t) (1000 * g->opt.calls / bye_rate) +
                            RTPGEN_TX_TIMEOUT_MS;
    g->phase = g->opt.direct ? PH_END : PH_HANGUP;
    progress(g, "media stopped; hanging up");
}

static void
phase_media(Gen *g, int64_t now)
{
    if (!g->window_open && now >= g->window_start_ms) {
        take_snapshot(g, &g->snap[0]);
        g->window_open = true;
        progress(g, "window opens");
    }
    if (g->window_open && !g->window_done && now >= g->window_end_ms) {
        take_snapshot(g, &g->snap[1]);
        g->window_done = true;
        progress(g, "window closes");
    }
    if (now >= g->window_end_ms + DRAIN_MS + 20)
        start_hangup(g, now);
}

static bool
calls_hanging_up(const Gen *g)
{
    for (unsigned i = 0; i < g->n_started; i++)
        if (g->calls[i].state == CALL_HANGING_UP)
            return true;
    return false;
}

static void
phase_hangup(Gen *g, int64_t now)
{
    double bye_rate = MAX(g->opt.rate, RTPGEN_MIN_BYE_RATE);
    double due = (double) (now - g->hangup_start_ms) * bye_rate / 1000.0 + 1;

    for (; g->next_bye < g->n_started && g->next_bye < due; g->next_bye++)
        if (g->calls[g->next_bye].state == CALL_UP)
            uac_hangup(g, &g->calls[g->next_bye]);
    if ((g->next_bye == g->n_started && !calls_hanging_up(g) && uas_legs_up(g) == 0) ||
        now >= g->hangup_deadline_ms) {
        g->phase = PH_UNREGISTER;
        g->unregister_deadline_ms = now + RTPGEN_TX_TIMEOUT_MS / 4;
        reg_start(g, "unregister", false, 0);
        progress(g, "calls ended; unregistering");
    }
}

static void
phase_unregister(Gen *g, int64_t now)
{
    reg_tick(g, now);
    if (g->reg.state == REG_OK || g->reg.state == REG_FAILED || now >= g->unregister_deadline_ms)
        g->phase = PH_END;
}

/* The hard limit: stop everything where it is. */
static void
time_out(Gen *g, int64_t now)
{
    g_printerr("rtpgen: timeout: the run took longer than %.0f s; stopping\n",
               g->deadline_ms / 1000.0);
    g->timed_out = true;
    media_stop_at(g, now, now);
    media_join(g);
    if (g->window_open && !g->window_done) {
        take_snapshot(g, &g->snap[1]);
        g->window_done = true;
        g->window_end_ms = now;
    }
    g->phase = PH_END;
}

static void
step(Gen *g, int64_t now)
{
    if (now >= g->deadline_ms) {
        time_out(g, now);
        return;
    }
    if (now - g->last_scan_ms >= SCAN_MS && !g->opt.direct) {
        g->last_scan_ms = now;
        uac_tick(g, now);
        uas_tick(g, now);
    }
    switch (g->phase) {
    case PH_REGISTER: phase_register(g, now); break;
    case PH_SETUP: phase_setup(g, now); break;
    case PH_MEDIA: phase_media(g, now); break;
    case PH_HANGUP: phase_hangup(g, now); break;
    case PH_UNREGISTER: phase_unregister(g, now); break;
    case PH_END: break;
    }
}

void
timeline_run(Gen *g)
{
    struct epoll_event evs[4];

    if (g->opt.direct)
        start_setup(g, gen_now_ms(g));
    else
        reg_start(g, "clear", true, 0);
    while (g->phase != PH_END) {
        int n = epoll_wait(g->sip_epfd, evs, G_N_ELEMENTS(evs), 2);

        for (int i = 0; i < n; i++)
            read_sip(g, evs[i].data.fd);
        step(g, gen_now_ms(g));
    }
    media_stop_at(g, 0, 0);
    media_join(g);
}

