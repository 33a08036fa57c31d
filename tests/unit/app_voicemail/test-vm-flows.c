/* Carillon - unit tests of app_voicemail's call flows (flows.lua): the
 * menus as a state machine.  flows_test.lua drives the module's own
 * flows.lua (the bytes built into flows.o) with a fake call (keys in,
 * sounds out) and a fake V (the boxes in memory); each of its functions
 * is one test here, and its error() a failure. */
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "../../../modules/app_voicemail/flows.h"

extern const char vm_test_lua[];
extern const char vm_test_lua_end[];
__asm__(".section .rodata\n"
        ".global vm_test_lua\nvm_test_lua:\n"
        ".incbin \"tests/unit/app_voicemail/flows_test.lua\"\n"
        ".global vm_test_lua_end\nvm_test_lua_end:\n.byte 0\n.previous\n");

static lua_State *L;

static int
noop(lua_State *l)
{
    return 0;
}

/* A state with `flows` and `pbx.log`, and the tests' table in the registry. */
static void
setup_lua(void)
{
    L = luaL_newstate();
    luaL_openlibs(L);
    lua_newtable(L);
    lua_pushcfunction(L, noop);
    lua_setfield(L, -2, "log");
    lua_setglobal(L, "pbx");
    vm_flows_push(L);
    lua_setglobal(L, "flows");
    if (luaL_loadbufferx(L, vm_test_lua, (size_t) (vm_test_lua_end - vm_test_lua),
                         "=flows_test.lua", "t") != LUA_OK
        || lua_pcall(L, 0, 1, 0) != LUA_OK)
        g_error("flows_test.lua: %s", lua_tostring(L, -1));
    lua_setfield(L, LUA_REGISTRYINDEX, "vm_tests");
}

static void
run_one(gconstpointer data)
{
    const char *name = data;

    lua_getfield(L, LUA_REGISTRYINDEX, "vm_tests");
    lua_getfield(L, -1, name);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        g_test_message("%s: %s", name, lua_tostring(L, -1));
        g_test_fail();
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

/* One GLib test per function of the table, in name order. */
static void
add_tests(void)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    lua_getfield(L, LUA_REGISTRYINDEX, "vm_tests");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        g_ptr_array_add(names, (gpointer) g_intern_string(lua_tostring(L, -2)));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_strdup_printf("/voicemail/flows/%s",
                                                (char *) g_ptr_array_index(names, i));

        g_test_add_data_func(path, g_ptr_array_index(names, i), run_one);
    }
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    setup_lua();
    add_tests();
    rc = g_test_run();
    lua_close(L);
    return rc;
}
