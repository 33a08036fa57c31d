/* app_voicemail - call:voicemail(box, {greeting=}) and
 * call:voicemail_main([box]): the flows of flows.lua, built into the
 * module, run in the call's coroutine.
 *
 * The method loads the chunk (a few kB: parsing it per call costs less
 * than keeping Lua functions of this module alive in a script after an
 * unload), and calls its entry with lua_pcallk: the flows wait in
 * call:play/record/read_digits and in the V helpers (flows_v.c), and the
 * continuation returns their results as the method's.  The call holds a
 * use of the module meanwhile.
 *
 * Thread affinity: main context (the dialplan's).
 */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "flows.h"

/* flows.lua, NUL-terminated (the bytes come from .incbin below). */
extern const char vm_flows_lua[];
extern const char vm_flows_lua_end[];
__asm__(".section .rodata\n"
        ".global vm_flows_lua\n.hidden vm_flows_lua\n"
        "vm_flows_lua:\n.incbin \"modules/app_voicemail/flows.lua\"\n"
        ".global vm_flows_lua_end\n.hidden vm_flows_lua_end\n"
        "vm_flows_lua_end:\n.byte 0\n.previous\n");

void
vm_flows_push(lua_State *L)
{
    size_t len = (size_t) (vm_flows_lua_end - vm_flows_lua);

    if (luaL_loadbufferx(L, vm_flows_lua, len, "=app_voicemail/flows.lua", "t") != LUA_OK)
        lua_error(L);
    lua_call(L, 0, 1);
}

static int
flow_done(lua_State *L, int status, lua_KContext ctx)
{
    pbx_module_unuse(vm.module);
    if (status != LUA_OK && status != LUA_YIELD)
        return lua_error(L);
    return lua_gettop(L) - (int) ctx;
}

/* Calls flows[entry](call, V, box, opts) with the box and opts at 2, 3. */
static int
run_flow(lua_State *L, const char *entry)
{
    int base;

    lua_settop(L, 3);
    base = lua_gettop(L);
    vm_flows_push(L);
    lua_getfield(L, -1, entry);
    lua_remove(L, -2);
    lua_pushvalue(L, 1);
    vm_flows_push_v(L);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    pbx_module_use(vm.module);
    return flow_done(L, lua_pcallk(L, 4, LUA_MULTRET, 0, base, flow_done), base);
}

static void
check_opts(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";

        if (strcmp(k, "greeting") != 0)
            luaL_error(L, "call:voicemail(): unknown option '%s'", k);
        if (strcmp(v, "unavail") != 0 && strcmp(v, "busy") != 0)
            luaL_error(L, "call:voicemail(): option 'greeting' must be \"unavail\" or "
                       "\"busy\"");
        lua_pop(L, 1);
    }
}

/* call:voicemail(box, {greeting = "unavail" | "busy"}) */
static int
vm_call_voicemail(lua_State *L)
{
    pbx_dialplan_check_channel(L, 1);
    luaL_checkstring(L, 2);
    check_opts(L, 3);
    return run_flow(L, "leave");
}

/* call:voicemail_main([box]): asks for the box when none is given. */
static int
vm_call_voicemail_main(lua_State *L)
{
    pbx_dialplan_check_channel(L, 1);
    if (!lua_isnoneornil(L, 2))
        luaL_checkstring(L, 2);
    return run_flow(L, "main_entry");
}

static const PbxDialplanMethodDesc vm_methods[] = {
    { "voicemail",      vm_call_voicemail,      TRUE },
    { "voicemail_main", vm_call_voicemail_main, TRUE },
};

gboolean
vm_register_methods(PbxModule *self, GError **error)
{
    return pbx_dialplan_register_methods(self, vm_methods, G_N_ELEMENTS(vm_methods), error);
}
