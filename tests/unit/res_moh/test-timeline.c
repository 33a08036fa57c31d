/* Unit tests: a class's timeline and its players.  Two players of a class
 * asked at the same instant give the same samples whenever each joined;
 * a tick runs across file boundaries and round the loop; a player moves
 * by ticks but joins again after a stall; it plays the rate it wants once
 * it is loaded, another meanwhile, silence before any; nothing allocated
 * on the media path. */
#include "../alloc_count.h"
#include "moh_test.h"
#include "../../../modules/res_moh/player.h"

#define SEC G_USEC_PER_SEC

static const char *const three[] = { "/moh/1000-a", "/moh/250-b", "/moh/2000-c", NULL };

/* The samples a tick at position p of `three` at rate must hold (3.25 s
 * round the loop). */
static void
assert_tick_at(const PbxAudioFrame *f, guint rate, guint64 p)
{
    guint64 total = 3250 * (rate / 1000);

    g_assert_cmpuint(f->rate, ==, rate);
    g_assert_cmpuint(f->n_samples, ==, rate / 50);
    for (guint i = 0; i < f->n_samples; i++)
        if (f->samples[i] != moh_test_value((p + i) % total))
            g_error("sample %u at %" G_GUINT64_FORMAT ": %d, not %d", i, p, f->samples[i],
                    moh_test_value((p + i) % total));
}

/* A class of `files` at rate, decoded (the fake res_sounds answered). */
static MohClass *
loaded_class(const char *const *files, guint rate)
{
    MohClassDef *def = moh_test_def("default", files, rate);
    MohClass *cls = moh_class_new(def, &fake_sounds_api);

    moh_test_def_free(def);
    fake_sounds_init(files);
    g_assert_cmpuint(moh_class_want(cls, rate), ==, rate);
    moh_test_drain();
    g_assert_nonnull(moh_class_get_timeline(cls, rate));
    return cls;
}

static void
unload_class(MohClass *cls)
{
    moh_class_unref(cls);
    fake_sounds_clear();
}

static void
test_samples_for_us(void)
{
    g_assert_cmpuint(moh_samples_for_us(8000, 0), ==, 0);
    g_assert_cmpuint(moh_samples_for_us(8000, 124), ==, 0);
    g_assert_cmpuint(moh_samples_for_us(8000, 125), ==, 1);
    g_assert_cmpuint(moh_samples_for_us(48000, 20000), ==, 960);
    g_assert_cmpuint(moh_samples_for_us(16000, 1234567), ==, 19753);
    g_assert_cmpuint(moh_samples_for_us(8000, -5), ==, 0);
    /* a century at 48 kHz: no overflow */
    g_assert_cmpuint(moh_samples_for_us(48000, G_GINT64_CONSTANT(3155760000) * SEC), ==,
                     G_GUINT64_CONSTANT(3155760000) * 48000);
}

/* Seeking finds the file and offset of any position, modulo the loop;
 * a copy runs across file boundaries and from the last file to the
 * first. */
static void
test_seek_and_copy(void)
{
    MohClass *cls = loaded_class(three, 8000);
    const MohTimeline *tl = moh_class_get_timeline(cls, 8000);
    gint16 out[3000];
    MohCursor c;

    g_assert_cmpuint(tl->n_files, ==, 3);
    g_assert_cmpuint(tl->total, ==, 8000 + 2000 + 16000);
    moh_timeline_seek(tl, 0, &c);
    g_assert_cmpuint(c.file, ==, 0);
    moh_timeline_seek(tl, 8000, &c);
    g_assert_cmpuint(c.file, ==, 1);
    g_assert_cmpuint(c.offset, ==, 0);
    moh_timeline_seek(tl, 9999, &c);
    g_assert_cmpuint(c.file, ==, 1);
    g_assert_cmpuint(c.offset, ==, 1999);
    moh_timeline_seek(tl, 26000 * 3 + 10000, &c);             /* three turns on */
    g_assert_cmpuint(c.file, ==, 2);
    g_assert_cmpuint(c.offset, ==, 0);
    moh_timeline_seek(tl, 7000, &c);                          /* a, all of b, into c */
    moh_timeline_copy(tl, &c, out, 3000);
    for (guint i = 0; i < 3000; i++)
        g_assert_cmpint(out[i], ==, moh_test_value(7000 + i));
    g_assert_cmpuint(c.file, ==, 2);
    g_assert_cmpuint(c.offset, ==, 0);
    moh_timeline_seek(tl, 25000, &c);                         /* the end, then a again */
    moh_timeline_copy(tl, &c, out, 3000);
    for (guint i = 0; i < 3000; i++)
        g_assert_cmpint(out[i], ==, moh_test_value((25000 + i) % 26000));
    unload_class(cls);
}

/* Listeners that join later hear the class where it is, not from its
 * start: b joins 1.24 s after a, on a's tick, and from then on the two
 * give the same samples at the same instants, round the loop; c joins
 * at 1.234 s, mid-tick, and each of its ticks is the class at c's own
 * instants. */
static void
test_listeners_share_position(void)
{
    MohClass *cls = loaded_class(three, 8000);
    gint64 t0 = moh_class_get_start(cls) + 5 * SEC;      /* 5 s after the class began */
    PbxAudioFrame fa, fb, fc;
    MohPlayer a, b, c;

    moh_player_init(&a, cls, 8000);
    moh_player_init(&b, cls, 8000);
    moh_player_init(&c, cls, 8000);
    for (guint i = 0; i < 62; i++) {                     /* a: 1.24 s alone */
        g_assert_true(moh_player_fill(&a, t0 + i * 20000, &fa));
        assert_tick_at(&fa, 8000, (5 * 8000 + i * 160) % 26000);
    }
    for (guint i = 62; i < 62 + 1400; i++) {             /* 28 s: round the loop */
        gint64 now = t0 + i * 20000;
        g_assert_true(moh_player_fill(&a, now, &fa));
        g_assert_true(moh_player_fill(&b, now, &fb));
        g_assert_cmpmem(fa.samples, fa.n_samples * 2, fb.samples, fb.n_samples * 2);
        assert_tick_at(&fa, 8000, (5 * 8000 + (guint64) i * 160) % 26000);
        g_assert_true(moh_player_fill(&c, now - 6000, &fc));
        assert_tick_at(&fc, 8000, (5 * 8000 + (guint64) (i * 20 - 6) * 8) % 26000);
    }
    moh_player_clear(&a);
    moh_player_clear(&b);
    moh_player_clear(&c);
    unload_class(cls);
}

/* A worker that woke up late keeps the player's audio continuous; one
 * that stalled for longer than MOH_RESYNC_MS makes it join the class
 * again where the class is. */
static void
test_jitter_and_stall(void)
{
    MohClass *cls = loaded_class(three, 16000);
    gint64 t0 = moh_class_get_start(cls) + 2 * SEC;
    PbxAudioFrame f;
    MohPlayer p;

    moh_player_init(&p, cls, 16000);
    g_assert_true(moh_player_fill(&p, t0, &f));
    assert_tick_at(&f, 16000, 32000);
    g_assert_true(moh_player_fill(&p, t0 + 20000 + 150000, &f));    /* 150 ms late */
    assert_tick_at(&f, 16000, 32000 + 320);
    g_assert_true(moh_player_fill(&p, t0 + 40000, &f));             /* on time again */
    assert_tick_at(&f, 16000, 32000 + 640);
    g_assert_true(moh_player_fill(&p, t0 + 60000 + 500000, &f));    /* stalled 0.5 s */
    assert_tick_at(&f, 16000, (guint64) (2.56 * 16000));
    moh_player_clear(&p);
    unload_class(cls);
}

/* Before anything is decoded a player gives silence; a class of 8 kHz
 * files is never decoded at 48 kHz; a class of 48 kHz files asked at
 * 48 kHz while its 8 kHz audio is there plays that until its 48 kHz
 * audio comes, then switches, staying at the class's position. */
static void
test_rates(void)
{
    MohClassDef *def = moh_test_def("wide", three, 48000);
    MohClass *cls = moh_class_new(def, &fake_sounds_api);
    gint64 t0 = moh_class_get_start(cls) + SEC;
    PbxAudioFrame f;
    MohPlayer p;

    fake_sounds_init(three);
    g_assert_cmpuint(moh_class_want(cls, 8000), ==, 8000);
    moh_player_init(&p, cls, 48000);
    g_assert_false(moh_player_fill(&p, t0, &f));                  /* nothing decoded yet */
    moh_test_drain();
    g_assert_true(moh_player_fill(&p, t0 + 20000, &f));           /* 8 kHz meanwhile */
    assert_tick_at(&f, 8000, 8160);
    g_assert_cmpuint(moh_class_want(cls, 48000), ==, 48000);
    g_assert_true(moh_player_fill(&p, t0 + 40000, &f));
    assert_tick_at(&f, 8000, 8320);
    moh_test_drain();
    g_assert_true(moh_player_fill(&p, t0 + 60000, &f));           /* 48 kHz now */
    assert_tick_at(&f, 48000, 48000 + 3 * 960);
    g_assert_true(g_str_has_prefix(fake_sounds.log->str, "load:8000:/moh/1000-a;"));
    g_assert_nonnull(strstr(fake_sounds.log->str, "load:48000:/moh/2000-c;"));
    moh_player_clear(&p);
    moh_class_unref(cls);
    def->rate = 8000;                                             /* 8 kHz files */
    cls = moh_class_new(def, &fake_sounds_api);
    g_string_truncate(fake_sounds.log, 0);
    g_assert_cmpuint(moh_class_want(cls, 48000), ==, 8000);
    g_assert_cmpuint(moh_class_want(cls, 16000), ==, 8000);
    moh_class_unref(cls);                     /* with its loads in flight: cancelled */
    g_assert_cmpstr(fake_sounds.log->str, ==,
                    "load:8000:/moh/1000-a;load:8000:/moh/250-b;load:8000:/moh/2000-c;"
                    "cancel:/moh/1000-a;cancel:/moh/250-b;cancel:/moh/2000-c;");
    fake_sounds_clear();
    moh_test_def_free(def);
}

/* The media path: a thousand ticks of three players at the three rates,
 * joins and a file boundary included, allocate nothing. */
static void
test_no_allocation(void)
{
    MohClass *cls = loaded_class(three, 48000);
    gint64 t0 = moh_class_get_start(cls);
    static PbxAudioFrame f;
    MohPlayer p[3];
    guint n;

    if (!interposed()) {
        g_test_skip("malloc is not ours (valgrind or ASan)");
        unload_class(cls);
        return;
    }
    moh_class_want(cls, 8000);
    moh_class_want(cls, 16000);
    moh_test_drain();
    for (guint r = 0; r < 3; r++)
        moh_player_init(&p[r], cls, (guint[]) { 8000, 16000, 48000 }[r]);
    count_from_here();
    for (guint i = 0; i < 1000; i++)
        for (guint r = 0; r < 3; r++)
            moh_player_fill(&p[r], t0 + i * 20000 + (i == 500 ? SEC : 0), &f);
    n = counted();
    g_assert_cmpuint(n, ==, 0);
    for (guint r = 0; r < 3; r++)
        moh_player_clear(&p[r]);
    unload_class(cls);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_moh: a class's shared timeline and its players");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/res_moh/timeline/samples-for-us", test_samples_for_us);
    g_test_add_func("/res_moh/timeline/seek-and-copy", test_seek_and_copy);
    g_test_add_func("/res_moh/player/listeners-share-position", test_listeners_share_position);
    g_test_add_func("/res_moh/player/jitter-and-stall", test_jitter_and_stall);
    g_test_add_func("/res_moh/player/rates", test_rates);
    g_test_add_func("/res_moh/player/no-allocation", test_no_allocation);
    return g_test_run();
}
