/* Carillon - timer sets: many timers, one min-heap, one GSource.
 *
 * Transactions, connections, registrations and calls need many timers.
 * A GSource per timer makes every main-loop iteration walk all of them
 * (g_main_context_prepare/check are linear in the number of sources), so
 * a module keeps its timers in a PbxTimers set: a binary heap behind a
 * single GSource that wakes up at the earliest deadline.  A PbxTimer is
 * embedded in its owner and never allocated on its own; freeing the set
 * disarms whatever is still armed.
 *
 * Tests can switch a set to a fake clock: time then only moves with
 * pbx_timers_advance(), which fires what became due.
 *
 * Thread affinity: the main context only, asserted by every function
 * here (pbx_timer_armed() excepted: it reads one field of the caller's
 * own timer).  A set's GSource is attached to the default main context,
 * so its timers fire there.  Arming or stopping a timer costs one
 * g_main_context_is_owner() check (a mutex round trip, ~12 ns): fine per
 * SIP message; media workers time their work with their own poll
 * timeouts, never with a timer set.
 */
#pragma once

#include <glib.h>

#include <carillon/defs.h>

G_BEGIN_DECLS

typedef struct _PbxTimers PbxTimers;
typedef struct _PbxTimer PbxTimer;
typedef void (*PbxTimerFunc)(PbxTimer *timer, gpointer data);

struct _PbxTimer {
    PbxTimers *set;
    gint64 deadline;            /* monotonic µs */
    guint64 seq;                /* FIFO order among equal deadlines */
    guint index;                /* heap position + 1; 0 = not armed */
    PbxTimerFunc fn;
    gpointer data;
};

/* A set whose GSource is attached to the main context. */
PBX_API PbxTimers *pbx_timers_new(const char *name);
PBX_API void pbx_timers_free(PbxTimers *set);
/* Current time of the set in µs (monotonic, or its fake clock). */
PBX_API gint64 pbx_timers_now(const PbxTimers *set);
/* Number of armed timers. */
PBX_API guint pbx_timers_count(const PbxTimers *set);

PBX_API void pbx_timer_init(PbxTimer *timer, PbxTimers *set, PbxTimerFunc fn,
                            gpointer data);
/* (Re)arm to fire `ms` milliseconds from now. */
PBX_API void pbx_timer_start(PbxTimer *timer, guint ms);
PBX_API void pbx_timer_stop(PbxTimer *timer);
static inline gboolean
pbx_timer_armed(const PbxTimer *timer)
{
    return timer->index != 0;
}

/* Tests: the set uses a fake clock starting at 1 s (its GSource goes). */
PBX_API void pbx_timers_use_fake_clock(PbxTimers *set);
/* Tests: moves the fake clock forward by ms, firing due timers in order. */
PBX_API void pbx_timers_advance(PbxTimers *set, guint ms);

G_END_DECLS
