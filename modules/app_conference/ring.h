/* app_conference - one participant's latest ticks, written by its media
 * thread and read by the media threads of the others, without a lock.
 *
 * The writer (the participant's worker, in its port's `write`) keeps its
 * last CONF_RING_TICKS ticks in a ring, each at every rate some listener
 * wants, and counts the ticks it has published in `seq`: tick k lives in
 * entry k % CONF_RING_TICKS, and seq becomes k + 1 (a store-release) once
 * tick k is whole.  A reader (another participant's worker, in its
 * port's `read`) follows the writer with its own cursor: it copies tick k
 * out and then reads seq again.  The writer starts overwriting tick k's
 * entry only once seq has reached k + CONF_RING_TICKS, so a second seq
 * below that proves the copy whole; otherwise the copy is dropped (a
 * seqlock over the ring: a release fence orders the writer's previous
 * publication before its new data, an acquire fence the reader's copy
 * before its second look).  Neither side waits, locks or allocates; a
 * slow reader loses a tick, it never blocks the writer.
 *
 * Thread affinity: init and clear on the main context, while no media
 * thread uses the ring; begin/entry/mark/publish on the writer's media
 * thread only; take on any number of reader threads at once.
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define CONF_RING_TICKS 8
/* The rates the mixer works at: 8, 16 and 48 kHz, index 0, 1, 2. */
#define CONF_N_RATES 3
/* Samples in a 20 ms tick at the highest rate. */
#define CONF_MAX_TICK 960
/* A reader more than this many ticks behind skips ahead. */
#define CONF_MAX_BACKLOG 3
#define CONF_NO_TICK G_MAXUINT

typedef struct {
    guint seq;                                    /* atomic: ticks published */
    guint tick_of[CONF_N_RATES][CONF_RING_TICKS]; /* atomic: tick an entry holds at a
                                                   * rate, CONF_NO_TICK when none */
    gint16 *data[CONF_N_RATES];                   /* CONF_RING_TICKS ticks per rate */
} ConfRing;

typedef enum {
    CONF_TAKE_OK,       /* a whole tick was copied out */
    CONF_TAKE_EMPTY,    /* nothing new since the last take */
    CONF_TAKE_ABSENT,   /* the tick was not written at that rate */
    CONF_TAKE_TORN,     /* overwritten while copied: dropped */
} ConfTake;

/* What a reader's takes ran into (counted by the reader's thread). */
typedef struct {
    guint empty, absent, torn, skipped;
} ConfTakeStats;

/* 8000, 16000, 48000 for rate index 0, 1, 2. */
static inline guint
conf_rate_of(guint ri)
{
    return ri == 0 ? 8000 : ri == 1 ? 16000 : 48000;
}

/* 0, 1, 2 for 8, 16, 48 kHz; -1 for another rate. */
static inline gint
conf_rate_index(guint rate)
{
    return rate == 8000 ? 0 : rate == 16000 ? 1 : rate == 48000 ? 2 : -1;
}

static inline guint
conf_tick_samples(guint ri)
{
    return conf_rate_of(ri) / 1000 * PBX_AUDIO_TICK_MS;
}

/* Counters are written by one thread and read by others (the CLI):
 * relaxed stores and loads, atomic only so that no read is torn. */
static inline void
conf_count(guint *counter)
{
    __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Main context: allocates the entries (once; a ring is reused as is). */
void conf_ring_init(ConfRing *ring);
void conf_ring_clear(ConfRing *ring);

/* Writer: the number of the tick to write now. */
guint conf_ring_begin(ConfRing *ring);
/* Writer: where tick m goes at rate index ri. */
gint16 *conf_ring_entry(ConfRing *ring, guint ri, guint m);
/* Writer: says whether tick m was written at rate index ri. */
void conf_ring_mark(ConfRing *ring, guint ri, guint m, gboolean written);
/* Writer: tick m is whole. */
void conf_ring_publish(ConfRing *ring, guint m);

/* Reader: the next tick after *cursor at rate index ri into dst (a tick
 * of samples), advancing *cursor; a reader more than CONF_MAX_BACKLOG
 * ticks behind first skips to the last two. */
ConfTake conf_ring_take(const ConfRing *ring, guint ri, guint *cursor, gint16 *dst,
                        ConfTakeStats *stats);
/* Any thread: ticks published so far. */
guint conf_ring_get_seq(const ConfRing *ring);

G_END_DECLS
