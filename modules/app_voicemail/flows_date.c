/* app_voicemail - V.date(origtime) of flows.lua: when a message came,
 * in the daemon's local time, as the envelope (advanced menu, 3) says it:
 *
 *   V.date(origtime)  {wday = 0-6 (Sunday 0), mon = 0-11, mday, hour,
 *                     min, ago = calendar days before today (0 today)}
 *
 * Kept apart from flows_v.c so the unit tests' fake V can stand in. */
#include <lua.h>
#include <lauxlib.h>

#include "flows.h"

static void
set_int(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

/* Days between the calendar dates of then and now (local time). */
static gint
days_ago(GDateTime *then, GDateTime *now)
{
    g_autoptr(GDate) a = g_date_new_dmy(g_date_time_get_day_of_month(then),
                                        g_date_time_get_month(then),
                                        g_date_time_get_year(then));
    g_autoptr(GDate) b = g_date_new_dmy(g_date_time_get_day_of_month(now),
                                        g_date_time_get_month(now),
                                        g_date_time_get_year(now));

    return g_date_days_between(a, b);
}

int
vm_flows_v_date(lua_State *L)
{
    g_autoptr(GDateTime) then = g_date_time_new_from_unix_local(luaL_checkinteger(L, 1));
    g_autoptr(GDateTime) now = g_date_time_new_now_local();

    if (!then)
        return luaL_error(L, "voicemail: bad message time");
    lua_createtable(L, 0, 6);
    set_int(L, "wday", g_date_time_get_day_of_week(then) % 7);
    set_int(L, "mon", g_date_time_get_month(then) - 1);
    set_int(L, "mday", g_date_time_get_day_of_month(then));
    set_int(L, "hour", g_date_time_get_hour(then));
    set_int(L, "min", g_date_time_get_minute(then));
    set_int(L, "ago", days_ago(then, now));
    return 1;
}
