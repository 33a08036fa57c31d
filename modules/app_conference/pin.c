/* app_conference - PIN entry (see pin.h). */
#include <string.h>

#include "pin.h"

static void
new_try(ConfPinEntry *e)
{
    g_string_truncate(e->typed, 0);
    pbx_timer_start(&e->timer, CONF_PIN_TRY_MS);
}

static void
finish(ConfPinEntry *e, gboolean right)
{
    conf_pin_stop(e);
    e->done(right, e->data);
}

static void
try_failed(ConfPinEntry *e)
{
    if (++e->tries >= CONF_PIN_TRIES)
        finish(e, FALSE);
    else
        new_try(e);
}

static void
try_timed_out(PbxTimer *timer, gpointer data)
{
    try_failed(data);
}

void
conf_pin_start(ConfPinEntry *e, PbxTimers *timers, const char *pin, ConfPinDone done,
               gpointer data)
{
    e->pin = pin;
    e->typed = g_string_new(NULL);
    e->tries = 0;
    e->done = done;
    e->data = data;
    pbx_timer_init(&e->timer, timers, try_timed_out, e);
    new_try(e);
}

/* At most CONF_PIN_MAX_DIGITS + 1 digits are kept: a longer entry is
 * wrong anyway, and stays so. */
void
conf_pin_digit(ConfPinEntry *e, char digit)
{
    if (!e->typed)
        return;
    if (digit == '*') {
        g_string_truncate(e->typed, 0);
    } else if (digit != '#') {
        if (e->typed->len <= CONF_PIN_MAX_DIGITS)
            g_string_append_c(e->typed, digit);
    } else if (strcmp(e->typed->str, e->pin) == 0) {
        finish(e, TRUE);
    } else {
        try_failed(e);
    }
}

void
conf_pin_stop(ConfPinEntry *e)
{
    if (!e->typed)
        return;
    pbx_timer_stop(&e->timer);
    g_string_free(e->typed, TRUE);
    e->typed = NULL;
}
