/* Carillon - chan_sip timers: a binary min-heap driven by one GSource. */
#include "timer.h"

typedef struct {
    SipTimer **heap;
    guint len;
    guint cap;
    guint64 next_seq;
    GSource *source;
    gboolean fake;
    gint64 fake_now;
} Timers;

static Timers timers;

gint64
sip_now(void)
{
    return timers.fake ? timers.fake_now : g_get_monotonic_time();
}

static gboolean
earlier(const SipTimer *a, const SipTimer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void
heap_set(guint i, SipTimer *t)
{
    timers.heap[i] = t;
    t->index = i + 1;
}

static void
sift_up(guint i)
{
    SipTimer *t = timers.heap[i];

    while (i > 0) {
        guint parent = (i - 1) / 2;
        if (!earlier(t, timers.heap[parent]))
            break;
        heap_set(i, timers.heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

static void
sift_down(guint i)
{
    SipTimer *t = timers.heap[i];

    for (;;) {
        guint child = 2 * i + 1;
        if (child >= timers.len)
            break;
        if (child + 1 < timers.len && earlier(timers.heap[child + 1], timers.heap[child]))
            child++;
        if (!earlier(timers.heap[child], t))
            break;
        heap_set(i, timers.heap[child]);
        i = child;
    }
    heap_set(i, t);
}

/* Tells the GSource when the earliest timer is due. */
static void
update_source(void)
{
    if (!timers.source)
        return;
    g_source_set_ready_time(timers.source, timers.len ? timers.heap[0]->deadline : -1);
}

static void
heap_remove(SipTimer *t)
{
    guint i = t->index - 1;
    SipTimer *last;

    t->index = 0;
    timers.len--;
    if (i == timers.len)
        return;
    last = timers.heap[timers.len];
    heap_set(i, last);
    if (i > 0 && earlier(last, timers.heap[(i - 1) / 2]))
        sift_up(i);
    else
        sift_down(i);
}

void
sip_timer_init(SipTimer *timer, SipTimerFunc fn, gpointer data)
{
    timer->deadline = 0;
    timer->seq = 0;
    timer->index = 0;
    timer->fn = fn;
    timer->data = data;
}

void
sip_timer_stop(SipTimer *timer)
{
    gboolean was_top;

    if (!timer->index)
        return;
    was_top = timer->index == 1;
    heap_remove(timer);
    if (was_top)
        update_source();
}

void
sip_timer_start(SipTimer *timer, guint ms)
{
    if (timer->index)
        heap_remove(timer);
    if (timers.len == timers.cap) {
        timers.cap = timers.cap ? timers.cap * 2 : 256;
        timers.heap = g_renew(SipTimer *, timers.heap, timers.cap);
    }
    timer->deadline = sip_now() + (gint64) ms * 1000;
    timer->seq = timers.next_seq++;
    timers.heap[timers.len] = timer;
    timer->index = ++timers.len;
    sift_up(timers.len - 1);
    if (timer->index == 1)
        update_source();
}

guint
sip_timers_count(void)
{
    return timers.len;
}

/* Fires every timer due at `now`, at most `budget` of them so that a burst
 * of expiries cannot starve socket I/O.  A callback may re-arm or stop any
 * timer, including its own. */
static void
run_due(gint64 now, guint budget)
{
    while (timers.len && timers.heap[0]->deadline <= now && budget-- > 0) {
        SipTimer *t = timers.heap[0];
        heap_remove(t);
        t->fn(t, t->data);
    }
}

static gboolean
source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    run_due(g_get_monotonic_time(), 4096);
    update_source();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
    .dispatch = source_dispatch,
};

void
sip_timers_init(void)
{
    if (timers.source || timers.fake)
        return;
    timers.source = g_source_new(&source_funcs, sizeof(GSource));
    g_source_set_name(timers.source, "sip-timers");
    g_source_set_priority(timers.source, G_PRIORITY_DEFAULT);
    g_source_attach(timers.source, NULL);
    update_source();
}

void
sip_timers_shutdown(void)
{
    while (timers.len)
        heap_remove(timers.heap[0]);
    if (timers.source) {
        g_source_destroy(timers.source);
        g_source_unref(timers.source);
        timers.source = NULL;
    }
    g_free(timers.heap);
    timers.heap = NULL;
    timers.cap = 0;
}

void
sip_timers_use_fake_clock(void)
{
    if (timers.source) {
        g_source_destroy(timers.source);
        g_source_unref(timers.source);
        timers.source = NULL;
    }
    timers.fake = TRUE;
    timers.fake_now = G_USEC_PER_SEC;
}

void
sip_timers_advance(guint ms)
{
    gint64 target = timers.fake_now + (gint64) ms * 1000;

    g_return_if_fail(timers.fake);
    /* Step through deadlines so callbacks see the time they were due. */
    while (timers.len && timers.heap[0]->deadline <= target) {
        if (timers.heap[0]->deadline > timers.fake_now)
            timers.fake_now = timers.heap[0]->deadline;
        run_due(timers.fake_now, G_MAXUINT);
    }
    timers.fake_now = target;
}
