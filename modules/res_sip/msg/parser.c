/* Carillon - the SIP message parser: one pass over the caller's buffer
 * splits the start line and the header lines, identifies known headers,
 * and parses eagerly only what every message needs (RFC 3261 7, 25).
 * No allocation, no copies, no writes to the buffer. */
#include <stddef.h>
#include <string.h>

#include "sip_lex.h"

G_STATIC_ASSERT(SIP_MSG_MAX_HEADERS < SIP_HDR_INDEX_NONE);
G_STATIC_ASSERT(SIP_HDR__COUNT < 256);

/* ---------------------------------------------------------------- names */

typedef struct {
    const char *name;
    guint8 id;
} HeaderName;

/* Canonical names first (indexed by id), compact forms after. */
static const HeaderName header_names[] = {
    { NULL, SIP_HDR_OTHER },
    { "Accept", SIP_HDR_ACCEPT },
    { "Accept-Contact", SIP_HDR_ACCEPT_CONTACT },
    { "Accept-Encoding", SIP_HDR_ACCEPT_ENCODING },
    { "Accept-Language", SIP_HDR_ACCEPT_LANGUAGE },
    { "Alert-Info", SIP_HDR_ALERT_INFO },
    { "Allow", SIP_HDR_ALLOW },
    { "Allow-Events", SIP_HDR_ALLOW_EVENTS },
    { "Authentication-Info", SIP_HDR_AUTHENTICATION_INFO },
    { "Authorization", SIP_HDR_AUTHORIZATION },
    { "Call-ID", SIP_HDR_CALL_ID },
    { "Call-Info", SIP_HDR_CALL_INFO },
    { "Contact", SIP_HDR_CONTACT },
    { "Content-Disposition", SIP_HDR_CONTENT_DISPOSITION },
    { "Content-Encoding", SIP_HDR_CONTENT_ENCODING },
    { "Content-Language", SIP_HDR_CONTENT_LANGUAGE },
    { "Content-Length", SIP_HDR_CONTENT_LENGTH },
    { "Content-Type", SIP_HDR_CONTENT_TYPE },
    { "CSeq", SIP_HDR_CSEQ },
    { "Date", SIP_HDR_DATE },
    { "Error-Info", SIP_HDR_ERROR_INFO },
    { "Event", SIP_HDR_EVENT },
    { "Expires", SIP_HDR_EXPIRES },
    { "From", SIP_HDR_FROM },
    { "Identity", SIP_HDR_IDENTITY },
    { "Identity-Info", SIP_HDR_IDENTITY_INFO },
    { "In-Reply-To", SIP_HDR_IN_REPLY_TO },
    { "Max-Forwards", SIP_HDR_MAX_FORWARDS },
    { "MIME-Version", SIP_HDR_MIME_VERSION },
    { "Min-Expires", SIP_HDR_MIN_EXPIRES },
    { "Min-SE", SIP_HDR_MIN_SE },
    { "Organization", SIP_HDR_ORGANIZATION },
    { "P-Asserted-Identity", SIP_HDR_P_ASSERTED_IDENTITY },
    { "P-Preferred-Identity", SIP_HDR_P_PREFERRED_IDENTITY },
    { "Path", SIP_HDR_PATH },
    { "Priority", SIP_HDR_PRIORITY },
    { "Privacy", SIP_HDR_PRIVACY },
    { "Proxy-Authenticate", SIP_HDR_PROXY_AUTHENTICATE },
    { "Proxy-Authorization", SIP_HDR_PROXY_AUTHORIZATION },
    { "Proxy-Require", SIP_HDR_PROXY_REQUIRE },
    { "RAck", SIP_HDR_RACK },
    { "Reason", SIP_HDR_REASON },
    { "Record-Route", SIP_HDR_RECORD_ROUTE },
    { "Refer-Sub", SIP_HDR_REFER_SUB },
    { "Refer-To", SIP_HDR_REFER_TO },
    { "Referred-By", SIP_HDR_REFERRED_BY },
    { "Reject-Contact", SIP_HDR_REJECT_CONTACT },
    { "Replaces", SIP_HDR_REPLACES },
    { "Reply-To", SIP_HDR_REPLY_TO },
    { "Request-Disposition", SIP_HDR_REQUEST_DISPOSITION },
    { "Require", SIP_HDR_REQUIRE },
    { "Retry-After", SIP_HDR_RETRY_AFTER },
    { "Route", SIP_HDR_ROUTE },
    { "RSeq", SIP_HDR_RSEQ },
    { "Server", SIP_HDR_SERVER },
    { "Service-Route", SIP_HDR_SERVICE_ROUTE },
    { "Session-Expires", SIP_HDR_SESSION_EXPIRES },
    { "SIP-ETag", SIP_HDR_SIP_ETAG },
    { "SIP-If-Match", SIP_HDR_SIP_IF_MATCH },
    { "Subject", SIP_HDR_SUBJECT },
    { "Subscription-State", SIP_HDR_SUBSCRIPTION_STATE },
    { "Supported", SIP_HDR_SUPPORTED },
    { "Timestamp", SIP_HDR_TIMESTAMP },
    { "To", SIP_HDR_TO },
    { "Unsupported", SIP_HDR_UNSUPPORTED },
    { "User-Agent", SIP_HDR_USER_AGENT },
    { "Via", SIP_HDR_VIA },
    { "Warning", SIP_HDR_WARNING },
    { "WWW-Authenticate", SIP_HDR_WWW_AUTHENTICATE },
    /* compact forms (RFC 3261 7.3.3 and extensions) */
    { "a", SIP_HDR_ACCEPT_CONTACT },
    { "b", SIP_HDR_REFERRED_BY },
    { "c", SIP_HDR_CONTENT_TYPE },
    { "d", SIP_HDR_REQUEST_DISPOSITION },
    { "e", SIP_HDR_CONTENT_ENCODING },
    { "f", SIP_HDR_FROM },
    { "i", SIP_HDR_CALL_ID },
    { "j", SIP_HDR_REJECT_CONTACT },
    { "k", SIP_HDR_SUPPORTED },
    { "l", SIP_HDR_CONTENT_LENGTH },
    { "m", SIP_HDR_CONTACT },
    { "n", SIP_HDR_IDENTITY_INFO },
    { "o", SIP_HDR_EVENT },
    { "r", SIP_HDR_REFER_TO },
    { "s", SIP_HDR_SUBJECT },
    { "t", SIP_HDR_TO },
    { "u", SIP_HDR_ALLOW_EVENTS },
    { "v", SIP_HDR_VIA },
    { "x", SIP_HDR_SESSION_EXPIRES },
    { "y", SIP_HDR_IDENTITY },
};

G_STATIC_ASSERT(G_N_ELEMENTS(header_names) == SIP_HDR__COUNT + 20);

/* Open-addressed hash of (length, first, middle, last byte), lower-cased;
 * the multipliers make it collision-free for the names above, so a known
 * name is found at the first probe.  Built once, read-only afterwards. */
#define NAME_HASH_SIZE 512
static guint8 name_hash[NAME_HASH_SIZE];   /* index into header_names, 0 = empty */
static guint8 name_lens[G_N_ELEMENTS(header_names)];
static char name_lower[G_N_ELEMENTS(header_names)][24];

static inline guint
name_hash_key(const char *name, gsize len)
{
    guint first = (guint8) name[0] | 0x20, last = (guint8) name[len - 1] | 0x20;
    guint mid = (guint8) name[len / 2] | 0x20;

    return ((guint) len + first * 6u + last * 17u + mid * 13u) & (NAME_HASH_SIZE - 1);
}

static void
name_hash_build(void)
{
    for (guint i = 1; i < G_N_ELEMENTS(header_names); i++) {
        const char *name = header_names[i].name;
        guint h = name_hash_key(name, strlen(name));

        name_lens[i] = (guint8) strlen(name);
        for (guint k = 0; k < name_lens[i] && k < sizeof name_lower[i]; k++)
            name_lower[i][k] = (char) sip_lower[(guint8) name[k]];
        while (name_hash[h] != 0)
            h = (h + 1) & (NAME_HASH_SIZE - 1);
        name_hash[h] = (guint8) i;
    }
}

/* Compare a token against a known lower-case name 8 bytes at a time:
 * OR-ing 0x20 folds case, and for token characters it maps nothing else
 * onto the letters and '-' that known names are made of. */
static inline gboolean
name_eq(const char *name, const char *lower, gsize len)
{
    const guint64 fold = G_GUINT64_CONSTANT(0x2020202020202020);
    gsize i = 0;

    guint64 a, b;
    guint32 c, d;

    if (len >= 8) {
        for (; i + 8 <= len; i += 8) {
            memcpy(&a, name + i, 8);
            memcpy(&b, lower + i, 8);
            if ((a | fold) != b)
                return FALSE;
        }
        if (i == len)
            return TRUE;
        /* the tail, as an overlapping last word */
        memcpy(&a, name + len - 8, 8);
        memcpy(&b, lower + len - 8, 8);
        return (a | fold) == b;
    }
    if (len >= 4) {
        memcpy(&c, name, 4);
        memcpy(&d, lower, 4);
        if ((c | (guint32) fold) != d)
            return FALSE;
        memcpy(&c, name + len - 4, 4);
        memcpy(&d, lower + len - 4, 4);
        return (c | (guint32) fold) == d;
    }
    for (; i < len; i++) {
        if (((guint8) name[i] | 0x20) != (guint8) lower[i])
            return FALSE;
    }
    return TRUE;
}

/* The parser's lookup: name is known to be a token. */
static SipHeaderId
lookup_token(const char *name, gsize len)
{
    static gsize built = 0;
    guint h;

    if (g_once_init_enter(&built)) {
        name_hash_build();
        g_once_init_leave(&built, 1);
    }
    if (len == 0 || len > 24)
        return SIP_HDR_OTHER;
    h = name_hash_key(name, len);
    while (name_hash[h] != 0) {
        guint idx = name_hash[h];

        if (name_lens[idx] == len && name_eq(name, name_lower[idx], len))
            return (SipHeaderId) header_names[idx].id;
        h = (h + 1) & (NAME_HASH_SIZE - 1);
    }
    return SIP_HDR_OTHER;
}

SipHeaderId
sip_header_lookup(const char *name, gsize len)
{
    if (name == NULL || sip_skip_class(name, name + len, SIP_C_TOKEN) != name + len)
        return SIP_HDR_OTHER;
    return lookup_token(name, len);
}

const char *
sip_header_name(SipHeaderId id)
{
    if (id <= SIP_HDR_OTHER || id >= SIP_HDR__COUNT)
        return NULL;
    return header_names[id].name;
}

static const char *const method_names[SIP_METHOD__COUNT] = {
    [SIP_METHOD_UNKNOWN] = NULL,
    [SIP_METHOD_INVITE] = "INVITE",
    [SIP_METHOD_ACK] = "ACK",
    [SIP_METHOD_BYE] = "BYE",
    [SIP_METHOD_CANCEL] = "CANCEL",
    [SIP_METHOD_OPTIONS] = "OPTIONS",
    [SIP_METHOD_REGISTER] = "REGISTER",
    [SIP_METHOD_PRACK] = "PRACK",
    [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_NOTIFY] = "NOTIFY",
    [SIP_METHOD_PUBLISH] = "PUBLISH",
    [SIP_METHOD_INFO] = "INFO",
    [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_MESSAGE] = "MESSAGE",
    [SIP_METHOD_UPDATE] = "UPDATE",
};

static const guint8 method_lens[SIP_METHOD__COUNT] = {
    0, 6, 3, 3, 6, 7, 8, 5, 9, 6, 7, 4, 5, 7, 6,
};

SipMethod
sip_method_from_slice(SipSlice name)
{
    if (name.p == NULL || name.len < 3 || name.len > 9)
        return SIP_METHOD_UNKNOWN;
    for (guint m = 1; m < SIP_METHOD__COUNT; m++) {
        const char *n = method_names[m];

        if (method_lens[m] == name.len && n[0] == name.p[0] && memcmp(n, name.p, name.len) == 0)
            return (SipMethod) m;
    }
    return SIP_METHOD_UNKNOWN;
}

const char *
sip_method_name(SipMethod method)
{
    return method < SIP_METHOD__COUNT ? method_names[method] : NULL;
}

/* ---------------------------------------------------------------- helpers */

void
sip_parse_limits_init(SipParseLimits *limits)
{
    limits->max_message_size = 65535;
    limits->max_headers = SIP_MSG_MAX_HEADERS;
    limits->max_line_length = 8192;
}

SipMsg *
sip_msg_new(void)
{
    SipMsg *msg = g_new0(SipMsg, 1);

    memset(msg->first, SIP_HDR_INDEX_NONE, sizeof msg->first);
    return msg;
}

void
sip_msg_free(SipMsg *msg)
{
    g_free(msg);
}

static void
set_error(SipMsg *msg, guint code, const char *reason, SipHeaderId id)
{
    if (msg->error_code != 0)
        return;
    msg->error_code = (guint16) code;
    msg->error_reason = reason;
    msg->error_header = (guint8) id;
}

/* Errors in eagerly parsed headers get a reason naming the header. */
static void
set_header_error(SipMsg *msg, SipHeaderId id)
{
    if (msg->error_code != 0)
        return;
    g_snprintf(msg->reason_buf, sizeof msg->reason_buf, "Malformed %s header", sip_header_name(id));
    set_error(msg, 400, msg->reason_buf, id);
}

/* Reset what a parse sets; the header array is overwritten as we go. */
static void
msg_reset(SipMsg *msg)
{
    memset(msg, 0, offsetof(SipMsg, first));
    memset(msg->first, SIP_HDR_INDEX_NONE, sizeof msg->first);
    memset(msg->count, 0, sizeof msg->count);
    msg->max_forwards = -1;
    msg->content_length = -1;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT over exactly [p, end).
 * Returns 0 if malformed, 1 if 2.0, 2 if another version. */
static int
check_version(const char *p, const char *end)
{
    const char *major, *minor, *q;

    if (end - p < 7 || !sip_lower_eq(p, "sip/", 4))
        return 0;
    major = p + 4;
    q = sip_skip_class(major, end, SIP_C_DIGIT);
    if (q == major || q == end || *q != '.')
        return 0;
    minor = q + 1;
    if (minor == end || sip_skip_class(minor, end, SIP_C_DIGIT) != end)
        return 0;
    if (q - major == 1 && *major == '2' && end - minor == 1 && *minor == '0')
        return 1;
    return 2;
}

/* Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP
 * between the parts, no trailing white space (RFC 4475 lwsstart, trws,
 * lwsruri). */
static void
parse_request_line(SipMsg *msg, const char *p, const char *end)
{
    const char *q = sip_skip_class(p, end, SIP_C_TOKEN);
    const char *sp;

    msg->method_name = sip_slice_make(p, q);
    msg->method = sip_method_from_slice(msg->method_name);
    p = q + 1;
    sp = memchr(p, ' ', (gsize) (end - p));
    if (sp == NULL || sp == p) {
        set_error(msg, 400, "Malformed Request-Line", SIP_HDR_OTHER);
        return;
    }
    msg->ruri_text = sip_slice_make(p, sp);
    switch (check_version(sp + 1, end)) {
    case 0:
        set_error(msg, 400, "Malformed Request-Line", SIP_HDR_OTHER);
        return;
    case 2:
        set_error(msg, 505, "Version Not Supported", SIP_HDR_OTHER);
        return;
    default:
        break;
    }
    if (!sip_uri_parse(msg->ruri_text, &msg->ruri)) {
        set_error(msg, 400, "Malformed Request-URI", SIP_HDR_OTHER);
        return;
    }
    if ((msg->ruri.scheme == SIP_URI_SCHEME_SIP || msg->ruri.scheme == SIP_URI_SCHEME_SIPS)
        && msg->ruri.headers.p != NULL)
        set_error(msg, 400, "Request-URI must not contain headers", SIP_HDR_OTHER);
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.  Any defect
 * makes the response undeliverable (it is dropped). */
static void
parse_status_line(SipMsg *msg, const char *p, const char *end)
{
    const char *sp = memchr(p, ' ', (gsize) (end - p));
    const char *q;
    guint code = 0;

    if (sp == NULL || check_version(p, sp) != 1) {
        set_error(msg, 400, "Malformed Status-Line", SIP_HDR_OTHER);
        return;
    }
    p = sp + 1;
    q = sip_skip_class(p, end, SIP_C_DIGIT);
    if (q - p != 3 || (q < end && *q != ' ')) {
        set_error(msg, 400, "Malformed Status-Line", SIP_HDR_OTHER);
        return;
    }
    code = (guint) ((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
    if (code < 100 || code > 699) {
        set_error(msg, 400, "Malformed Status-Line", SIP_HDR_OTHER);
        return;
    }
    msg->status_code = code;
    msg->reason = q < end ? sip_slice_make(q + 1, end) : sip_slice_make(end, end);
}

/* Returns the start of the first header line; sets *garbage when the
 * line is neither a request nor a response. */
static const char *
parse_start_line(SipMsg *msg, const char *p, const char *end, guint32 max_line, gboolean *garbage)
{
    const char *eol = memchr(p, '\n', (gsize) (end - p));
    const char *line_end = eol ? eol : end;
    const char *q;

    if (line_end > p && line_end[-1] == '\r')
        line_end--;
    msg->start_line = sip_slice_make(p, line_end);
    if (line_end - p >= 4 && sip_lower_eq(p, "sip/", 4)) {
        msg->is_request = FALSE;
        parse_status_line(msg, p, line_end);
    } else {
        q = sip_skip_class(p, line_end, SIP_C_TOKEN);
        if (q == p || q == line_end || *q != ' ') {
            *garbage = TRUE;
            return NULL;
        }
        msg->is_request = TRUE;
        parse_request_line(msg, p, line_end);
    }
    if ((gsize) (line_end - p) > max_line)
        set_error(msg, 400, "Request-Line too long", SIP_HDR_OTHER);
    if (eol == NULL) {
        set_error(msg, 400, "Incomplete message", SIP_HDR_OTHER);
        return end;
    }
    return eol + 1;
}

/* callid = word [ "@" word ] */
static gboolean
check_call_id(SipSlice v)
{
    const char *p = v.p, *end = sip_slice_end(v), *q;

    q = sip_skip_class(p, end, SIP_C_WORD);
    if (q == p)
        return FALSE;
    if (q < end && *q == '@') {
        p = q + 1;
        q = sip_skip_class(p, end, SIP_C_WORD);
        if (q == p)
            return FALSE;
    }
    return q == end;
}

/* First element of a comma-separated value (top Via); memchr settles
 * the common case of one via-parm per line. */
static SipSlice
first_element(SipSlice v)
{
    const char *end = sip_slice_end(v);
    const char *comma;

    if (v.p == NULL || memchr(v.p, ',', v.len) == NULL)
        return v;
    comma = sip_find_comma(v.p, end);

    if (comma == NULL)
        return SIP_SLICE_NULL;
    return sip_slice_make(v.p, comma);
}

/* The eager part: only the first occurrence of each header is parsed;
 * validate_request() rejects duplicates later. */
static void
parse_eager(SipMsg *msg, SipHeaderId id, SipSlice v, gboolean first)
{
    guint64 n;
    gboolean ok = TRUE;

    switch (id) {
    case SIP_HDR_VIA:
        if (first)
            ok = sip_parse_via(first_element(v), &msg->via);
        break;
    case SIP_HDR_CSEQ:
        if (first)
            ok = sip_parse_cseq(v, &msg->cseq);
        break;
    case SIP_HDR_CALL_ID:
        if (first) {
            ok = check_call_id(v);
            msg->call_id = v;
        }
        break;
    case SIP_HDR_FROM:
        if (first)
            ok = sip_parse_name_addr(v, &msg->from);
        break;
    case SIP_HDR_TO:
        if (first)
            ok = sip_parse_name_addr(v, &msg->to);
        break;
    case SIP_HDR_MAX_FORWARDS:
        if (first) {
            ok = sip_parse_uint_range(v.p, sip_slice_end(v), 255, &n);
            msg->max_forwards = ok ? (gint) n : -1;
        }
        break;
    case SIP_HDR_CONTENT_LENGTH:
        if (!first) {
            set_error(msg, 400, "Multiple Content-Length values", id);
            return;
        }
        ok = sip_parse_uint_range(v.p, sip_slice_end(v), G_MAXINT32, &n);
        msg->content_length = ok ? (gint64) n : -1;
        break;
    case SIP_HDR_CONTENT_TYPE:
        if (first) {
            msg->content_type = v;
            ok = sip_parse_media_type(v, &msg->content_type_parsed);
        }
        break;
    default:
        break;
    }
    if (!ok)
        set_header_error(msg, id);
}

/* Record one header line in the array and the per-id chains. */
static gboolean
add_header(SipMsg *msg, SipHeaderId id, SipSlice name, SipSlice value, SipSlice line,
           gboolean folded)
{
    guint idx = msg->n_headers;
    SipHeader *h = &msg->headers[idx];

    h->name = name;
    h->value = value;
    h->line = line;
    h->id = (guint8) id;
    h->next = SIP_HDR_INDEX_NONE;
    h->folded = (guint8) folded;
    h->reserved = 0;
    if (id != SIP_HDR_OTHER) {
        if (msg->count[id] == 0) {
            msg->first[id] = (guint8) idx;
        } else {
            guint i = msg->first[id];

            while (msg->headers[i].next != SIP_HDR_INDEX_NONE)
                i = msg->headers[i].next;
            msg->headers[i].next = (guint8) idx;
        }
        if (msg->count[id] < G_MAXUINT8)
            msg->count[id]++;
    }
    msg->n_headers++;
    return TRUE;
}

/* Split the header lines.  Returns the position after the blank line, or
 * NULL when the header section does not end (error set).  Malformed
 * lines are skipped with the error recorded, so the rest is still split;
 * line length and header count overflows stop the split. */
static const char *
parse_headers(SipMsg *msg, const char *p, const char *end, const SipParseLimits *lim)
{
    while (p < end) {
        const char *name = p, *q, *eol, *line_end;
        gboolean folded = FALSE;
        SipHeaderId id;
        SipSlice value;

        if (*p == '\n')
            return p + 1;
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            return p + 2;
        eol = memchr(p, '\n', (gsize) (end - p));
        if (eol == NULL)
            break;
        while (eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t')) {
            folded = TRUE;
            eol = memchr(eol + 1, '\n', (gsize) (end - eol - 1));
            if (eol == NULL) {
                set_error(msg, 400, "Incomplete message", SIP_HDR_OTHER);
                return NULL;
            }
        }
        if ((gsize) (eol - p) > lim->max_line_length) {
            msg->error_code = 0;
            set_error(msg, 400, "Header line too long", SIP_HDR_OTHER);
            return NULL;
        }
        line_end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        q = sip_skip_class(p, line_end, SIP_C_TOKEN);
        p = eol + 1;
        if (q == name) {
            set_error(msg, 400, "Malformed header line", SIP_HDR_OTHER);
            continue;
        }
        id = lookup_token(name, (gsize) (q - name));
        {
            const char *colon = sip_skip_wsp(q, line_end);

            if (colon == line_end || *colon != ':') {
                set_error(msg, 400, "Malformed header line", SIP_HDR_OTHER);
                continue;
            }
            value = sip_slice_trim(sip_slice_make(colon + 1, line_end));
        }
        if (msg->n_headers >= lim->max_headers || msg->n_headers >= SIP_MSG_MAX_HEADERS) {
            msg->error_code = 0;
            set_error(msg, 400, "Too many headers", SIP_HDR_OTHER);
            return NULL;
        }
        parse_eager(msg, id, value, id == SIP_HDR_OTHER || msg->count[id] == 0);
        add_header(msg, id, sip_slice_make(name, q), value, sip_slice_make(name, line_end),
                   folded);
    }
    set_error(msg, 400, "Incomplete message (no end of headers)", SIP_HDR_OTHER);
    return NULL;
}

/* Body framing (RFC 3261 18.3): Content-Length bytes after the blank
 * line; on a datagram a missing Content-Length means the rest, a larger
 * one is an error and extra bytes are ignored. */
static void
frame_body(SipMsg *msg, const char *buf, const char *body, const char *end, SipParseMode mode)
{
    gsize avail = (gsize) (end - body);

    if (msg->content_length < 0) {
        if (mode == SIP_PARSE_STREAM && msg->count[SIP_HDR_CONTENT_LENGTH] == 0)
            set_error(msg, 400, "Missing Content-Length", SIP_HDR_CONTENT_LENGTH);
        msg->body = sip_slice_make(body, end);
    } else if ((guint64) msg->content_length > avail) {
        if (msg->error_code == 0) {
            g_snprintf(msg->reason_buf, sizeof msg->reason_buf,
                       "Bad Request (Content-Length %" G_GINT64_FORMAT " exceeds %s)",
                       msg->content_length, mode == SIP_PARSE_STREAM ? "message" : "datagram");
            set_error(msg, 400, msg->reason_buf, SIP_HDR_CONTENT_LENGTH);
        }
        msg->body = sip_slice_make(body, end);
    } else {
        msg->body = sip_slice_make(body, body + msg->content_length);
    }
    msg->msg_len = (gsize) (sip_slice_end(msg->body) - buf);
}

SipParseResult
sip_msg_parse(SipMsg *msg, const char *buf, gsize len, SipParseMode mode,
              const SipParseLimits *limits)
{
    SipParseLimits defaults;
    const char *p = buf, *end = buf + len, *scan_end, *hdr_start, *body;
    gboolean garbage = FALSE;

    g_return_val_if_fail(msg != NULL, SIP_PARSE_ERROR_GARBAGE);
    msg_reset(msg);
    if (buf == NULL || len == 0)
        return SIP_PARSE_ERROR_GARBAGE;
    if (limits == NULL) {
        sip_parse_limits_init(&defaults);
        limits = &defaults;
    }
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if (p == end) {
        msg->msg_len = len;
        return SIP_PARSE_KEEPALIVE;
    }
    /* Over-size messages still get their headers split (within the limit)
     * so that the 513 can be answered. */
    scan_end = len > limits->max_message_size ? buf + limits->max_message_size : end;
    hdr_start = parse_start_line(msg, p, scan_end, limits->max_line_length, &garbage);
    if (garbage)
        return SIP_PARSE_ERROR_GARBAGE;
    if (len > limits->max_message_size) {
        msg->error_code = 0;
        set_error(msg, 513, "Message Too Large", SIP_HDR_OTHER);
    }
    body = parse_headers(msg, hdr_start, scan_end, limits);
    if (body != NULL) {
        msg->headers_block = sip_slice_make(hdr_start, body);
        frame_body(msg, buf, body, end, mode);
    } else {
        msg->headers_block = sip_slice_make(hdr_start, scan_end);
        msg->msg_len = len;
    }
    if (msg->error_code != 0)
        return msg->is_request ? SIP_PARSE_ERROR_REQUEST : SIP_PARSE_ERROR_RESPONSE;
    return SIP_PARSE_OK;
}

/* ---------------------------------------------------------------- access */

const SipHeader *
sip_msg_get_header(const SipMsg *msg, SipHeaderId id, guint index)
{
    guint i;

    if (id <= SIP_HDR_OTHER || id >= SIP_HDR__COUNT)
        return NULL;
    i = msg->first[id];
    while (i != SIP_HDR_INDEX_NONE && i < msg->n_headers) {
        if (index-- == 0)
            return &msg->headers[i];
        i = msg->headers[i].next;
    }
    return NULL;
}

guint
sip_msg_count_headers(const SipMsg *msg, SipHeaderId id)
{
    if (id <= SIP_HDR_OTHER || id >= SIP_HDR__COUNT)
        return 0;
    return msg->count[id];
}

const SipHeader *
sip_msg_find_header(const SipMsg *msg, const char *name, guint index)
{
    gsize n = strlen(name);
    SipHeaderId id = sip_header_lookup(name, n);

    if (id != SIP_HDR_OTHER)
        return sip_msg_get_header(msg, id, index);
    for (guint i = 0; i < msg->n_headers && i < SIP_MSG_MAX_HEADERS; i++) {
        const SipHeader *h = &msg->headers[i];

        if (h->id == SIP_HDR_OTHER && h->name.len == n
            && g_ascii_strncasecmp(h->name.p, name, n) == 0 && index-- == 0)
            return h;
    }
    return NULL;
}
