/* Carillon - SIP events (RFC 6665): subscriptions and notifications,
 * provided by res_sip_pubsub as the "sip_pubsub" API.
 *
 * res_sip_pubsub is the notifier side of RFC 6665.  It answers SUBSCRIBE
 * for the event packages that modules register, keeps each subscription
 * in its own dialog (res_sip's dialog layer), negotiates Expires (423
 * below the package's minimum), refreshes and expires it, and sends the
 * NOTIFYs.  An Event it does not know gets 489 Bad Event with
 * Allow-Events.  A package module says what a subscription may watch and
 * what its state is:
 *
 *     static const SipEventPackage dialog_package = {
 *         .name = "dialog",
 *         .content_type = "application/dialog-info+xml",
 *         .subscribe = dialog_subscribe,   // may 1002 be watched by him?
 *         .body = dialog_body,             // the state of 1002, now
 *     };
 *     pubsub->register_package(self, &dialog_package, NULL, error);
 *     ...
 *     pubsub->resource_changed("dialog", "1002");   // 1002 rings: NOTIFY all
 *
 * Every NOTIFY carries the full state (the body callback is asked again
 * each time); when the state changes while a NOTIFY is in flight, one
 * more NOTIFY follows its answer, so a watcher always ends on the latest
 * state without a NOTIFY per change.
 *
 * Subscriptions survive a restart: they are kept in SQLite (table
 * pubsub_subscriptions) and, when their package registers again (at
 * start-up, or its module loaded again), those not expired are restored
 * and sent a NOTIFY with the current state.
 *
 * Thread affinity: main context only (asserted); callbacks run there.
 */
#pragma once

#include <carillon/sip/api.h>

G_BEGIN_DECLS

#define SIP_PUBSUB_API_NAME "sip_pubsub"
#define SIP_PUBSUB_API_VERSION 1u

typedef struct _SipSubscription SipSubscription;

typedef enum {
    SIP_SUBSCRIPTION_ACTIVE,
    SIP_SUBSCRIPTION_TERMINATED,
} SipSubscriptionState;

/* What a package module implements.  Static: it must outlive the
 * registration. */
typedef struct {
    const char *name;           /* Event package: "dialog", "presence" */
    const char *content_type;   /* of the NOTIFY bodies */
    guint default_expires;      /* s, when SUBSCRIBE has none (0: 3600) */
    guint min_expires;          /* s, shorter gets 423 (0: 60) */
    guint max_expires;          /* s, longer is cut (0: 7200) */
    /* A new subscription of `subscriber` to `resource` (the user part of
     * the Request-URI).  TRUE accepts; FALSE refuses with *code (404 for
     * an unknown resource, 403 when not allowed). */
    gboolean (*subscribe)(const char *resource, const SipEndpoint *subscriber,
                          guint *code, gpointer data);
    /* The full state of resource for one NOTIFY to sub (a new string), or
     * NULL for a NOTIFY without body. */
    char *(*body)(SipSubscription *sub, const char *resource, gpointer data);
} SipEventPackage;

typedef struct {
    guint version;              /* SIP_PUBSUB_API_VERSION */

    /* Subscriptions to package->name are answered from now on.  Fails
     * when the name is taken.  Unregistered when owner unloads: its
     * subscriptions then leave without a NOTIFY and stay stored, to be
     * restored when the package registers again. */
    gboolean (*register_package)(PbxModule *owner, const SipEventPackage *package,
                                 gpointer data, GError **error);
    /* resource's state changed: every active subscription to it gets a
     * NOTIFY (coalesced while one is in flight). */
    void (*resource_changed)(const char *package, const char *resource);
    /* Ends every subscription to resource with a final NOTIFY
     * (Subscription-State: terminated;reason=reason, e.g. "noresource"
     * when the resource is gone, "deactivated"). */
    void (*terminate_resource)(const char *package, const char *resource,
                               const char *reason);

    /* ---- a subscription, from a body callback ---- */
    /* NOTIFYs sent so far (the version of RFC 4235 and RFC 3680 bodies). */
    guint (*get_notify_count)(const SipSubscription *sub);
    /* The resource's address for bodies: "sip:1002@realm". */
    const char *(*get_entity)(const SipSubscription *sub);
} SipPubsubApi;

#define sip_pubsub_api_get(self, error)                                         \
    ((const SipPubsubApi *) pbx_module_get_api_version((self), SIP_PUBSUB_API_NAME, \
                                                       SIP_PUBSUB_API_VERSION, (error)))

G_END_DECLS
