/* Carillon - URI parsing and comparison: sip:, sips: (RFC 3261 19.1),
 * tel: (RFC 3966) and any other absoluteURI, all zero-copy. */
#include <string.h>

#include "sip_lex.h"

/* uri-parameter = pname ["=" pvalue] with paramchar runs and escapes.
 * Also used for tel: parameters, which are a superset in practice. */
static const char *
scan_uri_param(const char *p, const char *end, SipSlice *name, SipSlice *value)
{
    const char *q = sip_scan_escaped(p, end, SIP_C_PARAM);

    if (q == NULL || q == p)
        return NULL;
    *name = sip_slice_make(p, q);
    *value = SIP_SLICE_NULL;
    if (q < end && *q == '=') {
        const char *v = q + 1;

        q = sip_scan_escaped(v, end, SIP_C_PARAM);
        if (q == NULL || q == v)
            return NULL;
        *value = sip_slice_make(v, q);
    }
    return q;
}

static void
note_known_param(SipUri *uri, SipSlice name, SipSlice value)
{
    static const SipSlice empty = { "", 0 };

    switch (name.len) {
    case 2:
        if (sip_slice_case_eq(name, "lr"))
            uri->lr = TRUE;
        break;
    case 3:
        if (sip_slice_case_eq(name, "ttl"))
            uri->ttl = value.p ? value : empty;
        break;
    case 4:
        if (sip_slice_case_eq(name, "user"))
            uri->user_param = value.p ? value : empty;
        break;
    case 5:
        if (sip_slice_case_eq(name, "maddr"))
            uri->maddr = value.p ? value : empty;
        break;
    case 6:
        if (sip_slice_case_eq(name, "method"))
            uri->method = value.p ? value : empty;
        break;
    case 9:
        if (sip_slice_case_eq(name, "transport"))
            uri->transport = value.p ? value : empty;
        break;
    default:
        break;
    }
}

/* *( ";" uri-parameter ), p at the first ';' (or not). */
static const char *
parse_uri_params(const char *p, const char *end, SipUri *uri)
{
    const char *start;

    if (p >= end || *p != ';')
        return p;
    start = p + 1;
    while (p < end && *p == ';') {
        SipSlice name, value;

        p = scan_uri_param(p + 1, end, &name, &value);
        if (p == NULL)
            return NULL;
        note_known_param(uri, name, value);
    }
    uri->params = sip_slice_make(start, p);
    return p;
}

/* headers = "?" header *( "&" header ), header = hname "=" hvalue. */
static const char *
parse_uri_headers(const char *p, const char *end, SipUri *uri)
{
    const char *start;

    if (p >= end || *p != '?')
        return p;
    start = ++p;
    for (;;) {
        const char *q = sip_scan_escaped(p, end, SIP_C_HNV);

        if (q == NULL || q == p || q >= end || *q != '=')
            return NULL;
        p = sip_scan_escaped(q + 1, end, SIP_C_HNV);
        if (p == NULL)
            return NULL;
        if (p < end && *p == '&') {
            p++;
            continue;
        }
        break;
    }
    uri->headers = sip_slice_make(start, p);
    return p;
}

/* userinfo = ( user / telephone-subscriber ) [ ":" password ] "@" */
static gboolean
parse_userinfo(const char *p, const char *at, SipUri *uri)
{
    const char *q = sip_scan_escaped(p, at, SIP_C_USER);

    if (q == NULL || q == p)
        return FALSE;
    uri->user = sip_slice_make(p, q);
    if (q == at)
        return TRUE;
    if (*q != ':')
        return FALSE;
    p = q + 1;
    q = sip_scan_escaped(p, at, SIP_C_PASSWORD);
    if (q != at)
        return FALSE;
    uri->password = sip_slice_make(p, q);
    return TRUE;
}

static const char *
parse_hostport(const char *p, const char *end, SipUri *uri)
{
    const char *q = sip_scan_host(p, end);
    guint64 port;

    uri->host_type = sip_host_classify(p, q);
    if (uri->host_type == SIP_HOST_NONE)
        return NULL;
    uri->host = sip_slice_make(p, q);
    if (q < end && *q == ':') {
        p = q + 1;
        q = sip_skip_class(p, end, SIP_C_DIGIT);
        if (!sip_parse_uint_range(p, q, 65535, &port))
            return NULL;
        uri->port = (guint16) port;
        uri->has_port = TRUE;
    }
    return q;
}

/* SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ].  No
 * '@' may appear after the userinfo (params and headers cannot hold an
 * unescaped one), so the first '@' ends the userinfo. */
static gboolean
parse_sip_uri(const char *p, const char *end, SipUri *uri)
{
    const char *at = memchr(p, '@', (gsize) (end - p));

    if (at != NULL) {
        if (!parse_userinfo(p, at, uri))
            return FALSE;
        p = at + 1;
    }
    p = parse_hostport(p, end, uri);
    if (p == NULL)
        return FALSE;
    p = parse_uri_params(p, end, uri);
    if (p == NULL)
        return FALSE;
    p = parse_uri_headers(p, end, uri);
    return p == end;
}

static gboolean
is_visual_separator(char c)
{
    return c == '-' || c == '.' || c == '(' || c == ')';
}

/* telephone-subscriber, loosely: a global number (+digits) or a local one
 * (hex digits, '*', '#') with visual separators, then ;params. */
static gboolean
parse_tel_uri(const char *p, const char *end, SipUri *uri)
{
    const char *q = p;

    while (q < end && (SIP_IS(*q, SIP_C_HEX) || is_visual_separator(*q)
                       || *q == '*' || *q == '#' || *q == '+'))
        q++;
    if (q == p)
        return FALSE;
    uri->user = sip_slice_make(p, q);
    q = parse_uri_params(q, end, uri);
    return q == end;
}

/* absoluteURI = scheme ":" ( hier-part / opaque-part ): uric characters
 * (plus '[' ']' for IPv6 literals) and escapes, not empty. */
static gboolean
parse_other_uri(const char *p, const char *end)
{
    const char *q;

    if (p == end)
        return FALSE;
    while (p < end) {
        q = sip_scan_escaped(p, end, SIP_C_URIC);
        if (q == NULL)
            return FALSE;
        if (q < end && (*q == '[' || *q == ']')) {
            p = q + 1;
            continue;
        }
        return q == end;
    }
    return TRUE;
}

gboolean
sip_uri_parse(SipSlice text, SipUri *uri)
{
    const char *p = text.p, *end = sip_slice_end(text), *colon;
    gboolean ok;

    memset(uri, 0, sizeof *uri);
    if (p == NULL || p == end || !SIP_IS(*p, SIP_C_ALPHA))
        return FALSE;
    colon = sip_skip_class(p, end, SIP_C_SCHEME);
    if (colon == end || *colon != ':')
        return FALSE;
    uri->scheme_name = sip_slice_make(p, colon);
    uri->opaque = sip_slice_make(colon + 1, end);
    p = colon + 1;

    if (sip_slice_case_eq(uri->scheme_name, "sip")) {
        uri->scheme = SIP_URI_SCHEME_SIP;
        ok = parse_sip_uri(p, end, uri);
    } else if (sip_slice_case_eq(uri->scheme_name, "sips")) {
        uri->scheme = SIP_URI_SCHEME_SIPS;
        ok = parse_sip_uri(p, end, uri);
    } else if (sip_slice_case_eq(uri->scheme_name, "tel")) {
        uri->scheme = SIP_URI_SCHEME_TEL;
        ok = parse_tel_uri(p, end, uri);
    } else {
        uri->scheme = SIP_URI_SCHEME_OTHER;
        ok = parse_other_uri(p, end);
    }
    if (!ok)
        memset(uri, 0, sizeof *uri);
    return ok;
}

/* ---------------------------------------------------------------- lookup */

/* Find name (n bytes) in a list of "name[=value]" separated by sep. */
static gboolean
find_in_list(SipSlice list, char sep, const char *name, gsize n, SipSlice *value)
{
    const char *p = list.p, *end = sip_slice_end(list);

    if (p == NULL)
        return FALSE;
    while (p < end) {
        const char *item_end = memchr(p, sep, (gsize) (end - p));
        const char *eq;

        if (item_end == NULL)
            item_end = end;
        eq = memchr(p, '=', (gsize) (item_end - p));
        if ((gsize) ((eq ? eq : item_end) - p) == n && g_ascii_strncasecmp(p, name, n) == 0) {
            if (value)
                *value = eq ? sip_slice_make(eq + 1, item_end) : SIP_SLICE_NULL;
            return TRUE;
        }
        p = item_end < end ? item_end + 1 : end;
    }
    return FALSE;
}

gboolean
sip_uri_get_param(const SipUri *uri, const char *name, SipSlice *value)
{
    return find_in_list(uri->params, ';', name, strlen(name), value);
}

gboolean
sip_uri_get_header(const SipUri *uri, const char *name, SipSlice *value)
{
    return find_in_list(uri->headers, '&', name, strlen(name), value);
}

void
sip_uri_append(const SipUri *uri, GString *out)
{
    g_string_append_len(out, uri->scheme_name.p, uri->scheme_name.len);
    g_string_append_c(out, ':');
    if (uri->scheme == SIP_URI_SCHEME_OTHER || uri->scheme == SIP_URI_SCHEME_NONE) {
        g_string_append_len(out, uri->opaque.p, uri->opaque.len);
        return;
    }
    if (uri->user.p) {
        g_string_append_len(out, uri->user.p, uri->user.len);
        if (uri->password.p) {
            g_string_append_c(out, ':');
            g_string_append_len(out, uri->password.p, uri->password.len);
        }
        if (uri->scheme != SIP_URI_SCHEME_TEL)
            g_string_append_c(out, '@');
    }
    if (uri->host.p)
        g_string_append_len(out, uri->host.p, uri->host.len);
    if (uri->has_port)
        g_string_append_printf(out, ":%u", uri->port);
    if (uri->params.p) {
        g_string_append_c(out, ';');
        g_string_append_len(out, uri->params.p, uri->params.len);
    }
    if (uri->headers.p) {
        g_string_append_c(out, '?');
        g_string_append_len(out, uri->headers.p, uri->headers.len);
    }
}

/* ---------------------------------------------------------------- equality */

/* Read one character of a URI component, decoding %HH.  *escaped tells
 * whether it came from an escape. */
static char
next_char(const char **pp, const char *end, gboolean *escaped)
{
    const char *p = *pp;

    if (*p == '%' && end - p >= 3 && sip_hex_value(p[1]) >= 0 && sip_hex_value(p[2]) >= 0) {
        *pp = p + 3;
        *escaped = TRUE;
        return (char) (sip_hex_value(p[1]) * 16 + sip_hex_value(p[2]));
    }
    *pp = p + 1;
    *escaped = FALSE;
    return *p;
}

/* Compare two components; an escaped character equals the literal one
 * unless it is a reserved character (RFC 3261 19.1.4). */
static gboolean
component_equal(SipSlice a, SipSlice b, gboolean ignore_case)
{
    const char *pa = a.p, *ea = sip_slice_end(a);
    const char *pb = b.p, *eb = sip_slice_end(b);

    if (a.p == NULL || b.p == NULL)
        return a.p == b.p;
    while (pa < ea && pb < eb) {
        gboolean esc_a, esc_b;
        char ca = next_char(&pa, ea, &esc_a);
        char cb = next_char(&pb, eb, &esc_b);

        if (ignore_case) {
            ca = g_ascii_tolower(ca);
            cb = g_ascii_tolower(cb);
        }
        if (ca != cb)
            return FALSE;
        if (esc_a != esc_b && SIP_IS(ca, SIP_C_RESERVED))
            return FALSE;
    }
    return pa == ea && pb == eb;
}

static gboolean
is_must_match_param(SipSlice name)
{
    static const char *const names[] = { "user", "ttl", "method", "maddr", "transport" };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (sip_slice_case_eq(name, names[i]))
            return TRUE;
    }
    return FALSE;
}

/* Every param of a that is also in b must match; the must-match ones
 * (all of them when strict) must be in both. */
static gboolean
params_subset_match(SipSlice pa, SipSlice pb, gboolean strict)
{
    const char *p = pa.p, *end = sip_slice_end(pa);

    if (p == NULL)
        return TRUE;
    while (p < end) {
        const char *item_end = memchr(p, ';', (gsize) (end - p));
        const char *eq;
        SipSlice name, value, other;
        gboolean found;

        if (item_end == NULL)
            item_end = end;
        eq = memchr(p, '=', (gsize) (item_end - p));
        name = sip_slice_make(p, eq ? eq : item_end);
        value = eq ? sip_slice_make(eq + 1, item_end) : SIP_SLICE_NULL;
        if (find_in_list(sip_slice_make(pa.p, p), ';', name.p, name.len, NULL)) {
            p = item_end < end ? item_end + 1 : end;
            continue;   /* a repeated name: only the first one counts */
        }
        found = find_in_list(pb, ';', name.p, name.len, &other);
        if (found && !component_equal(value, other, TRUE))
            return FALSE;
        if (!found && (strict || is_must_match_param(name)))
            return FALSE;
        p = item_end < end ? item_end + 1 : end;
    }
    return TRUE;
}

static gboolean
headers_subset_match(SipSlice ha, SipSlice hb)
{
    const char *p = ha.p, *end = sip_slice_end(ha);

    if (p == NULL)
        return TRUE;
    while (p < end) {
        const char *item_end = memchr(p, '&', (gsize) (end - p));
        const char *eq;
        SipSlice value, other;
        gboolean found;

        if (item_end == NULL)
            item_end = end;
        eq = memchr(p, '=', (gsize) (item_end - p));
        if (eq == NULL)
            eq = item_end;
        value = sip_slice_make(eq < item_end ? eq + 1 : item_end, item_end);
        if (find_in_list(sip_slice_make(ha.p, p), '&', p, (gsize) (eq - p), NULL)) {
            p = item_end < end ? item_end + 1 : end;
            continue;
        }
        found = find_in_list(hb, '&', p, (gsize) (eq - p), &other);
        if (!found || !component_equal(value, other, TRUE))
            return FALSE;
        p = item_end < end ? item_end + 1 : end;
    }
    return TRUE;
}

/* tel: numbers compare without visual separators, case-insensitively. */
static gboolean
tel_number_equal(SipSlice a, SipSlice b)
{
    const char *pa = a.p, *ea = sip_slice_end(a);
    const char *pb = b.p, *eb = sip_slice_end(b);

    for (;;) {
        while (pa < ea && is_visual_separator(*pa))
            pa++;
        while (pb < eb && is_visual_separator(*pb))
            pb++;
        if (pa == ea || pb == eb)
            return pa == ea && pb == eb;
        if (g_ascii_tolower(*pa) != g_ascii_tolower(*pb))
            return FALSE;
        pa++;
        pb++;
    }
}

gboolean
sip_uri_equal(const SipUri *a, const SipUri *b)
{
    if (a->scheme != b->scheme || a->scheme == SIP_URI_SCHEME_NONE)
        return FALSE;
    if (a->scheme == SIP_URI_SCHEME_OTHER)
        return sip_slice_case_equal(a->scheme_name, b->scheme_name)
               && sip_slice_equal(a->opaque, b->opaque);
    if (a->scheme == SIP_URI_SCHEME_TEL)
        return tel_number_equal(a->user, b->user)
               && params_subset_match(a->params, b->params, TRUE)
               && params_subset_match(b->params, a->params, TRUE);
    if (!component_equal(a->user, b->user, FALSE)
        || !component_equal(a->password, b->password, FALSE))
        return FALSE;
    if (!sip_slice_case_equal(a->host, b->host))
        return FALSE;
    if (a->has_port != b->has_port || a->port != b->port)
        return FALSE;
    return params_subset_match(a->params, b->params, FALSE)
           && params_subset_match(b->params, a->params, FALSE)
           && headers_subset_match(a->headers, b->headers)
           && headers_subset_match(b->headers, a->headers);
}
