/* Carillon res_sip_pubsub - internals shared by its files.
 *
 *   module.c        the module, the API struct, the CLI;
 *   package.c       registered event packages;
 *   subscribe.c     SUBSCRIBE, new (out of dialog) and in its dialog;
 *   subscription.c  a subscription: NOTIFY, refresh, expiry, the end;
 *   store.c         subscriptions kept in SQLite across restarts.
 *
 * Thread affinity: main context only, except the store's jobs, which run
 * on the database thread with their own copies.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/timer.h>
#include <carillon/sip/api.h>
#include <carillon/sip/pubsub.h>

G_BEGIN_DECLS

typedef struct {
    const SipEventPackage *pkg;
    gpointer data;
    PbxModule *owner;
} Package;

/* How long a package's subscriptions may last, s. */
typedef struct {
    guint dflt, min, max;
} ExpiryConf;

struct _SipSubscription {
    gint refs;
    Package *package;           /* NULL once the package is gone */
    char *event;                /* package name, as the Event header names it */
    char *event_id;             /* Event id= parameter, or NULL */
    char *resource;             /* the watched user ("1002") */
    char *subscriber;           /* endpoint name of the watcher */
    char *entity;               /* "sip:1002@realm" */
    char *key;                  /* the dialog's "call-id\nlocal\nremote" */
    SipDialog *dialog;
    gint64 expires;             /* wall clock, unix s */
    PbxTimer expiry;
    guint notifies;             /* NOTIFYs sent */
    gboolean in_flight;         /* a NOTIFY waits for its answer */
    gboolean again;             /* the state changed meanwhile */
    gboolean terminated;        /* the final NOTIFY is out or due */
    char *reason;               /* of the end */
    gboolean listed;            /* in the tables (and the store) */
};

typedef struct {
    PbxModule *module;
    const SipApi *sip;
    PbxTimers *timers;
    PbxLogDomain *log;
    GHashTable *packages;       /* name (lower case) -> Package* */
    GHashTable *subs;           /* key -> SipSubscription* (a reference) */
    GHashTable *watchers;       /* "event\nresource" -> GPtrArray of SipSubscription* */
    gboolean store;             /* a database is configured */
    PbxConfig *conf;            /* pubsub.conf (conf.c) */
} Pubsub;

extern Pubsub pubsub;

/* conf.c */
PbxConfig *conf_load(GError **error);
/* FALSE with a file:line error when a value is malformed, out of range,
 * unknown, or min > default > max do not hold. */
gboolean conf_check(const PbxConfig *cfg, GError **error);
void conf_expiry(const Package *p, ExpiryConf *out);

/* package.c */
void package_init(void);
void package_shutdown(void);
Package *package_find(const char *name, gsize len);
gboolean package_register(PbxModule *owner, const SipEventPackage *pkg, gpointer data,
                          GError **error);
/* "dialog, presence" for Allow-Events; borrowed until the next change. */
const char *package_allow_events(void);
guint package_expires(const Package *p, guint asked, gboolean given, guint *min);

/* subscribe.c */
gboolean subscribe_handle(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                          gpointer data);
gboolean subscribe_in_dialog(SipDialog *d, SipServerTx *tx, const SipMsg *req,
                             const SipPeerInfo *peer, gpointer data);

/* subscription.c */
SipSubscription *subscription_new(Package *p, SipDialog *dialog, const char *resource,
                                  const char *subscriber, const char *event_id);
SipSubscription *subscription_ref(SipSubscription *sub);
void subscription_unref(SipSubscription *sub);
/* Into the tables and the store, with its expiry armed. */
void subscription_add(SipSubscription *sub, guint expires);
void subscription_refresh(SipSubscription *sub, guint expires);
void subscription_notify(SipSubscription *sub);
void subscription_terminate(SipSubscription *sub, const char *reason);
/* Out of the tables without a NOTIFY (the package left); the store
 * keeps it for the package's return. */
void subscription_detach(SipSubscription *sub);
void subscription_resource_changed(const char *event, const char *resource);
void subscription_terminate_resource(const char *event, const char *resource,
                                     const char *reason);
guint subscription_remaining(const SipSubscription *sub);
void subscription_foreach(void (*fn)(SipSubscription *sub, gpointer data), gpointer data);
/* Restores p's stored subscriptions (dropping expired ones) and NOTIFYs
 * each with the current state. */
void subscriptions_restore(Package *p);
void subscriptions_init(void);
void subscriptions_shutdown(void);

/* store.c */
typedef struct {
    char *event, *event_id, *resource, *subscriber;
    char *call_id, *local_tag, *remote_tag, *local_uri, *remote_uri, *remote_target;
    char *route_set;            /* URIs separated by "\n" */
    char *contact;
    guint32 local_cseq, remote_cseq;
    gint transport;
    char *flow_host;
    guint flow_port;
    gint64 expires;
    guint notifies;
} StoredSub;

typedef void (*StoreLoadFunc)(const char *event, GPtrArray *stored, gpointer data);

void store_init(void);
void store_save(const SipSubscription *sub);
void store_delete(const SipSubscription *sub);
/* The stored subscriptions of an event package (StoredSub*), read on the
 * database thread and handed to fn on the main context (borrowed). */
void store_load(const char *event, StoreLoadFunc fn, gpointer data);
void stored_sub_free(StoredSub *s);
void store_purge_expired(gint64 now);

G_END_DECLS
