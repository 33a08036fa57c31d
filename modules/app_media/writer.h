/* app_media - the recording writer: one thread of the module that owns
 * the recordings' files, so that disk I/O never runs on the main context
 * nor on a media thread.
 *
 * A file is created under a temporary name in its final directory
 * (".NAME.XXXXXX", mode 0640; missing directories are made, 0750), fed
 * from its ring every RECORD_DRAIN_MS while it records, and when it is
 * finished, renamed to its final name if kept, deleted if not: a crash
 * leaves at most a temporary file, never a half-written one under the
 * final name (an existing file of that name is replaced whole, at the
 * rename).  No fsync: the scheme guards against the daemon crashing, not
 * against the machine losing power (then a file renamed moments before
 * may come back empty), so that one slow disk flush cannot hold up every
 * other recording.
 *
 * Audio the ring had to drop (the writer fell RECORD_RING_SECONDS
 * behind) is written as silence where the writer notices it, so that
 * the recording keeps its length.
 *
 * Thread affinity: everything here on the main context; the callbacks
 * run there too, from a main-loop source, never inside the call that
 * asked.  Between a request and its callback the writer owns the file.
 */
#pragma once

#include <glib.h>

#include "ring.h"

#define RECORD_DRAIN_MS 100

typedef struct _RecFile RecFile;
/* error: NULL on success. */
typedef void (*RecFileFunc)(RecFile *file, const GError *error, gpointer data);

gboolean rec_writer_start(GError **error);
/* Every file must have been finished (or have failed to open) first. */
void rec_writer_stop(void);

/* Creates the temporary file for `path` (absolute) in libsndfile's
 * `sf_format` at `rate`, then drains `ring` (which must outlive the
 * file) into it; `opened` reports how it went.  A file that failed to
 * open is done: free it. */
RecFile *rec_file_open(const char *path, int sf_format, guint rate, RecRing *ring,
                       RecFileFunc opened, gpointer data);
/* The ring's producer has let go: writes what is left, drops `trim`
 * samples from the end (where the format allows: PCM, not GSM), closes
 * the file and renames it into place (keep) or deletes it; then
 * `finished`. */
void rec_file_finish(RecFile *file, gboolean keep, guint64 trim, RecFileFunc finished,
                     gpointer data);
/* Samples in the file (once finished). */
guint64 rec_file_get_frames(const RecFile *file);
/* The temporary file's path once opened (tests). */
const char *rec_file_get_temp_path(const RecFile *file);
void rec_file_free(RecFile *file);
