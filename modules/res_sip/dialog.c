/* Carillon - res_sip dialogs: the data of RFC 3261 section 12 (see
 * dialogs.h). */
#include <string.h>
#include "dialogs.h"

#define MAX_ROUTES 32

static char *
slice_dup(SipSlice s)
{
    GString *out;

    if (!sip_slice_present(s))
        return NULL;
    out = g_string_sized_new(s.len + 1);
    sip_slice_unfold(s, out);
    return g_string_free(out, FALSE);
}

/* The URI of the first Contact of msg, or NULL. */
static char *
contact_uri(const SipMsg *msg)
{
    SipContact c[1];
    guint n = 0;

    if (sip_msg_count_headers(msg, SIP_HDR_CONTACT) == 0)
        return NULL;
    /* A list longer than one still yields its first entry. */
    sip_parse_contact_list(msg, c, 1, &n);
    if (n == 0 || c[0].star)
        return NULL;
    return slice_dup(c[0].addr.uri);
}

/* The Record-Route URIs of msg, in order or reversed. */
static GPtrArray *
record_routes(const SipMsg *msg, gboolean reverse)
{
    SipNameAddr rr[MAX_ROUTES];
    guint n = 0;
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    if (sip_msg_count_headers(msg, SIP_HDR_RECORD_ROUTE) == 0)
        return out;
    sip_parse_name_addr_list(msg, SIP_HDR_RECORD_ROUTE, rr, MAX_ROUTES, &n);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(out, slice_dup(rr[reverse ? n - 1 - i : i].uri));
    return out;
}

SipDialog *
sip_dialog_new_uas(const SipMsg *req, const char *local_tag, gboolean secure)
{
    SipDialog *d = g_new0(SipDialog, 1);

    d->is_uas = TRUE;
    d->state = SIP_DIALOG_EARLY;
    d->call_id = slice_dup(req->call_id);
    d->local_tag = g_strdup(local_tag);
    d->remote_tag = slice_dup(req->from.tag);
    d->local_uri = slice_dup(req->to.uri);
    d->remote_uri = slice_dup(req->from.uri);
    d->remote_display = slice_dup(req->from.display);
    d->remote_cseq = req->cseq.number;
    d->remote_cseq_set = TRUE;
    d->local_cseq = g_random_int_range(1, 1 << 20);    /* 8.1.1.5: < 2^31 */
    d->remote_target = contact_uri(req);
    if (!d->remote_target)
        d->remote_target = g_strdup(d->remote_uri);
    d->route_set = record_routes(req, FALSE);
    d->secure = secure;
    return d;
}

SipDialog *
sip_dialog_new_uac(const char *call_id, const char *local_tag, const char *local_uri,
                   const char *remote_uri, guint32 local_cseq)
{
    SipDialog *d = g_new0(SipDialog, 1);

    d->state = SIP_DIALOG_EARLY;
    d->call_id = g_strdup(call_id);
    d->local_tag = g_strdup(local_tag);
    d->local_uri = g_strdup(local_uri);
    d->remote_uri = g_strdup(remote_uri);
    d->remote_target = g_strdup(remote_uri);
    d->local_cseq = local_cseq;
    d->route_set = g_ptr_array_new_with_free_func(g_free);
    return d;
}

SipDialog *
sip_dialog_copy(const SipDialog *d)
{
    SipDialog *c = g_memdup2(d, sizeof(*d));

    c->call_id = g_strdup(d->call_id);
    c->local_tag = g_strdup(d->local_tag);
    c->remote_tag = g_strdup(d->remote_tag);
    c->local_uri = g_strdup(d->local_uri);
    c->remote_uri = g_strdup(d->remote_uri);
    c->remote_display = g_strdup(d->remote_display);
    c->remote_target = g_strdup(d->remote_target);
    c->route_set = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < d->route_set->len; i++)
        g_ptr_array_add(c->route_set, g_strdup(d->route_set->pdata[i]));
    c->contact = g_strdup(d->contact);
    c->flow.host = d->flow.host ? c->flow_host : NULL;
    c->owner = NULL;
    c->priv = NULL;
    return c;
}

SipDialog *
sip_dialog_fork(const SipDialog *d)
{
    SipDialog *f = sip_dialog_copy(d);

    f->state = SIP_DIALOG_EARLY;
    g_clear_pointer(&f->remote_tag, g_free);
    g_ptr_array_set_size(f->route_set, 0);
    g_free(f->remote_target);
    f->remote_target = g_strdup(f->remote_uri);
    return f;
}

SipDialog *
sip_dialog_restore(const SipDialogSnapshot *s)
{
    SipDialog *d = sip_dialog_new_uac(s->call_id, s->local_tag, s->local_uri, s->remote_uri,
                                      s->local_cseq);

    d->is_uas = s->is_uas;
    d->state = SIP_DIALOG_CONFIRMED;
    d->remote_tag = g_strdup(s->remote_tag);
    g_free(d->remote_target);
    d->remote_target = g_strdup(s->remote_target ? s->remote_target : s->remote_uri);
    d->remote_cseq = s->remote_cseq;
    d->remote_cseq_set = TRUE;
    for (guint i = 0; s->route_set && s->route_set[i]; i++)
        g_ptr_array_add(d->route_set, g_strdup(s->route_set[i]));
    d->contact = g_strdup(s->contact);
    if (s->flow_host)
        sip_dialog_set_flow(d, s->flow_transport, s->flow_host, s->flow_port);
    return d;
}

void
sip_dialog_free(SipDialog *d)
{
    if (!d)
        return;
    sip_dialogs_unregister(d);
    sip_dialog_forget_acks(d);
    g_free(d->priv);
    g_free(d->contact);
    g_free(d->call_id);
    g_free(d->local_tag);
    g_free(d->remote_tag);
    g_free(d->local_uri);
    g_free(d->remote_uri);
    g_free(d->remote_display);
    g_free(d->remote_target);
    g_ptr_array_unref(d->route_set);
    g_free(d);
}

/* 12.1.2: the first response with a tag fixes the remote tag; the route
 * set comes from it (reversed) until the dialog is confirmed. */
gboolean
sip_dialog_uac_update(SipDialog *d, const SipMsg *resp)
{
    char *target;

    if (!sip_slice_present(resp->to.tag) || resp->to.tag.len == 0)
        return FALSE;
    if (d->remote_tag && !sip_slice_eq(resp->to.tag, d->remote_tag))
        return FALSE;
    if (!d->remote_tag)
        d->remote_tag = slice_dup(resp->to.tag);
    if (d->state != SIP_DIALOG_CONFIRMED) {
        g_ptr_array_unref(d->route_set);
        d->route_set = record_routes(resp, TRUE);
    }
    /* Once confirmed, only a 2xx (to a re-INVITE) refreshes the target
     * (RFC 3261 12.2.1.2). */
    target = d->state != SIP_DIALOG_CONFIRMED
             || (resp->status_code >= 200 && resp->status_code < 300)
             ? contact_uri(resp) : NULL;
    if (target) {
        g_free(d->remote_target);
        d->remote_target = target;
    }
    if (resp->status_code >= 200 && resp->status_code < 300)
        d->state = SIP_DIALOG_CONFIRMED;
    return TRUE;
}

gboolean
sip_dialog_check_cseq(SipDialog *d, const SipMsg *req)
{
    guint32 n = req->cseq.number;

    if (req->method == SIP_METHOD_ACK || req->method == SIP_METHOD_CANCEL)
        return TRUE;
    if (d->remote_cseq_set && n <= d->remote_cseq)
        return FALSE;
    d->remote_cseq = n;
    d->remote_cseq_set = TRUE;
    return TRUE;
}

void
sip_dialog_refresh_target(SipDialog *d, const SipMsg *msg)
{
    char *target = contact_uri(msg);

    if (!target)
        return;
    g_free(d->remote_target);
    d->remote_target = target;
}

guint32
sip_dialog_next_cseq(SipDialog *d)
{
    return ++d->local_cseq;
}

static gboolean
uri_is_loose(const char *uri)
{
    SipUri u;

    return sip_uri_parse(sip_slice_from_str(uri), &u) && u.lr;
}

/* A name-addr for From/To: optional display name, <uri>, ;tag. */
static void
append_party(GString *out, const char *name, const char *display, const char *uri,
             const char *tag)
{
    g_string_append(out, name);
    g_string_append(out, ": ");
    if (display && *display) {
        g_string_append_c(out, '"');
        g_string_append(out, display);
        g_string_append(out, "\" ");
    }
    g_string_append_c(out, '<');
    g_string_append(out, uri);
    g_string_append_c(out, '>');
    if (tag) {
        g_string_append(out, ";tag=");
        g_string_append(out, tag);
    }
    g_string_append(out, "\r\n");
}

static void
append_route(GString *out, const char *uri)
{
    g_string_append(out, "Route: <");
    g_string_append(out, uri);
    g_string_append(out, ">\r\n");
}

void
sip_dialog_build_request(SipDialog *d, const char *method, guint32 cseq, GString *out)
{
    GPtrArray *rs = d->route_set;
    gboolean strict = rs->len > 0 && !uri_is_loose(rs->pdata[0]);
    guint first = strict ? 1 : 0;
    char num[24];

    if (cseq == 0)
        cseq = sip_dialog_next_cseq(d);
    /* every in-dialog request: appends, not printf */
    g_string_append(out, method);
    g_string_append_c(out, ' ');
    g_string_append(out, strict ? (const char *) rs->pdata[0] : d->remote_target);
    g_string_append(out, " SIP/2.0\r\n");
    for (guint i = first; i < rs->len; i++)
        append_route(out, rs->pdata[i]);
    if (strict)
        append_route(out, d->remote_target);
    g_string_append(out, "Max-Forwards: 70\r\n");
    append_party(out, "From", NULL, d->local_uri, d->local_tag);
    append_party(out, "To", d->remote_display, d->remote_uri, d->remote_tag);
    g_string_append(out, "Call-ID: ");
    g_string_append(out, d->call_id);
    g_string_append(out, "\r\nCSeq: ");
    g_string_append_len(out, num, (gssize) sip_format_uint(num, cseq));
    g_string_append_c(out, ' ');
    g_string_append(out, method);
    g_string_append(out, "\r\n");
}

void
sip_dialog_set_flow(SipDialog *d, SipTransport transport, const char *host, guint16 port)
{
    g_strlcpy(d->flow_host, host ? host : "", sizeof(d->flow_host));
    d->flow.host = host ? d->flow_host : NULL;
    d->flow.port = port;
    d->flow.transport = transport;
}

/* The host, port and transport of a URI (maddr wins over the host). */
static gboolean
uri_target(const char *uri, SipTarget *out, char *buf, gsize size)
{
    SipUri u;

    if (!uri || !sip_uri_parse(sip_slice_from_str(uri), &u) || !sip_slice_present(u.host)
        || u.host.len >= size)
        return FALSE;
    if (sip_slice_present(u.maddr) && u.maddr.len < size)
        g_snprintf(buf, size, "%.*s", SIP_SLICE_ARGS(u.maddr));
    else
        g_snprintf(buf, size, "%.*s", SIP_SLICE_ARGS(u.host));
    out->host = buf;
    out->port = u.has_port ? u.port : 0;
    out->transport = u.scheme == SIP_URI_SCHEME_SIPS
                     ? SIP_TRANSPORT_TLS
                     : sip_transport_from_string(u.transport.p, u.transport.len);
    return TRUE;
}

gboolean
sip_dialog_next_hop(const SipDialog *d, SipTarget *out, char *buf, gsize size)
{
    if (d->route_set->len)
        return uri_target(d->route_set->pdata[0], out, buf, size);
    if (d->follow_target || !d->flow.host)
        return uri_target(d->remote_target, out, buf, size);
    g_strlcpy(buf, d->flow.host, size);
    *out = d->flow;
    out->host = buf;
    return TRUE;
}
