/* chan_sip - DTMF in SIP INFO bodies (see dtmf_info.h). */
#include <string.h>

#include "dtmf_info.h"

/* RFC 4733 event codes 0-15, the order application/dtmf numbers them. */
#define DIGITS "0123456789*#ABCD"

typedef struct {
    const char *p;
    gsize len;
} Span;

static gboolean
is_space(char c)
{
    return c == ' ' || c == '\t';
}

static Span
span_trim(Span s)
{
    while (s.len > 0 && is_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.p[s.len - 1]))
        s.len--;
    return s;
}

static gboolean
span_equal(Span s, const char *word)
{
    return s.len == strlen(word) && g_ascii_strncasecmp(s.p, word, s.len) == 0;
}

/* A decimal number, saturating at G_MAXUINT; FALSE when s is not one. */
static gboolean
span_to_uint(Span s, guint *value)
{
    guint64 v = 0;

    if (s.len == 0)
        return FALSE;
    for (gsize i = 0; i < s.len; i++) {
        if (!g_ascii_isdigit(s.p[i]))
            return FALSE;
        v = MIN(v * 10 + (guint) (s.p[i] - '0'), G_MAXUINT);
    }
    *value = (guint) v;
    return TRUE;
}

gboolean
sip_dtmf_info_is_dtmf_type(const char *content_type)
{
    Span t;

    if (content_type == NULL)
        return FALSE;
    t.p = content_type;
    t.len = strcspn(content_type, ";");
    t = span_trim(t);
    return span_equal(t, SIP_DTMF_INFO_RELAY_TYPE) || span_equal(t, SIP_DTMF_INFO_DTMF_TYPE);
}

/* A digit as one character, or as an event code 0-15. */
static gboolean
parse_signal(Span v, char *digit)
{
    guint code;

    v = span_trim(v);
    if (v.len == 1 && v.p[0] != '\0' && strchr(DIGITS, g_ascii_toupper(v.p[0])) != NULL) {
        *digit = g_ascii_toupper(v.p[0]);
        return TRUE;
    }
    if (!span_to_uint(v, &code) || code > 15)
        return FALSE;
    *digit = DIGITS[code];
    return TRUE;
}

static guint
parse_duration(Span v)
{
    guint ms;

    if (!span_to_uint(span_trim(v), &ms) || ms == 0)
        return SIP_DTMF_INFO_DEFAULT_MS;
    return CLAMP(ms, SIP_DTMF_INFO_MIN_MS, SIP_DTMF_INFO_MAX_MS);
}

/* The next line of [*p, end), without its CR or LF; FALSE at the end. */
static gboolean
next_line(const char **p, const char *end, Span *line)
{
    const char *s = *p;

    if (s >= end)
        return FALSE;
    while (s < end && *s != '\r' && *s != '\n')
        s++;
    line->p = *p;
    line->len = (gsize) (s - *p);
    if (s < end && *s == '\r')
        s++;
    if (s < end && *s == '\n')
        s++;
    *p = s;
    return TRUE;
}

/* Splits "key = value" at the first '='; FALSE without one. */
static gboolean
split_pair(Span line, Span *key, Span *value)
{
    const char *eq = memchr(line.p, '=', line.len);
    gsize key_len;

    if (eq == NULL)
        return FALSE;
    key_len = (gsize) (eq - line.p);
    *key = span_trim((Span) { line.p, key_len });
    *value = (Span) { eq + 1, line.len - key_len - 1 };
    return TRUE;
}

static gboolean
parse_relay(const char *body, gsize len, char *digit, guint *duration_ms)
{
    const char *p = body, *end = body + len;
    gboolean have_signal = FALSE, have_duration = FALSE;
    Span line, key, value;
    char d = 0;
    guint ms = SIP_DTMF_INFO_DEFAULT_MS;

    while (next_line(&p, end, &line)) {
        if (!split_pair(line, &key, &value))
            continue;
        if (!have_signal && span_equal(key, "signal")) {
            if (!parse_signal(value, &d))
                return FALSE;
            have_signal = TRUE;
        } else if (!have_duration && span_equal(key, "duration")) {
            ms = parse_duration(value);
            have_duration = TRUE;
        }
    }
    if (!have_signal)
        return FALSE;
    *digit = d;
    *duration_ms = ms;
    return TRUE;
}

/* application/dtmf: the digit alone, on a line of its own.  A
 * dtmf-relay body under this type (some phones mix them up) is read as
 * one. */
static gboolean
parse_dtmf(const char *body, gsize len, char *digit, guint *duration_ms)
{
    const char *p = body, *end = body + len;
    Span line = { body, 0 };

    if (memchr(body, '=', len) != NULL)
        return parse_relay(body, len, digit, duration_ms);
    while (next_line(&p, end, &line) && span_trim(line).len == 0)
        ;
    if (!parse_signal(line, digit))
        return FALSE;
    for (Span rest; next_line(&p, end, &rest);)
        if (span_trim(rest).len != 0)
            return FALSE;
    *duration_ms = SIP_DTMF_INFO_DEFAULT_MS;
    return TRUE;
}

gboolean
sip_dtmf_info_parse(const char *content_type, const char *body, gsize len, char *digit,
                    guint *duration_ms)
{
    Span t = { content_type, content_type ? strcspn(content_type, ";") : 0 };

    g_return_val_if_fail(digit != NULL && duration_ms != NULL, FALSE);
    if (body == NULL || len == 0)
        return FALSE;
    t = span_trim(t);
    if (span_equal(t, SIP_DTMF_INFO_RELAY_TYPE))
        return parse_relay(body, len, digit, duration_ms);
    if (span_equal(t, SIP_DTMF_INFO_DTMF_TYPE))
        return parse_dtmf(body, len, digit, duration_ms);
    return FALSE;
}

char *
sip_dtmf_info_body(char digit, guint duration_ms, const char **content_type)
{
    char d = g_ascii_toupper(digit);
    guint ms = duration_ms ? CLAMP(duration_ms, SIP_DTMF_INFO_MIN_MS, SIP_DTMF_INFO_MAX_MS)
                           : SIP_DTMF_INFO_DEFAULT_MS;

    if (d == '\0' || strchr(DIGITS, d) == NULL)
        return NULL;
    if (content_type != NULL)
        *content_type = SIP_DTMF_INFO_RELAY_TYPE;
    return g_strdup_printf("Signal=%c\r\nDuration=%u\r\n", d, ms);
}
