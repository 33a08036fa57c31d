/* Carillon - chan_sip timers: one min-heap behind one GSource.
 *
 * Transactions and connections need many short timers (A-K, idle
 * timeouts).  A GSource per timer would make every main-loop iteration
 * walk thousands of sources, so all SIP timers live in one binary heap and
 * a single GSource wakes up at the earliest deadline.  A SipTimer is
 * embedded in its owner and never allocated on its own.
 *
 * Tests can switch to a fake clock: time then only moves with
 * sip_timers_advance(), which fires what became due.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SipTimer SipTimer;
typedef void (*SipTimerFunc)(SipTimer *timer, gpointer data);

struct _SipTimer {
    gint64 deadline;            /* monotonic µs */
    guint64 seq;                /* FIFO order among equal deadlines */
    guint index;                /* heap position + 1; 0 = not armed */
    SipTimerFunc fn;
    gpointer data;
};

void sip_timers_init(void);
void sip_timers_shutdown(void);

/* Current time in µs (g_get_monotonic_time() or the fake clock). */
gint64 sip_now(void);

void sip_timer_init(SipTimer *timer, SipTimerFunc fn, gpointer data);
/* (Re)arm to fire `ms` milliseconds from now. */
void sip_timer_start(SipTimer *timer, guint ms);
void sip_timer_stop(SipTimer *timer);
static inline gboolean
sip_timer_armed(const SipTimer *timer)
{
    return timer->index != 0;
}

/* Number of armed timers. */
guint sip_timers_count(void);

/* Tests: use a fake clock starting at 1 s (no GSource attached). */
void sip_timers_use_fake_clock(void);
/* Tests: move the fake clock forward by ms, firing due timers in order. */
void sip_timers_advance(guint ms);

G_END_DECLS
