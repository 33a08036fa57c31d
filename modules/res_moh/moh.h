/* res_moh - what the module's parts ask of the module itself.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

/* Reads moh.conf again and swaps the new classes in (listeners keep
 * theirs); on error (file:line) the old classes stay. */
gboolean moh_reload(GError **error);
