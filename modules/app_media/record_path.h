/* app_media - where call:record(path) writes.
 *
 * A relative path is taken under the recordings directory (app_media.conf
 * recordings_dir, by default var_dir/recordings) and may name
 * subdirectories ("voicemail/1001/msg0001.wav"), which the writer
 * creates.  It may not leave that directory: a ".." component is refused.
 * An absolute path is refused too unless the administrator allowed them
 * (allow_absolute_paths); even then it must be plain (no "..").  The file
 * name itself must not start with "." (the writer's temporary files do)
 * and must not be empty (a path ending in "/").
 *
 * Thread affinity: none (pure functions).
 */
#pragma once

#include <glib.h>

#define RECORD_PATH_MAX 1024

/* NULL when `path` (len bytes, as Lua gives it) is acceptable, else why
 * not ("it leaves the recordings directory (..)"), a static string. */
const char *record_path_problem(const char *path, gsize len, gboolean allow_absolute);
/* The absolute path of an acceptable `path`. */
char *record_path_resolve(const char *path, const char *recordings_dir);
