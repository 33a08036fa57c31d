/* Carillon - the parking lot, for modules that show it (res_sip_blf):
 * parked calls wait in numbered slots (701-720 unless the dialplan sets
 * others with pbx.set_parking).  Changes are published as events
 * park/parked, park/retrieved, park/timeout and park/hangup (fields
 * slot, channel, caller, parker; retrieved also by).
 *
 * Thread affinity: main context (asserted).
 */
#pragma once

#include <carillon/channel.h>

G_BEGIN_DECLS

/* TRUE when number (decimal digits) is a slot of the lot. */
PBX_API gboolean pbx_parking_is_slot(const char *number);
/* The channel parked in that slot (borrowed), or NULL when empty. */
PBX_API PbxChannel *pbx_parking_get(const char *number);

G_END_DECLS
