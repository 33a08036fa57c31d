/* Carillon - res_sip timers: the stack's own timer set (carillon/timer.h).
 *
 * Transactions and connections need many short timers (A-K, idle
 * timeouts); they all live in one PbxTimers set behind one GSource.  The
 * names below keep the stack's code short; tests switch the set to a
 * fake clock with sip_timers_use_fake_clock().
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/timer.h>

G_BEGIN_DECLS

typedef PbxTimer SipTimer;
typedef PbxTimerFunc SipTimerFunc;

/* The set, created by sip_timers_init() (or the first sip_timer_init()). */
PbxTimers *sip_timers(void);
void sip_timers_init(void);
void sip_timers_shutdown(void);

static inline gint64
sip_now(void)
{
    return pbx_timers_now(sip_timers());
}

static inline void
sip_timer_init(SipTimer *timer, SipTimerFunc fn, gpointer data)
{
    pbx_timer_init(timer, sip_timers(), fn, data);
}

static inline void
sip_timer_start(SipTimer *timer, guint ms)
{
    pbx_timer_start(timer, ms);
}

static inline void
sip_timer_stop(SipTimer *timer)
{
    pbx_timer_stop(timer);
}

static inline gboolean
sip_timer_armed(const SipTimer *timer)
{
    return pbx_timer_armed(timer);
}

static inline guint
sip_timers_count(void)
{
    return pbx_timers_count(sip_timers());
}

/* Tests: use a fake clock starting at 1 s (no GSource attached). */
void sip_timers_use_fake_clock(void);
/* Tests: move the fake clock forward by ms, firing due timers in order. */
void sip_timers_advance(guint ms);

G_END_DECLS
