/* Unit tests: the headers' thread rules are enforced.
 *
 * Each case calls a main-context-only entry point of the core.  From the
 * thread that owns the main context it works; from another thread the
 * PBX_ASSERT_MAIN_CONTEXT() at its entry aborts the process, which each
 * case proves in a subprocess. */
#include <string.h>

#include "../../../core/core_private.h"
#include "../../../core/module_private.h"

typedef struct {
    const char *path;          /* test path under /core/threads/ */
    const char *function;      /* the entry point named by the assertion */
    void (*call)(void);        /* calls it, and undoes what it did */
} Case;

static PbxTimers *timers;      /* made on the main context by main() */
static PbxTimer timer;

/* One byte per sample, the low byte: enough to pass the registry's
 * round-trip self-test with its own signal's length. */
static gint
dummy_encode(gpointer state, const gint16 *pcm, guint n, guint8 *out, gsize out_size)
{
    for (guint i = 0; i < n && i < out_size; i++)
        out[i] = (guint8) pcm[i];
    return (gint) MIN(n, out_size);
}

static gint
dummy_decode(gpointer state, const guint8 *data, gsize len, gint16 *pcm, guint max_samples)
{
    for (gsize i = 0; i < len && i < max_samples; i++)
        pcm[i] = data[i];
    return (gint) MIN(len, max_samples);
}

static const PbxCodec codec = {
    .name = "test-threads",
    .rtp_name = "X-TEST",
    .payload_type = PBX_CODEC_PT_DYNAMIC,
    .clock_rate = 8000,
    .sample_rate = 8000,
    .ptime = 20,
    .ptimes = PBX_CODEC_PTIMES(20),
    .encode = dummy_encode,
    .decode = dummy_decode,
};

static gboolean
cli_nothing(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    return TRUE;
}

static const PbxCliCommand cli_cmds[] = {
    { "threads test", NULL, "Does nothing", cli_nothing, NULL },
};

static void
event_nothing(const PbxEvent *ev, gpointer data)
{
}

static void
timer_nothing(PbxTimer *t, gpointer data)
{
}

static void
db_job(sqlite3 *db, gpointer data)
{
}

static void
call_codec_register(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(pbx_codec_register(NULL, &codec, &error));
    g_assert_no_error(error);
    pbx_codec_unregister(&codec);
}

static void
call_codec_find(void)
{
    g_assert_null(pbx_codec_find("test-threads"));
}

static void
call_cli_register(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(pbx_cli_register(NULL, cli_cmds, G_N_ELEMENTS(cli_cmds), NULL,
                                   &error));
    g_assert_no_error(error);
    pbx_cli_unregister(cli_cmds, G_N_ELEMENTS(cli_cmds));
}

static void
call_cli_execute(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_assert_false(pbx_cli_execute("no such command", out));
}

static void
call_event_subscribe(void)
{
    guint id = pbx_event_subscribe(NULL, "threads/*", event_nothing, NULL);

    g_assert_cmpuint(id, >, 0);
    pbx_event_unsubscribe(id);
}

static void
call_timers_new(void)
{
    pbx_timers_free(pbx_timers_new("test-threads"));
}

static void
call_timer_start(void)
{
    pbx_timer_start(&timer, 1000);
    g_assert_true(pbx_timer_armed(&timer));
    pbx_timer_stop(&timer);
}

static void
call_module_get_api(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(pbx_module_get_api(NULL, "no-such-api", &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_DEPENDENCY);
}

static void
call_module_load(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(pbx_module_load("no_such_module", &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_NOT_FOUND);
}

static void
call_db_submit(void)
{
    pbx_db_submit(db_job, NULL, NULL);   /* no database: runs nothing */
}

static const Case cases[] = {
    { "codec-register", "pbx_codec_register", call_codec_register },
    { "codec-find", "pbx_codec_find", call_codec_find },
    { "cli-register", "pbx_cli_register", call_cli_register },
    { "cli-execute", "pbx_cli_execute", call_cli_execute },
    { "event-subscribe", "pbx_event_subscribe", call_event_subscribe },
    { "timers-new", "pbx_timers_new", call_timers_new },
    { "timer-start", "pbx_timer_start", call_timer_start },
    { "module-get-api", "pbx_module_get_api", call_module_get_api },
    { "module-load", "pbx_module_load", call_module_load },
    { "db-submit", "pbx_db_submit", call_db_submit },
};

/* Every case works on the thread that owns the main context. */
static void
test_on_main_context(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
        cases[i].call();
}

static gpointer
run_case(gpointer data)
{
    const Case *c = data;

    c->call();
    return NULL;
}

/* The same call from another thread, while the main thread owns the
 * context, aborts naming the entry point. */
static void
test_off_main_context(gconstpointer data)
{
    const Case *c = data;
    g_autofree char *pattern = NULL;

    if (g_test_subprocess()) {
        g_thread_join(g_thread_new("off-main", run_case, (gpointer) c));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    pattern = g_strdup_printf("*ERROR:*:%s: assertion failed: "
                              "(g_main_context_is_owner(g_main_context_default()))*",
                              c->function);
    g_test_trap_assert_stderr(pattern);
}

/* Publishing is the one bus call allowed anywhere: it does not abort, and
 * the event reaches subscribers on the main context. */
static guint delivered;
static GThread *delivered_on;

static void
count_event(const PbxEvent *ev, gpointer data)
{
    delivered++;
    delivered_on = g_thread_self();
}

static gpointer
publish_event(gpointer data)
{
    pbx_event_publish(pbx_event_new("threads/published"));
    return NULL;
}

static void
test_publish_from_any_thread(void)
{
    guint id = pbx_event_subscribe(NULL, "threads/published", count_event, NULL);
    gint64 deadline;

    g_thread_join(g_thread_new("publisher", publish_event, NULL));
    g_assert_cmpuint(delivered, ==, 0);
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (delivered == 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpuint(delivered, ==, 1);
    g_assert_true(delivered_on == g_thread_self());
    pbx_event_unsubscribe(id);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Main-context-only entry points abort when called from "
                   "another thread");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_log_set_level("*", PBX_LOG_ERROR);
    pbx_modules_init("");
    timers = pbx_timers_new("test-threads");
    pbx_timer_init(&timer, timers, timer_nothing, NULL);
    g_test_add_func("/core/threads/on-main-context", test_on_main_context);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/core/threads/off-main-context/%s",
                                                cases[i].path);
        g_test_add_data_func(path, &cases[i], test_off_main_context);
    }
    g_test_add_func("/core/threads/publish-from-any-thread",
                    test_publish_from_any_thread);
    return g_test_run();
}
