/* Carillon - benchmark of call:record()'s media path: recordings per core.
 *
 * N recordings run at once in real time: every 20 ms the bench's main
 * thread, standing in for a media worker, hands each a tick of 8 kHz
 * speech-like audio.  Two ways, in alternating rounds of the same run:
 *
 *   ring    app_media's: the port's write (record_port.c) copies the tick
 *           into the recording's ring and measures its level; the writer
 *           thread (writer.c) drains the rings into WAV files every
 *           100 ms with libsndfile;
 *   direct  the reference, what a media thread writing its own files
 *           would do (Asterisk's recordings write each frame from the
 *           channel's thread): libsndfile's sf_write_short of each tick on
 *           the media thread.
 *
 * Both write the same 16-bit WAV files into one directory
 * (BENCH_RECORD_DIR, default a temporary directory under TMPDIR or /tmp),
 * and both measure from the first tick to the last file closed (the ring
 * way: renamed into place).  Per second of recorded audio: CPU of the
 * media thread, CPU of the whole process (the writer included), and what
 * that makes in recordings per core.  Read the ratios (ring/direct); the
 * machine is shared.  A measurement, not a test: no assertion on time.
 *
 *   tests/bench/bench-record [recordings] [seconds-per-round] [rounds]
 *                            (default 500 5 3)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <sndfile.h>

#include <carillon/carillon.h>

#include "../../modules/app_media/record_port.h"
#include "../../modules/app_media/writer.h"

#define RATE 8000
#define TICK 160
#define TICKS_PER_S 50
#define SPEECH_S 3

typedef struct {
    RecordPort port;
    RecFile *file;
    SNDFILE *sf;
    char *path;
} Rec;

typedef struct {
    double media_us, total_us;  /* CPU per recording-second */
    guint late;                 /* ticks that started late (the thread fell behind) */
    guint64 dropped;            /* samples the rings dropped */
} Result;

static gint16 speech[RATE * SPEECH_S];
static guint pending;

/* Voiced speech, roughly, with pauses: harmonics of a 150 Hz voice whose
 * loudness rises and falls three times a second. */
static void
make_speech(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(speech); i++) {
        double t = (double) i / RATE, v = 0;
        for (guint k = 1; k <= 8; k++)
            v += sin(2 * G_PI * 150 * k * t + k) / k;
        speech[i] = (gint16) (4000 * MAX(0, sin(2 * G_PI * 1.5 * t)) * v);
    }
}

static double
cpu_us(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
file_done(RecFile *file, const GError *error, gpointer data)
{
    if (error)
        g_error("%s", error->message);
    pending--;
}

static void
wait_pending(void)
{
    while (pending > 0)
        g_main_context_iteration(NULL, TRUE);
}

static void
open_ring(Rec *r)
{
    RecordPortParams p = { .rate = RATE, .max_samples = 0, .silence_samples = 0,
                           .threshold = record_threshold_from_dbm0(-40) };

    if (!record_port_init(&r->port, &p, NULL))
        g_error("record_port_init");
    r->file = rec_file_open(r->path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, &r->port.ring,
                            file_done, NULL);
    pending++;
}

static void
open_direct(Rec *r)
{
    SF_INFO info = { .samplerate = RATE, .channels = 1,
                     .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };

    r->sf = sf_open(r->path, SFM_WRITE, &info);
    if (!r->sf)
        g_error("%s: %s", r->path, sf_strerror(NULL));
}

/* One tick of every recording. */
static void
tick(Rec *recs, guint n, guint t, gboolean ring)
{
    static PbxAudioFrame f = { .rate = RATE, .n_samples = TICK };

    for (guint i = 0; i < n; i++) {
        /* each recording at its own place in the speech */
        guint at = ((t + i * 7) * TICK) % G_N_ELEMENTS(speech);

        memcpy(f.samples, speech + at, TICK * sizeof(gint16));
        if (ring)
            record_port_write(&recs[i].port, &f);
        else
            sf_write_short(recs[i].sf, f.samples, TICK);
    }
}

static void
close_all(Rec *recs, guint n, gboolean ring)
{
    for (guint i = 0; i < n; i++) {
        if (!ring) {
            sf_close(recs[i].sf);
            continue;
        }
        rec_file_finish(recs[i].file, TRUE, 0, file_done, NULL);
        pending++;
    }
    wait_pending();
}

static void
free_all(Rec *recs, guint n, gboolean ring)
{
    for (guint i = 0; i < n && ring; i++) {
        rec_file_free(recs[i].file);
        record_port_clear(&recs[i].port);
    }
}

/* Sleeps until the tick's time; TRUE when it had already passed. */
static gboolean
wait_tick(const struct timespec *start, guint t)
{
    struct timespec due = *start, now;
    gint64 ns = (gint64) t * (1000000000 / TICKS_PER_S);

    due.tv_sec += ns / 1000000000;
    due.tv_nsec += ns % 1000000000;
    if (due.tv_nsec >= 1000000000) {
        due.tv_sec++;
        due.tv_nsec -= 1000000000;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > due.tv_sec || (now.tv_sec == due.tv_sec && now.tv_nsec > due.tv_nsec))
        return TRUE;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
    return FALSE;
}

static Result
round_of(Rec *recs, guint n, guint seconds, gboolean ring)
{
    Result res = { 0 };
    struct timespec start;
    double media0, total0;

    for (guint i = 0; i < n; i++)
        ring ? open_ring(&recs[i]) : open_direct(&recs[i]);
    wait_pending();
    media0 = cpu_us(CLOCK_THREAD_CPUTIME_ID);
    total0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (guint t = 0; t < seconds * TICKS_PER_S; t++) {
        res.late += wait_tick(&start, t);
        tick(recs, n, t, ring);
    }
    for (guint i = 0; i < n && ring; i++)
        res.dropped += recs[i].port.lost;
    close_all(recs, n, ring);
    res.media_us = (cpu_us(CLOCK_THREAD_CPUTIME_ID) - media0) / ((double) n * seconds);
    res.total_us = (cpu_us(CLOCK_PROCESS_CPUTIME_ID) - total0) / ((double) n * seconds);
    free_all(recs, n, ring);
    return res;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

static double
median(double *v, guint n)
{
    qsort(v, n, sizeof(double), by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
report(const char *name, const Result *res, guint rounds, double *media, double *total)
{
    guint late = 0;
    guint64 dropped = 0;
    double m[16], tt[16];

    for (guint i = 0; i < rounds; i++) {
        m[i] = res[i].media_us;
        tt[i] = res[i].total_us;
        late += res[i].late;
        dropped += res[i].dropped;
    }
    *media = median(m, rounds);
    *total = median(tt, rounds);
    printf("%-7s %12.2f %12.2f %12.0f %12.0f %8u %10" G_GUINT64_FORMAT "\n", name, *media,
           *total, 1e6 / *media, 1e6 / *total, late, dropped);
}

/* Rounds alternate which way goes first. */
static void
run_rounds(Rec *recs, guint n, guint seconds, guint rounds, Result *ring, Result *direct)
{
    for (guint r = 0; r < rounds; r++) {
        if (r % 2 == 0)
            ring[r] = round_of(recs, n, seconds, TRUE);
        direct[r] = round_of(recs, n, seconds, FALSE);
        if (r % 2 == 1)
            ring[r] = round_of(recs, n, seconds, TRUE);
    }
}

static void
summary(const Result *ring, const Result *direct, guint rounds)
{
    double rm, rt, dm, dt;

    printf("%-7s %12s %12s %12s %12s %8s %10s\n", "way", "media us/s", "total us/s",
           "rec/media-core", "rec/core", "late", "dropped");
    report("ring", ring, rounds, &rm, &rt);
    report("direct", direct, rounds, &dm, &dt);
    printf("ratio ring/direct: media thread CPU %.2f (%.1fx less), whole process CPU %.2f "
           "(median of %u rounds; <1: ring cheaper)\n", rm / dm, dm / rm, rt / dt, rounds);
}

static Rec *
recs_new(const char *dir, guint n)
{
    Rec *recs = g_new0(Rec, n);

    for (guint i = 0; i < n; i++)
        recs[i].path = g_strdup_printf("%s/rec-%05u.wav", dir, i);
    return recs;
}

static void
recs_free(Rec *recs, guint n)
{
    for (guint i = 0; i < n; i++) {
        g_unlink(recs[i].path);
        g_free(recs[i].path);
    }
    g_free(recs);
}

int
main(int argc, char **argv)
{
    guint n = CLAMP(argc > 1 ? atoi(argv[1]) : 500, 1, 20000);
    guint seconds = CLAMP(argc > 2 ? atoi(argv[2]) : 5, 1, 600);
    guint rounds = CLAMP(argc > 3 ? atoi(argv[3]) : 3, 1, 16);
    const char *dir_env = g_getenv("BENCH_RECORD_DIR");
    g_autofree char *dir = dir_env ? g_strdup(dir_env)
                                   : g_dir_make_tmp("carillon-bench-record-XXXXXX", NULL);
    Rec *recs = recs_new(dir, n);
    Result ring[16], direct[16];

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_main_context_acquire(g_main_context_default());
    make_speech();
    if (!rec_writer_start(NULL))
        g_error("cannot start the writer");
    printf("recordings: %u at once, 8 kHz 16-bit WAV in %s, %u s per round, %u rounds "
           "(alternating)\n", n, dir, seconds, rounds);
    run_rounds(recs, n, seconds, rounds, ring, direct);
    rec_writer_stop();
    summary(ring, direct, rounds);
    recs_free(recs, n);
    if (!dir_env)
        g_rmdir(dir);
    return 0;
}
