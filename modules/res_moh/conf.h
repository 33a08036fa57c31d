/* res_moh - moh.conf: the music on hold classes.
 *
 *     [default]
 *     mode = files                        ; the only mode
 *     directory = /usr/share/asterisk/moh ; relative: to the config dir
 *     sort = alpha                        ; or random (shuffled at each load)
 *
 * Each section is a class, named after it; `[general]` is reserved for
 * settings of the module (none yet).  Every error names the file and
 * line ("moh.conf:3: [default] sort: 'up' is not alpha or random"),
 * and so does a directory that cannot be listed or holds no playable
 * file (scan.h).  A missing moh.conf means no classes.
 *
 * Thread affinity: main context (loading lists the directories).
 */
#pragma once

#include "scan.h"

typedef enum {
    MOH_SORT_ALPHA,             /* file names in C-locale order */
    MOH_SORT_RANDOM,            /* shuffled when the class is (re)loaded */
} MohSort;

/* One class as configured.  Immutable once parsed. */
typedef struct {
    char *name;
    char *directory;            /* absolute */
    MohSort sort;
    GPtrArray *files;           /* absolute paths (char *), in the order played */
    guint rate;                 /* the highest media rate its files need */
    double seconds;             /* their length, from their headers */
} MohClassDef;

typedef struct {
    GPtrArray *classes;         /* MohClassDef *, in file order */
} MohConf;

/* The classes of `cfg` (NULL: none); relative directories are taken
 * from config_dir.  NULL with a file:line error. */
MohConf *moh_conf_parse(const PbxConfig *cfg, const char *config_dir, GError **error);
/* moh.conf from the config dir (pbx_core_load_config); a missing file is
 * no classes. */
MohConf *moh_conf_load(GError **error);
void moh_conf_free(MohConf *conf);
const char *moh_sort_to_string(MohSort sort);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MohConf, moh_conf_free)
