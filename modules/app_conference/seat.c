/* app_conference - one call:conference(), from the call's answer to its
 * return (see conference.h).
 *
 * A seat goes ANSWERING -> (PIN) -> IN -> OUT, or straight to OUT on a
 * failure.  Its outcome is given to the call once (`finish`): at once
 * when the call waits, else by the method that started it.  Main-loop
 * callbacks (the channel watch, the timer, the PIN entry, the audio
 * task's done) end with maybe_free(), which frees the seat once its call
 * has the outcome and the media thread has let go of its port; nothing
 * else frees it, so a seat stays valid through every call below those. */
#include <lua.h>

#include "conference.h"

#define ANSWER_TIMEOUT_MS 32000

static void enter(ConfSeat *seat);

/* ------------------------------------------------------------ life */

static void
answer_timed_out(PbxTimer *timer, gpointer data);

ConfSeat *
conf_seat_new(PbxChannel *chan, PbxDialplanCall *call, const char *room,
              const ConfSeatOptions *opts)
{
    ConfSeat *seat = g_new0(ConfSeat, 1);

    seat->chan = pbx_channel_ref(chan);
    seat->call = call;
    seat->room_name = g_strdup(room);
    seat->opts = *opts;
    seat->opts.pin = g_strdup(opts->pin);
    seat->stage = CONF_SEAT_ANSWERING;
    pbx_timer_init(&seat->timer, conf_app.timers, answer_timed_out, seat);
    g_queue_push_tail(&conf_app.seats, seat);
    if (conf_app.module)
        pbx_module_use(conf_app.module);
    return seat;
}

static void
maybe_free(ConfSeat *seat)
{
    if (!seat->finished || seat->call || seat->task)
        return;
    g_queue_remove(&conf_app.seats, seat);
    pbx_channel_unref(seat->chan);
    g_free(seat->room_name);
    g_free(seat->opts.pin);
    g_free(seat->fail_msg);
    g_free(seat);
    if (conf_app.module)
        pbx_module_unuse(conf_app.module);
}

/* ------------------------------------------------------------ outcome */

static int
push_result(ConfSeat *seat, lua_State *L)
{
    if (seat->reason) {
        lua_pushstring(L, seat->reason);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, seat->fail_msg);
    lua_pushstring(L, seat->fail_code);
    return 3;
}

int
conf_seat_return(ConfSeat *seat, lua_State *L)
{
    int n = push_result(seat, L);

    seat->call = NULL;
    maybe_free(seat);
    return n;
}

/* The outcome: a leave reason, or a failure (reason NULL).  Nothing else
 * is waited for; a waiting call is woken with it (the wake itself runs
 * from the dialplan's timer, so a call being freed meanwhile, as at
 * shutdown, is never resumed). */
static void
finish(ConfSeat *seat, const char *reason, const char *msg, const char *code)
{
    PbxDialplanCall *call = seat->call;

    if (seat->finished)
        return;
    seat->finished = TRUE;
    seat->stage = CONF_SEAT_OUT;
    seat->reason = reason;
    seat->fail_msg = g_strdup(msg);
    seat->fail_code = code;
    pbx_timer_stop(&seat->timer);
    conf_pin_stop(&seat->pin);
    if (seat->watch)
        pbx_channel_unwatch(seat->chan, seat->watch);
    seat->watch = 0;
    if (!seat->waiting)
        return;
    seat->waiting = FALSE;
    seat->call = NULL;
    pbx_dialplan_wake(call, push_result(seat, pbx_dialplan_call_get_thread(call)));
}

/* ------------------------------------------------------------ in the room */

static void
task_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data);

static guint
codec_rate(PbxChannel *chan)
{
    const char *name = pbx_channel_get_codec(chan);
    const PbxCodec *codec = name ? pbx_codec_find(name) : NULL;

    return codec ? codec->sample_rate : 8000;
}

/* The seat's port on the channel; its code ("full", "failed") on error. */
static const char *
attach(ConfSeat *seat, ConfRoom *room, GError **error)
{
    seat->port = conf_mix_port_new(room->mixer, codec_rate(seat->chan), error);
    if (!seat->port)
        return "full";
    conf_mix_port_set_muted(seat->port, seat->opts.muted);
    seat->task = pbx_audio_task_start(seat->chan, &conf_mix_port_funcs, seat->port, NULL,
                                      task_done, seat, error);
    if (!seat->task) {
        g_clear_pointer(&seat->port, conf_mix_port_free);
        return "failed";
    }
    seat->room = conf_room_ref(room);
    return NULL;
}

static void
join(ConfSeat *seat)
{
    g_autoptr(GError) error = NULL;
    ConfRoom *room;
    const char *code;

    if (conf_room_is_full(conf_room_find(seat->room_name), seat->opts.max)) {
        finish(seat, NULL, "the room is full", "full");
        return;
    }
    room = conf_room_get(seat->room_name);
    if ((code = attach(seat, room, &error))) {
        conf_room_forget_if_empty(room);
        finish(seat, NULL, error->message, code);
        return;
    }
    seat->stage = CONF_SEAT_IN;
    seat->joined = g_get_monotonic_time();
    conf_room_add(room, seat);
}

void
conf_seat_leave(ConfSeat *seat, const char *reason)
{
    ConfRoom *room = seat->room;

    if (seat->stage != CONF_SEAT_IN)
        return;
    seat->stage = CONF_SEAT_OUT;
    conf_mix_port_leave(seat->port);
    pbx_audio_task_stop(seat->task);        /* nothing when it is ending already */
    conf_room_ref(room);
    conf_room_remove(room, seat, reason);   /* may end the room */
    finish(seat, reason, NULL, NULL);
    conf_room_unref(room);
}

/* The media thread let go of the port: the slot, the room and the seat
 * can go.  Still in the room means the audio task ended by itself (the
 * hangup seen there first, or the media taken away). */
static void
task_done(PbxAudioTask *task, PbxAudioTaskEnd end, char digit, gpointer data)
{
    ConfSeat *seat = data;

    if (seat->stage == CONF_SEAT_IN)
        conf_seat_leave(seat, end == PBX_AUDIO_TASK_HANGUP ? "hangup" : "lost");
    g_clear_pointer(&seat->port, conf_mix_port_free);
    seat->task = NULL;
    g_clear_pointer(&seat->room, conf_room_unref);
    maybe_free(seat);
}

/* ------------------------------------------------------------ getting in */

static void
pin_done(gboolean right, gpointer data)
{
    ConfSeat *seat = data;

    if (right)
        join(seat);
    else
        finish(seat, NULL, "wrong PIN", "pin");
    maybe_free(seat);
}

static void
enter(ConfSeat *seat)
{
    if (!seat->opts.pin) {
        join(seat);
        return;
    }
    seat->stage = CONF_SEAT_PIN;
    conf_pin_start(&seat->pin, conf_app.timers, seat->opts.pin, pin_done, seat);
}

static void
answer_timed_out(PbxTimer *timer, gpointer data)
{
    ConfSeat *seat = data;

    finish(seat, NULL, "the call was not answered in time", "failed");
    maybe_free(seat);
}

static void
hung_up(ConfSeat *seat)
{
    if (seat->stage == CONF_SEAT_IN)
        conf_seat_leave(seat, "hangup");
    else
        finish(seat, NULL, "the caller hung up", "hangup");
}

static void
chan_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail, gpointer data)
{
    ConfSeat *seat = data;

    if (kind == PBX_CHANNEL_EVENT_DTMF && seat->stage == CONF_SEAT_PIN) {
        conf_pin_digit(&seat->pin, detail[0]);    /* may free the seat: nothing after */
        return;
    }
    if (kind == PBX_CHANNEL_EVENT_HANGUP) {
        hung_up(seat);
    } else if (kind == PBX_CHANNEL_EVENT_STATE && seat->stage == CONF_SEAT_ANSWERING &&
               pbx_channel_get_state(chan) == PBX_CHANNEL_UP) {
        pbx_timer_stop(&seat->timer);
        enter(seat);
    }
    maybe_free(seat);
}

/* Answers the call if need be: the watch goes on after the answer, so a
 * tech that is up at once is seen here, not there. */
static void
answer(ConfSeat *seat)
{
    g_autoptr(GError) error = NULL;
    PbxChannelState state = pbx_channel_get_state(seat->chan);

    if (state != PBX_CHANNEL_UP && !pbx_channel_answer(seat->chan, &error)) {
        finish(seat, NULL, error->message, "failed");
        return;
    }
    seat->watch = pbx_channel_watch(seat->chan, chan_changed, seat);
    state = pbx_channel_get_state(seat->chan);
    if (state == PBX_CHANNEL_UP)
        enter(seat);
    else if (state == PBX_CHANNEL_HANGUP)
        finish(seat, NULL, "the caller hung up", "hangup");
    else
        pbx_timer_start(&seat->timer, ANSWER_TIMEOUT_MS);
}

gboolean
conf_seat_start(ConfSeat *seat)
{
    if (pbx_channel_get_state(seat->chan) == PBX_CHANNEL_HANGUP)
        finish(seat, NULL, "the caller hung up", "hangup");
    else if (conf_room_is_full(conf_room_find(seat->room_name), seat->opts.max))
        finish(seat, NULL, "the room is full", "full");
    else
        answer(seat);
    seat->waiting = !seat->finished;
    return seat->finished;
}

/* ------------------------------------------------------------ from outside */

void
conf_seat_abort(ConfSeat *seat, const char *msg)
{
    if (seat->stage == CONF_SEAT_IN)
        conf_seat_leave(seat, "ended");
    else
        finish(seat, NULL, msg, "failed");
    maybe_free(seat);
}

void
conf_seat_set_muted(ConfSeat *seat, gboolean muted)
{
    seat->opts.muted = muted;
    if (seat->port)
        conf_mix_port_set_muted(seat->port, muted);
}
