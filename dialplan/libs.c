/* Carillon - libraries modules add to the dialplan's `pbx` table
 * (pbx_dialplan_register_library: pbx.voicemail.count(box), ...).
 *
 * Each function is a closure over the module's C function, like the
 * call methods of lib.c: when the module unloads, the table leaves `pbx`
 * and every closure a script kept is disarmed (its function upvalue
 * cleared), so it raises an error instead of calling unloaded code.
 * These functions cannot wait (they run wherever the script calls
 * them). */
#include <string.h>

#include "dialplan_private.h"

typedef struct {
    char *name;                         /* pbx.<name> */
    const PbxDialplanFuncDesc *descs;   /* the module's static table */
    guint n;
    PbxModule *owner;
    gpointer unload_handle;
} Library;

static GList *libraries;                /* Library */

enum { FUNC_UP_FN = 1, FUNC_UP_NAME };

static int
library_call(lua_State *L)
{
    lua_CFunction fn = lua_tocfunction(L, lua_upvalueindex(FUNC_UP_FN));

    if (!fn)
        return luaL_error(L, "pbx.%s() is gone (its module was unloaded)",
                          lua_tostring(L, lua_upvalueindex(FUNC_UP_NAME)));
    return fn(L);
}

static void
install_library(lua_State *L, gconstpointer data)
{
    const Library *lib = data;

    if (lua_getglobal(L, "pbx") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_createtable(L, 0, (int) lib->n);
    for (guint i = 0; i < lib->n; i++) {
        lua_pushcfunction(L, lib->descs[i].fn);
        lua_pushfstring(L, "%s.%s", lib->name, lib->descs[i].name);
        lua_pushcclosure(L, library_call, 2);
        lua_setfield(L, -2, lib->descs[i].name);
    }
    lua_setfield(L, -2, lib->name);
    lua_pop(L, 1);
}

static void
remove_library(lua_State *L, gconstpointer data)
{
    const Library *lib = data;
    int top = lua_gettop(L);

    if (lua_getglobal(L, "pbx") != LUA_TTABLE
        || lua_getfield(L, -1, lib->name) != LUA_TTABLE) {
        lua_settop(L, top);
        return;
    }
    for (guint i = 0; i < lib->n; i++) {
        if (lua_getfield(L, -1, lib->descs[i].name) == LUA_TFUNCTION) {
            lua_pushnil(L);
            lua_setupvalue(L, -2, FUNC_UP_FN);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setfield(L, -2, lib->name);
    lua_pop(L, 1);
}

void
dp_install_module_libraries(lua_State *L)
{
    for (GList *l = libraries; l; l = l->next)
        install_library(L, l->data);
}

static void
library_free(gpointer data)
{
    Library *lib = data;

    dp_foreach_state(remove_library, lib);
    libraries = g_list_remove(libraries, lib);
    g_free(lib->name);
    g_free(lib);
}

/* Built-in members of `pbx` and libraries already registered. */
static gboolean
library_name_taken(const char *name)
{
    static const char *const builtin[] = { "log", "endpoint", "sleep", "version" };

    for (guint i = 0; i < G_N_ELEMENTS(builtin); i++)
        if (strcmp(builtin[i], name) == 0)
            return TRUE;
    for (GList *l = libraries; l; l = l->next)
        if (strcmp(((Library *) l->data)->name, name) == 0)
            return TRUE;
    return FALSE;
}

gboolean
pbx_dialplan_register_library(PbxModule *owner, const char *name,
                              const PbxDialplanFuncDesc *descs, guint n, GError **error)
{
    Library *lib;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(name && *name && descs && n > 0, FALSE);
    if (library_name_taken(name)) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                    "dialplan library pbx.%s already exists", name);
        return FALSE;
    }
    lib = g_new0(Library, 1);
    lib->name = g_strdup(name);
    lib->descs = descs;
    lib->n = n;
    lib->owner = owner;
    lib->unload_handle = pbx_module_on_unload(owner, library_free, lib);
    libraries = g_list_append(libraries, lib);
    dp_foreach_state(install_library, lib);
    return TRUE;
}
