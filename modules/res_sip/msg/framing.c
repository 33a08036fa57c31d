/* Carillon - message framing on stream transports (RFC 3261 18.3): find
 * where one message ends in a TCP/TLS byte stream from the blank line and
 * Content-Length, without parsing the whole message. */
#include <string.h>

#include "sip_lex.h"

/* End of the header section: the position after the blank line, or NULL
 * when it is not in [p, end) yet. */
static const char *
find_headers_end(const char *p, const char *end)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (gsize) (end - p));

        if (nl == NULL || nl + 1 >= end)
            return NULL;
        if (nl[1] == '\n')
            return nl + 2;
        if (nl[1] == '\r') {
            if (nl + 2 >= end)
                return NULL;
            if (nl[2] == '\n')
                return nl + 3;
        }
        p = nl + 1;
    }
    return NULL;
}

/* Find the Content-Length value(s) among the header lines [p, end).
 * Returns FALSE with *reason on a duplicate or malformed value; *clen is
 * -1 when there is none. */
static gboolean
find_content_length(const char *p, const char *end, gint64 *clen, const char **reason)
{
    *clen = -1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (gsize) (end - p));
        const char *name_end, *colon;
        guint64 v;

        if (eol == NULL)
            eol = end;
        while (eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t')) {
            const char *next = memchr(eol + 1, '\n', (gsize) (end - eol - 1));

            eol = next ? next : end;
        }
        name_end = sip_skip_class(p, eol, SIP_C_TOKEN);
        colon = sip_skip_wsp(name_end, eol);
        if (colon < eol && *colon == ':'
            && sip_header_lookup(p, (gsize) (name_end - p)) == SIP_HDR_CONTENT_LENGTH) {
            SipSlice value = sip_slice_trim(sip_slice_make(colon + 1, eol));

            if (*clen >= 0) {
                *reason = "Multiple Content-Length values";
                return FALSE;
            }
            if (!sip_parse_uint_range(value.p, sip_slice_end(value), G_MAXINT32, &v)) {
                *reason = "Malformed Content-Length header";
                return FALSE;
            }
            *clen = (gint64) v;
        }
        p = eol < end ? eol + 1 : end;
    }
    return TRUE;
}

SipFrameResult
sip_msg_frame(const char *buf, gsize len, const SipParseLimits *limits, gsize *msg_len,
              const char **reason)
{
    SipParseLimits defaults;
    const char *p = buf, *end = buf + len, *body;
    const char *dummy;
    gint64 clen;

    if (reason == NULL)
        reason = &dummy;
    *reason = NULL;
    *msg_len = 0;
    if (limits == NULL) {
        sip_parse_limits_init(&defaults);
        limits = &defaults;
    }
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if (p > buf) {
        *msg_len = (gsize) (p - buf);
        return SIP_FRAME_KEEPALIVE;
    }
    body = find_headers_end(buf, end);
    if (body == NULL) {
        if (len > limits->max_message_size) {
            *reason = "Message Too Large";
            return SIP_FRAME_ERROR;
        }
        return SIP_FRAME_NEED_MORE;
    }
    if (!find_content_length(buf, body, &clen, reason))
        return SIP_FRAME_ERROR;
    if (clen < 0) {
        *reason = "Missing Content-Length";
        return SIP_FRAME_ERROR;
    }
    if ((guint64) (body - buf) + (guint64) clen > limits->max_message_size) {
        *reason = "Message Too Large";
        return SIP_FRAME_ERROR;
    }
    if ((gsize) (end - body) < (gsize) clen)
        return SIP_FRAME_NEED_MORE;
    *msg_len = (gsize) (body - buf) + (gsize) clen;
    return SIP_FRAME_OK;
}
