/* Carillon - SIP header-value parsers (RFC 3261 25.1 and extensions):
 * generic params, name-addr, Via, CSeq, media types, Contact, Event,
 * Replaces, and the list iterators that walk comma-separated values
 * across repeated header lines.  All zero-copy; folds are LWS. */
#include <string.h>

#include "sip_lex.h"

/* ---------------------------------------------------------------- params */

/* gen-value = token / host / quoted-string.  A host may be an IPv6
 * reference, so '[' ']' ':' are accepted along with token characters. */
static const char *
scan_gen_value(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return sip_scan_quoted(p, end);
    while (p < end && (SIP_IS(*p, SIP_C_TOKEN) || *p == ':' || *p == '[' || *p == ']'))
        p++;
    return p;
}

/* See sip_msg.h for the protocol.  After a parameter the cursor is left
 * after the ';' separator; a ';' followed only by LWS leaves the cursor on
 * the ';' itself so that the next call fails on the empty name. */
int
sip_param_next(SipSlice *cursor, SipParam *param)
{
    const char *p, *end, *q;

    if (cursor->p == NULL)
        return 0;
    end = sip_slice_end(*cursor);
    p = sip_skip_lws(cursor->p, end);
    if (p == end) {
        *cursor = sip_slice_make(end, end);
        return 0;
    }
    q = sip_skip_class(p, end, SIP_C_TOKEN);
    if (q == p)
        return -1;
    param->name = sip_slice_make(p, q);
    param->value = SIP_SLICE_NULL;
    p = sip_skip_lws(q, end);
    if (p < end && *p == '=') {
        p = sip_skip_lws(p + 1, end);
        q = scan_gen_value(p, end);
        if (q == NULL || q == p)
            return -1;
        param->value = sip_slice_make(p, q);
        p = sip_skip_lws(q, end);
    }
    if (p == end) {
        *cursor = sip_slice_make(end, end);
        return 1;
    }
    if (*p != ';')
        return -1;
    q = sip_skip_lws(p + 1, end);
    *cursor = q == end ? sip_slice_make(p, p + 1) : sip_slice_make(q, end);
    return 1;
}

gboolean
sip_params_find(SipSlice params, const char *name, SipSlice *value)
{
    SipParam param;
    int rc;

    while ((rc = sip_param_next(&params, &param)) > 0) {
        if (sip_slice_case_eq(param.name, name)) {
            if (value)
                *value = param.value;
            return TRUE;
        }
    }
    return FALSE;
}

/* Validate a whole parameter list (p after the ';') and hand each
 * parameter to fn.  Returns FALSE on a syntax error or when fn does. */
typedef gboolean (*ParamFn)(const SipParam *param, gpointer data);

static gboolean
walk_params(SipSlice list, ParamFn fn, gpointer data)
{
    SipParam param;
    int rc;

    if (sip_skip_lws(list.p, sip_slice_end(list)) == sip_slice_end(list))
        return FALSE;   /* ";" with nothing after it */
    while ((rc = sip_param_next(&list, &param)) > 0) {
        if (fn && !fn(&param, data))
            return FALSE;
    }
    return rc == 0;
}

/* Parameters after a value: p at ';' or end (after LWS). */
static gboolean
tail_params(const char *p, const char *end, SipSlice *params, ParamFn fn, gpointer data)
{
    p = sip_skip_lws(p, end);
    if (p == end) {
        *params = SIP_SLICE_NULL;
        return TRUE;
    }
    if (*p != ';')
        return FALSE;
    *params = sip_slice_trim(sip_slice_make(p + 1, end));
    if (params->p == NULL || params->len == 0)
        return FALSE;
    return walk_params(*params, fn, data);
}

/* ---------------------------------------------------------------- name-addr */

/* The URI inside <...> or an addr-spec must start with a scheme and hold
 * no white space, quotes or brackets; full syntax is sip_uri_parse()'s
 * job (on demand). */
static gboolean
plausible_uri(const char *p, const char *end)
{
    const char *q;

    if (p == end || !SIP_IS(*p, SIP_C_ALPHA))
        return FALSE;
    q = sip_skip_class(p, end, SIP_C_SCHEME);
    if (q == end || *q != ':')
        return FALSE;
    return sip_skip_class(q + 1, end, SIP_C_URIBYTE) == end;
}

/* display-name = *(token LWS) / quoted-string, followed by '<'.  Returns
 * the position of '<' or NULL when this is not a name-addr. */
static const char *
scan_display_name(const char *p, const char *end, SipNameAddr *out)
{
    const char *start = p, *last = p;

    if (p < end && *p == '"') {
        const char *q = sip_scan_quoted(p, end);

        if (q == NULL)
            return NULL;
        out->display = sip_slice_make(p + 1, q - 1);
        out->display_quoted = TRUE;
        p = sip_skip_lws(q, end);
        return p < end && *p == '<' ? p : NULL;
    }
    while (p < end && *p != '<') {
        const char *q = sip_skip_class(p, end, SIP_C_TOKEN);

        if (q == p)
            return NULL;
        last = q;
        p = sip_skip_lws(q, end);
    }
    if (p == end)
        return NULL;
    if (last > start)
        out->display = sip_slice_make(start, last);
    return p;
}

static gboolean
note_tag(const SipParam *param, gpointer data)
{
    SipNameAddr *out = data;

    if (SIP_SLICE_IEQ(param->name, "tag")) {
        if (out->tag.p != NULL || param->value.p == NULL)
            return FALSE;
        out->tag = param->value;
    }
    return TRUE;
}

/* name-addr / addr-spec *( SEMI param ).  In the addr-spec form the URI
 * ends at the first ';' (those are header params) and may not contain
 * ',' or '?' (RFC 3261 20.10). */
static gboolean
parse_name_addr_inner(SipSlice value, SipNameAddr *out)
{
    const char *p = value.p, *end = sip_slice_end(value), *lt, *q;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    lt = scan_display_name(p, end, out);
    if (lt != NULL) {
        q = memchr(lt, '>', (gsize) (end - lt));
        if (q == NULL || !plausible_uri(lt + 1, q))
            return FALSE;
        out->bracketed = TRUE;
        out->uri = sip_slice_make(lt + 1, q);
        p = q + 1;
    } else {
        if (out->display_quoted)
            return FALSE;
        out->display = SIP_SLICE_NULL;
        q = p;
        while (q < end && *q != ';' && !SIP_IS(*q, SIP_C_WS))
            q++;
        if (!plausible_uri(p, q) || memchr(p, '?', (gsize) (q - p))
            || memchr(p, ',', (gsize) (q - p)))
            return FALSE;
        out->uri = sip_slice_make(p, q);
        p = q;
    }
    return tail_params(p, end, &out->params, note_tag, out);
}

/* ---------------------------------------------------------------- Via */

static SipTransport
transport_from_slice(SipSlice s)
{
    static const struct { const char *name; SipTransport t; } map[] = {
        { "UDP", SIP_TRANSPORT_UDP }, { "TCP", SIP_TRANSPORT_TCP },
        { "TLS", SIP_TRANSPORT_TLS }, { "SCTP", SIP_TRANSPORT_SCTP },
        { "WS", SIP_TRANSPORT_WS }, { "WSS", SIP_TRANSPORT_WSS },
    };

    if (SIP_SLICE_IEQ(s, "udp"))
        return SIP_TRANSPORT_UDP;
    for (guint i = 1; i < G_N_ELEMENTS(map); i++) {
        if (sip_slice_case_eq(s, map[i].name))
            return map[i].t;
    }
    return SIP_TRANSPORT_OTHER;
}

/* token SWS "/" SWS: returns after the slash, NULL if not there. */
static const char *
scan_token_slash(const char *p, const char *end, SipSlice *token, gboolean need_slash)
{
    const char *q = sip_skip_class(p, end, SIP_C_TOKEN);

    if (q == p)
        return NULL;
    *token = sip_slice_make(p, q);
    if (!need_slash)
        return q;
    p = sip_skip_lws(q, end);
    if (p == end || *p != '/')
        return NULL;
    return sip_skip_lws(p + 1, end);
}

static gboolean
note_via_param(const SipParam *param, gpointer data)
{
    SipVia *via = data;
    static const SipSlice empty = { "", 0 };
    SipSlice value = param->value;

    if (SIP_SLICE_IEQ(param->name, "branch")) {
        if (value.p == NULL || via->branch.p != NULL || *value.p == '"')
            return FALSE;
        via->branch = value;
    } else if (SIP_SLICE_IEQ(param->name, "received")) {
        if (value.p == NULL || sip_ip_classify(value.p, sip_slice_end(value)) == SIP_HOST_NONE)
            return FALSE;
        via->received = value;
    } else if (SIP_SLICE_IEQ(param->name, "rport")) {
        guint64 port;

        if (value.p != NULL && !sip_parse_uint_range(value.p, sip_slice_end(value), 65535, &port))
            return FALSE;
        via->rport = value.p ? value : empty;
    } else if (SIP_SLICE_IEQ(param->name, "maddr")) {
        if (value.p == NULL)
            return FALSE;
        via->maddr = value;
    } else if (SIP_SLICE_IEQ(param->name, "ttl")) {
        guint64 ttl;

        if (value.p == NULL || !sip_parse_uint_range(value.p, sip_slice_end(value), 255, &ttl))
            return FALSE;
        via->ttl = value;
    }
    return TRUE;
}

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params ) */
static gboolean
parse_via_inner(SipSlice value, SipVia *out)
{
    const char *p = value.p, *end = sip_slice_end(value), *q;
    guint64 port;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    out->raw = sip_slice_make(p, end);
    if ((p = scan_token_slash(p, end, &out->protocol_name, TRUE)) == NULL
        || (p = scan_token_slash(p, end, &out->protocol_version, TRUE)) == NULL
        || (p = scan_token_slash(p, end, &out->transport_name, FALSE)) == NULL)
        return FALSE;
    out->transport = transport_from_slice(out->transport_name);
    q = sip_skip_lws(p, end);
    if (q == p || q == end)
        return FALSE;
    p = q;
    q = sip_scan_host(p, end);
    out->host_type = sip_host_classify(p, q);
    if (out->host_type == SIP_HOST_NONE)
        return FALSE;
    out->host = sip_slice_make(p, q);
    p = sip_skip_lws(q, end);
    if (p < end && *p == ':') {
        p = sip_skip_lws(p + 1, end);
        q = sip_skip_class(p, end, SIP_C_DIGIT);
        if (!sip_parse_uint_range(p, q, 65535, &port) || port == 0)
            return FALSE;
        out->port = (guint16) port;
        p = q;
    }
    return tail_params(p, end, &out->params, note_via_param, out);
}

/* ---------------------------------------------------------------- CSeq */

/* CSeq = 1*DIGIT LWS Method; the number is < 2**31 (RFC 3261 8.1.1.5)
 * but we accept up to 2**32-1 as 20.16 allows. */
static gboolean
parse_cseq_inner(SipSlice value, SipCSeq *out)
{
    const char *p = value.p, *end = sip_slice_end(value), *q;
    guint64 number;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    q = sip_skip_class(p, end, SIP_C_DIGIT);
    if (!sip_parse_uint_range(p, q, G_MAXUINT32, &number))
        return FALSE;
    p = sip_skip_lws(q, end);
    if (p == q)
        return FALSE;
    q = sip_skip_class(p, end, SIP_C_TOKEN);
    if (q == p || q != end)
        return FALSE;
    out->number = (guint32) number;
    out->method_name = sip_slice_make(p, q);
    out->method = sip_method_from_slice(out->method_name);
    return TRUE;
}

/* ---------------------------------------------------------------- media type */

/* m-type SLASH m-subtype *(SEMI m-parameter); also accepts the "*" forms
 * of Accept media ranges (they are tokens). */
static gboolean
parse_media_type_inner(SipSlice value, SipMediaType *out)
{
    const char *p = value.p, *end = sip_slice_end(value);

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    if ((p = scan_token_slash(p, end, &out->type, TRUE)) == NULL
        || (p = scan_token_slash(p, end, &out->subtype, FALSE)) == NULL)
        return FALSE;
    return tail_params(p, end, &out->params, NULL, NULL);
}

/* ---------------------------------------------------------------- Contact */

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) -> 0..1000 */
static gboolean
parse_qvalue(SipSlice s, gint *q)
{
    const char *p = s.p, *end = sip_slice_end(s);
    gint value, scale = 100;

    if (p == NULL || p == end || (*p != '0' && *p != '1'))
        return FALSE;
    value = (*p++ - '0') * 1000;
    if (p == end) {
        *q = value;
        return TRUE;
    }
    if (*p++ != '.' || end - p > 3)
        return FALSE;
    for (; p < end; p++, scale /= 10) {
        if (!SIP_IS(*p, SIP_C_DIGIT))
            return FALSE;
        value += (*p - '0') * scale;
    }
    if (value > 1000)
        return FALSE;
    *q = value;
    return TRUE;
}

static gboolean
note_contact_param(const SipParam *param, gpointer data)
{
    SipContact *c = data;
    guint32 delta;
    guint64 reg_id;

    if (!note_tag(param, &c->addr))
        return FALSE;
    if (sip_slice_case_eq(param->name, "q")) {
        if (!parse_qvalue(param->value, &c->q))
            return FALSE;
    } else if (sip_slice_case_eq(param->name, "expires")) {
        if (param->value.p == NULL || !sip_parse_delta_seconds(param->value, &delta))
            return FALSE;
        c->expires = delta;
    } else if (sip_slice_case_eq(param->name, "+sip.instance")) {
        if (param->value.p == NULL)
            return FALSE;
        c->instance = param->value;
    } else if (sip_slice_case_eq(param->name, "reg-id")) {
        if (!sip_slice_to_uint(param->value, G_MAXUINT32, &reg_id) || reg_id == 0)
            return FALSE;
        c->reg_id = (gint64) reg_id;
    }
    return TRUE;
}

static gboolean
parse_contact_inner(SipSlice value, SipContact *out)
{
    SipSlice trimmed = sip_slice_trim(value);
    SipSlice params;

    memset(out, 0, sizeof *out);
    out->q = -1;
    out->expires = -1;
    out->reg_id = -1;
    if (trimmed.p == NULL)
        return FALSE;
    if (trimmed.len == 1 && trimmed.p[0] == '*') {
        out->star = TRUE;
        return TRUE;
    }
    if (!sip_parse_name_addr(trimmed, &out->addr))
        return FALSE;
    params = out->addr.params;
    out->addr.tag = SIP_SLICE_NULL;
    if (params.p == NULL)
        return TRUE;
    return walk_params(params, note_contact_param, out);
}

/* ---------------------------------------------------------------- Event, Replaces */

/* Event = event-type *( SEMI event-param ); event-type is a token with
 * dotted templates ("presence.winfo"), which token already covers. */
static gboolean
parse_event_inner(SipSlice value, SipEvent *out)
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
    out->package = sip_slice_make(p, q);
    if (!tail_params(q, end, &out->params, NULL, NULL))
        return FALSE;
    if (out->params.p)
        sip_params_find(out->params, "id", &out->id);
    return TRUE;
}

static gboolean
note_replaces_param(const SipParam *param, gpointer data)
{
    SipReplaces *r = data;

    if (sip_slice_case_eq(param->name, "to-tag")) {
        if (param->value.p == NULL)
            return FALSE;
        r->to_tag = param->value;
    } else if (sip_slice_case_eq(param->name, "from-tag")) {
        if (param->value.p == NULL)
            return FALSE;
        r->from_tag = param->value;
    } else if (sip_slice_case_eq(param->name, "early-only")) {
        r->early_only = TRUE;
    }
    return TRUE;
}

/* Replaces = callid *(SEMI replaces-param) (RFC 3891); to-tag and
 * from-tag are mandatory. */
static gboolean
parse_replaces_inner(SipSlice value, SipReplaces *out)
{
    const char *p = value.p, *end = sip_slice_end(value), *q;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return FALSE;
    p = sip_skip_lws(p, end);
    end = sip_rtrim_lws(p, end);
    q = sip_skip_class(p, end, SIP_C_WORD);
    if (q == p)
        return FALSE;
    if (q < end && *q == '@') {
        const char *host = q + 1;

        q = sip_skip_class(host, end, SIP_C_WORD);
        if (q == host)
            return FALSE;
    }
    out->call_id = sip_slice_make(p, q);
    if (!tail_params(q, end, &out->params, note_replaces_param, out))
        return FALSE;
    return out->to_tag.p != NULL && out->from_tag.p != NULL;
}

gboolean
sip_parse_delta_seconds(SipSlice value, guint32 *out)
{
    SipSlice s = sip_slice_trim(value);
    const char *p = s.p, *end = sip_slice_end(s);
    guint64 v = 0;

    if (p == NULL || p == end)
        return FALSE;
    for (; p < end; p++) {
        if (!SIP_IS(*p, SIP_C_DIGIT))
            return FALSE;
        if (v <= G_MAXUINT32)
            v = v * 10 + (guint64) (*p - '0');
    }
    *out = v > G_MAXUINT32 ? G_MAXUINT32 : (guint32) v;
    return TRUE;
}

/* ---------------------------------------------------------------- lists */

void
sip_value_iter_init(SipValueIter *iter, const SipMsg *msg, SipHeaderId id)
{
    iter->msg = msg;
    iter->id = (guint8) id;
    iter->index = id < SIP_HDR__COUNT ? msg->first[id] : SIP_HDR_INDEX_NONE;
    iter->rest = SIP_SLICE_NULL;
    if (iter->index != SIP_HDR_INDEX_NONE && iter->index < msg->n_headers)
        iter->rest = msg->headers[iter->index].value;
}

/* Empty header lines yield nothing; an empty element between commas is
 * an error ("a,,b"). */
int
sip_value_iter_next(SipValueIter *iter, SipSlice *value)
{
    const SipMsg *msg = iter->msg;

    while (iter->index != SIP_HDR_INDEX_NONE && iter->index < msg->n_headers) {
        const char *p = iter->rest.p, *end = sip_slice_end(iter->rest), *comma;

        p = sip_skip_lws(p, end);
        if (p < end) {
            comma = sip_find_comma(p, end);
            if (comma == NULL)
                return -1;
            *value = sip_slice_trim(sip_slice_make(p, comma));
            if (value->len == 0)
                return -1;
            if (comma < end) {
                if (sip_skip_lws(comma + 1, end) == end)
                    return -1;
                iter->rest = sip_slice_make(comma + 1, end);
            } else {
                iter->rest = sip_slice_make(end, end);
            }
            return 1;
        }
        iter->index = msg->headers[iter->index].next;
        if (iter->index != SIP_HDR_INDEX_NONE && iter->index < msg->n_headers)
            iter->rest = msg->headers[iter->index].value;
    }
    return 0;
}

gboolean
sip_parse_via_list(const SipMsg *msg, SipVia *out, guint max, guint *n)
{
    SipValueIter it;
    SipSlice v;
    int rc;

    *n = 0;
    sip_value_iter_init(&it, msg, SIP_HDR_VIA);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (*n >= max || !sip_parse_via(v, &out[*n]))
            return FALSE;
        (*n)++;
    }
    return rc == 0;
}

/* A "*" Contact must be the only one (RFC 3261 10.2.2). */
gboolean
sip_parse_contact_list(const SipMsg *msg, SipContact *out, guint max, guint *n)
{
    SipValueIter it;
    SipSlice v;
    gboolean star = FALSE;
    int rc;

    *n = 0;
    sip_value_iter_init(&it, msg, SIP_HDR_CONTACT);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (*n >= max || !sip_parse_contact(v, &out[*n]))
            return FALSE;
        star = star || out[*n].star;
        (*n)++;
    }
    return rc == 0 && (!star || *n == 1);
}

gboolean
sip_parse_name_addr_list(const SipMsg *msg, SipHeaderId id, SipNameAddr *out, guint max, guint *n)
{
    SipValueIter it;
    SipSlice v;
    int rc;

    *n = 0;
    sip_value_iter_init(&it, msg, id);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (*n >= max || !sip_parse_name_addr(v, &out[*n]))
            return FALSE;
        (*n)++;
    }
    return rc == 0;
}

gboolean
sip_parse_token_list(const SipMsg *msg, SipHeaderId id, SipSlice *out, guint max, guint *n)
{
    SipValueIter it;
    SipSlice v;
    int rc;

    *n = 0;
    sip_value_iter_init(&it, msg, id);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (*n >= max || sip_skip_class(v.p, sip_slice_end(v), SIP_C_TOKEN) != sip_slice_end(v))
            return FALSE;
        out[(*n)++] = v;
    }
    return rc == 0;
}

gboolean
sip_parse_accept_list(const SipMsg *msg, SipMediaType *out, guint max, guint *n)
{
    SipValueIter it;
    SipSlice v;
    int rc;

    *n = 0;
    sip_value_iter_init(&it, msg, SIP_HDR_ACCEPT);
    while ((rc = sip_value_iter_next(&it, &v)) > 0) {
        if (*n >= max || !sip_parse_media_type(v, &out[*n]))
            return FALSE;
        (*n)++;
    }
    return rc == 0;
}

gboolean
sip_msg_has_token(const SipMsg *msg, SipHeaderId id, const char *token)
{
    SipValueIter it;
    SipSlice v;

    sip_value_iter_init(&it, msg, id);
    while (sip_value_iter_next(&it, &v) > 0) {
        if (sip_slice_case_eq(v, token))
            return TRUE;
    }
    return FALSE;
}

static gboolean
range_matches(SipSlice range, const char *want)
{
    return sip_slice_eq(range, "*") || sip_slice_case_eq(range, want);
}

/* An Accept header that is present but empty accepts nothing
 * (RFC 3261 20.1); a missing one means application/sdp. */
gboolean
sip_msg_accepts(const SipMsg *msg, const char *type, const char *subtype,
                gboolean accept_if_absent)
{
    SipValueIter it;
    SipSlice v;
    SipMediaType mt;

    if (sip_msg_count_headers(msg, SIP_HDR_ACCEPT) == 0)
        return accept_if_absent
               || (g_ascii_strcasecmp(type, "application") == 0
                   && g_ascii_strcasecmp(subtype, "sdp") == 0);
    sip_value_iter_init(&it, msg, SIP_HDR_ACCEPT);
    while (sip_value_iter_next(&it, &v) > 0) {
        if (!sip_parse_media_type(v, &mt))
            continue;
        if (range_matches(mt.type, type) && range_matches(mt.subtype, subtype))
            return TRUE;
    }
    return FALSE;
}

gboolean
sip_parse_name_addr(SipSlice value, SipNameAddr *out)
{
    if (parse_name_addr_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_via(SipSlice value, SipVia *out)
{
    if (parse_via_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_cseq(SipSlice value, SipCSeq *out)
{
    if (parse_cseq_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_media_type(SipSlice value, SipMediaType *out)
{
    if (parse_media_type_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_contact(SipSlice value, SipContact *out)
{
    if (parse_contact_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_event(SipSlice value, SipEvent *out)
{
    if (parse_event_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
sip_parse_replaces(SipSlice value, SipReplaces *out)
{
    if (parse_replaces_inner(value, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}
