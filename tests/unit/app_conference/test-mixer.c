/* Unit tests: app_conference's mixer (mixer.h, ring.h): who hears whom,
 * at which rate, with tones, mutes, clipping, and media threads running
 * at the same time. */
#include <string.h>

#include "../alloc_count.h"
#include "../audio_check.h"
#include "../../../modules/app_conference/mixer_private.h"

#define SETTLE_TICKS 10         /* resamplers' delay, cursors catching up */

typedef struct {
    ConfMixPort *port;
    guint rate;
    double freq, amplitude;
    guint64 sent;               /* samples sent so far: the tone goes on across ticks */
    GArray *heard;              /* gint16 */
    guint silent_ticks;
} Party;

static void
party_init(Party *p, ConfMixer *m, guint rate, double freq, double amplitude)
{
    g_autoptr(GError) error = NULL;

    *p = (Party) { .rate = rate, .freq = freq, .amplitude = amplitude };
    p->port = conf_mix_port_new(m, rate, &error);
    g_assert_no_error(error);
    p->heard = g_array_new(FALSE, FALSE, sizeof(gint16));
}

static void
party_clear(Party *p)
{
    g_clear_pointer(&p->port, conf_mix_port_free);
    g_array_unref(p->heard);
}

static void
party_write(Party *p)
{
    static PbxAudioFrame f;

    pbx_audio_frame_init(&f, p->rate);
    f.n_samples = p->rate / 50;
    for (guint i = 0; i < f.n_samples; i++, p->sent++)
        f.samples[i] = (gint16) lrint(p->amplitude * sin(2 * G_PI * p->freq * p->sent / p->rate));
    conf_mix_port_write(p->port, &f);
}

static void
party_read(Party *p)
{
    static PbxAudioFrame f;

    if (!conf_mix_port_read(p->port, &f)) {
        p->silent_ticks++;
        f.rate = p->rate;
        f.n_samples = p->rate / 50;
        memset(f.samples, 0, f.n_samples * sizeof(gint16));
    }
    g_assert_cmpuint(f.rate, ==, p->rate);
    g_assert_cmpuint(f.n_samples, ==, p->rate / 50);
    g_array_append_vals(p->heard, f.samples, f.n_samples);
}

/* Ticks as one media worker runs them: every write, then every read. */
static void
run(Party *parties, guint n, guint ticks)
{
    for (guint t = 0; t < ticks; t++) {
        for (guint i = 0; i < n; i++)
            party_write(&parties[i]);
        for (guint i = 0; i < n; i++)
            party_read(&parties[i]);
    }
}

/* The share of what p heard after `from_tick` that is at freq. */
static double
share(const Party *p, guint from_tick, double freq)
{
    guint from = from_tick * (p->rate / 50);

    g_assert_cmpuint(p->heard->len, >, from);
    return audio_tone_share(&g_array_index(p->heard, gint16, from), p->heard->len - from, p->rate,
                            freq);
}

/* ---- who hears whom ---- */

static void
check_hears_others(Party *parties, guint n, double min_share, double max_own)
{
    for (guint i = 0; i < n; i++) {
        for (guint j = 0; j < n; j++) {
            double s = share(&parties[i], SETTLE_TICKS, parties[j].freq);
            if (i == j && s > max_own)
                g_error("party %u (%u Hz) hears its own %.0f Hz: share %.4f", i, parties[i].rate,
                        parties[j].freq, s);
            if (i != j && s < min_share)
                g_error("party %u (%u Hz) hears party %u (%u Hz, %.0f Hz) too little: %.4f", i,
                        parties[i].rate, j, parties[j].rate, parties[j].freq, s);
        }
    }
}

/* Three participants at 8, 16 and 48 kHz, each with its own tone: each
 * hears the other two (about half the energy each) and not itself, from
 * the first tick on (one thread: writes come before reads).  The tones
 * are not whole numbers of cycles per 20 ms tick, so that a tick
 * mishandled at its edges shows. */
static void
test_three(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[3];

    party_init(&p[0], m, 8000, 510, 8000);
    party_init(&p[1], m, 16000, 930, 8000);
    party_init(&p[2], m, 48000, 1370, 8000);
    run(p, 3, 60);
    check_hears_others(p, 3, 0.45, 0.001);
    for (guint i = 0; i < 3; i++) {
        g_assert_cmpuint(p[i].silent_ticks, ==, 0);
        party_clear(&p[i]);
    }
    conf_mixer_free(m);
}

/* Twenty at mixed rates: each hears nineteen tones (about 1/19 of the
 * energy each), never its own. */
static void
test_twenty(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[20];
    static const guint rates[] = { 8000, 16000, 48000 };

    for (guint i = 0; i < 20; i++)
        party_init(&p[i], m, rates[i % 3], 257 + 140 * i, 1500);
    run(p, 20, 60);
    check_hears_others(p, 20, 0.02, 0.002);
    for (guint i = 0; i < 20; i++)
        party_clear(&p[i]);
    conf_mixer_free(m);
}

/* What crosses rates comes out clean: a speaker at one rate heard at the
 * two others is the tone it sent, with under 1% of the energy elsewhere
 * (a resampler fed twice, or a tick dropped or repeated at the joins,
 * would smear it). */
static void
test_resampled_clean(void)
{
    static const guint rates[] = { 8000, 16000, 48000 };

    for (guint s = 0; s < 3; s++) {
        ConfMixer *m = conf_mixer_new();
        Party p[3];
        for (guint i = 0; i < 3; i++)
            party_init(&p[i], m, rates[(s + i) % 3], i == 0 ? 770 : 0, i == 0 ? 8000 : 0);
        run(p, 3, 60);
        for (guint i = 1; i < 3; i++) {
            double share_770 = share(&p[i], SETTLE_TICKS, 770);
            if (share_770 < 0.99)
                g_error("%u Hz -> %u Hz: the tone is %.4f of what is heard", p[0].rate, p[i].rate,
                        share_770);
        }
        for (guint i = 0; i < 3; i++)
            party_clear(&p[i]);
        conf_mixer_free(m);
    }
}

/* Rates nobody listens to are not made: a room of G.711 phones never
 * resamples (their 16 and 48 kHz entries stay empty). */
static void
test_rates_wanted(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[2];
    ConfMixStats st;

    party_init(&p[0], m, 8000, 500, 8000);
    party_init(&p[1], m, 8000, 900, 8000);
    run(p, 2, 20);
    conf_mix_port_get_stats(p[0].port, &st);
    g_assert_cmpuint(st.written, ==, 20);
    g_assert_cmpuint(st.mixed, ==, 20);
    g_assert_cmpuint(st.take.absent + st.take.empty + st.take.torn, ==, 0);
    for (guint ri = 1; ri < CONF_N_RATES; ri++)
        for (guint e = 0; e < CONF_RING_TICKS; e++)
            g_assert_cmpuint(m->slots[0].ring.tick_of[ri][e], ==, CONF_NO_TICK);
    /* a 48 kHz listener arrives: the others make 48 kHz from then on */
    party_clear(&p[1]);
    party_init(&p[1], m, 48000, 900, 8000);
    run(p, 2, 30);
    g_assert_cmpfloat(share(&p[1], SETTLE_TICKS, 500), >, 0.9);
    g_assert_cmpuint(conf_mix_port_get_rate(p[1].port), ==, 48000);
    party_clear(&p[0]);
    party_clear(&p[1]);
    conf_mixer_free(m);
}

/* Loud participants in phase: the sum is clipped to 16 bits, never
 * wrapped around to the other sign. */
static void
test_clipping(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[3];
    gint16 top = 0;

    for (guint i = 0; i < 3; i++)
        party_init(&p[i], m, 8000, 400, 25000);
    run(p, 3, 20);
    for (guint i = 0; i < p[0].heard->len; i++) {
        gint16 s = g_array_index(p[0].heard, gint16, i);
        double ref = sin(2 * G_PI * 400 * i / 8000);
        if ((ref > 0.05 && s < 0) || (ref < -0.05 && s > 0))
            g_error("sample %u wrapped: %d for a sine of %.2f", i, s, ref);
        top = MAX(top, s);
    }
    g_assert_cmpint(top, ==, G_MAXINT16);
    for (guint i = 0; i < 3; i++)
        party_clear(&p[i]);
    conf_mixer_free(m);
}

/* A muted participant is not heard; unmuted, it is again.  One who
 * leaves is not heard from the next tick, and its slot serves again. */
static void
test_mute_and_leave(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[3];

    party_init(&p[0], m, 8000, 500, 8000);
    party_init(&p[1], m, 16000, 900, 8000);
    party_init(&p[2], m, 8000, 1300, 8000);
    conf_mix_port_set_muted(p[1].port, TRUE);
    g_assert_true(conf_mix_port_get_muted(p[1].port));
    run(p, 3, 30);
    g_assert_cmpfloat(share(&p[0], SETTLE_TICKS, 900), <, 0.001);
    g_assert_cmpfloat(share(&p[0], SETTLE_TICKS, 1300), >, 0.9);
    g_assert_cmpfloat(share(&p[1], SETTLE_TICKS, 500), >, 0.3);   /* a muted one hears */
    conf_mix_port_set_muted(p[1].port, FALSE);
    g_array_set_size(p[0].heard, 0);
    run(p, 3, 30);
    g_assert_cmpfloat(share(&p[0], SETTLE_TICKS, 900), >, 0.3);
    conf_mix_port_leave(p[2].port);
    g_array_set_size(p[0].heard, 0);
    run(p, 3, 30);
    g_assert_cmpfloat(share(&p[0], 0, 1300), <, 0.001);
    party_clear(&p[2]);
    party_init(&p[2], m, 48000, 1700, 8000);      /* the slot again */
    g_array_set_size(p[0].heard, 0);
    run(p, 3, 30);
    g_assert_cmpfloat(share(&p[0], SETTLE_TICKS, 1700), >, 0.3);
    for (guint i = 0; i < 3; i++)
        party_clear(&p[i]);
    conf_mixer_free(m);
}

/* The join tone rises (440 then 660 Hz), the leave tone falls; everyone
 * hears it, at its own rate, alone in the room or not. */
static void
test_tones(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[2];

    party_init(&p[0], m, 8000, 0, 0);
    party_init(&p[1], m, 48000, 0, 0);
    run(p, 2, 2);
    conf_mixer_play_tone(m, CONF_TONE_JOIN);
    run(p, 2, 12);
    conf_mixer_play_tone(m, CONF_TONE_LEAVE);
    run(p, 2, 12);
    for (guint i = 0; i < 2; i++) {
        guint tick = p[i].rate / 50, n = 4 * tick;
        const gint16 *s = (const gint16 *) p[i].heard->data;
        g_assert_cmpfloat(audio_tone_share(s + 2 * tick + tick / 2, n, p[i].rate, 440), >, 0.8);
        g_assert_cmpfloat(audio_tone_share(s + 7 * tick + tick / 2, n, p[i].rate, 660), >, 0.8);
        g_assert_cmpfloat(audio_tone_share(s + 14 * tick + tick / 2, n, p[i].rate, 660), >, 0.8);
        g_assert_cmpfloat(audio_tone_share(s + 19 * tick + tick / 2, n, p[i].rate, 440), >, 0.8);
        g_assert_cmpfloat(audio_rms(s, 2 * tick), ==, 0);                /* before */
        g_assert_cmpfloat(audio_rms(s + 24 * tick, 2 * tick), ==, 0);   /* over */
        party_clear(&p[i]);
    }
    conf_mixer_free(m);
}

/* Writing and reading a tick allocate nothing (resamplers included). */
static void
test_no_allocation(void)
{
    ConfMixer *m = conf_mixer_new();
    Party p[3];
    guint n;

    if (!interposed()) {
        g_test_skip("malloc is not ours here (valgrind or AddressSanitizer)");
        conf_mixer_free(m);
        return;
    }
    party_init(&p[0], m, 8000, 500, 8000);
    party_init(&p[1], m, 16000, 900, 8000);
    party_init(&p[2], m, 48000, 1300, 8000);
    run(p, 3, 5);
    for (guint i = 0; i < 3; i++)
        g_array_set_size(p[i].heard, 60 * 960);     /* room for what follows */
    for (guint i = 0; i < 3; i++)
        g_array_set_size(p[i].heard, 0);
    conf_mixer_play_tone(m, CONF_TONE_JOIN);
    count_from_here();
    run(p, 3, 50);
    n = counted();
    g_assert_cmpuint(n, ==, 0);
    for (guint i = 0; i < 3; i++)
        party_clear(&p[i]);
    conf_mixer_free(m);
}

/* ---- threads ---- */

#define T_PARTIES 6
#define T_THREADS 3
#define T_TICKS 3000

/* What participant i says in tick t: a constant in a 2-bit field of its
 * own, so that a mix names who is in it (and a tick put together from
 * two ticks is not constant). */
static gint16
field_value(guint i, guint t)
{
    return (gint16) ((1 + t % 3) << (2 * i));
}

typedef struct {
    ConfMixPort *ports[T_PARTIES];
    guint first, n;             /* the participants this thread serves */
    guint ticks_heard, bad_tick, heard_self, fields_seen;
} Worker;

static void
worker_write(Worker *w, guint t)
{
    static __thread PbxAudioFrame f;

    pbx_audio_frame_init(&f, 8000);
    f.n_samples = 160;
    for (guint i = w->first; i < w->first + w->n; i++) {
        for (guint k = 0; k < 160; k++)
            f.samples[k] = field_value(i, t);
        conf_mix_port_write(w->ports[i], &f);
    }
}

static void
worker_check(Worker *w, guint i, const PbxAudioFrame *f)
{
    for (guint k = 1; k < f->n_samples; k++)
        if (f->samples[k] != f->samples[0]) {
            w->bad_tick++;
            return;
        }
    w->ticks_heard++;
    if ((f->samples[0] >> (2 * i)) & 3)
        w->heard_self++;
    w->fields_seen |= (guint) f->samples[0];
}

static gpointer
worker_run(gpointer data)
{
    static __thread PbxAudioFrame f;
    Worker *w = data;

    for (guint t = 0; t < T_TICKS; t++) {
        worker_write(w, t);
        for (guint i = w->first; i < w->first + w->n; i++)
            if (conf_mix_port_read(w->ports[i], &f))
                worker_check(w, i, &f);
        if (t % 7 == 0)
            g_thread_yield();       /* the workers drift against each other */
    }
    return NULL;
}

/* Three threads, each the media worker of two participants, tick freely
 * (no clock, no locks): every tick heard is whole (constant) and nobody
 * ever hears itself. */
static void
test_threads(void)
{
    ConfMixer *m = conf_mixer_new();
    Worker w[T_THREADS];
    GThread *threads[T_THREADS];
    ConfMixPort *ports[T_PARTIES];
    guint heard = 0, fields = 0;

    for (guint i = 0; i < T_PARTIES; i++)
        ports[i] = conf_mix_port_new(m, 8000, NULL);
    for (guint k = 0; k < T_THREADS; k++) {
        w[k] = (Worker) { .first = k * 2, .n = 2 };
        memcpy(w[k].ports, ports, sizeof ports);
        threads[k] = g_thread_new("worker", worker_run, &w[k]);
    }
    for (guint k = 0; k < T_THREADS; k++) {
        g_thread_join(threads[k]);
        g_assert_cmpuint(w[k].bad_tick, ==, 0);
        g_assert_cmpuint(w[k].heard_self, ==, 0);
        heard += w[k].ticks_heard;
        fields |= w[k].fields_seen;
    }
    /* how many depends on the scheduler (valgrind runs one thread at a time) */
    g_test_message("%u ticks heard of %u; participants heard: %#x", heard,
                   T_PARTIES * T_TICKS, fields);
    g_assert_cmpuint(heard, >, 0);
    for (guint i = 0; i < T_PARTIES; i++)
        conf_mix_port_free(ports[i]);
    conf_mixer_free(m);
}

/* The ring alone, as hard as it goes: a writer publishing ticks without
 * pause while readers take them (until each has R_TAKES whole ticks, or
 * R_SECONDS).  Every tick a reader accepts is the one it asked for,
 * whole; the others are counted as torn, skipped or not there yet,
 * never handed out. */
#define R_TAKES 20000
#define R_SECONDS 2
#define R_READERS 2

typedef struct {
    ConfRing ring;
    gint readers_done;
    gint writer_done;
    gint64 deadline;
} RingRace;

typedef struct {
    RingRace *race;
    guint ok, wrong, torn, skipped;
} RingReader;

static gpointer
ring_write(gpointer data)
{
    RingRace *race = data;

    while (g_atomic_int_get(&race->readers_done) < R_READERS &&
           g_get_monotonic_time() < race->deadline) {
        guint m = conf_ring_begin(&race->ring);
        gint16 *e = conf_ring_entry(&race->ring, 0, m);
        for (guint k = 0; k < 160; k++)
            e[k] = (gint16) (m & 0x7fff);
        conf_ring_mark(&race->ring, 0, m, TRUE);
        conf_ring_publish(&race->ring, m);
    }
    g_atomic_int_set(&race->writer_done, 1);
    return NULL;
}

static void
ring_check(RingReader *r, const gint16 *tick, guint k)
{
    for (guint i = 0; i < 160; i++)
        if (tick[i] != (gint16) (k & 0x7fff)) {
            r->wrong++;
            return;
        }
    r->ok++;
}

static gpointer
ring_read(gpointer data)
{
    RingReader *r = data;
    ConfTakeStats st = { 0 };
    gint16 tick[160];
    guint cursor = 0;

    while (r->ok < R_TAKES && !g_atomic_int_get(&r->race->writer_done))
        if (conf_ring_take(&r->race->ring, 0, &cursor, tick, &st) == CONF_TAKE_OK)
            ring_check(r, tick, cursor - 1);
    g_atomic_int_inc(&r->race->readers_done);
    r->torn = st.torn;
    r->skipped = st.skipped;
    return NULL;
}

static void
test_ring_race(void)
{
    RingRace race = { .deadline = g_get_monotonic_time() + R_SECONDS * G_USEC_PER_SEC };
    RingReader r[R_READERS];
    GThread *readers[R_READERS], *writer;

    conf_ring_init(&race.ring);
    writer = g_thread_new("writer", ring_write, &race);
    for (guint k = 0; k < R_READERS; k++) {
        r[k] = (RingReader) { .race = &race };
        readers[k] = g_thread_new("reader", ring_read, &r[k]);
    }
    for (guint k = 0; k < R_READERS; k++) {
        g_thread_join(readers[k]);
        g_test_message("reader %u: %u ticks whole, %u torn (dropped), %u skips", k, r[k].ok,
                       r[k].torn, r[k].skipped);
        g_assert_cmpuint(r[k].wrong, ==, 0);
        g_assert_cmpuint(r[k].ok, >, 0);
    }
    g_thread_join(writer);
    g_test_message("writer: %u ticks", conf_ring_get_seq(&race.ring));
    conf_ring_clear(&race.ring);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_conference's mixer: each hears the others at its own rate, "
                   "lock-free across media threads");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    conf_tones_init();
    g_test_add_func("/conference/mixer/three-rates", test_three);
    g_test_add_func("/conference/mixer/twenty", test_twenty);
    g_test_add_func("/conference/mixer/resampled-clean", test_resampled_clean);
    g_test_add_func("/conference/mixer/rates-wanted", test_rates_wanted);
    g_test_add_func("/conference/mixer/clipping", test_clipping);
    g_test_add_func("/conference/mixer/mute-and-leave", test_mute_and_leave);
    g_test_add_func("/conference/mixer/tones", test_tones);
    g_test_add_func("/conference/mixer/no-allocation", test_no_allocation);
    g_test_add_func("/conference/mixer/threads", test_threads);
    g_test_add_func("/conference/mixer/ring-race", test_ring_race);
    rc = g_test_run();
    conf_tones_clear();
    return rc;
}
