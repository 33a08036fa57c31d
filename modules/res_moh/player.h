/* res_moh - one listener's view of a class: where in the class's
 * timeline it is, tick after tick.
 *
 * A player joins the class where the class is now: position = (now -
 * class start) at the timeline's rate, modulo its length; two players of
 * one class asked at the same instant give the same samples, whenever
 * each joined.  From then on it moves on by exactly one tick per fill,
 * so its audio is continuous even though the media worker's ticks wake a
 * little early or late; when its position and the clock disagree by more
 * than MOH_RESYNC_MS (the worker stalled and dropped ticks) it joins the
 * class again where it is.  It plays the timeline at the rate it wants
 * as soon as that is loaded, another rate's meanwhile, and silence while
 * none is.
 *
 * Thread affinity: moh_player_init and moh_player_clear on the main
 * context; moh_player_fill on the one media thread that plays it (no
 * allocation, lock or log; it reads the class's atomics and the clock).
 */
#pragma once

#include <carillon/carillon.h>

#include "class.h"

#define MOH_RESYNC_MS 200

typedef struct {
    MohClass *cls;              /* a reference */
    guint rate;                 /* the timeline rate it wants */
    /* media thread */
    const MohTimeline *tl;      /* the timeline it plays, NULL before any */
    MohCursor cursor;
    guint64 position;           /* samples of tl since the class's start */
} MohPlayer;

/* Main: a player of cls wanting `rate` (moh_class_want's answer). */
void moh_player_init(MohPlayer *p, MohClass *cls, guint rate);
void moh_player_clear(MohPlayer *p);
/* Media thread: the next tick at now_us (monotonic) into out (its rate
 * and n_samples set); FALSE (silence) while no timeline is loaded. */
gboolean moh_player_fill(MohPlayer *p, gint64 now_us, PbxAudioFrame *out);
