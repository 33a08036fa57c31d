/* res_moh - call:moh(class, {duration=, terminator=}) in the dialplan.
 *
 * Plays a class to the caller until the duration has been played, a
 * terminator digit, or the hangup (see README.md for the results).
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

gboolean moh_method_register(PbxModule *owner, GError **error);
