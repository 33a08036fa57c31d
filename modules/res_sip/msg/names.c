/* Carillon - SIP message layer: the SIP error domain and the names of
 * the endpoint enums of carillon/sip/endpoint.h (endpoints.conf values
 * and CLI output). */
#include <string.h>
#include <carillon/sip/endpoint.h>

G_DEFINE_QUARK(sip-error-quark, sip_error)

static const struct {
    const char *name;
    guint mask;
} transport_names[] = {
    { "udp", SIP_TRANSPORT_MASK_UDP },
    { "tcp", SIP_TRANSPORT_MASK_TCP },
    { "tls", SIP_TRANSPORT_MASK_TLS },
    { "ws",  SIP_TRANSPORT_MASK_WS },
    { "wss", SIP_TRANSPORT_MASK_WSS },
};

const char *
sip_nat_mode_to_string(SipNatMode nat)
{
    switch (nat) {
    case SIP_NAT_NO:
        return "no";
    case SIP_NAT_YES:
        return "yes";
    default:
        return "auto";
    }
}

static const char *const dtmf_mode_names[] = {
    [SIP_DTMF_AUTO] = "auto",
    [SIP_DTMF_RFC4733] = "rfc4733",
    [SIP_DTMF_INFO] = "info",
    [SIP_DTMF_INBAND] = "inband",
};

const char *
sip_dtmf_mode_to_string(SipDtmfMode mode)
{
    return (guint) mode < G_N_ELEMENTS(dtmf_mode_names) ? dtmf_mode_names[mode] : "auto";
}

gboolean
sip_dtmf_mode_from_string(const char *name, SipDtmfMode *mode)
{
    for (guint i = 0; i < G_N_ELEMENTS(dtmf_mode_names); i++) {
        if (g_ascii_strcasecmp(name, dtmf_mode_names[i]) == 0) {
            *mode = (SipDtmfMode) i;
            return TRUE;
        }
    }
    return FALSE;
}

guint
sip_transport_mask_from_name(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(transport_names); i++) {
        if (g_ascii_strcasecmp(name, transport_names[i].name) == 0)
            return transport_names[i].mask;
    }
    return 0;
}

char *
sip_transport_mask_to_string(guint mask)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < G_N_ELEMENTS(transport_names); i++) {
        if (!(mask & transport_names[i].mask))
            continue;
        if (s->len)
            g_string_append_c(s, ',');
        g_string_append(s, transport_names[i].name);
    }
    return g_string_free(s, FALSE);
}

SipTransport
sip_transport_usable(SipTransport t)
{
    return t == SIP_TRANSPORT_TCP || t == SIP_TRANSPORT_TLS ? t : SIP_TRANSPORT_UDP;
}

const char *
sip_transport_to_string(SipTransport t)
{
    switch (sip_transport_usable(t)) {
    case SIP_TRANSPORT_TCP:
        return "tcp";
    case SIP_TRANSPORT_TLS:
        return "tls";
    default:
        return "udp";
    }
}

SipTransport
sip_transport_from_string(const char *name, gsize len)
{
    if (name && len == 3 && g_ascii_strncasecmp(name, "tcp", 3) == 0)
        return SIP_TRANSPORT_TCP;
    if (name && len == 3 && g_ascii_strncasecmp(name, "tls", 3) == 0)
        return SIP_TRANSPORT_TLS;
    return SIP_TRANSPORT_UDP;
}

guint
sip_transport_mask(SipTransport t)
{
    switch (t) {
    case SIP_TRANSPORT_UDP:
        return SIP_TRANSPORT_MASK_UDP;
    case SIP_TRANSPORT_TCP:
        return SIP_TRANSPORT_MASK_TCP;
    case SIP_TRANSPORT_TLS:
        return SIP_TRANSPORT_MASK_TLS;
    case SIP_TRANSPORT_WS:
        return SIP_TRANSPORT_MASK_WS;
    case SIP_TRANSPORT_WSS:
        return SIP_TRANSPORT_MASK_WSS;
    default:
        return 0;
    }
}
