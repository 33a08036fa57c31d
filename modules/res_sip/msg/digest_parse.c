/* Carillon - parsing of Authorization, Proxy-Authorization,
 * WWW-Authenticate and Proxy-Authenticate values (RFC 3261 25.1,
 * RFC 7616, RFC 8760) into slices.  Hashing and nonce checks live in the
 * auth code; this file only splits and checks syntax. */
#include <string.h>

#include "sip_lex.h"

static SipDigestAlgorithm
algorithm_from_slice(SipSlice s)
{
    static const struct { const char *name; SipDigestAlgorithm alg; } map[] = {
        { "MD5", SIP_DIGEST_ALG_MD5 },
        { "MD5-sess", SIP_DIGEST_ALG_MD5_SESS },
        { "SHA-256", SIP_DIGEST_ALG_SHA256 },
        { "SHA-256-sess", SIP_DIGEST_ALG_SHA256_SESS },
        { "SHA-512-256", SIP_DIGEST_ALG_SHA512_256 },
        { "SHA-512-256-sess", SIP_DIGEST_ALG_SHA512_256_SESS },
    };

    for (guint i = 0; i < G_N_ELEMENTS(map); i++) {
        if (sip_slice_case_eq(s, map[i].name))
            return map[i].alg;
    }
    return SIP_DIGEST_ALG_OTHER;
}

/* qop-options is a quoted comma list ("auth,auth-int"); a credentials
 * qop is one token.  Both go through here. */
static guint
qop_mask_from_slice(SipSlice s)
{
    const char *p = s.p, *end = sip_slice_end(s);
    guint mask = 0;

    while (p < end) {
        const char *q;
        SipSlice item;

        p = sip_skip_lws(p, end);
        q = p;
        while (q < end && *q != ',' && !SIP_IS(*q, SIP_C_WS))
            q++;
        item = sip_slice_make(p, q);
        if (sip_slice_case_eq(item, "auth"))
            mask |= SIP_DIGEST_QOP_AUTH;
        else if (sip_slice_case_eq(item, "auth-int"))
            mask |= SIP_DIGEST_QOP_AUTH_INT;
        else if (item.len > 0)
            mask |= SIP_DIGEST_QOP_OTHER;
        p = sip_skip_lws(q, end);
        if (p < end && *p == ',')
            p++;
    }
    return mask;
}

static gboolean
parse_bool(SipSlice s, gboolean *out)
{
    if (sip_slice_case_eq(s, "true"))
        *out = TRUE;
    else if (sip_slice_case_eq(s, "false"))
        *out = FALSE;
    else
        return FALSE;
    return TRUE;
}

/* nc-value = 8LHEX */
static gboolean
parse_nc(SipSlice s, guint32 *out)
{
    guint32 v = 0;

    if (s.len != 8)
        return FALSE;
    for (guint i = 0; i < 8; i++) {
        int h = sip_hex_value(s.p[i]);

        if (h < 0)
            return FALSE;
        v = v * 16 + (guint32) h;
    }
    *out = v;
    return TRUE;
}

/* Store a value in a slot, refusing duplicates. */
static gboolean
store_once(SipSlice *slot, SipSlice value)
{
    if (slot->p != NULL)
        return FALSE;
    *slot = value;
    return TRUE;
}

static SipSlice *
slot_for(SipDigestParams *out, SipSlice name)
{
    static const struct { const char *name; gsize offset; } slots[] = {
        { "username", G_STRUCT_OFFSET(SipDigestParams, username) },
        { "realm", G_STRUCT_OFFSET(SipDigestParams, realm) },
        { "nonce", G_STRUCT_OFFSET(SipDigestParams, nonce) },
        { "uri", G_STRUCT_OFFSET(SipDigestParams, uri) },
        { "response", G_STRUCT_OFFSET(SipDigestParams, response) },
        { "algorithm", G_STRUCT_OFFSET(SipDigestParams, algorithm_name) },
        { "cnonce", G_STRUCT_OFFSET(SipDigestParams, cnonce) },
        { "opaque", G_STRUCT_OFFSET(SipDigestParams, opaque) },
        { "qop", G_STRUCT_OFFSET(SipDigestParams, qop) },
        { "nc", G_STRUCT_OFFSET(SipDigestParams, nc) },
        { "domain", G_STRUCT_OFFSET(SipDigestParams, domain) },
    };

    for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
        if (sip_slice_case_eq(name, slots[i].name))
            return G_STRUCT_MEMBER_P(out, slots[i].offset);
    }
    return NULL;
}

/* Interpret one name=value pair; value is without quotes. */
static gboolean
note_digest_param(SipDigestParams *out, SipSlice name, SipSlice value)
{
    SipSlice *slot = slot_for(out, name);

    if (slot != NULL)
        return store_once(slot, value);
    if (sip_slice_case_eq(name, "stale"))
        return parse_bool(value, &out->stale);
    if (sip_slice_case_eq(name, "userhash"))
        return parse_bool(value, &out->userhash);
    return TRUE;     /* unknown auth-param: ignored (RFC 7616 3.3) */
}

/* One auth-param: token LWS "=" LWS (token / quoted-string).  Unquoted
 * values are accepted up to ',' or LWS, which tolerates clients that
 * leave uri= unquoted. */
static const char *
scan_auth_param(const char *p, const char *end, SipSlice *name, SipSlice *value)
{
    const char *q = sip_skip_class(p, end, SIP_C_TOKEN);

    if (q == p)
        return NULL;
    *name = sip_slice_make(p, q);
    p = sip_skip_lws(q, end);
    if (p == end || *p != '=')
        return NULL;
    p = sip_skip_lws(p + 1, end);
    if (p < end && *p == '"') {
        q = sip_scan_quoted(p, end);
        if (q == NULL)
            return NULL;
        *value = sip_slice_make(p + 1, q - 1);
        return q;
    }
    q = p;
    while (q < end && *q != ',' && *q != '"' && !SIP_IS(*q, SIP_C_WS))
        q++;
    if (q == p)
        return NULL;
    *value = sip_slice_make(p, q);
    return q;
}

static gboolean
parse_digest_params(const char *p, const char *end, SipDigestParams *out)
{
    for (;;) {
        SipSlice name, value;

        p = sip_skip_lws(p, end);
        p = scan_auth_param(p, end, &name, &value);
        if (p == NULL || !note_digest_param(out, name, value))
            return FALSE;
        p = sip_skip_lws(p, end);
        if (p == end)
            return TRUE;
        if (*p != ',')
            return FALSE;
        p++;
    }
}

gboolean
sip_parse_digest(SipSlice value, SipDigestParams *out)
{
    const char *p = value.p, *end = sip_slice_end(value), *q;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    q = sip_skip_class(p, end, SIP_C_TOKEN);
    if (q == p)
        return FALSE;
    out->scheme_name = sip_slice_make(p, q);
    out->params = sip_slice_trim(sip_slice_make(q, end));
    if (!sip_slice_case_eq(out->scheme_name, "Digest")) {
        out->scheme = SIP_AUTH_SCHEME_OTHER;
        return TRUE;
    }
    out->scheme = SIP_AUTH_SCHEME_DIGEST;
    if (q == end || !SIP_IS(*q, SIP_C_WS) || !parse_digest_params(q, end, out))
        return FALSE;
    if (out->algorithm_name.p)
        out->algorithm = algorithm_from_slice(out->algorithm_name);
    if (out->qop.p)
        out->qop_mask = qop_mask_from_slice(out->qop);
    if (out->nc.p && !parse_nc(out->nc, &out->nc_value))
        return FALSE;
    return TRUE;
}
