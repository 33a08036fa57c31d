/* app_media - checking the methods' option tables (see options.h). */
#include <math.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include <carillon/dtmf.h>

#include "options.h"

gboolean
media_digits_parse(const char *s, gsize len, char *out)
{
    if (len > MEDIA_DIGITS_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        char d = g_ascii_toupper(s[i]);
        if (!pbx_dtmf_digit_is_valid(d))
            return FALSE;
        out[i] = d;
    }
    out[len] = '\0';
    return TRUE;
}

static void
check_seconds(lua_State *L, const char *method, const MediaOptDesc *d, gpointer field)
{
    double v = lua_tonumber(L, -1);

    if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(v) || v < d->min || v > d->max)
        luaL_error(L, "%s: option '%s' must be a number of seconds from %f to %f", method,
                   d->key, d->min, d->max);
    *(double *) field = v;
}

static void
check_digits(lua_State *L, const char *method, const MediaOptDesc *d, gpointer field)
{
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;

    if (!s || !media_digits_parse(s, len, field))
        luaL_error(L, "%s: option '%s' must be DTMF digits (0-9 * # A-D, at most %d)", method,
                   d->key, MEDIA_DIGITS_MAX);
}

static void
check_bool(lua_State *L, const char *method, const MediaOptDesc *d, gpointer field)
{
    if (lua_type(L, -1) != LUA_TBOOLEAN)
        luaL_error(L, "%s: option '%s' must be true or false", method, d->key);
    *(gboolean *) field = lua_toboolean(L, -1);
}

static void
check_choice(lua_State *L, const char *method, const MediaOptDesc *d, gpointer field)
{
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    luaL_Buffer names;

    for (guint i = 0; s && d->choices[i]; i++) {
        if (strcmp(s, d->choices[i]) == 0) {
            *(guint *) field = i;
            return;
        }
    }
    luaL_buffinit(L, &names);
    for (guint i = 0; d->choices[i]; i++) {
        luaL_addstring(&names, i ? ", \"" : "\"");
        luaL_addstring(&names, d->choices[i]);
        luaL_addchar(&names, '"');
    }
    luaL_pushresult(&names);
    luaL_error(L, "%s: option '%s' must be one of %s", method, d->key, lua_tostring(L, -1));
}

typedef void (*Checker)(lua_State *L, const char *method, const MediaOptDesc *d,
                        gpointer field);

static const Checker checkers[] = {
    [MEDIA_OPT_SECONDS] = check_seconds,
    [MEDIA_OPT_DIGITS] = check_digits,
    [MEDIA_OPT_BOOL] = check_bool,
    [MEDIA_OPT_CHOICE] = check_choice,
};

/* The value at the top of the stack for the option named by the key
 * below it. */
static void
check_one(lua_State *L, const char *method, const MediaOptDesc *descs, guint n, gpointer base)
{
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

    if (!key)
        luaL_error(L, "%s: option names must be strings", method);
    for (guint i = 0; i < n; i++) {
        if (strcmp(key, descs[i].key) == 0) {
            checkers[descs[i].type](L, method, &descs[i], (char *) base + descs[i].offset);
            return;
        }
    }
    luaL_error(L, "%s: unknown option '%s'", method, key);
}

void
media_opts_check(lua_State *L, int idx, const char *method, const MediaOptDesc *descs, guint n,
                 gpointer base)
{
    if (lua_isnoneornil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: the options must be a table", method);
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        check_one(L, method, descs, n, base);
        lua_pop(L, 1);
    }
}
