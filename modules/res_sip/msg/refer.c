/* Carillon - SIP message layer: Refer-To with an embedded Replaces,
 * Referred-By, Refer-Sub and message/sipfrag (carillon/sip/refer.h). */
#include <string.h>

#include <carillon/sip/refer.h>

static gboolean
fail(GError **error, const char *what)
{
    g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID, "Refer-To: %s", what);
    return FALSE;
}

static char *
slice_dup(SipSlice s)
{
    return s.p ? g_strndup(s.p, s.len) : NULL;
}

/* The URI text up to its '?' (the headers part), or all of it. */
static char *
uri_without_headers(SipSlice text, const SipUri *uri)
{
    if (!uri->headers.p)
        return slice_dup(text);
    return g_strndup(text.p, (gsize) (uri->headers.p - 1 - text.p));
}

/* A %-escaped slice decoded into a new string without NUL bytes. */
static char *
unescape_dup(SipSlice s)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (!sip_unescape(s, out) || memchr(out->str, '\0', out->len))
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ?Replaces=<escaped value> among the URI headers (RFC 3891 3). */
static gboolean
take_replaces(const SipUri *uri, SipReferTo *out, GError **error)
{
    SipSlice value;

    if (!sip_uri_get_header(uri, "Replaces", &value))
        return TRUE;
    out->replaces = unescape_dup(value);
    if (!out->replaces)
        return fail(error, "badly escaped Replaces");
    if (!sip_parse_replaces(sip_slice_from_str(out->replaces), &out->rep))
        return fail(error, "the embedded Replaces does not parse");
    return TRUE;
}

static gboolean
take_uri(SipSlice text, SipReferTo *out, GError **error)
{
    SipUri uri;

    if (!sip_uri_parse(text, &uri))
        return fail(error, "the URI does not parse");
    if (uri.scheme != SIP_URI_SCHEME_SIP && uri.scheme != SIP_URI_SCHEME_SIPS
        && uri.scheme != SIP_URI_SCHEME_TEL)
        return fail(error, "only sip:, sips: and tel: targets are supported");
    out->scheme = uri.scheme;
    out->uri = uri_without_headers(text, &uri);
    if (uri.user.p && !(out->user = unescape_dup(uri.user)))
        return fail(error, "badly escaped user part");
    if (uri.scheme != SIP_URI_SCHEME_TEL)
        out->host = slice_dup(uri.host);
    return take_replaces(&uri, out, error);
}

static void
take_display(const SipNameAddr *na, SipReferTo *out)
{
    g_autoptr(GString) s = NULL;

    if (!na->display.p || !na->display.len)
        return;
    s = g_string_new(NULL);
    if (na->display_quoted)
        sip_unquote(na->display, s);
    else
        g_string_append_len(s, na->display.p, na->display.len);
    out->display = g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean
sip_refer_to_parse(SipSlice value, SipReferTo *out, GError **error)
{
    SipNameAddr na;

    memset(out, 0, sizeof *out);
    if (!sip_parse_name_addr(value, &na))
        return fail(error, "not a name-addr or addr-spec");
    if (!take_uri(na.uri, out, error)) {
        sip_refer_to_clear(out);
        return FALSE;
    }
    take_display(&na, out);
    return TRUE;
}

void
sip_refer_to_clear(SipReferTo *refer_to)
{
    if (!refer_to)
        return;
    g_free(refer_to->uri);
    g_free(refer_to->user);
    g_free(refer_to->host);
    g_free(refer_to->display);
    g_free(refer_to->replaces);
    memset(refer_to, 0, sizeof *refer_to);
}

gboolean
sip_msg_get_refer_to(const SipMsg *msg, SipReferTo *out, GError **error)
{
    guint n = sip_msg_count_headers(msg, SIP_HDR_REFER_TO);

    memset(out, 0, sizeof *out);
    if (n == 0)
        return fail(error, "missing");
    if (n > 1)
        return fail(error, "more than one");
    return sip_refer_to_parse(sip_msg_get_header(msg, SIP_HDR_REFER_TO, 0)->value, out, error);
}

char *
sip_referred_by_uri(SipSlice value)
{
    SipNameAddr na;
    SipUri uri;

    if (!sip_parse_name_addr(value, &na) || !sip_uri_parse(na.uri, &uri))
        return NULL;
    return slice_dup(na.uri);
}

gboolean
sip_msg_refer_sub_false(const SipMsg *msg)
{
    const SipHeader *h = sip_msg_get_header(msg, SIP_HDR_REFER_SUB, 0);
    SipSlice v;

    if (!h)
        return FALSE;
    v = h->value;
    while (v.len && g_ascii_isspace(*v.p)) {
        v.p++;
        v.len--;
    }
    while (v.len && g_ascii_isspace(v.p[v.len - 1]))
        v.len--;
    if (memchr(v.p, ';', v.len))
        v.len = (guint32) ((const char *) memchr(v.p, ';', v.len) - v.p);
    return sip_slice_case_eq(v, "false");
}

char *
sip_sipfrag_new(guint code, const char *reason)
{
    const char *phrase = reason ? reason : sip_status_reason(code);

    return g_strdup_printf("SIP/2.0 %u %s\r\n", code, phrase ? phrase : "Unknown");
}

gboolean
sip_sipfrag_parse_status(SipSlice body, guint *code)
{
    guint64 v;

    if (body.len < 12 || memcmp(body.p, "SIP/2.0 ", 8) != 0)
        return FALSE;
    if (!sip_slice_to_uint((SipSlice) { body.p + 8, 3 }, 699, &v) || v < 100)
        return FALSE;
    if (body.len > 11 && body.p[11] != ' ' && body.p[11] != '\r' && body.p[11] != '\n')
        return FALSE;
    *code = (guint) v;
    return TRUE;
}
