/* Carillon - SIP lexical primitives: character classes, quoted strings,
 * escapes, list splitting and host syntax (RFC 3261 25.1). */
#include <string.h>
#include <arpa/inet.h>

#include "sip_lex.h"

#define IS_RANGE(c, lo, hi) ((c) >= (lo) && (c) <= (hi))
#define IS_ALPHA(c) (IS_RANGE(c, 'a', 'z') || IS_RANGE(c, 'A', 'Z'))
#define IS_DIGIT(c) IS_RANGE(c, '0', '9')
#define IS_ALNUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#define IS_HEX(c) (IS_DIGIT(c) || IS_RANGE(c, 'a', 'f') || IS_RANGE(c, 'A', 'F'))
#define IS_MARK(c) ((c) == '-' || (c) == '_' || (c) == '.' || (c) == '!' || (c) == '~' \
                    || (c) == '*' || (c) == '\'' || (c) == '(' || (c) == ')')
#define IS_UNRESERVED(c) (IS_ALNUM(c) || IS_MARK(c))
#define IS_RESERVED(c) ((c) == ';' || (c) == '/' || (c) == '?' || (c) == ':' || (c) == '@' \
                        || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define IS_TOKEN(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '!' || (c) == '%' \
                     || (c) == '*' || (c) == '_' || (c) == '+' || (c) == '`' || (c) == '\'' \
                     || (c) == '~')
#define IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define IS_USER(c) (IS_UNRESERVED(c) || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' \
                    || (c) == ',' || (c) == ';' || (c) == '?' || (c) == '/')
#define IS_PASSWORD(c) (IS_UNRESERVED(c) || (c) == '&' || (c) == '=' || (c) == '+' \
                        || (c) == '$' || (c) == ',')
#define IS_PARAM(c) (IS_UNRESERVED(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == ':' \
                     || (c) == '&' || (c) == '+' || (c) == '$')
#define IS_HNV(c) (IS_UNRESERVED(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == '?' \
                   || (c) == ':' || (c) == '+' || (c) == '$')
#define IS_HOST(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.')
#define IS_WORD(c) (IS_TOKEN(c) || (c) == '(' || (c) == ')' || (c) == '<' || (c) == '>' \
                    || (c) == ':' || (c) == '\\' || (c) == '"' || (c) == '/' || (c) == '[' \
                    || (c) == ']' || (c) == '?' || (c) == '{' || (c) == '}')
#define IS_SCHEME(c) (IS_ALNUM(c) || (c) == '+' || (c) == '-' || (c) == '.')

#define CLASS(c) (guint32) ( \
    (IS_TOKEN(c) ? SIP_C_TOKEN : 0) | (IS_WS(c) ? SIP_C_WS : 0) \
    | (IS_DIGIT(c) ? SIP_C_DIGIT : 0) | (IS_ALPHA(c) ? SIP_C_ALPHA : 0) \
    | (IS_HEX(c) ? SIP_C_HEX : 0) | (IS_UNRESERVED(c) ? SIP_C_UNRESERVED : 0) \
    | (IS_USER(c) ? SIP_C_USER : 0) | (IS_PASSWORD(c) ? SIP_C_PASSWORD : 0) \
    | (IS_PARAM(c) ? SIP_C_PARAM : 0) | (IS_HNV(c) ? SIP_C_HNV : 0) \
    | ((IS_RESERVED(c) || IS_UNRESERVED(c)) ? SIP_C_URIC : 0) \
    | (IS_HOST(c) ? SIP_C_HOST : 0) | (IS_WORD(c) ? SIP_C_WORD : 0) \
    | (IS_SCHEME(c) ? SIP_C_SCHEME : 0) | (IS_RESERVED(c) ? SIP_C_RESERVED : 0) \
    | (((c) == ',' || (c) == '"' || (c) == '<' || (c) == '>') ? SIP_C_LISTSEP : 0) \
    | ((IS_RANGE(c, 0x21, 0x7e) && (c) != '"' && (c) != '<' && (c) != '>') ? SIP_C_URIBYTE : 0))

#define R4(n) CLASS(n), CLASS((n) + 1), CLASS((n) + 2), CLASS((n) + 3)
#define R16(n) R4(n), R4((n) + 4), R4((n) + 8), R4((n) + 12)
#define R64(n) R16(n), R16((n) + 16), R16((n) + 32), R16((n) + 48)

const guint32 sip_char_class[256] = {
    R64(0), R64(64), R64(128), R64(192)
};

#undef CLASS
#define CLASS(c) (guint8) (IS_RANGE(c, 'A', 'Z') ? (c) + 32 : (c))

const guint8 sip_lower[256] = {
    R64(0), R64(64), R64(128), R64(192)
};

/* qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII and
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).  Bytes >= 0x80 are
 * accepted without checking UTF-8 sequences. */
const char *
sip_scan_quoted(const char *p, const char *end)
{
    p++;
    while (p < end) {
        guint8 c = (guint8) *p;

        if (c == '"')
            return p + 1;
        if (c == '\\') {
            if (p + 1 >= end)
                return NULL;
            c = (guint8) p[1];
            if (c == '\r' || c == '\n' || c > 0x7f)
                return NULL;
            p += 2;
            continue;
        }
        if (c < 0x20 && !IS_WS(c))
            return NULL;
        if (c == 0x7f)
            return NULL;
        p++;
    }
    return NULL;
}

const char *
sip_scan_escaped(const char *p, const char *end, guint32 cls)
{
    while (p < end) {
        if (*p == '%') {
            if (end - p < 3 || !SIP_IS(p[1], SIP_C_HEX) || !SIP_IS(p[2], SIP_C_HEX))
                return NULL;
            p += 3;
        } else if (SIP_IS(*p, cls)) {
            p++;
        } else {
            break;
        }
    }
    return p;
}

/* Commas split list elements except inside a quoted string or a <...>
 * URI; a '"' inside <...> is not a quote (URIs cannot hold one anyway). */
const char *
sip_find_comma(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && !SIP_IS(*p, SIP_C_LISTSEP))
            p++;
        if (p == end)
            break;
        switch (*p) {
        case ',':
            return p;
        case '"':
            p = sip_scan_quoted(p, end);
            if (p == NULL)
                return NULL;
            continue;
        case '<':
            p = memchr(p, '>', (gsize) (end - p));
            if (p == NULL)
                return NULL;
            break;
        case '>':
            return NULL;
        default:
            break;
        }
        p++;
    }
    return end;
}

static gboolean
is_ipv4(const char *p, const char *end)
{
    int parts = 0;

    while (p < end) {
        const char *start = p;
        guint value = 0;

        while (p < end && SIP_IS(*p, SIP_C_DIGIT) && p - start < 3)
            value = value * 10 + (guint) (*p++ - '0');
        if (p == start || value > 255)
            return FALSE;
        parts++;
        if (p == end)
            break;
        if (*p != '.' || parts == 4)
            return FALSE;
        p++;
        if (p == end)
            return FALSE;
    }
    return parts == 4;
}

static gboolean
is_ipv6_reference(const char *p, const char *end)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    struct in6_addr addr;
    gsize n;

    if (end - p < 4 || p[0] != '[' || end[-1] != ']')
        return FALSE;
    n = (gsize) (end - p - 2);
    if (n >= sizeof tmp)
        return FALSE;
    memcpy(tmp, p + 1, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, &addr) == 1;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ]; labels are alphanum
 * with inner '-'.  A name made only of digits and dots must be an IPv4
 * address.  We do not insist that the top label starts with a letter
 * beyond that rule (RFC 1123 relaxed it). */
static gboolean
is_hostname(const char *p, const char *end)
{
    const char *label = p;
    gboolean all_numeric = TRUE;

    if (p == end)
        return FALSE;
    for (; p < end; p++) {
        char c = *p;

        if (c == '.') {
            if (p == label || p[-1] == '-')
                return FALSE;
            label = p + 1;
        } else if (c == '-') {
            if (p == label)
                return FALSE;
            all_numeric = FALSE;
        } else if (SIP_IS(c, SIP_C_ALPHA)) {
            all_numeric = FALSE;
        } else if (!SIP_IS(c, SIP_C_DIGIT)) {
            return FALSE;
        }
    }
    if (label < end && end[-1] == '-')
        return FALSE;
    return !all_numeric;
}

SipHostType
sip_ip_classify(const char *p, const char *end)
{
    char tmp[INET6_ADDRSTRLEN + 3];
    gsize n = (gsize) (end - p);

    if (p >= end)
        return SIP_HOST_NONE;
    if (*p == '[')
        return is_ipv6_reference(p, end) ? SIP_HOST_IPV6 : SIP_HOST_NONE;
    if (is_ipv4(p, end))
        return SIP_HOST_IPV4;
    if (n + 2 > sizeof tmp)
        return SIP_HOST_NONE;
    tmp[0] = '[';
    memcpy(tmp + 1, p, n);
    tmp[n + 1] = ']';
    return is_ipv6_reference(tmp, tmp + n + 2) ? SIP_HOST_IPV6 : SIP_HOST_NONE;
}

SipHostType
sip_host_classify(const char *p, const char *end)
{
    if (p >= end)
        return SIP_HOST_NONE;
    if (*p == '[')
        return is_ipv6_reference(p, end) ? SIP_HOST_IPV6 : SIP_HOST_NONE;
    if (is_ipv4(p, end))
        return SIP_HOST_IPV4;
    if (is_hostname(p, end))
        return SIP_HOST_NAME;
    return SIP_HOST_NONE;
}

const char *
sip_scan_host(const char *p, const char *end)
{
    if (p < end && *p == '[') {
        const char *close = memchr(p, ']', (gsize) (end - p));

        return close ? close + 1 : p;
    }
    return sip_skip_class(p, end, SIP_C_HOST);
}

gboolean
sip_parse_uint_range(const char *p, const char *end, guint64 max, guint64 *value)
{
    guint64 v = 0;

    if (p >= end)
        return FALSE;
    for (; p < end; p++) {
        guint64 digit;

        if (!SIP_IS(*p, SIP_C_DIGIT) || v > max / 10)
            return FALSE;
        digit = (guint64) (*p - '0');
        v *= 10;
        if (digit > max - v)
            return FALSE;
        v += digit;
    }
    *value = v;
    return TRUE;
}

/* ---------------------------------------------------------------- slices */

SipSlice
sip_slice_from_str(const char *str)
{
    SipSlice s = { str, str ? (guint32) strlen(str) : 0 };
    return s;
}

gboolean
sip_slice_eq(SipSlice s, const char *str)
{
    gsize n = strlen(str);

    return s.p != NULL && s.len == n && memcmp(s.p, str, n) == 0;
}

gboolean
sip_slice_case_eq(SipSlice s, const char *str)
{
    if (s.p == NULL)
        return FALSE;
    for (guint32 i = 0; i < s.len; i++) {
        if (str[i] == '\0' || sip_lower[(guint8) s.p[i]] != sip_lower[(guint8) str[i]])
            return FALSE;
    }
    return str[s.len] == '\0';
}

gboolean
sip_slice_equal(SipSlice a, SipSlice b)
{
    if (a.p == NULL || b.p == NULL)
        return a.p == b.p;
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

gboolean
sip_slice_case_equal(SipSlice a, SipSlice b)
{
    if (a.p == NULL || b.p == NULL)
        return a.p == b.p;
    if (a.len != b.len)
        return FALSE;
    for (guint32 i = 0; i < a.len; i++) {
        if (sip_lower[(guint8) a.p[i]] != sip_lower[(guint8) b.p[i]])
            return FALSE;
    }
    return TRUE;
}

const char *
sip_slice_unfold(SipSlice s, GString *out)
{
    gsize start = out->len;
    const char *p = s.p, *end = sip_slice_end(s);

    while (p < end) {
        if (SIP_IS(*p, SIP_C_WS)) {
            p = sip_skip_lws(p, end);
            g_string_append_c(out, ' ');
            continue;
        }
        g_string_append_c(out, *p++);
    }
    return out->str + start;
}

gboolean
sip_slice_to_uint(SipSlice s, guint64 max, guint64 *value)
{
    s = sip_slice_trim(s);
    if (s.p == NULL)
        return FALSE;
    return sip_parse_uint_range(s.p, sip_slice_end(s), max, value);
}

gboolean
sip_unescape(SipSlice s, GString *out)
{
    const char *p = s.p, *end = sip_slice_end(s);

    while (p < end) {
        if (*p == '%') {
            int hi, lo;

            if (end - p < 3)
                return FALSE;
            hi = sip_hex_value(p[1]);
            lo = sip_hex_value(p[2]);
            if (hi < 0 || lo < 0)
                return FALSE;
            g_string_append_c(out, (char) (hi * 16 + lo));
            p += 3;
            continue;
        }
        g_string_append_c(out, *p++);
    }
    return TRUE;
}

void
sip_unquote(SipSlice s, GString *out)
{
    const char *p = s.p, *end = sip_slice_end(s);

    while (p < end) {
        if (*p == '\\' && p + 1 < end)
            p++;
        g_string_append_c(out, *p++);
    }
}
