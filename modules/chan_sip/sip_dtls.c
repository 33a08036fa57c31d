/* Carillon - chan_sip DTLS-SRTP (RFC 5763/5764): the endpoint's policy,
 * our a=setup / a=fingerprint / a=rtcp-mux, the far end's, and the
 * roles handed to res_rtp, which runs the handshake on its media worker
 * (the main thread never waits for it) and reports the outcome.
 *
 * media_encryption = dtls works over any signalling transport (the keys
 * never travel in the SDP, only the certificate's fingerprint).
 * Required (the default): we offer UDP/TLS/RTP/SAVP with a=setup:actpass
 * and a=rtcp-mux, an offer without a SHA-256 a=fingerprint gets 488, a
 * failed handshake (timeout, certificate not matching its fingerprint)
 * ends the call.  media_encryption_optimistic = yes: we offer RTP/AVP
 * with the DTLS attributes and take DTLS-SRTP when the far end does.
 * As answerer we take setup:active unless the offer is active (RFC 5763
 * 5).  A re-INVITE with the same fingerprint and roles keeps the
 * association; anything else makes a new one.  Main context only.
 */
#include <string.h>
#include <carillon/sip/sdp_dtls.h>
#include "sip_channel.h"

static const char *const dtls_protos[] = {
    "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF", "RTP/SAVP", "RTP/SAVPF", NULL
};
static const char *const dtls_or_avp[] = {
    "RTP/AVP", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF", "RTP/SAVP", "RTP/SAVPF", NULL
};

gboolean
sip_dtls_enabled(const SipCall *call)
{
    return call->endpoint && g_strcmp0(call->endpoint->media_encryption, "dtls") == 0;
}

static gboolean
required(const SipCall *call)
{
    return !call->endpoint->media_encryption_optimistic;
}

/* Our certificate's fingerprint as an SDP value. */
static gboolean
our_fingerprint(SdpFingerprint *fp)
{
    const char *hex = rtp->dtls_fingerprint();
    g_autofree char *value = hex ? g_strconcat("sha-256 ", hex, NULL) : NULL;

    return value && sdp_fingerprint_parse(value, fp, NULL);
}

void
sip_dtls_offer(SipCall *call, SdpMediaPref *media)
{
    media->protos = required(call) ? dtls_protos : NULL;
    call->dtls_setup = SDP_SETUP_ACTPASS;
    call->dtls_mux = TRUE;
}

/* Our attributes into the SDP just made (offer or answer). */
void
sip_dtls_decorate(SipCall *call, SdpSession *sdp)
{
    SdpFingerprint fp;

    if (!sip_dtls_enabled(call) || call->dtls_setup == SDP_SETUP_NONE)
        return;
    for (guint i = 0; i < sdp->media->len; i++) {
        SdpMedia *m = sdp->media->pdata[i];
        if (g_strcmp0(m->media, "audio") == 0 && m->port && our_fingerprint(&fp)) {
            sdp_media_add_dtls(m, (SdpSetup) call->dtls_setup, &fp, call->dtls_mux);
            return;
        }
    }
}

static gboolean
refuse(GError **error, const char *why)
{
    g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "%s", why);
    return FALSE;
}

static gboolean
is_savp(const SdpMedia *m)
{
    return m->proto && strstr(m->proto, "SAVP") != NULL;
}

/* The far end's attributes, and whether the policy takes the stream. */
static gboolean
check(SipCall *call, const SdpSession *sdp, const SdpMedia *m, SdpDtlsAttrs *a,
      GError **error)
{
    g_autoptr(GError) bad = NULL;

    if (!sdp_media_get_dtls(sdp, m, a, &bad)) {
        pbx_notice(sip_log, "DTLS attributes refused: %s", bad->message);
        return refuse(error, bad->message);
    }
    if (a->has_fingerprint && a->setup != SDP_SETUP_HOLDCONN)
        return TRUE;
    a->has_fingerprint = FALSE;
    if (required(call))
        return refuse(error, "DTLS-SRTP is required: no SHA-256 a=fingerprint");
    if (is_savp(m))
        return refuse(error, "SRTP offered without a=fingerprint (SDES is off here)");
    return TRUE;
}

gboolean
sip_dtls_check_offer(SipCall *call, const SdpSession *sdp, const SdpMedia *m, GError **error)
{
    SdpDtlsAttrs a;

    return check(call, sdp, m, &a, error);
}

/* The association to res_rtp: our role from the far end's setup. */
static gboolean
apply(SipCall *call, const SdpDtlsAttrs *a, gboolean we_active, GError **error)
{
    RtpDtlsParams p = { 0 };

    if (!call->rtp)
        return TRUE;
    if (!a) {
        call->srtp_active = FALSE;
        return rtp->session_set_dtls(call->rtp, NULL, error);
    }
    p.role = we_active ? RTP_DTLS_ROLE_ACTIVE : RTP_DTLS_ROLE_PASSIVE;
    p.rtcp_mux = a->rtcp_mux && call->dtls_mux;
    memcpy(p.fingerprint, a->fingerprint.digest, sizeof(p.fingerprint));
    call->srtp_active = TRUE;       /* nothing plain passes from now on */
    return rtp->session_set_dtls(call->rtp, &p, error);
}

gboolean
sip_dtls_answer(SipCall *call, const SdpSession *sdp, const SdpMedia *offer,
                SdpMediaPref *media, GError **error)
{
    SdpDtlsAttrs a;
    gboolean we_active;

    if (!check(call, sdp, offer, &a, error))
        return FALSE;
    if (!a.has_fingerprint) {
        call->dtls_setup = SDP_SETUP_NONE;
        return apply(call, NULL, FALSE, error);
    }
    /* an offer without a=setup is active (RFC 4145 4) */
    we_active = a.setup == SDP_SETUP_ACTPASS || a.setup == SDP_SETUP_PASSIVE;
    call->dtls_setup = we_active ? SDP_SETUP_ACTIVE : SDP_SETUP_PASSIVE;
    call->dtls_mux = a.rtcp_mux;
    media->protos = required(call) ? dtls_protos : dtls_or_avp;
    return apply(call, &a, we_active, error);
}

gboolean
sip_dtls_take_answer(SipCall *call, const SdpSession *sdp, const SdpMedia *m, GError **error)
{
    SdpDtlsAttrs a;

    if (!check(call, sdp, m, &a, error)) {
        if (required(call)) {    /* keyless until the BYE: nothing plain passes */
            apply(call, &(SdpDtlsAttrs) { 0 }, FALSE, NULL);
            call->srtp_active = FALSE;
        }
        return FALSE;
    }
    if (!a.has_fingerprint)
        return apply(call, NULL, FALSE, error);
    /* the answerer is active unless it says passive */
    return apply(call, &a, a.setup == SDP_SETUP_PASSIVE, error);
}

/* res_rtp's report: a failure ends a call that requires DTLS-SRTP. */
void
sip_dtls_secure(SipCall *call, gboolean ok, const char *detail)
{
    PbxChannel *chan;
    const char *id = call->dialog ? call->dialog->call_id : "-";

    if (ok) {
        pbx_notice(sip_log, "%s: DTLS-SRTP keyed (%s)", id, detail);
        return;
    }
    pbx_warning(sip_log, "%s: DTLS-SRTP failed: %s", id, detail);
    if (call->ended || !required(call))
        return;
    chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
    if (call->dialog)
        sip_channel_send_bye(call);
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_BEARERCAPABILITY_NOTAVAIL);
        pbx_channel_unref(chan);
    }
}
