/* res_moh - a channel listening to a class, from start to end: what hold
 * music and call:moh() share.
 *
 * moh_listener_start() plays the class to the channel through an audio
 * task (carillon/audio_task.h): the player (player.h) runs in the task's
 * port on the leg's media worker.  The listening ends once, for the
 * first of: max_ticks ticks played (PBX_AUDIO_TASK_COMPLETE), one of the
 * terminator digits (DTMF), the hangup (HANGUP), the media bridged
 * (LOST), moh_listener_stop() (STOPPED).  Once the media thread has let
 * go of the port, `done` runs on the main context and the listener is
 * freed after it returns.
 *
 * Each live listener holds a use of the module (moh_listeners_init), so
 * `module unload res_moh` is refused while one plays; and a reference to
 * its class, which outlives a reload while it plays.
 * moh_listeners_shutdown() ends them all and waits, bounded, for their
 * ports to come back: a media worker holding one would otherwise call
 * into unloaded code.
 *
 * Thread affinity: main context.
 */
#pragma once

#include "class.h"

#define MOH_TERMINATORS_MAX 16

typedef struct _MohListener MohListener;

typedef void (*MohListenerDone)(MohListener *l, PbxAudioTaskEnd end, char digit, gpointer data);

typedef struct {
    guint64 max_ticks;          /* 20 ms ticks of audio before it completes; 0: no end */
    const char *terminators;    /* digits that end it (at most MOH_TERMINATORS_MAX); NULL: none */
} MohListenOptions;

/* The module live listeners hold a use of (NULL: none, in unit tests). */
void moh_listeners_init(PbxModule *owner);
guint moh_listeners_count(void);
/* Stops every listener and runs the main context until all are freed or
 * timeout_ms passed; FALSE at the deadline.  Listeners started after it
 * (until the next init) fail with "res_moh is unloading". */
gboolean moh_listeners_shutdown(guint timeout_ms);
gboolean moh_listeners_stopping(void);

/* Plays cls to chan, at the rate of chan's codec (or the files', when
 * lower).  NULL with error when the port cannot be attached (the channel
 * has no media or is bridged): done never runs then. */
MohListener *moh_listener_start(PbxChannel *chan, MohClass *cls, const MohListenOptions *opts,
                                MohListenerDone done, gpointer data, GError **error);
/* Ends it with PBX_AUDIO_TASK_STOPPED (nothing when it is ending). */
void moh_listener_stop(MohListener *l);
PbxChannel *moh_listener_get_channel(const MohListener *l);
