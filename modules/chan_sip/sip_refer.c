/* Carillon - chan_sip: REFER in a call's dialog (RFC 3515), blind or
 * attended (an embedded Replaces, RFC 3891), with Referred-By (RFC 3892)
 * and norefersub (RFC 4488).
 *
 * The REFER goes to the core (pbx_channel_refer, the dialplan's
 * on_refer): 202 Accepted when it takes the transfer, else the status it
 * gives.  An accepted REFER has an implicit subscription in the call's
 * dialog: a NOTIFY "100 Trying" at once, then one per progress the core
 * reports (180, and the final status), each with a message/sipfrag
 * body, the last one terminating the subscription.  With Refer-Sub:
 * false the 202 says Refer-Sub: false and no NOTIFY is sent.  A REFER
 * outside a dialog (nothing to transfer) gets 403 from
 * sip_refer_out_of_dialog(); one naming a dialog we do not know, 481
 * from res_sip.
 *
 * Thread affinity: main context.
 */
#include <string.h>

#include <carillon/sip/refer.h>

#include "sip_channel.h"

/* The implicit subscription of one accepted REFER. */
typedef struct {
    SipCall *call;              /* a reference */
    guint32 id;                 /* the REFER's CSeq: Event: refer;id= */
    gboolean quiet;             /* Refer-Sub: false */
    gboolean terminated;
} ReferSub;

static void
refer_sub_free(gpointer data)
{
    ReferSub *sub = data;

    sip_call_unref(sub->call);
    g_free(sub);
}

/* One NOTIFY of the subscription: status as a sipfrag. */
static void
send_notify(ReferSub *sub, guint status)
{
    g_autofree char *frag = sip_sipfrag_new(status, NULL);
    g_autofree char *hdrs = NULL;
    gboolean final = status >= 200;
    SipRequest r = { .method = "NOTIFY", .content_type = "message/sipfrag;version=2.0",
                     .body = frag, .body_len = strlen(frag) };

    hdrs = g_strdup_printf("Event: refer;id=%u\r\nSubscription-State: %s\r\n", sub->id,
                           final ? "terminated;reason=noresource" : "active;expires=60");
    r.headers = hdrs;
    sip_call_send_request(sub->call, &r, NULL, NULL, NULL);
}

static void
refer_progress(PbxChannel *chan, guint status, gpointer data)
{
    ReferSub *sub = data;

    if (sub->terminated || sub->quiet || sub->call->ended)
        return;
    sub->terminated = status >= 200;
    send_notify(sub, status);
}

static void
respond_status(SipServerTx *tx, guint code, const char *reason, const char *headers)
{
    SipResponse r = { .code = code, .reason = reason, .headers = headers };

    sip->respond(tx, &r);
}

static char *
referred_by(const SipMsg *req)
{
    const SipHeader *h = sip_msg_get_header(req, SIP_HDR_REFERRED_BY, 0);

    return h ? sip_referred_by_uri(h->value) : NULL;
}

/* Asks the core; 202 and the first NOTIFY when it takes the transfer. */
static void
ask_core(SipCall *call, SipServerTx *tx, const SipMsg *req, const SipReferTo *to,
         PbxChannel *replaced)
{
    g_autofree char *by = referred_by(req);
    ReferSub *sub = g_new0(ReferSub, 1);
    PbxRefer refer = { .target = to->user ? to->user : to->uri, .target_uri = to->uri,
                       .referred_by = by, .replaces = replaced, .progress = refer_progress,
                       .data = sub, .destroy = refer_sub_free };
    guint status;

    sub->call = sip_call_ref(call);
    sub->id = req->cseq.number;
    sub->quiet = sip_msg_refer_sub_false(req);
    sip_call_ref(call);                 /* the handler may end the call */
    status = pbx_channel_refer(call->chan, &refer);
    if (status == 202) {
        respond_status(tx, 202, NULL, sub->quiet ? "Refer-Sub: false\r\n" : NULL);
        if (!sub->quiet && !call->ended)
            send_notify(sub, 100);
    } else {
        respond_status(tx, status >= 300 && status <= 699 ? status : 603, NULL, NULL);
    }
    sip_call_unref(call);
}

void
sip_refer_on_request(SipCall *call, SipServerTx *tx, const SipMsg *req)
{
    g_autoptr(GError) error = NULL;
    SipReferTo to;
    PbxChannel *replaced = NULL;

    if (!call->answered || !call->chan) {
        respond_status(tx, 403, "Call Not Established", NULL);
        return;
    }
    if (!sip_msg_get_refer_to(req, &to, &error)) {
        pbx_notice(sip_log, "REFER in %s refused: %s", call->dialog->call_id, error->message);
        respond_status(tx, 400, "Bad Refer-To", NULL);
        return;
    }
    if (to.replaces && !(replaced = sip_replaces_find(&to.rep))) {
        respond_status(tx, 403, "Replaced Call Not Found", NULL);
    } else if (replaced == call->chan) {
        respond_status(tx, 403, "Cannot Replace Own Call", NULL);
    } else {
        ask_core(call, tx, req, &to, replaced);
    }
    sip_refer_to_clear(&to);
}

/* A REFER outside any dialog: there is no call of the referrer to
 * transfer, and we take no REFER that would start one (RFC 3515 allows
 * refusing it). */
gboolean
sip_refer_out_of_dialog(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                        gpointer data)
{
    if (sip_slice_present(req->to.tag))
        return FALSE;                   /* an unknown dialog: res_sip's 481 */
    respond_status(tx, 403, "REFER Outside A Dialog Not Supported", NULL);
    return TRUE;
}
