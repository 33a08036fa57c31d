/* Carillon - contexts the dialplan marks public
 * (pbx_dialplan_context_is_public): `context("public", {public = true,
 * on_invite = ...})`.  Only such a context may take calls nobody
 * authenticated (res_sip's anonymous endpoint). */
#include "dialplan_private.h"

/* Raw lookups only: no metamethod of the script runs here, so nothing
 * of the script can run outside a budget or raise an error. */
static gboolean
context_flag(lua_State *L, const char *context, const char *flag)
{
    int top = lua_gettop(L);
    gboolean set = FALSE;

    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, "contexts");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_pushstring(L, context);
        if (lua_rawget(L, -2) == LUA_TTABLE) {
            lua_pushstring(L, flag);
            lua_rawget(L, -2);
            set = lua_isboolean(L, -1) && lua_toboolean(L, -1);
        }
    }
    lua_settop(L, top);
    return set;
}

gboolean
pbx_dialplan_context_is_public(const char *context)
{
    Script *s = dp_current_script();

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(context != NULL, FALSE);
    return s && context_flag(s->L, context, "public");
}
