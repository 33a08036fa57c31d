/* Carillon - chan_sip media: SDP offer/answer for calls from the codec
 * registry, and the RTP sessions of res_rtp (see sip_channel.h).
 *
 * A leg offers its codecs (the endpoint's `codecs=`, a dial's `codecs`,
 * or every registered codec for a sip: URI) in that order, each with its
 * rtpmap and fmtp, static payload types where the codec has one and
 * 96, 97... otherwise, and telephone-event at each clock rate offered
 * (unless the endpoint's dtmf_mode is info or inband).
 * An answer lists ONE codec, the first of ours the offer has (the codec
 * of the bridged leg first, when the offer has it and nothing was
 * answered yet: the bridge then relays instead of transcoding), plus
 * telephone-event at its clock when offered: the far end sends exactly
 * what the bridge can deliver.  What the two sides agreed goes to res_rtp
 * as the session's format; a bridge of two legs with different codecs
 * transcodes there.
 */
#include <string.h>
#include <sys/socket.h>
#include "sip_channel.h"

#define MAX_PREFS 16
#define FIRST_DYNAMIC_PT 96

/* Without an endpoint (a sip: URI): what we offer, best first. */
static const char *const default_codecs[] = { "ulaw", "alaw", "g722", "opus", "gsm", NULL };

typedef struct {
    SdpCodecPref prefs[MAX_PREFS];
    const PbxCodec *codecs[MAX_PREFS];  /* NULL for telephone-event */
    guint n;
    char fmtp[MAX_PREFS][64];
} Prefs;

static const char *const *
leg_codecs(const SipCall *call)
{
    if (call->codecs)
        return (const char *const *) call->codecs;
    if (call->endpoint && call->endpoint->codecs)
        return (const char *const *) call->endpoint->codecs;
    return default_codecs;
}

static gboolean
has_te_at(const Prefs *p, guint clock)
{
    for (guint i = 0; i < p->n; i++)
        if (!p->codecs[i] && p->prefs[i].clock_rate == clock)
            return TRUE;
    return FALSE;
}

static void
add_pref(Prefs *p, const PbxCodec *codec, guint pt)
{
    SdpCodecPref *cp = &p->prefs[p->n];

    cp->encoding = codec->rtp_name;
    cp->clock_rate = codec->clock_rate;
    cp->channels = codec->channels;
    cp->payload_type = codec->payload_type != PBX_CODEC_PT_DYNAMIC ? codec->payload_type : pt;
    cp->fmtp = codec->fmtp;
    p->codecs[p->n++] = codec;
}

/* telephone-event (RFC 4733) at the codec's clock, 101 for 8 kHz. */
static void
add_te(Prefs *p, guint clock, guint pt)
{
    SdpCodecPref *cp = &p->prefs[p->n];

    g_strlcpy(p->fmtp[p->n], "0-16", sizeof(p->fmtp[0]));
    cp->encoding = "telephone-event";
    cp->clock_rate = clock;
    cp->channels = 0;
    cp->payload_type = clock == 8000 ? 101 : pt;
    cp->fmtp = p->fmtp[p->n];
    p->codecs[p->n++] = NULL;
}

static gboolean
preferred(const SipCall *call, const PbxCodec *c)
{
    for (guint i = 0; call->prefer && call->prefer[i]; i++)
        if (pbx_codec_find(call->prefer[i]) == c)
            return TRUE;
    return FALSE;
}

/* Our codecs, in order (those the other leg can take first, see
 * sip_media_prefer_peer); names not registered are skipped. */
static void
build_prefs(const SipCall *call, Prefs *p)
{
    const char *const *names = leg_codecs(call);
    guint dynamic = FIRST_DYNAMIC_PT;

    memset(p, 0, sizeof(*p));
    for (guint pass = 0; pass < 2; pass++) {
        for (guint i = 0; names[i] && p->n < MAX_PREFS / 2; i++) {
            const PbxCodec *c = pbx_codec_find(names[i]);
            if (c && preferred(call, c) == (pass == 0))
                add_pref(p, c, c->payload_type == PBX_CODEC_PT_DYNAMIC ? dynamic++ : 0);
        }
    }
    for (guint i = 0, n = p->n; i < n && sip_dtmf_offers_events(call); i++) {
        guint clock = p->prefs[i].clock_rate;
        if (!has_te_at(p, clock))
            add_te(p, clock, dynamic++);
    }
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

/* A leg that is or may be encrypted (SDES or DTLS, required or
 * optimistic) passes nothing until its keys or a plain decision come:
 * told to res_rtp before any remote address, so no packet relayed
 * between the SDP's address and the keys goes out (or comes in) clear. */
gboolean
sip_media_open(SipCall *call, const char *ip, GError **error)
{
    call->rtp = rtp->session_new(ip && strchr(ip, ':') ? AF_INET6 : AF_INET, error);
    call->sdp_id = g_get_real_time() / 1000;
    call->sdp_version = call->sdp_id;
    if (call->rtp && sip_srtp_policy(call) != SIP_SRTP_OFF)
        rtp->session_expect_keys(call->rtp);
    if (call->rtp)
        sip_media_listen(call);
    return call->rtp != NULL;
}

static void
local_session(SipCall *call, SdpMediaPref *media, const SdpCodecPref *codecs, guint n,
              SdpLocalParams *lp)
{
    guint16 port = 0;
    const char *addr = media_address(call, &port);

    memset(media, 0, sizeof(*media));
    media->media = "audio";
    media->port = port;
    media->codecs = codecs;
    media->n_codecs = n;
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

/* Our SDP may carry an SDES key: wiped before it is freed. */
void
sip_media_wipe(char **sdp)
{
    if (*sdp)
        explicit_bzero(*sdp, strlen(*sdp));
    g_clear_pointer(sdp, g_free);
}

char *
sip_media_offer(SipCall *call)
{
    Prefs p;
    SdpMediaPref media;
    SdpLocalParams lp;
    g_autoptr(SdpSession) offer = NULL;

    build_prefs(call, &p);
    local_session(call, &media, p.prefs, p.n, &lp);
    if (sip_dtls_enabled(call))
        sip_dtls_offer(call, &media);
    else
        sip_srtp_offer(call, &media);
    offer = sdp_offer_create(&lp);
    sip_dtls_decorate(call, offer);
    sip_media_wipe(&call->local_sdp);
    call->local_sdp = sdp_session_to_string(offer);
    return g_strdup(call->local_sdp);
}

/* ---------------------------------------------------------- answers */

/* The first audio stream with a port: the one we use. */
static const SdpMedia *
audio_stream(const SdpSession *sdp)
{
    for (guint i = 0; i < sdp->media->len; i++) {
        const SdpMedia *m = sdp->media->pdata[i];
        if (g_strcmp0(m->media, "audio") == 0 && m->port != 0)
            return m;
    }
    return NULL;
}

static gboolean
offered(const SdpMedia *m, const SdpCodecPref *cp)
{
    for (guint i = 0; m->codecs && i < m->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(m->codecs, SdpCodec, i);
        guint ch = c->channels ? c->channels : 1, want = cp->channels ? cp->channels : 1;
        if (c->encoding && g_ascii_strcasecmp(c->encoding, cp->encoding) == 0
            && c->clock_rate == cp->clock_rate && ch == want)
            return TRUE;
    }
    return FALSE;
}

void
sip_media_prefer_peer(SipCall *out, const SipCall *in)
{
    const SdpMedia *m = in->remote_sdp ? audio_stream(in->remote_sdp) : NULL;
    GPtrArray *names;
    Prefs p;

    if (!m)
        return;
    build_prefs(in, &p);
    names = g_ptr_array_new();
    for (guint i = 0; i < p.n; i++)
        if (p.codecs[i] && offered(m, &p.prefs[i]))
            g_ptr_array_add(names, g_strdup(p.codecs[i]->name));
    g_ptr_array_add(names, NULL);
    g_strfreev(out->prefer);
    out->prefer = (char **) g_ptr_array_free(names, FALSE);
}

/* Which of our codecs to answer with: the bridged leg's codec when the
 * offer has it (no transcoding), else the one in use when it is still
 * offered (a re-INVITE keeps the codec), else our first offered. */
static gint
choose(const SipCall *call, const Prefs *p, const SdpMedia *m)
{
    const PbxCodec *want[2] = { call->peer ? call->peer->codec : NULL, call->codec };
    gint first = -1;

    for (guint w = 0; w < G_N_ELEMENTS(want); w++)
        for (guint i = 0; want[w] && i < p->n; i++)
            if (p->codecs[i] == want[w] && offered(m, &p->prefs[i]))
                return (gint) i;
    for (guint i = 0; i < p->n && first < 0; i++)
        if (p->codecs[i] && offered(m, &p->prefs[i]))
            first = (gint) i;
    return first;
}

/* The prefs of an answer: the chosen codec, and telephone-event at its
 * clock. */
static guint
answer_prefs(const Prefs *p, gint chosen, SdpCodecPref *out)
{
    guint n = 0;

    out[n++] = p->prefs[chosen];
    for (guint i = 0; i < p->n; i++)
        if (!p->codecs[i] && p->prefs[i].clock_rate == p->prefs[chosen].clock_rate)
            out[n++] = p->prefs[i];
    return n;
}

/* Takes sdp (a description we received) as the far end's: its audio
 * stream's address, direction and the codecs agreed in answer (the
 * description that settles the offer/answer: ours or theirs). */
static const SdpMedia *
take_remote(SipCall *call, SdpSession *sdp)
{
    const SdpMedia *audio = audio_stream(sdp);
    const SdpConnection *c;

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
    if (call->remote_sdp && call->remote_sdp != sdp)
        sdp_session_free(call->remote_sdp);
    call->remote_sdp = sdp;
    return audio;
}

/* The telephone-event payload type of m at clock, 0 when absent. */
static guint8
te_payload_type(const SdpMedia *m, guint clock)
{
    for (guint i = 0; m->codecs && i < m->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(m->codecs, SdpCodec, i);
        if (c->encoding && g_ascii_strcasecmp(c->encoding, "telephone-event") == 0
            && c->clock_rate == clock)
            return (guint8) c->payload_type;
    }
    return 0;
}

/* The codec agreed: the first of `settled` (an answer, ours or theirs)
 * that is one of our codecs; its payload type and fmtp as the far end
 * wrote them in `theirs`. */
static void
set_codec(SipCall *call, const Prefs *p, const SdpMedia *settled, const SdpMedia *theirs)
{
    for (guint i = 0; settled->codecs && i < settled->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(settled->codecs, SdpCodec, i);
        for (guint k = 0; k < p->n; k++) {
            if (!p->codecs[k] || !c->encoding
                || g_ascii_strcasecmp(c->encoding, p->prefs[k].encoding) != 0
                || c->clock_rate != p->prefs[k].clock_rate)
                continue;
            call->codec = p->codecs[k];
            call->payload_type = (guint8) c->payload_type;
            g_free(call->codec_fmtp);
            call->codec_fmtp = g_strdup(sdp_media_find_codec(theirs, c->payload_type)
                                        ? sdp_media_find_codec(theirs, c->payload_type)->fmtp
                                        : NULL);
            call->te_payload_type = sip_dtmf_offers_events(call)
                                        ? te_payload_type(theirs, c->clock_rate) : 0;
            return;
        }
    }
}

/* What was agreed, to res_rtp and the channel (the CDR's codec). */
static void
apply_format(SipCall *call)
{
    RtpFormat fmt = { 0 };
    g_autoptr(GError) error = NULL;

    if (!call->codec || !call->rtp)
        return;
    fmt.codec = call->codec;
    fmt.payload_type = call->payload_type;
    fmt.te_payload_type = call->te_payload_type;
    fmt.dtmf = sip_dtmf_media_mode(call);
    if (!pbx_codec_params_parse(call->codec, call->codec_fmtp, &fmt.params, &error))
        pbx_debug(sip_log, "%s fmtp '%s': %s", call->codec->name, call->codec_fmtp,
                  error->message);
    g_clear_error(&error);
    if (!rtp->session_set_format(call->rtp, &fmt, &error))
        pbx_warning(sip_log, "RTP format %s: %s", call->codec->name, error->message);
    if (call->chan)
        pbx_channel_set_codec(call->chan, call->codec->name);
}

gboolean
sip_media_check_offer(SipCall *call, const char *sdp, gsize len, GError **error)
{
    SdpSession *offer = sdp_session_parse(sdp, len, error);
    const SdpMedia *audio;
    Prefs p;

    if (!offer)
        return FALSE;
    build_prefs(call, &p);
    audio = audio_stream(offer);
    if (!audio || choose(call, &p, audio) < 0) {
        g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA,
                    audio ? "no offered codec is one of %s's" : "no audio stream",
                    call->endpoint ? call->endpoint->name : "ours");
        sdp_session_free(offer);
        return FALSE;
    }
    if (!(sip_dtls_enabled(call) ? sip_dtls_check_offer(call, offer, audio, error)
                                 : sip_srtp_check_offer(call, audio, error))) {
        sdp_session_free(offer);
        return FALSE;
    }
    take_remote(call, offer);
    return TRUE;
}

/* Our answer to the offer held in call->remote_sdp. */
static char *
answer_held_offer(SipCall *call, GError **error)
{
    Prefs p;
    SdpCodecPref chosen[MAX_PREFS];
    SdpMediaPref media;
    SdpLocalParams lp;
    const SdpMedia *theirs = audio_stream(call->remote_sdp);
    g_autoptr(SdpSession) answer = NULL;
    gint c;

    build_prefs(call, &p);
    c = theirs ? choose(call, &p, theirs) : -1;
    if (c < 0) {
        g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "no common codec");
        return NULL;
    }
    local_session(call, &media, chosen, answer_prefs(&p, c, chosen), &lp);
    if (!(sip_dtls_enabled(call)
              ? sip_dtls_answer(call, call->remote_sdp, theirs, &media, error)
              : sip_srtp_answer(call, theirs, &media, error)))
        return NULL;
    answer = sdp_answer_create(call->remote_sdp, &lp, error);
    if (!answer)
        return NULL;
    sip_dtls_decorate(call, answer);
    set_codec(call, &p, audio_stream(answer), theirs);
    apply_format(call);
    sip_media_wipe(&call->local_sdp);
    call->local_sdp = sdp_session_to_string(answer);
    return g_strdup(call->local_sdp);
}

char *
sip_media_answer(SipCall *call, const char *sdp, gsize len, GError **error)
{
    if (!sip_media_check_offer(call, sdp, len, error))
        return NULL;
    return answer_held_offer(call, error);
}

/* The answer to the INVITE's offer, made as late as possible: when the
 * first SDP goes out (a 183 or the 200), the bridged leg's codec is
 * known and preferred.  Later responses repeat it (RFC 6337 3.1). */
const char *
sip_media_invite_answer(SipCall *call)
{
    g_autofree char *sdp = NULL;
    g_autoptr(GError) error = NULL;

    if (call->answer_sent || !call->remote_sdp || call->offerless)
        return call->local_sdp;
    sdp = answer_held_offer(call, &error);
    if (!sdp)
        pbx_notice(sip_log, "no answer to the INVITE's offer: %s", error->message);
    call->answer_sent = sdp != NULL;
    return call->local_sdp;
}

gboolean
sip_media_take_answer(SipCall *call, const char *sdp, gsize len, GError **error)
{
    SdpSession *answer = sdp_session_parse(sdp, len, error);
    const SdpMedia *audio;
    Prefs p;

    if (!answer)
        return FALSE;
    audio = take_remote(call, answer);
    if (!audio) {
        g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "no audio stream accepted");
        return FALSE;
    }
    build_prefs(call, &p);
    set_codec(call, &p, audio, audio);
    apply_format(call);
    if (sip_dtls_enabled(call))
        return sip_dtls_take_answer(call, answer, audio, error);
    return sip_srtp_take_answer(call, audio, error);
}

/* ---------------------------------------------------------- bridges */

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
     * latching refines it when the first packet arrives.  Each side's
     * format is set; res_rtp relays or transcodes by them. */
    ca->peer = cb;
    cb->peer = ca;
    rtp->session_relay(ca->rtp, cb->rtp);
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

gboolean
sip_media_set_audio_port(PbxChannel *chan, const PbxAudioPortFuncs *port, gpointer data,
                         GError **error)
{
    SipCall *call = pbx_channel_get_tech_pvt(chan);

    if (!call || call->ended || !call->rtp) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "%s: the call is over", pbx_channel_get_name(chan));
        return FALSE;
    }
    return rtp->session_set_port(call->rtp, port, data, error);
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
    out.jb_delay_ms = st.jb_delay_ms;
    out.jb_late = st.jb_late;
    out.jb_concealed = st.jb_concealed;
    pbx_channel_set_rtp_stats(call->chan, &out);
}

/* ---------------------------------------------------------- events */

static void
on_dtmf(RtpSession *s, char digit, guint duration_ms, RtpDtmfMode source, gpointer data)
{
    SipCall *call = data;

    PbxDtmf d = { digit, duration_ms,
                  source == RTP_DTMF_INBAND ? PBX_DTMF_INBAND : PBX_DTMF_RFC4733 };

    if (call->chan && !call->ended)
        pbx_channel_dtmf(call->chan, &d);
}

static void
on_secure(RtpSession *s, gboolean ok, const char *detail, gpointer data)
{
    sip_dtls_secure(data, ok, detail);
}

static const RtpSessionEvents session_events = {
    .dtmf = on_dtmf,
    .secure = on_secure,
};

void
sip_media_listen(SipCall *call)
{
    rtp->session_set_events(call->rtp, &session_events, call);
}
