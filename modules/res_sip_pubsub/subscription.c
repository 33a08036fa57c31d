/* Carillon res_sip_pubsub - a subscription (RFC 6665 4.2).
 *
 * A subscription lives in its dialog (registered with res_sip, so its
 * refreshes come to subscribe_in_dialog()) and in two tables: by dialog
 * key, and by event package + resource for resource_changed().  The
 * tables and every NOTIFY in flight hold a reference.
 *
 * One NOTIFY is in flight at a time: a change meanwhile sets `again` and
 * the answer sends one more with the state of then.  A NOTIFY answered
 * 481 or 408, or one that cannot be sent, ends the subscription without
 * another (RFC 6665 4.2.2).  The end of a subscription is a NOTIFY with
 * Subscription-State: terminated; its answer frees it.
 */
#include <string.h>
#include "pubsub_private.h"

static void notify_now(SipSubscription *sub);

static char *
watch_key(const char *event, const char *resource)
{
    return g_strconcat(event, "\n", resource, NULL);
}

static void
expired(PbxTimer *timer, gpointer data)
{
    subscription_terminate(data, "timeout");
}

SipSubscription *
subscription_new(Package *p, SipDialog *dialog, const char *resource, const char *subscriber,
                 const char *event_id)
{
    SipSubscription *sub = g_new0(SipSubscription, 1);
    const char *realm = pubsub.sip->settings()->realm;

    sub->refs = 1;
    sub->package = p;
    sub->event = g_ascii_strdown(p->pkg->name, -1);
    sub->event_id = g_strdup(event_id);
    sub->resource = g_strdup(resource);
    sub->subscriber = g_strdup(subscriber);
    sub->entity = g_strdup_printf("sip:%s@%s", resource, realm);
    sub->key = g_strconcat(dialog->call_id, "\n", dialog->local_tag, "\n",
                           dialog->remote_tag ? dialog->remote_tag : "", NULL);
    sub->dialog = dialog;
    dialog->owner = sub;
    pbx_timer_init(&sub->expiry, pubsub.timers, expired, sub);
    return sub;
}

SipSubscription *
subscription_ref(SipSubscription *sub)
{
    sub->refs++;
    return sub;
}

void
subscription_unref(SipSubscription *sub)
{
    if (!sub || --sub->refs > 0)
        return;
    pbx_timer_stop(&sub->expiry);
    if (pubsub.sip)
        pubsub.sip->dialog_free(sub->dialog);
    g_free(sub->event);
    g_free(sub->event_id);
    g_free(sub->resource);
    g_free(sub->subscriber);
    g_free(sub->entity);
    g_free(sub->key);
    g_free(sub->reason);
    g_free(sub);
}

guint
subscription_remaining(const SipSubscription *sub)
{
    gint64 left = sub->expires - g_get_real_time() / G_USEC_PER_SEC;

    return left > 0 ? (guint) left : 0;
}

static void
arm_expiry(SipSubscription *sub, guint expires)
{
    sub->expires = g_get_real_time() / G_USEC_PER_SEC + expires;
    pbx_timer_start(&sub->expiry, expires * 1000u);
}

void
subscription_add(SipSubscription *sub, guint expires)
{
    g_autofree char *wk = watch_key(sub->event, sub->resource);
    GPtrArray *list = g_hash_table_lookup(pubsub.watchers, wk);

    if (!list) {
        list = g_ptr_array_new();
        g_hash_table_insert(pubsub.watchers, g_steal_pointer(&wk), list);
    }
    g_ptr_array_add(list, sub);
    g_hash_table_insert(pubsub.subs, sub->key, subscription_ref(sub));
    pubsub.sip->dialog_register(pubsub.module, sub->dialog, subscribe_in_dialog, sub);
    sub->listed = TRUE;
    arm_expiry(sub, expires);
    store_save(sub);
}

void
subscription_refresh(SipSubscription *sub, guint expires)
{
    arm_expiry(sub, expires);
    store_save(sub);
}

/* Out of the tables (and, unless detaching, the store); drops the
 * tables' reference. */
static void
unlist(SipSubscription *sub, gboolean keep_stored)
{
    g_autofree char *wk = watch_key(sub->event, sub->resource);
    GPtrArray *list = g_hash_table_lookup(pubsub.watchers, wk);

    if (!sub->listed)
        return;
    sub->listed = FALSE;
    pbx_timer_stop(&sub->expiry);
    pubsub.sip->dialog_unregister(sub->dialog);
    if (list && g_ptr_array_remove_fast(list, sub) && list->len == 0)
        g_hash_table_remove(pubsub.watchers, wk);
    if (!keep_stored)
        store_delete(sub);
    g_hash_table_remove(pubsub.subs, sub->key);     /* unrefs */
}

void
subscription_detach(SipSubscription *sub)
{
    sub->package = NULL;
    unlist(sub, TRUE);
}

/* Subscription-State of the next NOTIFY. */
static void
append_state(const SipSubscription *sub, GString *out)
{
    char num[24];

    if (sub->terminated) {
        g_string_append(out, "Subscription-State: terminated;reason=");
        g_string_append(out, sub->reason ? sub->reason : "timeout");
    } else {
        g_string_append(out, "Subscription-State: active;expires=");
        g_string_append_len(out, num, (gssize) sip_format_uint(num, subscription_remaining(sub)));
    }
    g_string_append(out, "\r\n");
}

static void
append_event(const SipSubscription *sub, GString *out)
{
    g_string_append(out, "Event: ");
    g_string_append(out, sub->event);
    if (sub->event_id) {
        g_string_append(out, ";id=");
        g_string_append(out, sub->event_id);
    }
    g_string_append(out, "\r\n");
}

static void
ended(SipSubscription *sub, const char *why)
{
    pbx_debug(pubsub.log, "subscription of %s to %s %s ended: %s", sub->subscriber,
              sub->event, sub->resource, why);
    sub->terminated = TRUE;
    sub->again = FALSE;
    unlist(sub, FALSE);
}

/* A NOTIFY refused (481: the subscriber forgot the subscription; 408 or
 * none sent: it is gone; any other error: it does not want it) ends the
 * subscription, RFC 6665 4.2.2; 491 (our NOTIFY crossed one of its
 * requests) does not. */
static void
notify_answered(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    SipSubscription *sub = data;
    char why[64];

    if (code < 200)
        return;
    sub->in_flight = FALSE;
    if (code >= 300 && code != 491) {
        g_snprintf(why, sizeof(why), "NOTIFY answered %u%s", code, resp ? "" : " (no answer)");
        ended(sub, why);
        return;
    }
    if (sub->again && sub->listed)
        notify_now(sub);            /* the latest state, or the final NOTIFY */
    else if (sub->terminated)
        ended(sub, sub->reason);
}

static void
notify_now(SipSubscription *sub)
{
    g_autoptr(GString) hdrs = g_string_sized_new(128);
    g_autoptr(GError) error = NULL;
    g_autofree char *body = NULL;
    SipRequest r = { .method = "NOTIFY" };

    sub->again = FALSE;
    append_event(sub, hdrs);
    append_state(sub, hdrs);
    r.headers = hdrs->str;
    if (sub->package)
        body = sub->package->pkg->body(sub, sub->resource, sub->package->data);
    if (body) {
        r.content_type = sub->package->pkg->content_type;
        r.body = body;
        r.body_len = strlen(body);
    }
    sub->notifies++;
    sub->in_flight = TRUE;
    if (!pubsub.sip->dialog_send(pubsub.module, sub->dialog, &r, notify_answered,
                                 subscription_ref(sub),
                                 (GDestroyNotify) subscription_unref, &error)) {
        subscription_unref(sub);
        sub->in_flight = FALSE;
        pbx_notice(pubsub.log, "NOTIFY to %s: %s", sub->subscriber, error->message);
        ended(sub, "NOTIFY cannot be sent");
    }
}

void
subscription_notify(SipSubscription *sub)
{
    if (sub->in_flight)
        sub->again = TRUE;
    else
        notify_now(sub);
}

/* The final NOTIFY; its answer (or failure) frees the subscription.
 * Until then it stays in the tables, so a refresh that crosses it finds
 * its dialog. */
void
subscription_terminate(SipSubscription *sub, const char *reason)
{
    if (sub->terminated)
        return;
    sub->terminated = TRUE;
    g_free(sub->reason);
    sub->reason = g_strdup(reason);
    pbx_timer_stop(&sub->expiry);
    subscription_ref(sub);
    subscription_notify(sub);
    if (!sub->listed && !sub->in_flight)
        ended(sub, reason);
    subscription_unref(sub);
}

/* A NOTIFY that cannot be sent ends its subscription, which leaves the
 * watchers' list: walk a copy, holding each subscription. */
static GPtrArray *
watchers_of(const char *event, const char *resource)
{
    g_autofree char *lower = g_ascii_strdown(event, -1);
    g_autofree char *wk = watch_key(lower, resource);
    GPtrArray *list = pubsub.watchers ? g_hash_table_lookup(pubsub.watchers, wk) : NULL;
    GPtrArray *copy = g_ptr_array_new_with_free_func((GDestroyNotify) subscription_unref);

    for (guint i = 0; list && i < list->len; i++)
        g_ptr_array_add(copy, subscription_ref(list->pdata[i]));
    return copy;
}

void
subscription_resource_changed(const char *event, const char *resource)
{
    g_autoptr(GPtrArray) list = watchers_of(event, resource);

    for (guint i = 0; i < list->len; i++)
        subscription_notify(list->pdata[i]);
}

void
subscription_terminate_resource(const char *event, const char *resource, const char *reason)
{
    g_autoptr(GPtrArray) list = watchers_of(event, resource);

    for (guint i = 0; i < list->len; i++)
        subscription_terminate(list->pdata[i], reason);
}

void
subscription_foreach(void (*fn)(SipSubscription *sub, gpointer data), gpointer data)
{
    GList *all;

    if (!pubsub.subs)
        return;
    all = g_hash_table_get_values(pubsub.subs);
    for (GList *l = all; l; l = l->next)
        subscription_ref(l->data);
    for (GList *l = all; l; l = l->next) {
        fn(l->data, data);
        subscription_unref(l->data);
    }
    g_list_free(all);
}

static void
detach_each(SipSubscription *sub, gpointer data)
{
    subscription_detach(sub);
}

void
subscriptions_init(void)
{
    pubsub.subs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) subscription_unref);
    pubsub.watchers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
}

/* Module unload: the subscriptions stay in the store. */
void
subscriptions_shutdown(void)
{
    subscription_foreach(detach_each, NULL);
    g_clear_pointer(&pubsub.subs, g_hash_table_unref);
    g_clear_pointer(&pubsub.watchers, g_hash_table_unref);
}

/* ---------------------------------------------------------------- restart */

/* Neither the CSeq nor the NOTIFY count is written per NOTIFY: a
 * restored dialog jumps both ahead, so that the subscriber still sees
 * them count up (RFC 3261 12.2.2, RFC 4235 version). */
#define RESTORE_CSEQ_STEP 100000u
#define RESTORE_NOTIFY_STEP 10000u

/* The dialog of a stored subscription, as it was (we are its UAS). */
static SipDialog *
restored_dialog(const StoredSub *s)
{
    g_auto(GStrv) routes = s->route_set && *s->route_set
                           ? g_strsplit(s->route_set, "\n", -1) : NULL;
    SipDialogSnapshot snap = {
        .is_uas = TRUE,
        .call_id = s->call_id, .local_tag = s->local_tag, .remote_tag = s->remote_tag,
        .local_uri = s->local_uri, .remote_uri = s->remote_uri,
        .remote_target = s->remote_target,
        .route_set = (const char *const *) routes,
        .local_cseq = s->local_cseq + RESTORE_CSEQ_STEP, .remote_cseq = s->remote_cseq,
        .contact = s->contact,
        .flow_transport = s->transport, .flow_host = s->flow_host,
        .flow_port = (guint16) s->flow_port,
    };

    return pubsub.sip->dialog_restore(&snap);
}

static void
restore_one(Package *p, const StoredSub *s, gint64 now)
{
    SipSubscription *sub;

    sub = subscription_new(p, restored_dialog(s), s->resource, s->subscriber, s->event_id);
    sub->notifies = s->notifies + RESTORE_NOTIFY_STEP;
    subscription_add(sub, (guint) (s->expires - now));
    subscription_notify(sub);
    subscription_unref(sub);
}

/* The rows of a package came back from the database thread; the
 * package may have left meanwhile. */
static void
restore_rows(const char *event, GPtrArray *stored, gpointer data)
{
    Package *p = package_find(event, strlen(event));
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    guint restored = 0;

    for (guint i = 0; p && i < stored->len; i++) {
        StoredSub *s = stored->pdata[i];
        if (s->expires <= now || pubsub.sip->dialog_find(s->call_id, s->local_tag,
                                                        s->remote_tag)) {
            continue;       /* expired (purged below), or live already */
        }
        restore_one(p, s, now);
        restored++;
    }
    store_purge_expired(now);
    if (restored)
        pbx_notice(pubsub.log, "restored %u subscriptions to %s", restored, event);
}

void
subscriptions_restore(Package *p)
{
    g_autofree char *event = g_ascii_strdown(p->pkg->name, -1);

    store_load(event, restore_rows, NULL);
}
