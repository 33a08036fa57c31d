/* res_moh - a music on hold class at run time: one playback shared by
 * every listener.
 *
 * A class is its files (conf.h) as one looped timeline that started when
 * the class was loaded (moh.conf read at load or reload): at any instant
 * the class is at position (now - start) modulo its length, whoever
 * listens.  Nothing moves in the class itself; each listener's port works
 * out where the class is from the start time and the monotonic clock
 * (listener.h), so no state is shared between listeners and nothing is
 * locked.
 *
 * The files are decoded by res_sounds on first use, at the rate a
 * listener needs (its leg's codec rate, but never above what the files
 * hold: a class of 8 kHz files is decoded at 8 kHz only), and kept while
 * the class lives.  Until one rate is ready its listeners hear silence
 * (the timeline still runs: they join it where it is once the audio is
 * there); while the rate they want is decoding, they hear one that is
 * ready.  A file res_sounds cannot decode is left out of the timeline.
 *
 * A reload makes new classes; listeners keep the class they started with
 * (a reference) until they end, and the old class goes with its last.
 *
 * Thread affinity: main context, except moh_class_get_timeline() and
 * moh_class_get_start(), which any thread may call (a media worker does,
 * every tick): the start never changes and each rate's timeline is
 * published once, atomically, and then never changes until the class is
 * freed, which cannot happen while a listener holds it.
 */
#pragma once

#include "conf.h"
#include "timeline.h"

typedef struct _MohClass MohClass;

#define MOH_N_RATES 3           /* 8000, 16000, 48000 */

/* Main: the class of `def` (copied), starting now; its files are loaded
 * through `sounds` when a rate is first wanted. */
MohClass *moh_class_new(const MohClassDef *def, const SoundsApi *sounds);
MohClass *moh_class_ref(MohClass *cls);
/* Main: the last reference cancels loads in flight and frees the
 * decoded audio. */
void moh_class_unref(MohClass *cls);

const char *moh_class_get_name(const MohClass *cls);
const MohClassDef *moh_class_get_def(const MohClass *cls);
/* Any thread: the monotonic time (µs) of the timeline's zero. */
gint64 moh_class_get_start(const MohClass *cls);

/* Main: a listener's leg runs at `rate`: the rate its timeline will be at
 * (min(rate, the files' rate)), whose loading starts now if it has not. */
guint moh_class_want(MohClass *cls, guint rate);
/* Any thread: the timeline at `rate` (8000, 16000 or 48000), NULL while
 * it is not loaded (or none of the files could be). */
const MohTimeline *moh_class_get_timeline(const MohClass *cls, guint rate);

/* Main: where the class is at now_us (monotonic), on the timeline of
 * its lowest decoded rate: the file (0-based) and the seconds into it.
 * FALSE when no rate is decoded yet. */
gboolean moh_class_get_position(const MohClass *cls, gint64 now_us, guint *file, double *seconds);

/* Main: listeners, for the CLI. */
void moh_class_add_listener(MohClass *cls);
void moh_class_remove_listener(MohClass *cls);
guint moh_class_get_listeners(const MohClass *cls);

/* Main: the state of each rate for the CLI, "8000 ready, 16000 loading
 * 2/5"; "none" when nothing was loaded yet.  A new string. */
char *moh_class_dup_rates(const MohClass *cls);

/* The index of a media rate in per-rate arrays. */
static inline guint
moh_rate_index(guint rate)
{
    return rate <= 8000 ? 0 : rate <= 16000 ? 1 : 2;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MohClass, moh_class_unref)
