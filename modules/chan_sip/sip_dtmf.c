/* Carillon - chan_sip: DTMF of a call leg.
 *
 * Received: RFC 4733 events and in-band tones come from res_rtp's
 * session events (sip_media.c); SIP INFO (application/dtmf-relay or
 * application/dtmf, in the call's dialog only) is answered 200 here and
 * reported the same way.  Whatever the endpoint's dtmf_mode, every form
 * the phone sends is understood.
 *
 * Sent (the tech's send_dtmf): in the form the endpoint's dtmf_mode and
 * the SDP settle (sip_dtmf_media_mode): RTP events or tones by res_rtp,
 * or INFO requests, one at a time: the next goes when the previous got
 * its final response and its digit has had its duration and a gap, so
 * digits arrive in order and do not run into each other.
 */
#include <string.h>

#include "dtmf_info.h"
#include "sip_channel.h"

#define INFO_GAP_MS 50          /* between the end of one INFO digit and the next */
#define INFO_QUEUE_MAX 64       /* digits waiting beyond this are refused */

static SipDtmfMode
endpoint_mode(const SipCall *call)
{
    return call->endpoint ? call->endpoint->dtmf_mode : SIP_DTMF_RFC4733;
}

RtpDtmfMode
sip_dtmf_media_mode(const SipCall *call)
{
    switch (endpoint_mode(call)) {
    case SIP_DTMF_INFO:
        return RTP_DTMF_NONE;
    case SIP_DTMF_INBAND:
        return RTP_DTMF_INBAND;
    case SIP_DTMF_AUTO:
        return call->te_payload_type ? RTP_DTMF_RFC4733 : RTP_DTMF_INBAND;
    default:
        return call->te_payload_type ? RTP_DTMF_RFC4733 : RTP_DTMF_NONE;
    }
}

gboolean
sip_dtmf_offers_events(const SipCall *call)
{
    SipDtmfMode m = endpoint_mode(call);

    return m == SIP_DTMF_AUTO || m == SIP_DTMF_RFC4733;
}

/* ---------------------------------------------------------- INFO received */

static void
respond(SipServerTx *tx, guint code, const char *headers)
{
    SipResponse r = { .code = code, .headers = headers };

    sip->respond(tx, &r);
}

void
sip_dtmf_on_info(SipCall *call, SipServerTx *tx, const SipMsg *req)
{
    g_autofree char *type = sip_slice_present(req->content_type)
                                ? g_strndup(req->content_type.p, req->content_type.len)
                                : NULL;
    PbxDtmf d = { .source = PBX_DTMF_INFO };

    if (!req->body.len) {
        respond(tx, 200, NULL);             /* an empty INFO: a keep-alive */
        return;
    }
    if (!type || !sip_dtmf_info_is_dtmf_type(type)) {
        respond(tx, 415, "Accept: " SIP_DTMF_INFO_RELAY_TYPE ", " SIP_DTMF_INFO_DTMF_TYPE "\r\n");
        return;
    }
    if (!sip_dtmf_info_parse(type, req->body.p, req->body.len, &d.digit, &d.duration_ms)) {
        respond(tx, 400, NULL);
        return;
    }
    respond(tx, 200, NULL);
    if (call->chan)
        pbx_channel_dtmf(call->chan, &d);
}

/* ---------------------------------------------------------- INFO sent */

static void info_next(SipCall *call);

static void
info_gap_over(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;

    call->info_busy = FALSE;
    info_next(call);
}

/* The INFO's final response: the next digit goes once this one has
 * played (its duration and the gap since it was sent). */
static void
info_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    SipCall *call = data;
    gint64 left_ms = (call->info_due - g_get_monotonic_time()) / 1000;

    if (code < 200)
        return;
    if (code >= 300)
        pbx_debug(sip_log, "INFO DTMF on %s: %u", call->dialog->call_id, code);
    if (call->ended)
        return;
    pbx_timer_stop(&call->info_timer);
    sip_call_timer_init(&call->info_timer, info_gap_over, call);
    pbx_timer_start(&call->info_timer, left_ms > 0 ? (guint) left_ms : 0);
}

static void
info_tx_done(gpointer data)
{
    sip_call_unref(data);
}

static void
info_next(SipCall *call)
{
    gpointer item;
    char digit;
    guint ms;
    const char *type;
    g_autofree char *body = NULL;
    SipRequest r = { .method = "INFO" };

    if (call->info_busy || call->ended || !(item = g_queue_pop_head(&call->info_queue)))
        return;
    digit = (char) (GPOINTER_TO_UINT(item) >> 16);
    ms = GPOINTER_TO_UINT(item) & 0xffff;
    body = sip_dtmf_info_body(digit, ms, &type);
    r.content_type = type;
    r.body = body;
    r.body_len = strlen(body);
    call->info_busy = TRUE;
    call->info_due = g_get_monotonic_time() + (gint64) (ms + INFO_GAP_MS) * 1000;
    if (!sip_call_send_request(call, &r, info_response, sip_call_ref(call), info_tx_done))
        call->info_busy = FALSE;
}

static gboolean
info_enqueue(SipCall *call, char digit, guint ms, GError **error)
{
    if (g_queue_get_length(&call->info_queue) >= INFO_QUEUE_MAX) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "%u DTMF digits already wait to be sent", INFO_QUEUE_MAX);
        return FALSE;
    }
    g_queue_push_tail(&call->info_queue, GUINT_TO_POINTER(((guint) (guchar) digit << 16) | ms));
    info_next(call);
    return TRUE;
}

void
sip_dtmf_clear(SipCall *call)
{
    pbx_timer_stop(&call->info_timer);
    g_queue_clear(&call->info_queue);
}

/* ---------------------------------------------------------- the tech */

gboolean
sip_dtmf_send(PbxChannel *chan, char digit, guint duration_ms, GError **error)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->ended || !call->rtp) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "%s: the call is over", pbx_channel_get_name(chan));
        return FALSE;
    }
    if (endpoint_mode(call) == SIP_DTMF_INFO)
        return info_enqueue(call, digit, MIN(duration_ms, 0xffff), error);
    return rtp->session_send_dtmf(call->rtp, digit, duration_ms, error);
}
