/* Unit tests: the Lua dialplan engine with the fake channel tech. */
#include <string.h>
#include <glib/gstdio.h>

#include "../../../core/core_private.h"
#include "../../../core/module_private.h"
#include "../../../dialplan/dialplan_private.h"
#include "../core/fake_tech.c"

static char *conf_dir;
static GString *errors;
static guint error_sub;

static const char script[] =
    "context('office', {\n"
    "  on_invite = function(call)\n"
    "    call.vars.seen = call.from .. '>' .. call.to\n"
    "    local to = call.to\n"
    "    if to == 'answer' then\n"
    "      assert(call:answer())\n"
    "      assert(pbx.sleep(0.01))\n"
    "      call:hangup()\n"
    "    elseif to == 'dial' then\n"
    "      local outcome, d = call:dial(call.headers['X-Dial'] or '1002',\n"
    "                                   {timeout = 1, headers = {['X-Test'] = 'h1'}})\n"
    "      call.vars.outcome = outcome\n"
    "      call.vars.cause = d.cause\n"
    "      if outcome == 'busy' then call:hangup(486)\n"
    "      elseif outcome ~= 'answered' then call:hangup(480) end\n"
    "    elseif to == 'parallel' then\n"
    "      local outcome, d = call:dial({'1002', '1003', '1004'}, {timeout = 2})\n"
    "      call.vars.outcome = outcome\n"
    "      call.vars.winner = d.channel\n"
    "    elseif to == 'error' then\n"
    "      local x = nil\n"
    "      x.boom = 1\n"                                  /* line 22 */
    "    elseif to == 'loop' then\n"
    "      while true do end\n"
    "    elseif to == 'pcall-loop' then\n"
    "      while true do pcall(function() while true do end end) end\n"
    "    elseif to == 'header' then\n"
    "      call:set_header('X-Result', 'ok')\n"
    "      call.vars.n = 42\n"
    "      call.vars.flag = true\n"
    "      call.vars.gone = 'x'\n"
    "      call.vars.gone = nil\n"
    "      call.vars.mine = tostring(call):match('^pbx.call %(SIP/') and 'ok' or 'bad'\n"
    "      call:hangup(603)\n"
    "    elseif to == 'misuse' then\n"
    "      call:dial()\n"
    "    elseif to == 'sleep-hangup' then\n"
    "      local ok, why = pbx.sleep(5)\n"
    "      call.vars.slept = tostring(ok) .. ',' .. tostring(why)\n"
    "      call.vars.answer = select(3, call:answer())\n"
    "    elseif to == 'nested-loop' then\n"
    "      while true do coroutine.wrap(function() while true do end end)() end\n"
    "    elseif to == 'atxfer-args' then\n"
    "      local function err(...)\n"
    "        local ok, e = pcall(call.attended_transfer, call, ...)\n"
    "        return ok and 'ok' or (e:match('one DTMF digit') and 'digit')\n"
    "          or (e:match('the same digit') and 'same') or e\n"
    "      end\n"
    "      call.vars.long = err('1003', {complete = '##'})\n"
    "      call.vars.bad = err('1003', {abort = 'x'})\n"
    "      call.vars.same = err('1003', {complete = '*'})\n"
    "      call.vars.notable = err('1003', 5)\n"
    "      call.vars.bridged = tostring(call.bridged)\n"
    "      local r, msg, code = call:attended_transfer('1003', {complete = '5'})\n"
    "      call.vars.unbridged = tostring(r) .. ',' .. tostring(code)\n"
    "    elseif to == 'wait-dtmf' then\n"
    "      call:answer()\n"
    "      pbx.sleep(0.1)\n"
    "      call:hangup()\n"
    "    end\n"
    "  end,\n"
    "  on_dtmf = function(call, digit)\n"
    "    if digit == '#' then while true do pcall(function() while true do end end) end end\n"
    "    call.vars.digits = (call.vars.digits or '') .. digit\n"
    "  end,\n"
    "  on_refer = function(call, refer)\n"
    "    return refer.target == '1003'\n"
    "  end,\n"
    "})\n"
    "contexts.empty = {}\n";

static void
on_error(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(errors, "%s\n", pbx_event_get(ev, "message"));
}

static void
write_file(const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(conf_dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void setup_with_conf(const char *text, const char *conf);

static void
setup(const char *text)
{
    setup_with_conf(text, "[general]\nmax_instructions = 100000\n");
}

static void
setup_with_conf(const char *text, const char *conf)
{
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    conf_dir = g_dir_make_tmp("carillon-dialplan-XXXXXX", NULL);
    g_assert_nonnull(conf_dir);
    paths.config_dir = g_strdup(conf_dir);
    pbx_paths_set(&paths);
    write_file("extensions.lua", text);
    write_file("dialplan.conf", conf);
    errors = g_string_new(NULL);
    error_sub = pbx_event_subscribe(NULL, "dialplan/error", on_error, NULL);
    fake_tech_register("SIP");
    g_assert_true(pbx_dialplan_init(&error));
    g_assert_no_error(error);
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static void
remove_dir(void)
{
    g_autoptr(GDir) dir = g_dir_open(conf_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(conf_dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(conf_dir);
    g_clear_pointer(&conf_dir, g_free);
}

static void
teardown(void)
{
    drain();
    pbx_dialplan_shutdown();
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
    pbx_event_unsubscribe(error_sub);
    g_string_free(errors, TRUE);
    remove_dir();
}

/* An inbound call into `context`, run until it hangs up (5 s at most). */
static PbxChannel *
call_in_and_wait(const char *to, const char *context, const char *dial_hdr)
{
    PbxChannel *c = (fake_tech_call_in("1001", to, context));
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    if (dial_hdr)
        pbx_channel_set_request_header(c, "X-Dial", dial_hdr);
    while ((pbx_channel_get_state(c) != PBX_CHANNEL_HANGUP ||
            pbx_channel_get_dialplan_data(c)) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpint(pbx_channel_get_state(c), ==, PBX_CHANNEL_HANGUP);
    g_assert_null(pbx_channel_get_dialplan_data(c));
    return c;
}

static void
test_answer_and_sleep(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("answer", "office", NULL);
    g_assert_cmpstr(fake_tech_log(), ==, "answer:answer;hangup:answer:480;");
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpint(pbx_channel_get_answered(c), >, 0);
    g_assert_cmpstr(pbx_channel_get_var(c, "seen"), ==, "1001>answer");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static void
check_dial(FakeBehaviour b, const char *outcome, const char *cause,
           const char *hangup)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    fake_tech_set("1002", b, 20);
    c = call_in_and_wait("dial", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, outcome);
    g_assert_cmpstr(pbx_channel_get_var(c, "cause"), ==, cause);
    g_assert_true(strstr(fake_tech_log(), "header:1002:h1;") != NULL);
    g_assert_true(strstr(fake_tech_log(), hangup) != NULL);
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static gboolean
remote_hangs_up(gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_channel_list();

    for (guint i = 0; i < list->len; i++) {
        PbxChannel *c = list->pdata[i];
        if (pbx_channel_get_direction(c) == PBX_CHANNEL_OUTBOUND &&
            pbx_channel_get_state(c) == PBX_CHANNEL_UP) {
            pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static void
test_dial_answered(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    fake_tech_set("1002", FAKE_ANSWER, 20);
    g_timeout_add(10, remote_hangs_up, NULL);
    c = call_in_and_wait("dial", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, "answered");
    g_assert_cmpstr(pbx_channel_get_var(c, "cause"), ==, "NORMAL_CLEARING");
    g_assert_true(strstr(fake_tech_log(), "ring:dial;") != NULL);
    /* bridged first, so that the caller's answer can match the callee's codec */
    g_assert_true(strstr(fake_tech_log(), "bridge:dial:1002;answer:dial;") != NULL);
    g_assert_true(strstr(fake_tech_log(), "unbridge:dial:1002;hangup:dial:") != NULL);
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static void
test_dial_busy(void)
{
    check_dial(FAKE_BUSY, "busy", "USER_BUSY", "hangup:dial:486;");
}

static void
test_dial_noanswer(void)
{
    check_dial(FAKE_NOANSWER, "noanswer", "NO_ANSWER", "hangup:dial:480;");
}

static void
test_dial_unavailable(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("dial", "office", "9999");
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, "unavailable");
    g_assert_cmpstr(pbx_channel_get_var(c, "cause"), ==, "UNALLOCATED");
    teardown();
}

static gboolean
caller_hangs_up(gpointer data)
{
    pbx_channel_hangup_from_tech(data, PBX_CAUSE_ORIGINATOR_CANCEL);
    return G_SOURCE_REMOVE;
}

/* The caller hangs up while the script dials: dial returns cancelled and
 * the ringing leg is cancelled (487). */
static void
test_dial_cancelled(void)
{
    g_autoptr(PbxChannel) c = NULL;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    setup(script);
    fake_tech_set("1004", FAKE_NOANSWER, 0);
    c = fake_tech_call_in("1001", "dial", "office");
    pbx_channel_set_request_header(c, "X-Dial", "1004");
    g_timeout_add(30, caller_hangs_up, c);
    while (pbx_channel_get_dialplan_data(c) == NULL && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    while (pbx_channel_get_dialplan_data(c) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, "cancelled");
    g_assert_true(strstr(fake_tech_log(), "hangup:1004:487;") != NULL);
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* The caller hangs up during pbx.sleep: it returns nil, "hangup", and
 * later methods fail softly. */
static void
test_sleep_interrupted(void)
{
    g_autoptr(PbxChannel) c = NULL;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    setup(script);
    c = fake_tech_call_in("1001", "sleep-hangup", "office");
    g_timeout_add(30, caller_hangs_up, c);
    while (pbx_channel_get_dialplan_data(c) == NULL && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    while (pbx_channel_get_dialplan_data(c) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(pbx_channel_get_var(c, "slept"), ==, "nil,hangup");
    g_assert_cmpstr(pbx_channel_get_var(c, "answer"), ==, "hangup");
    g_assert_cmpint(g_get_monotonic_time(), <, deadline - 4 * G_USEC_PER_SEC);
    teardown();
}

static void
test_parallel_dial(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    fake_tech_set("1002", FAKE_NOANSWER, 0);
    fake_tech_set("1003", FAKE_ANSWER, 30);
    fake_tech_set("1004", FAKE_BUSY, 10);
    g_timeout_add(10, remote_hangs_up, NULL);
    c = call_in_and_wait("parallel", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, "answered");
    g_assert_true(g_str_has_prefix(pbx_channel_get_var(c, "winner"), "SIP/1003-"));
    g_assert_true(strstr(fake_tech_log(), "hangup:1002:487;") != NULL);
    teardown();
}

static void
test_script_error(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("error", "office", NULL);
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_TEMPORARY_FAILURE);
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:error:500;");
    g_assert_true(g_str_has_prefix(errors->str, "extensions.lua:22: attempt to index"));
    g_assert_true(strstr(errors->str, "stack traceback:") != NULL);
    teardown();
}

static void
test_misuse_raises(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("misuse", "office", NULL);
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:misuse:500;");
    g_assert_true(strstr(errors->str, "bad argument #1 to 'dial'") != NULL);
    teardown();
}

static void
check_budget(const char *to)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait(to, "office", NULL);
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_TEMPORARY_FAILURE);
    g_assert_true(g_str_has_prefix(errors->str, "extensions.lua:"));
    g_assert_true(strstr(errors->str, "instruction budget exceeded") != NULL);
    teardown();
}

static void
test_budget_loop(void)
{
    check_budget("loop");
}

static void
test_budget_pcall_loop(void)
{
    check_budget("pcall-loop");
}

static void
test_budget_nested_coroutine(void)
{
    check_budget("nested-loop");
}

static gboolean
send_hash(gpointer data)
{
    if (pbx_channel_get_state(data) != PBX_CHANNEL_UP)
        return G_SOURCE_CONTINUE;
    fake_tech_dtmf(data, '#');
    return G_SOURCE_REMOVE;
}

/* A runaway on_dtmf is stopped too, and ends its call. */
static void
test_budget_in_dtmf_handler(void)
{
    g_autoptr(PbxChannel) c = NULL;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    setup(script);
    c = fake_tech_call_in("1001", "wait-dtmf", "office");
    g_timeout_add(5, send_hash, c);
    while ((pbx_channel_get_state(c) != PBX_CHANNEL_HANGUP ||
            pbx_channel_get_dialplan_data(c)) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_TEMPORARY_FAILURE);
    g_assert_true(strstr(errors->str, "instruction budget exceeded") != NULL);
    teardown();
}

static void
test_headers_and_vars(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("header", "office", NULL);
    g_assert_cmpstr(g_hash_table_lookup(pbx_channel_get_headers(c), "X-Result"),
                    ==, "ok");
    g_assert_cmpstr(pbx_channel_get_var(c, "n"), ==, "42");
    g_assert_cmpstr(pbx_channel_get_var(c, "flag"), ==, "true");
    g_assert_null(pbx_channel_get_var(c, "gone"));
    g_assert_cmpstr(pbx_channel_get_var(c, "mine"), ==, "ok");
    g_assert_cmpstr(pbx_channel_get_var(c, "SIP_HANGUP_STATUS"), ==, "603");
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:header:603;");
    teardown();
}

static void
test_unknown_context(void)
{
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;

    setup(script);
    a = call_in_and_wait("x", "nowhere", NULL);
    b = call_in_and_wait("x", "empty", NULL);
    g_assert_cmpint(pbx_channel_get_hangup_cause(a), ==, PBX_CAUSE_UNALLOCATED);
    g_assert_cmpint(pbx_channel_get_hangup_cause(b), ==, PBX_CAUSE_UNALLOCATED);
    g_assert_cmpstr(fake_tech_log(), ==, "hangup:x:404;hangup:x:404;");
    teardown();
}

static void
count_destroy(gpointer data)
{
    (*(guint *) data)++;
}

static gboolean
send_digits(gpointer data)
{
    PbxChannel *c = data;
    static guint destroyed;
    PbxRefer refer = { .target = "1003", .target_uri = "sip:1003@h",
                       .data = &destroyed, .destroy = count_destroy };

    if (pbx_channel_get_state(c) != PBX_CHANNEL_UP)
        return G_SOURCE_CONTINUE;
    fake_tech_dtmf(c, '4');
    fake_tech_dtmf(c, '2');
    /* not bridged: nothing to transfer, refused before on_refer, and the
     * tech's data is released */
    g_assert_cmpuint(pbx_channel_refer(c, &refer), ==, 403);
    g_assert_cmpuint(destroyed, ==, 1);
    return G_SOURCE_REMOVE;
}

/* leg:attended_transfer(): one-digit keys, different; a leg that is not
 * bridged gets nil, message, "state". */
static void
test_attended_transfer_args(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(script);
    c = call_in_and_wait("atxfer-args", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "long"), ==, "digit");
    g_assert_cmpstr(pbx_channel_get_var(c, "bad"), ==, "digit");
    g_assert_cmpstr(pbx_channel_get_var(c, "same"), ==, "same");
    g_assert_nonnull(strstr(pbx_channel_get_var(c, "notable"), "table expected"));
    g_assert_cmpstr(pbx_channel_get_var(c, "unbridged"), ==, "nil,state");
    g_assert_cmpstr(pbx_channel_get_var(c, "bridged"), ==, "false");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static void
test_dtmf_and_refer(void)
{
    PbxChannel *c;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    setup(script);
    c = (fake_tech_call_in("1001", "wait-dtmf", "office"));
    g_timeout_add(5, send_digits, c);
    while ((pbx_channel_get_state(c) != PBX_CHANNEL_HANGUP ||
            pbx_channel_get_dialplan_data(c)) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(pbx_channel_get_var(c, "digits"), ==, "42");
    g_assert_cmpstr(errors->str, ==, "");
    pbx_channel_unref(c);
    teardown();
}

static const char v1[] =
    "context('office', { on_invite = function(call)\n"
    "  pbx.sleep(0.2); call.vars.version = '1' end })\n";
static const char v2[] =
    "context('office', { on_invite = function(call)\n"
    "  call.vars.version = '2' end })\n";
static const char broken[] =
    "context('office', {\n"
    "  on_invite = function(call) call:answer( end })\n";

static void
test_reload_keeps_old_script_for_calls(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;
    gint64 deadline;

    setup(v1);
    a = (fake_tech_call_in("1001", "a", "office"));
    drain();
    g_assert_cmpuint(dp_active_calls(), ==, 1);
    write_file("extensions.lua", broken);
    g_assert_false(pbx_dialplan_reload(&error));
    g_assert_nonnull(strstr(error->message, "extensions.lua:2:"));
    g_clear_error(&error);
    write_file("extensions.lua", v2);
    g_assert_true(pbx_dialplan_reload(&error));
    g_assert_cmpuint(dp_old_script_calls(), ==, 1);
    b = call_in_and_wait("b", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(b, "version"), ==, "2");
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while ((pbx_channel_get_state(a) != PBX_CHANNEL_HANGUP ||
            pbx_channel_get_dialplan_data(a)) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(pbx_channel_get_var(a, "version"), ==, "1");
    g_assert_cmpuint(dp_old_script_calls(), ==, 0);
    teardown();
}

static void
test_bad_script_at_init(void)
{
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    conf_dir = g_dir_make_tmp("carillon-dialplan-XXXXXX", NULL);
    paths.config_dir = g_strdup(conf_dir);
    pbx_paths_set(&paths);
    write_file("extensions.lua", "x = 1\n");
    g_assert_false(pbx_dialplan_init(&error));
    g_assert_nonnull(strstr(error->message, "defines no contexts"));
    pbx_dialplan_shutdown();
    remove_dir();
}

/* ------------------------------------------------------------ the call object */

static const char members_script[] =
    "context('office', { on_invite = function(call)\n"
    "  if call.to == 'ended' then\n"
    "    call.vars.ended_field = select(2, pcall(function() return kept.from end))\n"
    "    call.vars.ended_vars = select(2, pcall(function() return kept_vars.x end))\n"
    "    call.vars.ended_string = tostring(kept)\n"
    "    return\n"
    "  end\n"
    "  kept, kept_vars = call, call.vars\n"
    "  call.vars.same_vars = tostring(rawequal(call.vars, call.vars))\n"
    "  call.vars.same_method = tostring(rawequal(call.hangup, call.hangup))\n"
    "  call.vars.same_headers = tostring(rawequal(call.headers, call.headers))\n"
    "  call.vars.fields = table.concat({call.from, call.to, call.context,\n"
    "                                   call.direction, call.state}, ',')\n"
    "  call.vars.nosuch = tostring(call.nosuch)\n"
    "  call.vars.readonly = select(2, pcall(function() call.to = 'x' end))\n"
    "  local seen = {}\n"
    "  for k, v in pairs(call.vars) do seen[k] = v end\n"
    "  call.vars.pairs = seen.fields\n"
    "  local function touch()\n"
    "    for i = 1, 1000 do\n"
    "      local a, b, c, d = call.vars, call.hangup, call.to, call.headers\n"
    "    end\n"
    "  end\n"
    "  touch()\n"
    "  collectgarbage('stop')\n"
    "  local before = collectgarbage('count')\n"
    "  touch()\n"
    "  call.vars.grew = string.format('%d', (collectgarbage('count') - before) * 1024)\n"
    "  collectgarbage('restart')\n"
    "end })\n";

/* Fields and methods come from tables made once per lua_State: the same
 * method and proxy each time, and reading them allocates nothing. */
static void
test_call_members(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(members_script);
    c = call_in_and_wait("1002", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "same_vars"), ==, "true");
    g_assert_cmpstr(pbx_channel_get_var(c, "same_method"), ==, "true");
    g_assert_cmpstr(pbx_channel_get_var(c, "same_headers"), ==, "true");
    g_assert_cmpstr(pbx_channel_get_var(c, "fields"), ==,
                    "1001,1002,office,inbound,RING");
    g_assert_cmpstr(pbx_channel_get_var(c, "nosuch"), ==, "nil");
    g_assert_nonnull(strstr(pbx_channel_get_var(c, "readonly"),
                            "call fields are read-only (use call.vars)"));
    g_assert_cmpstr(pbx_channel_get_var(c, "pairs"), ==,
                    "1001,1002,office,inbound,RING");
    g_assert_cmpstr(pbx_channel_get_var(c, "grew"), ==, "0");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* A call object kept past its call raises on use instead of touching a
 * freed channel. */
static void
test_call_ended(void)
{
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;

    setup(members_script);
    a = call_in_and_wait("1002", "office", NULL);
    b = call_in_and_wait("ended", "office", NULL);
    g_assert_nonnull(strstr(pbx_channel_get_var(b, "ended_field"),
                            "attempt to use a call that has ended"));
    g_assert_nonnull(strstr(pbx_channel_get_var(b, "ended_vars"),
                            "attempt to use a call that has ended"));
    g_assert_cmpstr(pbx_channel_get_var(b, "ended_string"), ==, "pbx.call (ended)");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* ------------------------------------------------------------ module methods */

/* call:running() -> whether pbx_dialplan_get_running_call() finds the
 * call, and its thread is the running one. */
static int
lua_method_running(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    PbxDialplanCall *call = pbx_dialplan_get_running_call(L);

    lua_pushboolean(L, call && pbx_dialplan_call_get_thread(call) == L &&
                       pbx_channel_get_dialplan_data(chan) == call);
    return 1;
}

static const PbxDialplanMethodDesc running_methods[] = {
    { "running", lua_method_running, FALSE },
};

static gboolean
send_digit(gpointer data)
{
    if (pbx_channel_get_state(data) != PBX_CHANNEL_UP)
        return G_SOURCE_CONTINUE;
    fake_tech_dtmf(data, '5');
    return G_SOURCE_REMOVE;
}

/* A call answered, waiting for one DTMF digit, then hung up. */
static PbxChannel *
call_with_digit(const char *to)
{
    PbxChannel *c = fake_tech_call_in("1001", to, "office");
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    g_timeout_add(5, send_digit, c);
    while ((pbx_channel_get_state(c) != PBX_CHANNEL_HANGUP ||
            pbx_channel_get_dialplan_data(c)) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_null(pbx_channel_get_dialplan_data(c));
    return c;
}

/* The running call is found from the thread: in on_invite, not in a
 * coroutine the script made, not in on_dtmf. */
static void
test_running_call(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup("context('office', {\n"
          "  on_invite = function(call)\n"
          "    call.vars.invite = tostring(call:running())\n"
          "    call.vars.coroutine = tostring(coroutine.wrap(function()\n"
          "                                       return call:running() end)())\n"
          "    call:answer(); pbx.sleep(0.2)\n"
          "  end,\n"
          "  on_dtmf = function(call, digit) call.vars.dtmf = tostring(call:running()) end,\n"
          "})\n");
    g_assert_true(pbx_dialplan_register_methods(NULL, running_methods,
                                                G_N_ELEMENTS(running_methods), NULL));
    c = call_with_digit("x");
    pbx_dialplan_unregister_methods(running_methods, G_N_ELEMENTS(running_methods));
    g_assert_cmpstr(pbx_channel_get_var(c, "invite"), ==, "true");
    g_assert_cmpstr(pbx_channel_get_var(c, "coroutine"), ==, "false");
    g_assert_cmpstr(pbx_channel_get_var(c, "dtmf"), ==, "false");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static const PbxDialplanMethodDesc taken_method[] = {
    { "dial", lua_method_running, FALSE },
};
static const PbxDialplanMethodDesc taken_field[] = {
    { "vars", lua_method_running, FALSE },
};
static const PbxDialplanMethodDesc repeated[] = {
    { "fresh", lua_method_running, FALSE },
    { "fresh", lua_method_running, FALSE },
};
static const PbxDialplanMethodDesc half_taken[] = {
    { "fresh", lua_method_running, FALSE },
    { "answer", lua_method_running, TRUE },
};
static const PbxDialplanMethodDesc fresh[] = {
    { "fresh", lua_method_running, FALSE },
};

static void
check_refused(const PbxDialplanMethodDesc *descs, guint n, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = g_strdup_printf("dialplan method call:%s() already exists", name);

    g_assert_false(pbx_dialplan_register_methods(NULL, descs, n, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD);
    g_assert_cmpstr(error->message, ==, text);
}

/* Names of built-in methods and fields, of other modules' methods, and
 * names repeated in one table are refused, all or nothing. */
static void
test_method_names(void)
{
    setup(script);
    check_refused(taken_method, G_N_ELEMENTS(taken_method), "dial");
    check_refused(taken_field, G_N_ELEMENTS(taken_field), "vars");
    check_refused(repeated, G_N_ELEMENTS(repeated), "fresh");
    check_refused(half_taken, G_N_ELEMENTS(half_taken), "answer");
    g_assert_true(pbx_dialplan_register_methods(NULL, fresh, 1, NULL));
    check_refused(repeated, 1, "fresh");
    pbx_dialplan_unregister_methods(fresh, 1);
    g_assert_true(pbx_dialplan_register_methods(NULL, repeated, 1, NULL));
    pbx_dialplan_unregister_methods(repeated, 1);
    teardown();
}

static const char module_script[] =
    "context('office', {\n"
    "  on_invite = function(call)\n"
    "    local to = call.to\n"
    "    if to == 'mark' then\n"
    "      kept = call.mark\n"
    "      call:mark('yes')\n"
    "      local e = pbx.endpoint('2001')\n"
    "      call.vars.endpoint = e and e.context or 'nil'\n"
    "    elseif to == 'wait' then\n"
    "      local text, how = call:wait_echo('hello')\n"
    "      call.vars.waited = text .. ',' .. how\n"
    "      call.vars.nested = select(2, pcall(coroutine.wrap(function()\n"
    "                                              return call:wait_echo('x') end)))\n"
    "      call:answer(); pbx.sleep(0.2)\n"
    "    elseif to == 'bad-wait' then\n"
    "      call.vars.bad = select(2, pcall(call.bad_wait, call))\n"
    "      call.vars.raw = select(2, pcall(call.raw_yield, call))\n"
    "    elseif to == 'unloaded' then\n"
    "      call.vars.method = tostring(call.mark)\n"
    "      call.vars.kept = select(2, pcall(kept, call, 'x'))\n"
    "      call.vars.endpoint = tostring(pbx.endpoint('2001'))\n"
    "    end\n"
    "  end,\n"
    "  on_dtmf = function(call, digit)\n"
    "    call.vars.dtmf_wait = select(2, pcall(call.wait_echo, call, 'x'))\n"
    "    call:mark(digit)\n"
    "  end,\n"
    "})\n";

static void
load_test_module(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "tests", "modules", NULL);
    g_autoptr(GError) error = NULL;

    pbx_modules_init(mods);
    g_assert_nonnull(pbx_module_load("test_dialplan", &error));
    g_assert_no_error(error);
}

/* A module's methods reach the script loaded before it and the ones
 * loaded after (reload); unloading takes them and its provider away. */
static void
test_module_methods_follow_module(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxChannel) a = NULL;
    g_autoptr(PbxChannel) b = NULL;
    g_autoptr(PbxChannel) gone = NULL;

    setup(module_script);
    load_test_module();
    a = call_in_and_wait("mark", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(a, "mark"), ==, "yes");
    g_assert_cmpstr(pbx_channel_get_var(a, "endpoint"), ==, "lab");
    g_assert_true(pbx_dialplan_reload(&error));
    b = call_in_and_wait("mark", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(b, "mark"), ==, "yes");
    g_assert_true(pbx_module_unload("test_dialplan", FALSE, &error));
    g_assert_no_error(error);
    gone = call_in_and_wait("unloaded", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(gone, "method"), ==, "nil");
    g_assert_nonnull(strstr(pbx_channel_get_var(gone, "kept"),
                            "call:mark() is gone (its module was unloaded)"));
    g_assert_cmpstr(pbx_channel_get_var(gone, "endpoint"), ==, "nil");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* may_yield methods wait in on_invite and are refused where the call
 * cannot wait; other methods cannot wait at all. */
static void
test_module_method_yield_rules(void)
{
    g_autoptr(PbxChannel) w = NULL;
    g_autoptr(PbxChannel) bad = NULL;
    g_autoptr(GError) error = NULL;

    setup(module_script);
    load_test_module();
    w = call_with_digit("wait");
    g_assert_cmpstr(pbx_channel_get_var(w, "waited"), ==, "hello,waited");
    g_assert_nonnull(strstr(pbx_channel_get_var(w, "nested"),
                            "call:wait_echo() can only wait inside its own on_invite"));
    g_assert_nonnull(strstr(pbx_channel_get_var(w, "dtmf_wait"),
                            "call:wait_echo() can only wait inside its own on_invite"));
    g_assert_cmpstr(pbx_channel_get_var(w, "mark"), ==, "5");
    bad = call_in_and_wait("bad-wait", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(bad, "bad"), ==,
                    "call:bad_wait() cannot wait (not declared may_yield)");
    g_assert_nonnull(strstr(pbx_channel_get_var(bad, "raw"),
                            "attempt to yield across a C-call boundary"));
    g_assert_cmpstr(errors->str, ==, "");
    g_assert_true(pbx_module_unload("test_dialplan", FALSE, &error));
    teardown();
}

/* The sample office dialplan: 10xx dial each other, failures map to
 * the right SIP status, other numbers get 404. */
static void
test_sample_office(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *path = g_build_filename(top ? top : ".", "contrib",
                                             "configs", "sample-office",
                                             "extensions.lua", NULL);
    g_autofree char *text = NULL;
    g_autoptr(PbxChannel) busy = NULL;
    g_autoptr(PbxChannel) unknown = NULL;
    g_autoptr(PbxChannel) out = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    setup(text);
    fake_tech_set("1002", FAKE_BUSY, 10);
    busy = call_in_and_wait("1002", "office", NULL);
    unknown = call_in_and_wait("2000", "office", NULL);
    out = call_in_and_wait("1003", "office", NULL);
    g_assert_cmpstr(fake_tech_log(), ==,
                    "call:1002;ring:1002;hangup:1002:486;hangup:2000:404;"
                    "hangup:1003:480;");
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static void
test_budget_wall_time(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup_with_conf(script, "[general]\nmax_instructions = 2000000000\n"
                    "max_slice_ms = 50\n");
    c = call_in_and_wait("loop", "office", NULL);
    g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_TEMPORARY_FAILURE);
    g_assert_true(strstr(errors->str, "time budget exceeded") != NULL);
    teardown();
}

/* Two providers, each filling in what it knows (like chan_sip and the
 * registrar). */
static void
endpoint_conf(const char *name, PbxEndpointInfo *info, gpointer data)
{
    if (strcmp(name, "1002") != 0)
        return;
    info->known = TRUE;
    info->context = g_strdup("office");
}

static void
endpoint_reg(const char *name, PbxEndpointInfo *info, gpointer data)
{
    if (strcmp(name, "1002") != 0)
        return;
    info->registered = TRUE;
    info->contacts = 2;
}

static void
test_endpoint_lookup(void)
{
    g_autoptr(PbxChannel) c = NULL;
    g_autoptr(PbxChannel) d = NULL;

    setup("context('office', { on_invite = function(call)\n"
          "  local e = pbx.endpoint('1002')\n"
          "  call.vars.e = e and (e.name .. ',' .. e.context .. ','\n"
          "                       .. tostring(e.registered) .. ',' .. e.contacts)\n"
          "  call.vars.none = tostring(pbx.endpoint('1099'))\n"
          "  pbx.log('info', 'looked up')\n"
          "end })\n");
    pbx_dialplan_add_endpoint_provider(NULL, endpoint_conf, NULL);
    pbx_dialplan_add_endpoint_provider(NULL, endpoint_reg, NULL);
    c = call_in_and_wait("x", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "e"), ==, "1002,office,true,2");
    g_assert_cmpstr(pbx_channel_get_var(c, "none"), ==, "nil");
    pbx_dialplan_remove_endpoint_provider(endpoint_conf, NULL);
    d = call_in_and_wait("x", "office", NULL);
    g_assert_null(pbx_channel_get_var(d, "e"));      /* registered alone: not known */
    pbx_dialplan_remove_endpoint_provider(endpoint_reg, NULL);
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

static const char dtmf_script[] =
    "context('office', {\n"
    "  on_invite = function(call)\n"
    "    if call.to == 'send' then\n"
    "      call:answer()\n"
    "      call.vars.r1 = tostring(call:send_dtmf('12#a', {duration = 80}))\n"
    "      call.vars.r2 = select(2, pcall(call.send_dtmf, call, '1x'))\n"
    "      call.vars.r3 = select(2, pcall(call.send_dtmf, call, '1', {duration = 5}))\n"
    "      call.vars.r4 = select(2, pcall(call.dial, call, '1002', {codecs = {'nope'}}))\n"
    "      call.vars.r5 = select(2, pcall(call.dial, call, '1002', {codecs = 'ulaw'}))\n"
    "      call:hangup()\n"
    "    else\n"
    "      call.vars.outcome = call:dial('1002', {timeout = 1})\n"
    "    end\n"
    "  end,\n"
    "  on_dtmf = function(leg, digit, info)\n"
    "    heard = (heard or '') .. leg.to .. ':' .. digit .. ':' .. info.duration\n"
    "            .. ':' .. info.source .. ';'\n"
    "    if digit == '*' then leg:send_dtmf('9') return true end\n"
    "  end,\n"
    "})\n";

static GString *pressed;     /* the fake tech's log while keys were pressed */

static gboolean
press_keys(gpointer data)
{
    PbxChannel *a = data;
    PbxBridge *br = pbx_bridge_find_by_channel(a);
    PbxChannel *b;

    if (!br)
        return G_SOURCE_CONTINUE;
    b = pbx_bridge_get_peer(br, a);
    fake_tech_clear_log();
    fake_tech_dtmf(a, '5');             /* heard, passed on to b */
    fake_tech_dtmf(b, '*');             /* heard on b, swallowed; b gets a 9 */
    fake_tech_dtmf(b, '3');             /* heard on b, passed on to a */
    g_string_append(pressed, fake_tech_log());
    pbx_channel_hangup_from_tech(b, PBX_CAUSE_NORMAL_CLEARING);
    return G_SOURCE_REMOVE;
}

static const char *
lua_global(const char *name)
{
    lua_State *L = dp_current_script()->L;
    const char *v;

    lua_getglobal(L, name);
    v = lua_tostring(L, -1);
    lua_pop(L, 1);
    return v;
}

/* on_dtmf hears both legs of a bridged call with the digit's duration
 * and source; a true result swallows the digit; leg:send_dtmf reaches
 * that leg's tech. */
static void
test_dtmf_bridged(void)
{
    g_autoptr(PbxChannel) c = NULL;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    setup(dtmf_script);
    pressed = g_string_new(NULL);
    fake_tech_set("1002", FAKE_ANSWER, 5);
    c = fake_tech_call_in("1001", "bridge", "office");
    g_timeout_add(5, press_keys, c);
    while ((pbx_channel_get_state(c) != PBX_CHANNEL_HANGUP || pbx_channel_get_dialplan_data(c))
           && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(pbx_channel_get_var(c, "outcome"), ==, "answered");
    g_assert_cmpstr(lua_global("heard"), ==,
                    "bridge:5:120:rfc4733;1002:*:120:rfc4733;1002:3:120:rfc4733;");
    g_assert_cmpstr(pressed->str, ==, "dtmf:1002:5:120;dtmf:1002:9:100;dtmf:bridge:3:120;");
    g_assert_cmpstr(errors->str, ==, "");
    g_string_free(pressed, TRUE);
    teardown();
}

static void
test_dtmf_send(void)
{
    g_autoptr(PbxChannel) c = NULL;

    setup(dtmf_script);
    c = call_in_and_wait("send", "office", NULL);
    g_assert_cmpstr(pbx_channel_get_var(c, "r1"), ==, "true");
    g_assert_nonnull(strstr(pbx_channel_get_var(c, "r2"), "'x' is not a DTMF digit"));
    g_assert_nonnull(strstr(pbx_channel_get_var(c, "r3"), "duration must be 40-5000 ms"));
    g_assert_nonnull(
        strstr(pbx_channel_get_var(c, "r4"), "dial option codecs: 'nope' is not a codec"));
    g_assert_nonnull(strstr(pbx_channel_get_var(c, "r5"), "dial option codecs must be a list"));
    g_assert_nonnull(strstr(fake_tech_log(),
                            "dtmf:send:1:80;dtmf:send:2:80;dtmf:send:#:80;dtmf:send:A:80;"));
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("The Lua dialplan: on_invite coroutines, dial, budgets, reload");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_log_set_level("*", PBX_LOG_ERROR);
    g_test_add_func("/dialplan/answer-and-sleep", test_answer_and_sleep);
    g_test_add_func("/dialplan/dial/answered", test_dial_answered);
    g_test_add_func("/dialplan/dial/busy", test_dial_busy);
    g_test_add_func("/dialplan/dial/noanswer", test_dial_noanswer);
    g_test_add_func("/dialplan/dial/unavailable", test_dial_unavailable);
    g_test_add_func("/dialplan/dial/parallel", test_parallel_dial);
    g_test_add_func("/dialplan/dial/cancelled", test_dial_cancelled);
    g_test_add_func("/dialplan/sleep-interrupted", test_sleep_interrupted);
    g_test_add_func("/dialplan/script-error", test_script_error);
    g_test_add_func("/dialplan/misuse-raises", test_misuse_raises);
    g_test_add_func("/dialplan/budget/loop", test_budget_loop);
    g_test_add_func("/dialplan/budget/pcall-loop", test_budget_pcall_loop);
    g_test_add_func("/dialplan/budget/nested-coroutine", test_budget_nested_coroutine);
    g_test_add_func("/dialplan/budget/dtmf-handler", test_budget_in_dtmf_handler);
    g_test_add_func("/dialplan/headers-and-vars", test_headers_and_vars);
    g_test_add_func("/dialplan/unknown-context", test_unknown_context);
    g_test_add_func("/dialplan/dtmf-and-refer", test_dtmf_and_refer);
    g_test_add_func("/dialplan/attended-transfer-args", test_attended_transfer_args);
    g_test_add_func("/dialplan/reload-keeps-old-script",
                    test_reload_keeps_old_script_for_calls);
    g_test_add_func("/dialplan/bad-script-at-init", test_bad_script_at_init);
    g_test_add_func("/dialplan/call/members", test_call_members);
    g_test_add_func("/dialplan/call/ended", test_call_ended);
    g_test_add_func("/dialplan/running-call", test_running_call);
    g_test_add_func("/dialplan/module-method/names", test_method_names);
    g_test_add_func("/dialplan/module-method/follow-module",
                    test_module_methods_follow_module);
    g_test_add_func("/dialplan/module-method/yield-rules",
                    test_module_method_yield_rules);
    g_test_add_func("/dialplan/sample-office", test_sample_office);
    g_test_add_func("/dialplan/budget/wall-time", test_budget_wall_time);
    g_test_add_func("/dialplan/endpoint-lookup", test_endpoint_lookup);
    g_test_add_func("/dialplan/dtmf/bridged", test_dtmf_bridged);
    g_test_add_func("/dialplan/dtmf/send", test_dtmf_send);
    return g_test_run();
}
