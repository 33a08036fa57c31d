/* app_media - the call progress tones and the test tones.
 *
 * A tone is one or two frequencies at a level each (dBm0) and a cadence
 * (on, off; no off: continuous), played by spandsp's cadenced generator
 * at 8 kHz.  Two plans of the standard tones:
 *
 *   us (North America, ANSI T1.401 "precise tone plan", the default):
 *     dial        350 + 440 Hz  -13 dBm0 each   continuous
 *     ring        440 + 480 Hz  -19 dBm0 each   2 s on, 4 s off
 *     busy        480 + 620 Hz  -24 dBm0 each   0.5 s on, 0.5 s off
 *     congestion  480 + 620 Hz  -24 dBm0 each   0.25 s on, 0.25 s off
 *   eu (the 425 Hz tones of most European networks, ETSI TR 101 041):
 *     dial        425 Hz  -10 dBm0   continuous
 *     ring        425 Hz  -10 dBm0   1 s on, 4 s off
 *     busy        425 Hz  -10 dBm0   0.5 s on, 0.5 s off
 *     congestion  425 Hz  -10 dBm0   0.25 s on, 0.25 s off
 *
 * and, in every plan, "milliwatt" (1004 Hz at 0 dBm0, continuous: the
 * digital milliwatt's frequency and level) and "beep" (1000 Hz at
 * -6 dBm0, 250 ms once, before a recording).
 *
 * 0 dBm0 is a sine 3.14 dB below a full-scale one (ITU-T G.711/G.100.1,
 * spandsp's DBM0_MAX_SINE_POWER): peak 22826, RMS 16141.
 *
 * Thread affinity: tone_plan_* and tone_player_new/free on the main
 * context (new allocates); tone_player_fill on the thread that plays,
 * without allocating, locking or logging.
 */
#pragma once

#include <glib.h>

#define TONE_RATE 8000
/* RMS of a sine at 0 dBm0. */
#define TONE_DBM0_RMS 16140.6

typedef struct {
    const char *name;           /* "busy" */
    guint16 f1, f2;             /* Hz; f2 0: one frequency */
    gint8 level1, level2;       /* dBm0 each */
    guint16 on_ms, off_ms;      /* cadence; off_ms 0: continuous */
    gboolean once;              /* one on period, then silence (the beep) */
} ToneDef;

typedef struct _TonePlan TonePlan;
typedef struct _TonePlayer TonePlayer;

/* "us" or "eu"; NULL for another name. */
const TonePlan *tone_plan_find(const char *region);
const char *tone_plan_get_region(const TonePlan *plan);
/* The tone `name` of the plan ("dial", "ring", "busy", "congestion",
 * "milliwatt", "beep"), or NULL. */
const ToneDef *tone_plan_lookup(const TonePlan *plan, const char *name);
/* "dial, ring, busy, congestion" (the names call:tone() takes). */
const char *tone_plan_names(void);

TonePlayer *tone_player_new(const ToneDef *def);
void tone_player_free(TonePlayer *player);
/* Writes up to n samples at TONE_RATE; returns how many: fewer than n
 * once a tone played `once` has ended (0 afterwards). */
guint tone_player_fill(TonePlayer *player, gint16 *pcm, guint n);
