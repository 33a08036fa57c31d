/* res_moh - a class's files as one looped timeline at one rate.
 *
 * A timeline is the class's sounds (PbxSound, decoded by res_sounds at
 * one rate) end to end: file 0 from sample 0, file 1 from where file 0
 * ends, ..., and after the last file the first again.  Positions are
 * sample counts at the timeline's rate.  A timeline is built whole on the
 * main context and never changes afterwards, so any number of media
 * threads read it at once without a lock; each reader keeps its own
 * cursor (where it is), which is the only state that moves.
 *
 * Thread affinity: moh_timeline_new and moh_timeline_free on the main
 * context; everything else on any thread (the media path: no allocation,
 * lock or log).
 */
#pragma once

#include <carillon/sounds.h>

typedef struct {
    guint rate;                 /* 8000, 16000 or 48000 */
    guint n_files;              /* at least 1 */
    guint64 total;              /* samples of all files: one turn of the loop */
    PbxSound **sounds;          /* a reference each */
    guint64 *starts;            /* where each file begins (starts[0] == 0) */
} MohTimeline;

/* Where a reader is: a file and a sample in it. */
typedef struct {
    guint file;
    gsize offset;
} MohCursor;

/* Main: the n sounds (all at one rate, none empty) in order; takes a
 * reference to each.  n must be at least 1. */
MohTimeline *moh_timeline_new(PbxSound *const *sounds, guint n);
/* Main: drops the sounds' references.  NULL ok. */
void moh_timeline_free(MohTimeline *tl);

/* Samples at `rate` in `elapsed_us` microseconds (rounded down), exact
 * for any elapsed time up to centuries. */
guint64 moh_samples_for_us(guint rate, gint64 elapsed_us);
/* The cursor at absolute position `pos` (any value: taken modulo the
 * total), by binary search over the file starts. */
void moh_timeline_seek(const MohTimeline *tl, guint64 pos, MohCursor *cursor);
/* Copies n samples from the cursor on, across file boundaries and round
 * the loop, and moves the cursor past them. */
void moh_timeline_copy(const MohTimeline *tl, MohCursor *cursor, gint16 *out, gsize n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MohTimeline, moh_timeline_free)
