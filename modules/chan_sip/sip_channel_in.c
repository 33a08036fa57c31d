/* Carillon - chan_sip inbound calls: an out-of-dialog INVITE from an
 * endpoint becomes an inbound channel (see sip_channel.h).
 *
 * Order of the checks: loop (482, our own Via), digest authentication
 * (407), media (503 without res_rtp, 488 for an SDP we cannot answer),
 * then the UAS dialog and the channel, dispatched to the dialplan.  The
 * answer (200 with our SDP) is retransmitted by us until the ACK (RFC
 * 3261 13.3.1.4: the INVITE server transaction leaves 2xx
 * retransmissions to the TU); no ACK within 64*T1 ends the call with a
 * BYE.
 */
#include <stdio.h>
#include <string.h>
#include "sip_trunk.h"

static void
respond_code(SipServerTx *tx, guint code, const char *reason, const char *headers)
{
    SipResponse r = { .code = code, .reason = reason, .headers = headers };

    sip->respond(tx, &r);
}

static char *
ruri_user(const SipMsg *req)
{
    GString *s = g_string_new(NULL);

    if (!sip_slice_present(req->ruri.user) || !sip_unescape(req->ruri.user, s))
        g_string_assign(s, "s");        /* Asterisk's "start" extension */
    return g_string_free(s, FALSE);
}

static void
copy_headers(PbxChannel *chan, const SipMsg *req)
{
    GString *v = g_string_new(NULL);

    for (guint i = 0; i < req->n_headers; i++) {
        const SipHeader *h = &req->headers[i];
        g_autofree char *name = g_strndup(h->name.p, h->name.len);
        const char *full = sip_header_name(h->id);
        g_string_truncate(v, 0);
        sip_slice_unfold(h->value, v);
        pbx_channel_set_request_header(chan, full ? full : name, v->str);
    }
    g_string_free(v, TRUE);
}

static void
invite_tx_event(SipServerTx *tx, SipTxEvent event, gpointer data)
{
    SipCall *call = data;
    PbxChannel *chan;

    if (event != SIP_TX_EVENT_CANCELLED || call->ended)
        return;
    chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_ORIGINATOR_CANCEL);
        pbx_channel_unref(chan);
    }
}

/* The INVITE's offer checked and kept (the answer is made when first
 * sent, see sip_media_invite_answer), or, without an offer, our offer
 * for the 200 (the answer then comes in the ACK).  No codec in common:
 * 488 with a Warning (RFC 3261 21.4.26, 305 Incompatible media format). */
static gboolean
setup_media(SipCall *call, SipServerTx *tx, const SipMsg *req)
{
    SipSlice body;
    g_autoptr(GError) error = NULL;
    g_autofree char *sdp = NULL;

    if (!sip_media_open(call, call->local_host, &error)) {
        pbx_warning(sip_log, "no RTP session: %s", error->message);
        respond_code(tx, 503, "Media Unavailable", NULL);
        return FALSE;
    }
    if (!sip_msg_find_body(req, "application", "sdp", &body) || body.len == 0) {
        call->offerless = TRUE;
        sdp = sip_media_offer(call);
        return TRUE;
    }
    if (!sip_media_check_offer(call, body.p, body.len, &error)) {
        pbx_notice(sip_log, "INVITE %.*s: unusable SDP: %s", SIP_SLICE_ARGS(req->call_id),
                   error->message);
        respond_code(tx, 488, NULL,
                     g_error_matches(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA)
                     ? "Warning: 305 carillon \"Incompatible media format\"\r\n"
                     : "Warning: 399 carillon \"Malformed SDP\"\r\n");
        return FALSE;
    }
    return TRUE;
}

static void
new_channel(SipCall *call, const SipMsg *req, SipEndpoint *ep, PbxChannel *replaced)
{
    g_autofree char *callee = NULL, *number = NULL, *name = NULL;

    if (ep->trunk) {
        sip_trunk_in_identity(ep, req, &number, &name, &callee);
    } else if (ep->anonymous_extensions) {
        sip_anonymous_in_identity(req, &number, &name, &callee);
    } else {
        callee = ruri_user(req);
        number = g_strdup(ep->callerid_number);
        name = g_strdup(ep->callerid_name);
    }
    call->chan = pbx_channel_new_inbound(&sip_channel_tech, call, number, name, callee,
                                         ep->context);
    /* the core's reference is ours until sip_call_end(); the channel
     * holds the call (pvt) until tech_destroy */
    sip_call_ref(call);
    copy_headers(call->chan, req);
    pbx_channel_set_var(call->chan, "SIP_CALL_ID", call->dialog->call_id);
    pbx_channel_set_replaces(call->chan, replaced);     /* RFC 3891, sip_replaces.c */
    pbx_channel_set_var(call->chan, "MOH_CLASS", ep->moh_class);
    if (ep->anonymous_extensions)
        pbx_channel_set_var(call->chan, "SIP_ANONYMOUS", "yes");
    sip_channel_set_groups(call->chan, ep);     /* pickup: carillon/pickup.h */
    pbx_channel_dispatch(call->chan);
}

gboolean
sip_channel_on_invite(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer)
{
    SipEndpoint *ep = NULL;
    PbxChannel *replaced;
    SipCall *call;

    if (sip->request_is_looped(req, peer)) {
        respond_code(tx, 482, NULL, NULL);
        return TRUE;
    }
    /* a trunk's address is its credential; a call to a public extension
     * may come in anonymous; everyone else authenticates */
    ep = sip->trunk_for_source(peer->remote_ip, peer->remote_port);
    if (!ep)
        ep = sip->anonymous_for(req, peer);
    if (ep)
        ep = sip->endpoint_ref(ep);
    else if (!sip->authenticate(tx, peer, TRUE, &ep))
        return TRUE;                /* 407 (or 400) sent */
    if (!sip_replaces_check(tx, req, &replaced)) {
        if (ep)
            sip->endpoint_unref(ep);    /* 400/481/486 sent */
        return TRUE;
    }
    call = sip_call_new(FALSE);
    call->endpoint = ep;
    sip_call_set_local(call, peer->transport, peer->remote_ip);
    call->max_forwards = req->max_forwards >= 0 ? req->max_forwards : 70;
    call->rel_required = sip_msg_has_token(req, SIP_HDR_REQUIRE, "100rel");
    call->rel_supported = call->rel_required
        || sip_msg_has_token(req, SIP_HDR_SUPPORTED, "100rel");
    call->invite_cseq = req->cseq.number;
    if (!sip_se_on_request(call, tx, req)) {    /* 422 */
        sip_call_unref(call);
        return TRUE;
    }
    if (!setup_media(call, tx, req)) {
        sip_call_unref(call);
        return TRUE;
    }
    sip_call_take_dialog(call, sip->dialog_new_uas(req, peer, sip->server_tx_get_to_tag(tx)));
    call->invite_tx = sip->server_tx_ref(tx);
    sip->server_tx_set_notify(tx, invite_tx_event, call);
    new_channel(call, req, ep, replaced);
    sip_call_unref(call);           /* the channel's pvt ref remains */
    return TRUE;
}

static void retransmit_18x(PbxTimer *timer, gpointer data);
static void retransmit_2xx(PbxTimer *timer, gpointer data);

void
sip_channel_in_init(SipCall *call)
{
    sip_call_timer_init(&call->rel_timer, retransmit_18x, call);
    sip_call_timer_init(&call->retx_timer, retransmit_2xx, call);
}

static gint64
now_us(void)
{
    return pbx_timers_now(chan_sip.timers);
}

/* A provisional or final response on the INVITE with Contact and, when
 * sdp, our SDP. */
static gboolean
respond_invite(SipCall *call, guint code, gboolean sdp)
{
    g_autoptr(GString) hdrs = g_string_new(NULL);
    SipResponse r = { .code = code };

    if (!call->invite_tx)
        return FALSE;
    sip_call_append_contact(call, hdrs);
    if (code >= 200) {
        g_string_append(hdrs, "Allow: ");
        g_string_append(hdrs, sip->allow());
        g_string_append(hdrs, "\r\n");
    }
    if (code >= 200 && code < 300)
        sip_se_append_response(call, hdrs);
    if (code > 100 && code < 200 && call->rel_code == code)
        g_string_append_printf(hdrs, "Require: 100rel\r\nRSeq: %u\r\n", call->rseq);
    r.headers = hdrs->str;
    if (sdp && sip_media_invite_answer(call)) {
        r.content_type = "application/sdp";
        r.body = call->local_sdp;
        r.body_len = strlen(call->local_sdp);
    }
    return sip->respond(call->invite_tx, &r);
}

/* RFC 3262 3: the reliable 18x again at T1, 2*T1, ... until its PRACK;
 * none within 64*T1: 504 the INVITE and hang up. */
static void
retransmit_18x(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;
    PbxChannel *chan;
    gint64 left;

    if (now_us() >= call->rel_deadline) {
        pbx_notice(sip_log, "no PRACK for the %u of %s: 504", call->rel_code,
                   call->dialog->call_id);
        call->rel_code = 0;
        respond_invite(call, 504, FALSE);
        chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
        sip_call_end(call);
        if (chan) {
            pbx_channel_hangup_from_tech(chan, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE);
            pbx_channel_unref(chan);
        }
        return;
    }
    respond_invite(call, call->rel_code, call->rel_sdp);
    call->rel_ms *= 2;
    /* the last wait ends at 64*T1, not after it */
    left = (call->rel_deadline - now_us()) / 1000;
    pbx_timer_start(&call->rel_timer, (guint) MAX(1, MIN((gint64) call->rel_ms, left)));
}

/* A 180/183: reliable (Require: 100rel + RSeq) when the INVITE required
 * 100rel, or supported it and the 18x carries our SDP.  One reliable 18x
 * at a time (RFC 3262 3): while one awaits its PRACK, another code goes
 * unreliably without SDP (the same code again is already under way). */
static gboolean
respond_provisional(SipCall *call, guint code, gboolean sdp)
{
    guint t1 = sip->settings()->t1;
    gboolean reliable = call->rel_required || (call->rel_supported && sdp);

    if (call->rel_code)                 /* one reliable 18x at a time */
        return code == call->rel_code ? TRUE : respond_invite(call, code, FALSE);
    if (!reliable)
        return respond_invite(call, code, sdp);
    call->rseq = call->rseq ? call->rseq + 1 : (guint32) g_random_int_range(1, G_MAXINT32);
    call->rel_code = code;
    call->rel_sdp = sdp;
    if (!respond_invite(call, code, sdp)) {
        call->rel_code = 0;
        return FALSE;
    }
    call->rel_ms = t1;
    call->rel_deadline = now_us() + 64 * (gint64) t1 * 1000;
    pbx_timer_start(&call->rel_timer, call->transport != SIP_TRANSPORT_UDP
                                      ? 64 * t1 : call->rel_ms);
    return TRUE;
}

gboolean
sip_channel_in_ring(PbxChannel *chan)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->outbound || call->answered || call->ended)
        return FALSE;
    return respond_provisional(call, 180, FALSE);
}

gboolean
sip_channel_in_progress(PbxChannel *chan)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->outbound || call->answered || call->ended)
        return FALSE;
    if (!respond_provisional(call, 183, TRUE))
        return FALSE;
    /* The 183 answered the INVITE's offer: media flows both ways before
     * the answer, and an application may play to the caller (PROGRESS). */
    if (call->answer_sent && !call->offerless && call->chan)
        pbx_channel_set_state(call->chan, PBX_CHANNEL_PROGRESS);
    return TRUE;
}

/* 13.3.1.4: the 2xx again at T1, 2*T1, ... capped at T2, until the ACK;
 * none within 64*T1: BYE and hang up. */
static void
retransmit_2xx(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;
    PbxChannel *chan;

    if (now_us() >= call->retx_deadline) {
        pbx_notice(sip_log, "no ACK for the 2xx of %s: hanging up", call->dialog->call_id);
        sip_channel_send_bye(call);
        chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
        sip_call_end(call);
        if (chan) {
            pbx_channel_hangup_from_tech(chan, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE);
            pbx_channel_unref(chan);
        }
        return;
    }
    respond_invite(call, 200, TRUE);
    call->retx_ms = MIN(call->retx_ms * 2, sip->settings()->t2);
    pbx_timer_start(&call->retx_timer, call->retx_ms);
}

static gboolean
send_answer(SipCall *call, GError **error)
{
    guint t1 = sip->settings()->t1;

    if (!respond_invite(call, 200, TRUE)) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "the INVITE transaction is gone");
        return FALSE;
    }
    call->answered = TRUE;
    /* a reliable 18x without SDP still unacknowledged: the 2xx ends it */
    pbx_timer_stop(&call->rel_timer);
    call->rel_code = 0;
    sip->dialog_set_state(call->dialog, SIP_DIALOG_CONFIRMED);
    call->retx_ms = t1;
    call->retx_deadline = now_us() + 64 * (gint64) t1 * 1000;
    if (call->transport == SIP_TRANSPORT_UDP)
        pbx_timer_start(&call->retx_timer, call->retx_ms);
    else
        pbx_timer_start(&call->retx_timer, 64 * t1);
    sip_se_start(call);
    if (call->chan)
        pbx_channel_set_state(call->chan, PBX_CHANNEL_UP);
    return TRUE;
}

gboolean
sip_channel_in_answer(PbxChannel *chan, GError **error)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->outbound || call->ended || !call->invite_tx) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE, "cannot answer");
        return FALSE;
    }
    if (call->answered || call->answer_pending)
        return TRUE;
    if (call->rel_code && call->rel_sdp) {
        /* RFC 3262 3: no 2xx before the PRACK of a reliable 18x with SDP */
        call->answer_pending = TRUE;
        return TRUE;
    }
    return send_answer(call, error);
}

/* PRACK: RAck "rseq cseq method" must name the reliable 18x awaiting it. */
void
sip_channel_on_prack(SipCall *call, SipServerTx *tx, const SipMsg *req)
{
    const SipHeader *h = sip_msg_get_header(req, SIP_HDR_RACK, 0);
    SipResponse ok = { .code = 200 };
    guint32 rseq = 0, cseq = 0;
    char method[16] = "";

    if (h && h->value.len) {
        g_autofree char *v = g_strndup(h->value.p, h->value.len);
        if (sscanf(v, "%u %u %15s", &rseq, &cseq, method) != 3)
            rseq = 0;
    }
    if (call->outbound || !call->rel_code || rseq != call->rseq
        || cseq != call->invite_cseq || strcmp(method, "INVITE")) {
        respond_code(tx, 481, NULL, NULL);
        return;
    }
    pbx_timer_stop(&call->rel_timer);
    call->rel_code = 0;
    sip->respond(tx, &ok);
    if (call->answer_pending) {
        call->answer_pending = FALSE;
        send_answer(call, NULL);
    }
}

void
sip_channel_on_ack(SipCall *call, const SipMsg *req)
{
    SipSlice body;

    if (call->outbound || call->acked || !call->answered)
        return;
    call->acked = TRUE;
    pbx_timer_stop(&call->retx_timer);
    if (call->invite_tx) {
        sip->server_tx_set_notify(call->invite_tx, NULL, NULL);
        g_clear_pointer(&call->invite_tx, sip->server_tx_unref);
    }
    /* an offerless INVITE: the answer is in the ACK */
    if (!call->remote_sdp && sip_msg_find_body(req, "application", "sdp", &body) && body.len)
        sip_media_take_answer(call, body.p, body.len, NULL);
}

/* The final response to reject the INVITE with: the status the dialplan
 * asked for (call:hangup(600) sets SIP_HANGUP_STATUS), when it is one
 * (3xx-6xx), else the one of the cause. */
static guint
hangup_status(const SipCall *call, PbxCause cause)
{
    const char *s = call->chan ? pbx_channel_get_var(call->chan, "SIP_HANGUP_STATUS") : NULL;
    guint64 code;

    if (s && g_ascii_string_to_unsigned(s, 10, 300, 699, &code, NULL))
        return (guint) code;
    return pbx_cause_to_sip(cause);
}

/* Hangup before the answer: the final response for the cause. */
void
sip_channel_in_hangup(SipCall *call, PbxCause cause)
{
    if (call->invite_tx)
        respond_invite(call, hangup_status(call, cause), FALSE);
    sip_call_end(call);
}
