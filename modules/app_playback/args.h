/* app_playback - checking the methods' Lua arguments (args.c).
 *
 * Each function raises a Lua error on misuse (a wrong type, a value out
 * of range, a character that is not a digit) and fills in the C request
 * otherwise.  `method` names the method in the messages.
 *
 * Thread affinity: the main context (the dialplan's Lua state).
 */
#pragma once

#include <lua.h>

#include "app_playback.h"

G_BEGIN_DECLS

/* read_digits defaults and bounds (documented in README.md). */
#define ARGS_DEFAULT_MAX 20
#define ARGS_MAX_DIGITS 128
#define ARGS_DEFAULT_TIMEOUT 5.0                /* seconds */
#define ARGS_DEFAULT_INTER_DIGIT 3.0            /* seconds */
#define ARGS_DEFAULT_TERMINATOR "#"
#define ARGS_MAX_SECONDS 3600

/* A sound name or a list of names at idx. */
void args_check_names(lua_State *L, int idx, PlaybackRequest *req, const char *method);
/* {interrupt = "0123456789*#", language = "fr"} at idx (or nil). */
void args_check_play_options(lua_State *L, int idx, PlaybackRequest *req, const char *method);
/* {max=, timeout=, inter_digit=, terminator=, prompt=, language=} at idx
 * (or nil); may leave one value pushed (the prompt's list). */
void args_check_read_options(lua_State *L, int idx, ReaderOptions *opts, const char *method);
/* A string of digits (or an integer) at idx: digits/N, star, pound. */
void args_check_say_digits(lua_State *L, int idx, PlaybackRequest *req, const char *method);
/* An integer at idx, in English. */
void args_check_say_number(lua_State *L, int idx, PlaybackRequest *req, const char *method);

G_END_DECLS
