/* Carillon - the event bus.
 *
 * Modules publish named events ("registrar/registered", "module/loaded")
 * with string fields, and subscribe with a pattern: an exact type, a
 * prefix ending in an asterisk (registrar/ + "*"), or "*" for everything.
 * Subscribers run on the main context, in subscription order.
 *
 * Thread affinity: pbx_event_subscribe() and pbx_event_unsubscribe() on
 * the main context (asserted).  pbx_event_publish() from any thread: from
 * the main context the subscribers run before it returns, from anywhere
 * else the event is queued to the main context.  An event being built
 * belongs to its builder (the pbx_event_new/set/get/free functions touch
 * nothing else and work on any thread); subscribers get it read-only and
 * only for the duration of their call.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/module.h>

G_BEGIN_DECLS

typedef struct _PbxEvent PbxEvent;

PBX_API PbxEvent *pbx_event_new(const char *type);
PBX_API void pbx_event_free(PbxEvent *ev);
PBX_API void pbx_event_set(PbxEvent *ev, const char *key, const char *value);
PBX_API void pbx_event_setf(PbxEvent *ev, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
PBX_API const char *pbx_event_get_type(const PbxEvent *ev);
PBX_API const char *pbx_event_get(const PbxEvent *ev, const char *key);
/* Calls fn for each field in insertion order. */
PBX_API void pbx_event_foreach(const PbxEvent *ev,
                               void (*fn)(const char *key, const char *value,
                                          gpointer data),
                               gpointer data);

/* Takes ownership of ev. */
PBX_API void pbx_event_publish(PbxEvent *ev);

typedef void (*PbxEventFunc)(const PbxEvent *ev, gpointer data);

/* Returns a subscription id (> 0).  The subscription ends when the owner
 * unloads or with pbx_event_unsubscribe().  owner may be NULL (core). */
PBX_API guint pbx_event_subscribe(PbxModule *owner, const char *pattern,
                                  PbxEventFunc fn, gpointer data);
PBX_API void pbx_event_unsubscribe(guint id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxEvent, pbx_event_free)

G_END_DECLS
