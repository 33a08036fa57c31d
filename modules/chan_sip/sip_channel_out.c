/* Carillon - chan_sip outbound calls (see sip_channel.h).
 *
 * request() resolves the target: an endpoint name is looked up in the
 * registrar (every current contact becomes a fork), a sip:/sips: URI is
 * one fork.  call() first resolves the forks whose host is a DNS name
 * (asynchronously, res_sip's resolve; one that does not resolve fails
 * with 502),
 * then sends one INVITE per fork in parallel, each with its own Call-ID
 * and the same SDP offer.  The first 2xx wins: it is ACKed (outside the
 * transaction, RFC 3261 13.2.2.4, to the dialog's next hop: for a URI
 * target the Contact of the 2xx, looked up by res_sip when it is a DNS
 * name) and the other forks are CANCELled; a 2xx arriving later from
 * another fork gets ACK + BYE.
 * When every fork failed, the channel hangs up with the cause of the best
 * final response (6xx first, then the lowest class, 4xx before 5xx).
 */
#include <stdlib.h>
#include <string.h>
#include "sip_trunk.h"

static void
fork_free(SipFork *fork)
{
    sip->dialog_free(fork->dialog);
    g_free(fork->uri);
    g_free(fork->auth);
    g_free(fork);
}

SipFork *
sip_channel_out_fork_add(SipCall *call, const char *uri, const char *host, guint16 port,
                         SipTransport tp)
{
    SipFork *fork = g_new0(SipFork, 1);

    fork->call = call;
    fork->uri = g_strdup(uri);
    g_strlcpy(fork->host, host, sizeof(fork->host));
    fork->target.host = fork->host;
    fork->target.port = port;
    fork->target.transport = tp;
    g_ptr_array_add(call->forks, fork);
    return fork;
}

static gboolean
add_uri_target(SipCall *call, const char *target, GError **error)
{
    SipUri u;
    g_autofree char *host = NULL;

    if (!sip_uri_parse(sip_slice_from_str(target), &u) || !sip_slice_present(u.host)) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_UNAVAILABLE,
                    "bad SIP URI %s", target);
        return FALSE;
    }
    host = g_strndup(u.host.p, u.host.len);
    call->callee = sip_slice_present(u.user) ? g_strndup(u.user.p, u.user.len)
                                             : g_strdup(host);
    sip_channel_out_fork_add(call, target, host, u.has_port ? u.port : 0,
                             u.scheme == SIP_URI_SCHEME_SIPS ? SIP_TRANSPORT_TLS
                             : sip_transport_from_string(u.transport.p, u.transport.len));
    return TRUE;
}

static gboolean
add_endpoint_targets(SipCall *call, const char *target, GError **error)
{
    SipEndpoint *ep = sip->endpoint_lookup(target);
    g_autoptr(GPtrArray) contacts = NULL;

    if (!ep) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_UNAVAILABLE,
                    "no endpoint %s", target);
        return FALSE;
    }
    call->endpoint = sip->endpoint_ref(ep);
    call->callee = g_strdup(target);
    contacts = registrar->lookup(target);
    for (guint i = 0; contacts && i < contacts->len; i++) {
        RegContact *c = contacts->pdata[i];
        sip_channel_out_fork_add(call, c->uri, c->host, c->port,
                                 sip_transport_from_string(c->transport, strlen(c->transport)));
    }
    if (call->forks->len == 0) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_UNAVAILABLE,
                    "%s is not registered", target);
        return FALSE;
    }
    return TRUE;
}

PbxChannel *
sip_channel_request(const PbxChannelTech *tech, const char *target, PbxChannel *requester,
                    const PbxDialOptions *options, GError **error)
{
    SipCall *call = sip_call_new(TRUE);
    const char *num = options ? options->caller_number : NULL;
    const char *name = options ? options->caller_name : NULL;
    g_autofree char *number = NULL;
    SipEndpoint *trunk = sip_trunk_target(target, &number);
    gboolean ok;
    PbxChannel *chan;

    g_ptr_array_set_free_func(call->forks, (GDestroyNotify) fork_free);
    if (trunk)
        ok = sip_trunk_out_prepare(call, trunk, number, requester, options, error);
    else if (g_str_has_prefix(target, "sip:") || g_str_has_prefix(target, "sips:"))
        ok = add_uri_target(call, target, error);
    else
        ok = add_endpoint_targets(call, target, error);
    if (!ok) {
        sip_call_unref(call);
        return NULL;
    }
    if (requester) {
        if (!num)
            num = pbx_channel_get_caller_number(requester);
        if (!name)
            name = pbx_channel_get_caller_name(requester);
        if (pbx_channel_get_tech(requester) == &sip_channel_tech) {
            SipCall *in = pbx_channel_get_tech_pvt(requester);
            if (in) {
                call->max_forwards = MAX(in->max_forwards - 1, 0);
                sip_media_prefer_peer(call, in);
            }
        }
    }
    call->caller_number = g_strdup(num ? num : "anonymous");
    call->caller_name = g_strdup(name);
    if (options && options->codecs)
        call->codecs = g_strdupv((char **) options->codecs);
    chan = pbx_channel_new_outbound(&sip_channel_tech, call, call->callee,
                                    call->caller_number, call->caller_name);
    call->chan = pbx_channel_ref(chan);
    if (call->endpoint)         /* what it hears when the other party holds */
        pbx_channel_set_var(chan, "MOH_CLASS", call->endpoint->moh_class);
    if (call->endpoint)
        sip_channel_set_groups(chan, call->endpoint);
    return chan;
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

/* 16.7 item 6 as a UAC applies it: 6xx, else the lowest class, with
 * 4xx preferred to 5xx; 408/503 made up locally lose to real answers. */
static gboolean
better_code(guint code, guint best)
{
    if (best == 0)
        return TRUE;
    if (code >= 600 || best >= 600)
        return best < 600;
    return code / 100 < best / 100;
}

static void
fork_tx_gone(gpointer data)
{
    SipFork *fork = data;
    SipCall *call = fork->call;

    fork->tx = NULL;
    sip_call_unref(call);
}

/* A 2xx that does not win (another fork's, or a second branch's of the
 * winning one, or one after the call ended): ACK, then BYE (RFC 3261
 * 13.2.2.4 and 15), in its own dialog, made from the request's. */
static void
ack_and_bye(const SipDialog *base, const SipMsg *resp)
{
    SipDialog *d = sip->dialog_fork(base);
    SipRequest ack = { .cseq = resp->cseq.number }, bye = { .method = "BYE" };
    g_autoptr(GError) error = NULL;

    if (sip->dialog_uac_update(d, resp)) {
        sip->dialog_send_ack(d, &ack, NULL, NULL);
        if (!sip->dialog_send(chan_sip.module, d, &bye, NULL, NULL, NULL, &error))
            pbx_warning(sip_log, "BYE to a late 2xx: %s", error->message);
    }
    sip->dialog_free(d);
}

/* The ACK of the winning 2xx could not go out: its next hop does not
 * resolve.  The callee gets no ACK and will give up on its own. */
static void
ack_failed(SipDialog *d, const char *error, gpointer data)
{
    SipCall *call = d->owner;
    PbxChannel *chan;

    if (!call || call->ended || !call->chan)
        return;
    chan = pbx_channel_ref(call->chan);
    sip_call_end(call);
    pbx_channel_hangup_from_tech(chan, PBX_CAUSE_DESTINATION_OUT_OF_ORDER);
    pbx_channel_unref(chan);
}

static void
send_2xx_ack(SipCall *call)
{
    SipRequest ack = { .cseq = call->ack_cseq };

    sip->dialog_send_ack(call->dialog, &ack, ack_failed, NULL);
}

/* reason: the CANCELs' Reason header, or NULL. */
static void
cancel_forks(SipCall *call, SipFork *except, const char *reason)
{
    for (guint i = 0; i < call->forks->len; i++) {
        SipFork *f = call->forks->pdata[i];
        if (f != except && f->tx && f->code == 0)
            sip->cancel_with_reason(f->tx, reason);
    }
}

/* SRTP is required and the answer did not key it: BYE at once. */
static void
hang_up_unkeyed(SipCall *call)
{
    PbxChannel *chan = call->chan ? pbx_channel_ref(call->chan) : NULL;

    pbx_notice(sip_log, "%s: SRTP required, the answer has no usable a=crypto: hanging up",
               call->dialog->call_id);
    sip_channel_send_bye(call);
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_BEARERCAPABILITY_NOTAVAIL);
        pbx_channel_unref(chan);
    }
}

static void
win(SipFork *fork, const SipMsg *resp)
{
    SipCall *call = fork->call;
    SipSlice body;
    g_autoptr(GError) error = NULL;

    fork->winner = TRUE;
    fork->code = resp->status_code;
    call->winner = fork;
    sip->dialog_uac_update(fork->dialog, resp);
    sip_call_take_dialog(call, g_steal_pointer(&fork->dialog));
    call->ack_cseq = resp->cseq.number;
    if (sip_msg_find_body(resp, "application", "sdp", &body) && body.len
        && !sip_media_take_answer(call, body.p, body.len, &error))
        pbx_notice(sip_log, "%s: unusable SDP answer: %s", call->dialog->call_id,
                   error->message);
    cancel_forks(call, fork, SIP_REASON_ELSEWHERE);
    pbx_timer_stop(&call->timeout_timer);
    call->answered = TRUE;
    sip_se_on_uac_2xx(call, resp);
    pbx_channel_set_state(call->chan, PBX_CHANNEL_UP);
    send_2xx_ack(call);             /* a failure is reported from the main loop */
    if (sip_srtp_policy(call) == SIP_SRTP_REQUIRED && !call->srtp_active)
        hang_up_unkeyed(call);
}

/* RFC 3262 4: a reliable 18x (Require: 100rel + RSeq) gets a PRACK
 * once per new RSeq; retransmissions (RSeq already acknowledged) and
 * out-of-order ones are ignored. */
static void
send_prack(SipFork *fork, const SipMsg *resp)
{
    const SipHeader *h;
    g_autofree char *rack = NULL;
    g_autoptr(GError) error = NULL;
    SipRequest prack = { .method = "PRACK" };
    guint32 rseq;

    if (!sip_msg_has_token(resp, SIP_HDR_REQUIRE, "100rel"))
        return;
    h = sip_msg_get_header(resp, SIP_HDR_RSEQ, 0);
    if (!h || !h->value.len)
        return;
    {
        g_autofree char *v = g_strndup(h->value.p, h->value.len);
        rseq = (guint32) strtoul(v, NULL, 10);
    }
    if (!rseq || (fork->rseq_acked && rseq <= fork->rseq_acked))
        return;
    fork->rseq_acked = rseq;
    prack.headers = rack = g_strdup_printf("RAck: %u %u INVITE\r\n", rseq, resp->cseq.number);
    if (!sip->dialog_send(chan_sip.module, fork->dialog, &prack, NULL, NULL, NULL, &error))
        pbx_warning(sip_log, "PRACK: %s", error->message);
}

static void
provisional(SipFork *fork, const SipMsg *resp, guint code)
{
    SipCall *call = fork->call;
    SipSlice body;
    PbxChannelState st = pbx_channel_get_state(call->chan);

    if (code == 100 || !resp)
        return;
    sip->dialog_uac_update(fork->dialog, resp);
    send_prack(fork, resp);
    if (sip_msg_find_body(resp, "application", "sdp", &body) && body.len
        && sip_media_take_answer(call, body.p, body.len, NULL)
        && st != PBX_CHANNEL_PROGRESS) {
        pbx_channel_set_state(call->chan, PBX_CHANNEL_PROGRESS);
        return;
    }
    if (code == 183 && st != PBX_CHANNEL_PROGRESS)
        pbx_channel_set_state(call->chan, PBX_CHANNEL_PROGRESS);
    else if (code != 183 && st == PBX_CHANNEL_DOWN)
        pbx_channel_set_state(call->chan, PBX_CHANNEL_RINGING);
}

/* The leg ends with the far end's final status: kept in
 * SIP_HANGUP_STATUS so that the dialplan can pass it on unchanged (the
 * cause alone would turn a 600 into a 486). */
static void
set_hangup_status(PbxChannel *chan, guint code)
{
    char buf[8];

    if (code < 300 || code > 699)
        return;
    g_snprintf(buf, sizeof buf, "%u", code);
    pbx_channel_set_var(chan, "SIP_HANGUP_STATUS", buf);
}

static void
failed(SipFork *fork, guint code)
{
    SipCall *call = fork->call;
    PbxChannel *chan;

    fork->code = code;
    if (better_code(code, call->best_code))
        call->best_code = code;
    for (guint i = 0; i < call->forks->len; i++)
        if (((SipFork *) call->forks->pdata[i])->code == 0)
            return;
    chan = pbx_channel_ref(call->chan);
    set_hangup_status(chan, call->best_code);
    sip_call_end(call);
    pbx_channel_hangup_from_tech(chan, pbx_cause_from_sip(call->best_code));
    pbx_channel_unref(chan);
}

static void build_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out);
static void build_direct_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out);
static void fork_tx_gone(gpointer data);
static void fork_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data);

/* 422 (RFC 4028 7.3): once per target, a new INVITE asking for at least
 * the Min-SE it gave.  FALSE when not retried. */
static gboolean
retry_422(SipFork *fork, const SipMsg *resp)
{
    SipCall *call = fork->call;
    SipSessionExpires se;
    SipFork *retry;
    g_autoptr(GString) req = NULL;
    g_autoptr(GError) err = NULL;

    if (fork->se_retry || !resp || !call->local_sdp)
        return FALSE;
    sip_se_parse(resp, &se);
    if (!se.min_se || se.min_se > 86400)
        return FALSE;
    call->se_min = MAX(call->se_min, se.min_se);
    retry = sip_channel_out_fork_add(call, fork->uri, fork->host, fork->target.port,
                                     fork->target.transport);
    retry->se_retry = TRUE;
    fork->code = 422;                   /* this one is over; the retry is pending */
    req = g_string_sized_new(1500);
    build_invite(call, retry, call->local_sdp, req);
    sip_call_ref(call);                 /* released by fork_tx_gone */
    retry->tx = sip->send_request(chan_sip.module, &retry->target, req->str, req->len,
                                  fork_response, retry, fork_tx_gone, &err);
    if (!retry->tx) {
        sip_call_unref(call);
        pbx_notice(sip_log, "INVITE to %s: %s", retry->uri, err->message);
        retry->code = 503;
        return FALSE;
    }
    pbx_debug(sip_log, "422 from %s: retrying with Min-SE %u", fork->uri, call->se_min);
    return TRUE;
}

static gboolean
same_tag(const SipDialog *d, const SipMsg *resp)
{
    return d && d->remote_tag && sip_slice_eq(resp->to.tag, d->remote_tag);
}

static void
fork_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    SipFork *fork = data;
    SipCall *call = fork->call;
    gboolean over = call->ended || (call->winner && call->winner != fork);

    if (code >= 200 && code < 300 && resp) {
        if (fork->winner && same_tag(call->dialog, resp)) {
            send_2xx_ack(call);     /* a retransmitted 2xx: the same ACK again */
        } else if (fork->winner) {
            ack_and_bye(call->dialog, resp);    /* a second branch answered too */
        } else if (over) {
            fork->code = code;
            ack_and_bye(fork->dialog, resp);
        } else {
            win(fork, resp);
        }
        return;
    }
    if (over || fork->winner)
        return;
    if (code < 200)
        provisional(fork, resp, code);
    else if (fork->code == 0 && !(code == 422 && retry_422(fork, resp)) &&
             !(call->trunk_leg && sip_trunk_out_retry(fork, resp, code)))
        failed(fork, code);
}

/* ------------------------------------------------------------------ */
/* Dialing                                                             */
/* ------------------------------------------------------------------ */

/* The UAC dialog of a fork: in-dialog requests (PRACK, ACK, BYE) go
 * where the INVITE went, or to the remote target for a URI leg. */
static SipDialog *
new_fork_dialog(SipCall *call, SipFork *fork, const char *call_id, const char *tag,
                const char *local_uri, const char *remote_uri)
{
    SipDialog *d = sip->dialog_new_uac(call_id, tag, local_uri, remote_uri, 1);

    d->contact = g_strdup(call->contact);
    d->follow_target = call->endpoint == NULL;
    sip->dialog_set_flow(d, fork->target.transport, fork->host, fork->target.port);
    return d;
}

static void
build_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out)
{
    if (call->trunk_leg) {
        sip_trunk_out_build_invite(call, fork, sdp, out);
        return;
    }
    build_direct_invite(call, fork, sdp, out);
}

static void
build_direct_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out)
{
    char token[24], tag[24];
    gboolean v6 = strchr(call->local_host, ':') != NULL;
    const char *ua = sip->settings()->user_agent;
    /* RFC 3261 25.1 user: unreserved and user-unreserved, the rest %-escaped */
    g_autofree char *from_user = g_uri_escape_string(call->caller_number, "&=+$,;?/", FALSE);
    g_autofree char *to_user = g_uri_escape_string(call->callee, "&=+$,;?/", FALSE);
    g_autofree char *local_uri = NULL, *remote_uri = NULL, *call_id = NULL;

    sip->random_token(token, sizeof(token));
    sip->random_token(tag, sizeof(tag));
    call_id = g_strdup_printf("%s@%s", token, call->local_host);
    local_uri = g_strdup_printf("sip:%s@%s%s%s", from_user, v6 ? "[" : "",
                                call->local_host, v6 ? "]" : "");
    /* To: the AOR for an endpoint, the URI itself for a URI target */
    if (call->endpoint)
        remote_uri = g_strdup_printf("sip:%s@%s%s%s", to_user, v6 ? "[" : "",
                                     call->local_host, v6 ? "]" : "");
    else
        remote_uri = g_strdup(fork->uri);
    fork->dialog = new_fork_dialog(call, fork, call_id, tag, local_uri, remote_uri);
    g_string_append_printf(out, "INVITE %s SIP/2.0\r\nMax-Forwards: %d\r\n", fork->uri,
                           call->max_forwards);
    g_string_append(out, "From: ");
    if (call->caller_name && *call->caller_name) {
        /* a quoted-string: escape '"' and '\\', drop control characters */
        g_string_append_c(out, '"');
        for (const char *p = call->caller_name; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(out, '\\');
            if ((guchar) *p >= 0x20 && *p != 0x7f)
                g_string_append_c(out, *p);
        }
        g_string_append(out, "\" ");
    }
    g_string_append_printf(out, "<%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n",
                           local_uri, tag, remote_uri, fork->dialog->call_id);
    sip_call_append_contact(call, out);
    g_string_append(out, "Allow: ");
    g_string_append(out, sip->allow());
    g_string_append(out, "\r\n");
    sip_se_append_request(call, out);
    g_string_append(out, "Supported: 100rel\r\n");
    if (ua && *ua)
        g_string_append_printf(out, "User-Agent: %s\r\n", ua);
    g_string_append_printf(out, "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                           strlen(sdp), sdp);
}

static void
call_timeout(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;
    PbxChannel *chan = pbx_channel_ref(call->chan);

    cancel_forks(call, NULL, NULL);
    sip_call_end(call);
    pbx_channel_hangup_from_tech(chan, PBX_CAUSE_NO_ANSWER);
    pbx_channel_unref(chan);
}

void
sip_channel_out_init(SipCall *call)
{
    sip_call_timer_init(&call->timeout_timer, call_timeout, call);
}

/* Opens the media and sends the INVITEs of the forks still pending (a
 * fork whose host did not resolve is already over).  FALSE when not a
 * single INVITE could be sent. */
static gboolean
send_invites(SipCall *call, GError **error)
{
    g_autofree char *sdp = NULL;
    SipFork *first = NULL;
    guint sent = 0;

    for (guint i = 0; i < call->forks->len && !first; i++)
        if (((SipFork *) call->forks->pdata[i])->code == 0)
            first = call->forks->pdata[i];
    if (!first) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "no target address");
        return FALSE;
    }
    sip_call_set_local(call, first->target.transport, first->host);
    if (sip_srtp_policy(call) == SIP_SRTP_NEEDS_TLS) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "%s requires SRTP and is not reached over TLS", call->callee);
        return FALSE;
    }
    if (!sip_media_open(call, call->local_host, error))
        return FALSE;
    sdp = sip_media_offer(call);
    for (guint i = 0; i < call->forks->len; i++) {
        SipFork *fork = call->forks->pdata[i];
        g_autoptr(GString) req = NULL;
        if (fork->code != 0)
            continue;
        req = g_string_sized_new(1500);
        build_invite(call, fork, sdp, req);
        if (!sip_channel_out_send_fork(call, fork, req)) {
            fork->code = 503;
            if (better_code(503, call->best_code))
                call->best_code = 503;
            continue;
        }
        sent++;
    }
    if (sent == 0) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "no INVITE could be sent");
        return FALSE;
    }
    return TRUE;
}

gboolean
sip_channel_out_send_fork(SipCall *call, SipFork *fork, const GString *req)
{
    g_autoptr(GError) err = NULL;

    sip_call_ref(call);             /* released by fork_tx_gone */
    fork->tx = sip->send_request(chan_sip.module, &fork->target, req->str, req->len,
                                 fork_response, fork, fork_tx_gone, &err);
    if (fork->tx)
        return TRUE;
    sip_call_unref(call);
    pbx_notice(sip_log, "INVITE to %s: %s", fork->uri, err->message);
    return FALSE;
}

/* Every fork's host is resolved (or failed): the INVITEs go out. */
static void
lookups_done(SipCall *call)
{
    g_autoptr(GError) error = NULL;
    PbxChannel *chan;

    if (send_invites(call, &error))
        return;
    pbx_notice(sip_log, "call to %s: %s", call->callee, error->message);
    chan = pbx_channel_ref(call->chan);
    sip_call_end(call);
    pbx_channel_hangup_from_tech(chan, call->best_code ? pbx_cause_from_sip(call->best_code)
                                                       : PBX_CAUSE_TEMPORARY_FAILURE);
    pbx_channel_unref(chan);
}

/* "1.2.3.4", "::1" or "[::1]" (not a DNS name). */
static gboolean
is_ip_literal(const char *host)
{
    SipAddr addr;

    return sip_addr_from_ip(host, strlen(host), 5060, &addr)
        || sip_addr_parse(host, 5060, &addr);
}


static void
resolve_fork(SipCall *call, SipFork *fork)
{
    if (!call->resolving)
        call->resolving = g_cancellable_new();
    call->lookups++;
    sip_call_ref(call);             /* released by sip_channel_out_fork_resolved */
    sip->resolve(chan_sip.module, fork->host, fork->target.port, fork->target.transport,
                 call->resolving, sip_channel_out_fork_resolved, fork);
}

/* A fork's host name is looked up: the fork now goes to the address
 * (fork->host holds it from here on), or it is over with 502 (RFC 3398
 * maps 502 to "destination out of order": dial outcome unavailable). */
void
sip_channel_out_fork_resolved(const SipAddr *addr, const char *error, gpointer data)
{
    SipFork *fork = data;
    SipCall *call = fork->call;
    g_autofree char *name = g_strdup(fork->host);

    call->lookups--;
    if (call->ended) {
        sip_call_unref(call);
        return;
    }
    if (addr) {
        sip_addr_ip_string(addr, fork->host, sizeof(fork->host));
        pbx_debug(sip_log, "%s is %s", name, fork->host);
    } else {
        pbx_notice(sip_log, "INVITE to %s: %s does not resolve: %s", fork->uri, name, error);
        failed(fork, 502);      /* may end the call */
    }
    if (!call->ended && call->lookups == 0)
        lookups_done(call);
    sip_call_unref(call);
}


gboolean
sip_channel_call(PbxChannel *chan, guint timeout_ms, GError **error)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || !call->outbound || call->ended || call->forks->len == 0) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE, "cannot call");
        return FALSE;
    }
    for (guint i = 0; i < call->forks->len; i++) {
        SipFork *fork = call->forks->pdata[i];
        if (call->trunk_leg)
            sip_trunk_out_resolve(call, fork);      /* RFC 3263, every host */
        else if (!is_ip_literal(fork->host))
            resolve_fork(call, fork);
    }
    if (call->lookups == 0 && !send_invites(call, error))
        return FALSE;
    if (timeout_ms)
        pbx_timer_start(&call->timeout_timer, timeout_ms);
    return TRUE;
}

void
sip_channel_out_hangup(SipCall *call, PbxCause cause)
{
    if (call->answered)
        sip_channel_send_bye(call);
    else
        cancel_forks(call, NULL, cause == PBX_CAUSE_ANSWERED_ELSEWHERE
                                 ? SIP_REASON_ELSEWHERE : NULL);
    sip_call_end(call);
}
