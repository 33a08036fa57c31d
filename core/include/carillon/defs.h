/* Carillon - common definitions shared by the core and every module. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PBX_API marks the core functions that modules may call.  The core is
 * built with -fvisibility=hidden and linked with --export-dynamic, so only
 * these symbols are visible to modules. */
#if defined(__GNUC__)
#define PBX_API __attribute__((visibility("default")))
#else
#define PBX_API
#endif

#define PBX_VERSION "0.1.0"

G_END_DECLS
