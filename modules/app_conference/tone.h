/* app_conference - the join and leave tones the room hears.
 *
 * Generated, not read from sound files: a rising two-tone beep when
 * someone joins (440 Hz then 660 Hz, 100 ms each) and the same falling
 * when someone leaves, with 5 ms ramps so that nothing clicks.  A table
 * per rate, made once at load; readers add it to their mix a tick at a
 * time (mixer.c).
 *
 * Thread affinity: conf_tones_init() and conf_tones_clear() on the main
 * context, while no room exists; conf_tone_get() on any thread (the
 * tables are read-only in between).
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

typedef enum {
    CONF_TONE_NONE,
    CONF_TONE_JOIN,
    CONF_TONE_LEAVE,
} ConfToneKind;

#define CONF_TONE_KINDS 3

void conf_tones_init(void);
void conf_tones_clear(void);
/* The tone at rate index ri (ring.h); *n_samples is a whole number of
 * ticks.  NULL for CONF_TONE_NONE. */
const gint16 *conf_tone_get(ConfToneKind kind, guint ri, guint *n_samples);

G_END_DECLS
