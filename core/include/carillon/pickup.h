/* Carillon - call pickup: answering, from another phone, a call that
 * rings somewhere else (Asterisk's Pickup()/PickupChan(), `**1002` and
 * `*8` on a phone).
 *
 * A call rings at a phone while a dial (call:dial(), a transfer, a
 * parked call ringing its parker back) has a leg to it in state RINGING
 * or PROGRESS.  The picker takes the whole dial: it is answered, the
 * dial ends as answered *by the picker* (so whoever started it bridges
 * the caller with the picker exactly as with a leg that answered), and
 * the legs still ringing are hung up with ANSWERED_ELSEWHERE (chan_sip
 * CANCELs them with Reason: SIP;cause=200;text="Call completed
 * elsewhere").  The picker gets the caller's linked id (one call in the
 * CDRs) and the variable PICKUP = the picked-up leg's callee on both.
 *
 * Groups (Asterisk's callgroup/pickupgroup): a list of numbers 0-63
 * ("1", "1,3", "2-5,7"), kept on channels as the variables CALL_GROUP
 * (the groups a phone's calls ring in: set by the tech on a leg to it
 * from the endpoint's call_group) and PICKUP_GROUP (the groups a phone
 * may pick up from: set on its calls from the endpoint's pickup_group).
 * A group pickup takes the oldest ringing call whose leg's CALL_GROUP
 * meets the picker's PICKUP_GROUP; a directed pickup takes the oldest
 * call ringing at the target (a leg whose callee is the target),
 * whatever the groups.
 *
 * Thread affinity: main context (asserted), except the group parsing
 * and matching, which are pure functions.
 */
#pragma once

#include <carillon/channel.h>

G_BEGIN_DECLS

#define PBX_PICKUP_GROUP_MAX 63

#define PBX_PICKUP_ERROR (pbx_pickup_error_quark())
typedef enum {
    PBX_PICKUP_ERROR_PARSE,         /* not a group list */
    PBX_PICKUP_ERROR_NOTHING,       /* nothing rings that may be picked up */
    PBX_PICKUP_ERROR_STATE,         /* the picker cannot take a call (hung up,
                                     * answer failed) */
} PbxPickupError;
PBX_API GQuark pbx_pickup_error_quark(void);

/* "1,3-5" (spaces allowed around items) -> bits 1, 3, 4, 5.  An empty
 * or blank text is no group (0). */
PBX_API gboolean pbx_pickup_groups_parse(const char *text, guint64 *groups, GError **error);
/* "1,3-5" again (canonical: ascending, ranges of 3 or more); "" for 0. */
PBX_API char *pbx_pickup_groups_to_string(guint64 groups);
/* TRUE when the two group lists (variables' texts, NULL = none) share a
 * group; an unparsable list shares none. */
PBX_API gboolean pbx_pickup_groups_meet(const char *pickup_group, const char *call_group);

/* Picks up for `picker` (an inbound channel not answered yet, or up) the
 * oldest call ringing at `target`, or with target NULL the oldest one in
 * the picker's pickup groups.  TRUE with *caller the caller's channel
 * (borrowed; NULL for a dial without a caller), or FALSE with error
 * (NOTHING, STATE, or the answer's).  The dial's owner has been told before
 * this returns; the picker is then answered and bridged, or hung up if
 * the owner could not bridge it. */
PBX_API gboolean pbx_pickup(PbxChannel *picker, const char *target, PbxChannel **caller,
                            GError **error);

G_END_DECLS
