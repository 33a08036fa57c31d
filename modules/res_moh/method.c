/* res_moh - call:moh() in the dialplan (see method.h). */
#include <math.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "classes.h"
#include "listener.h"
#include "method.h"

#define MAX_SECONDS 86400.0
#define MIN_SECONDS 0.02

typedef struct {
    double duration;                            /* 0: until the hangup */
    char terminators[MOH_TERMINATORS_MAX + 1];
} Options;

/* A call waiting in call:moh(). */
typedef struct {
    PbxDialplanCall *call;
    PbxChannel *chan;                           /* a reference */
} Waiting;

/* ---------------------------------------------------------- arguments */

static void
check_duration(lua_State *L, Options *o)
{
    double v = lua_tonumber(L, -1);

    if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(v) || v < MIN_SECONDS || v > MAX_SECONDS)
        luaL_error(L, "call:moh(): option 'duration' must be a number of seconds from %f to %f",
                   MIN_SECONDS, MAX_SECONDS);
    o->duration = v;
}

static void
check_terminator(lua_State *L, Options *o)
{
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    gboolean ok = s && len <= MOH_TERMINATORS_MAX;

    for (size_t i = 0; ok && i < len; i++) {
        o->terminators[i] = g_ascii_toupper(s[i]);
        ok = pbx_dtmf_digit_is_valid(o->terminators[i]);
    }
    if (!ok)
        luaL_error(L, "call:moh(): option 'terminator' must be DTMF digits (0-9 * # A-D, "
                   "at most %d)", MOH_TERMINATORS_MAX);
    o->terminators[len] = '\0';
}

/* The option at the top of the stack, its name below it. */
static void
check_option(lua_State *L, Options *o)
{
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

    if (key && strcmp(key, "duration") == 0)
        check_duration(L, o);
    else if (key && strcmp(key, "terminator") == 0)
        check_terminator(L, o);
    else
        luaL_error(L, "call:moh(): unknown option '%s'", key ? key : luaL_typename(L, -2));
}

static void
check_options(lua_State *L, int idx, Options *o)
{
    if (lua_isnoneornil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "call:moh(): the options must be a table");
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        check_option(L, o);
        lua_pop(L, 1);
    }
}

/* ---------------------------------------------------------- results */

static int
push_failure(lua_State *L, const char *message, const char *code)
{
    lua_pushnil(L);
    lua_pushstring(L, message);
    if (!code)
        return 2;
    lua_pushstring(L, code);
    return 3;
}

/* What call:moh() returns for the way the listening ended. */
static int
push_end(lua_State *T, PbxAudioTaskEnd end, char digit)
{
    switch (end) {
    case PBX_AUDIO_TASK_COMPLETE:
        lua_pushboolean(T, TRUE);
        return 1;
    case PBX_AUDIO_TASK_DTMF:
        lua_pushboolean(T, TRUE);
        lua_pushlstring(T, &digit, 1);
        return 2;
    case PBX_AUDIO_TASK_HANGUP:
        return push_failure(T, "hangup", NULL);
    case PBX_AUDIO_TASK_LOST:
        return push_failure(T, "the call's media was taken away (bridged)", "lost");
    case PBX_AUDIO_TASK_STOPPED:
    default:
        return push_failure(T, "res_moh was unloaded", "unloaded");
    }
}

/* The dialplan lets go of its calls when it shuts down, before the
 * modules unload: a call it no longer runs is not ours to resume. */
static void
waiting_done(MohListener *l, PbxAudioTaskEnd end, char digit, gpointer data)
{
    Waiting *w = data;

    if (pbx_channel_get_dialplan_data(w->chan) == (gpointer) w->call)
        pbx_dialplan_wake(w->call, push_end(pbx_dialplan_call_get_thread(w->call), end, digit));
    pbx_channel_unref(w->chan);
    g_free(w);
}

/* ---------------------------------------------------------- the method */

static MohClass *
class_of(lua_State *L, PbxChannel *chan, const char *name, int *nret)
{
    g_autoptr(GError) error = NULL;
    MohClass *cls = name ? moh_classes_find(name) : moh_classes_for_channel(chan, &error);

    if (cls)
        return cls;
    if (name)
        lua_pushfstring(L, "no music on hold class '%s'", name);
    *nret = push_failure(L, name ? lua_tostring(L, -1) : error->message, "class");
    return NULL;
}

/* Starts the listener; the call waits, or gets the failure at once. */
static int
start(lua_State *L, PbxChannel *chan, MohClass *cls, const Options *o)
{
    g_autoptr(GError) error = NULL;
    MohListenOptions lo = { .terminators = o->terminators };
    Waiting *w = g_new0(Waiting, 1);

    lo.max_ticks = (guint64) ceil(o->duration * 1000 / PBX_AUDIO_TICK_MS - 1e-9);
    w->call = pbx_dialplan_get_running_call(L);
    w->chan = pbx_channel_ref(chan);
    if (moh_listener_start(chan, cls, &lo, waiting_done, w, &error))
        return pbx_dialplan_yield(L);
    pbx_channel_unref(w->chan);
    g_free(w);
    return push_failure(L, error->message, "state");
}

/* call:moh([class] [, {duration=, terminator=}]) */
static int
call_moh(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *name = luaL_optstring(L, 2, NULL);
    Options o = { 0 };
    MohClass *cls;
    int n = 0;

    check_options(L, 3, &o);
    if (pbx_channel_get_state(chan) == PBX_CHANNEL_HANGUP)
        return push_failure(L, "hangup", NULL);
    if (moh_listeners_stopping())
        return push_failure(L, "res_moh is unloading", "unloaded");
    cls = class_of(L, chan, name, &n);
    return cls ? start(L, chan, cls, &o) : n;
}

static const PbxDialplanMethodDesc methods[] = {
    /* name   function  may_yield */
    { "moh",  call_moh, TRUE },
};

gboolean
moh_method_register(PbxModule *owner, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return pbx_dialplan_register_methods(owner, methods, G_N_ELEMENTS(methods), error);
}
