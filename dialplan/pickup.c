/* Carillon - call:pickup([target]): answers a call ringing elsewhere
 * (carillon/pickup.h does the finding and taking).
 *
 * The picker's script waits (WAIT_PICKUP) while the call it took is
 * bridged by whoever dialed it (the caller's own call:dial(), a
 * transfer, a park's ring back) and resumes "answered", details when
 * the picker's channel hangs up; nothing to pick up resumes it with
 * nil, message, "nothing".  The pickup runs from a timer of the call
 * (not from inside Lua), since it resumes the dial's owner.
 *
 * Thread affinity: main context.
 */
#include <carillon/pickup.h>

#include "dialplan_private.h"

static void
pickup_failed(Call *c, const GError *error)
{
    const char *code = g_error_matches(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_NOTHING)
                       ? "nothing" : "failed";

    pbx_info(dp_dom, "%s: pickup: %s", pbx_channel_get_name(c->chan), error->message);
    lua_pushnil(c->co);
    lua_pushstring(c->co, error->message);
    lua_pushstring(c->co, code);
    dp_wake(c, 3);
}

static void
pickup_now(PbxTimer *timer, gpointer data)
{
    Call *c = data;
    g_autoptr(GError) error = NULL;
    PbxChannel *caller = NULL;

    /* Taken: the dial's owner bridges the picker (now, or after a
     * parked call's music has stopped), or hangs it up when it cannot. */
    if (!pbx_pickup(c->chan, c->dial_target, &caller, &error))
        pickup_failed(c, error);
}

/* A hangup of the picker ends its wait (engine.c). */
void
dp_pickup_hangup(Call *c)
{
    PbxCause cause = pbx_channel_get_hangup_cause(c->chan);

    if (pbx_timer_armed(&c->timer)) {
        pbx_timer_stop(&c->timer);      /* hung up before the pickup ran */
        lua_pushnil(c->co);
        lua_pushliteral(c->co, "the call has hung up");
        lua_pushliteral(c->co, "hangup");
        dp_wake(c, 3);
        return;
    }
    dp_dial_resume(c, "answered", cause, pbx_cause_to_sip(cause), NULL);
}

/* call:pickup(target) picks up the oldest call ringing at target (an
 * extension, the callee of a ringing leg); call:pickup() the oldest one
 * ringing in the call's pickup groups (its PICKUP_GROUP variable against
 * the legs' CALL_GROUP).  Returns like call:dial() once the picked-up
 * call is over, or nil, message, "nothing" | "hangup". */
int
dp_call_pickup(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *target = luaL_optstring(L, 2, NULL);
    Call *c = dp_check_own_call(L, chan);

    luaL_argcheck(L, !target || *target, 2, "an extension expected");
    if (dp_hung_up(chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
    g_free(c->dial_target);
    c->dial_target = g_strdup(target);
    lua_settop(L, 0);
    dp_start_timer(c, pickup_now, 0);
    return dp_wait(L, c, WAIT_PICKUP);
}
