/* app_media - app_media.conf (optional), section [general]:
 *
 *   recordings_dir        where relative call:record() paths go; relative
 *                         to var_dir (default: var_dir/recordings)
 *   allow_absolute_paths  call:record("/abs/path") allowed (default no)
 *   tones                 the plan of call:tone(): us or eu (default us)
 *   silence_threshold     dBm0: a 20 ms tick whose RMS level is below it
 *                         counts as silence for call:record{silence=}
 *                         (default -40, from -90 to -1)
 *
 * A reload builds a new config and swaps it in only when it is valid;
 * methods already running keep what they started with.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

#include "tones.h"

typedef struct {
    char *recordings_dir;           /* absolute */
    gboolean allow_absolute_paths;
    const TonePlan *tones;
    gint silence_threshold;         /* dBm0 */
} MediaConf;

/* Reads app_media.conf from the config directory; a missing file gives
 * the defaults. */
gboolean media_conf_load(MediaConf *conf, GError **error);
/* The same from a loaded file (NULL: the defaults). */
gboolean media_conf_apply(const PbxConfig *cfg, MediaConf *conf, GError **error);
void media_conf_clear(MediaConf *conf);

/* The config in force; media_conf_set takes *conf over (and empties it). */
const MediaConf *media_conf_get(void);
void media_conf_set(MediaConf *conf);
