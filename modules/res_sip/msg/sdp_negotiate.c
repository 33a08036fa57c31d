/* Carillon - SDP offer/answer (RFC 3264): build an offer from our codec
 * preferences, and answer an offer by picking the codecs both sides
 * support in our order while keeping the offerer's payload types. */
#include <string.h>

#include <carillon/sip/sdp.h>

static const char *const default_protos[] = { "RTP/AVP", NULL };

static void
set_local_connection(SdpConnection *c, const char *address)
{
    gboolean v6 = address != NULL && strchr(address, ':') != NULL;

    g_free(c->nettype);
    g_free(c->addrtype);
    g_free(c->address);
    c->nettype = g_strdup("IN");
    c->addrtype = g_strdup(v6 ? "IP6" : "IP4");
    c->type = v6 ? SDP_ADDR_IP6 : SDP_ADDR_IP4;
    c->address = g_strdup(address ? address : "0.0.0.0");
    c->ttl = 0;
    c->num_addresses = 1;
}

static SdpSession *
local_session_new(const SdpLocalParams *local)
{
    SdpSession *s = sdp_session_new();

    s->origin.username = g_strdup(local->username ? local->username : "-");
    s->origin.sess_id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id);
    s->origin.sess_version = local->session_version;
    set_local_connection(&s->origin.address, local->address);
    s->session_name = g_strdup(local->session_name ? local->session_name : "-");
    set_local_connection(&s->connection, local->address);
    g_ptr_array_add(s->time_lines, g_strdup("t=0 0"));
    return s;
}

static void
add_crypto(SdpMedia *m, const char *const *crypto)
{
    for (guint i = 0; crypto != NULL && crypto[i] != NULL; i++)
        g_ptr_array_add(m->crypto, g_strdup(crypto[i]));
}

SdpSession *
sdp_offer_create(const SdpLocalParams *local)
{
    SdpSession *s = local_session_new(local);

    for (guint i = 0; i < local->n_media; i++) {
        const SdpMediaPref *pref = &local->media[i];
        const char *const *protos = pref->protos ? pref->protos : default_protos;
        SdpMedia *m = sdp_media_new(pref->media, pref->port, protos[0]);

        for (guint c = 0; c < pref->n_codecs; c++) {
            const SdpCodecPref *cp = &pref->codecs[c];

            sdp_media_add_codec(m, cp->payload_type, cp->encoding, cp->clock_rate,
                                cp->channels, cp->fmtp);
        }
        m->ptime = pref->ptime;
        m->direction = pref->direction;
        m->has_direction = TRUE;
        add_crypto(m, pref->crypto);
        g_ptr_array_add(s->media, m);
    }
    return s;
}

static gboolean
codec_matches(const SdpCodec *offered, const SdpCodecPref *pref)
{
    guint want_channels = pref->channels ? pref->channels : 1;
    guint have_channels = offered->channels ? offered->channels : 1;

    return offered->encoding != NULL
           && g_ascii_strcasecmp(offered->encoding, pref->encoding) == 0
           && offered->clock_rate == pref->clock_rate && have_channels == want_channels;
}

/* telephone-event and comfort noise do not make a stream usable alone. */
static gboolean
is_auxiliary(const char *encoding)
{
    return g_ascii_strcasecmp(encoding, "telephone-event") == 0
           || g_ascii_strcasecmp(encoding, "CN") == 0;
}

static gboolean
proto_accepted(const char *proto, const SdpMediaPref *pref)
{
    const char *const *protos = pref->protos ? pref->protos : default_protos;

    for (guint i = 0; protos[i] != NULL; i++) {
        if (g_ascii_strcasecmp(proto, protos[i]) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The common codecs in our preference order, with the offer's payload
 * types; returns the number of main (non-auxiliary) codecs added. */
static guint
add_common_codecs(SdpMedia *answer, const SdpMedia *offer, const SdpMediaPref *pref)
{
    guint main_codecs = 0;

    for (guint c = 0; c < pref->n_codecs; c++) {
        const SdpCodecPref *cp = &pref->codecs[c];

        for (guint o = 0; o < offer->codecs->len; o++) {
            const SdpCodec *oc = &g_array_index(offer->codecs, SdpCodec, o);

            if (!codec_matches(oc, cp) || sdp_media_find_codec(answer, oc->payload_type))
                continue;
            sdp_media_add_codec(answer, oc->payload_type, oc->encoding, oc->clock_rate,
                                oc->channels, cp->fmtp ? cp->fmtp : oc->fmtp);
            if (!is_auxiliary(cp->encoding))
                main_codecs++;
            break;
        }
    }
    return main_codecs;
}

static SdpMedia *
rejected_stream(const SdpMedia *offered)
{
    SdpMedia *m = sdp_media_new(offered->media, 0, offered->proto);

    g_ptr_array_add(m->formats,
                    g_strdup(offered->formats->len ? g_ptr_array_index(offered->formats, 0) : "0"));
    return m;
}

/* Answer one offered stream with one pref, or NULL if it cannot. */
static SdpMedia *
answer_stream(const SdpSession *offer, const SdpMedia *om, const SdpMediaPref *pref)
{
    g_autoptr(SdpMedia) m = NULL;

    if (om->port == 0 || strcmp(om->media, pref->media) != 0 || !proto_accepted(om->proto, pref))
        return NULL;
    m = sdp_media_new(om->media, pref->port, om->proto);
    if (add_common_codecs(m, om, pref) == 0)
        return NULL;
    m->direction = sdp_direction_answer(sdp_media_get_direction(offer, om), pref->direction);
    m->has_direction = TRUE;
    m->ptime = pref->ptime;
    /* SAVP, or SDES offered over AVP ("best effort" SRTP, as phones do) */
    if (g_str_has_prefix(om->proto, "RTP/SAVP") || strstr(om->proto, "/SAVP") != NULL ||
        om->crypto->len > 0)
        add_crypto(m, pref->crypto);
    return g_steal_pointer(&m);
}

SdpSession *
sdp_answer_create(const SdpSession *offer, const SdpLocalParams *local, GError **error)
{
    g_autoptr(SdpSession) s = local_session_new(local);
    g_autofree gboolean *used = g_new0(gboolean, local->n_media + 1);
    guint accepted = 0;

    for (guint i = 0; i < offer->media->len; i++) {
        const SdpMedia *om = g_ptr_array_index(offer->media, i);
        SdpMedia *m = NULL;

        for (guint p = 0; p < local->n_media && m == NULL; p++) {
            if (used[p])
                continue;
            m = answer_stream(offer, om, &local->media[p]);
            if (m != NULL)
                used[p] = TRUE;
        }
        if (m != NULL)
            accepted++;
        g_ptr_array_add(s->media, m ? m : rejected_stream(om));
    }
    if (accepted == 0) {
        g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA,
                    "no offered stream has a codec and transport we support");
        return NULL;
    }
    return g_steal_pointer(&s);
}
