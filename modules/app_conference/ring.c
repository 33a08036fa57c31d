/* app_conference - a participant's ring of ticks (see ring.h). */
#include <string.h>

#include "ring.h"

void
conf_ring_init(ConfRing *ring)
{
    for (guint ri = 0; ri < CONF_N_RATES; ri++) {
        if (!ring->data[ri])
            ring->data[ri] = g_new0(gint16, (gsize) conf_tick_samples(ri) * CONF_RING_TICKS);
        for (guint e = 0; e < CONF_RING_TICKS; e++)   /* a late reader may still look */
            __atomic_store_n(&ring->tick_of[ri][e], CONF_NO_TICK, __ATOMIC_RELAXED);
    }
}

void
conf_ring_clear(ConfRing *ring)
{
    for (guint ri = 0; ri < CONF_N_RATES; ri++)
        g_clear_pointer(&ring->data[ri], g_free);
}

guint
conf_ring_begin(ConfRing *ring)
{
    guint m = __atomic_load_n(&ring->seq, __ATOMIC_RELAXED);

    /* the publication of tick m - 1 (seq = m) before any of tick m's data */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return m;
}

gint16 *
conf_ring_entry(ConfRing *ring, guint ri, guint m)
{
    return ring->data[ri] + (gsize) (m % CONF_RING_TICKS) * conf_tick_samples(ri);
}

void
conf_ring_mark(ConfRing *ring, guint ri, guint m, gboolean written)
{
    __atomic_store_n(&ring->tick_of[ri][m % CONF_RING_TICKS], written ? m : CONF_NO_TICK,
                     __ATOMIC_RELAXED);
}

void
conf_ring_publish(ConfRing *ring, guint m)
{
    __atomic_store_n(&ring->seq, m + 1, __ATOMIC_RELEASE);
}

guint
conf_ring_get_seq(const ConfRing *ring)
{
    return __atomic_load_n(&ring->seq, __ATOMIC_ACQUIRE);
}

/* Which tick to take next, or FALSE when there is none; a reader too far
 * behind (its thread was late, or it just started following) jumps to the
 * last two ticks so that the delay stays short. */
static gboolean
next_tick(guint seq, guint *cursor, guint *k, ConfTakeStats *stats)
{
    guint avail = seq - *cursor;        /* modulo 2^32: wraps with seq */

    if (avail == 0) {
        conf_count(&stats->empty);
        return FALSE;
    }
    if (avail > CONF_MAX_BACKLOG) {
        *cursor = seq - 2;
        conf_count(&stats->skipped);
    }
    *k = (*cursor)++;
    return TRUE;
}

ConfTake
conf_ring_take(const ConfRing *ring, guint ri, guint *cursor, gint16 *dst,
               ConfTakeStats *stats)
{
    guint k, e, n = conf_tick_samples(ri);

    if (!next_tick(conf_ring_get_seq(ring), cursor, &k, stats))
        return CONF_TAKE_EMPTY;
    e = k % CONF_RING_TICKS;
    if (__atomic_load_n(&ring->tick_of[ri][e], __ATOMIC_RELAXED) != k) {
        conf_count(&stats->absent);
        return CONF_TAKE_ABSENT;
    }
    memcpy(dst, ring->data[ri] + (gsize) e * n, n * sizeof(gint16));
    /* the copy before the second look at seq */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&ring->seq, __ATOMIC_RELAXED) - k >= CONF_RING_TICKS) {
        conf_count(&stats->torn);
        return CONF_TAKE_TORN;
    }
    return CONF_TAKE_OK;
}
