/* res_moh - the CLI: `moh show classes`, `moh reload`.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

gboolean moh_cli_register(PbxModule *owner, GError **error);
