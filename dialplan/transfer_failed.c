/* Carillon - the context's on_transfer_failed(call, failure): where a
 * transferee goes when its transfer target did not take the call.
 *
 * `call` is the script's own call object; `failure` = {target=, code=,
 * transferee=, referrer=, referrer_up=}: the target that failed, the SIP
 * status it failed with, the channel names of the transferred party and
 * of the one who transferred it, and whether the latter is still up.
 * Returning a string dials the transferee there (once per transfer: a
 * second failure is not asked again); anything else, or no handler,
 * keeps the default: the transferee and the referrer talk again, or,
 * the referrer gone, call:dial() returns "transfer_failed".
 *
 * Thread affinity: main context.
 */
#include "dialplan_private.h"

static int
push_failure(lua_State *L, gconstpointer data)
{
    const DpTransferFailure *f = data;

    lua_createtable(L, 0, 5);
    lua_pushstring(L, f->target);
    lua_setfield(L, -2, "target");
    lua_pushinteger(L, f->code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, pbx_channel_get_name(f->transferee));
    lua_setfield(L, -2, "transferee");
    lua_pushstring(L, pbx_channel_get_name(f->referrer));
    lua_setfield(L, -2, "referrer");
    lua_pushboolean(L, pbx_channel_get_state(f->referrer) != PBX_CHANNEL_HANGUP);
    lua_setfield(L, -2, "referrer_up");
    return 1;
}

char *
dp_transfer_failed_target(Call *c, const DpTransferFailure *f)
{
    lua_State *L = c->script->L;
    char *to = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    if (dp_run_sync(c, c->call_ref, "on_transfer_failed", push_failure, f) != DP_RUN_OK)
        return NULL;
    if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) > 0)
        to = g_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return to;
}
