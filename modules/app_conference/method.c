/* app_conference - call:conference(room, opts) in the Lua dialplan.
 *
 * Arguments are checked before any C work (a Lua error skips cleanups):
 * a bad room name or option raises an error naming it; what can happen
 * to a good call (full, wrong PIN, hangup) comes back as nil, msg, code.
 * The method waits (may_yield) while the call is in the room and returns
 * the reason it left. */
#include <string.h>
#include <lua.h>
#include <lauxlib.h>

#include "conference.h"

#define ROOM_MAX_LEN 64
#define ROOM_CHARS "-_.+@"

static const char *
check_room(lua_State *L, int idx)
{
    size_t len;
    const char *room = luaL_checklstring(L, idx, &len);

    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(room[i]) && !strchr(ROOM_CHARS, room[i]))
            len = 0;                       /* a NUL byte, a space, ... */
    if (len == 0 || len > ROOM_MAX_LEN)
        luaL_argerror(L, idx, "a room name is 1 to 64 letters, digits or - _ . + @");
    return room;
}

static gboolean
all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return len > 0;
}

/* pin = "1234" or 1234: 1 to CONF_PIN_MAX_DIGITS digits (a number is
 * written out in decimal), in place of the value at the top. */
static const char *
check_pin(lua_State *L, int idx)
{
    size_t len;
    const char *pin;

    if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0)
        lua_pushfstring(L, "%I", lua_tointeger(L, -1));
    else if (lua_type(L, -1) == LUA_TSTRING)
        lua_pushvalue(L, -1);
    else
        luaL_argerror(L, idx, "option 'pin' must be a string of digits");
    lua_replace(L, -2);
    pin = lua_tolstring(L, -1, &len);
    if (!all_digits(pin, len) || len > CONF_PIN_MAX_DIGITS)
        luaL_argerror(L, idx, "option 'pin' must be 1 to 16 digits");
    return pin;
}

static gboolean
check_flag(lua_State *L, int idx, const char *key)
{
    if (lua_type(L, -1) != LUA_TBOOLEAN)
        luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be a boolean", key));
    return lua_toboolean(L, -1);
}

static guint
check_max(lua_State *L, int idx)
{
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
        lua_tointeger(L, -1) > CONF_MAX_MEMBERS)
        luaL_argerror(L, idx, "option 'max' must be an integer from 1 to 64");
    return (guint) lua_tointeger(L, -1);
}

/* One key = value of the options table (value at the top, left there). */
static void
check_option(lua_State *L, int idx, const char *key, ConfSeatOptions *opts)
{
    if (strcmp(key, "pin") == 0)
        opts->pin = (char *) check_pin(L, idx);     /* taken again below */
    else if (strcmp(key, "muted") == 0)
        opts->muted = check_flag(L, idx, key);
    else if (strcmp(key, "moderator") == 0)
        opts->moderator = check_flag(L, idx, key);
    else if (strcmp(key, "max") == 0)
        opts->max = check_max(L, idx);
    else
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s' (pin, muted, moderator, max)",
                                              key));
}

/* The PIN as a string left on the stack, so that it lives while the
 * method runs (the seat copies it). */
static void
check_options(lua_State *L, int idx, ConfSeatOptions *opts)
{
    *opts = (ConfSeatOptions) { .max = CONF_MAX_MEMBERS };
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_argerror(L, idx, "option names are strings");
        check_option(L, idx, lua_tostring(L, -2), opts);
        lua_pop(L, 1);
    }
    if (!opts->pin)
        return;
    lua_getfield(L, idx, "pin");
    opts->pin = (char *) check_pin(L, idx);
}

/* call:conference(room, {pin=, muted=, moderator=, max=}) */
static int
call_conference(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *room = check_room(L, 2);
    ConfSeatOptions opts;
    ConfSeat *seat;

    check_options(L, 3, &opts);
    PBX_ASSERT_MAIN_CONTEXT();
    seat = conf_seat_new(chan, pbx_dialplan_get_running_call(L), room, &opts);
    if (conf_seat_start(seat))
        return conf_seat_return(seat, L);
    return pbx_dialplan_yield(L);
}

static const PbxDialplanMethodDesc methods[] = {
    /* name          function          may_yield */
    { "conference",  call_conference,  TRUE },
};

gboolean
conf_method_register(PbxModule *self, GError **error)
{
    return pbx_dialplan_register_methods(self, methods, G_N_ELEMENTS(methods), error);
}
