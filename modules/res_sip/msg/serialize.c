/* Carillon - writing SIP messages: the SipMsgBuilder, responses built
 * from a request (RFC 3261 8.2.6), CANCEL and non-2xx ACK for a client
 * INVITE (9.1, 17.1.1.3), and re-serializing a parsed message.  Copied
 * header values are unfolded (CRLF+WSP becomes one SP). */
#include <stdarg.h>
#include <string.h>

#include "sip_lex.h"

/* ---------------------------------------------------------------- builder */

void
sip_builder_init(SipMsgBuilder *b, GString *out)
{
    memset(b, 0, sizeof *b);
    b->out = out;
    b->len = out->len;
}

void
sip_builder_init_buf(SipMsgBuilder *b, char *buf, gsize size)
{
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->size = size;
}

static void
put(SipMsgBuilder *b, const char *p, gsize n)
{
    if (b->out != NULL) {
        GString *out = b->out;
        if (out->len + n < out->allocated_len) {
            /* the common case inline: g_string_append_len() is a call
             * into g_string_insert_len() with its checks, per piece */
            memcpy(out->str + out->len, p, n);
            out->len += n;
            out->str[out->len] = '\0';
        } else {
            g_string_append_len(out, p, (gssize) n);
        }
        b->len = out->len;
        return;
    }
    if (b->overflow || n > b->size - b->len) {
        b->overflow = TRUE;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void
put_str(SipMsgBuilder *b, const char *s)
{
    put(b, s, strlen(s));
}

static void
put_slice(SipMsgBuilder *b, SipSlice s)
{
    if (s.p != NULL)
        put(b, s.p, s.len);
}

gsize
sip_format_uint(char buf[24], guint64 v)
{
    char tmp[24];
    gsize n = 0, len;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    len = n;
    for (gsize i = 0; i < len; i++)
        buf[i] = tmp[len - 1 - i];
    buf[len] = '\0';
    return len;
}

void
sip_format_hex64(char buf[17], guint64 v)
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 15; i >= 0; i--, v >>= 4)
        buf[i] = digits[v & 0xf];
    buf[16] = '\0';
}

static void
put_uint(SipMsgBuilder *b, guint64 v)
{
    char tmp[24];

    put(b, tmp, sip_format_uint(tmp, v));
}

/* Append a value with every run of CR/LF/SP/HT inside a fold turned into
 * one SP; plain runs of SP/HT are kept as they are. */
static void
put_unfolded(SipMsgBuilder *b, SipSlice s)
{
    const char *p = s.p, *end = sip_slice_end(s);

    while (p < end) {
        const char *q = p;

        while (q < end && *q != '\r' && *q != '\n')
            q++;
        put(b, p, (gsize) (q - p));
        if (q == end)
            break;
        while (q < end && SIP_IS(*q, SIP_C_WS))
            q++;
        put(b, " ", 1);
        p = q;
    }
}

void
sip_builder_request_line(SipMsgBuilder *b, const char *method, SipSlice ruri)
{
    put_str(b, method);
    put(b, " ", 1);
    put_slice(b, ruri);
    put(b, " SIP/2.0\r\n", 10);
}

void
sip_builder_status_line(SipMsgBuilder *b, guint code, const char *reason)
{
    put(b, "SIP/2.0 ", 8);
    put_uint(b, code);
    put(b, " ", 1);
    put_str(b, reason ? reason : sip_status_reason(code));
    put(b, "\r\n", 2);
}

void
sip_builder_header(SipMsgBuilder *b, const char *name, const char *value)
{
    put_str(b, name);
    put(b, ": ", 2);
    if (value)
        put_str(b, value);
    put(b, "\r\n", 2);
}

void
sip_builder_header_slice(SipMsgBuilder *b, const char *name, SipSlice value)
{
    put_str(b, name);
    put(b, ": ", 2);
    put_unfolded(b, value);
    put(b, "\r\n", 2);
}

void
sip_builder_header_printf(SipMsgBuilder *b, const char *name, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *value = NULL;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sip_builder_header(b, name, value);
}

void
sip_builder_raw(SipMsgBuilder *b, const char *text, gsize len)
{
    put(b, text, len);
}

void
sip_builder_copy_header(SipMsgBuilder *b, const SipHeader *h)
{
    const char *name = sip_header_name((SipHeaderId) h->id);

    if (name != NULL) {
        put_str(b, name);
    } else {
        put_slice(b, h->name);
    }
    put(b, ": ", 2);
    put_unfolded(b, h->value);
    put(b, "\r\n", 2);
}

void
sip_builder_copy_headers(SipMsgBuilder *b, const SipMsg *msg, SipHeaderId id)
{
    const SipHeader *h;

    for (guint i = 0; (h = sip_msg_get_header(msg, id, i)) != NULL; i++)
        sip_builder_copy_header(b, h);
}

gsize
sip_builder_finish(SipMsgBuilder *b, const char *content_type, const char *body, gsize body_len)
{
    if (body == NULL)
        body_len = 0;
    if (content_type != NULL && body_len > 0)
        sip_builder_header(b, "Content-Type", content_type);
    put(b, "Content-Length: ", 16);
    put_uint(b, body_len);
    put(b, "\r\n\r\n", 4);
    if (body_len > 0)
        put(b, body, body_len);
    return b->overflow ? 0 : b->len;
}

/* ---------------------------------------------------------------- responses */

/* The top via-parm with received= and rport=N added as the server must
 * (RFC 3261 18.2.1, RFC 3581 4). */
static void
put_top_via(SipMsgBuilder *b, const SipVia *via, const SipViaFixup *fixup)
{
    SipSlice cursor = via->params;
    SipParam param;
    const char *params_start = via->params.p ? via->params.p - 1 : sip_slice_end(via->raw);

    put_unfolded(b, sip_slice_trim(sip_slice_make(via->raw.p, params_start)));
    while (sip_param_next(&cursor, &param) > 0) {
        put(b, ";", 1);
        put_slice(b, param.name);
        if (sip_slice_case_eq(param.name, "rport") && param.value.p == NULL && fixup->rport) {
            put(b, "=", 1);
            put_uint(b, fixup->rport);
        } else if (param.value.p != NULL) {
            put(b, "=", 1);
            put_unfolded(b, param.value);
        }
    }
    if (fixup->received != NULL && via->received.p == NULL) {
        put(b, ";received=", 10);
        put_str(b, fixup->received);
    }
}

/* Copy all Via lines; the first via-parm of the first line gets the
 * fix-up when it parsed, otherwise everything is copied verbatim. */
static void
put_vias(SipMsgBuilder *b, const SipMsg *req, const SipViaFixup *fixup)
{
    const SipHeader *h;

    for (guint i = 0; (h = sip_msg_get_header(req, SIP_HDR_VIA, i)) != NULL; i++) {
        if (i == 0 && fixup != NULL && req->via.raw.p != NULL && req->via.host.p != NULL
            && req->via.raw.p >= h->value.p
            && sip_slice_end(req->via.raw) <= sip_slice_end(h->value)) {
            const char *rest = sip_slice_end(req->via.raw);

            put(b, "Via: ", 5);
            put_top_via(b, &req->via, fixup);
            put_unfolded(b, sip_slice_make(rest, sip_slice_end(h->value)));
            put(b, "\r\n", 2);
            continue;
        }
        sip_builder_copy_header(b, h);
    }
}

static void
put_to(SipMsgBuilder *b, const SipMsg *req, const char *to_tag)
{
    const SipHeader *to = sip_msg_get_header(req, SIP_HDR_TO, 0);

    if (to == NULL)
        return;
    put(b, "To: ", 4);
    put_unfolded(b, to->value);
    if (to_tag != NULL && req->to.tag.p == NULL && req->to.uri.p != NULL) {
        put(b, ";tag=", 5);
        put_str(b, to_tag);
    }
    put(b, "\r\n", 2);
}

static void
copy_first(SipMsgBuilder *b, const SipMsg *msg, SipHeaderId id)
{
    const SipHeader *h = sip_msg_get_header(msg, id, 0);

    if (h != NULL)
        sip_builder_copy_header(b, h);
}

void
sip_builder_response(SipMsgBuilder *b, const SipMsg *req, guint code, const char *reason,
                     const char *to_tag, const SipViaFixup *fixup)
{
    sip_builder_status_line(b, code, reason);
    put_vias(b, req, fixup);
    copy_first(b, req, SIP_HDR_FROM);
    put_to(b, req, to_tag);
    copy_first(b, req, SIP_HDR_CALL_ID);
    copy_first(b, req, SIP_HDR_CSEQ);
}

void
sip_msg_build_response(const SipMsg *req, guint code, const char *reason, const char *to_tag,
                       GString *out)
{
    sip_msg_build_response_full(req, code, reason, to_tag, NULL, NULL, NULL, NULL, 0, out);
}

void
sip_msg_build_response_full(const SipMsg *req, guint code, const char *reason,
                            const char *to_tag, const SipViaFixup *fixup,
                            const char *extra_headers, const char *content_type,
                            const char *body, gsize body_len, GString *out)
{
    SipMsgBuilder b;

    sip_builder_init(&b, out);
    sip_builder_response(&b, req, code, reason, to_tag, fixup);
    if (extra_headers != NULL)
        put_str(&b, extra_headers);
    sip_builder_finish(&b, content_type, body, body_len);
}

/* ---------------------------------------------------------------- CANCEL / ACK */

static void
put_top_via_only(SipMsgBuilder *b, const SipMsg *msg)
{
    if (msg->via.raw.p != NULL)
        sip_builder_header_slice(b, "Via", msg->via.raw);
}

static void
put_cseq(SipMsgBuilder *b, guint32 number, const char *method)
{
    put(b, "CSeq: ", 6);
    put_uint(b, number);
    put(b, " ", 1);
    put_str(b, method);
    put(b, "\r\n", 2);
}

void
sip_msg_build_cancel(const SipMsg *invite, GString *out)
{
    sip_msg_build_cancel_with_reason(invite, NULL, out);
}

void
sip_msg_build_cancel_with_reason(const SipMsg *invite, const char *reason, GString *out)
{
    SipMsgBuilder b;

    sip_builder_init(&b, out);
    sip_builder_request_line(&b, "CANCEL", invite->ruri_text);
    put_top_via_only(&b, invite);
    sip_builder_copy_headers(&b, invite, SIP_HDR_ROUTE);
    sip_builder_header(&b, "Max-Forwards", "70");
    copy_first(&b, invite, SIP_HDR_FROM);
    copy_first(&b, invite, SIP_HDR_TO);
    copy_first(&b, invite, SIP_HDR_CALL_ID);
    put_cseq(&b, invite->cseq.number, "CANCEL");
    if (reason && *reason && !strpbrk(reason, "\r\n"))
        sip_builder_header(&b, "Reason", reason);
    sip_builder_finish(&b, NULL, NULL, 0);
}

void
sip_msg_build_ack(const SipMsg *invite, const SipMsg *response, GString *out)
{
    SipMsgBuilder b;

    sip_builder_init(&b, out);
    sip_builder_request_line(&b, "ACK", invite->ruri_text);
    put_top_via_only(&b, invite);
    sip_builder_copy_headers(&b, invite, SIP_HDR_ROUTE);
    sip_builder_header(&b, "Max-Forwards", "70");
    copy_first(&b, invite, SIP_HDR_FROM);
    copy_first(&b, response, SIP_HDR_TO);
    copy_first(&b, invite, SIP_HDR_CALL_ID);
    put_cseq(&b, invite->cseq.number, "ACK");
    sip_builder_finish(&b, NULL, NULL, 0);
}

/* ---------------------------------------------------------------- serialize */

void
sip_msg_serialize(const SipMsg *msg, GString *out)
{
    SipMsgBuilder b;

    sip_builder_init(&b, out);
    if (msg->is_request) {
        put_slice(&b, msg->method_name);
        put(&b, " ", 1);
        put_slice(&b, msg->ruri_text);
        put(&b, " SIP/2.0\r\n", 10);
    } else {
        put(&b, "SIP/2.0 ", 8);
        put_uint(&b, msg->status_code);
        put(&b, " ", 1);
        put_slice(&b, msg->reason);
        put(&b, "\r\n", 2);
    }
    for (guint i = 0; i < msg->n_headers && i < SIP_MSG_MAX_HEADERS; i++) {
        if (msg->headers[i].id != SIP_HDR_CONTENT_LENGTH)
            sip_builder_copy_header(&b, &msg->headers[i]);
    }
    sip_builder_finish(&b, NULL, msg->body.p, msg->body.len);
}

/* ---------------------------------------------------------------- reasons */

const char *
sip_status_reason(guint code)
{
    static const struct { guint16 code; const char *reason; } reasons[] = {
        { 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
        { 182, "Queued" }, { 183, "Session Progress" }, { 199, "Early Dialog Terminated" },
        { 200, "OK" }, { 202, "Accepted" }, { 204, "No Notification" },
        { 300, "Multiple Choices" }, { 301, "Moved Permanently" },
        { 302, "Moved Temporarily" }, { 305, "Use Proxy" }, { 380, "Alternative Service" },
        { 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
        { 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
        { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
        { 408, "Request Timeout" }, { 410, "Gone" }, { 412, "Conditional Request Failed" },
        { 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
        { 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
        { 417, "Unknown Resource-Priority" }, { 420, "Bad Extension" },
        { 421, "Extension Required" }, { 422, "Session Interval Too Small" },
        { 423, "Interval Too Brief" }, { 428, "Use Identity Header" },
        { 429, "Provide Referrer Identity" }, { 433, "Anonymity Disallowed" },
        { 436, "Bad Identity-Info" }, { 437, "Unsupported Certificate" },
        { 438, "Invalid Identity Header" }, { 439, "First Hop Lacks Outbound Support" },
        { 440, "Max-Breadth Exceeded" }, { 469, "Bad Info Package" },
        { 470, "Consent Needed" }, { 480, "Temporarily Unavailable" },
        { 481, "Call/Transaction Does Not Exist" }, { 482, "Loop Detected" },
        { 483, "Too Many Hops" }, { 484, "Address Incomplete" }, { 485, "Ambiguous" },
        { 486, "Busy Here" }, { 487, "Request Terminated" }, { 488, "Not Acceptable Here" },
        { 489, "Bad Event" }, { 491, "Request Pending" }, { 493, "Undecipherable" },
        { 494, "Security Agreement Required" }, { 500, "Server Internal Error" },
        { 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
        { 504, "Server Time-out" }, { 505, "Version Not Supported" },
        { 513, "Message Too Large" }, { 555, "Push Notification Service Not Supported" },
        { 580, "Precondition Failure" }, { 600, "Busy Everywhere" }, { 603, "Decline" },
        { 604, "Does Not Exist Anywhere" }, { 606, "Not Acceptable" }, { 607, "Unwanted" },
        { 608, "Rejected" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(reasons); i++) {
        if (reasons[i].code == code)
            return reasons[i].reason;
    }
    return "Unknown";
}
