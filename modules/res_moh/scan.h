/* res_moh - the files of a class's directory.
 *
 * A directory of `mode = files` is listed once per load or reload: its
 * regular files not starting with '.', in name order (C locale), each
 * opened with libsndfile to read its header; a file it cannot read (raw
 * .ulaw, .alaw, .g722 without a header) is skipped.  A piece is kept
 * once, by its name without extension: Asterisk's packages hold it in
 * several formats (x.wav, x.gsm, x.ulaw), and the best that libsndfile
 * reads plays: a file with a header before a raw one (libsndfile reads
 * a raw .gsm by its extension), then the highest rate, then name order.
 * The header's sample rate says which media rate the class needs at most
 * (a class of 8 kHz files is never decoded at 16 or 48 kHz: that would
 * only cost memory).
 *
 * Thread affinity: main context.  It reads the disk, as reading moh.conf
 * does: a directory listing and a header per file, at load and reload
 * only, bounded by MOH_MAX_ENTRIES names and MOH_MAX_FILES files.
 */
#pragma once

#include <carillon/carillon.h>

#define MOH_MAX_ENTRIES 10000   /* names read from a directory */
#define MOH_MAX_FILES 1000      /* files kept in a class */

typedef struct {
    GPtrArray *files;           /* absolute paths (char *), name order */
    GPtrArray *skipped;         /* names libsndfile could not read (char *) */
    guint rate;                 /* 8000, 16000 or 48000: covers the files' rates */
    double seconds;             /* the files' length, from their headers */
} MohScan;

/* The playable files of `dir` (an absolute path).  FALSE with error
 * (PBX_CONFIG_ERROR_VALUE, the message naming the directory) when it
 * cannot be listed, holds more than the bounds, or nothing playable. */
gboolean moh_scan_directory(const char *dir, MohScan *scan, GError **error);
void moh_scan_clear(MohScan *scan);
/* The media rate (8000, 16000, 48000) a file of `rate` Hz needs. */
guint moh_media_rate_for(guint rate);
