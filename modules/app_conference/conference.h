/* app_conference - rooms and the calls in them, as the main context sees
 * them (the audio is mixer.h's business).
 *
 * A ConfSeat is one call:conference() from its start to the call's
 * return: it answers the call, takes the PIN (pin.h), joins the room
 * (its mixer port attached to the channel through an audio task), and
 * leaves it (hangup, kick, the room ending).  The call's coroutine is
 * woken as soon as the outcome is known; the seat itself lives on until
 * the media thread has let go of its port (the audio task's done).
 *
 * A ConfRoom lives in the table from its first join to its end (its last
 * participant left, or its last moderator: then everyone else is removed
 * with "ended"), and in memory until the last port of it is released.
 *
 * Thread affinity: the main context, all of it (asserted at the entry
 * points: the dialplan method, the CLI, load and unload).
 */
#pragma once

#include <carillon/carillon.h>

#include "mixer.h"
#include "pin.h"

G_BEGIN_DECLS

typedef struct _ConfRoom ConfRoom;
typedef struct _ConfSeat ConfSeat;

/* The module's state. */
typedef struct {
    PbxModule *module;      /* NULL in unit tests */
    PbxLogDomain *log;
    PbxTimers *timers;
    GHashTable *rooms;      /* name -> ConfRoom, the live rooms */
    GQueue seats;           /* every ConfSeat alive */
} ConfApp;

extern ConfApp conf_app;

/* module.c: the state (self NULL in unit tests), and its end, which
 * ends every room, refuses the calls on their way in, and waits (a
 * bounded while) for the media threads to let go of the ports. */
void conf_app_start(PbxModule *self);
void conf_app_stop(void);

/* ------------------------------------------------------------ rooms (room.c) */

struct _ConfRoom {
    char *name;
    guint refs;             /* the table's, and one per seat holding a port */
    ConfMixer *mixer;
    GQueue seats;           /* the seats in the room, in join order */
    gint64 created;         /* monotonic µs */
    gboolean ended;
};

/* The live room of that name, or NULL. */
ConfRoom *conf_room_find(const char *name);
/* The live room of that name, made (in the table) when there is none. */
ConfRoom *conf_room_get(const char *name);
ConfRoom *conf_room_ref(ConfRoom *room);
void conf_room_unref(ConfRoom *room);
/* A room made for a join that failed goes away again. */
void conf_room_forget_if_empty(ConfRoom *room);
/* Whether someone who accepts at most `max` participants may join. */
gboolean conf_room_is_full(const ConfRoom *room, guint max);
/* The seat is in: conference/join, the join tone. */
void conf_room_add(ConfRoom *room, ConfSeat *seat);
/* The seat left for `reason`: conference/leave, the leave tone; the room
 * ends when it was the last one, or the last moderator. */
void conf_room_remove(ConfRoom *room, ConfSeat *seat, const char *reason);
/* Everyone leaves with "ended"; conference/end with `why`. */
void conf_room_end(ConfRoom *room, const char *why);
/* The seat of a channel (name or id) in the room, or NULL. */
ConfSeat *conf_room_find_seat(ConfRoom *room, const char *channel);
/* Live rooms sorted by name (the array holds borrowed pointers). */
GPtrArray *conf_room_list(void);

/* ------------------------------------------------------------ seats (seat.c) */

/* call:conference()'s options. */
typedef struct {
    char *pin;              /* NULL: none */
    gboolean muted;
    gboolean moderator;
    guint max;              /* 1..CONF_MAX_MEMBERS */
} ConfSeatOptions;

typedef enum {
    CONF_SEAT_ANSWERING,    /* waiting for the call to be up */
    CONF_SEAT_PIN,          /* waiting for the PIN */
    CONF_SEAT_IN,           /* in the room */
    CONF_SEAT_OUT,          /* done with (left, or never got in) */
} ConfSeatStage;

struct _ConfSeat {
    PbxChannel *chan;           /* a reference */
    PbxDialplanCall *call;      /* until its result is given */
    gboolean waiting;           /* the call yielded: the result wakes it */
    char *room_name;
    ConfSeatOptions opts;
    ConfSeatStage stage;
    guint watch;
    PbxTimer timer;             /* the answer's time limit */
    ConfPinEntry pin;
    ConfRoom *room;             /* a reference while the port is held */
    ConfMixPort *port;
    PbxAudioTask *task;
    gint64 joined;              /* monotonic µs */
    /* the outcome: a leave reason, or a failure's message and code */
    gboolean finished;
    const char *reason;
    char *fail_msg;
    const char *fail_code;
};

/* A seat for the running call `call` on chan (copies room and opts). */
ConfSeat *conf_seat_new(PbxChannel *chan, PbxDialplanCall *call, const char *room,
                        const ConfSeatOptions *opts);
/* Starts it: TRUE when it is over already (a failure: give the result
 * with conf_seat_return()), FALSE when the call must wait (yield). */
gboolean conf_seat_start(ConfSeat *seat);
/* Pushes the outcome onto L as call:conference()'s results; returns how
 * many.  The seat no longer needs the call after that. */
int conf_seat_return(ConfSeat *seat, lua_State *L);
/* Takes the seat out of its room for `reason` ("kicked", "ended", ...)
 * and wakes its call; nothing when it is not in. */
void conf_seat_leave(ConfSeat *seat, const char *reason);
/* A seat not in a room yet gives up (the module unloads). */
void conf_seat_abort(ConfSeat *seat, const char *msg);
void conf_seat_set_muted(ConfSeat *seat, gboolean muted);

/* ------------------------------------------------------------ method.c, cli.c */

gboolean conf_method_register(PbxModule *self, GError **error);
gboolean conf_cli_register(PbxModule *self, GError **error);

G_END_DECLS
