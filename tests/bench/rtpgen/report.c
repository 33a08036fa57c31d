/* rtpgen - the summary of a run: a few lines for people, then one line
 * of key=value pairs for scripts (always the last line of stdout).
 * "failed" counts every call that did not come up, placed or not.
 *
 * Loss: in a relayed run, what each stream sent and never came back.  In
 * a transcoded run the PBX sends packets of its own, one per 20 ms from
 * the moment it bridges the call until it hangs up, whatever arrives:
 * there, loss counts in the window (every call up), per stream, the gaps
 * in the PBX's sequence numbers (packets it sent that never came) and
 * the packets it never sent: fewer sequence numbers than one per 20 ms,
 * less one for where the window's edges fall (a stream that stalls or
 * stops; a single tick the PBX drops only delays what follows, and shows
 * as late).  Counters of the whole window (packets in against out) would
 * not do: a PBX sends a tick's packets in a burst, so where the window's
 * two instants fall moves them by up to a packet per stream. */
#define _GNU_SOURCE
#include <stdio.h>

#include "rtpgen.h"

typedef struct {
    bool transcoded;
    double loss_pct;            /* set by report_print */
    unsigned streams, lossy, term_streams;
    uint64_t sent, received, late, misordered, term_received;
    int64_t win_expected, win_gaps, win_silent;     /* the PBX's streams, in the window */
    int64_t lost_rfc;           /* RFC 3550 A.3: expected - received */
    int64_t term_lost_rfc;      /* of those, in the PBX's own streams */
    double jitter_sum, jitter_max, jitter_peak, delay_max_ms, worst_loss_pct;
} Totals;

typedef struct {
    uint64_t send_errors, late_sends, foreign, skipped_ms, relayed;
    double max_lag_ms;
} ThreadTotals;

static void
add_rx(Totals *t, const RxStats *r)
{
    t->received += r->received;
    t->late += r->late;
    t->misordered += r->misordered;
    t->lost_rfc += rx_expected(r) - (int64_t) r->received;
    t->delay_max_ms = MAX(t->delay_max_ms, r->delay_max_ms);
}

/* A stream's jitter: of what the PBX sent to it when it transcodes, else
 * of its own packets relayed. */
static void
add_jitter(Totals *t, const RxStats *r)
{
    t->jitter_sum += r->jitter / 8.0;
    t->jitter_max = MAX(t->jitter_max, r->jitter / 8.0);
    t->jitter_peak = MAX(t->jitter_peak, r->jitter_max / 8.0);
}

static void
add_stream(Totals *t, const Stream *s, bool transcoded, double window_ms)
{
    int64_t gaps = rx_expected(&s->term) - (int64_t) s->term.received;
    uint64_t lost = s->sent > s->rx.received ? s->sent - s->rx.received : 0;

    t->streams++;
    t->sent += s->sent;
    add_rx(t, &s->rx);
    add_rx(t, &s->term);
    add_jitter(t, transcoded ? &s->term : &s->rx);
    if (s->term.received) {
        t->term_streams++;
        t->term_received += s->term.received;
        t->term_lost_rfc += gaps;
    }
    if (transcoded && window_ms > 0) {
        int64_t g, silent;

        t->win_expected += rx_window_missing(&s->term, window_ms, &g, &silent);
        t->win_gaps += g;
        t->win_silent += silent;
    }
    if (transcoded && gaps > 0) {
        t->lossy++;
        t->worst_loss_pct = MAX(t->worst_loss_pct,
                                100.0 * (double) gaps / (double) rx_expected(&s->term));
    } else if (!transcoded && lost) {
        t->lossy++;
        t->worst_loss_pct = MAX(t->worst_loss_pct, 100.0 * (double) lost / (double) s->sent);
    }
}

/* Transcoded: most packets that came were the PBX's own, not ours
 * relayed with their send time. */
static bool
run_is_transcoded(const Gen *g)
{
    uint64_t own = 0, relayed = 0;

    for (unsigned i = 0; i < g->n_streams; i++) {
        own += g->streams[i].term.received;
        relayed += g->streams[i].rx.received;
    }
    return own > relayed;
}

static Totals
sum_streams(const Gen *g)
{
    Totals t = { .transcoded = run_is_transcoded(g) };
    double window_ms = g->window_done ? (double) (g->window_end_ms - g->window_start_ms) : 0;

    for (unsigned i = 0; i < g->n_streams; i++)
        if (g->streams[i].sent)
            add_stream(&t, &g->streams[i], t.transcoded, window_ms);
    return t;
}

static ThreadTotals
sum_threads(const Gen *g)
{
    ThreadTotals t = { 0 };

    for (unsigned i = 0; i < g->opt.threads; i++) {
        t.relayed += g->media[i].relayed;
        t.send_errors += g->media[i].send_errors;
        t.late_sends += g->media[i].late_sends;
        t.foreign += g->media[i].foreign;
        t.skipped_ms = MAX(t.skipped_ms, g->media[i].skipped_ticks);
        t.max_lag_ms = MAX(t.max_lag_ms, g->media[i].max_lag_ms);
    }
    return t;
}

/* Set-up time (first INVITE to 200) of the calls that came up, ms. */
static void
setup_times(const Gen *g, double *mean, double *max)
{
    double sum = 0;
    unsigned n = 0;

    *max = 0;
    for (unsigned i = 0; i < g->n_started; i++) {
        const Call *c = &g->calls[i];
        double ms = (double) (c->answered_ms - c->started_ms);

        if (!c->answered_ms)
            continue;
        sum += ms;
        *max = MAX(*max, ms);
        n++;
    }
    *mean = n ? sum / n : 0;
}

static double
pct(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0;
}

/* What the window measured: packets/s in and out, and CPU. */
typedef struct {
    double secs, rx_pps, tx_pps, own_cpu_pct, pbx_cpu_pct, pbx_us_per_pkt;
} Window;

static Window
window_of(const Gen *g)
{
    const Snapshot *a = &g->snap[0], *b = &g->snap[1];
    Window w = { 0 };
    uint64_t rx;

    if (!g->window_done)
        return w;
    w.secs = (double) (b->ms - a->ms) / 1000.0;
    rx = b->rx - a->rx;
    if (w.secs <= 0)
        return w;
    w.rx_pps = (double) rx / w.secs;
    w.tx_pps = (double) (b->tx - a->tx) / w.secs;
    w.own_cpu_pct = 100.0 * (b->own_cpu_s - a->own_cpu_s) / w.secs;
    w.pbx_cpu_pct = 100.0 * (b->pbx_cpu_s - a->pbx_cpu_s) / w.secs;
    w.pbx_us_per_pkt = rx ? 1e6 * (b->pbx_cpu_s - a->pbx_cpu_s) / (double) rx : 0;
    return w;
}

static void
print_people(const Gen *g, const Totals *t, const ThreadTotals *th, const Window *w,
             double setup_mean, double setup_max)
{
    printf("rtpgen: %u calls: %u up, %u failed (timeouts %u, 4xx %u, 5xx %u, 6xx %u, other %u,"
           " not placed %u); set-up mean %.0f ms, max %.0f ms; callee legs answered %u,"
           " failed %u\n",
           g->opt.calls, g->n_up, g->opt.calls - g->n_up, g->fail_codes[0], g->fail_codes[4],
           g->fail_codes[5], g->fail_codes[6], g->fail_codes[1], g->opt.calls - g->n_started,
           setup_mean, setup_max, g->n_legs_up, g->n_legs_failed);
    if (t->transcoded)
        printf("rtpgen: transcoded: the PBX sent %" G_GUINT64_FORMAT " packets of its own to %u"
               " streams (%s); %" G_GUINT64_FORMAT " of ours came back relayed\n",
               t->term_received, t->term_streams, g->opt.callee_codec->name, th->relayed);
    printf("rtpgen: %u streams: sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT
           " (loss %.4f %%%s, RFC 3550 lost %" G_GINT64_FORMAT ", %u streams with loss, worst"
           " %.3f %%); late (> %u ms) %" G_GUINT64_FORMAT "; misordered %" G_GUINT64_FORMAT "\n",
           t->streams, t->sent, t->received, t->loss_pct, t->transcoded ? " in the window" : "",
           t->lost_rfc, t->lossy, t->worst_loss_pct, g->opt.late_ms, t->late, t->misordered);
    printf("rtpgen: jitter mean %.3f ms, max %.3f ms (peak %.3f ms); delay max %.1f ms%s\n",
           t->streams ? t->jitter_sum / t->streams : 0, t->jitter_max, t->jitter_peak,
           t->delay_max_ms, t->transcoded ? " (after the stream's fastest packet)" : "");
    printf("rtpgen: window %.1f s with all calls up: %.0f packets/s received, %.0f sent\n",
           w->secs, w->rx_pps, w->tx_pps);
    printf("rtpgen: generator CPU %.0f %% of a core; sends: max lag %.1f ms, %" G_GUINT64_FORMAT
           " > 10 ms late, %" G_GUINT64_FORMAT " errors; foreign packets %" G_GUINT64_FORMAT "\n",
           w->own_cpu_pct, th->max_lag_ms, th->late_sends, th->send_errors, th->foreign);
    if (th->skipped_ms)
        printf("rtpgen: OVERLOADED: the generator fell more than 100 ms behind and skipped"
               " %" G_GUINT64_FORMAT " ms of its schedule: fewer calls, or more --threads\n",
               th->skipped_ms);
    if (g->opt.pbx_pid)
        printf("rtpgen: PBX (pid %d) CPU %.1f %% of a core, %.3f us per received packet\n",
               g->opt.pbx_pid, w->pbx_cpu_pct, w->pbx_us_per_pkt);
    if (g->n_bye_failed)
        printf("rtpgen: %u BYEs failed\n", g->n_bye_failed);
}

static void
print_keys(const Gen *g, const Totals *t, const ThreadTotals *th, const Window *w,
           double setup_mean, double setup_max)
{
    printf("calls=%u up=%u failed=%u legs_up=%u legs_failed=%u streams=%u"
           " sent=%" G_GUINT64_FORMAT " received=%" G_GUINT64_FORMAT " loss_pct=%.4f"
           " lost_rfc=%" G_GINT64_FORMAT " lossy_streams=%u late=%" G_GUINT64_FORMAT
           " late_pct=%.4f misordered=%" G_GUINT64_FORMAT,
           g->opt.calls, g->n_up, g->opt.calls - g->n_up, g->n_legs_up, g->n_legs_failed,
           t->streams,
           t->sent, t->received, t->loss_pct, t->lost_rfc,
           t->lossy, t->late, pct((double) t->late, (double) t->received), t->misordered);
    printf(" transcoded=%d callee_codec=%s term_streams=%u term_received=%" G_GUINT64_FORMAT
           " term_lost_rfc=%" G_GINT64_FORMAT " relayed_back=%" G_GUINT64_FORMAT
           " win_expected=%" G_GINT64_FORMAT " win_gaps=%" G_GINT64_FORMAT
           " win_silent=%" G_GINT64_FORMAT,
           t->transcoded, g->opt.callee_codec->name, t->term_streams, t->term_received,
           t->term_lost_rfc, th->relayed, t->win_expected, t->win_gaps, t->win_silent);
    printf(" jitter_mean_ms=%.3f jitter_max_ms=%.3f jitter_peak_ms=%.3f delay_max_ms=%.1f",
           t->streams ? t->jitter_sum / t->streams : 0, t->jitter_max, t->jitter_peak,
           t->delay_max_ms);
    printf(" window_s=%.2f pps=%.0f tx_pps=%.0f setup_ms_mean=%.1f setup_ms_max=%.0f"
           " gen_cpu_pct=%.1f send_lag_max_ms=%.1f late_sends=%" G_GUINT64_FORMAT
           " send_errors=%" G_GUINT64_FORMAT " send_skipped_ms=%" G_GUINT64_FORMAT
           " foreign=%" G_GUINT64_FORMAT,
           w->secs, w->rx_pps, w->tx_pps, setup_mean, setup_max, w->own_cpu_pct, th->max_lag_ms,
           th->late_sends, th->send_errors, th->skipped_ms, th->foreign);
    printf(" pbx_cpu_pct=%.1f pbx_us_per_pkt=%.3f bye_failed=%u timeout=%d error=%d\n",
           w->pbx_cpu_pct, w->pbx_us_per_pkt, g->n_bye_failed, g->timed_out, g->error);
}

void
report_print(const Gen *g)
{
    Totals t = sum_streams(g);
    ThreadTotals th = sum_threads(g);
    Window w = window_of(g);
    double setup_mean, setup_max;

    if (t.transcoded)
        t.loss_pct = pct((double) (t.win_gaps + t.win_silent), (double) t.win_expected);
    else
        t.loss_pct = pct((double) (t.sent - MIN(t.sent, t.received)), (double) t.sent);
    setup_times(g, &setup_mean, &setup_max);
    print_people(g, &t, &th, &w, setup_mean, setup_max);
    print_keys(g, &t, &th, &w, setup_mean, setup_max);
    fflush(stdout);
}
