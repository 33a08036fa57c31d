/* app_media - the call methods it adds to the dialplan (each may wait;
 * see README.md for what they do and return).
 *
 * Thread affinity: main context (Lua calls).
 */
#pragma once

typedef struct lua_State lua_State;

int media_call_tone(lua_State *L);        /* tone_app.c */
int media_call_milliwatt(lua_State *L);   /* tone_app.c */
int media_call_echo(lua_State *L);        /* echo.c */
int media_call_record(lua_State *L);      /* record.c */
