/* Carillon - the Lua dialplan engine: loading extensions.lua, running
 * each inbound call's on_invite as a coroutine, budgets, reload. */
#include <string.h>

#include "dialplan_private.h"
#include "park.h"

#define HOOK_STEP 1000          /* instructions between budget checks */

PbxLogDomain *dp_dom;

typedef struct {
    char *script;
    guint max_instructions;
    guint max_slice_ms;
} DialplanConf;

static const PbxOption conf_opts[] = {
    { "script", PBX_OPT_STRING, G_STRUCT_OFFSET(DialplanConf, script), "extensions.lua", 0, 0 },
    { "max_instructions", PBX_OPT_UINT, G_STRUCT_OFFSET(DialplanConf, max_instructions), "1000000",
      1000, G_MAXINT },
    { "max_slice_ms", PBX_OPT_UINT, G_STRUCT_OFFSET(DialplanConf, max_slice_ms), "1000", 1,
      600000 },
};

static DialplanConf conf;
static Script *current;
static GList *old_scripts;      /* replaced scripts with calls left */
static GQueue calls = G_QUEUE_INIT;    /* Call, linked through c->link */
static guint generation;

/* ------------------------------------------------------------ config */

static gboolean
load_conf(DialplanConf *out, GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    cfg = pbx_core_load_config("dialplan.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts),
                         out, FALSE, error))
        return TRUE;
    pbx_config_options_clear(conf_opts, G_N_ELEMENTS(conf_opts), out);
    return FALSE;
}

/* ------------------------------------------------------------ scripts */

void
dp_script_ref(Script *s)
{
    s->refs++;
}

void
dp_script_unref(Script *s)
{
    if (!s || --s->refs > 0)
        return;
    pbx_debug(dp_dom, "closing dialplan generation %u", s->generation);
    old_scripts = g_list_remove(old_scripts, s);
    lua_close(s->L);
    g_free(s->path);
    g_free(s);
}

Script *
dp_current_script(void)
{
    return current;
}

G_STATIC_ASSERT(LUA_EXTRASPACE >= sizeof(Script *));

Script *
dp_script_of(lua_State *L)
{
    return *(Script **) lua_getextraspace(L);
}

void
dp_foreach_state(void (*fn)(lua_State *L, gconstpointer data),
                 gconstpointer data)
{
    if (current)
        fn(current->L, data);
    for (GList *l = old_scripts; l; l = l->next)
        fn(((Script *) l->data)->L, data);
}

/* context("office", { on_invite = ... }) is sugar for
 * contexts.office = { ... }. */
static int
lua_context(lua_State *L)
{
    luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getglobal(L, "contexts");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setglobal(L, "contexts");
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_settable(L, -3);
    return 0;
}

static int
traceback_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

static gboolean
run_chunk(lua_State *L, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *chunkname = g_strconcat("@", base, NULL);
    gsize len;

    if (!g_file_get_contents(path, &text, &len, error))
        return FALSE;
    lua_pushcfunction(L, traceback_handler);
    if (luaL_loadbufferx(L, text, len, chunkname, "t") != LUA_OK ||
        lua_pcall(L, 0, 0, -2) != LUA_OK) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_SYNTAX, "%s",
                    lua_tostring(L, -1));
        return FALSE;
    }
    lua_pop(L, 1);
    lua_getglobal(L, "contexts");
    if (!lua_istable(L, -1)) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_MISSING,
                    "%s: defines no contexts (a global table `contexts` or "
                    "context(name, handlers) calls)", chunkname + 1);
        return FALSE;
    }
    lua_pop(L, 1);
    return TRUE;
}

static Script *
script_load(const char *path, GError **error)
{
    Script *s = g_new0(Script, 1);

    s->refs = 1;
    s->path = g_strdup(path);
    s->L = luaL_newstate();
    /* Before any thread exists: each new one copies the main thread's. */
    *(Script **) lua_getextraspace(s->L) = s;
    s->loaded_at = g_get_real_time();
    luaL_openlibs(s->L);
    dp_call_open_class(s->L);
    dp_install_module_methods(s->L);
    dp_open_pbx_lib(s->L);
    dp_install_module_libraries(s->L);
    lua_pushcfunction(s->L, lua_context);
    lua_setglobal(s->L, "context");
    if (!run_chunk(s->L, path, error)) {
        dp_script_unref(s);
        return NULL;
    }
    s->generation = ++generation;
    return s;
}

static char *
script_path(void)
{
    if (g_path_is_absolute(conf.script))
        return g_strdup(conf.script);
    return g_build_filename(pbx_core_get_config_dir(), conf.script, NULL);
}

gboolean
pbx_dialplan_reload(GError **error)
{
    DialplanConf fresh = { 0 };
    g_autofree char *path = NULL;
    Script *s;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!load_conf(&fresh, error))
        return FALSE;
    pbx_config_options_clear(conf_opts, G_N_ELEMENTS(conf_opts), &conf);
    conf = fresh;
    path = script_path();
    s = script_load(path, error);
    if (!s)
        return FALSE;
    if (current && current->calls)
        old_scripts = g_list_prepend(old_scripts, current);
    dp_script_unref(current);
    current = s;
    pbx_notice(dp_dom, "dialplan %s loaded (generation %u)", path,
               s->generation);
    return TRUE;
}

/* ------------------------------------------------------------ errors */

void
dp_report_error(const char *what, const char *msg)
{
    PbxEvent *ev = pbx_event_new("dialplan/error");

    pbx_error(dp_dom, "%s: %s", what, msg);
    pbx_event_set(ev, "where", what);
    pbx_event_set(ev, "message", msg);
    pbx_event_publish(ev);
}

/* ------------------------------------------------------------ calls */

PbxDialplanCall *
pbx_dialplan_get_running_call(lua_State *L)
{
    Call *c = dp_script_of(L)->running;

    return c && c->co == L ? c : NULL;
}

/* Count hook: every HOOK_STEP instructions, check the instruction and
 * wall-time budgets of the run (a call's slice since its last resume, a
 * handler run to completion).  Over budget, a call's coroutine is
 * abandoned by yielding from the hook, which no pcall in the script can
 * catch.  Elsewhere (a coroutine the script made, a handler run to
 * completion) an error is raised at every instruction from then on, so
 * it escapes any pcall loop. */
static void
budget_hook(lua_State *L, lua_Debug *ar)
{
    Script *s = dp_script_of(L);
    DpBudget *b = s->budget;
    gint64 elapsed_ms;

    if (!b)
        return;
    b->instructions += HOOK_STEP;
    elapsed_ms = (g_get_monotonic_time() - b->slice_start) / 1000;
    if (!b->killed && b->instructions <= conf.max_instructions &&
        elapsed_ms <= conf.max_slice_ms)
        return;
    if (!b->killed) {
        luaL_where(L, 0);
        b->kill_reason = g_strdup_printf(
            "%s%s budget exceeded (%u instructions, %u ms between waits)",
            lua_tostring(L, -1),
            elapsed_ms > conf.max_slice_ms ? "time" : "instruction",
            conf.max_instructions, conf.max_slice_ms);
        lua_pop(L, 1);
        b->killed = TRUE;
    }
    if (s->running && L == s->running->co && lua_isyieldable(L)) {
        lua_yield(L, 0);        /* from a hook, this returns: then Lua yields */
        return;
    }
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    luaL_error(L, "%s", b->kill_reason);
}

static void
budget_start(DpBudget *b)
{
    b->instructions = 0;
    b->slice_start = g_get_monotonic_time();
}

static void call_run(Call *c, int nargs);

static void
call_free(Call *c)
{
    lua_State *L = c->script->L;

    g_queue_unlink(&calls, &c->link);   /* O(1): the link is in the call */
    pbx_timer_stop(&c->timer);
    pbx_timer_stop(&c->wake);
    if (c->chan_watch)
        pbx_channel_unwatch(c->chan, c->chan_watch);
    pbx_channel_set_dtmf_hook(c->chan, NULL, NULL);
    dp_transfer_abort(c);
    dp_forget_peer(c);
    pbx_channel_set_dialplan_data(c->chan, NULL);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->call_ref);
    dp_close_call(L, -1);
    lua_pop(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, c->call_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, c->co_ref);
    c->script->calls--;
    dp_script_unref(c->script);
    pbx_channel_unref(c->chan);
    g_free(c->budget.kill_reason);
    g_free(c->dial_target);
    g_free(c);
}

/* The coroutine is over: hang up what the script left up and let go. */
static void
call_end(Call *c, gboolean failed)
{
    if (pbx_channel_get_state(c->chan) != PBX_CHANNEL_HANGUP)
        pbx_channel_hangup(c->chan, failed ? PBX_CAUSE_TEMPORARY_FAILURE
                                           : PBX_CAUSE_NORMAL_CLEARING);
    call_free(c);
}

static void
call_failed(Call *c, const char *msg)
{
    lua_State *L = c->script->L;
    g_autofree char *what = g_strdup_printf("%s on_invite",
                                            pbx_channel_get_name(c->chan));

    luaL_traceback(L, c->co, msg, 0);
    dp_report_error(what, lua_tostring(L, -1));
    lua_pop(L, 1);
    call_end(c, TRUE);
}

/* Resumes the call's coroutine with `nargs` values on its stack and
 * deals with how it stopped: waiting (yielded from one of our methods),
 * finished, failed, or killed by the budget hook. */
static void
call_run(Call *c, int nargs)
{
    Script *s = c->script;
    Call *prev = s->running;
    DpBudget *prev_budget = s->budget;
    int nres = 0;
    int status;

    budget_start(&c->budget);
    lua_sethook(c->co, budget_hook, LUA_MASKCOUNT, HOOK_STEP);
    s->running = c;
    s->budget = &c->budget;
    status = lua_resume(c->co, s->L, nargs, &nres);
    s->running = prev;
    s->budget = prev_budget;
    if (c->budget.killed) {
        call_failed(c, c->budget.kill_reason);
    } else if (status == LUA_YIELD) {
        lua_pop(c->co, nres);
        if (c->wait == WAIT_NONE)
            call_failed(c, "on_invite yielded outside a PBX call method");
    } else if (status == LUA_OK) {
        call_end(c, FALSE);
    } else {
        const char *msg = lua_tostring(c->co, -1);
        call_failed(c, msg ? msg : "(error object is not a string)");
    }
}

static void
wake_now(PbxTimer *timer, gpointer data)
{
    Call *c = data;

    c->wait = WAIT_NONE;
    call_run(c, c->wake_nargs);
}

/* The coroutine resumes from the main loop (a zero-delay timer), never
 * from inside the callback that ended its wait. */
void
dp_wake(Call *c, int nargs)
{
    g_return_if_fail(!pbx_timer_armed(&c->wake));
    c->wake_nargs = nargs;
    pbx_timer_start(&c->wake, 0);
}

void
dp_start_timer(Call *c, PbxTimerFunc fn, guint ms)
{
    pbx_timer_stop(&c->timer);
    pbx_timer_init(&c->timer, pbx_calls_timers(), fn, c);
    pbx_timer_start(&c->timer, ms);
}

void
pbx_dialplan_wake(PbxDialplanCall *call, int nresults)
{
    PBX_ASSERT_MAIN_CONTEXT();
    dp_wake(call, nresults);
}

lua_State *
pbx_dialplan_call_get_thread(PbxDialplanCall *call)
{
    return call->co;
}

static int
wait_done(lua_State *L, int status, lua_KContext ctx)
{
    return lua_gettop(L) - (int) ctx;
}

int
dp_wait(lua_State *L, Call *c, WaitKind kind)
{
    c->wait = kind;
    return lua_yieldk(L, 0, lua_gettop(L), wait_done);
}

/* The caller hung up while the script waits in sleep or answer: the wait
 * returns nil, "hangup".  Dial and bridge waits learn it by themselves. */
static void
call_chan_changed(PbxChannel *chan, PbxChannelEventKind kind,
                  const char *detail, gpointer data)
{
    Call *c = data;

    if (pbx_timer_armed(&c->wake))
        return;
    if (c->wait == WAIT_ANSWER && kind == PBX_CHANNEL_EVENT_STATE &&
        pbx_channel_get_state(chan) == PBX_CHANNEL_UP) {
        pbx_timer_stop(&c->timer);
        lua_pushboolean(c->co, TRUE);
        dp_wake(c, 1);
    } else if ((c->wait == WAIT_ANSWER || c->wait == WAIT_SLEEP) &&
               kind == PBX_CHANNEL_EVENT_HANGUP) {
        pbx_timer_stop(&c->timer);
        lua_pushnil(c->co);
        lua_pushliteral(c->co, "hangup");
        dp_wake(c, 2);
    } else if (c->wait == WAIT_BRIDGE && !c->bridge && !c->transfer &&
               kind == PBX_CHANNEL_EVENT_HANGUP) {
        /* its bridge went to a transfer: call:dial() ends with the call */
        PbxCause cause = pbx_channel_get_hangup_cause(chan);
        dp_dial_resume(c, "transferred", cause, pbx_cause_to_sip(cause), NULL);
    } else if (c->wait == WAIT_PICKUP && kind == PBX_CHANNEL_EVENT_HANGUP) {
        dp_pickup_hangup(c);
    }
}

/* Looks up contexts[name][handler] in L and leaves it on the stack;
 * FALSE (nothing pushed) when absent. */
static gboolean
push_handler(lua_State *L, const char *context, const char *handler)
{
    int top = lua_gettop(L);

    if (lua_getglobal(L, "contexts") != LUA_TTABLE ||
        lua_getfield(L, -1, context) != LUA_TTABLE ||
        lua_getfield(L, -1, handler) != LUA_TFUNCTION) {
        lua_settop(L, top);
        return FALSE;
    }
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return TRUE;
}

/* The new-channel handler: run the context's on_invite, or reject the
 * call with UNALLOCATED (404) when there is none. */
static void
new_channel(PbxChannel *chan, gpointer data)
{
    Script *s = current;
    Call *c;

    if (pbx_channel_get_replaces(chan)) {
        dp_transfer_replace(chan);      /* transfer.c: not a new call */
        return;
    }
    if (!s || !push_handler(s->L, pbx_channel_get_context(chan), "on_invite")) {
        pbx_notice(dp_dom, "%s: no on_invite in context %s, rejecting",
                   pbx_channel_get_name(chan), pbx_channel_get_context(chan));
        pbx_channel_hangup(chan, PBX_CAUSE_UNALLOCATED);
        return;
    }
    c = g_new0(Call, 1);
    pbx_timer_init(&c->timer, pbx_calls_timers(), NULL, c);
    pbx_timer_init(&c->wake, pbx_calls_timers(), wake_now, c);
    c->script = s;
    dp_script_ref(s);
    s->calls++;
    c->chan = pbx_channel_ref(chan);
    c->co = lua_newthread(s->L);
    c->co_ref = luaL_ref(s->L, LUA_REGISTRYINDEX);
    lua_xmove(s->L, c->co, 1);               /* the handler */
    dp_push_call(s->L, chan);
    lua_pushvalue(s->L, -1);
    c->call_ref = luaL_ref(s->L, LUA_REGISTRYINDEX);
    lua_xmove(s->L, c->co, 1);               /* its argument */
    pbx_channel_set_dialplan_data(chan, c);
    c->chan_watch = pbx_channel_watch(chan, call_chan_changed, c);
    c->peer_ref = LUA_NOREF;
    pbx_channel_set_dtmf_hook(chan, dp_dtmf_hook, c);
    c->link.data = c;
    g_queue_push_head_link(&calls, &c->link);
    call_run(c, 1);
}

typedef struct {
    int (*push)(lua_State *L, gconstpointer data);
    gconstpointer data;
} PushArgs;

/* In protected mode: [1] PushArgs, [2] the handler.  Pushes the
 * arguments and calls it through lua_call, so a yield in it (outside a
 * coroutine of its own) is an error, not a suspension. */
static int
call_handler(lua_State *L)
{
    const PushArgs *args = lua_touserdata(L, 1);
    int top = lua_gettop(L);

    luaL_checkstack(L, LUA_MINSTACK, NULL);
    args->push(L, args->data);
    lua_call(L, lua_gettop(L) - top, 1);
    return 1;
}

DpRunResult
dp_run_to_completion(Script *s, const char *context, const char *handler, Call *running,
                     DpBudget *budget, int (*push)(lua_State *L, gconstpointer data),
                     gconstpointer data, const char *what)
{
    lua_State *L = s->L;
    int top = lua_gettop(L);
    PushArgs args = { push, data };
    Call *prev = s->running;
    DpBudget *prev_budget = s->budget;
    lua_Hook prev_hook = lua_gethook(L);
    int prev_mask = lua_gethookmask(L), prev_count = lua_gethookcount(L);
    gboolean ok;

    if (!push_handler(L, context, handler))
        return DP_RUN_NO_HANDLER;
    dp_script_ref(s);           /* a handler may outlive a reload */
    lua_pushcfunction(L, traceback_handler);
    lua_pushcfunction(L, call_handler);
    lua_pushlightuserdata(L, &args);
    lua_rotate(L, top + 1, -1);             /* traceback, call_handler, args, handler */
    budget_start(budget);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_STEP);
    s->running = running;
    s->budget = budget;
    ok = lua_pcall(L, 2, 1, top + 1) == LUA_OK;
    s->running = prev;
    s->budget = prev_budget;
    lua_sethook(L, prev_hook, prev_mask, prev_count);
    if (!ok)
        dp_report_error(what, lua_tostring(L, -1));
    lua_remove(L, top + 1);
    dp_script_unref(s);
    return ok ? DP_RUN_OK : DP_RUN_FAILED;
}

typedef struct {
    int call_ref;
    int (*push_args)(lua_State *L, gconstpointer arg);
    gconstpointer arg;
} CallArgs;

static int
push_call_and_args(lua_State *L, gconstpointer data)
{
    const CallArgs *a = data;

    lua_rawgeti(L, LUA_REGISTRYINDEX, a->call_ref);
    return 1 + a->push_args(L, a->arg);
}

/* Runs contexts[ctx][handler](call, args...) to completion on the
 * script's main thread (it cannot wait), under the call's budget; `call`
 * is the registry reference of the call object passed (the call's own,
 * or its bridged peer's).  Leaves one result on the stack on success. */
DpRunResult
dp_run_sync(Call *c, int call_ref, const char *handler,
            int (*push_args)(lua_State *, gconstpointer), gconstpointer arg)
{
    g_autofree char *what = g_strdup_printf("%s %s", pbx_channel_get_name(c->chan), handler);
    CallArgs args = { call_ref, push_args, arg };
    DpRunResult r = dp_run_to_completion(c->script, pbx_channel_get_context(c->chan), handler,
                                         c, &c->budget, push_call_and_args, &args, what);

    if (c->budget.killed) {
        /* A runaway handler ends the call. */
        c->budget.killed = FALSE;
        g_clear_pointer(&c->budget.kill_reason, g_free);
        pbx_channel_hangup(c->chan, PBX_CAUSE_TEMPORARY_FAILURE);
    }
    if (r == DP_RUN_FAILED)
        lua_pop(c->script->L, 1);
    return r;
}

/* digit, {duration=, source=} */
static int
push_dtmf(lua_State *L, gconstpointer data)
{
    const PbxDtmf *d = data;

    lua_pushlstring(L, &d->digit, 1);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, d->duration_ms);
    lua_setfield(L, -2, "duration");
    lua_pushstring(L, pbx_dtmf_source_to_string(d->source));
    lua_setfield(L, -2, "source");
    return 2;
}

/* The DTMF hook of the call's channel and of its bridged peer: runs
 * on_dtmf(leg, digit, info); a true result swallows the digit. */
gboolean
dp_dtmf_hook(PbxChannel *chan, const PbxDtmf *dtmf, gpointer data)
{
    Call *c = data;
    int ref = chan == c->chan ? c->call_ref : c->peer_ref;
    gboolean swallow;

    if (ref == LUA_NOREF || dp_run_sync(c, ref, "on_dtmf", push_dtmf, dtmf) != DP_RUN_OK)
        return FALSE;
    swallow = lua_toboolean(c->script->L, -1);
    lua_pop(c->script->L, 1);
    return swallow;
}

/* ------------------------------------------------------------ info */

guint
dp_old_script_calls(void)
{
    guint n = 0;

    for (GList *l = old_scripts; l; l = l->next)
        n += ((Script *) l->data)->calls;
    return n;
}

guint
dp_active_calls(void)
{
    return calls.length;
}

guint
dp_get_max_instructions(void)
{
    return conf.max_instructions;
}

/* ------------------------------------------------------------ life */

gboolean
pbx_dialplan_init(GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    dp_dom = pbx_log_domain("dialplan");
    pbx_channel_set_new_handler(new_channel, NULL);
    pbx_channel_set_refer_handler(dp_transfer_on_refer, NULL);
    dp_register_cli();
    dp_park_register_cli();
    return pbx_dialplan_reload(error);
}

/* Ends every call still in the dialplan (their channels are hung up) and
 * closes the scripts. */
void
pbx_dialplan_shutdown(void)
{
    pbx_channel_set_new_handler(NULL, NULL);
    pbx_channel_set_refer_handler(NULL, NULL);
    dp_park_shutdown();
    while (calls.head) {
        Call *c = calls.head->data;
        pbx_timer_stop(&c->timer);
        if (c->dial)
            pbx_dial_cancel(c->dial);
        dp_transfer_abort(c);
        if (c->bridge)
            pbx_bridge_set_end_func(c->bridge, NULL, NULL);
        pbx_timer_stop(&c->wake);
        call_end(c, FALSE);
    }
    dp_script_unref(current);
    current = NULL;
    pbx_config_options_clear(conf_opts, G_N_ELEMENTS(conf_opts), &conf);
}

const char *
dp_get_script_path(void)
{
    return current ? current->path : NULL;
}
