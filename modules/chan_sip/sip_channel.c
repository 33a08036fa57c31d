/* Carillon - chan_sip channel technology: the tech, the request handlers
 * and what inbound and outbound legs share (see sip_channel.h).
 *
 * In-dialog requests: a request with a To tag is matched against the
 * dialog table (Call-ID, To tag = local tag, From tag = remote tag);
 * BYE, ACK, re-INVITE and UPDATE of a known dialog are handled here,
 * everything else falls through to chan_sip's 481.
 *
 * Where in-dialog requests go: the first Record-Route when the dialog
 * has a route set, else the address the initial INVITE was exchanged
 * with (the INVITE's source for inbound legs, the registered contact's
 * address for outbound ones), not the Contact URI: that is what phones
 * behind NAT need, as Asterisk does with nat=yes.  A leg dialed as a
 * sip: URI has no registration to go by and follows RFC 3261 12.2.1.1:
 * its requests go to the remote target (the Contact of the 2xx).
 */
#include <string.h>
#include "sip_channel.h"
#include "security.h"
#include "handlers.h"
#include "sip_core.h"

static PbxModule *module;

PbxModule *
sip_channel_module(void)
{
    return module;
}

/* res_rtp depends on chan_sip, so its API is looked up when a call needs
 * it, not at load time.  It is looked up without recording chan_sip as
 * a dependent of res_rtp (self NULL): the two would depend on each other
 * and the core's shutdown cascade does not handle cycles.  Not caching
 * the pointer keeps it safe across an unload of res_rtp; a call's live
 * RTP session counts as a use of res_rtp, so the API stays valid for the
 * life of the call. */
const RtpApi *
sip_channel_rtp(void)
{
    g_autoptr(GError) error = NULL;
    const RtpApi *rtp = module ? pbx_module_get_api(NULL, RTP_API_NAME, &error) : NULL;

    if (!rtp && error)
        pbx_debug(sip_log, "calls without media: %s", error->message);
    return rtp;
}

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
    sip_timer_stop(&call->retx_timer);
    sip_timer_stop(&call->rel_timer);
    sip_timer_stop(&call->timeout_timer);
    sip_se_stop(call);
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
    if (call->rtp && sip_channel_rtp())
        sip_channel_rtp()->session_free(call->rtp);
    sip_dialog_free(call->dialog);
    if (call->endpoint)
        sip_endpoint_unref(call->endpoint);
    if (call->invite_tx)
        sip_server_tx_unref(call->invite_tx);
    if (call->remote_sdp)
        sdp_session_free(call->remote_sdp);
    g_ptr_array_unref(call->forks);
    g_free(call->codec);
    g_free(call->remote_media_ip);
    g_free(call->local_sdp);
    g_free(call->caller_number);
    g_free(call->caller_name);
    g_free(call->callee);
    g_free(call->ack);
    g_free(call->hop_name);
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
        sip_dialogs_remove(call->dialog);
        call->dialog->state = SIP_DIALOG_TERMINATED;
    }
    stop_timers(call);
    if (call->resolving)
        g_cancellable_cancel(call->resolving);
    if (call->peer && call->peer->peer == call)
        call->peer->peer = NULL;
    call->peer = NULL;
    sip_media_save_stats(call);
    if (call->rtp && sip_channel_rtp()) {
        sip_channel_rtp()->session_free(call->rtp);
        call->rtp = NULL;
    }
    if (call->invite_tx) {
        sip_server_tx_set_notify(call->invite_tx, NULL, NULL);
        g_clear_pointer(&call->invite_tx, sip_server_tx_unref);
    }
    call->chan = NULL;
    if (chan)
        pbx_channel_unref(chan);     /* the channel's pvt ref goes in destroy */
}

void
sip_call_set_local(SipCall *call, SipTransport transport, const char *ip)
{
    SipAddr dest;
    SipListener *l = NULL;
    char buf[SIP_ADDR_STRLEN];
    const char *host;

    call->transport = transport == SIP_TRANSPORT_TCP ? SIP_TRANSPORT_TCP : SIP_TRANSPORT_UDP;
    if (ip && sip_addr_from_ip(ip, strlen(ip), 5060, &dest))
        l = sip_listeners_pick(call->transport, sip_addr_is_v6(&dest));
    if (!l) {
        g_strlcpy(call->local_host, "127.0.0.1", sizeof(call->local_host));
        call->local_port = 5060;
        return;
    }
    host = sip_listener_sent_by_host(l, &dest, buf, sizeof(buf));
    if (host[0] == '[') {
        g_strlcpy(call->local_host, host + 1, sizeof(call->local_host));
        call->local_host[strcspn(call->local_host, "]")] = '\0';
    } else {
        g_strlcpy(call->local_host, host, sizeof(call->local_host));
    }
    call->local_port = sip_addr_port(&l->local);
}

void
sip_call_append_contact(const SipCall *call, GString *out)
{
    gboolean v6 = strchr(call->local_host, ':') != NULL;

    g_string_append_printf(out, "Contact: <sip:carillon@%s%s%s:%u%s>\r\n",
                           v6 ? "[" : "", call->local_host, v6 ? "]" : "", call->local_port,
                           call->transport == SIP_TRANSPORT_TCP ? ";transport=tcp" : "");
}

char *
sip_call_hop_key(const SipTarget *t)
{
    return g_strdup_printf("%s %u %d", t->host, t->port ? t->port : 5060,
                           t->transport == SIP_TRANSPORT_TCP);
}

/* The next hop of an in-dialog request: the route set's first entry, the
 * remote target of a URI leg, or the address the dialog was set up with
 * (call->hop); a DNS name resolved before as its address. */
SipTarget
sip_call_next_hop(SipCall *call, char *host, gsize size)
{
    SipTarget t = call->hop;
    guint16 port;
    SipTransport tp;
    gboolean uri_leg = call->outbound && !call->endpoint;

    if (call->dialog && (call->dialog->route_set->len || uri_leg)
        && sip_dialog_next_hop(call->dialog, host, size, &port, &tp)) {
        t.host = host;
        t.port = port;
        t.transport = tp;
    }
    if (call->hop_name && call->hop_ip[0]) {
        g_autofree char *key = sip_call_hop_key(&t);
        if (strcmp(key, call->hop_name) == 0) {
            g_strlcpy(host, call->hop_ip, size);
            t.host = host;
        }
    }
    return t;
}

SipClientTx *
sip_call_send_in_dialog(SipCall *call, const char *method, const char *sdp,
                        SipResponseFunc fn, gpointer data, GDestroyNotify destroy)
{
    return sip_call_send_in_dialog_hdrs(call, method, NULL, sdp, fn, data, destroy);
}

/* As sip_call_send_in_dialog() with extra header lines (CRLF-terminated). */
SipClientTx *
sip_call_send_in_dialog_hdrs(SipCall *call, const char *method, const char *headers,
                             const char *sdp, SipResponseFunc fn, gpointer data,
                             GDestroyNotify destroy)
{
    g_autoptr(GString) req = g_string_sized_new(1024);
    g_autoptr(GError) error = NULL;
    char host[256];
    SipTarget target;
    SipClientTx *tx;
    const char *ua = sip_stack.settings.user_agent;

    if (!call->dialog)
        return NULL;
    target = sip_call_next_hop(call, host, sizeof(host));
    sip_dialog_build_request(call->dialog, method, 0, req);
    sip_call_append_contact(call, req);
    if (headers)
        g_string_append(req, headers);
    if (ua && *ua)
        g_string_append_printf(req, "User-Agent: %s\r\n", ua);
    if (sdp)
        g_string_append_printf(req, "Content-Type: application/sdp\r\n"
                               "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
    else
        g_string_append(req, "Content-Length: 0\r\n\r\n");
    tx = sip_client_tx_send(module, &target, req->str, req->len, fn, data, destroy, &error);
    if (!tx) {
        pbx_warning(sip_log, "cannot send %s (Call-ID %s): %s", method,
                    call->dialog->call_id, error->message);
        if (destroy)
            destroy(data);
    }
    return tx;
}

void
sip_channel_send_bye(SipCall *call)
{
    sip_call_send_in_dialog(call, "BYE", NULL, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* In-dialog requests                                                  */
/* ------------------------------------------------------------------ */

static SipCall *
call_of_request(const SipMsg *req)
{
    SipDialog *d = sip_dialogs_find_request(req);

    return d ? d->owner : NULL;
}

/* BYE (15.1.2): 200, then the channel hangs up with NORMAL_CLEARING. */
static gboolean
on_bye(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    SipCall *call = call_of_request(req);
    SipResponse ok = { .code = 200 };
    PbxChannel *chan;

    if (!call)
        return FALSE;                       /* 481 */
    if (!sip_dialog_check_cseq(call->dialog, req)) {
        SipResponse r = { .code = 500, .reason = "CSeq Out of Order" };
        sip_server_tx_respond(tx, &r);
        return TRUE;
    }
    sip_server_tx_respond(tx, &ok);
    chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
    if (call->invite_tx) {
        /* BYE before our final response: 487 the INVITE (15.1.2) */
        SipResponse r = { .code = 487 };
        sip_server_tx_respond(call->invite_tx, &r);
    }
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_NORMAL_CLEARING);
        pbx_channel_unref(chan);
    }
    return TRUE;
}

/* PRACK (RFC 3262): 200 when its RAck matches our reliable 18x, else 481. */
static gboolean
on_prack(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    return sip_channel_on_prack(tx, req);
}

static gboolean
on_ack(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    SipCall *call = call_of_request(req);

    if (call)
        sip_channel_on_ack(call, req);
    return TRUE;
}

/* Our re-INVITE (hold passthrough): ACK its 2xx. */
static void
reinvite_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    SipCall *call = data;
    g_autoptr(GString) ack = NULL;
    SipSlice body;
    char host[256];
    SipTarget target;

    if (code < 200)
        return;
    call->reinvite_pending = FALSE;
    if (call->ended || !call->dialog)
        return;
    if (code == 408 || code == 481) {
        /* RFC 4028 10: the session is gone */
        PbxChannel *chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
        pbx_notice(sip_log, "re-INVITE of %s got %u: hanging up", call->dialog->call_id, code);
        if (code == 408)
            sip_channel_send_bye(call);
        sip_call_end(call);
        if (chan) {
            pbx_channel_hangup_from_tech(chan, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE);
            pbx_channel_unref(chan);
        }
        return;
    }
    if (code >= 300 || !resp)
        return;
    if (sip_msg_find_body(resp, "application", "sdp", &body) && body.len)
        sip_media_take_answer(call, body.p, body.len, NULL);
    sip_dialog_refresh_target(call->dialog, resp);
    ack = g_string_new(NULL);
    sip_dialog_build_request(call->dialog, "ACK", resp->cseq.number, ack);
    g_string_append(ack, "Content-Length: 0\r\n\r\n");
    target = sip_call_next_hop(call, host, sizeof(host));
    sip_send_stateless(&target, ack->str, ack->len);
    sip_se_on_uac_2xx(call, resp);
}

/* A re-INVITE offering sdp, with our session timer headers. */
static gboolean
send_reinvite(SipCall *call, const char *sdp)
{
    g_autoptr(GString) hdrs = g_string_new(NULL);

    sip_se_append_request(call, hdrs);
    call->reinvite_pending = TRUE;
    if (!sip_call_send_in_dialog_hdrs(call, "INVITE", hdrs->str, sdp, reinvite_response,
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

/* A re-INVITE or UPDATE: a new offer (or none: we offer), answered with
 * our SDP; a direction change is passed to the bridged leg. */
static void
on_session_refresh(SipServerTx *tx, const SipMsg *req, SipCall *call)
{
    SipSlice body;
    g_autofree char *sdp = NULL;
    g_autoptr(GString) hdrs = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    SdpDirection before = call->remote_dir;
    SipResponse r = { .code = 200 };

    if (!sip_dialog_check_cseq(call->dialog, req)) {
        SipResponse bad = { .code = 500, .reason = "CSeq Out of Order" };
        sip_server_tx_respond(tx, &bad);
        return;
    }
    if (req->method == SIP_METHOD_INVITE && call->reinvite_pending) {
        SipResponse glare = { .code = 491 };    /* 14.1 */
        sip_server_tx_respond(tx, &glare);
        return;
    }
    if (!sip_se_on_request(call, tx, req))
        return;                             /* 422 */
    sip_dialog_refresh_target(call->dialog, req);
    if (sip_msg_find_body(req, "application", "sdp", &body) && body.len) {
        /* our side's direction follows the offer (hold: recvonly) */
        sdp = sip_media_answer(call, body.p, body.len, &error);
        if (!sdp) {
            SipResponse bad = { .code = 488 };
            sip_server_tx_respond(tx, &bad);
            return;
        }
    } else {
        sdp = g_strdup(call->local_sdp ? call->local_sdp : "");
    }
    sip_call_append_contact(call, hdrs);
    sip_se_append_response(call, hdrs);
    r.headers = hdrs->str;
    if (*sdp) {
        r.content_type = "application/sdp";
        r.body = sdp;
        r.body_len = strlen(sdp);
    }
    sip_server_tx_respond(tx, &r);
    sip_se_start(call);                     /* the refresh restarts the timer */
    if (call->remote_dir != before)
        pass_direction(call);
}

static gboolean
on_invite(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    SipCall *call;

    if (!sip_slice_present(req->to.tag))
        return sip_channel_on_invite(tx, req, peer);
    call = call_of_request(req);
    if (!call || call->ended)
        return FALSE;                       /* 481 */
    on_session_refresh(tx, req, call);
    return TRUE;
}

static gboolean
on_update(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    SipCall *call = call_of_request(req);

    if (!call || call->ended)
        return FALSE;
    on_session_refresh(tx, req, call);
    return TRUE;
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
};

gboolean
sip_channel_load(PbxModule *self, GError **error)
{
    module = self;
    if (!pbx_channel_tech_register(self, &sip_channel_tech, error))
        return FALSE;
    sip_handlers_add_supported(self, "timer");      /* RFC 4028 */
    sip_handlers_add_supported(self, "100rel");     /* RFC 3262 */
    return sip_handlers_register(self, "INVITE", on_invite, NULL, error)
        && sip_handlers_register(self, "BYE", on_bye, NULL, error)
        && sip_handlers_register(self, "ACK", on_ack, NULL, error)
        && sip_handlers_register(self, "PRACK", on_prack, NULL, error)
        && sip_handlers_register(self, "UPDATE", on_update, NULL, error);
}

void
sip_channel_unload(void)
{
    sip_dialogs_shutdown();
    module = NULL;
}
