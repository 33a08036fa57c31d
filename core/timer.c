/* Carillon - timer sets: a binary min-heap per set, driven by one GSource
 * (see carillon/timer.h). */
#include "core_private.h"

#include <carillon/timer.h>

struct _PbxTimers {
    PbxTimer **heap;
    guint len;
    guint cap;
    guint64 next_seq;
    GSource *source;           /* NULL with the fake clock */
    gboolean fake;
    gint64 fake_now;
};

typedef struct {
    GSource base;
    PbxTimers *set;
} TimerSource;

gint64
pbx_timers_now(const PbxTimers *set)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return set->fake ? set->fake_now : g_get_monotonic_time();
}

guint
pbx_timers_count(const PbxTimers *set)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return set->len;
}

static gboolean
earlier(const PbxTimer *a, const PbxTimer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void
heap_set(PbxTimers *set, guint i, PbxTimer *t)
{
    set->heap[i] = t;
    t->index = i + 1;
}

static void
sift_up(PbxTimers *set, guint i)
{
    PbxTimer *t = set->heap[i];

    while (i > 0) {
        guint parent = (i - 1) / 2;
        if (!earlier(t, set->heap[parent]))
            break;
        heap_set(set, i, set->heap[parent]);
        i = parent;
    }
    heap_set(set, i, t);
}

static void
sift_down(PbxTimers *set, guint i)
{
    PbxTimer *t = set->heap[i];

    for (;;) {
        guint child = 2 * i + 1;
        if (child >= set->len)
            break;
        if (child + 1 < set->len && earlier(set->heap[child + 1], set->heap[child]))
            child++;
        if (!earlier(set->heap[child], t))
            break;
        heap_set(set, i, set->heap[child]);
        i = child;
    }
    heap_set(set, i, t);
}


static void
heap_remove(PbxTimers *set, PbxTimer *t)
{
    guint i = t->index - 1;
    PbxTimer *last;

    t->index = 0;
    set->len--;
    if (i == set->len)
        return;
    last = set->heap[set->len];
    heap_set(set, i, last);
    if (i > 0 && earlier(last, set->heap[(i - 1) / 2]))
        sift_up(set, i);
    else
        sift_down(set, i);
}

void
pbx_timer_init(PbxTimer *timer, PbxTimers *set, PbxTimerFunc fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    timer->set = set;
    timer->deadline = 0;
    timer->seq = 0;
    timer->index = 0;
    timer->fn = fn;
    timer->data = data;
}

void
pbx_timer_stop(PbxTimer *timer)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (timer->index)
        heap_remove(timer->set, timer);
}

void
pbx_timer_start(PbxTimer *timer, guint ms)
{
    PbxTimers *set = timer->set;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(set != NULL);
    if (timer->index)
        heap_remove(set, timer);
    if (set->len == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 256;
        set->heap = g_renew(PbxTimer *, set->heap, set->cap);
    }
    timer->deadline = pbx_timers_now(set) + (gint64) ms * 1000;
    timer->seq = set->next_seq++;
    set->heap[set->len] = timer;
    timer->index = ++set->len;
    sift_up(set, set->len - 1);
}

/* Fires every timer due at `now`, at most `budget` of them so that a burst
 * of expiries cannot starve socket I/O.  A callback may re-arm or stop any
 * timer, including its own. */
static void
run_due(PbxTimers *set, gint64 now, guint budget)
{
    while (set->len && set->heap[0]->deadline <= now && budget-- > 0) {
        PbxTimer *t = set->heap[0];
        heap_remove(set, t);
        t->fn(t, t->data);
    }
}

static gboolean
source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    PbxTimers *set = ((TimerSource *) source)->set;

    run_due(set, g_get_monotonic_time(), 4096);
    return G_SOURCE_CONTINUE;
}

/* The GSource asks the heap at every main-loop iteration (prepare and
 * check) instead of being told with g_source_set_ready_time(): that call
 * wakes the context up (an eventfd write and read) every time, which at
 * an arm or a stop per message is two system calls per message.  Timers
 * are armed on the main context only, so the next prepare sees them. */
static gboolean
source_prepare(GSource *source, gint *timeout)
{
    PbxTimers *set = ((TimerSource *) source)->set;
    gint64 left;

    if (!set->len) {
        *timeout = -1;
        return FALSE;
    }
    left = set->heap[0]->deadline - g_source_get_time(source);
    if (left <= 0) {
        *timeout = 0;
        return TRUE;
    }
    *timeout = (gint) MIN((left + 999) / 1000, G_MAXINT);
    return FALSE;
}

static gboolean
source_check(GSource *source)
{
    PbxTimers *set = ((TimerSource *) source)->set;

    return set->len && set->heap[0]->deadline <= g_source_get_time(source);
}

static GSourceFuncs source_funcs = {
    .prepare = source_prepare,
    .check = source_check,
    .dispatch = source_dispatch,
};

PbxTimers *
pbx_timers_new(const char *name)
{
    PbxTimers *set;

    PBX_ASSERT_MAIN_CONTEXT();
    set = g_new0(PbxTimers, 1);
    set->source = g_source_new(&source_funcs, sizeof(TimerSource));
    ((TimerSource *) set->source)->set = set;
    g_source_set_name(set->source, name);
    g_source_set_priority(set->source, G_PRIORITY_DEFAULT);
    g_source_attach(set->source, NULL);
    return set;
}

static void
drop_source(PbxTimers *set)
{
    if (set->source) {
        g_source_destroy(set->source);
        g_source_unref(set->source);
        set->source = NULL;
    }
}

void
pbx_timers_free(PbxTimers *set)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!set)
        return;
    while (set->len)
        heap_remove(set, set->heap[0]);
    drop_source(set);
    g_free(set->heap);
    g_free(set);
}

void
pbx_timers_use_fake_clock(PbxTimers *set)
{
    PBX_ASSERT_MAIN_CONTEXT();
    drop_source(set);
    set->fake = TRUE;
    set->fake_now = G_USEC_PER_SEC;
}

void
pbx_timers_advance(PbxTimers *set, guint ms)
{
    gint64 target;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(set->fake);
    target = set->fake_now + (gint64) ms * 1000;
    /* Step through deadlines so callbacks see the time they were due. */
    while (set->len && set->heap[0]->deadline <= target) {
        if (set->heap[0]->deadline > set->fake_now)
            set->fake_now = set->heap[0]->deadline;
        run_due(set, set->fake_now, G_MAXUINT);
    }
    set->fake_now = target;
}
