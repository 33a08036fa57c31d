/* Carillon - the "pbx.call" Lua class: one inbound call as the script
 * sees it. */
#include <string.h>

#include "dialplan_private.h"
#include "park.h"

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
Call *
dp_check_own_call(lua_State *L, PbxChannel *chan)
{
    Call *c = pbx_dialplan_get_running_call(L);

    if (!c || c->chan != chan || !lua_isyieldable(L))
        luaL_error(L, "this call can only wait inside its own on_invite");
    return c;
}

int
dp_push_fail(lua_State *L, const char *msg, const char *code)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushstring(L, code);
    return 3;
}

gboolean
dp_hung_up(PbxChannel *chan)
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

    if (dp_hung_up(chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
    if (pbx_channel_get_state(chan) == PBX_CHANNEL_UP) {
        lua_pushboolean(L, TRUE);
        return 1;
    }
    c = dp_check_own_call(L, chan);
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
    if (dp_hung_up(chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
    dp_start_timer(c, answer_timed_out, ANSWER_TIMEOUT_MS);
    return dp_wait(L, c, WAIT_ANSWER);
}

static int
call_ring(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);

    if (!pbx_channel_ring(chan))
        return dp_push_fail(L, "cannot ring in this state", "state");
    lua_pushboolean(L, TRUE);
    return 1;
}

static int
call_progress(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);

    if (!pbx_channel_progress(chan))
        return dp_push_fail(L, "cannot send progress in this state", "state");
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

/* ------------------------------------------------------------ dtmf */

static lua_Integer
check_dtmf_duration(lua_State *L, int idx)
{
    lua_Integer ms = PBX_DTMF_DEFAULT_MS;

    if (lua_isnoneornil(L, idx))
        return ms;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, "duration");
    ms = luaL_optinteger(L, -1, ms);
    lua_pop(L, 1);
    luaL_argcheck(L, ms >= PBX_DTMF_MIN_MS && ms <= PBX_DTMF_MAX_MS, idx,
                  "duration must be 40-5000 ms");
    return ms;
}

/* call:send_dtmf(digits [, {duration=ms}]) -> true | nil, msg, code.
 * The digits go one after the other, each lasting `duration`, in the
 * form the far end takes. */
static int
call_send_dtmf(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    size_t len;
    const char *digits = luaL_checklstring(L, 2, &len);
    lua_Integer ms = check_dtmf_duration(L, 3);
    GError *error = NULL;

    luaL_argcheck(L, len > 0, 2, "no digits");
    for (size_t i = 0; i < len; i++) {
        if (!pbx_dtmf_digit_is_valid(g_ascii_toupper(digits[i])))
            luaL_argerror(L, 2, lua_pushfstring(L, "'%c' is not a DTMF digit (0-9*#A-D)",
                                                digits[i]));
    }
    for (size_t i = 0; i < len; i++) {
        if (!pbx_channel_send_dtmf(chan, g_ascii_toupper(digits[i]), (guint) ms, &error)) {
            lua_pushnil(L);
            lua_pushstring(L, error->message);
            lua_pushstring(L, error->code == PBX_CHANNEL_ERROR_STATE ? "state" : "failed");
            g_error_free(error);
            return 3;
        }
    }
    lua_pushboolean(L, TRUE);
    return 1;
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
    if (dp_hung_up(c->chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
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
    { "bridged", dp_call_get_bridged },
    { "headers", get_headers },
    { "vars", get_vars },
    { NULL, NULL },
};

static const luaL_Reg methods[] = {
    { "answer", call_answer },
    { "ring", call_ring },
    { "progress", call_progress },
    { "dial", dp_call_dial },
    { "transfer", dp_call_transfer },
    { "attended_transfer", dp_call_attended_transfer },
    { "park", dp_call_park },               /* park_lua.c */
    { "unpark", dp_call_unpark },
    { "pickup", dp_call_pickup },           /* pickup.c */
    { "send_dtmf", call_send_dtmf },
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
