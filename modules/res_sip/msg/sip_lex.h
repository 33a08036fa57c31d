/* Carillon - SIP lexical primitives shared by the message-layer files
 * (parser.c, uri.c, headers.c, digest_parse.c, multipart.c).  Internal to
 * libcarillon-sipmsg: not part of the carillon/sip/msg.h API.
 *
 * Scanners take a [p, end) range and never read at or past end.  "LWS"
 * here is any of SP, HT, CR, LF: inside a header value CR/LF can only be
 * part of a fold, so they are white space to every value parser.
 */
#pragma once

#include <glib.h>
#include <carillon/sip/msg.h>

/* Character classes (RFC 3261 25.1), one bit each. */
enum {
    SIP_C_TOKEN = 1 << 0,      /* alphanum - . ! % * _ + ` ' ~ */
    SIP_C_WS = 1 << 1,         /* SP HT CR LF */
    SIP_C_DIGIT = 1 << 2,
    SIP_C_ALPHA = 1 << 3,
    SIP_C_HEX = 1 << 4,
    SIP_C_UNRESERVED = 1 << 5, /* alphanum - _ . ! ~ * ' ( ) */
    SIP_C_USER = 1 << 6,       /* unreserved & = + $ , ; ? / */
    SIP_C_PASSWORD = 1 << 7,   /* unreserved & = + $ , */
    SIP_C_PARAM = 1 << 8,      /* unreserved [ ] / : & + $ */
    SIP_C_HNV = 1 << 9,        /* unreserved [ ] / ? : + $ */
    SIP_C_URIC = 1 << 10,      /* reserved + unreserved */
    SIP_C_HOST = 1 << 11,      /* alphanum - . */
    SIP_C_WORD = 1 << 12,      /* Call-ID word characters */
    SIP_C_SCHEME = 1 << 13,    /* alphanum + - . */
    SIP_C_RESERVED = 1 << 14,  /* ; / ? : @ & = + $ , */
    SIP_C_LISTSEP = 1 << 15,   /* , " < > (what sip_find_comma stops at) */
    SIP_C_URIBYTE = 1 << 16,   /* printable, not SP " < > (plausible in a URI) */
};

extern const guint32 sip_char_class[256];
extern const guint8 sip_lower[256];

#define SIP_IS(c, cls) ((sip_char_class[(guint8) (c)] & (cls)) != 0)

static inline int
sip_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Case-insensitive equality of a slice and a lower-case literal. */
static inline gboolean
sip_slice_ieq(SipSlice s, const char *lower, gsize n)
{
    if (s.len != n || s.p == NULL)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (sip_lower[(guint8) s.p[i]] != (guint8) lower[i])
            return FALSE;
    }
    return TRUE;
}

#define SIP_SLICE_IEQ(s, lit) sip_slice_ieq((s), (lit), sizeof(lit) - 1)

/* ASCII case-insensitive comparison of n bytes of p with lower, which
 * must already be lower case. */
static inline gboolean
sip_lower_eq(const char *p, const char *lower, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (sip_lower[(guint8) p[i]] != (guint8) lower[i])
            return FALSE;
    }
    return TRUE;
}

static inline const char *
sip_skip_lws(const char *p, const char *end)
{
    while (p < end && SIP_IS(*p, SIP_C_WS))
        p++;
    return p;
}

/* Skip only SP and HT (no line breaks). */
static inline const char *
sip_skip_wsp(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static inline const char *
sip_skip_class(const char *p, const char *end, guint32 cls)
{
    while (p < end && SIP_IS(*p, cls))
        p++;
    return p;
}

/* End of trailing LWS: returns the new end of [p, end). */
static inline const char *
sip_rtrim_lws(const char *p, const char *end)
{
    while (end > p && SIP_IS(end[-1], SIP_C_WS))
        end--;
    return end;
}

static inline SipSlice
sip_slice_make(const char *p, const char *end)
{
    SipSlice s = { p, (guint32) (end - p) };
    return s;
}

/* End of a slice; NULL for an absent one (so [p, end) is empty). */
static inline const char *
sip_slice_end(SipSlice s)
{
    return s.p != NULL ? s.p + s.len : NULL;
}

/* Trim LWS on both sides. */
static inline SipSlice
sip_slice_trim(SipSlice s)
{
    const char *p, *end;

    if (s.p == NULL)
        return s;
    end = sip_slice_end(s);
    p = sip_skip_lws(s.p, end);
    end = sip_rtrim_lws(p, end);
    return sip_slice_make(p, end);
}

/* p points at a DQUOTE: return the position after the closing DQUOTE, or
 * NULL when the string is unterminated or holds a forbidden byte. */
const char *sip_scan_quoted(const char *p, const char *end);

/* Scan a run of class cls with %HH escapes allowed: return the end of the
 * run, or NULL on a malformed escape. */
const char *sip_scan_escaped(const char *p, const char *end, guint32 cls);

/* Find the next top-level comma in [p, end) (outside quotes and <...>).
 * Returns end when there is none, NULL on an unbalanced quote/bracket. */
const char *sip_find_comma(const char *p, const char *end);

/* Validate a host (hostname, IPv4 or [IPv6]) filling the whole range.
 * Returns the host type or SIP_HOST_NONE when invalid. */
SipHostType sip_host_classify(const char *p, const char *end);

/* An IP address: IPv4, IPv6 with or without brackets (Via received=). */
SipHostType sip_ip_classify(const char *p, const char *end);

/* Scan a host at p: hostname/IPv4 run or [IPv6] reference.  Returns the
 * end of the host (not validated beyond its characters). */
const char *sip_scan_host(const char *p, const char *end);

/* Decimal number filling [p, end) with value <= max.  FALSE otherwise. */
gboolean sip_parse_uint_range(const char *p, const char *end, guint64 max, guint64 *value);
