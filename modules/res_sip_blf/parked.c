/* Carillon res_sip_blf - parking slots as BLF resources: a key watching
 * 701 is lit (a confirmed dialog whose remote is the parked caller)
 * while a call waits in slot 701, from the core's park events. */
#include "blf.h"

void
parked_on_event(const PbxEvent *ev, gpointer data)
{
    const char *type = pbx_event_get_type(ev), *slot = pbx_event_get(ev, "slot");
    g_autofree char *id = g_strconcat("park-", slot ? slot : "", NULL);
    BlfCall *c;

    if (!slot)
        return;
    c = g_hash_table_lookup(blf.channels, id);
    if (g_str_equal(type, "park/parked") && !c)
        devstate_add(slot, id, "confirmed", FALSE, pbx_event_get(ev, "caller"));
    else if ((g_str_equal(type, "park/retrieved") || g_str_equal(type, "park/hangup")) && c)
        devstate_drop(slot, c);
    else
        return;
    blf.pubsub->resource_changed("dialog", slot);
}
