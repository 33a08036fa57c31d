/* app_media - single-producer single-consumer sample ring (see ring.h). */
#include <string.h>

#include "ring.h"

void
rec_ring_init(RecRing *r, guint min_samples)
{
    guint cap = 1;

    while (cap < min_samples && cap < (1u << 30))
        cap <<= 1;
    r->buf = g_new0(gint16, cap);
    r->mask = cap - 1;
    r->head = r->tail = r->dropped = 0;
}

void
rec_ring_clear(RecRing *r)
{
    g_clear_pointer(&r->buf, g_free);
}

guint
rec_ring_capacity(const RecRing *r)
{
    return r->mask + 1;
}

/* Copies in at position pos, wrapping at the end of the buffer. */
static void
copy_in(RecRing *r, guint pos, const gint16 *pcm, guint n)
{
    guint at = pos & r->mask;
    guint first = MIN(n, r->mask + 1 - at);

    memcpy(r->buf + at, pcm, first * sizeof(gint16));
    memcpy(r->buf, pcm + first, (n - first) * sizeof(gint16));
}

gboolean
rec_ring_push(RecRing *r, const gint16 *pcm, guint n)
{
    guint head = r->head;               /* only we write it */
    guint tail = (guint) g_atomic_int_get(&r->tail);

    if (n > r->mask + 1 - (head - tail)) {
        g_atomic_int_add(&r->dropped, n);
        return FALSE;
    }
    copy_in(r, head, pcm, n);
    g_atomic_int_set(&r->head, head + n);   /* publishes the samples */
    return TRUE;
}

guint
rec_ring_peek(RecRing *r, const gint16 **a, guint *na, const gint16 **b, guint *nb)
{
    guint head = (guint) g_atomic_int_get(&r->head);
    guint tail = r->tail;               /* only we write it */
    guint n = head - tail, at = tail & r->mask;

    *a = r->buf + at;
    *na = MIN(n, r->mask + 1 - at);
    *b = r->buf;
    *nb = n - *na;
    return n;
}

void
rec_ring_consume(RecRing *r, guint n)
{
    g_atomic_int_set(&r->tail, r->tail + n);
}

guint
rec_ring_take_dropped(RecRing *r)
{
    return (guint) g_atomic_int_and(&r->dropped, 0);
}
