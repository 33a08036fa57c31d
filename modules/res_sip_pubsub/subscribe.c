/* Carillon res_sip_pubsub - SUBSCRIBE (RFC 6665 4.2.1).
 *
 * A new subscription (no To tag), in RFC order: the Event package (489
 * Bad Event with Allow-Events when unknown or absent), the subscriber's
 * digest credentials (401, as for REGISTER), Accept (406 when it
 * excludes the package's body type), Expires (423 with Min-Expires below
 * the package's minimum, cut to its maximum), then the package itself
 * (404 / 403).  Accepted: 200 with Expires, a dialog, and at once the
 * first NOTIFY.  Expires: 0 is a fetch: 200, then one NOTIFY with
 * Subscription-State: terminated.
 *
 * In its dialog, a SUBSCRIBE refreshes (200 with the new Expires and a
 * NOTIFY with the current state) or, with Expires: 0, ends it.
 */
#include <string.h>
#include "pubsub_private.h"

typedef struct {
    Package *package;
    SipEvent event;
    guint expires;
} Asked;

static void
respond(SipServerTx *tx, guint code, const char *headers)
{
    SipResponse r = { .code = code, .headers = headers };

    pubsub.sip->respond(tx, &r);
}

static void
bad_event(SipServerTx *tx)
{
    g_autofree char *h = g_strdup_printf("Allow-Events: %s\r\n", package_allow_events());

    respond(tx, 489, h);
}

/* The Event header and its package; FALSE when answered (489, 400). */
static gboolean
read_event(SipServerTx *tx, const SipMsg *req, Asked *a)
{
    const SipHeader *h = sip_msg_get_header(req, SIP_HDR_EVENT, 0);

    if (!h) {
        bad_event(tx);
        return FALSE;
    }
    if (!sip_parse_event(h->value, &a->event)) {
        respond(tx, 400, NULL);
        return FALSE;
    }
    a->package = package_find(a->event.package.p, a->event.package.len);
    if (!a->package) {
        bad_event(tx);
        return FALSE;
    }
    return TRUE;
}

/* The interval granted; FALSE when answered (400, 423). */
static gboolean
read_expires(SipServerTx *tx, const SipMsg *req, Asked *a)
{
    const SipHeader *h = sip_msg_get_header(req, SIP_HDR_EXPIRES, 0);
    guint32 asked = 0;
    guint min;

    if (h && !sip_parse_delta_seconds(h->value, &asked)) {
        respond(tx, 400, NULL);
        return FALSE;
    }
    a->expires = package_expires(a->package, asked, h != NULL, &min);
    if (a->expires != 0 && a->expires < min) {
        g_autofree char *mh = g_strdup_printf("Min-Expires: %u\r\n", min);
        respond(tx, 423, mh);
        return FALSE;
    }
    return TRUE;
}

static gboolean
accepts_body(SipServerTx *tx, const SipMsg *req, const Package *p)
{
    g_auto(GStrv) type = g_strsplit(p->pkg->content_type, "/", 2);

    if (type[0] && type[1] && sip_msg_accepts(req, type[0], type[1], TRUE))
        return TRUE;
    respond(tx, 406, NULL);
    return FALSE;
}

static char *
resource_of(const SipMsg *req)
{
    g_autoptr(GString) s = g_string_new(NULL);

    if (!sip_slice_present(req->ruri.user) || !sip_unescape(req->ruri.user, s))
        return NULL;
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* 200 with Expires and our Contact. */
static void
accept_request(SipServerTx *tx, const SipDialog *d, guint expires)
{
    g_autofree char *h = g_strdup_printf("Expires: %u\r\nContact: %s\r\n", expires,
                                         d->contact ? d->contact : "<sip:carillon@localhost>");

    respond(tx, 200, h);
}

static char *
event_id(const Asked *a)
{
    return sip_slice_present(a->event.id) && a->event.id.len
           ? g_strndup(a->event.id.p, a->event.id.len) : NULL;
}

static void
start(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, const Asked *a,
      const char *resource, const SipEndpoint *ep)
{
    SipDialog *d = pubsub.sip->dialog_new_uas(req, peer, pubsub.sip->server_tx_get_to_tag(tx));
    g_autofree char *id = event_id(a);
    SipSubscription *sub = subscription_new(a->package, d, resource, ep->name, id);

    pubsub.sip->dialog_set_state(d, SIP_DIALOG_CONFIRMED);
    accept_request(tx, d, a->expires);
    if (a->expires == 0) {
        subscription_terminate(sub, "timeout");     /* a fetch: one NOTIFY */
    } else {
        subscription_add(sub, a->expires);
        pbx_info(pubsub.log, "%s subscribed to %s of %s for %u s", ep->name, sub->event,
                 resource, a->expires);
        subscription_notify(sub);
    }
    subscription_unref(sub);
}

static void
new_subscription(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                 const Asked *a, const SipEndpoint *ep)
{
    g_autofree char *resource = resource_of(req);
    guint code = 404;

    if (!resource) {
        respond(tx, 404, NULL);
        return;
    }
    if (a->package->pkg->subscribe
        && !a->package->pkg->subscribe(resource, ep, &code, a->package->data)) {
        respond(tx, code >= 300 && code < 700 ? code : 403, NULL);
        return;
    }
    start(tx, req, peer, a, resource, ep);
}

gboolean
subscribe_handle(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    Asked a = { 0 };
    SipEndpoint *ep = NULL;

    if (sip_slice_present(req->to.tag))
        return FALSE;                       /* not one of our dialogs: 481 */
    if (!read_event(tx, req, &a))
        return TRUE;
    if (!pubsub.sip->authenticate(tx, peer, FALSE, &ep))
        return TRUE;                        /* 401 */
    if (accepts_body(tx, req, a.package) && read_expires(tx, req, &a))
        new_subscription(tx, req, peer, &a, ep);
    pubsub.sip->endpoint_unref(ep);
    return TRUE;
}

/* The Event of a refresh must be the subscription's (RFC 6665 4.2.1.2). */
static gboolean
same_event(const SipSubscription *sub, const Asked *a)
{
    g_autofree char *id = event_id(a);

    return a->package && a->package == sub->package && g_strcmp0(id, sub->event_id) == 0;
}

gboolean
subscribe_in_dialog(SipDialog *d, SipServerTx *tx, const SipMsg *req,
                    const SipPeerInfo *peer, gpointer data)
{
    SipSubscription *sub = data;
    Asked a = { 0 };

    if (req->method != SIP_METHOD_SUBSCRIBE || sub->terminated)
        return FALSE;
    if (!read_event(tx, req, &a))
        return TRUE;
    if (!same_event(sub, &a)) {
        bad_event(tx);
        return TRUE;
    }
    if (!read_expires(tx, req, &a))
        return TRUE;
    pubsub.sip->dialog_refresh_target(d, req);
    accept_request(tx, d, a.expires);
    if (a.expires == 0) {
        subscription_terminate(sub, "timeout");
        return TRUE;
    }
    subscription_refresh(sub, a.expires);
    subscription_notify(sub);
    return TRUE;
}
