/* Carillon res_registrar - REGISTER processing (RFC 3261 10.3).
 *
 * A REGISTER is authenticated (digest, through chan_sip), its To must name
 * the authenticated endpoint, and then its contacts are checked as a whole
 * before any binding changes, so a request is applied completely or not
 * at all:
 *   - no Contact: a query, answered with the current bindings;
 *   - "Contact: *" with Expires: 0 (and nothing else): remove every
 *     binding not newer than this request (Call-ID/CSeq rule);
 *   - otherwise each contact's expiry comes from its expires parameter,
 *     else the Expires header, else default_expiry; a non-zero expiry
 *     under min_expiry fails the request with 423 and Min-Expires, one
 *     over max_expiry is cut to it; expiry 0 removes the binding.
 * A contact matches an existing binding by +sip.instance/reg-id when both
 * have one (RFC 5626), else by URI equality (RFC 3261 19.1.4).  A binding
 * updated with the same Call-ID needs a higher CSeq, else the request
 * fails with 400 (out of order).  Past max_contacts the oldest binding is
 * replaced (remove_existing = yes) or the request refused with 403.
 * The 200 OK lists every current binding with its remaining expiry.
 */
#include <string.h>

#include "registrar.h"

#define MAX_CONTACTS 32

typedef struct {
    SipContact c;
    char *uri;
    SipUri parsed;
    guint32 expires;
    RegBinding *existing;
} Change;

static void
respond(SipServerTx *tx, guint code, const char *reason, const char *headers)
{
    SipResponse r = { .code = code, .reason = reason, .headers = headers };
    registrar.sip->respond(tx, &r);
}

/* The Date header value, formatted once per second. */
static const char *
date_now(gint64 now)
{
    static gint64 cached_at = -1;
    static char text[64];

    if (now != cached_at) {
        g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(now);
        g_autofree char *ds = g_date_time_format(date, "%a, %d %b %Y %H:%M:%S GMT");
        g_strlcpy(text, ds, sizeof(text));
        cached_at = now;
    }
    return text;
}

static void
append_uint(GString *out, guint64 v)
{
    char buf[24];

    g_string_append_len(out, buf, (gssize) sip_format_uint(buf, v));
}

/* Appends a Contact line per current binding, then a Date line (every
 * 200 to a REGISTER: no printf). */
static void
append_bindings(const char *aor, GString *out)
{
    GPtrArray *list = location_get(aor);
    gint64 now = reg_now();

    for (guint i = 0; list && i < list->len; i++) {
        RegBinding *b = list->pdata[i];
        g_string_append(out, "Contact: <");
        g_string_append(out, b->uri);
        g_string_append(out, ">;expires=");
        append_uint(out, (guint64) MAX(b->expires - now, 0));
        if (b->q >= 0) {
            char frac[5] = { '.', (char) ('0' + b->q / 100 % 10),
                             (char) ('0' + b->q / 10 % 10), (char) ('0' + b->q % 10), 0 };
            g_string_append(out, ";q=");
            append_uint(out, (guint64) (b->q / 1000));
            g_string_append(out, frac);
        }
        if (b->instance) {
            g_string_append(out, ";+sip.instance=");
            g_string_append(out, b->instance);
        }
        if (b->reg_id >= 0) {
            g_string_append(out, ";reg-id=");
            append_uint(out, (guint64) b->reg_id);
        }
        g_string_append(out, "\r\n");
    }
    g_string_append(out, "Date: ");
    g_string_append(out, date_now(now));
    g_string_append(out, "\r\n");
}

static void
respond_ok(SipServerTx *tx, const char *aor)
{
    GString *headers = registrar.scratch;

    g_string_truncate(headers, 0);
    append_bindings(aor, headers);
    respond(tx, 200, NULL, headers->str);
}

static char *
slice_dup(SipSlice s)
{
    return s.p ? g_strndup(s.p, s.len) : NULL;
}

/* The user part of the To URI, unescaped. */
static char *
to_user(const SipMsg *req)
{
    SipUri uri;
    GString *user;

    if (!sip_uri_parse(req->to.uri, &uri) || !sip_slice_present(uri.user) ||
        (uri.scheme != SIP_URI_SCHEME_SIP && uri.scheme != SIP_URI_SCHEME_SIPS))
        return NULL;
    user = g_string_new(NULL);
    if (!sip_unescape(uri.user, user) || strlen(user->str) != user->len) {
        g_string_free(user, TRUE);
        return NULL;
    }
    return g_string_free(user, FALSE);
}

static gboolean
str_is_slice(const char *s, SipSlice sl)
{
    return s && sl.p && strlen(s) == sl.len && memcmp(s, sl.p, sl.len) == 0;
}

static gboolean
same_instance(const RegBinding *b, const SipContact *c)
{
    return b->instance && sip_slice_present(c->instance) &&
           str_is_slice(b->instance, c->instance) && b->reg_id == c->reg_id;
}

/* *dst = a copy of the slice (NULL when absent), kept when unchanged:
 * a refresh usually repeats every field.  TRUE when it changed. */
static gboolean
set_from_slice(char **dst, SipSlice s)
{
    if (!s.p) {
        if (!*dst)
            return FALSE;
        g_clear_pointer(dst, g_free);
        return TRUE;
    }
    if (str_is_slice(*dst, s))
        return FALSE;
    g_free(*dst);
    *dst = g_strndup(s.p, s.len);
    return TRUE;
}

static RegBinding *
find_binding(const char *aor, const Change *ch)
{
    GPtrArray *list = location_get(aor);

    for (guint i = 0; list && i < list->len; i++) {
        RegBinding *b = list->pdata[i];
        if (same_instance(b, &ch->c))
            return b;
        if (b->parse_state == 0)
            b->parse_state = sip_uri_parse(sip_slice_from_str(b->uri), &b->parsed) ? 1 : -1;
        if (b->parse_state > 0 && sip_uri_equal(&ch->parsed, &b->parsed))
            return b;
    }
    return NULL;
}

/* RFC 3261 10.3 step 7: same Call-ID needs a higher CSeq. */
static gboolean
in_order(const RegBinding *b, const SipMsg *req)
{
    return !sip_slice_eq(req->call_id, b->call_id) || req->cseq.number > b->cseq;
}

/* Is the phone reachable at its Contact, or only at its source? */
static gboolean
behind_nat(const SipEndpoint *ep, const SipUri *contact, const SipPeerInfo *peer)
{
    SipSlice host = contact->host;

    if (ep->nat == SIP_NAT_YES)
        return TRUE;
    if (ep->nat == SIP_NAT_NO)
        return FALSE;
    if (contact->host_type == SIP_HOST_IPV6 && host.len >= 2) {
        host.p++;               /* without the brackets */
        host.len -= 2;
    }
    return !sip_slice_eq(host, peer->remote_ip) ||
           (contact->has_port ? contact->port : 5060) != peer->remote_port ||
           peer->transport != SIP_TRANSPORT_UDP;
}

/* Returns TRUE when more than cseq and expires changed (the store then
 * rewrites the whole row). */
static gboolean
fill_binding(RegBinding *b, const Change *ch, const SipMsg *req,
             const SipPeerInfo *peer, const SipEndpoint *ep)
{
    const SipHeader *ua = sip_msg_get_header(req, SIP_HDR_USER_AGENT, 0);
    SipSlice agent = { NULL, 0 };
    gboolean nat = behind_nat(ep, &ch->parsed, peer);
    gboolean changed = b->q != ch->c.q || b->reg_id != ch->c.reg_id ||
                       b->transport != peer->transport ||
                       b->source_port != peer->remote_port || b->behind_nat != nat;

    if (ua) {
        agent = ua->value;
        agent.len = MIN(agent.len, 200);
    }
    changed |= set_from_slice(&b->call_id, req->call_id);
    changed |= set_from_slice(&b->instance, ch->c.instance);
    changed |= set_from_slice(&b->user_agent, agent);
    changed |= set_from_slice(&b->source_ip, sip_slice_from_str(peer->remote_ip));
    b->cseq = req->cseq.number;
    b->expires = reg_now() + ch->expires;
    b->q = ch->c.q;
    b->reg_id = ch->c.reg_id;
    b->transport = peer->transport;
    b->source_port = peer->remote_port;
    b->behind_nat = nat;
    return changed;
}

static RegBinding *
oldest_binding(const char *aor)
{
    GPtrArray *list = location_get(aor);
    RegBinding *oldest = NULL;

    for (guint i = 0; list && i < list->len; i++) {
        RegBinding *b = list->pdata[i];
        if (!oldest || b->registered < oldest->registered)
            oldest = b;
    }
    return oldest;
}

static void
handle_wildcard(SipServerTx *tx, const SipMsg *req, const char *aor)
{
    GPtrArray *list = location_get(aor);

    for (guint i = list ? list->len : 0; i > 0; i--) {
        RegBinding *b = list->pdata[i - 1];
        if (in_order(b, req))
            location_remove(b, "registrar/unregistered");
        list = location_get(aor);
        if (!list)
            break;
    }
    respond_ok(tx, aor);
}

/* Checks every contact; fills changes.  Returns 0 or a status code with
 * *reason / *extra set. */
static guint
check_contacts(const SipMsg *req, const SipEndpoint *ep, const char *aor,
               gboolean has_expires, guint32 hdr_expires, Change *changes,
               guint n, const char **reason, char **extra)
{
    const RegConfig *cfg = &registrar.config;
    GPtrArray *list = location_get(aor);
    gint count = list ? (gint) list->len : 0;

    for (guint i = 0; i < n; i++) {
        Change *ch = &changes[i];
        gint64 e = ch->c.expires >= 0 ? ch->c.expires
                   : has_expires      ? (gint64) hdr_expires
                                      : (gint64) cfg->default_expiry;

        if (ch->c.star) {
            *reason = "Wildcard Contact must stand alone";
            return 400;
        }
        ch->uri = slice_dup(ch->c.addr.uri);
        if (!sip_uri_parse(ch->c.addr.uri, &ch->parsed) ||
            (ch->parsed.scheme != SIP_URI_SCHEME_SIP &&
             ch->parsed.scheme != SIP_URI_SCHEME_SIPS) ||
            strlen(ch->uri) > 1024) {
            *reason = "Unsupported Contact URI";
            return 400;
        }
        if (e > 0 && e < cfg->min_expiry) {
            *extra = g_strdup_printf("Min-Expires: %u\r\n", cfg->min_expiry);
            return 423;
        }
        ch->expires = (guint32) MIN(e, (gint64) cfg->max_expiry);
        ch->existing = find_binding(aor, ch);
        if (ch->existing && !in_order(ch->existing, req)) {
            *reason = "CSeq out of order";
            return 400;
        }
        if (ch->existing && ch->expires == 0)
            count--;
        else if (!ch->existing && ch->expires > 0)
            count++;
    }
    if (count > (gint) ep->max_contacts && !ep->remove_existing) {
        *reason = "Too many contacts";
        return 403;
    }
    return 0;
}

static void
apply_changes(const SipMsg *req, const SipPeerInfo *peer, const SipEndpoint *ep,
              const char *aor, Change *changes, guint n)
{
    for (guint i = 0; i < n; i++) {
        Change *ch = &changes[i];
        RegBinding *b = ch->existing;

        if (b && ch->expires == 0) {
            location_remove(b, "registrar/unregistered");
        } else if (b) {
            location_updated(b, fill_binding(b, ch, req, peer, ep));
        } else if (ch->expires > 0) {
            GPtrArray *list = location_get(aor);
            if (list && list->len >= ep->max_contacts)
                location_remove(oldest_binding(aor), "registrar/unregistered");
            b = reg_binding_new();
            b->aor = g_strdup(aor);
            b->uri = g_strdup(ch->uri);
            b->registered = reg_now();
            fill_binding(b, ch, req, peer, ep);
            location_add(b, FALSE);
            pbx_info(registrar.log, "%s registered %s from %s:%u", aor, b->uri,
                     peer->remote_ip, peer->remote_port);
        }
    }
}

/* A REGISTER whose credentials are those of ep (RFC 3261 10.3 from
 * step 3 on). */
static void
register_endpoint(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                  const SipEndpoint *ep)
{
    g_autofree char *user = NULL, *extra = NULL;
    Change changes[MAX_CONTACTS];
    SipContact contacts[MAX_CONTACTS];
    const SipHeader *exp_hdr = sip_msg_get_header(req, SIP_HDR_EXPIRES, 0);
    guint32 hdr_expires = 0;
    const char *reason = NULL;
    guint n = 0, code;

    user = to_user(req);
    if (!user || strcmp(user, ep->name) != 0) {
        respond(tx, 403, "To does not match the authenticated user", NULL);
        return;
    }
    if (exp_hdr && !sip_parse_delta_seconds(exp_hdr->value, &hdr_expires)) {
        respond(tx, 400, "Malformed Expires header", NULL);
        return;
    }
    if (!sip_parse_contact_list(req, contacts, MAX_CONTACTS, &n)) {
        respond(tx, 400, "Malformed or too many Contact values", NULL);
        return;
    }
    if (n == 0) {
        respond_ok(tx, ep->name);
        return;
    }
    if (n == 1 && contacts[0].star) {
        if (!exp_hdr || hdr_expires != 0)
            respond(tx, 400, "Wildcard Contact requires Expires: 0", NULL);
        else
            handle_wildcard(tx, req, ep->name);
        return;
    }
    memset(changes, 0, sizeof(changes));
    for (guint i = 0; i < n; i++)
        changes[i].c = contacts[i];
    code = check_contacts(req, ep, ep->name, exp_hdr != NULL, hdr_expires,
                          changes, n, &reason, &extra);
    if (code)
        respond(tx, code, reason, extra);
    else
        apply_changes(req, peer, ep, ep->name, changes, n);
    if (!code)
        respond_ok(tx, ep->name);
    for (guint i = 0; i < n; i++)
        g_free(changes[i].uri);
}

gboolean
reg_handle_register(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                    gpointer data)
{
    SipEndpoint *ep = NULL;

    if (!registrar.sip->authenticate(tx, peer, FALSE, &ep))
        return TRUE;   /* challenged or refused by res_sip */
    register_endpoint(tx, req, peer, ep);
    registrar.sip->endpoint_unref(ep);
    return TRUE;
}
