/* app_playback - the dialplan methods: call:play(), call:say_digits(),
 * call:say_number() and call:read_digits().  Each checks its arguments,
 * answers at once when the channel cannot play (hung up, no media), or
 * starts a playback or a reader and waits; the call's coroutine is woken
 * with the results when it ends (README.md has the return values). */
#include <lua.h>
#include <lauxlib.h>

#include "app_playback.h"
#include "args.h"

/* The code of an expected failure, the third return value. */
static const char *
error_code(const GError *error)
{
    static const char *const sounds_codes[] = {
        [SOUNDS_ERROR_NOT_FOUND] = "notfound",
        [SOUNDS_ERROR_INVALID] = "invalid",
        [SOUNDS_ERROR_READ] = "unreadable",
        [SOUNDS_ERROR_TOO_LONG] = "toolong",
    };
    static const char *const playback_codes[] = {
        [PLAYBACK_ERROR_HANGUP] = "hangup",
        [PLAYBACK_ERROR_STATE] = "state",
        [PLAYBACK_ERROR_STOPPED] = "stopped",
        [PLAYBACK_ERROR_FAILED] = "failed",
    };

    if (error->domain == SOUNDS_ERROR && (guint) error->code < G_N_ELEMENTS(sounds_codes))
        return sounds_codes[error->code];
    if (error->domain == PLAYBACK_ERROR && (guint) error->code < G_N_ELEMENTS(playback_codes))
        return playback_codes[error->code];
    return "failed";
}

/* nil, message, code */
static int
push_failure(lua_State *L, const GError *error)
{
    lua_pushnil(L);
    lua_pushstring(L, error->message);
    lua_pushstring(L, error_code(error));
    return 3;
}

static int
push_ended(lua_State *L, PlaybackError code, const char *message)
{
    g_autoptr(GError) error = g_error_new_literal(PLAYBACK_ERROR, code, message);

    return push_failure(L, error);
}

static void
wake(PbxDialplanCall *call, int nresults)
{
    pbx_dialplan_wake(call, nresults);
}

/* ---------------------------------------------------------- play, say */

static int
push_play_result(lua_State *T, PlaybackEnd end, char digit, const GError *error)
{
    switch (end) {
    case PLAYBACK_COMPLETE:
        lua_pushboolean(T, TRUE);
        return 1;
    case PLAYBACK_DIGIT:
        lua_pushlstring(T, &digit, 1);
        return 1;
    case PLAYBACK_HANGUP:
        return push_ended(T, PLAYBACK_ERROR_HANGUP, "hangup");
    case PLAYBACK_STOPPED:
        return push_ended(T, PLAYBACK_ERROR_STOPPED, "app_playback is unloading");
    case PLAYBACK_FAILED:
        break;
    }
    return push_failure(T, error);
}

static void
play_done(PlaybackEnd end, char digit, const GError *error, gpointer data)
{
    PbxDialplanCall *call = data;

    wake(call, push_play_result(pbx_dialplan_call_get_thread(call), end, digit, error));
}

/* 0 when chan can play now; else the failure pushed and its count.
 * (The methods keep no g_auto variable alive when they yield: the yield
 * longjmps out of their frame.) */
static int
refuse(lua_State *L, PbxChannel *chan)
{
    g_autoptr(GError) error = NULL;

    if (playback_check_channel(chan, &error))
        return 0;
    return push_failure(L, error);
}

/* Plays req on the call's channel and waits; nothing to play: true. */
static int
play_and_wait(lua_State *L, PbxChannel *chan, const PlaybackRequest *req)
{
    int refused = refuse(L, chan);

    if (refused)
        return refused;
    if (req->n_names == 0) {
        lua_pushboolean(L, TRUE);
        return 1;
    }
    playback_start(chan, req, play_done, pbx_dialplan_get_running_call(L));
    return pbx_dialplan_yield(L);
}

/* call:play(name | {names}, {interrupt=, language=}) */
static int
call_play(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    PlaybackRequest req = { 0 };

    args_check_names(L, 2, &req, "play");
    args_check_play_options(L, 3, &req, "play");
    return play_and_wait(L, chan, &req);
}

/* call:say_digits("1234", {interrupt=, language=}) */
static int
call_say_digits(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    PlaybackRequest req = { 0 };

    args_check_say_digits(L, 2, &req, "say_digits");
    args_check_play_options(L, 3, &req, "say_digits");
    return play_and_wait(L, chan, &req);
}

/* call:say_number(42, {interrupt=, language=}) */
static int
call_say_number(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    PlaybackRequest req = { 0 };

    args_check_say_number(L, 2, &req, "say_number");
    args_check_play_options(L, 3, &req, "say_number");
    return play_and_wait(L, chan, &req);
}

/* ---------------------------------------------------------- read_digits */

static const char *const reader_ends[] = {
    [READER_MAX] = "max",
    [READER_TERMINATOR] = "terminator",
    [READER_TIMEOUT] = "timeout",
};

static void
read_done(ReaderEnd end, const char *digits, const GError *error, gpointer data)
{
    PbxDialplanCall *call = data;
    lua_State *T = pbx_dialplan_call_get_thread(call);

    switch (end) {
    case READER_MAX:
    case READER_TERMINATOR:
    case READER_TIMEOUT:
        lua_pushstring(T, digits);
        lua_pushstring(T, reader_ends[end]);
        wake(call, 2);
        return;
    case READER_HANGUP:
        wake(call, push_ended(T, PLAYBACK_ERROR_HANGUP, "hangup"));
        return;
    case READER_STOPPED:
        wake(call, push_ended(T, PLAYBACK_ERROR_STOPPED, "app_playback is unloading"));
        return;
    case READER_FAILED:
        wake(call, push_failure(T, error));
        return;
    }
}

/* call:read_digits{max=, timeout=, inter_digit=, terminator=, prompt=,
 * language=} -> digits, how */
static int
call_read_digits(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    ReaderOptions opts = { 0 };
    int refused;

    args_check_read_options(L, 2, &opts, "read_digits");
    refused = refuse(L, chan);
    if (refused)
        return refused;
    reader_start(chan, &opts, read_done, pbx_dialplan_get_running_call(L));
    return pbx_dialplan_yield(L);
}

static const PbxDialplanMethodDesc methods[] = {
    /* name           function           may_yield */
    { "play",         call_play,         TRUE },
    { "say_digits",   call_say_digits,   TRUE },
    { "say_number",   call_say_number,   TRUE },
    { "read_digits",  call_read_digits,  TRUE },
};

gboolean
app_playback_register_methods(PbxModule *self, GError **error)
{
    return pbx_dialplan_register_methods(self, methods, G_N_ELEMENTS(methods), error);
}
