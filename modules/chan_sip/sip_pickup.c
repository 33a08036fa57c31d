/* Carillon chan_sip - what pickup (carillon/pickup.h) needs of a SIP leg:
 * the endpoint's call_group and pickup_group as the channel variables
 * CALL_GROUP and PICKUP_GROUP.
 *
 * Thread affinity: main context.
 */
#include "sip_channel.h"

void
sip_channel_set_groups(PbxChannel *chan, const SipEndpoint *ep)
{
    if (ep->call_group && *ep->call_group)
        pbx_channel_set_var(chan, "CALL_GROUP", ep->call_group);
    if (ep->pickup_group && *ep->pickup_group)
        pbx_channel_set_var(chan, "PICKUP_GROUP", ep->pickup_group);
}
