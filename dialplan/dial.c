/* Carillon - call:dial(): ringing targets for a call, then the bridge
 * with the leg that answered, whose digits on_dtmf hears too. */
#include <string.h>

#include <carillon/codec.h>

#include "dialplan_private.h"

/* detail.code: the SIP status the failed leg got (SIP_HANGUP_STATUS,
 * set by chan_sip) when there is one, so that a 600 is passed on as
 * 600; else the status of the cause. */
guint
dp_failure_code(PbxCause cause, PbxChannel *failed)
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

void
dp_hear_peer(Call *c, PbxChannel *peer)
{
    lua_State *L = c->script->L;

    dp_forget_peer(c);
    dp_push_call(L, peer);
    c->peer_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    c->peer = pbx_channel_ref(peer);
    pbx_channel_set_dtmf_hook(peer, dp_dtmf_hook, c);
    if (!pbx_channel_get_dialplan_data(peer))
        pbx_channel_set_dialplan_data(peer, c);     /* its REFER finds the call */
}

void
dp_forget_peer(Call *c)
{
    lua_State *L = c->script->L;

    if (!c->peer)
        return;
    pbx_channel_set_dtmf_hook(c->peer, NULL, NULL);
    if (pbx_channel_get_dialplan_data(c->peer) == c)
        pbx_channel_set_dialplan_data(c->peer, NULL);
    g_clear_pointer(&c->peer, pbx_channel_unref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->peer_ref);
    dp_close_call(L, -1);
    lua_pop(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, c->peer_ref);
    c->peer_ref = LUA_NOREF;
}

void
dp_dial_resume(Call *c, const char *outcome, PbxCause cause, guint code, PbxChannel *peer)
{
    lua_pushstring(c->co, outcome);
    push_details(c->co, cause, code, peer);
    dp_wake(c, 2);
}

void
dp_bridge_ended(PbxBridge *bridge, PbxChannel *gone, PbxCause cause, gpointer data)
{
    Call *c = data;

    c->bridge = NULL;
    dp_forget_peer(c);
    dp_dial_resume(c, "answered", cause, pbx_cause_to_sip(cause),
                   pbx_bridge_get_peer(bridge, c->chan));
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
        push_details(c->co, cause, dp_failure_code(cause, pbx_dial_get_failed_leg(dial)), NULL);
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
    dp_hear_peer(c, answered);
    pbx_bridge_set_hangup_peer(c->bridge, answered, !c->keep_caller);
    pbx_bridge_set_end_func(c->bridge, dp_bridge_ended, c);
}

/* {trunk = "provider", number = "+1555..."} as the target string
 * "sip:+1555...@provider" (chan_sip sends it through the trunk), left
 * on the stack in its place; any other value is left alone. */
static void
trunk_target_string(lua_State *L, int idx)
{
    const char *trunk, *number;

    if (!lua_istable(L, idx) || lua_getfield(L, idx, "trunk") == LUA_TNIL) {
        lua_pop(L, lua_istable(L, idx) ? 1 : 0);
        return;
    }
    trunk = lua_tostring(L, -1);
    luaL_argcheck(L, trunk && *trunk && strspn(trunk, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == strlen(trunk), 2,
                  "trunk must be a trunk name");
    lua_getfield(L, idx, "number");
    number = lua_tostring(L, -1);
    luaL_argcheck(L, number && *number && strspn(number, "+0123456789*#") == strlen(number),
                  2, "number must be digits, optionally after '+'");
    lua_pushfstring(L, "sip:%s@%s", number, trunk);
    lua_replace(L, idx);
    lua_pop(L, 2);
}

/* Trunk tables in the target (alone or in a list) become strings: a list
 * is copied so the script's own table stays as it was. */
static void
trunk_targets(lua_State *L, int idx)
{
    lua_Integer n;

    if (!lua_istable(L, idx))
        return;
    lua_getfield(L, idx, "trunk");
    if (!lua_isnil(L, -1)) {
        lua_pop(L, 1);
        trunk_target_string(L, idx);
        return;
    }
    lua_pop(L, 1);
    n = luaL_len(L, idx);
    lua_createtable(L, (int) n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        trunk_target_string(L, lua_gettop(L));
        lua_seti(L, -2, i);
    }
    lua_replace(L, idx);
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
int
dp_call_dial(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = dp_check_own_call(L, chan);
    GPtrArray *targets, *codecs;
    DialOpts opts;

    if (dp_hung_up(chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
    luaL_checkany(L, 2);
    lua_settop(L, 3);
    trunk_targets(L, 2);
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
