/* app_media - a dialplan call waiting on an audio task: what call:tone(),
 * call:echo(), call:milliwatt() and call:record() share.
 *
 * A method checks its arguments, makes its app (a struct whose first
 * member is a MediaApp, set up with media_app_init) and returns
 * media_app_run(): the app's port goes onto the channel through an audio
 * task (carillon/audio_task.h) and the call waits in its coroutine.  The
 * task ends for the first of:
 *  - the port is done (media_app_port_done, from the media thread: a
 *    duration played, a recording's limit);
 *  - a digit of the app's terminators (after the script's on_dtmf, which
 *    may swallow it);
 *  - the caller hangs up, or the media is taken away (bridged);
 *  - the module unloading (media_apps_shutdown).
 * Once the media thread has let go of the port, the class's `ended` runs
 * on the main context; it may do more work (a recording's file is
 * closed on the writer thread) and then calls media_app_wake(), which
 * resumes the call with what the class's `push` gives and frees the app.
 *
 * Each app holds a use of the module, so `module unload app_media` is
 * refused while one runs.  A forced unload or the daemon's stop
 * (media_apps_shutdown) ends them all and waits, bounded, until they
 * are freed: a media worker still holding a port would otherwise call
 * into unloaded code.
 *
 * Results: media_app_push_end() gives what tone, echo and milliwatt
 * return: true (played to its end), true, digit (a terminator),
 * nil, "hangup", or nil, message, "lost" | "unloaded".
 *
 * Thread affinity: main context, except media_app_port_done and
 * media_app_port_tick, which belong to the port's media thread.
 */
#pragma once

#include <carillon/carillon.h>

#include "options.h"

typedef struct _MediaApp MediaApp;

typedef struct {
    PbxAudioPortFuncs port;             /* data: the app; `released` unused */
    /* Main: the task is over (app->end, app->digit); calls
     * media_app_wake() now or later.  NULL: wake at once. */
    void (*ended)(MediaApp *app);
    /* Main: pushes the method's results onto T, returns how many. */
    int (*push)(MediaApp *app, lua_State *T);
    /* Main: frees the app (the whole struct). */
    void (*free)(MediaApp *app);
} MediaAppClass;

struct _MediaApp {
    const MediaAppClass *klass;
    PbxChannel *chan;                   /* a reference */
    PbxDialplanCall *call;
    PbxAudioTask *task;                 /* atomic: set once the task started */
    char terminators[MEDIA_DIGITS_MAX + 1];
    gboolean live;                      /* main: waiting (begin) until freed */
    gboolean running;                   /* main: the task has not ended */
    const char *fail;                   /* main: why it could not run ("state") */
    char *fail_message;
    PbxAudioTaskEnd end;                /* main, once it ended */
    char digit;
    gboolean port_done, port_completed; /* media thread */
    GList link;                         /* in the list of live apps */
};

/* Main: the module apps hold a use of (NULL in unit tests). */
void media_apps_init(PbxModule *owner);
/* Main: ends every app and waits (at most timeout_ms, running the main
 * context) until all are freed; later methods return nil, message,
 * "unloaded".  FALSE when some were still alive at the deadline. */
gboolean media_apps_shutdown(guint timeout_ms);
guint media_apps_count(void);

void media_app_init(MediaApp *app, const MediaAppClass *klass, PbxChannel *chan,
                    const char *terminators);
/* The whole of a method that plays at once: starts the app for the call
 * running in L and waits (returns pbx_dialplan_yield), or, when it
 * cannot start, frees it and returns its failure (see fail below). */
int media_app_run(lua_State *L, MediaApp *app);

/* The steps of media_app_run, for a method with work between them
 * (call:record opens its file first):
 * begin: the call in L will wait for the app (a use of the module, in the
 * live list); FALSE with app->fail set when the module is unloading or
 * the channel hung up.  start: attaches the port; FALSE with app->fail
 * set when it cannot ("state": not answered, or bridged). */
gboolean media_app_begin(lua_State *L, MediaApp *app);
gboolean media_app_start(MediaApp *app);
/* Main: sets the failure the method returns: nil, "hangup" (message
 * NULL) or nil, message, code. */
void media_app_set_fail(MediaApp *app, const char *code, const char *message);
/* Pushes the failure; returns how many values. */
int media_app_push_fail(MediaApp *app, lua_State *T);
/* Main: resumes the waiting call with the class's results and frees the
 * app.  A call the dialplan has let go meanwhile (its shutdown) is not
 * resumed. */
void media_app_wake(MediaApp *app);
/* Main: frees an app that never waited (media_app_begin failed). */
void media_app_free(MediaApp *app);
/* The default results (see above), for the class's push. */
int media_app_push_end(MediaApp *app, lua_State *T);

/* Media thread: the port is done; the task completes now, or at the
 * next media_app_port_tick if its start has not returned yet. */
void media_app_port_done(MediaApp *app);
/* Media thread: call at the end of each of the port's reads. */
void media_app_port_tick(MediaApp *app);
