/* Carillon - the checks a UAS makes on a request after it parsed
 * (RFC 3261 8.2, RFC 4475 3.3): mandatory headers, single-value headers
 * that appear twice, CSeq method mismatch, malformed Contacts. */
#include "sip_lex.h"

static const struct {
    SipHeaderId id;
    const char *missing;
    const char *repeated;
} single_headers[] = {
    { SIP_HDR_TO, "Missing To header", "Multiple To headers" },
    { SIP_HDR_FROM, "Missing From header", "Multiple From headers" },
    { SIP_HDR_CALL_ID, "Missing Call-ID header", "Multiple Call-ID headers" },
    { SIP_HDR_CSEQ, "Missing CSeq header", "Multiple CSeq headers" },
    { SIP_HDR_MAX_FORWARDS, NULL, "Multiple Max-Forwards headers" },
    { SIP_HDR_CONTENT_LENGTH, NULL, "Multiple Content-Length values" },
    { SIP_HDR_CONTENT_TYPE, NULL, "Multiple Content-Type headers" },
};

/* Every Contact value must parse, sip/sips ones as URIs too. */
static gboolean
contacts_valid(const SipMsg *msg)
{
    SipValueIter it;
    SipSlice v;
    SipContact contact;
    SipUri uri;
    guint n = 0;
    gboolean star = FALSE;
    int rc;

    sip_value_iter_init(&it, msg, SIP_HDR_CONTACT);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (!sip_parse_contact(v, &contact))
            return FALSE;
        n++;
        star = star || contact.star;
        if (!contact.star && !sip_uri_parse(contact.addr.uri, &uri))
            return FALSE;
    }
    return rc == 0 && (!star || n == 1);
}

guint
sip_msg_validate_request(const SipMsg *msg, const char **reason)
{
    const char *why = NULL;

    if (!msg->is_request || msg->error_code != 0) {
        why = msg->error_reason ? msg->error_reason : "Malformed request";
        goto bad;
    }
    for (guint i = 0; i < G_N_ELEMENTS(single_headers); i++) {
        guint n = sip_msg_count_headers(msg, single_headers[i].id);

        if (n == 0 && single_headers[i].missing) {
            why = single_headers[i].missing;
            goto bad;
        }
        if (n > 1) {
            why = single_headers[i].repeated;
            goto bad;
        }
    }
    if (sip_msg_count_headers(msg, SIP_HDR_VIA) == 0) {
        why = "Missing Via header";
        goto bad;
    }
    if (!sip_slice_equal(msg->cseq.method_name, msg->method_name)) {
        why = "CSeq method does not match request method";
        goto bad;
    }
    if (!contacts_valid(msg)) {
        why = "Malformed Contact header";
        goto bad;
    }
    if (reason)
        *reason = NULL;
    return 0;
bad:
    if (reason)
        *reason = why;
    return msg->error_code != 0 ? msg->error_code : 400;
}
