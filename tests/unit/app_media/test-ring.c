/* Unit tests: the recording ring, one producer and one consumer thread
 * without locks: sizes, wrapping, all-or-nothing pushes that count what
 * they drop, and a producer and a consumer thread running at once. */
#include <string.h>

#include <glib.h>

#include "../../../modules/app_media/ring.h"

static guint
take_all(RecRing *r, gint16 *out)
{
    const gint16 *a, *b;
    guint na, nb, n = rec_ring_peek(r, &a, &na, &b, &nb);

    memcpy(out, a, na * sizeof(gint16));
    memcpy(out + na, b, nb * sizeof(gint16));
    rec_ring_consume(r, n);
    return n;
}

static void
test_sizes_and_wrap(void)
{
    RecRing r;
    gint16 in[300], out[1024];

    rec_ring_init(&r, 1000);
    g_assert_cmpuint(rec_ring_capacity(&r), ==, 1024);
    for (guint i = 0; i < G_N_ELEMENTS(in); i++)
        in[i] = (gint16) i;
    /* many rounds, so that the positions wrap the buffer many times */
    for (guint round = 0; round < 100; round++) {
        g_assert_true(rec_ring_push(&r, in, 300));
        g_assert_true(rec_ring_push(&r, in, 300));
        g_assert_cmpuint(take_all(&r, out), ==, 600);
        g_assert_cmpmem(out, 600, in, 600);
        g_assert_cmpmem(out + 300, 600, in, 600);
    }
    rec_ring_clear(&r);
}

static void
test_full_drops_whole_pushes(void)
{
    RecRing r;
    gint16 in[400] = { 0 }, out[512];

    rec_ring_init(&r, 512);
    g_assert_true(rec_ring_push(&r, in, 400));
    g_assert_false(rec_ring_push(&r, in, 160));         /* 112 free: none of it */
    g_assert_false(rec_ring_push(&r, in, 160));
    g_assert_true(rec_ring_push(&r, in, 112));
    g_assert_cmpuint(rec_ring_take_dropped(&r), ==, 320);
    g_assert_cmpuint(rec_ring_take_dropped(&r), ==, 0);
    g_assert_cmpuint(take_all(&r, out), ==, 512);
    g_assert_true(rec_ring_push(&r, in, 160));
    rec_ring_clear(&r);
}

#define TOTAL 2000000

static gpointer
producer(gpointer data)
{
    RecRing *r = data;
    gint16 tick[160];
    guint sent = 0;

    while (sent < TOTAL) {
        for (guint i = 0; i < 160; i++)
            tick[i] = (gint16) (sent + i);
        if (rec_ring_push(r, tick, 160))
            sent += 160;
        else
            g_thread_yield();               /* a test may wait; a media thread drops */
    }
    return NULL;
}

/* The consumer sees every sample the producer pushed, in order. */
static void
test_threads(void)
{
    RecRing r;
    GThread *t;
    guint seen = 0;

    rec_ring_init(&r, 4096);
    t = g_thread_new("producer", producer, &r);
    while (seen < TOTAL) {
        const gint16 *a, *b;
        guint na, nb, n = rec_ring_peek(&r, &a, &na, &b, &nb);

        for (guint i = 0; i < na; i++)
            g_assert_cmpint(a[i], ==, (gint16) (seen + i));
        for (guint i = 0; i < nb; i++)
            g_assert_cmpint(b[i], ==, (gint16) (seen + na + i));
        rec_ring_consume(&r, n);
        seen += n;
    }
    g_thread_join(t);
    rec_ring_clear(&r);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_media: the recording ring (single producer, single consumer)");
    g_test_add_func("/app_media/ring/sizes-and-wrap", test_sizes_and_wrap);
    g_test_add_func("/app_media/ring/full", test_full_drops_whole_pushes);
    g_test_add_func("/app_media/ring/threads", test_threads);
    return g_test_run();
}
