/* res_moh - the classes in force, by name.
 *
 * moh_classes_set() swaps in the classes of a new moh.conf (at load and
 * at each reload): every class is made anew and its timeline starts
 * again; listeners of the old ones keep them until they end.
 *
 * Thread affinity: main context.
 */
#pragma once

#include "class.h"

/* Replaces the classes with those of conf (loaded through sounds). */
void moh_classes_set(const MohConf *conf, const SoundsApi *sounds);
void moh_classes_clear(void);
/* Borrowed; NULL when there is no such class. */
MohClass *moh_classes_find(const char *name);
/* The classes in moh.conf's order (borrowed, valid until the next set;
 * NULL before the first). */
const GPtrArray *moh_classes_list(void);
/* The class a channel listens to: its variable MOH_CLASS, else
 * "default"; an unknown class falls back to "default" (a notice says
 * so).  Borrowed; NULL with error when there is no class to play. */
MohClass *moh_classes_for_channel(PbxChannel *chan, GError **error);
