/* Carillon - call pickup (carillon/pickup.h): finds the oldest dial with
 * a leg ringing at the target or in the picker's groups and ends it as
 * answered by the picker.
 *
 * Thread affinity: main context (asserted).
 */
#include <string.h>

#include <carillon/pickup.h>

#include "calls_private.h"

typedef struct {
    PbxChannel *picker;
    const char *target;         /* directed: a callee; NULL: by group */
} Want;

static gboolean
leg_matches(PbxChannel *leg, gpointer data)
{
    const Want *w = data;

    if (leg == w->picker || pbx_channel_get_direction(leg) != PBX_CHANNEL_OUTBOUND)
        return FALSE;
    if (w->target)
        return g_strcmp0(pbx_channel_get_callee(leg), w->target) == 0;
    return pbx_pickup_groups_meet(pbx_channel_get_var(w->picker, "PICKUP_GROUP"),
                                  pbx_channel_get_var(leg, "CALL_GROUP"));
}

/* The picker joins the call: its CDR links to the caller's, both say
 * what was picked up. */
static void
mark(PbxChannel *picker, PbxChannel *caller, PbxChannel *leg)
{
    const char *callee = pbx_channel_get_callee(leg);

    pbx_channel_set_var(picker, "PICKUP", callee);
    if (!caller)
        return;
    pbx_channel_set_linked_id(picker, pbx_channel_get_linked_id(caller));
    pbx_channel_set_var(caller, "PICKUP", callee);
}

static void
publish(PbxChannel *picker, PbxChannel *caller, PbxChannel *leg)
{
    PbxEvent *ev = pbx_event_new("pickup/picked");

    pbx_event_set(ev, "channel", pbx_channel_get_name(picker));
    pbx_event_set(ev, "leg", pbx_channel_get_name(leg));
    pbx_event_set(ev, "callee", pbx_channel_get_callee(leg));
    if (caller)
        pbx_event_set(ev, "caller", pbx_channel_get_name(caller));
    pbx_event_publish(ev);
}

gboolean
pbx_pickup(PbxChannel *picker, const char *target, PbxChannel **caller, GError **error)
{
    Want w = { picker, target };
    PbxChannel *leg = NULL;
    PbxDial *dial;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(picker != NULL, FALSE);
    if (pbx_channel_get_state(picker) == PBX_CHANNEL_HANGUP) {
        g_set_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_STATE, "%s has hung up",
                    pbx_channel_get_name(picker));
        return FALSE;
    }
    dial = pbx_dial_find_ringing(leg_matches, &w, &leg);
    if (!dial) {
        g_set_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_NOTHING, "no call rings %s%s",
                    target ? "at " : "in the pickup groups of ",
                    target ? target : pbx_channel_get_name(picker));
        return FALSE;
    }
    if (pbx_channel_get_state(picker) != PBX_CHANNEL_UP &&
        !pbx_channel_answer(picker, error))
        return FALSE;
    *caller = pbx_dial_get_caller(dial);
    pbx_info(pbx_log_domain("channel"), "%s picks up %s (ringing %s)",
             pbx_channel_get_name(picker), *caller ? pbx_channel_get_name(*caller) : "a call",
             pbx_channel_get_name(leg));
    mark(picker, *caller, leg);
    publish(picker, *caller, leg);
    pbx_dial_take(dial, picker);
    return TRUE;
}
