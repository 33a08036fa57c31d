/* app_playback - the Lua arguments of the methods, checked before any C
 * work (a Lua error longjmps past g_auto cleanups).  Misuse raises an
 * error naming the method and the option.  Strings are borrowed from
 * the Lua values at their stack index: valid during the method's call,
 * which copies what it keeps. */
#include <ctype.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "app_playback.h"
#include "args.h"

/* A table at idx (or none/nil: FALSE, the defaults apply). */
static gboolean
has_options(lua_State *L, int idx, const char *method)
{
    if (lua_isnoneornil(L, idx))
        return FALSE;
    if (!lua_istable(L, idx))
        luaL_error(L, "call:%s(): the options must be a table", method);
    return TRUE;
}

/* Pushes opts[key] and returns its type (opts absent: nil). */
static int
get_option(lua_State *L, int idx, const char *key)
{
    if (lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, idx, key);
}

static void
add_name(lua_State *L, int value_idx, PlaybackRequest *req, const char *method)
{
    size_t len;
    const char *name = lua_tolstring(L, value_idx, &len);

    if (lua_type(L, value_idx) != LUA_TSTRING || len == 0 || strlen(name) != len)
        luaL_error(L, "call:%s(): a sound name must be a non-empty string", method);
    if (req->n_names >= PLAYBACK_MAX_SOUNDS)
        luaL_error(L, "call:%s(): more than %d sounds", method, PLAYBACK_MAX_SOUNDS);
    req->names[req->n_names++] = name;
}

/* A name, or a list of names (the table stays at its index, so its
 * strings stay alive). */
static void
check_names_at(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    lua_Integer n;

    if (lua_type(L, idx) == LUA_TSTRING) {
        add_name(L, idx, req, method);
        return;
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "call:%s(): a sound name or a list of names expected", method);
    n = luaL_len(L, idx);
    if (n > PLAYBACK_MAX_SOUNDS)
        luaL_error(L, "call:%s(): more than %d sounds", method, PLAYBACK_MAX_SOUNDS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        add_name(L, -1, req, method);
        lua_pop(L, 1);          /* the list keeps the string */
    }
}

void
args_check_names(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    check_names_at(L, lua_absindex(L, idx), req, method);
}

/* A set of DTMF digits ("0123456789*#", a-d taken as A-D), each once. */
static void
check_digits(lua_State *L, const char *s, char *out, const char *method, const char *key)
{
    guint n = 0;

    for (; *s; s++) {
        char d = (char) toupper((unsigned char) *s);
        if (!pbx_dtmf_digit_is_valid(d))
            luaL_error(L, "call:%s(): option '%s': '%c' is not a DTMF digit (0-9 * # A-D)",
                       method, key, *s);
        if (!memchr(out, d, n))
            out[n++] = d;
    }
    out[n] = '\0';
}

/* opts[key]: a string of digits, or false/"" for none; `def` when absent. */
static void
option_digits(lua_State *L, int idx, const char *key, const char *def, char *out,
              const char *method)
{
    int type = get_option(L, idx, key);

    if (type == LUA_TNIL)
        check_digits(L, def, out, method, key);
    else if (type == LUA_TBOOLEAN && !lua_toboolean(L, -1))
        out[0] = '\0';
    else if (type == LUA_TSTRING)
        check_digits(L, lua_tostring(L, -1), out, method, key);
    else
        luaL_error(L, "call:%s(): option '%s' must be a string of digits", method, key);
    lua_pop(L, 1);
}

/* opts.language: a language name, or NULL. */
static const char *
option_language(lua_State *L, int idx, const char *method)
{
    int type = get_option(L, idx, "language");
    const char *language = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    if (type != LUA_TNIL && !(language && pbx_core_language_is_valid(language)))
        luaL_error(L, "call:%s(): option 'language' must be a language name (\"en\", \"fr_CA\")",
                   method);
    lua_pop(L, 1);      /* the options table keeps the string */
    return language;
}

void
args_check_play_options(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    idx = lua_absindex(L, idx);
    has_options(L, idx, method);
    option_digits(L, idx, "interrupt", "", req->interrupt, method);
    req->language = option_language(L, idx, method);
}

/* opts[key]: seconds as a number (fractions allowed), in milliseconds. */
static guint
option_ms(lua_State *L, int idx, const char *key, double def, const char *method)
{
    int type = get_option(L, idx, key);
    double s = type == LUA_TNIL ? def : lua_tonumber(L, -1);

    if ((type != LUA_TNIL && type != LUA_TNUMBER) || !(s >= 0 && s <= ARGS_MAX_SECONDS))
        luaL_error(L, "call:%s(): option '%s' must be a number of seconds from 0 to %d",
                   method, key, ARGS_MAX_SECONDS);
    lua_pop(L, 1);
    return (guint) (s * 1000 + 0.5);
}

static guint
option_max(lua_State *L, int idx, const char *method)
{
    int type = get_option(L, idx, "max");
    int isint = 0;
    lua_Integer n = type == LUA_TNIL ? ARGS_DEFAULT_MAX : lua_tointegerx(L, -1, &isint);

    if ((type != LUA_TNIL && !isint) || n < 1 || n > ARGS_MAX_DIGITS)
        luaL_error(L, "call:%s(): option 'max' must be an integer from 1 to %d", method,
                   ARGS_MAX_DIGITS);
    lua_pop(L, 1);
    return (guint) n;
}

/* opts.prompt: absent, a name or a list of names; the value stays on
 * the stack (it keeps the strings alive), so this pushes one value. */
static void
option_prompt(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    if (get_option(L, idx, "prompt") != LUA_TNIL)
        check_names_at(L, lua_gettop(L), req, method);
}

void
args_check_read_options(lua_State *L, int idx, ReaderOptions *opts, const char *method)
{
    idx = lua_absindex(L, idx);
    has_options(L, idx, method);
    opts->max = option_max(L, idx, method);
    opts->timeout_ms = option_ms(L, idx, "timeout", ARGS_DEFAULT_TIMEOUT, method);
    opts->inter_digit_ms = option_ms(L, idx, "inter_digit", ARGS_DEFAULT_INTER_DIGIT, method);
    option_digits(L, idx, "terminator", ARGS_DEFAULT_TERMINATOR, opts->terminator, method);
    opts->prompt.language = option_language(L, idx, method);
    option_prompt(L, idx, &opts->prompt, method);
}

void
args_check_say_digits(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    size_t len;
    const char *s;

    if (lua_type(L, idx) != LUA_TSTRING && !lua_isinteger(L, idx))
        luaL_error(L, "call:%s(): a string of digits expected", method);
    s = lua_tolstring(L, idx, &len);    /* an integer becomes its string in place */
    if (len > PLAYBACK_MAX_SOUNDS)
        luaL_error(L, "call:%s(): more than %d digits", method, PLAYBACK_MAX_SOUNDS);
    for (size_t i = 0; i < len; i++) {
        const char *name = say_digit_name(s[i]);
        if (!name)
            luaL_error(L, "call:%s(): '%c' cannot be said (0-9 * #)", method, s[i]);
        req->names[req->n_names++] = name;
    }
}

void
args_check_say_number(lua_State *L, int idx, PlaybackRequest *req, const char *method)
{
    int isint = 0;
    lua_Integer n = lua_tointegerx(L, idx, &isint);

    if (!isint || n < -SAY_NUMBER_MAX || n > SAY_NUMBER_MAX)
        luaL_error(L, "call:%s(): an integer from %I to %I expected", method,
                   (lua_Integer) -SAY_NUMBER_MAX, (lua_Integer) SAY_NUMBER_MAX);
    if (!say_number_names(n, req->names, &req->n_names, PLAYBACK_MAX_SOUNDS))
        luaL_error(L, "call:%s(): too many sounds", method);
}
