/* Carillon - announcements the core makes to a channel (the slot of a
 * parked call to its parker), spoken by the module that provides them
 * (app_playback).  Without a provider there is no announcement.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/channel.h>

G_BEGIN_DECLS

typedef struct {
    /* Says `digits` one by one to chan (answered or in early media);
     * `done(data)` then runs exactly once on the main context, never
     * from inside say_digits, when it ended (played, stopped, hangup,
     * failure).  NULL with error when it cannot start: done never runs. */
    gpointer (*say_digits)(PbxChannel *chan, const char *digits, void (*done)(gpointer data),
                           gpointer data, GError **error);
    /* Stops what say_digits returned (done follows). */
    void (*stop)(gpointer announcement);
} PbxAnnouncer;

/* The one provider (NULL removes it; it also goes when `owner`
 * unloads).  `announcer` must stay valid while set (a static). */
PBX_API void pbx_announcer_set(PbxModule *owner, const PbxAnnouncer *announcer);

/* The provider's say_digits, or NULL with error when there is none. */
PBX_API gpointer pbx_announce_digits(PbxChannel *chan, const char *digits,
                                     void (*done)(gpointer data), gpointer data,
                                     GError **error);
PBX_API void pbx_announce_stop(gpointer announcement);

G_END_DECLS
