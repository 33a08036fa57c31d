/* Carillon - micro-benchmark of app_conference's mixer (mixer.h):
 * nanoseconds of CPU per participant-tick (its write, resampling
 * included, and its read: the mix of everyone else), on one thread as
 * one media worker runs a room, for rooms of 3 and of 20: all G.711
 * (8 kHz), 8 and 16 kHz in turn (G.711 and G.722 phones), and 8, 16 and
 * 48 kHz in turn (Opus too).  Against references timed in the same run:
 * a plain memcpy of each participant's tick, and decoding a G.711 tick
 * (what the worker does anyway for each participant).  Also what mixing
 * every room at 16 kHz, the design not taken, would add per participant.
 * A measurement, not a test: no assertion on time.  Thread CPU time, not
 * wall time: the machine is shared.
 *
 *   tests/bench/bench-conference [seconds-per-case]   (default 1.0)
 *
 * codec_g711 is loaded from TOP_BUILDDIR/modules (default ./modules).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <carillon/carillon.h>

#include "../../core/module_private.h"
#include "../../modules/app_conference/mixer.h"

#define MAX_PARTIES 20
#define BATCH 50

typedef struct {
    ConfMixer *mixer;
    ConfMixPort *ports[MAX_PARTIES];
    PbxAudioFrame in[MAX_PARTIES];
    guint n;
} Room;

/* What a batch of work times: fn(data) BATCH times. */
typedef void (*Work)(gpointer data);

static PbxAudioFrame out;

static gint64
cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU ns per call of fn over about `seconds` of CPU. */
static double
measure(Work fn, gpointer data, double seconds)
{
    gint64 start = cpu_ns(), ns;
    guint64 calls = 0;

    do {
        for (guint i = 0; i < BATCH; i++)
            fn(data);
        calls += BATCH;
        ns = cpu_ns() - start;
    } while (ns < seconds * 1e9);
    return (double) ns / (double) calls;
}

/* ------------------------------------------------------------ a room */

static void
room_init(Room *r, guint n, const guint *rates, guint n_rates)
{
    r->mixer = conf_mixer_new();
    r->n = n;
    for (guint i = 0; i < n; i++) {
        guint rate = rates[i % n_rates];
        pbx_audio_frame_init(&r->in[i], rate);
        r->in[i].n_samples = rate / 50;
        for (guint k = 0; k < r->in[i].n_samples; k++)
            r->in[i].samples[k] = (gint16) lrint(3000 * sin(2 * G_PI * (300 + 97 * i) * k / rate));
        r->ports[i] = conf_mix_port_new(r->mixer, rate, NULL);
    }
}

static void
room_clear(Room *r)
{
    for (guint i = 0; i < r->n; i++)
        conf_mix_port_free(r->ports[i]);
    conf_mixer_free(r->mixer);
}

/* One tick as a media worker runs it: every write, then every read. */
static void
room_tick(gpointer data)
{
    Room *r = data;

    for (guint i = 0; i < r->n; i++)
        conf_mix_port_write(r->ports[i], &r->in[i]);
    for (guint i = 0; i < r->n; i++)
        conf_mix_port_read(r->ports[i], &out);
}

/* The reference: each participant's tick copied once. */
static void
copy_ticks(gpointer data)
{
    Room *r = data;

    for (guint i = 0; i < r->n; i++)
        memcpy(out.samples, r->in[i].samples, r->in[i].n_samples * sizeof(gint16));
}

/* ------------------------------------------------------------ references */

static void
g711_decode(gpointer data)
{
    static const guint8 payload[160] = { 0x55 };

    pbx_codec_decode(data, payload, sizeof payload, out.samples, PBX_AUDIO_MAX_SAMPLES);
}

typedef struct {
    PbxResampler *up, *down;
    gint16 in[CONF_MAX_TICK], mid[320];
    guint n;
} RoundTrip;

/* A tick to 16 kHz and back. */
static void
round_trip(gpointer data)
{
    RoundTrip *t = data;

    pbx_resampler_process(t->up, t->in, t->n, t->mid, 320);
    pbx_resampler_process(t->down, t->mid, 320, out.samples, t->n);
}

/* What a fixed 16 kHz mix would add to a participant at `rate`. */
static double
fixed_rate_ns(guint rate, double seconds)
{
    RoundTrip t = { .n = rate / 50 };
    double ns;

    t.up = pbx_resampler_new(rate, 16000, NULL);
    t.down = pbx_resampler_new(16000, rate, NULL);
    for (guint k = 0; k < t.n; k++)
        t.in[k] = (gint16) lrint(3000 * sin(2 * G_PI * 440 * k / rate));
    ns = measure(round_trip, &t, seconds);
    pbx_resampler_free(t.up);
    pbx_resampler_free(t.down);
    return ns;
}

/* ------------------------------------------------------------ report */

static void
report(const char *what, guint n, const guint *rates, guint n_rates, double decode,
       double seconds)
{
    Room r;
    double mix, copy;

    room_init(&r, n, rates, n_rates);
    measure(room_tick, &r, seconds / 5);       /* warm-up */
    mix = measure(room_tick, &r, seconds) / n;
    copy = measure(copy_ticks, &r, seconds) / n;
    printf("%2u  %-22s %7.0f ns %8.1fx %10.2fx %10.0f\n", n, what, mix, mix / copy, mix / decode,
           PBX_AUDIO_TICK_MS * 1e6 / mix);
    room_clear(&r);
}

int
main(int argc, char **argv)
{
    static const guint g711[] = { 8000 }, wide[] = { 8000, 16000 },
                       mixed[] = { 8000, 16000, 48000 };
    double seconds = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 1.0;
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autoptr(PbxCodecInstance) dec = NULL;
    g_autoptr(GError) error = NULL;
    double decode, fixed8, fixed48;

    if (seconds <= 0)
        seconds = 1.0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_main_context_acquire(g_main_context_default());
    pbx_modules_init(mods);
    if (!pbx_module_load("codec_g711", &error))
        g_error("%s", error->message);
    conf_tones_init();
    dec = pbx_codec_instance_new(pbx_codec_find("ulaw"), NULL, NULL);
    decode = measure(g711_decode, dec, seconds);
    fixed8 = fixed_rate_ns(8000, seconds);
    fixed48 = fixed_rate_ns(48000, seconds);
    printf("conference mixer: CPU per participant-tick (20 ms: its write and its read), "
           "one thread, %.1f s each\n", seconds);
    printf("reference: decoding a G.711 tick %.0f ns\n", decode);
    printf("not taken: a fixed 16 kHz mix would add %.0f ns (%.1fx the decode) per 8 kHz "
           "participant-tick, %.0f ns (%.1fx) per 48 kHz one\n", fixed8, fixed8 / decode,
           fixed48, fixed48 / decode);
    printf(" n  rates                  per tick  /memcpy  /G.711 dec  per core\n");
    report("all 8 kHz (G.711)", 3, g711, 1, decode, seconds);
    report("8, 16 kHz in turn", 3, wide, 2, decode, seconds);
    report("8, 16, 48 kHz in turn", 3, mixed, 3, decode, seconds);
    report("all 8 kHz (G.711)", 20, g711, 1, decode, seconds);
    report("8, 16 kHz in turn", 20, wide, 2, decode, seconds);
    report("8, 16, 48 kHz in turn", 20, mixed, 3, decode, seconds);
    g_clear_pointer(&dec, pbx_codec_instance_free);
    conf_tones_clear();
    pbx_modules_shutdown();
    return 0;
}
