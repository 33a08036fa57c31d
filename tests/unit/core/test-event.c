/* Unit tests: the event bus. */
#include <string.h>

#include "../../../core/core_private.h"

static GString *seen;

static void
on_event(const PbxEvent *ev, gpointer data)
{
    const char *who = pbx_event_get(ev, "who");
    g_string_append_printf(seen, "%s:%s:%s;", (const char *) data,
                           pbx_event_get_type(ev), who ? who : "-");
}

static guint self_id;

static void
unsubscribe_self(const PbxEvent *ev, gpointer data)
{
    g_string_append(seen, "once;");
    pbx_event_unsubscribe(self_id);
}

static void
test_patterns(void)
{
    guint a, b, c;
    PbxEvent *ev;

    seen = g_string_new(NULL);
    a = pbx_event_subscribe(NULL, "registrar/registered", on_event, "exact");
    b = pbx_event_subscribe(NULL, "registrar/*", on_event, "prefix");
    c = pbx_event_subscribe(NULL, "*", on_event, "all");
    ev = pbx_event_new("registrar/registered");
    pbx_event_set(ev, "who", "1001");
    pbx_event_publish(ev);
    ev = pbx_event_new("module/loaded");
    pbx_event_publish(ev);
    g_assert_cmpstr(seen->str, ==,
                    "exact:registrar/registered:1001;"
                    "prefix:registrar/registered:1001;"
                    "all:registrar/registered:1001;"
                    "all:module/loaded:-;");
    pbx_event_unsubscribe(a);
    pbx_event_unsubscribe(b);
    pbx_event_unsubscribe(c);
    g_string_truncate(seen, 0);
    pbx_event_publish(pbx_event_new("registrar/registered"));
    g_assert_cmpstr(seen->str, ==, "");
    g_string_free(seen, TRUE);
}

static void
test_unsubscribe_during_dispatch(void)
{
    guint other;

    seen = g_string_new(NULL);
    self_id = pbx_event_subscribe(NULL, "x", unsubscribe_self, NULL);
    other = pbx_event_subscribe(NULL, "x", on_event, "other");
    pbx_event_publish(pbx_event_new("x"));
    pbx_event_publish(pbx_event_new("x"));
    g_assert_cmpstr(seen->str, ==, "once;other:x:-;other:x:-;");
    pbx_event_unsubscribe(other);
    g_string_free(seen, TRUE);
}

static void
test_fields(void)
{
    g_autoptr(PbxEvent) ev = pbx_event_new("t");

    pbx_event_set(ev, "a", "1");
    pbx_event_setf(ev, "b", "%d", 2);
    pbx_event_set(ev, "a", "3");
    g_assert_cmpstr(pbx_event_get(ev, "a"), ==, "3");
    g_assert_cmpstr(pbx_event_get(ev, "b"), ==, "2");
    g_assert_null(pbx_event_get(ev, "c"));
}

static gpointer
publish_from_thread(gpointer data)
{
    PbxEvent *ev = pbx_event_new("thread/event");
    pbx_event_set(ev, "who", "worker");
    pbx_event_publish(ev);
    return NULL;
}

/* An event from another thread is delivered on the main context. */
static void
test_other_thread(void)
{
    GThread *th;
    gint64 deadline;
    guint id;

    seen = g_string_new(NULL);
    id = pbx_event_subscribe(NULL, "thread/*", on_event, "main");
    th = g_thread_new("pub", publish_from_thread, NULL);
    g_thread_join(th);
    g_assert_cmpstr(seen->str, ==, "");
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (seen->len == 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(seen->str, ==, "main:thread/event:worker;");
    pbx_event_unsubscribe(id);
    g_string_free(seen, TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("The event bus");
    /* Subscriptions belong to the main context; this thread is it. */
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/event/patterns", test_patterns);
    g_test_add_func("/core/event/unsubscribe-during-dispatch",
                    test_unsubscribe_during_dispatch);
    g_test_add_func("/core/event/fields", test_fields);
    g_test_add_func("/core/event/other-thread", test_other_thread);
    return g_test_run();
}
