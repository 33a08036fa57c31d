/* Carillon - libFuzzer harness for the SIP message parser: parse in both
 * modes, frame, validate, run every on-demand header parser over the
 * result, build a response and check that a message that parsed can be
 * serialized and parsed again. */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/msg.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static SipMsg msg;
static SipMsg again;

static void
walk_lists(const SipMsg *m)
{
    SipVia vias[8];
    SipContact contacts[8];
    SipNameAddr addrs[8];
    SipSlice tokens[16];
    SipMediaType types[8];
    SipDigestParams dp;
    SipSlice body;
    SipUri uri;
    guint n;

    sip_parse_via_list(m, vias, 8, &n);
    if (sip_parse_contact_list(m, contacts, 8, &n)) {
        for (guint i = 0; i < n; i++)
            sip_uri_parse(contacts[i].addr.uri, &uri);
    }
    sip_parse_name_addr_list(m, SIP_HDR_ROUTE, addrs, 8, &n);
    sip_parse_name_addr_list(m, SIP_HDR_RECORD_ROUTE, addrs, 8, &n);
    sip_parse_token_list(m, SIP_HDR_REQUIRE, tokens, 16, &n);
    sip_parse_token_list(m, SIP_HDR_SUPPORTED, tokens, 16, &n);
    sip_parse_accept_list(m, types, 8, &n);
    sip_msg_accepts(m, "application", "sdp", FALSE);
    for (guint i = 0; i < m->n_headers; i++) {
        const SipHeader *h = &m->headers[i];
        SipEvent ev;
        SipReplaces rp;
        SipNameAddr na;
        guint32 d;

        switch (h->id) {
        case SIP_HDR_AUTHORIZATION:
        case SIP_HDR_PROXY_AUTHORIZATION:
        case SIP_HDR_WWW_AUTHENTICATE:
        case SIP_HDR_PROXY_AUTHENTICATE:
            sip_parse_digest(h->value, &dp);
            break;
        case SIP_HDR_EVENT:
            sip_parse_event(h->value, &ev);
            break;
        case SIP_HDR_REPLACES:
            sip_parse_replaces(h->value, &rp);
            break;
        case SIP_HDR_REFER_TO:
        case SIP_HDR_REFERRED_BY:
            if (sip_parse_name_addr(h->value, &na))
                sip_uri_parse(na.uri, &uri);
            break;
        case SIP_HDR_EXPIRES:
            sip_parse_delta_seconds(h->value, &d);
            break;
        default:
            break;
        }
    }
    sip_msg_find_body(m, "application", "sdp", &body);
}

/* A message that parsed must survive its own serialization (unless it
 * has no room for the Content-Length header serializing adds). */
static void
check_roundtrip(const SipMsg *m)
{
    GString *out;

    if (m->n_headers >= SIP_MSG_MAX_HEADERS)
        return;
    out = g_string_new(NULL);

    sip_msg_serialize(m, out);
    if (sip_msg_parse(&again, out->str, out->len, SIP_PARSE_STREAM, NULL) != SIP_PARSE_OK)
        abort();
    if (again.n_headers < m->n_headers || again.body.len != m->body.len
        || again.cseq.number != m->cseq.number || again.is_request != m->is_request)
        abort();
    g_string_free(out, TRUE);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    const char *buf = (const char *) data;
    const char *reason;
    SipParseResult r;
    gsize n;

    sip_msg_frame(buf, size, NULL, &n, &reason);
    sip_msg_parse(&msg, buf, size, SIP_PARSE_STREAM, NULL);
    r = sip_msg_parse(&msg, buf, size, SIP_PARSE_DATAGRAM, NULL);
    if (r == SIP_PARSE_OK || r == SIP_PARSE_ERROR_REQUEST || r == SIP_PARSE_ERROR_RESPONSE)
        walk_lists(&msg);
    if (r == SIP_PARSE_ERROR_REQUEST || (r == SIP_PARSE_OK && msg.is_request)) {
        GString *out = g_string_new(NULL);
        SipViaFixup fix = { "192.0.2.1", 5060 };

        if (r == SIP_PARSE_OK)
            sip_msg_validate_request(&msg, &reason);
        sip_msg_build_response_full(&msg, 400, NULL, "tag", &fix, NULL, NULL, NULL, 0, out);
        g_string_free(out, TRUE);
    }
    if (r == SIP_PARSE_OK)
        check_roundtrip(&msg);
    return 0;
}
