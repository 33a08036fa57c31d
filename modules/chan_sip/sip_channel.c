/* Carillon - chan_sip channel technology: the tech, the INVITE handler,
 * the requests of a call's dialog and what inbound and outbound legs
 * share (see sip_channel.h).
 *
 * In-dialog requests: each leg's dialog is registered with res_sip, which
 * hands every request matching it (Call-ID, To tag = local tag, From tag
 * = remote tag) to on_dialog_request() once its CSeq is in order: BYE,
 * ACK, re-INVITE, UPDATE, PRACK and INFO (DTMF, sip_dtmf.c) are handled here; res_sip answers the
 * other methods with 405, and, once the call is over and its dialog
 * unregistered, every request with 481.
 *
 * Where in-dialog requests go is the dialog layer's business (res_sip,
 * carillon/sip/dialog.h): the first Record-Route when the dialog has a
 * route set, else the address the initial INVITE was exchanged with (the
 * INVITE's source for inbound legs, the registered contact's address for
 * outbound ones), not the Contact URI, as phones behind NAT need.  A leg
 * dialed as a sip: URI has no registration to go by and follows RFC 3261
 * 12.2.1.1 (dialog->follow_target): its requests go to the Contact of the
 * 2xx.
 */
#include <string.h>
#include "sip_channel.h"

/* ------------------------------------------------------------------ */
/* Calls                                                               */
/* ------------------------------------------------------------------ */

SipCall *
sip_call_new(gboolean outbound)
{
    SipCall *call = g_new0(SipCall, 1);

    call->refs = 1;
    call->outbound = outbound;
    call->local_dir = SDP_DIR_SENDRECV;
    call->remote_dir = SDP_DIR_SENDRECV;
    call->max_forwards = 70;
    call->forks = g_ptr_array_new();
    sip_se_init(call);
    sip_channel_in_init(call);
    sip_channel_out_init(call);
    return call;
}

static void
stop_timers(SipCall *call)
{
    pbx_timer_stop(&call->retx_timer);
    pbx_timer_stop(&call->rel_timer);
    pbx_timer_stop(&call->timeout_timer);
    sip_se_stop(call);
    sip_dtmf_clear(call);
}

SipCall *
sip_call_ref(SipCall *call)
{
    call->refs++;
    return call;
}

void
sip_call_unref(SipCall *call)
{
    if (!call || --call->refs > 0)
        return;
    g_assert(call->chan == NULL);
    stop_timers(call);
    if (call->rtp)
        rtp->session_free(call->rtp);
    sip->dialog_free(call->dialog);
    if (call->endpoint)
        sip->endpoint_unref(call->endpoint);
    if (call->invite_tx)
        sip->server_tx_unref(call->invite_tx);
    if (call->remote_sdp)
        sdp_session_free(call->remote_sdp);
    g_ptr_array_unref(call->forks);
    g_strfreev(call->codecs);
    g_strfreev(call->prefer);
    g_free(call->codec_fmtp);
    g_free(call->remote_media_ip);
    sip_srtp_free(call);
    g_free(call->local_sdp);
    g_free(call->caller_number);
    g_free(call->caller_name);
    g_free(call->callee);
    g_free(call->contact);
    g_clear_object(&call->resolving);
    g_free(call);
}

void
sip_call_end(SipCall *call)
{
    PbxChannel *chan = call->chan;

    if (call->ended)
        return;
    call->ended = TRUE;
    if (call->dialog) {
        sip->dialog_unregister(call->dialog);
        sip->dialog_set_state(call->dialog, SIP_DIALOG_TERMINATED);
    }
    stop_timers(call);
    if (call->resolving)
        g_cancellable_cancel(call->resolving);
    if (call->peer && call->peer->peer == call)
        call->peer->peer = NULL;
    call->peer = NULL;
    sip_media_save_stats(call);
    if (call->rtp) {
        rtp->session_free(call->rtp);
        call->rtp = NULL;
    }
    if (call->invite_tx) {
        sip->server_tx_set_notify(call->invite_tx, NULL, NULL);
        g_clear_pointer(&call->invite_tx, sip->server_tx_unref);
    }
    call->chan = NULL;
    if (chan)
        pbx_channel_unref(chan);     /* the channel's pvt ref goes in destroy */
}

void
sip_call_set_local(SipCall *call, SipTransport transport, const char *ip)
{
    call->transport = sip_transport_usable(transport);
    if (!sip->local_address(call->transport, ip, call->local_host, sizeof(call->local_host),
                            &call->local_port)) {
        g_strlcpy(call->local_host, "127.0.0.1", sizeof(call->local_host));
        call->local_port = 5060;
    }
    g_free(call->contact);
    call->contact = sip->contact_for(call->transport, ip);
}

void
sip_call_append_contact(const SipCall *call, GString *out)
{
    g_string_append(out, "Contact: ");
    g_string_append(out, call->contact ? call->contact : "<sip:carillon@127.0.0.1>");
    g_string_append(out, "\r\n");
}

static gboolean on_dialog_request(SipDialog *d, SipServerTx *tx, const SipMsg *req,
                                  const SipPeerInfo *peer, gpointer data);

/* The dialog's Contact is the call's: our address towards the far end
 * (a UAS dialog comes with it, a UAC one gets it when its fork is made). */
void
sip_call_take_dialog(SipCall *call, SipDialog *dialog)
{
    call->dialog = dialog;
    dialog->owner = call;
    sip->dialog_register(chan_sip.module, dialog, on_dialog_request, call);
}

SipClientTx *
sip_call_send_request(SipCall *call, const SipRequest *request, SipResponseFunc fn,
                      gpointer data, GDestroyNotify destroy)
{
    g_autoptr(GError) error = NULL;
    SipClientTx *tx = NULL;

    if (call->dialog)
        tx = sip->dialog_send(chan_sip.module, call->dialog, request, fn, data, destroy, &error);
    if (!tx) {
        pbx_warning(sip_log, "cannot send %s (Call-ID %s): %s", request->method,
                    call->dialog ? call->dialog->call_id : "-",
                    error ? error->message : "no dialog");
        if (destroy)
            destroy(data);
    }
    return tx;
}

SipClientTx *
sip_call_send_in_dialog(SipCall *call, const char *method, const char *headers,
                        const char *sdp, SipResponseFunc fn, gpointer data,
                        GDestroyNotify destroy)
{
    SipRequest r = { .method = method, .headers = headers };

    if (sdp) {
        r.content_type = "application/sdp";
        r.body = sdp;
        r.body_len = strlen(sdp);
    }
    return sip_call_send_request(call, &r, fn, data, destroy);
}

void
sip_channel_send_bye(SipCall *call)
{
    sip_call_send_in_dialog(call, "BYE", NULL, NULL, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* In-dialog requests                                                  */
/* ------------------------------------------------------------------ */

/* BYE (15.1.2): 200, then the channel hangs up with NORMAL_CLEARING. */
static void
on_bye(SipCall *call, SipServerTx *tx)
{
    SipResponse ok = { .code = 200 };
    PbxChannel *chan;

    sip->respond(tx, &ok);
    chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
    if (call->invite_tx) {
        /* BYE before our final response: 487 the INVITE (15.1.2) */
        SipResponse r = { .code = 487 };
        sip->respond(call->invite_tx, &r);
    }
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_NORMAL_CLEARING);
        pbx_channel_unref(chan);
    }
}

/* The far end gave up on the session (RFC 4028 10): hang up. */
static void
session_gone(SipCall *call, guint code)
{
    PbxChannel *chan = call->chan ? pbx_channel_ref(call->chan) : NULL;

    pbx_notice(sip_log, "re-INVITE of %s got %u: hanging up", call->dialog->call_id, code);
    if (code == 408)
        sip_channel_send_bye(call);
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE);
        pbx_channel_unref(chan);
    }
}

/* Our re-INVITE (hold passthrough, session refresh): ACK its 2xx. */
static void
reinvite_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    SipCall *call = data;
    SipRequest ack = { 0 };
    SipSlice body;

    if (code < 200)
        return;
    call->reinvite_pending = FALSE;
    if (call->ended || !call->dialog)
        return;
    if (code == 408 || code == 481) {
        session_gone(call, code);
        return;
    }
    if (code >= 300 || !resp)
        return;
    if (sip_msg_find_body(resp, "application", "sdp", &body) && body.len)
        sip_media_take_answer(call, body.p, body.len, NULL);
    sip->dialog_refresh_target(call->dialog, resp);
    ack.cseq = resp->cseq.number;
    sip->dialog_send_ack(call->dialog, &ack, NULL, NULL);
    sip_se_on_uac_2xx(call, resp);
}

/* A re-INVITE offering sdp, with our session timer headers. */
static gboolean
send_reinvite(SipCall *call, const char *sdp)
{
    g_autoptr(GString) hdrs = g_string_new(NULL);

    sip_se_append_request(call, hdrs);
    call->reinvite_pending = TRUE;
    if (!sip_call_send_in_dialog(call, "INVITE", hdrs->str, sdp, reinvite_response,
                                 sip_call_ref(call), (GDestroyNotify) sip_call_unref)) {
        call->reinvite_pending = FALSE;
        return FALSE;
    }
    return TRUE;
}

/* Session refresh (RFC 4028 7.4): a re-INVITE with the SDP we last sent.
 * FALSE when one of ours is already in progress or the leg is over. */
gboolean
sip_call_refresh_session(SipCall *call)
{
    if (call->ended || !call->answered || call->reinvite_pending)
        return FALSE;
    return send_reinvite(call, call->local_sdp);
}

/* Offers `dir` to the far end of call with a re-INVITE (hold: sendonly,
 * resume: sendrecv).  FALSE when the leg is not answered, a re-INVITE
 * of ours is pending, or nothing changes. */
static gboolean
set_local_direction(SipCall *call, SdpDirection dir)
{
    g_autofree char *offer = NULL;

    if (call->ended || !call->answered || call->reinvite_pending || call->local_dir == dir)
        return FALSE;
    call->local_dir = dir;
    offer = sip_media_offer(call);
    return send_reinvite(call, offer);
}

/* Tells the core the far end held or resumed; TRUE when the core took
 * care of the other leg (music on hold). */
static gboolean
report_hold(SipCall *call)
{
    return call->chan && pbx_channel_hold(call->chan, call->remote_dir != SDP_DIR_SENDRECV);
}

/* Hold / resume on one leg becomes a re-INVITE on the bridged one with
 * the matching direction: the holding side sends sendonly (or
 * inactive), so we offer sendonly (inactive) to the other side. */
static void
pass_direction(SipCall *call)
{
    SdpDirection want;

    if (!call->peer)
        return;
    switch (call->remote_dir) {
    case SDP_DIR_SENDONLY:
        want = SDP_DIR_SENDONLY;
        break;
    case SDP_DIR_INACTIVE:
    case SDP_DIR_RECVONLY:
        want = SDP_DIR_INACTIVE;
        break;
    default:
        want = SDP_DIR_SENDRECV;
        break;
    }
    set_local_direction(call->peer, want);
}

static void
respond_code(SipServerTx *tx, guint code)
{
    SipResponse r = { .code = code };

    sip->respond(tx, &r);
}

/* Our answer to a re-INVITE or UPDATE: the SDP answering its offer, or
 * (no offer) the SDP we last sent; NULL when the offer is unusable. */
static char *
refresh_answer(SipCall *call, const SipMsg *req)
{
    SipSlice body;
    g_autoptr(GError) error = NULL;

    if (!sip_msg_find_body(req, "application", "sdp", &body) || !body.len)
        return g_strdup(call->local_sdp ? call->local_sdp : "");
    /* our side's direction follows the offer (hold: recvonly) */
    return sip_media_answer(call, body.p, body.len, &error);
}

/* A re-INVITE or UPDATE: a new offer (or none: we offer), answered with
 * our SDP; a direction change is passed to the bridged leg. */
static void
on_session_refresh(SipServerTx *tx, const SipMsg *req, SipCall *call)
{
    g_autofree char *sdp = NULL;
    g_autoptr(GString) hdrs = g_string_new(NULL);
    SdpDirection before = call->remote_dir;
    SipResponse r = { .code = 200 };

    if (req->method == SIP_METHOD_INVITE && call->reinvite_pending) {
        respond_code(tx, 491);              /* glare, 14.1 */
        return;
    }
    if (!sip_se_on_request(call, tx, req))
        return;                             /* 422 */
    sip->dialog_refresh_target(call->dialog, req);
    sdp = refresh_answer(call, req);
    if (!sdp) {
        respond_code(tx, 488);
        return;
    }
    sip_call_append_contact(call, hdrs);
    sip_se_append_response(call, hdrs);
    r.headers = hdrs->str;
    if (*sdp) {
        r.content_type = "application/sdp";
        r.body = sdp;
        r.body_len = strlen(sdp);
    }
    sip->respond(tx, &r);
    sip_se_start(call);                     /* the refresh restarts the timer */
    if (call->remote_dir != before && !report_hold(call))
        pass_direction(call);
}

/* Every request of a leg's dialog, its CSeq checked by res_sip; ACK with
 * tx NULL.  What is not taken here gets res_sip's answer. */
static gboolean
on_dialog_request(SipDialog *d, SipServerTx *tx, const SipMsg *req,
                  const SipPeerInfo *peer, gpointer data)
{
    SipCall *call = data;

    if (call->ended)
        return FALSE;                       /* 481 */
    switch (req->method) {
    case SIP_METHOD_ACK:
        sip_channel_on_ack(call, req);
        return TRUE;
    case SIP_METHOD_BYE:
        on_bye(call, tx);
        return TRUE;
    case SIP_METHOD_INVITE:
    case SIP_METHOD_UPDATE:
        on_session_refresh(tx, req, call);
        return TRUE;
    case SIP_METHOD_PRACK:
        sip_channel_on_prack(call, tx, req);
        return TRUE;
    case SIP_METHOD_INFO:
        sip_dtmf_on_info(call, tx, req);
        return TRUE;
    case SIP_METHOD_REFER:
        sip_refer_on_request(call, tx, req);
        return TRUE;
    default:
        return FALSE;
    }
}

/* A new INVITE; one with a To tag whose dialog is not ours (or gone)
 * is left to res_sip (481). */
static gboolean
on_invite(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    if (sip_slice_present(req->to.tag))
        return FALSE;
    return sip_channel_on_invite(tx, req, peer);
}

/* ------------------------------------------------------------------ */
/* The tech                                                            */
/* ------------------------------------------------------------------ */

static gboolean
tech_answer(PbxChannel *chan, GError **error)
{
    return sip_channel_in_answer(chan, error);
}

static void
tech_hangup(PbxChannel *chan, PbxCause cause)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->ended)
        return;
    if (call->outbound) {
        sip_channel_out_hangup(call, cause);
    } else if (call->answered) {
        sip_channel_send_bye(call);
        sip_call_end(call);
    } else {
        sip_channel_in_hangup(call, cause);
    }
}

static gboolean
tech_indicate(PbxChannel *chan, PbxIndication what)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    switch (what) {
    case PBX_INDICATE_HOLD:
        return call && set_local_direction(call, SDP_DIR_SENDONLY);
    case PBX_INDICATE_UNHOLD:
        return call && set_local_direction(call, SDP_DIR_SENDRECV);
    case PBX_INDICATE_RINGING:
        return sip_channel_in_ring(chan);
    case PBX_INDICATE_PROGRESS:
        return sip_channel_in_progress(chan);
    default:
        return FALSE;
    }
}

static void
tech_destroy(PbxChannel *chan)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call)
        return;
    pbx_channel_set_tech_pvt(chan, NULL);
    if (!call->ended) {
        /* unreachable in practice: the core hangs up before the last ref */
        call->chan = NULL;
        call->ended = TRUE;
    }
    sip_call_unref(call);
}

const PbxChannelTech sip_channel_tech = {
    .name = "SIP",
    .description = "Session Initiation Protocol (RFC 3261)",
    .request = sip_channel_request,
    .call = sip_channel_call,
    .answer = tech_answer,
    .ring = sip_channel_in_ring,
    .progress = sip_channel_in_progress,
    .hangup = tech_hangup,
    .indicate = tech_indicate,
    .bridge_media = sip_media_bridge,
    .unbridge_media = sip_media_unbridge,
    .destroy = tech_destroy,
    .send_dtmf = sip_dtmf_send,
    .set_audio_port = sip_media_set_audio_port,
};

gboolean
sip_channel_load(PbxModule *self, GError **error)
{
    if (!pbx_channel_tech_register(self, &sip_channel_tech, error))
        return FALSE;
    sip->add_supported(self, "timer");      /* RFC 4028 */
    sip->add_supported(self, "100rel");     /* RFC 3262 */
    /* BYE, UPDATE and PRACK reach on_dialog_request, in the calls' dialogs */
    sip->add_allowed(self, "UPDATE");
    sip->add_allowed(self, "PRACK");
    sip->add_allowed(self, "INFO");         /* DTMF */
    sip->add_allowed(self, "REFER");        /* transfers, sip_refer.c */
    sip->add_supported(self, "norefersub"); /* RFC 4488 */
    return sip->register_handler(self, "INVITE", on_invite, NULL, error)
        && sip->register_handler(self, "REFER", sip_refer_out_of_dialog, NULL, error);
}
