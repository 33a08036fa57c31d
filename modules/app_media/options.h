/* app_media - the options tables of the dialplan methods, e.g.
 * call:record(path, {max = 60, silence = 3, terminator = "#*"}).
 *
 * Checked whole before the method does any C work and stored in plain
 * fields of the caller's struct (nothing allocated), so that the Lua
 * error raised for an unknown key, a wrong type or a value out of range
 * leaks nothing.  Messages name the method and the option:
 * "call:tone(): option 'duration' must be a number of seconds from 0.02
 * to 86400".  Keys absent (or an absent table) keep the defaults the
 * caller put in the struct.
 *
 * Thread affinity: main context (inside a Lua call).
 */
#pragma once

#include <glib.h>

typedef struct lua_State lua_State;

/* The longest terminator set: every DTMF digit once. */
#define MEDIA_DIGITS_MAX 16

typedef enum {
    MEDIA_OPT_SECONDS,          /* a number from min to max -> double */
    MEDIA_OPT_DIGITS,           /* DTMF digits ("" none; a-d taken as A-D)
                                 * -> char[MEDIA_DIGITS_MAX + 1] */
    MEDIA_OPT_BOOL,             /* a boolean -> gboolean */
    MEDIA_OPT_CHOICE,           /* one of choices -> guint, its index */
} MediaOptType;

typedef struct {
    const char *key;
    MediaOptType type;
    gsize offset;               /* in the caller's struct */
    double min, max;            /* SECONDS */
    const char *const *choices; /* CHOICE: NULL-terminated */
} MediaOptDesc;

/* Raises a Lua error unless the value at idx is nil, none or a table of
 * known, valid options; fills base. */
void media_opts_check(lua_State *L, int idx, const char *method, const MediaOptDesc *descs,
                      guint n, gpointer base);
/* Checks the DTMF digits of s into out (MEDIA_DIGITS_MAX + 1 bytes);
 * FALSE when s holds something else or is too long. */
gboolean media_digits_parse(const char *s, gsize len, char *out);
