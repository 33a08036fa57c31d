/* Unit tests: channels, causes, dials and bridges, with the fake tech. */
#include <string.h>
#include <glib/gstdio.h>

#include "../../../core/core_private.h"
#include "../../../core/calls_private.h"
#include "../../../core/module_private.h"
#include "fake_tech.c"

static GString *events;

static void
on_event(const PbxEvent *ev, gpointer data)
{
    const char *state = pbx_event_get(ev, "state");
    const char *cause = pbx_event_get(ev, "cause");

    g_string_append_printf(events, "%s", pbx_event_get_type(ev));
    if (state)
        g_string_append_printf(events, ":%s", state);
    if (cause)
        g_string_append_printf(events, ":%s", cause);
    g_string_append_c(events, ';');
}

/* Iterates the main context until *flag or 5 s have passed. */
static void
wait_for(const gboolean *flag)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!*flag && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_true(*flag);
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static void
setup(void)
{
    events = g_string_new(NULL);
    fake_tech_register("SIP");
}

static void
teardown(void)
{
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
    g_string_free(events, TRUE);
}

static void
test_cause_mapping(void)
{
    static const struct {
        guint sip;
        PbxCause cause;
        guint back;
    } table[] = {
        { 486, PBX_CAUSE_USER_BUSY, 486 },
        { 480, PBX_CAUSE_NO_USER_RESPONSE, 480 },
        { 404, PBX_CAUSE_UNALLOCATED, 404 },
        { 603, PBX_CAUSE_CALL_REJECTED, 603 },
        { 487, PBX_CAUSE_ORIGINATOR_CANCEL, 487 },
        { 408, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE, 408 },
        { 503, PBX_CAUSE_NORMAL_CIRCUIT_CONGESTION, 503 },
        { 500, PBX_CAUSE_TEMPORARY_FAILURE, 500 },
        { 200, PBX_CAUSE_NORMAL_CLEARING, 480 },
        { 599, PBX_CAUSE_TEMPORARY_FAILURE, 500 },
        { 699, PBX_CAUSE_CALL_REJECTED, 603 },
        { 499, PBX_CAUSE_INTERWORKING, 500 },
    };
    PbxCause c;

    for (gsize i = 0; i < G_N_ELEMENTS(table); i++) {
        g_assert_cmpint(pbx_cause_from_sip(table[i].sip), ==, table[i].cause);
        g_assert_cmpuint(pbx_cause_to_sip(table[i].cause), ==, table[i].back);
    }
    g_assert_cmpuint(pbx_cause_to_sip(PBX_CAUSE_NO_ANSWER), ==, 408);
    g_assert_cmpuint(pbx_cause_to_sip(PBX_CAUSE_SUBSCRIBER_ABSENT), ==, 480);
    g_assert_cmpint(PBX_CAUSE_USER_BUSY, ==, 17);
    g_assert_cmpint(PBX_CAUSE_NORMAL_CLEARING, ==, 16);
    g_assert_cmpstr(pbx_cause_to_string(PBX_CAUSE_USER_BUSY), ==, "USER_BUSY");
    g_assert_true(pbx_cause_from_string("user_busy", &c));
    g_assert_cmpint(c, ==, PBX_CAUSE_USER_BUSY);
    g_assert_true(pbx_cause_from_string("21", &c));
    g_assert_cmpint(c, ==, PBX_CAUSE_CALL_REJECTED);
    g_assert_false(pbx_cause_from_string("NOPE", &c));
    g_assert_false(pbx_cause_from_string("999", &c));
}

static void
test_states_and_events(void)
{
    guint sub;
    g_autoptr(PbxChannel) c = NULL;

    setup();
    sub = pbx_event_subscribe(NULL, "channel/*", on_event, NULL);
    c = pbx_channel_new_inbound(pbx_channel_tech_find("sip"), NULL, "1001",
                                "Alice", "1002", "office");
    g_assert_true(g_str_has_prefix(pbx_channel_get_name(c), "SIP/1001-"));
    g_assert_cmpint(pbx_channel_get_state(c), ==, PBX_CHANNEL_RING);
    g_assert_cmpint(pbx_channel_get_direction(c), ==, PBX_CHANNEL_INBOUND);
    g_assert_true(pbx_channel_find(pbx_channel_get_id(c)) == c);
    g_assert_true(pbx_channel_find(pbx_channel_get_name(c)) == c);
    pbx_channel_set_state(c, PBX_CHANNEL_UP);
    pbx_channel_set_state(c, PBX_CHANNEL_UP);   /* no change, no event */
    g_assert_cmpint(pbx_channel_get_answered(c), >, 0);
    fake_tech_dtmf(c, '5');
    fake_tech_dtmf(c, 'x');                   /* not a digit: ignored */
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_hangup(c, PBX_CAUSE_USER_BUSY);  /* already over: no-op */
    g_assert_cmpstr(events->str, ==,
                    "channel/new:RING;channel/state:UP;channel/dtmf:UP;"
                    "channel/state:HANGUP:NORMAL_CLEARING;"
                    "channel/hangup:HANGUP:NORMAL_CLEARING;");
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_null(pbx_channel_find(pbx_channel_get_id(c)));
    g_assert_cmpstr(fake_tech_log(), ==, "");    /* tech not told: it knew */
    pbx_event_unsubscribe(sub);
    teardown();
}

static void
test_vars_and_headers(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup();
    c = pbx_channel_new_inbound(pbx_channel_tech_find("SIP"), NULL, "1001",
                                NULL, "1002", NULL);
    g_assert_cmpstr(pbx_channel_get_context(c), ==, "default");
    pbx_channel_set_var(c, "lang", "fr");
    g_assert_cmpstr(pbx_channel_get_var(c, "lang"), ==, "fr");
    pbx_channel_set_var(c, "lang", NULL);
    g_assert_null(pbx_channel_get_var(c, "lang"));
    pbx_channel_set_header(c, "X-Foo", "1");
    pbx_channel_set_header(c, "x-foo", "2");
    g_assert_cmpuint(g_hash_table_size(pbx_channel_get_headers(c)), ==, 1);
    g_assert_cmpstr(g_hash_table_lookup(pbx_channel_get_headers(c), "x-foo"), ==, "2");
    pbx_channel_hangup(c, PBX_CAUSE_UNALLOCATED);
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:1002:404;");
    teardown();
}

typedef struct {
    gboolean done;
    PbxDialOutcome outcome;
    PbxCause cause;
    PbxChannel *answered;
} DialResult;

static void
dial_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered,
          PbxCause cause, gpointer data)
{
    DialResult *r = data;

    r->done = TRUE;
    r->outcome = outcome;
    r->cause = cause;
    r->answered = answered ? pbx_channel_ref(answered) : NULL;
}

static PbxChannel *
new_caller(void)
{
    return pbx_channel_new_inbound(pbx_channel_tech_find("SIP"), NULL, "1001",
                                   "Alice", "1002", "office");
}

static void
dial(PbxChannel *caller, const char *const *targets, guint timeout_ms,
     DialResult *r)
{
    PbxDialOptions o = { .timeout_ms = timeout_ms };

    memset(r, 0, sizeof *r);
    pbx_dial_start(caller, targets, &o, dial_done, r);
    g_assert_false(r->done);
    wait_for(&r->done);
}

static void
test_dial_outcomes(void)
{
    const char *busy[] = { "1003", NULL };
    const char *none[] = { "1004", NULL };
    const char *unknown[] = { "9999", NULL };
    const char *reject[] = { "1005", NULL };
    g_autoptr(PbxChannel) a = NULL;
    DialResult r;

    setup();
    fake_tech_set("1003", FAKE_BUSY, 10);
    fake_tech_set("1004", FAKE_NOANSWER, 0);
    fake_tech_set("1005", FAKE_REJECT, 10);
    a = new_caller();
    dial(a, busy, 0, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_BUSY);
    g_assert_cmpint(r.cause, ==, PBX_CAUSE_USER_BUSY);
    g_assert_true(strstr(fake_tech_log(), "ring:1002;") != NULL);
    dial(a, none, 50, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_NOANSWER);
    g_assert_true(strstr(fake_tech_log(), "hangup:1004:408;") != NULL);
    dial(a, unknown, 0, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_UNAVAILABLE);
    dial(a, reject, 0, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_BUSY);
    g_assert_cmpint(r.cause, ==, PBX_CAUSE_CALL_REJECTED);
    pbx_channel_hangup(a, PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

static gboolean
hang_up_later(gpointer data)
{
    pbx_channel_hangup_from_tech(data, PBX_CAUSE_ORIGINATOR_CANCEL);
    return G_SOURCE_REMOVE;
}

static void
test_dial_cancelled_by_caller(void)
{
    const char *none[] = { "1004", NULL };
    g_autoptr(PbxChannel) a = NULL;
    DialResult r;

    setup();
    fake_tech_set("1004", FAKE_NOANSWER, 0);
    a = new_caller();
    g_timeout_add(20, hang_up_later, a);
    dial(a, none, 0, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_CANCELLED);
    g_assert_true(strstr(fake_tech_log(), "hangup:1004:487;") != NULL);
    teardown();
}

static void
test_parallel_first_answer_wins(void)
{
    const char *targets[] = { "1002", "1003", "1004", "9999", NULL };
    g_autoptr(PbxChannel) a = NULL;
    DialResult r;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 300);
    fake_tech_set("1003", FAKE_ANSWER, 30);
    fake_tech_set("1004", FAKE_NOANSWER, 0);
    a = new_caller();
    dial(a, targets, 2000, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_ANSWERED);
    g_assert_cmpstr(pbx_channel_get_callee(r.answered), ==, "1003");
    g_assert_true(strstr(fake_tech_log(), "hangup:1002:487;") != NULL);
    g_assert_true(strstr(fake_tech_log(), "hangup:1004:487;") != NULL);
    g_assert_null(strstr(fake_tech_log(), "hangup:1003"));
    pbx_channel_hangup(r.answered, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    pbx_channel_hangup(a, PBX_CAUSE_NORMAL_CLEARING);
    teardown();
}

static void
bridge_end(PbxBridge *br, PbxChannel *gone, PbxCause cause, gpointer data)
{
    *(PbxCause *) data = cause;
}

static void
test_bridge_hangup_propagates(void)
{
    const char *targets[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    PbxCause ended = PBX_CAUSE_NONE;
    PbxBridge *br;
    DialResult r;
    guint sub;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    dial(a, targets, 0, &r);
    g_assert_cmpint(r.outcome, ==, PBX_DIAL_ANSWERED);
    sub = pbx_event_subscribe(NULL, "bridge/*", on_event, NULL);
    g_assert_true(pbx_channel_answer(a, NULL));
    br = pbx_bridge_new(a, r.answered, NULL);
    g_assert_nonnull(br);
    pbx_bridge_set_end_func(br, bridge_end, &ended);
    g_assert_true(pbx_bridge_find_by_channel(a) == br);
    g_assert_true(pbx_bridge_get_peer(br, a) == r.answered);
    g_assert_true(strstr(fake_tech_log(), "bridge:1002:1002;") != NULL);
    fake_tech_clear_log();
    pbx_channel_hangup_from_tech(r.answered, PBX_CAUSE_USER_BUSY);
    g_assert_cmpint(ended, ==, PBX_CAUSE_USER_BUSY);
    g_assert_cmpint(pbx_channel_get_state(a), ==, PBX_CHANNEL_HANGUP);
    g_assert_cmpint(pbx_channel_get_hangup_cause(a), ==, PBX_CAUSE_USER_BUSY);
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;hangup:1002:486;");
    g_assert_cmpstr(events->str, ==, "bridge/created;bridge/destroyed:USER_BUSY;");
    g_assert_null(pbx_bridge_find_by_channel(a));
    pbx_channel_unref(r.answered);
    pbx_event_unsubscribe(sub);
    teardown();
}

static void
test_bridge_keep_peer(void)
{
    const char *targets[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    PbxBridge *br;
    DialResult r;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    dial(a, targets, 0, &r);
    br = pbx_bridge_new(a, r.answered, NULL);
    pbx_bridge_set_hangup_peer(br, r.answered, FALSE);
    pbx_channel_hangup_from_tech(r.answered, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpint(pbx_channel_get_state(a), !=, PBX_CHANNEL_HANGUP);
    pbx_channel_hangup(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    teardown();
}

static void
test_dispatch_without_handler(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup();
    c = fake_tech_call_in("1001", "1002", "office");
    drain();
    g_assert_cmpint(pbx_channel_get_state(c), ==, PBX_CHANNEL_HANGUP);
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_UNALLOCATED);
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:1002:404;");
    teardown();
}

static void
test_tech_registry(void)
{
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_nonnull(pbx_channel_tech_find("Sip"));
    g_assert_null(pbx_channel_tech_find("IAX"));
    g_assert_false(pbx_channel_request("IAX/1", NULL, NULL, &error));
    g_assert_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_NO_TECH);
    teardown();
}

static void
read_cdrs(sqlite3 *db, gpointer data)
{
    GString *out = data;
    sqlite3_stmt *st = NULL;

    g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT caller, callee, disposition,"
                                       " cause, codec, billsec >= 0, peer IS NULL"
                                       " FROM cdr ORDER BY rowid", -1, &st, NULL),
                    ==, SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 7; i++) {
            const char *v = (const char *) sqlite3_column_text(st, i);
            g_string_append_printf(out, "%s%s", i ? "," : "", v ? v : "NULL");
        }
        g_string_append_c(out, ';');
    }
    sqlite3_finalize(st);
}

/* One record per inbound call, written on the database thread. */
static void
test_cdr_written(void)
{
    const char *answer[] = { "1002", NULL };
    const char *busy[] = { "1003", NULL };
    g_autofree char *dir = g_dir_make_tmp("carillon-cdr-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "carillon.db", NULL);
    g_autoptr(GString) rows = g_string_new(NULL);
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;
    DialResult r;

    setup();
    g_assert_true(pbx_db_init(path, NULL));
    pbx_cdr_enable(TRUE);
    fake_tech_set("1002", FAKE_ANSWER, 10);
    fake_tech_set("1003", FAKE_BUSY, 10);
    a = new_caller();
    dial(a, answer, 0, &r);
    g_assert_true(pbx_channel_answer(a, NULL));
    g_assert_nonnull(pbx_bridge_new(a, r.answered, NULL));
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    b = new_caller();
    dial(b, busy, 0, &r);
    pbx_channel_hangup(b, PBX_CAUSE_USER_BUSY);
    pbx_cdr_flush();            /* records are gathered for one batch */
    pbx_db_run_sync(read_cdrs, rows);
    g_assert_cmpstr(rows->str, ==,
                    "1001,1002,ANSWERED,NORMAL_CLEARING,PCMU,1,0;"
                    "1001,1002,BUSY,USER_BUSY,NULL,1,1;");
    drain();
    pbx_cdr_enable(FALSE);
    pbx_db_shutdown();
    teardown();
    g_assert_cmpstr(pbx_cdr_disposition(PBX_CAUSE_NO_ANSWER, FALSE), ==, "NO ANSWER");
    g_assert_cmpstr(pbx_cdr_disposition(PBX_CAUSE_UNALLOCATED, FALSE), ==, "FAILED");
    for (guint i = 0; i < 3; i++) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        g_autofree char *f = g_strconcat(path, suffixes[i], NULL);
        g_remove(f);
    }
    g_rmdir(dir);
}

static void
read_jb(sqlite3 *db, gpointer data)
{
    GString *out = data;
    sqlite3_stmt *st = NULL;

    g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT id, jb_delay_ms, jb_late, jb_concealed"
                                       " FROM cdr ORDER BY rowid", -1, &st, NULL), ==, SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 4; i++) {
            const char *v = (const char *) sqlite3_column_text(st, i);
            g_string_append_printf(out, "%s%s", i ? "," : "", i == 0 && v && strcmp(v, "old")
                                                                  ? "new" : v ? v : "NULL");
        }
        g_string_append_c(out, ';');
    }
    sqlite3_finalize(st);
}

/* A database from before the jitter buffer columns gets them; its rows
 * stay (NULL there), new rows fill them. */
static void
test_cdr_old_schema(void)
{
    const char *answer[] = { "1002", NULL };
    g_autofree char *dir = g_dir_make_tmp("carillon-cdr-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "carillon.db", NULL);
    g_autoptr(GString) rows = g_string_new(NULL);
    g_autoptr(PbxChannel) a = NULL;
    PbxRtpStats rtp = { .packets_sent = 10, .jb_delay_ms = 40, .jb_late = 3, .jb_concealed = 7 };
    sqlite3 *old = NULL;
    DialResult r;

    g_assert_cmpint(sqlite3_open(path, &old), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(old,
        "CREATE TABLE cdr (id TEXT PRIMARY KEY, caller TEXT, callee TEXT, channel TEXT,"
        " peer TEXT, start INTEGER, answer INTEGER, end INTEGER, duration INTEGER,"
        " billsec INTEGER, disposition TEXT, cause TEXT, cause_code INTEGER, codec TEXT,"
        " rtp_packets_sent INTEGER, rtp_packets_received INTEGER, rtp_packets_lost INTEGER,"
        " rtp_jitter_ms REAL, rtp_rtt_ms REAL);"
        "INSERT INTO cdr (id, caller) VALUES ('old', '1009');", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(old);
    setup();
    g_assert_true(pbx_db_init(path, NULL));
    pbx_cdr_enable(TRUE);
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    dial(a, answer, 0, &r);
    g_assert_true(pbx_channel_answer(a, NULL));
    g_assert_nonnull(pbx_bridge_new(a, r.answered, NULL));
    pbx_channel_set_rtp_stats(a, &rtp);
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    pbx_cdr_flush();
    pbx_db_run_sync(read_jb, rows);
    g_assert_cmpstr(rows->str, ==, "old,NULL,NULL,NULL;new,40,3,7;");
    drain();
    pbx_cdr_enable(FALSE);
    pbx_db_shutdown();
    teardown();
    for (guint i = 0; i < 3; i++) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        g_autofree char *f = g_strconcat(path, suffixes[i], NULL);
        g_remove(f);
    }
    g_rmdir(dir);
}

/* A live channel holds a use on its tech's module; unloading the module
 * removes the tech. */
static void
test_module_use(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "tests", "modules",
                                             NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxChannel) c = NULL;
    PbxModule *m;

    pbx_modules_init(mods);
    m = pbx_module_load("test_chantech", &error);
    g_assert_no_error(error);
    g_assert_nonnull(pbx_channel_tech_find("TESTTECH"));
    c = pbx_channel_request("TESTTECH/42", NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(pbx_channel_get_name(c), ==,
                    pbx_channel_get_name(pbx_channel_find(pbx_channel_get_id(c))));
    g_assert_cmpuint(pbx_module_get_use_count(m), ==, 1);
    g_assert_false(pbx_module_unload("test_chantech", FALSE, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE);
    g_clear_error(&error);
    pbx_channel_hangup(c, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpuint(pbx_module_get_use_count(m), ==, 1);   /* still referenced */
    g_clear_pointer(&c, pbx_channel_unref);
    g_assert_cmpuint(pbx_module_get_use_count(m), ==, 0);
    g_assert_true(pbx_module_unload("test_chantech", FALSE, &error));
    g_assert_null(pbx_channel_tech_find("TESTTECH"));
    pbx_modules_shutdown();
}

/* A dialed leg belongs to its caller's call; the id can be moved (a
 * transfer) and stays valid when set from the channel's own value. */
static void
test_linked_id(void)
{
    const char *answer[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    DialResult r;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    g_assert_cmpstr(pbx_channel_get_linked_id(a), ==, pbx_channel_get_id(a));
    dial(a, answer, 0, &r);
    g_assert_nonnull(r.answered);
    g_assert_cmpstr(pbx_channel_get_linked_id(r.answered), ==, pbx_channel_get_id(a));
    pbx_channel_set_linked_id(a, "other.1");
    pbx_channel_set_linked_id(a, pbx_channel_get_linked_id(a));
    g_assert_cmpstr(pbx_channel_get_linked_id(a), ==, "other.1");
    pbx_channel_set_linked_id(a, NULL);
    g_assert_cmpstr(pbx_channel_get_linked_id(a), ==, pbx_channel_get_id(a));
    pbx_channel_hangup(r.answered, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_hangup(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    drain();
    teardown();
}

static void
on_dtmf_event(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(events, "%s:%s:%s:%s;", pbx_event_get_type(ev),
                           pbx_event_get(ev, "digit"), pbx_event_get(ev, "duration"),
                           pbx_event_get(ev, "source"));
}

/* Swallows '#'; remembers what it saw. */
static gboolean
swallow_hash(PbxChannel *chan, const PbxDtmf *dtmf, gpointer data)
{
    g_string_append_c(data, dtmf->digit);
    g_assert_true(pbx_channel_get_dtmf(chan) == dtmf);
    return dtmf->digit == '#';
}

/* A digit goes to the hook first; unless swallowed it is published and
 * the bridge sends it to the other leg with its duration. */
static void
test_dtmf_hook_and_bridge(void)
{
    const char *targets[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(GString) seen = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    DialResult r;
    guint sub;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    g_assert_false(pbx_channel_send_dtmf(a, '1', 100, &error));     /* not answered */
    g_assert_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE);
    dial(a, targets, 0, &r);
    g_assert_true(pbx_channel_answer(a, NULL));
    g_assert_nonnull(pbx_bridge_new(a, r.answered, NULL));
    sub = pbx_event_subscribe(NULL, "channel/dtmf", on_dtmf_event, NULL);
    pbx_channel_set_dtmf_hook(a, swallow_hash, seen);
    fake_tech_clear_log();
    fake_tech_dtmf(a, '5');
    fake_tech_dtmf(a, '#');
    fake_tech_dtmf(r.answered, '7');      /* no hook on b: passed to a */
    g_assert_cmpstr(seen->str, ==, "5#");
    g_assert_cmpstr(fake_tech_log(), ==, "dtmf:1002:5:120;dtmf:1002:7:120;");
    g_assert_cmpstr(events->str, ==, "channel/dtmf:5:120:rfc4733;channel/dtmf:7:120:rfc4733;");
    g_assert_null(pbx_channel_get_dtmf(a));
    /* sending clamps the duration and refuses what is not a digit */
    fake_tech_clear_log();
    g_assert_true(pbx_channel_send_dtmf(a, 'D', 1, NULL));
    g_assert_true(pbx_channel_send_dtmf(a, '0', 0, NULL));
    g_assert_true(pbx_channel_send_dtmf(a, '*', 999999, NULL));
    g_clear_error(&error);
    g_assert_false(pbx_channel_send_dtmf(a, 'x', 100, &error));
    g_assert_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED);
    g_assert_cmpstr(fake_tech_log(), ==, "dtmf:1002:D:40;dtmf:1002:0:100;dtmf:1002:*:5000;");
    pbx_channel_set_dtmf_hook(a, NULL, NULL);
    pbx_event_unsubscribe(sub);
    pbx_channel_hangup(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    teardown();
}

static void
test_dtmf_values(void)
{
    g_assert_true(pbx_dtmf_digit_is_valid('0') && pbx_dtmf_digit_is_valid('#')
                  && pbx_dtmf_digit_is_valid('D'));
    g_assert_false(pbx_dtmf_digit_is_valid('d') || pbx_dtmf_digit_is_valid('E')
                   || pbx_dtmf_digit_is_valid('\0'));
    g_assert_cmpuint(pbx_dtmf_clamp_duration(0), ==, PBX_DTMF_DEFAULT_MS);
    g_assert_cmpuint(pbx_dtmf_clamp_duration(10), ==, 40);
    g_assert_cmpuint(pbx_dtmf_clamp_duration(250), ==, 250);
    g_assert_cmpstr(pbx_dtmf_source_to_string(PBX_DTMF_INFO), ==, "info");
    g_assert_cmpstr(pbx_dtmf_source_to_string(PBX_DTMF_INBAND), ==, "inband");
}

/* ---- audio tasks ---- */

typedef struct {
    PbxAudioTask *task;
    guint reads, complete_after, released;
    GString *ended;
} TaskPort;

static gboolean
task_read(gpointer data, PbxAudioFrame *out)
{
    TaskPort *tp = data;

    pbx_audio_frame_init(out, 8000);
    out->n_samples = 160;
    if (++tp->reads == tp->complete_after)
        pbx_audio_task_complete(tp->task);
    return TRUE;
}

static void
task_released(gpointer data)
{
    ((TaskPort *) data)->released++;
}

static const PbxAudioPortFuncs task_port_funcs = {
    .read = task_read, .released = task_released,
};

static gboolean
task_dtmf(PbxAudioTask *task, char digit, gpointer data)
{
    return digit == '#';
}

static void
task_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    TaskPort *tp = data;

    g_string_append_printf(tp->ended, "%s%s%c;", pbx_audio_task_end_to_string(end),
                           digit ? ":" : "", digit ? digit : ' ');
}

static PbxAudioTask *
task_on(PbxChannel *chan, TaskPort *tp, guint complete_after)
{
    g_autoptr(GError) error = NULL;

    tp->reads = 0;
    tp->complete_after = complete_after;
    tp->task = pbx_audio_task_start(chan, &task_port_funcs, tp, task_dtmf, task_done, tp, &error);
    g_assert_no_error(error);
    return tp->task;
}

static void
ticks(PbxChannel *chan, guint n)
{
    PbxAudioFrame in, out;

    pbx_audio_frame_init(&in, 8000);
    in.n_samples = 160;
    for (guint i = 0; i < n; i++)
        fake_tech_port_tick(chan, &in, &out);
    drain();
}

/* A task ends once, for the first of: its port's completion, a digit it
 * takes, a stop, its media bridged, a hangup; each time the port is
 * released before done runs. */
static void
test_audio_task(void)
{
    const char *targets[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(GError) error = NULL;
    TaskPort tp = { .ended = g_string_new(NULL) };
    DialResult r;

    setup();
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    g_assert_null(pbx_audio_task_start(a, &task_port_funcs, &tp, NULL, task_done, &tp, &error));
    g_assert_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE);   /* not answered */
    g_assert_true(pbx_channel_answer(a, NULL));
    task_on(a, &tp, 3);
    ticks(a, 5);                          /* the third read completes it */
    g_assert_cmpstr(tp.ended->str, ==, "complete ;");
    g_assert_cmpuint(tp.released, ==, 1);
    task_on(a, &tp, 0);
    fake_tech_dtmf(a, '1');               /* refused by task_dtmf */
    fake_tech_dtmf(a, '#');
    drain();
    task_on(a, &tp, 0);
    pbx_audio_task_stop(tp.task);
    drain();
    g_assert_cmpstr(tp.ended->str, ==, "complete ;dtmf:#;stopped ;");
    g_assert_cmpuint(tp.released, ==, 3);
    /* bridged: the media is taken away */
    task_on(a, &tp, 0);
    dial(a, targets, 0, &r);
    g_assert_nonnull(pbx_bridge_new(a, r.answered, NULL));
    drain();
    g_assert_cmpstr(tp.ended->str, ==, "complete ;dtmf:#;stopped ;lost ;");
    g_assert_false(pbx_channel_set_audio_port(a, &task_port_funcs, &tp, NULL));   /* bridged */
    pbx_channel_hangup_from_tech(r.answered, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(r.answered);
    g_assert_cmpuint(tp.released, ==, 4);
    g_string_free(tp.ended, TRUE);
    teardown();
}

static void
test_audio_task_hangup(void)
{
    g_autoptr(PbxChannel) a = NULL;
    TaskPort tp = { .ended = g_string_new(NULL) };

    setup();
    a = new_caller();
    g_assert_true(pbx_channel_answer(a, NULL));
    task_on(a, &tp, 0);
    ticks(a, 2);
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    drain();
    g_assert_cmpstr(tp.ended->str, ==, "hangup ;");
    g_assert_cmpuint(tp.released, ==, 1);
    g_string_free(tp.ended, TRUE);
    teardown();
}

/* ---- music on hold ---- */

typedef struct {
    GString *log;
    gboolean fail;
    void (*stopped)(gpointer);
    gpointer stopped_data;
} FakeMusic;

static FakeMusic fake_music;

static gpointer
music_start(PbxChannel *listener, void (*stopped)(gpointer), gpointer data, GError **error)
{
    if (fake_music.fail) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED, "no class");
        return NULL;
    }
    g_string_append_printf(fake_music.log, "start:%s;", pbx_channel_get_callee(listener));
    fake_music.stopped = stopped;
    fake_music.stopped_data = data;
    return &fake_music;
}

static gboolean
music_stopped_later(gpointer data)
{
    fake_music.stopped(fake_music.stopped_data);
    return G_SOURCE_REMOVE;
}

static void
music_stop(gpointer music)
{
    g_string_append(fake_music.log, "stop;");
    g_idle_add(music_stopped_later, NULL);   /* after the port is released */
}

static const PbxHoldMusic music_funcs = { .start = music_start, .stop = music_stop };

/* A leg holds: the media is disconnected and the other leg hears music;
 * it resumes: the music stops and then the media is connected again.
 * Without a provider (or when it cannot play) the tech passes the hold
 * on (pbx_channel_hold is FALSE) and the media stays connected. */
static void
test_hold_music(void)
{
    const char *targets[] = { "1002", NULL };
    g_autoptr(PbxChannel) a = NULL;
    DialResult r;
    guint sub;

    setup();
    fake_music.log = g_string_new(NULL);
    fake_music.fail = FALSE;
    fake_tech_set("1002", FAKE_ANSWER, 10);
    a = new_caller();
    dial(a, targets, 0, &r);
    g_assert_true(pbx_channel_answer(a, NULL));
    g_assert_nonnull(pbx_bridge_new(a, r.answered, NULL));
    g_assert_false(pbx_channel_hold(r.answered, TRUE));        /* no provider */
    g_assert_false(pbx_channel_hold(r.answered, FALSE));
    pbx_bridge_set_hold_music(NULL, &music_funcs);
    sub = pbx_event_subscribe(NULL, "channel/hold", on_event, NULL);
    fake_tech_clear_log();
    g_assert_true(pbx_channel_hold(r.answered, TRUE));          /* 1002 holds: 1001 hears music */
    g_assert_true(pbx_channel_is_held(r.answered));
    g_assert_true(pbx_channel_hold(r.answered, TRUE));          /* again (inactive): still ours */
    g_assert_cmpstr(fake_music.log->str, ==, "start:1002;");
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;");
    g_assert_true(pbx_channel_hold(r.answered, FALSE));
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;");  /* not before the music stopped */
    drain();
    g_assert_cmpstr(fake_music.log->str, ==, "start:1002;stop;");
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;bridge:1002:1002;");
    g_assert_cmpstr(events->str, ==, "channel/hold:UP;channel/hold:UP;");
    /* the provider cannot play: passed on, media connected again */
    fake_music.fail = TRUE;
    fake_tech_clear_log();
    g_assert_false(pbx_channel_hold(r.answered, TRUE));
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;bridge:1002:1002;");
    g_assert_false(pbx_channel_hold(r.answered, FALSE));
    /* the music ends before the resume (its provider was unloaded): the
     * resume connects the media again */
    fake_music.fail = FALSE;
    fake_tech_clear_log();
    g_assert_true(pbx_channel_hold(r.answered, TRUE));
    fake_music.stopped(fake_music.stopped_data);
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;");
    g_assert_true(pbx_channel_hold(r.answered, FALSE));
    g_assert_cmpstr(fake_tech_log(), ==, "unbridge:1002:1002;bridge:1002:1002;");
    /* a hangup during the music stops it */
    g_assert_true(pbx_channel_hold(a, TRUE));
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    drain();
    g_assert_true(g_str_has_suffix(fake_music.log->str, "stop;"));
    pbx_event_unsubscribe(sub);
    pbx_bridge_set_hold_music(NULL, NULL);
    pbx_channel_unref(r.answered);
    g_string_free(fake_music.log, TRUE);
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Channels, causes, dials and bridges with a fake tech");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/channel/cause-mapping", test_cause_mapping);
    g_test_add_func("/core/channel/states-and-events", test_states_and_events);
    g_test_add_func("/core/channel/vars-and-headers", test_vars_and_headers);
    g_test_add_func("/core/channel/tech-registry", test_tech_registry);
    g_test_add_func("/core/channel/dispatch-without-handler",
                    test_dispatch_without_handler);
    g_test_add_func("/core/dial/outcomes", test_dial_outcomes);
    g_test_add_func("/core/dial/cancelled-by-caller", test_dial_cancelled_by_caller);
    g_test_add_func("/core/dial/parallel-first-answer-wins",
                    test_parallel_first_answer_wins);
    g_test_add_func("/core/bridge/hangup-propagates", test_bridge_hangup_propagates);
    g_test_add_func("/core/bridge/keep-peer", test_bridge_keep_peer);
    g_test_add_func("/core/dtmf/hook-and-bridge", test_dtmf_hook_and_bridge);
    g_test_add_func("/core/dtmf/values", test_dtmf_values);
    g_test_add_func("/core/audio-task/ends", test_audio_task);
    g_test_add_func("/core/audio-task/hangup", test_audio_task_hangup);
    g_test_add_func("/core/bridge/hold-music", test_hold_music);
    g_test_add_func("/core/cdr/written", test_cdr_written);
    g_test_add_func("/core/cdr/old-schema", test_cdr_old_schema);
    g_test_add_func("/core/channel/module-use", test_module_use);
    g_test_add_func("/core/channel/linked-id", test_linked_id);
    return g_test_run();
}
