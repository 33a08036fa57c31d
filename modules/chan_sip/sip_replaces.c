/* Carillon - chan_sip: the calls a Replaces names (RFC 3891).
 *
 * A Replaces names a dialog by Call-ID and the tags as its recipient
 * (us) sees them: to-tag ours, from-tag the peer's.  It comes embedded in
 * a REFER's Refer-To (attended transfer, sip_refer.c) or as a header of
 * an out-of-dialog INVITE: the new caller takes over an established call
 * (a phone that transfers that way, a pickup).  The INVITE's checks:
 * one Replaces that parses (else 400), a dialog of a live, answered call
 * of ours (else 481), early-only refused on an answered call (486).  The
 * new channel then carries the replaced one (pbx_channel_set_replaces)
 * and the dialplan joins it to that call's other party.
 *
 * Thread affinity: main context.
 */
#include <string.h>

#include "sip_channel.h"

/* The SIP channel whose registered dialog is d, or NULL (d may be a
 * subscription's, or another module's). */
static PbxChannel *
channel_of_dialog(const SipDialog *d)
{
    g_autoptr(GPtrArray) chans = pbx_channel_list();

    for (guint i = 0; i < chans->len; i++) {
        PbxChannel *chan = chans->pdata[i];
        SipCall *call = pbx_channel_get_tech(chan) == &sip_channel_tech
                            ? pbx_channel_get_tech_pvt(chan) : NULL;

        if (call && !call->ended && call->dialog == d)
            return chan;        /* the live table still holds it */
    }
    return NULL;
}

PbxChannel *
sip_replaces_find(const SipReplaces *rep)
{
    g_autofree char *call_id = g_strndup(rep->call_id.p, rep->call_id.len);
    g_autofree char *local = g_strndup(rep->to_tag.p, rep->to_tag.len);
    g_autofree char *remote = g_strndup(rep->from_tag.p, rep->from_tag.len);
    SipDialog *d = sip->dialog_find(call_id, local, remote);

    PBX_ASSERT_MAIN_CONTEXT();
    return d ? channel_of_dialog(d) : NULL;
}

static void
refuse(SipServerTx *tx, guint code, const char *reason)
{
    SipResponse r = { .code = code, .reason = reason };

    sip->respond(tx, &r);
}

gboolean
sip_replaces_check(SipServerTx *tx, const SipMsg *req, PbxChannel **replaced)
{
    const SipHeader *h = sip_msg_get_header(req, SIP_HDR_REPLACES, 0);
    SipReplaces rep;
    PbxChannel *chan;

    *replaced = NULL;
    if (!h)
        return TRUE;
    if (sip_msg_count_headers(req, SIP_HDR_REPLACES) > 1 || !sip_parse_replaces(h->value, &rep)) {
        refuse(tx, 400, "Bad Replaces");
        return FALSE;
    }
    chan = sip_replaces_find(&rep);
    if (!chan || pbx_channel_get_state(chan) != PBX_CHANNEL_UP) {
        refuse(tx, 481, "Replaced Call Does Not Exist");
        return FALSE;
    }
    if (rep.early_only) {
        refuse(tx, 486, "Replaced Call Already Answered");
        return FALSE;
    }
    *replaced = chan;
    return TRUE;
}
