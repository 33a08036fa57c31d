/* Carillon - the `pbx` table of the dialplan, methods added by modules
 * and endpoint information providers. */
#include <string.h>

#include "dialplan_private.h"
#include "park.h"

/* One pbx_dialplan_register_methods() call. */
typedef struct {
    const PbxDialplanMethodDesc *descs;     /* the module's static table */
    guint n;
    PbxModule *owner;
    gpointer unload_handle;
} MethodSet;

typedef struct {
    PbxEndpointProvider fn;
    gpointer data;
    PbxModule *owner;
    gpointer unload_handle;
} Provider;

static GList *method_sets;          /* MethodSet, in registration order */
static GList *providers;            /* Provider */

/* ------------------------------------------------------------ methods */

/* Upvalues of the closure that stands for a module's method in each
 * lua_State. */
enum {
    METHOD_UP_FN = 1,       /* the module's function; nil once removed */
    METHOD_UP_NAME,
};

static lua_CFunction
method_function(lua_State *L)
{
    lua_CFunction fn = lua_tocfunction(L, lua_upvalueindex(METHOD_UP_FN));

    if (!fn)
        luaL_error(L, "call:%s() is gone (its module was unloaded)",
                   lua_tostring(L, lua_upvalueindex(METHOD_UP_NAME)));
    return fn;
}

/* A method declared may_yield.  It is refused up front where its call
 * cannot wait (on_dtmf and on_refer run on the script's main thread,
 * another call's script, a coroutine the script made); otherwise it runs
 * in this C frame, so the lua_yieldk of its pbx_dialplan_yield() suspends
 * the call's coroutine here and resumes it with the woken results. */
static int
method_may_yield(lua_State *L)
{
    lua_CFunction fn = method_function(L);
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = pbx_dialplan_get_running_call(L);

    if (!c || c->chan != chan || !lua_isyieldable(L))
        return luaL_error(L, "call:%s() can only wait inside its own on_invite",
                          lua_tostring(L, lua_upvalueindex(METHOD_UP_NAME)));
    return fn(L);
}

/* A method not declared may_yield runs through lua_call, where Lua
 * cannot suspend: a yield inside it raises an error rather than stopping
 * the call where the engine does not expect a wait. */
static int
method_no_yield(lua_State *L)
{
    lua_CFunction fn = method_function(L);

    lua_pushcfunction(L, fn);
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* When the caller of the running C function (stack level 1) is a module
 * method not declared may_yield, pushes its name and returns it; else
 * pushes nothing and returns NULL.  Only used to word an error. */
static const char *
push_no_yield_method_name(lua_State *L)
{
    lua_Debug ar;

    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "f", &ar))
        return NULL;
    if (lua_tocfunction(L, -1) != method_no_yield) {
        lua_pop(L, 1);
        return NULL;
    }
    lua_getupvalue(L, -1, METHOD_UP_NAME);
    lua_remove(L, -2);
    return lua_tostring(L, -1);
}

int
pbx_dialplan_yield(lua_State *L)
{
    Call *c = pbx_dialplan_get_running_call(L);
    const char *name;

    if (c && lua_isyieldable(L))
        return dp_wait(L, c, WAIT_MODULE);
    name = push_no_yield_method_name(L);
    if (name)
        return luaL_error(L, "call:%s() cannot wait (not declared may_yield)",
                          name);
    return luaL_error(L, "cannot wait here (only inside on_invite)");
}

static void
push_method(lua_State *L, const PbxDialplanMethodDesc *desc)
{
    lua_pushcfunction(L, desc->fn);
    lua_pushstring(L, desc->name);
    lua_pushcclosure(L, desc->may_yield ? method_may_yield : method_no_yield, 2);
}

static void
install_set(lua_State *L, gconstpointer data)
{
    const MethodSet *set = data;

    lua_getfield(L, LUA_REGISTRYINDEX, DP_CALL_METHODS);
    for (guint i = 0; i < set->n; i++) {
        push_method(L, &set->descs[i]);
        lua_setfield(L, -2, set->descs[i].name);
    }
    lua_pop(L, 1);
}

/* Takes the methods out of the class.  A closure that a script kept in a
 * variable is disarmed too (its function upvalue cleared): the module's
 * code is about to be unloaded. */
static void
remove_set(lua_State *L, gconstpointer data)
{
    const MethodSet *set = data;

    lua_getfield(L, LUA_REGISTRYINDEX, DP_CALL_METHODS);
    for (guint i = 0; i < set->n; i++) {
        if (lua_getfield(L, -1, set->descs[i].name) == LUA_TFUNCTION) {
            lua_pushnil(L);
            lua_setupvalue(L, -2, METHOD_UP_FN);
        }
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_setfield(L, -2, set->descs[i].name);
    }
    lua_pop(L, 1);
}

void
dp_install_module_methods(lua_State *L)
{
    for (GList *l = method_sets; l; l = l->next)
        install_set(L, l->data);
}

static const PbxDialplanMethodDesc *
find_module_method(const char *name)
{
    for (GList *l = method_sets; l; l = l->next) {
        const MethodSet *set = l->data;
        for (guint i = 0; i < set->n; i++) {
            if (strcmp(set->descs[i].name, name) == 0)
                return &set->descs[i];
        }
    }
    return NULL;
}

/* descs[i]'s name is used already: built in, by a module, or earlier in
 * descs. */
static gboolean
method_name_taken(const PbxDialplanMethodDesc *descs, guint i)
{
    for (guint j = 0; j < i; j++) {
        if (strcmp(descs[j].name, descs[i].name) == 0)
            return TRUE;
    }
    return dp_call_has_member(descs[i].name) || find_module_method(descs[i].name);
}

static gboolean
check_method_descs(const PbxDialplanMethodDesc *descs, guint n, GError **error)
{
    for (guint i = 0; i < n; i++) {
        g_return_val_if_fail(descs[i].name && *descs[i].name && descs[i].fn, FALSE);
        if (method_name_taken(descs, i)) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                        "dialplan method call:%s() already exists", descs[i].name);
            return FALSE;
        }
    }
    return TRUE;
}

static void
method_set_free(gpointer data)
{
    MethodSet *set = data;

    dp_foreach_state(remove_set, set);
    method_sets = g_list_remove(method_sets, set);
    g_free(set);
}

gboolean
pbx_dialplan_register_methods(PbxModule *owner, const PbxDialplanMethodDesc *descs,
                              guint n, GError **error)
{
    MethodSet *set;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(descs != NULL || n == 0, FALSE);
    if (!check_method_descs(descs, n, error))
        return FALSE;
    set = g_new0(MethodSet, 1);
    set->descs = descs;
    set->n = n;
    set->owner = owner;
    set->unload_handle = pbx_module_on_unload(owner, method_set_free, set);
    method_sets = g_list_append(method_sets, set);
    dp_foreach_state(install_set, set);
    return TRUE;
}

void
pbx_dialplan_unregister_methods(const PbxDialplanMethodDesc *descs, guint n)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = method_sets; l; l = l->next) {
        MethodSet *set = l->data;
        if (set->descs == descs && set->n == n) {
            pbx_module_forget(set->owner, set->unload_handle);
            method_set_free(set);
            return;
        }
    }
}

/* ------------------------------------------------------------ endpoints */

static void
provider_free(gpointer data)
{
    providers = g_list_remove(providers, data);
    g_free(data);
}

void
pbx_dialplan_add_endpoint_provider(PbxModule *owner, PbxEndpointProvider fn,
                                   gpointer data)
{
    Provider *p = g_new0(Provider, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    p->fn = fn;
    p->data = data;
    p->owner = owner;
    p->unload_handle = pbx_module_on_unload(owner, provider_free, p);
    providers = g_list_append(providers, p);
}

void
pbx_dialplan_remove_endpoint_provider(PbxEndpointProvider fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = providers; l; l = l->next) {
        Provider *p = l->data;
        if (p->fn == fn && p->data == data) {
            pbx_module_forget(p->owner, p->unload_handle);
            provider_free(p);
            return;
        }
    }
}

static void
push_endpoint(lua_State *L, const char *name, const PbxEndpointInfo *info)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, info->name ? info->name : name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, info->context);
    lua_setfield(L, -2, "context");
    lua_pushboolean(L, info->registered);
    lua_setfield(L, -2, "registered");
    lua_pushinteger(L, info->contacts);
    lua_setfield(L, -2, "contacts");
}

/* pbx.endpoint(name) -> {name=, context=, registered=, contacts=} | nil:
 * what the providers know together; nil unless one knows the name. */
static int
lua_endpoint(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    PbxEndpointInfo info = { 0 };

    for (GList *l = providers; l; l = l->next) {
        Provider *p = l->data;
        p->fn(name, &info, p->data);
    }
    if (info.known)
        push_endpoint(L, name, &info);
    else
        lua_pushnil(L);
    g_free(info.name);
    g_free(info.context);
    return 1;
}

/* ------------------------------------------------------------ pbx.log */

/* pbx.log(level, msg): level is error/warning/notice/info/debug; the
 * log line names the script's file:line. */
static int
lua_log(lua_State *L)
{
    const char *level_name = luaL_checkstring(L, 1);
    const char *msg = luaL_checkstring(L, 2);
    PbxLogLevel level;
    lua_Debug ar;

    if (!pbx_log_level_from_string(level_name, &level))
        return luaL_argerror(L, 1, "unknown log level");
    if (!pbx_log_enabled(dp_dom, level))
        return 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) &&
        ar.currentline > 0)
        pbx_log_write(dp_dom, level, ar.short_src, ar.currentline, "%s", msg);
    else
        pbx_log_write(dp_dom, level, "lua", 0, "%s", msg);
    return 0;
}

static const luaL_Reg pbx_funcs[] = {
    { "log", lua_log },
    { "endpoint", lua_endpoint },
    { "sleep", dp_lua_sleep },
    { "set_parking", dp_lua_set_parking },  /* park_lua.c */
    { NULL, NULL },
};

void
dp_open_pbx_lib(lua_State *L)
{
    luaL_newlib(L, pbx_funcs);
    lua_pushliteral(L, PBX_VERSION);
    lua_setfield(L, -2, "version");
    lua_setglobal(L, "pbx");
}
