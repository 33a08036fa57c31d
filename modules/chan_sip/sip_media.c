/* Carillon - chan_sip media: SDP offer/answer for calls and the RTP
 * sessions of res_rtp (see sip_channel.h). */
#include <string.h>
#include <sys/socket.h>
#include "sip_channel.h"

#define TELEPHONE_EVENT_PT 101

/* G.711 by endpoints.conf name. */
static const SdpCodecPref g711[] = {
    { "PCMU", 8000, 1, 0, NULL },
    { "PCMA", 8000, 1, 8, NULL },
};
static const SdpCodecPref telephone_event =
    { "telephone-event", 8000, 1, TELEPHONE_EVENT_PT, "0-16" };

static const char *
codec_name(const char *encoding)
{
    if (g_ascii_strcasecmp(encoding, "PCMU") == 0)
        return "ulaw";
    if (g_ascii_strcasecmp(encoding, "PCMA") == 0)
        return "alaw";
    return encoding;
}

/* Our codecs in the endpoint's order (G.711 only; other names are
 * skipped), then telephone-event.  Without an endpoint: ulaw, alaw. */
static guint
codec_prefs(const SipCall *call, SdpCodecPref *out)
{
    guint n = 0;
    char **names = call->endpoint ? call->endpoint->codecs : NULL;

    for (guint i = 0; names && names[i]; i++) {
        if (g_ascii_strcasecmp(names[i], "ulaw") == 0)
            out[n++] = g711[0];
        else if (g_ascii_strcasecmp(names[i], "alaw") == 0)
            out[n++] = g711[1];
    }
    if (n == 0) {
        out[n++] = g711[0];
        out[n++] = g711[1];
    }
    out[n++] = telephone_event;
    return n;
}

/* The address we advertise: the session's when bound to one, else the
 * SIP address the far end talks to. */
static const char *
media_address(const SipCall *call, guint16 *port)
{
    const char *ip = rtp->session_get_local(call->rtp, port);

    if (!ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0)
        ip = call->local_host;
    return ip;
}

gboolean
sip_media_open(SipCall *call, const char *ip, GError **error)
{
    call->rtp = rtp->session_new(ip && strchr(ip, ':') ? AF_INET6 : AF_INET, error);
    call->sdp_id = g_get_real_time() / 1000;
    call->sdp_version = call->sdp_id;
    return call->rtp != NULL;
}

static void
local_session(SipCall *call, SdpMediaPref *media, SdpCodecPref *codecs, SdpLocalParams *lp)
{
    guint16 port = 0;
    const char *addr = media_address(call, &port);

    memset(media, 0, sizeof(*media));
    media->media = "audio";
    media->port = port;
    media->codecs = codecs;
    media->n_codecs = codec_prefs(call, codecs);
    media->direction = call->local_dir;
    memset(lp, 0, sizeof(*lp));
    lp->username = "carillon";
    lp->session_id = call->sdp_id;
    lp->session_version = ++call->sdp_version;
    lp->address = addr;
    lp->session_name = "Carillon";
    lp->media = media;
    lp->n_media = 1;
}

char *
sip_media_offer(SipCall *call)
{
    SdpCodecPref codecs[8];
    SdpMediaPref media;
    SdpLocalParams lp;
    g_autoptr(SdpSession) offer = NULL;

    local_session(call, &media, codecs, &lp);
    offer = sdp_offer_create(&lp);
    g_free(call->local_sdp);
    call->local_sdp = sdp_session_to_string(offer);
    return g_strdup(call->local_sdp);
}

/* The first audio stream of sdp with a port, its address and direction
 * stored on the call and given to the RTP session. */
static const SdpMedia *
take_remote(SipCall *call, SdpSession *sdp)
{
    const SdpMedia *audio = NULL;
    const SdpConnection *c;

    for (guint i = 0; i < sdp->media->len && !audio; i++) {
        const SdpMedia *m = sdp->media->pdata[i];
        if (g_strcmp0(m->media, "audio") == 0 && m->port != 0)
            audio = m;
    }
    if (!audio)
        return NULL;
    c = sdp_media_get_connection(sdp, audio);
    g_free(call->remote_media_ip);
    call->remote_media_ip = g_strdup(c && c->address ? c->address : "0.0.0.0");
    call->remote_media_port = audio->port;
    call->remote_dir = sdp_media_get_direction(sdp, audio);
    if (call->rtp) {
        g_autoptr(GError) error = NULL;
        /* hold with c=0.0.0.0 or a=inactive keeps the latched address */
        if (!rtp->session_set_remote(call->rtp, call->remote_media_ip,
                                                   call->remote_media_port, &error))
            pbx_debug(sip_log, "RTP remote %s:%u: %s", call->remote_media_ip,
                      call->remote_media_port, error->message);
    }
    if (call->remote_sdp)
        sdp_session_free(call->remote_sdp);
    call->remote_sdp = sdp;
    return audio;
}

/* The negotiated codec: the first of the answer other than
 * telephone-event / CN. */
static void
choose_codec(SipCall *call, const SdpMedia *m)
{
    for (guint i = 0; m->codecs && i < m->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(m->codecs, SdpCodec, i);
        if (!c->encoding || g_ascii_strcasecmp(c->encoding, "telephone-event") == 0
            || g_ascii_strcasecmp(c->encoding, "CN") == 0)
            continue;
        g_free(call->codec);
        call->codec = g_strdup(codec_name(c->encoding));
        call->payload_type = c->payload_type;
        if (call->chan)
            pbx_channel_set_codec(call->chan, call->codec);
        return;
    }
}

char *
sip_media_answer(SipCall *call, const char *sdp, gsize len, GError **error)
{
    SdpSession *offer = sdp_session_parse(sdp, len, error);
    SdpCodecPref codecs[8];
    SdpMediaPref media;
    SdpLocalParams lp;
    g_autoptr(SdpSession) answer = NULL;

    if (!offer)
        return NULL;
    local_session(call, &media, codecs, &lp);
    answer = sdp_answer_create(offer, &lp, error);
    if (!answer || !take_remote(call, offer)) {
        if (answer)
            g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "no audio stream");
        if (call->remote_sdp != offer)
            sdp_session_free(offer);
        return NULL;
    }
    for (guint i = 0; i < answer->media->len; i++) {
        const SdpMedia *m = answer->media->pdata[i];
        if (m->port != 0 && g_strcmp0(m->media, "audio") == 0) {
            choose_codec(call, m);
            break;
        }
    }
    g_free(call->local_sdp);
    call->local_sdp = sdp_session_to_string(answer);
    return g_strdup(call->local_sdp);
}

gboolean
sip_media_take_answer(SipCall *call, const char *sdp, gsize len, GError **error)
{
    SdpSession *answer = sdp_session_parse(sdp, len, error);
    const SdpMedia *audio;

    if (!answer)
        return FALSE;
    audio = take_remote(call, answer);
    if (!audio) {
        sdp_session_free(answer);
        g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "no audio stream accepted");
        return FALSE;
    }
    choose_codec(call, audio);
    return TRUE;
}

gboolean
sip_media_bridge(PbxChannel *a, PbxChannel *b, GError **error)
{
    SipCall *ca = pbx_channel_get_tech_pvt(a), *cb = pbx_channel_get_tech_pvt(b);

    if (!ca || !cb || !ca->rtp || !cb->rtp) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "a leg has no RTP session");
        return FALSE;
    }
    /* The remote of each session is already its own leg's SDP address;
     * latching refines it when the first packet arrives. */
    rtp->session_relay(ca->rtp, cb->rtp);
    ca->peer = cb;
    cb->peer = ca;
    return TRUE;
}

void
sip_media_unbridge(PbxChannel *a, PbxChannel *b)
{
    SipCall *ca = pbx_channel_get_tech_pvt(a), *cb = pbx_channel_get_tech_pvt(b);

    if (ca && ca->rtp)
        rtp->session_unrelay(ca->rtp);
    else if (cb && cb->rtp)
        rtp->session_unrelay(cb->rtp);
    if (ca && ca->peer == cb)
        ca->peer = NULL;
    if (cb && cb->peer == ca)
        cb->peer = NULL;
}

void
sip_media_save_stats(SipCall *call)
{
    RtpStats st;
    PbxRtpStats out = { 0 };

    if (!call->rtp || !call->chan)
        return;
    rtp->session_get_stats(call->rtp, &st);
    out.packets_sent = st.tx_packets;
    out.packets_received = st.rx_packets;
    out.packets_lost = st.lost > 0 ? (guint64) st.lost : 0;
    out.jitter_ms = st.jitter_us / 1000.0;
    out.rtt_ms = st.rtt_us >= 0 ? st.rtt_us / 1000.0 : 0;
    pbx_channel_set_rtp_stats(call->chan, &out);
}
