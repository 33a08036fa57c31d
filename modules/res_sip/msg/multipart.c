/* Carillon - multipart bodies (RFC 2046 5.1, RFC 5621): split by
 * boundary into parts with their own headers, and find a body of a given
 * type (application/sdp next to an ISUP or PIDF part). */
#include <string.h>

#include "sip_lex.h"

#define MAX_FIND_PARTS 16

gboolean
sip_multipart_boundary(const SipMediaType *type, SipSlice *boundary)
{
    SipSlice v;

    if (type->params.p == NULL || !sip_params_find(type->params, "boundary", &v) || v.p == NULL)
        return FALSE;
    if (v.len >= 2 && v.p[0] == '"')
        v = sip_slice_make(v.p + 1, v.p + v.len - 1);
    if (v.len == 0 || v.len > 70)   /* RFC 2046: 1 to 70 characters */
        return FALSE;
    *boundary = v;
    return TRUE;
}

/* Next "--boundary" at the start of a line at or after p. */
static const char *
find_delimiter(const char *start, const char *p, const char *end, SipSlice boundary)
{
    gsize need = boundary.len + 2;

    while ((gsize) (end - p) >= need) {
        const char *dash = memchr(p, '-', (gsize) (end - p) - need + 1);

        if (dash == NULL)
            return NULL;
        if (dash[1] == '-' && memcmp(dash + 2, boundary.p, boundary.len) == 0
            && (dash == start || dash[-1] == '\n'))
            return dash;
        p = dash + 1;
    }
    return NULL;
}

/* The value of the part's Content-Type (or "c") header, if any. */
static SipSlice
part_content_type(SipSlice headers)
{
    const char *p = headers.p, *end = sip_slice_end(headers);

    while (p < end) {
        const char *eol = memchr(p, '\n', (gsize) (end - p));
        const char *line_end = eol ? eol : end;
        const char *q = sip_skip_class(p, line_end, SIP_C_TOKEN);
        const char *colon = sip_skip_wsp(q, line_end);

        while (eol && eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t')) {
            eol = memchr(eol + 1, '\n', (gsize) (end - eol - 1));
            line_end = eol ? eol : end;
        }
        if (colon < line_end && *colon == ':'
            && sip_header_lookup(p, (gsize) (q - p)) == SIP_HDR_CONTENT_TYPE)
            return sip_slice_trim(sip_slice_make(colon + 1, line_end));
        p = line_end < end ? line_end + 1 : end;
    }
    return SIP_SLICE_NULL;
}

/* One part: [p, end) holds its headers, a blank line and its body; a part
 * starting with the blank line has no headers. */
static gboolean
split_part(const char *p, const char *end, SipBodyPart *part)
{
    const char *q = p;

    memset(part, 0, sizeof *part);
    for (;;) {
        const char *eol;

        if (q < end && *q == '\n') {
            q++;
            break;
        }
        if (end - q >= 2 && q[0] == '\r' && q[1] == '\n') {
            q += 2;
            break;
        }
        eol = memchr(q, '\n', (gsize) (end - q));
        if (eol == NULL)
            return FALSE;
        q = eol + 1;
    }
    part->headers = sip_slice_make(p, q);
    part->content_type = part_content_type(part->headers);
    part->body = sip_slice_make(q, end);
    return TRUE;
}

/* After "--boundary": "--" closes; else optional padding then CRLF. */
static const char *
after_delimiter(const char *p, const char *end, gboolean *closing)
{
    *closing = FALSE;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
        *closing = TRUE;
        return p + 2;
    }
    p = sip_skip_wsp(p, end);
    if (p < end && *p == '\r')
        p++;
    if (p >= end || *p != '\n')
        return NULL;
    return p + 1;
}

int
sip_multipart_split(SipSlice body, SipSlice boundary, SipBodyPart *parts, guint max)
{
    const char *start = body.p, *end = sip_slice_end(body), *p, *next;
    gboolean closing = FALSE;
    guint n = 0;

    if (start == NULL || boundary.p == NULL || boundary.len == 0)
        return -1;
    p = find_delimiter(start, start, end, boundary);
    while (p != NULL) {
        const char *content = after_delimiter(p + 2 + boundary.len, end, &closing);
        const char *part_end;

        if (content == NULL)
            return -1;
        if (closing)
            return n > 0 ? (int) n : -1;
        next = find_delimiter(start, content, end, boundary);
        if (next == NULL || n >= max)
            return -1;
        /* the CRLF before the delimiter belongs to the delimiter */
        part_end = next;
        if (part_end > content && part_end[-1] == '\n')
            part_end--;
        if (part_end > content && part_end[-1] == '\r')
            part_end--;
        if (!split_part(content, part_end, &parts[n]))
            return -1;
        n++;
        p = next;
    }
    return -1;
}

static gboolean
type_matches(const SipMediaType *mt, const char *type, const char *subtype)
{
    return sip_slice_case_eq(mt->type, type) && sip_slice_case_eq(mt->subtype, subtype);
}

gboolean
sip_msg_find_body(const SipMsg *msg, const char *type, const char *subtype, SipSlice *body)
{
    SipBodyPart parts[MAX_FIND_PARTS];
    SipSlice boundary;
    int n;

    if (msg->content_type.p == NULL)
        return FALSE;
    if (type_matches(&msg->content_type_parsed, type, subtype)) {
        *body = msg->body;
        return TRUE;
    }
    if (!sip_slice_case_eq(msg->content_type_parsed.type, "multipart")
        || !sip_multipart_boundary(&msg->content_type_parsed, &boundary))
        return FALSE;
    n = sip_multipart_split(msg->body, boundary, parts, MAX_FIND_PARTS);
    for (int i = 0; i < n; i++) {
        SipMediaType mt;

        if (parts[i].content_type.p && sip_parse_media_type(parts[i].content_type, &mt)
            && type_matches(&mt, type, subtype)) {
            *body = parts[i].body;
            return TRUE;
        }
    }
    return FALSE;
}
