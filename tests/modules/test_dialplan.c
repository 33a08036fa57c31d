/* Test module extending the dialplan the way a real module does: call
 * methods declared with descriptors (one that waits, some that must not)
 * and an endpoint provider, all taken away again when it unloads. */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include <carillon/carillon.h>
#include <carillon/dialplan.h>

/* call:mark(text) -> true: sets the channel variable "mark". */
static int
method_mark(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *text = luaL_checkstring(L, 2);

    pbx_channel_set_var(chan, "mark", text);
    lua_pushboolean(L, TRUE);
    return 1;
}

typedef struct {
    PbxDialplanCall *call;
    char *text;
} Wait;

static gboolean
wait_over(gpointer data)
{
    Wait *w = data;
    lua_State *co = pbx_dialplan_call_get_thread(w->call);

    lua_pushstring(co, w->text);
    lua_pushliteral(co, "waited");
    pbx_dialplan_wake(w->call, 2);
    g_free(w->text);
    g_free(w);
    return G_SOURCE_REMOVE;
}

/* call:wait_echo(text) -> text, "waited" after 10 ms. */
static int
method_wait_echo(lua_State *L)
{
    const char *text;
    Wait *w;

    pbx_dialplan_check_channel(L, 1);
    text = luaL_checkstring(L, 2);
    w = g_new0(Wait, 1);
    w->call = pbx_dialplan_get_running_call(L);   /* may_yield: never NULL */
    w->text = g_strdup(text);
    g_timeout_add(10, wait_over, w);
    return pbx_dialplan_yield(L);
}

/* call:bad_wait(): not declared may_yield, waits anyway. */
static int
method_bad_wait(lua_State *L)
{
    pbx_dialplan_check_channel(L, 1);
    return pbx_dialplan_yield(L);
}

/* call:raw_yield(): not declared may_yield, yields behind the API's back. */
static int
method_raw_yield(lua_State *L)
{
    return lua_yield(L, 0);
}

static const PbxDialplanMethodDesc methods[] = {
    { "mark",      method_mark,      FALSE },
    { "wait_echo", method_wait_echo, TRUE  },
    { "bad_wait",  method_bad_wait,  FALSE },
    { "raw_yield", method_raw_yield, FALSE },
};

/* Knows one endpoint, "2001" in context "lab". */
static void
endpoint_info(const char *name, PbxEndpointInfo *info, gpointer data)
{
    if (strcmp(name, "2001") != 0)
        return;
    info->known = TRUE;
    info->context = g_strdup("lab");
}

static gboolean
test_dialplan_load(PbxModule *self, GError **error)
{
    if (!pbx_dialplan_register_methods(self, methods, G_N_ELEMENTS(methods),
                                       error))
        return FALSE;
    pbx_dialplan_add_endpoint_provider(self, endpoint_info, NULL);
    return TRUE;
}

PBX_MODULE_DEFINE("test_dialplan", "Dialplan methods and an endpoint provider",
                  .load = test_dialplan_load);
