/* Carillon - the `pbx` table of the dialplan, methods added by modules
 * and endpoint information providers. */
#include <string.h>

#include "dialplan_private.h"

typedef struct {
    char *name;
    PbxDialplanMethod fn;
    PbxModule *owner;
    gpointer unload_handle;
} Method;

typedef struct {
    PbxEndpointProvider fn;
    gpointer data;
    PbxModule *owner;
    gpointer unload_handle;
} Provider;

static GList *module_methods;       /* Method */
static GList *providers;            /* Provider */

/* ------------------------------------------------------------ methods */

static Method *
find_method(const char *name)
{
    for (GList *l = module_methods; l; l = l->next) {
        Method *m = l->data;
        if (strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

static void
method_free(gpointer data)
{
    Method *m = data;

    module_methods = g_list_remove(module_methods, m);
    g_free(m->name);
    g_free(m);
}

gboolean
pbx_dialplan_add_method(PbxModule *owner, const char *name,
                        PbxDialplanMethod fn, GError **error)
{
    Method *m;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(name != NULL && fn != NULL, FALSE);
    if (dp_call_has_member(name) || find_method(name)) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                    "dialplan method call:%s() already exists", name);
        return FALSE;
    }
    m = g_new0(Method, 1);
    m->name = g_strdup(name);
    m->fn = fn;
    m->owner = owner;
    m->unload_handle = pbx_module_on_unload(owner, method_free, m);
    module_methods = g_list_append(module_methods, m);
    return TRUE;
}

void
pbx_dialplan_remove_method(const char *name)
{
    Method *m = find_method(name);

    PBX_ASSERT_MAIN_CONTEXT();
    if (!m)
        return;
    pbx_module_forget(m->owner, m->unload_handle);
    method_free(m);
}

gboolean
dp_push_module_method(lua_State *L, const char *name)
{
    Method *m = find_method(name);

    if (!m)
        return FALSE;
    lua_pushcfunction(L, m->fn);
    return TRUE;
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

/* pbx.endpoint(name) -> {name=, context=, registered=, contacts=} | nil */
static int
lua_endpoint(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    PbxEndpointInfo info = { 0 };

    for (GList *l = providers; l; l = l->next) {
        Provider *p = l->data;
        p->fn(name, &info, p->data);
    }
    if (!info.known) {
        g_free(info.name);
        g_free(info.context);
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    lua_pushstring(L, info.name ? info.name : name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, info.context);
    lua_setfield(L, -2, "context");
    lua_pushboolean(L, info.registered);
    lua_setfield(L, -2, "registered");
    lua_pushinteger(L, info.contacts);
    lua_setfield(L, -2, "contacts");
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
