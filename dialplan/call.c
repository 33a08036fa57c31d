/* Carillon - the "pbx.call" Lua class: one inbound call as the script
 * sees it. */
#include <string.h>

#include <carillon/codec.h>

#include "dialplan_private.h"

#define CALL_CLASS "pbx.call"
#define VARS_CLASS "pbx.vars"
#define ANSWER_TIMEOUT_MS 32000

typedef struct {
    PbxChannel *chan;           /* a reference; NULL once the call ended */
} CallBox;

/* User values of a call userdata: its call.vars proxy, made with the
 * call, and its call.headers table, made on first use. */
enum {
    CALL_UV_VARS = 1,
    CALL_UV_HEADERS,
    CALL_N_UV = CALL_UV_HEADERS,
};

/* call.vars: points at its call's box; its user value is the call
 * userdata, which keeps the box alive. */
typedef struct {
    CallBox *call;
} VarsBox;

/* ------------------------------------------------------------ boxes */

/* Leaves the vars proxy of the call userdata at the top. */
static void
push_vars(lua_State *L, CallBox *call)
{
    VarsBox *vars = lua_newuserdatauv(L, sizeof(VarsBox), 1);

    vars->call = call;
    luaL_setmetatable(L, VARS_CLASS);
    lua_pushvalue(L, -2);
    lua_setiuservalue(L, -2, 1);
}

void
dp_push_call(lua_State *L, PbxChannel *chan)
{
    CallBox *box = lua_newuserdatauv(L, sizeof(CallBox), CALL_N_UV);

    box->chan = NULL;            /* closed until fully set up */
    luaL_setmetatable(L, CALL_CLASS);
    push_vars(L, box);
    lua_setiuservalue(L, -2, CALL_UV_VARS);
    box->chan = pbx_channel_ref(chan);
}

void
dp_close_call(lua_State *L, int idx)
{
    CallBox *box = luaL_testudata(L, idx, CALL_CLASS);

    if (box && box->chan)
        g_clear_pointer(&box->chan, pbx_channel_unref);
}

static CallBox *
check_box(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, CALL_CLASS);
}

PbxChannel *
pbx_dialplan_check_channel(lua_State *L, int idx)
{
    CallBox *box = check_box(L, idx);

    if (!box->chan)
        luaL_error(L, "attempt to use a call that has ended");
    return box->chan;
}

/* The running call, which must own `chan`: only a call's own coroutine
 * can wait on it. */
static Call *
check_own_call(lua_State *L, PbxChannel *chan)
{
    Call *c = pbx_dialplan_get_running_call(L);

    if (!c || c->chan != chan || !lua_isyieldable(L))
        luaL_error(L, "this call can only wait inside its own on_invite");
    return c;
}

static int
push_fail(lua_State *L, const char *msg, const char *code)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushstring(L, code);
    return 3;
}

static gboolean
hung_up(PbxChannel *chan)
{
    return pbx_channel_get_state(chan) == PBX_CHANNEL_HANGUP;
}

/* ------------------------------------------------------------ answer */

static void
answer_timed_out(PbxTimer *timer, gpointer data)
{
    Call *c = data;

    lua_pushnil(c->co);
    lua_pushliteral(c->co, "timeout");
    dp_wake(c, 2);
}

/* call:answer() -> true | nil, msg, code.  Waits until the tech reports
 * the call up (for SIP: the 200 OK was sent). */
static int
call_answer(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    GError *error = NULL;
    Call *c;

    if (hung_up(chan))
        return push_fail(L, "the call has hung up", "hangup");
    if (pbx_channel_get_state(chan) == PBX_CHANNEL_UP) {
        lua_pushboolean(L, TRUE);
        return 1;
    }
    c = check_own_call(L, chan);
    if (!pbx_channel_answer(chan, &error)) {
        lua_pushnil(L);
        lua_pushstring(L, error->message);
        g_error_free(error);
        lua_pushliteral(L, "failed");
        return 3;
    }
    if (pbx_channel_get_state(chan) == PBX_CHANNEL_UP) {
        lua_pushboolean(L, TRUE);
        return 1;
    }
    if (hung_up(chan))
        return push_fail(L, "the call has hung up", "hangup");
    dp_start_timer(c, answer_timed_out, ANSWER_TIMEOUT_MS);
    return dp_wait(L, c, WAIT_ANSWER);
}

static int
call_ring(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);

    if (!pbx_channel_ring(chan))
        return push_fail(L, "cannot ring in this state", "state");
    lua_pushboolean(L, TRUE);
    return 1;
}

static int
call_progress(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);

    if (!pbx_channel_progress(chan))
        return push_fail(L, "cannot send progress in this state", "state");
    lua_pushboolean(L, TRUE);
    return 1;
}

/* ------------------------------------------------------------ hangup */

/* A SIP status (100-699), a Q.850 number or a cause name. */
static PbxCause
check_cause(lua_State *L, int idx, guint *sip)
{
    PbxCause cause = PBX_CAUSE_NORMAL_CLEARING;

    *sip = 0;
    if (lua_isnoneornil(L, idx))
        return cause;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer n = luaL_checkinteger(L, idx);
        if (n >= 100 && n <= 699) {
            *sip = (guint) n;
            return pbx_cause_from_sip((guint) n);
        }
        if (n > 0 && n < 128)
            return (PbxCause) n;
        luaL_argerror(L, idx, "not a SIP status or Q.850 cause");
    }
    if (!pbx_cause_from_string(luaL_checkstring(L, idx), &cause))
        luaL_argerror(L, idx, "unknown hangup cause");
    return cause;
}

/* call:hangup([code]) -> true.  The exact SIP status asked for is kept in
 * the channel variable SIP_HANGUP_STATUS for the tech. */
static int
call_hangup(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    guint sip;
    PbxCause cause = check_cause(L, 2, &sip);

    if (sip) {
        char buf[8];
        g_snprintf(buf, sizeof buf, "%u", sip);
        pbx_channel_set_var(chan, "SIP_HANGUP_STATUS", buf);
    }
    pbx_channel_hangup(chan, cause);
    lua_pushboolean(L, TRUE);
    return 1;
}

/* ------------------------------------------------------------ headers */

static const char *
check_header_text(lua_State *L, int idx)
{
    const char *s = luaL_checkstring(L, idx);

    if (strpbrk(s, "\r\n"))
        luaL_argerror(L, idx, "header text must not contain CR or LF");
    return s;
}

static int
call_set_header(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *name = check_header_text(L, 2);
    const char *value = lua_isnoneornil(L, 3) ? NULL : check_header_text(L, 3);

    if (!*name || strpbrk(name, ": \t"))
        luaL_argerror(L, 2, "not a header name");
    pbx_channel_set_header(chan, name, value);
    lua_pushboolean(L, TRUE);
    return 1;
}

/* ------------------------------------------------------------ dial */

/* detail.code: the SIP status the failed leg got (SIP_HANGUP_STATUS,
 * set by chan_sip) when there is one, so that a 600 is passed on as
 * 600; else the status of the cause. */
static guint
failure_code(PbxCause cause, PbxChannel *failed)
{
    const char *s = failed ? pbx_channel_get_var(failed, "SIP_HANGUP_STATUS") : NULL;
    guint64 code;

    if (s && g_ascii_string_to_unsigned(s, 10, 300, 699, &code, NULL))
        return (guint) code;
    return pbx_cause_to_sip(cause);
}

static void
push_details(lua_State *co, PbxCause cause, guint code, PbxChannel *peer)
{
    lua_createtable(co, 0, 3);
    lua_pushstring(co, pbx_cause_to_string(cause));
    lua_setfield(co, -2, "cause");
    lua_pushinteger(co, code);
    lua_setfield(co, -2, "code");
    if (peer) {
        lua_pushstring(co, pbx_channel_get_name(peer));
        lua_setfield(co, -2, "channel");
    }
}

static void
bridge_ended(PbxBridge *bridge, PbxChannel *gone, PbxCause cause, gpointer data)
{
    Call *c = data;

    c->bridge = NULL;
    lua_pushliteral(c->co, "answered");
    push_details(c->co, cause, pbx_cause_to_sip(cause), pbx_bridge_get_peer(bridge, c->chan));
    dp_wake(c, 2);
}

static void
dial_failed_after_answer(Call *c, PbxChannel *peer, const char *why)
{
    pbx_warning(dp_dom, "%s: %s", pbx_channel_get_name(c->chan), why);
    pbx_channel_hangup(peer, PBX_CAUSE_TEMPORARY_FAILURE);
    lua_pushliteral(c->co, "failed");
    push_details(c->co, PBX_CAUSE_TEMPORARY_FAILURE,
                 pbx_cause_to_sip(PBX_CAUSE_TEMPORARY_FAILURE), peer);
    dp_wake(c, 2);
}

/* The dial is over.  On an answer, bridge the two and answer the caller;
 * the script resumes when the bridge ends.  Otherwise it resumes now
 * with the outcome. */
static void
dial_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered,
          PbxCause cause, gpointer data)
{
    Call *c = data;
    g_autoptr(GError) error = NULL;

    c->dial = NULL;
    if (outcome != PBX_DIAL_ANSWERED) {
        lua_pushstring(c->co, pbx_dial_outcome_to_string(outcome));
        push_details(c->co, cause, failure_code(cause, pbx_dial_get_failed_leg(dial)), NULL);
        dp_wake(c, 2);
        return;
    }
    /* Bridged before the caller is answered: the answer can then offer
     * the codec the callee uses, and the media need not be transcoded. */
    c->bridge = pbx_bridge_new(c->chan, answered, &error);
    if (!c->bridge) {
        dial_failed_after_answer(c, answered, error->message);
        return;
    }
    if (!pbx_channel_answer(c->chan, &error)) {
        g_clear_pointer(&c->bridge, pbx_bridge_destroy);
        dial_failed_after_answer(c, answered, error->message);
        return;
    }
    c->wait = WAIT_BRIDGE;
    pbx_bridge_set_hangup_peer(c->bridge, answered, !c->keep_caller);
    pbx_bridge_set_end_func(c->bridge, bridge_ended, c);
}

/* Checks a target string or list of strings; raises on misuse. */
static void
check_targets(lua_State *L, int idx)
{
    lua_Integer n;

    if (lua_type(L, idx) == LUA_TSTRING)
        return;
    luaL_argcheck(L, lua_type(L, idx) == LUA_TTABLE, idx,
                  "a target or a list of targets expected");
    n = luaL_len(L, idx);
    luaL_argcheck(L, n > 0, idx, "empty list of targets");
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, idx, i) != LUA_TSTRING)
            luaL_argerror(L, idx, "targets must be strings");
        lua_pop(L, 1);
    }
}

/* The checked targets as a NULL-terminated array of strings borrowed
 * from the Lua values (which stay referenced by the argument). */
static GPtrArray *
collect_targets(lua_State *L, int idx)
{
    GPtrArray *targets = g_ptr_array_new();

    if (lua_type(L, idx) == LUA_TSTRING) {
        g_ptr_array_add(targets, (gpointer) lua_tostring(L, idx));
    } else {
        lua_Integer n = lua_rawlen(L, idx);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            g_ptr_array_add(targets, (gpointer) lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    g_ptr_array_add(targets, NULL);
    return targets;
}

typedef struct {
    PbxDialOptions o;
    gboolean keep_caller;
} DialOpts;

static const char *
opt_string(lua_State *L, int idx, const char *key)
{
    const char *s = NULL;

    if (lua_getfield(L, idx, key) == LUA_TSTRING)
        s = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1))
        luaL_error(L, "dial option %s must be a string", key);
    lua_pop(L, 1);                   /* the options table keeps it alive */
    return s;
}

/* codecs = {"opus", "ulaw"}: registered codec names. */
static void
check_codecs(lua_State *L, int idx)
{
    lua_Integer n = 0;

    if (lua_getfield(L, idx, "codecs") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1) || (n = luaL_len(L, -1)) < 1)
        luaL_error(L, "dial option codecs must be a list of codec names");
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, -1, i) != LUA_TSTRING || !pbx_codec_find(lua_tostring(L, -1)))
            luaL_error(L, "dial option codecs: '%s' is not a codec (core show codecs)",
                       lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The checked codecs, borrowed from the options table; NULL if none. */
static GPtrArray *
collect_codecs(lua_State *L, int idx)
{
    GPtrArray *out;

    if (!lua_istable(L, idx) || lua_getfield(L, idx, "codecs") != LUA_TTABLE) {
        lua_pop(L, lua_istable(L, idx) ? 1 : 0);
        return NULL;
    }
    out = g_ptr_array_new();
    for (lua_Integer i = 1; i <= luaL_len(L, -1); i++) {
        lua_geti(L, -1, i);
        g_ptr_array_add(out, (gpointer) lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    g_ptr_array_add(out, NULL);
    return out;
}

/* Reads {timeout=, caller_id=, caller_name=, headers=, keep_caller=,
 * codecs=} without allocating anything but the headers table, which is
 * built last so a Lua error cannot leak it. */
static void
check_dial_opts(lua_State *L, int idx, DialOpts *out)
{
    memset(out, 0, sizeof *out);
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    check_codecs(L, idx);
    if (lua_getfield(L, idx, "timeout") != LUA_TNIL) {
        lua_Number t = lua_tonumber(L, -1);
        if (!lua_isnumber(L, -1) || t <= 0 || t > 86400)
            luaL_error(L, "dial option timeout must be seconds (0-86400]");
        out->o.timeout_ms = (guint) (t * 1000);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "caller_id") == LUA_TTABLE) {
        out->o.caller_number = opt_string(L, lua_gettop(L), "number");
        out->o.caller_name = opt_string(L, lua_gettop(L), "name");
        lua_pop(L, 1);
    } else {
        lua_pop(L, 1);
        out->o.caller_number = opt_string(L, idx, "caller_id");
    }
    if (!out->o.caller_name)
        out->o.caller_name = opt_string(L, idx, "caller_name");
    lua_getfield(L, idx, "keep_caller");
    out->keep_caller = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "headers") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
                strpbrk(lua_tostring(L, -1), "\r\n"))
                luaL_error(L, "dial option headers must map names to strings");
            lua_pop(L, 1);
        }
        out->o.headers = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, g_free);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            g_hash_table_insert(out->o.headers, g_strdup(lua_tostring(L, -2)),
                                g_strdup(lua_tostring(L, -1)));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* call:dial(target | {targets...}, [opts]) -> outcome, details.
 * Outcomes: answered (after the bridged call ended), busy, noanswer,
 * unavailable, cancelled (the caller hung up), failed. */
static int
call_dial(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = check_own_call(L, chan);
    GPtrArray *targets, *codecs;
    DialOpts opts;

    if (hung_up(chan))
        return push_fail(L, "the call has hung up", "hangup");
    luaL_checkany(L, 2);
    lua_settop(L, 3);
    check_targets(L, 2);
    check_dial_opts(L, 3, &opts);       /* allocates last */
    targets = collect_targets(L, 2);
    codecs = collect_codecs(L, 3);
    opts.o.codecs = codecs ? (const char *const *) codecs->pdata : NULL;
    c->keep_caller = opts.keep_caller;
    c->dial = pbx_dial_start(chan, (const char *const *) targets->pdata,
                             &opts.o, dial_done, c);
    g_ptr_array_free(targets, TRUE);
    if (codecs)
        g_ptr_array_free(codecs, TRUE);
    if (opts.o.headers)
        g_hash_table_unref(opts.o.headers);
    return dp_wait(L, c, WAIT_DIAL);
}

/* ------------------------------------------------------------ sleep */

static void
sleep_over(PbxTimer *timer, gpointer data)
{
    Call *c = data;

    lua_pushboolean(c->co, TRUE);
    dp_wake(c, 1);
}

/* pbx.sleep(seconds) -> true | nil, "hangup" */
int
dp_lua_sleep(lua_State *L)
{
    lua_Number secs = luaL_checknumber(L, 1);
    Call *c = pbx_dialplan_get_running_call(L);

    luaL_argcheck(L, secs >= 0 && secs <= 86400, 1, "seconds out of range");
    if (!c || !lua_isyieldable(L))
        return luaL_error(L, "pbx.sleep can only wait inside on_invite");
    if (hung_up(c->chan))
        return push_fail(L, "the call has hung up", "hangup");
    dp_start_timer(c, sleep_over, (guint) (secs * 1000));
    return dp_wait(L, c, WAIT_SLEEP);
}

/* ------------------------------------------------------------ vars */

static PbxChannel *
check_vars_channel(lua_State *L)
{
    VarsBox *vars = luaL_checkudata(L, 1, VARS_CLASS);

    if (!vars->call->chan)
        luaL_error(L, "attempt to use a call that has ended");
    return vars->call->chan;
}

static int
vars_index(lua_State *L)
{
    PbxChannel *chan = check_vars_channel(L);

    lua_pushstring(L, pbx_channel_get_var(chan, luaL_checkstring(L, 2)));
    return 1;
}

/* call.vars.x = v: strings, numbers and booleans are stored as strings;
 * nil deletes. */
static int
vars_newindex(lua_State *L)
{
    PbxChannel *chan = check_vars_channel(L);
    const char *name = luaL_checkstring(L, 2);
    const char *value = NULL;

    if (!lua_isnil(L, 3)) {
        luaL_argcheck(L, lua_type(L, 3) == LUA_TSTRING ||
                      lua_type(L, 3) == LUA_TNUMBER ||
                      lua_type(L, 3) == LUA_TBOOLEAN, 3,
                      "variables hold strings, numbers or booleans");
        value = lua_isboolean(L, 3) ? (lua_toboolean(L, 3) ? "true" : "false")
                                    : lua_tostring(L, 3);
    }
    pbx_channel_set_var(chan, name, value);
    return 0;
}

static void
push_table(lua_State *L, GHashTable *t)
{
    GHashTableIter it;
    gpointer k, v;

    lua_createtable(L, 0, g_hash_table_size(t));
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

/* The `next` of pairs(call.vars), walking a snapshot table. */
static int
vars_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

/* pairs(call.vars) walks a copy of the variables taken now, so that the
 * loop may set and delete variables. */
static int
vars_pairs(lua_State *L)
{
    PbxChannel *chan = check_vars_channel(L);

    lua_pushcfunction(L, vars_next);
    push_table(L, pbx_channel_get_vars(chan));
    lua_pushnil(L);
    return 3;
}

static const luaL_Reg vars_metamethods[] = {
    { "__index", vars_index },
    { "__newindex", vars_newindex },
    { "__pairs", vars_pairs },
    { NULL, NULL },
};

/* ------------------------------------------------------------ fields */

/* Field getters, found by name in the getters table (an upvalue of
 * __index).  Only __index calls them, with the call at index 1 already
 * checked open. */
static PbxChannel *
self_channel(lua_State *L)
{
    return ((CallBox *) lua_touserdata(L, 1))->chan;
}

static int
get_from(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_caller_number(self_channel(L)));
    return 1;
}

static int
get_from_name(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_caller_name(self_channel(L)));
    return 1;
}

static int
get_to(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_callee(self_channel(L)));
    return 1;
}

static int
get_id(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_id(self_channel(L)));
    return 1;
}

static int
get_name(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_name(self_channel(L)));
    return 1;
}

static int
get_context(lua_State *L)
{
    lua_pushstring(L, pbx_channel_get_context(self_channel(L)));
    return 1;
}

static int
get_direction(lua_State *L)
{
    static const char *const dirs[] = { "inbound", "outbound" };

    lua_pushstring(L, dirs[pbx_channel_get_direction(self_channel(L))]);
    return 1;
}

static int
get_state(lua_State *L)
{
    PbxChannelState state = pbx_channel_get_state(self_channel(L));

    lua_pushstring(L, pbx_channel_state_to_string(state));
    return 1;
}

/* The request's headers do not change once the channel is in the
 * dialplan, so the table is built on first use and kept. */
static int
get_headers(lua_State *L)
{
    if (lua_getiuservalue(L, 1, CALL_UV_HEADERS) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    push_table(L, pbx_channel_get_request_headers(self_channel(L)));
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, 1, CALL_UV_HEADERS);
    return 1;
}

static int
get_vars(lua_State *L)
{
    lua_getiuservalue(L, 1, CALL_UV_VARS);
    return 1;
}

static const luaL_Reg getters[] = {
    { "from", get_from },
    { "from_name", get_from_name },
    { "to", get_to },
    { "id", get_id },
    { "name", get_name },
    { "context", get_context },
    { "direction", get_direction },
    { "state", get_state },
    { "headers", get_headers },
    { "vars", get_vars },
    { NULL, NULL },
};

static const luaL_Reg methods[] = {
    { "answer", call_answer },
    { "ring", call_ring },
    { "progress", call_progress },
    { "dial", call_dial },
    { "hangup", call_hangup },
    { "set_header", call_set_header },
    { NULL, NULL },
};

static gboolean
reg_has(const luaL_Reg *reg, const char *name)
{
    for (; reg->name; reg++) {
        if (strcmp(reg->name, name) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean
dp_call_has_member(const char *name)
{
    return reg_has(methods, name) || reg_has(getters, name);
}

/* __index(call, key), upvalues: the methods table (built-in and modules'
 * methods), the getters table.  Two table lookups, no string compares. */
static int
call_index(lua_State *L)
{
    lua_CFunction get;

    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;                               /* a method */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TFUNCTION)
        return 1;                               /* nil: no such member */
    get = lua_tocfunction(L, -1);
    lua_settop(L, 1);
    pbx_dialplan_check_channel(L, 1);
    return get(L);
}

static int
call_newindex(lua_State *L)
{
    return luaL_error(L, "call fields are read-only (use call.vars)");
}

static int
call_gc(lua_State *L)
{
    dp_close_call(L, 1);
    return 0;
}

static int
call_tostring(lua_State *L)
{
    CallBox *box = check_box(L, 1);

    if (box->chan)
        lua_pushfstring(L, "pbx.call (%s)", pbx_channel_get_name(box->chan));
    else
        lua_pushliteral(L, "pbx.call (ended)");
    return 1;
}

static const luaL_Reg metamethods[] = {
    { "__newindex", call_newindex },
    { "__gc", call_gc },
    { "__close", call_gc },
    { "__tostring", call_tostring },
    { NULL, NULL },
};

/* Like liolib's createmeta: the class's metatable and methods table are
 * made once per lua_State; the methods table is also kept in the
 * registry for modules' methods. */
void
dp_call_open_class(lua_State *L)
{
    luaL_newmetatable(L, CALL_CLASS);
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, DP_CALL_METHODS);
    luaL_newlib(L, getters);
    lua_pushcclosure(L, call_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, VARS_CLASS);
    luaL_setfuncs(L, vars_metamethods, 0);
    lua_pop(L, 1);
}
