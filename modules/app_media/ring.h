/* app_media - a ring of samples from one producer thread to one consumer
 * thread, without locks: a recording's media thread pushes what it
 * hears, the writer thread takes it to the file.
 *
 * Capacity is fixed at init (a power of two); a push that does not fit
 * whole is dropped and counted, never waited for: the media thread must
 * not block on the disk.  Head and tail run free (modulo 2^32) and are
 * read and published with atomics, so each side sees the other's
 * samples complete.
 *
 * Thread affinity: init and clear wherever no other side runs (the main
 * context, before the port is attached and after it is released);
 * rec_ring_push on the producer thread; rec_ring_peek, rec_ring_consume
 * and rec_ring_take_dropped on the consumer thread.
 */
#pragma once

#include <glib.h>

typedef struct {
    gint16 *buf;
    guint mask;                 /* capacity - 1 */
    guint head;                 /* atomic: written by the producer */
    guint tail;                 /* atomic: written by the consumer */
    guint dropped;              /* atomic: samples the producer could not push */
} RecRing;

/* A ring holding at least min_samples (rounded up to a power of two). */
void rec_ring_init(RecRing *ring, guint min_samples);
void rec_ring_clear(RecRing *ring);
guint rec_ring_capacity(const RecRing *ring);

/* Producer: all n samples, or none (counted as dropped): FALSE. */
gboolean rec_ring_push(RecRing *ring, const gint16 *pcm, guint n);

/* Consumer: the samples waiting, as up to two contiguous pieces (the
 * second for the part that wraps; its length may be 0); returns the
 * total.  They stay valid until rec_ring_consume. */
guint rec_ring_peek(RecRing *ring, const gint16 **a, guint *na, const gint16 **b, guint *nb);
/* Consumer: frees the first n samples peeked. */
void rec_ring_consume(RecRing *ring, guint n);
/* Consumer: samples dropped since the last call (and resets the count). */
guint rec_ring_take_dropped(RecRing *ring);
