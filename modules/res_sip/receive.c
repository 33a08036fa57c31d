/* Carillon - res_sip receive path: every message from every transport
 * comes through sip_receive(), is parsed in place into a reused SipMsg and
 * goes to the client transactions (responses) or the UAS (requests). */
#include "transport.h"
#include "transaction.h"
#include "uas.h"
#include "sip_core.h"
#include "sip_limits.h"

static SipMsg *scratch;
static guint depth;


void
sip_receive_shutdown(void)
{
    g_clear_pointer(&scratch, sip_msg_free);
}

static void
debug_received(const SipRx *rx, const char *buf, gsize len)
{
    char peer[SIP_ADDR_STRLEN];

    sip_debug_message("received", rx->listener->klass->via_name,
                      sip_addr_to_string(&rx->src, peer, sizeof(peer)), buf, len);
}

static void
drop(const SipRx *rx, const char *what)
{
    char peer[SIP_ADDR_STRLEN];

    rx->listener->stats.rx_errors++;
    pbx_debug(sip_log, "dropped %s from %s %s", what, rx->listener->klass->via_name,
              sip_addr_to_string(&rx->src, peer, sizeof(peer)));
}

static void
handle(SipMsg *msg, const SipRx *rx, const char *buf, gsize len)
{
    SipParseResult r = sip_msg_parse(msg, buf, len,
                                     rx->conn ? SIP_PARSE_STREAM : SIP_PARSE_DATAGRAM,
                                     &sip_stack.limits);

    switch (r) {
    case SIP_PARSE_KEEPALIVE:
        return;
    case SIP_PARSE_ERROR_GARBAGE:
        drop(rx, "garbage");
        return;
    case SIP_PARSE_ERROR_RESPONSE:
        drop(rx, "malformed response");
        return;
    case SIP_PARSE_ERROR_REQUEST: {
        SipResponse resp = { .code = msg->error_code ? msg->error_code : 400,
                             .reason = msg->error_reason };
        rx->listener->stats.rx_errors++;
        pbx_debug(sip_log, "bad request: %u %s", resp.code,
                  resp.reason ? resp.reason : "");
        sip_respond_stateless(msg, rx, &resp);
        return;
    }
    case SIP_PARSE_OK:
        break;
    }
    if (msg->is_request) {
        sip_uas_receive_request(msg, rx);
        return;
    }
    if (!sip_client_tx_receive(msg, rx))
        pbx_debug(sip_log, "response %u without a matching transaction dropped (Call-ID %.*s)",
                  msg->status_code, SIP_SLICE_ARGS(msg->call_id));
}

/* A source past its rate: dropped unparsed, or (rate_answer = 503) its
 * requests get 503 with Retry-After.  Only requests are answered. */
static void
refuse(SipMsg *msg, const SipRx *rx, const char *buf, gsize len)
{
    SipResponse r = { .code = 503, .headers = sip_limits_retry_after_header() };

    if (sip_msg_parse(msg, buf, len, rx->conn ? SIP_PARSE_STREAM : SIP_PARSE_DATAGRAM,
                      &sip_stack.limits) == SIP_PARSE_OK
        && msg->is_request && msg->method != SIP_METHOD_ACK)
        sip_respond_stateless(msg, rx, &r);
}

/* The SipMsg is reused across messages; a nested call (a handler that
 * somehow made a transport deliver while we are still in one) gets its
 * own. */
void
sip_receive(const SipRx *rx, const char *buf, gsize len)
{
    SipMsg *msg;
    SipLimitVerdict v = sip_limits_on_message(&rx->src, g_get_monotonic_time());

    if (v == SIP_LIMIT_DROP) {
        rx->listener->stats.rx_limited++;
        return;
    }
    if (G_UNLIKELY(sip_stack.debug))
        debug_received(rx, buf, len);
    if (!scratch)
        scratch = sip_msg_new();
    msg = depth++ ? sip_msg_new() : scratch;
    if (v == SIP_LIMIT_REFUSE) {
        rx->listener->stats.rx_limited++;
        refuse(msg, rx, buf, len);
    } else {
        handle(msg, rx, buf, len);
    }
    if (--depth)
        sip_msg_free(msg);
}
