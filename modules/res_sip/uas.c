/* Carillon - res_sip core UAS behaviour (RFC 3261 8.2).
 *
 * Every request that parsed goes through here after the transaction
 * layer: validation (400), transaction matching (retransmissions, ACK,
 * CANCEL), merged requests (482), then the checks of 8.2.1-8.2.3 in RFC
 * order: method (501 unknown / 405 not allowed), Request-URI scheme
 * (416), Require (420), Max-Forwards (483), Content-Encoding and
 * Content-Type (415), Accept (406).  What passes goes to the handlers
 * registered for the method, an in-dialog request to its dialog's
 * handler first; what no handler takes gets res_sip's own answer:
 * OPTIONS 200, INVITE 480, in-dialog requests 481.
 *
 * Non-INVITE requests that res_sip answers itself are answered
 * statelessly (8.2.7) with a deterministic To tag, so a retransmission
 * gets the same response without a transaction per OPTIONS ping.  INVITEs
 * always get a server transaction, so the final response is retransmitted
 * until the ACK arrives and the ACK is absorbed.
 */
#include <string.h>
#include "uas.h"
#include "handlers.h"
#include "security.h"
#include "transaction.h"
#include "sip_core.h"
#include "dialogs.h"

#define MAX_OPTION_TAGS 32

/* Methods whose bodies carry offers and answers (RFC 3264). */
static gboolean
method_takes_sdp(SipMethod m)
{
    return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE || m == SIP_METHOD_PRACK;
}

/* Methods that reach beyond this box (a new call leg or a relayed
 * request), so Max-Forwards 0 stops them with 483.  Everything else ends
 * here and is processed: we are a UA, and RFC 3261 11 lets an OPTIONS
 * with Max-Forwards 0 query the element itself. */
static gboolean
method_forwards(const SipMsg *req)
{
    if (sip_slice_present(req->to.tag))
        return FALSE;
    switch (req->method) {
    case SIP_METHOD_INVITE:
    case SIP_METHOD_MESSAGE:
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_REFER:
    case SIP_METHOD_PUBLISH:
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean
is_core_method(SipMethod m)
{
    return m == SIP_METHOD_INVITE || m == SIP_METHOD_OPTIONS || m == SIP_METHOD_BYE
        || m == SIP_METHOD_ACK || m == SIP_METHOD_CANCEL;
}

/* Sends a res_sip-made response: through a new server transaction for
 * INVITE (so it is retransmitted until ACKed), statelessly otherwise. */
static void
reply(const SipMsg *req, const SipRx *rx, const SipResponse *resp)
{
    SipServerTx *tx;

    if (req->method != SIP_METHOD_INVITE) {
        sip_respond_stateless(req, rx, resp);
        return;
    }
    tx = sip_server_tx_new(req, rx);
    if (!tx) {
        sip_respond_stateless(req, rx, resp);
        return;
    }
    sip_server_tx_set_current(tx, req);
    sip_server_tx_respond(tx, resp);
    sip_server_tx_set_current(tx, NULL);
    sip_server_tx_unref(tx);
}

static void
reply_code(const SipMsg *req, const SipRx *rx, guint code, const char *reason,
           const char *headers)
{
    SipResponse r = { .code = code, .reason = reason, .headers = headers };

    reply(req, rx, &r);
}

/* 420 with Unsupported listing every option-tag of Require we lack. */
static gboolean
check_require(const SipMsg *req, const SipRx *rx)
{
    SipSlice tags[MAX_OPTION_TAGS];
    guint n = 0;
    GString *bad;

    if (sip_msg_count_headers(req, SIP_HDR_REQUIRE) == 0
        || req->method == SIP_METHOD_CANCEL || req->method == SIP_METHOD_ACK)
        return TRUE;
    if (!sip_parse_token_list(req, SIP_HDR_REQUIRE, tags, MAX_OPTION_TAGS, &n)) {
        reply_code(req, rx, 400, "Bad Require header", NULL);
        return FALSE;
    }
    bad = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        if (!sip_handlers_tag_supported(tags[i]))
            g_string_append_printf(bad, "%s%.*s", bad->len ? ", " : "Unsupported: ",
                                   SIP_SLICE_ARGS(tags[i]));
    }
    if (bad->len) {
        g_string_append(bad, "\r\n");
        reply_code(req, rx, 420, NULL, bad->str);
    }
    n = bad->len;
    g_string_free(bad, TRUE);
    return n == 0;
}

/* 415 for a body we cannot read: an unknown Content-Encoding (8.2.3), or
 * on offer/answer methods anything but SDP (alone or in a multipart). */
static gboolean
check_body(const SipMsg *req, const SipRx *rx)
{
    const SipHeader *enc = sip_msg_get_header(req, SIP_HDR_CONTENT_ENCODING, 0);
    SipSlice sdp;

    if (enc && !sip_slice_case_eq(enc->value, "identity")) {
        reply_code(req, rx, 415, NULL, "Accept-Encoding: identity\r\n");
        return FALSE;
    }
    if (!method_takes_sdp(req->method) || req->body.len == 0)
        return TRUE;
    if (!sip_slice_present(req->content_type)) {
        reply_code(req, rx, 400, "Missing Content-Type", NULL);
        return FALSE;
    }
    if (sip_msg_find_body(req, "application", "sdp", &sdp))
        return TRUE;
    reply_code(req, rx, 415, NULL, "Accept: application/sdp\r\n");
    return FALSE;
}

/* The checks of RFC 3261 8.2.1-8.2.3 in order; FALSE when answered. */
static gboolean
check_request(const SipMsg *req, const SipRx *rx, gboolean handled)
{
    g_autofree char *allow = NULL;

    if (!handled && !is_core_method(req->method)) {
        if (req->method == SIP_METHOD_UNKNOWN) {
            reply_code(req, rx, 501, NULL, NULL);
        } else {
            allow = g_strdup_printf("Allow: %s\r\n", sip_handlers_allow());
            reply_code(req, rx, 405, NULL, allow);
        }
        return FALSE;
    }
    if (req->ruri.scheme != SIP_URI_SCHEME_SIP && req->ruri.scheme != SIP_URI_SCHEME_SIPS
        && req->ruri.scheme != SIP_URI_SCHEME_TEL) {
        reply_code(req, rx, 416, NULL, NULL);
        return FALSE;
    }
    /* RFC 5630 3.1.3: a sips: target needs TLS on every hop, ours too. */
    if (req->ruri.scheme == SIP_URI_SCHEME_SIPS
        && rx->listener->klass->proto != SIP_TRANSPORT_TLS) {
        reply_code(req, rx, 416, "SIPS Requires TLS", NULL);
        return FALSE;
    }
    if (!check_require(req, rx))
        return FALSE;
    if (req->max_forwards == 0 && method_forwards(req)) {
        reply_code(req, rx, 483, NULL, NULL);
        return FALSE;
    }
    if (!check_body(req, rx))
        return FALSE;
    if (req->method == SIP_METHOD_INVITE && !sip_msg_accepts(req, "application", "sdp", TRUE)) {
        reply_code(req, rx, 406, NULL, "Accept: application/sdp\r\n");
        return FALSE;
    }
    return TRUE;
}

/* The OPTIONS answer headers (RFC 3261 11.2), rebuilt when the Allow or
 * Supported values change. */
static GString *cache;
static const char *for_allow, *for_supported;

void
sip_uas_shutdown(void)
{
    if (cache)
        g_string_free(cache, TRUE);
    cache = NULL;
    for_allow = for_supported = NULL;
}

static const char *
options_headers(void)
{
    const char *a = sip_handlers_allow(), *s = sip_handlers_supported();

    if (cache && a == for_allow && s == for_supported)
        return cache->str;
    if (!cache)
        cache = g_string_new(NULL);
    g_string_printf(cache, "Allow: %s\r\nAccept: application/sdp\r\n"
                    "Accept-Encoding: identity\r\nAccept-Language: en\r\n", a);
    if (*s)
        g_string_append_printf(cache, "Supported: %s\r\n", s);
    for_allow = a;
    for_supported = s;
    return cache->str;
}

/* res_sip's answer to a request no handler took.  A request of a dialog
 * that exists (in_dialog) but whose owner did not take it is a method
 * that dialog does not allow: 405, not 481, which would tell the peer
 * the dialog is gone (RFC 5057). */
static void
default_answer(SipServerTx *tx, const SipMsg *req, const SipRx *rx, gboolean in_dialog)
{
    SipResponse r = { 0 };
    g_autofree char *allow = NULL;
    gboolean unhandled = !is_core_method(req->method) && !sip_handlers_exist(req);

    if (unhandled && req->method == SIP_METHOD_UNKNOWN) {
        r.code = 501;
    } else if (unhandled || (in_dialog && req->method != SIP_METHOD_OPTIONS)) {
        r.code = 405;
        allow = g_strdup_printf("Allow: %s\r\n", sip_handlers_allow());
        r.headers = allow;
    } else if (req->method == SIP_METHOD_OPTIONS) {
        r.code = 200;
        r.headers = options_headers();
    } else if (sip_slice_present(req->to.tag) || req->method == SIP_METHOD_BYE) {
        r.code = 481;       /* no dialog layer has claimed it */
    } else if (req->method == SIP_METHOD_INVITE) {
        r.code = 480;       /* nothing routes calls yet */
    } else {
        r.code = 404;       /* handlers exist but none knew the target */
    }
    if (tx)
        sip_server_tx_respond(tx, &r);
    else
        reply(req, rx, &r);
}

static void
fill_peer(const SipRx *rx, SipPeerInfo *peer)
{
    memset(peer, 0, sizeof(*peer));
    peer->transport = rx->listener->klass->proto;
    sip_addr_ip_string(&rx->src, peer->remote_ip, sizeof(peer->remote_ip));
    peer->remote_port = sip_addr_port(&rx->src);
    sip_addr_ip_string(&rx->listener->local, peer->local_ip, sizeof(peer->local_ip));
    peer->local_port = sip_addr_port(&rx->listener->local);
    peer->listener = rx->listener->name;
}

/* Creates the transaction and offers the request to the handlers. */
static void
dispatch(const SipMsg *req, const SipRx *rx)
{
    SipServerTx *tx = sip_server_tx_new(req, rx);
    SipPeerInfo peer;

    if (!tx) {
        pbx_warning(sip_log, "max_transactions reached: request refused with 503");
        reply_code(req, rx, 503, NULL, "Retry-After: 5\r\n");
        return;
    }
    fill_peer(rx, &peer);
    sip_server_tx_set_current(tx, req);
    if (!sip_dialogs_dispatch(tx, req, &peer) && !sip_handlers_dispatch(tx, req, &peer))
        default_answer(tx, req, rx, sip_dialogs_find_request(req) != NULL);
    sip_server_tx_set_current(tx, NULL);
    sip_server_tx_unref(tx);
}

/* An ACK to a 2xx (no transaction): to its dialog's handler, else to
 * the ACK handlers. */
static void
receive_ack(const SipMsg *req, const SipRx *rx)
{
    SipPeerInfo peer;
    SipDialog *d = sip_dialogs_find_request(req);

    if (!d && !sip_handlers_exist(req)) {
        pbx_debug(sip_log, "ACK without transaction or dialog dropped (Call-ID %.*s)",
                  SIP_SLICE_ARGS(req->call_id));
        return;
    }
    fill_peer(rx, &peer);
    if (!sip_dialogs_dispatch(NULL, req, &peer))
        sip_handlers_dispatch(NULL, req, &peer);
}

static void
receive_cancel(const SipMsg *req, const SipRx *rx)
{
    SipServerTx *invite = sip_server_tx_find_cancelled(req);

    if (!invite) {
        reply_code(req, rx, 481, NULL, NULL);
        return;
    }
    sip_server_tx_cancel(invite, req, rx);
}

/* Sources blocked after failed authentication (security.c) are not let
 * near the handlers: their requests are dropped without an answer.  What
 * res_sip answers itself (OPTIONS, errors) costs nothing and is not
 * checked, which keeps the per-packet path free of allocations. */
static gboolean
source_blocked(const SipRx *rx)
{
    char ip[SIP_ADDR_STRLEN];

    if (!sip_security_is_blocked(sip_addr_ip_string(&rx->src, ip, sizeof(ip))))
        return FALSE;
    pbx_debug(sip_log, "request from blocked source %s dropped", ip);
    return TRUE;
}

void
sip_uas_receive_request(const SipMsg *req, const SipRx *rx)
{
    const char *reason = NULL;
    guint code = sip_msg_validate_request(req, &reason);
    SipServerTx *tx;
    gboolean handled;

    if (code) {
        SipResponse r = { .code = code, .reason = reason };
        rx->listener->stats.rx_errors++;
        sip_respond_stateless(req, rx, &r);     /* no transaction for junk */
        return;
    }
    tx = sip_server_tx_find(req);
    if (tx) {
        if (!sip_server_tx_receive(tx, req, rx) && req->method == SIP_METHOD_ACK)
            receive_ack(req, rx);
        return;
    }
    if (req->method == SIP_METHOD_ACK) {
        receive_ack(req, rx);
        return;
    }
    if (req->method == SIP_METHOD_CANCEL) {
        receive_cancel(req, rx);
        return;
    }
    if (sip_server_tx_is_merged(req)) {
        reply_code(req, rx, 482, NULL, NULL);
        return;
    }
    handled = sip_handlers_exist(req) || sip_dialogs_find_request(req) != NULL;
    if (handled && source_blocked(rx))
        return;
    if (!check_request(req, rx, handled))
        return;
    if (handled && req->method == SIP_METHOD_REGISTER &&
        sip_security_challenge_stateless(req, rx))
        return;
    if (handled)
        dispatch(req, rx);
    else
        default_answer(NULL, req, rx, FALSE);
}

/* ------------------------------------------------------------------ */
/* Loops                                                               */
/* ------------------------------------------------------------------ */

#define MAX_VIAS 32

/* Whether a Via's sent-by is one of our listeners, as it would write
 * its own when sending towards src. */
static gboolean
via_is_ours(const SipVia *via, const SipAddr *src)
{
    GPtrArray *ls = sip_listeners_get();
    guint16 port = via->port ? via->port : 5060;

    for (guint j = 0; ls && j < ls->len; j++) {
        SipListener *l = ls->pdata[j];
        char host[SIP_ADDR_STRLEN];
        if (port != sip_addr_port(&l->local) || l->klass->proto != via->transport)
            continue;
        sip_listener_sent_by_host(l, src, host, sizeof(host));
        if (sip_slice_case_eq(via->host, host))
            return TRUE;
    }
    return FALSE;
}

gboolean
sip_uas_is_looped(const SipMsg *req, const SipPeerInfo *peer)
{
    SipVia vias[MAX_VIAS];
    guint n = 0;
    SipAddr src;

    sip_parse_via_list(req, vias, MAX_VIAS, &n);
    if (!sip_addr_from_ip(peer->remote_ip, strlen(peer->remote_ip), peer->remote_port, &src))
        return FALSE;
    for (guint i = 0; i < n; i++) {
        if (via_is_ours(&vias[i], &src))
            return TRUE;
    }
    return FALSE;
}
