/* app_media - validating and resolving recording paths (see
 * record_path.h). */
#include <string.h>

#include "record_path.h"

/* The first component of path that is "..", or a file name that is
 * hidden or empty: what a plain path may not hold. */
static const char *
component_problem(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    guint n = g_strv_length(parts);

    for (guint i = 0; i < n; i++)
        if (strcmp(parts[i], "..") == 0)
            return "it leaves the recordings directory (..)";
    if (n == 0 || parts[n - 1][0] == '\0')
        return "it names a directory, not a file";
    if (parts[n - 1][0] == '.')
        return "the file name starts with '.'";
    return NULL;
}

const char *
record_path_problem(const char *path, gsize len, gboolean allow_absolute)
{
    if (len == 0)
        return "the path is empty";
    if (strlen(path) != len)
        return "the path holds a NUL byte";
    if (len > RECORD_PATH_MAX)
        return "the path is too long (1024 bytes at most)";
    if (!g_utf8_validate(path, (gssize) len, NULL))
        return "the path is not UTF-8";
    for (gsize i = 0; i < len; i++)
        if ((guchar) path[i] < 0x20 || path[i] == 0x7f)
            return "the path holds a control character";
    if (g_path_is_absolute(path) && !allow_absolute)
        return "absolute paths are not allowed (app_media.conf allow_absolute_paths)";
    return component_problem(path);
}

char *
record_path_resolve(const char *path, const char *recordings_dir)
{
    if (g_path_is_absolute(path))
        return g_canonicalize_filename(path, NULL);
    return g_canonicalize_filename(path, recordings_dir);
}
