/* Carillon - benchmark of app_playback in process: what a playing call
 * costs the media thread each 20 ms tick, with one prompt shared by
 * every call and with a prompt of its own per call, against a reference
 * doing the same copy and encode without app_playback; and what a
 * playing call costs in memory against an answered call that waits.
 *
 *   tests/bench/bench-playback [calls] [rounds]     (default 500 calls, 7 rounds)
 *
 * The modules (codec_g711, res_sounds, app_playback) are loaded from
 * TOP_BUILDDIR/modules as the daemon loads them; the calls are the unit
 * tests' fake channels (tests/unit/core/fake_tech.c) running a dialplan
 * of their own; a "media thread" (this one) ticks every call's port and
 * encodes what it read to G.711, as a res_rtp worker does for a leg that
 * plays.  Network I/O is not in it (the relay benchmark measures a packet
 * through the daemon).  Rounds alternate between the cases; medians are
 * reported, CPU time of this thread.  See tests/bench/README.md.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../core/calls_private.h"
#include "../../core/core_private.h"
#include "../../core/module_private.h"
#include "../unit/alloc_count.h"
#include "../unit/core/fake_tech.c"
#include "tone.h"

#define RATE 8000
#define PROMPT_SECONDS 5                /* longer than every round together */
#define ROUND_TICKS 20                  /* ticks of each call per case and round */
#define TICK_SAMPLES (RATE / 50)

static const char script[] =
    "context('bench', { on_invite = function(call)\n"
    "  call:answer()\n"
    "  if call.vars.prompt then call:play(call.vars.prompt) else pbx.sleep(3600) end\n"
    "end })\n";

typedef struct {
    const char *name;
    GPtrArray *calls;                   /* PbxChannel */
    double ns[64];                      /* per call tick, each round */
    guint64 allocs;                     /* during the ticks */
    gsize heap, rss_kb;                 /* added by its calls */
    guint64 setup_allocs;
} Case;

static char *dir;
static PbxCodecInstance *ulaw;
static gint16 *reference_audio;         /* the reference reads this */

/* ---------------------------------------------------------- files */

/* A 16-bit mono WAV: the 44-byte header, then the samples (host order
 * is little-endian here, as WAV wants). */
static void
write_wav(const char *path, const gint16 *pcm, guint n)
{
    struct __attribute__((packed)) {
        char riff[4];
        guint32 riff_len;
        char wave_fmt[8];
        guint32 fmt_len;
        guint16 format, channels;
        guint32 rate, bytes_per_s;
        guint16 align, bits;
        char data[4];
        guint32 data_len;
    } h = { { 'R', 'I', 'F', 'F' }, 36 + n * 2, { 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ' },
            16, 1, 1, RATE, RATE * 2, 2, 16, { 'd', 'a', 't', 'a' }, n * 2 };
    g_autofree guint8 *file = g_malloc(sizeof h + n * 2);

    memcpy(file, &h, sizeof h);
    memcpy(file + sizeof h, pcm, n * 2);
    g_assert_true(g_file_set_contents(path, (const char *) file, sizeof h + n * 2, NULL));
}

/* Prompts bench/p0 .. p<n-1>: speech-like, each from another offset. */
static void
write_prompts(guint n)
{
    g_autofree char *sub = g_build_filename(dir, "sounds", "en", "bench", NULL);
    guint len = RATE * PROMPT_SECONDS;
    g_autofree gint16 *pcm = g_new(gint16, len);

    g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
    for (guint i = 0; i < n; i++) {
        g_autofree char *path = g_strdup_printf("%s/p%u.wav", sub, i);
        bench_tone_fill(pcm, len, RATE, i * 37);
        write_wav(path, pcm, len);
    }
}

/* ---------------------------------------------------------- measuring */

static double
thread_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static gsize
heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

static gsize
rss_kb(void)
{
    g_autofree char *status = NULL;
    const char *line;

    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return 0;
    line = strstr(status, "VmRSS:");
    return line ? (gsize) g_ascii_strtoull(line + 6, NULL, 10) : 0;
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

/* One tick of every call of the case: its port, then G.711. */
static void
tick_case(Case *c)
{
    static PbxAudioFrame in, out;
    guint8 payload[TICK_SAMPLES];

    in.rate = RATE;
    in.n_samples = TICK_SAMPLES;
    for (guint i = 0; i < c->calls->len; i++)
        if (fake_tech_port_tick(c->calls->pdata[i], &in, &out))
            pbx_codec_encode_frame(ulaw, &out, payload, sizeof payload);
}

/* The reference: the same copy of a tick (each call at its own place in
 * one buffer) and the same encode, straight from a loop. */
static void
tick_reference(Case *c, guint tick)
{
    static PbxAudioFrame out;
    guint8 payload[TICK_SAMPLES];
    guint len = RATE * PROMPT_SECONDS - TICK_SAMPLES;

    out.rate = RATE;
    out.n_samples = TICK_SAMPLES;
    for (guint i = 0; i < c->calls->len; i++) {
        memcpy(out.samples, reference_audio + (i * 37 + tick * TICK_SAMPLES) % len,
               TICK_SAMPLES * sizeof(gint16));
        pbx_codec_encode_frame(ulaw, &out, payload, sizeof payload);
    }
}

static void
round_of(Case *c, guint round, gboolean reference)
{
    double start;

    count_from_here();
    start = thread_ns();
    for (guint t = 0; t < ROUND_TICKS; t++) {
        if (reference)
            tick_reference(c, round * ROUND_TICKS + t);
        else
            tick_case(c);
    }
    c->ns[round] = (thread_ns() - start) / (ROUND_TICKS * (double) c->calls->len);
    c->allocs += counted();
}

static int
by_value(gconstpointer a, gconstpointer b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

/* Median and half the range in % of it. */
static double
median(const Case *c, guint rounds, double *spread)
{
    double v[64];

    memcpy(v, c->ns, rounds * sizeof(double));
    qsort(v, rounds, sizeof(double), by_value);
    *spread = 50 * (v[rounds - 1] - v[0]) / v[rounds / 2];
    return v[rounds / 2];
}

/* ---------------------------------------------------------- calls */

static guint
count_ports(void)
{
    const char *log = fake_tech_log();
    guint n = 0;

    for (const char *p = log; (p = strstr(p, "port:")); p += 5)
        n += p == log || p[-1] == ';';
    return n;
}

/* n calls, each playing its prompt (or waiting, prompt NULL), set up
 * and playing; their heap, RSS and allocations in c. */
static void
start_calls(Case *c, guint n, const char *prompt, gboolean distinct)
{
    gsize heap = heap_in_use(), rss = rss_kb();

    c->calls = g_ptr_array_new_with_free_func((GDestroyNotify) pbx_channel_unref);
    fake_tech_clear_log();
    count_from_here();
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = distinct ? g_strdup_printf("%s%u", prompt, i) : NULL;
        PbxChannel *chan = fake_tech_call_in("1001", "play", "bench");
        if (prompt)
            pbx_channel_set_var(chan, "prompt", distinct ? name : prompt);
        g_ptr_array_add(c->calls, chan);
    }
    for (guint i = 0; i < 100000 && count_ports() < (prompt ? n : 0); i++) {
        drain();
        g_usleep(100);
    }
    drain();
    c->setup_allocs = counted();
    if (prompt && count_ports() < n)
        g_error("only %u of %u calls play", count_ports(), n);
    c->heap = heap_in_use() - heap;
    c->rss_kb = rss_kb() - rss;
}

static void
hang_up(Case *c)
{
    for (guint i = 0; i < c->calls->len; i++)
        pbx_channel_hangup_from_tech(c->calls->pdata[i], PBX_CAUSE_NORMAL_CLEARING);
    drain();
    g_ptr_array_unref(c->calls);
}

/* ---------------------------------------------------------- report */

static void
print_speed(Case *c, guint rounds, double ref_ns)
{
    double spread, ns = median(c, rounds, &spread);

    printf("%-22s %9.0f %6.0f %14.0f %7.2f %10" G_GUINT64_FORMAT "\n", c->name, ns, spread,
           20e6 / ns, ns / ref_ns, c->allocs);
}

static void
print_memory(const char *what, const Case *c, guint n, const Case *idle)
{
    double per = (double) c->heap / n;

    printf("%-22s %9.0f %9.0f %9.2f %9.1f %9.1f\n", what, per,
           idle ? per - (double) idle->heap / n : 0, idle ? per / ((double) idle->heap / n) : 1,
           (double) c->setup_allocs / n, (double) c->rss_kb * 1024 / n);
}

static void
summary_line(const char *what, double ref_ns, double ns)
{
    const char *path = g_getenv("BENCH_RESULTS");
    FILE *f = path && *path ? fopen(path, "a") : NULL;

    if (!f)
        return;
    fprintf(f, "playback|%s|%.0f|%.0f|%.2f|%.1f|%.1f|%.2f|%s\n", what, 20e6 / ref_ns, 20e6 / ns,
            ref_ns / ns, ref_ns * 50 / 1000, ns * 50 / 1000, ref_ns / ns,
            "per core, media work only (in process)");
    fclose(f);
}

static void
report(Case *ref, Case *shared, Case *distinct, Case *idle, guint n, guint rounds)
{
    double spread, ref_ns = median(ref, rounds, &spread);
    double shared_ns = median(shared, rounds, &spread);
    double distinct_ns = median(distinct, rounds, &spread);

    printf("\n%-22s %9s %6s %14s %7s %10s\n", "case", "ns/tick", "+/-%", "playbacks/core",
           "ratio", "allocs");
    print_speed(ref, rounds, ref_ns);
    print_speed(shared, rounds, ref_ns);
    print_speed(distinct, rounds, ref_ns);
    printf("(ns per call per 20 ms tick: port read + G.711 encode; ratio to the reference)\n");
    printf("\n%-22s %9s %9s %9s %9s %9s\n", "memory per call", "heap B", "+idle B", "x idle",
           "allocs", "RSS B");
    print_memory("answered, waiting", idle, n, NULL);
    print_memory("playing, shared", shared, n, idle);
    print_memory("playing, distinct", distinct, n, idle);
    printf("(a prompt of its own holds %d bytes of samples: %d s at %d Hz)\n",
           PROMPT_SECONDS * RATE * 2, PROMPT_SECONDS, RATE);
    summary_line("shared prompt", ref_ns, shared_ns);
    summary_line("distinct prompts", ref_ns, distinct_ns);
}

/* ---------------------------------------------------------- setup */

static void
setup(guint n)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autofree char *path = NULL;
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    dir = g_dir_make_tmp("carillon-bench-playback-XXXXXX", NULL);
    write_prompts(n);
    path = g_build_filename(dir, "extensions.lua", NULL);
    g_assert_true(g_file_set_contents(path, script, -1, NULL));
    paths.config_dir = g_strdup(dir);
    paths.sounds_dir = g_build_filename(dir, "sounds", NULL);
    pbx_paths_set(&paths);
    pbx_log_set_level(NULL, PBX_LOG_WARNING);
    fake_tech_register("SIP");
    pbx_modules_init(mods);
    if (!pbx_module_load("codec_g711", &error) || !pbx_module_load("app_playback", &error)
        || !pbx_dialplan_init(&error))
        g_error("%s", error->message);
    ulaw = pbx_codec_instance_new(pbx_codec_find("ulaw"), NULL, NULL);
    reference_audio = g_new(gint16, RATE * PROMPT_SECONDS);
    bench_tone_fill(reference_audio, RATE * PROMPT_SECONDS, RATE, 0);
}

static void
teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    pbx_dialplan_shutdown();
    pbx_codec_instance_free(ulaw);
    pbx_modules_shutdown();
    fake_tech_unregister();
    g_free(reference_audio);
    if (system(cmd) != 0)
        g_warning("could not remove %s", dir);
    g_free(dir);
}

int
main(int argc, char **argv)
{
    guint n = argc > 1 ? (guint) g_ascii_strtoull(argv[1], NULL, 10) : 500;
    guint rounds = argc > 2 ? (guint) g_ascii_strtoull(argv[2], NULL, 10) : 7;
    Case idle = { "answered, waiting" }, shared = { "shared prompt" };
    Case distinct = { "distinct prompts" }, ref = { "reference" };

    n = CLAMP(n, 1, 5000);
    rounds = CLAMP(rounds, 1, MIN(63, PROMPT_SECONDS * 50 / ROUND_TICKS - 1));
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_main_context_acquire(g_main_context_default());
    printf("app_playback in process: %u calls per case, %d s prompts at %d Hz, "
           "%u rounds x %d ticks (median)\n", n, PROMPT_SECONDS, RATE, rounds, ROUND_TICKS);
    if (!interposed())
        printf("(allocations not counted: malloc is not ours under valgrind or ASan)\n");
    setup(n);
    start_calls(&idle, n, NULL, FALSE);
    start_calls(&shared, n, "bench/p0", FALSE);
    start_calls(&distinct, n, "bench/p", TRUE);
    ref.calls = shared.calls;
    for (guint r = 0; r < rounds; r++) {
        Case *order[] = { &ref, &shared, &distinct };
        for (guint k = 0; k < 3; k++)
            round_of(order[(k + r) % 3], r, order[(k + r) % 3] == &ref);
    }
    report(&ref, &shared, &distinct, &idle, n, rounds);
    hang_up(&distinct);
    hang_up(&shared);
    hang_up(&idle);
    teardown();
    return 0;
}
