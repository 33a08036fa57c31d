/* app_media - recording roots: directories other modules own, below
 * which call:record() takes absolute paths (carillon/media.h).
 *
 * Thread affinity: main context (asserted).
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/media.h>

extern const MediaApi media_api;

/* TRUE when the plain absolute `path` lies below a registered root. */
gboolean record_roots_allow(const char *path);
/* Forgets every root (unload). */
void record_roots_clear(void);
