/* app_conference - the PIN a caller types before joining a room.
 *
 * Without prompts for now: the caller hears silence while the PBX waits
 * for the digits (any DTMF form the channel receives: RFC 4733, INFO, in
 * band) followed by `#`.  A try ends with `#` or after CONF_PIN_TRY_MS;
 * `*` clears what was typed (not a try).  CONF_PIN_TRIES wrong or
 * missing PINs and the caller is refused.  The digits reach the entry
 * only if the dialplan's on_dtmf did not swallow them.
 *
 * Thread affinity: the main context.
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define CONF_PIN_TRIES 3
#define CONF_PIN_TRY_MS 10000
#define CONF_PIN_MAX_DIGITS 16

/* right: the PIN was typed; FALSE: CONF_PIN_TRIES tries failed. */
typedef void (*ConfPinDone)(gboolean right, gpointer data);

typedef struct {
    const char *pin;        /* borrowed from the owner */
    GString *typed;
    guint tries;            /* tries failed so far */
    PbxTimer timer;
    ConfPinDone done;
    gpointer data;
} ConfPinEntry;

void conf_pin_start(ConfPinEntry *e, PbxTimers *timers, const char *pin, ConfPinDone done,
                    gpointer data);
/* A digit the caller sent (0-9 * # A-D). */
void conf_pin_digit(ConfPinEntry *e, char digit);
/* Stops waiting (no done); harmless on an entry never started. */
void conf_pin_stop(ConfPinEntry *e);

G_END_DECLS
