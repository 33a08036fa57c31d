/* Carillon - parked calls.
 *
 * A leg of a call:dial() bridge parks the other party (leg:park()): the
 * bridge is taken apart (nobody hung up), the parked party hears music
 * on hold (res_moh through the core's provider; silence without it)
 * and waits in a slot of the lot; the parker hears the slot's digits
 * (app_playback through the core's announcer) and is hung up.  Whoever
 * dials the slot (call:unpark()) is bridged to it.  After the timeout
 * the parker's number is rung; when nobody answers, the parked party's
 * own script resumes its call:dial() with "park_timeout" (it decides
 * where the call goes), or, when it has none, it is hung up.
 *
 * Events: park/parked, park/retrieved, park/timeout, park/hangup (the
 * parked party hung up), fields slot, channel, caller, parker; and
 * retrieved also by.
 *
 * Thread affinity: main context.
 */
#include <string.h>

#include <carillon/announce.h>
#include <carillon/parking.h>

#include "park.h"

typedef enum {
    NEXT_NONE,
    NEXT_BRIDGE,                /* bridge with `joiner` */
    NEXT_GIVE_UP,               /* nobody answered the parker's ring */
} ParkNext;

struct _Parked {
    guint slot;
    PbxChannel *parkee;         /* a reference */
    PbxChannel *parker;         /* a reference until the park starts */
    char *parker_number;        /* rung back after the timeout */
    char *parker_name;
    ParkOptions o;
    gboolean started, finished;
    guint watch;                /* the parkee's hangup */
    gpointer music;             /* the provider's, until it says stopped */
    PbxTimer timer;             /* the start (0 ms), then the timeout */
    gint64 parked_at, timeout_at;
    PbxDial *dial;              /* ringing the parker back */
    PbxRefer tell;              /* parked by a REFER: its progress */
    gboolean by_refer;          /* no announcement: the phone hangs up */
    ParkNext next;              /* what follows when the music has stopped */
    PbxChannel *joiner;         /* NEXT_BRIDGE: a reference */
};

static ParkLot *lot;

ParkLot *
dp_park_lot(void)
{
    if (!lot)
        lot = park_lot_new();
    return lot;
}

static gboolean
is_up(PbxChannel *chan)
{
    return chan && pbx_channel_get_state(chan) != PBX_CHANNEL_HANGUP;
}

/* The number that reaches a leg again: the caller of an inbound leg,
 * the number an outbound leg dialed. */
static const char *
number_of(PbxChannel *chan)
{
    if (pbx_channel_get_direction(chan) == PBX_CHANNEL_INBOUND)
        return pbx_channel_get_caller_number(chan);
    return pbx_channel_get_callee(chan);
}

static void
publish(Parked *p, const char *what, PbxChannel *by)
{
    g_autofree char *type = g_strconcat("park/", what, NULL);
    PbxEvent *ev = pbx_event_new(type);

    pbx_event_setf(ev, "slot", "%u", p->slot);
    pbx_event_set(ev, "channel", pbx_channel_get_name(p->parkee));
    pbx_event_set(ev, "caller", number_of(p->parkee));
    pbx_event_set(ev, "parker", p->parker_number);
    if (by)
        pbx_event_set(ev, "by", pbx_channel_get_name(by));
    pbx_event_publish(ev);
}

static void
tell(Parked *p, guint status)
{
    if (p->tell.progress)
        p->tell.progress(p->parker, status, p->tell.data);
    if (p->tell.destroy)
        p->tell.destroy(p->tell.data);
    memset(&p->tell, 0, sizeof p->tell);
}

static void
parked_free(Parked *p)
{
    g_clear_pointer(&p->parker, pbx_channel_unref);
    g_clear_pointer(&p->joiner, pbx_channel_unref);
    pbx_channel_unref(p->parkee);
    g_free(p->parker_number);
    g_free(p->parker_name);
    g_free(p);
}

/* The slot is free again; p goes once its music has stopped. */
static void
finish(Parked *p)
{
    if (p->finished)
        return;
    p->finished = TRUE;
    park_lot_release(dp_park_lot(), p->slot, p);
    pbx_timer_stop(&p->timer);
    if (p->watch)
        pbx_channel_unwatch(p->parkee, p->watch);
    p->watch = 0;
    if (p->dial)
        pbx_dial_cancel(p->dial);       /* dial_done sees `finished` */
    if (p->tell.progress || p->tell.destroy)
        tell(p, 487);
    if (p->music)
        pbx_hold_music_stop(p->music);  /* music_stopped frees it */
    else
        parked_free(p);
}

/* ------------------------------------------------ the bridge after it */

/* A script of chan's waiting on no bridge (parked, or retrieving), or
 * NULL. */
static Call *
waiting_call(PbxChannel *chan)
{
    Call *c = pbx_channel_get_dialplan_data(chan);

    if (c && c->chan == chan && c->wait == WAIT_BRIDGE && !c->bridge && !c->transfer
        && !pbx_timer_armed(&c->wake))
        return c;
    return NULL;
}

/* c's script waits on bridge from now on. */
static void
adopt(Call *c, PbxBridge *bridge)
{
    PbxChannel *peer = pbx_bridge_get_peer(bridge, c->chan);

    c->bridge = bridge;
    dp_hear_peer(c, peer);
    pbx_bridge_set_hangup_peer(bridge, peer, !c->keep_caller);
    pbx_bridge_set_end_func(bridge, dp_bridge_ended, c);
}

/* The parked party talks to `to` (who retrieved it, or the parker who
 * answered); the script of `to`, else the parked party's, waits on it. */
static void
bridge_now(Parked *p, PbxChannel *to)
{
    g_autoptr(GError) error = NULL;
    PbxBridge *bridge = is_up(to) && is_up(p->parkee) ? pbx_bridge_new(p->parkee, to, &error)
                                                      : NULL;
    Call *owner;

    if (!bridge) {
        pbx_notice(dp_dom, "parked %s not bridged to %s: %s", pbx_channel_get_name(p->parkee),
                   pbx_channel_get_name(to), error ? error->message : "hung up");
        pbx_channel_hangup(p->parkee, PBX_CAUSE_NORMAL_CLEARING);
        pbx_channel_hangup(to, PBX_CAUSE_NORMAL_CLEARING);
        return;
    }
    owner = waiting_call(to);
    owner = owner ? owner : waiting_call(p->parkee);
    if (owner)
        adopt(owner, bridge);
    if (pbx_channel_get_state(to) != PBX_CHANNEL_UP && !pbx_channel_answer(to, &error))
        pbx_warning(dp_dom, "%s: %s", pbx_channel_get_name(to), error->message);
}

/* Nobody answered the parker's ring: the parked party's script decides,
 * or, without one, it is hung up. */
static void
give_up(Parked *p)
{
    Call *c = waiting_call(p->parkee);

    if (c && is_up(p->parkee))
        dp_dial_resume(c, "park_timeout", PBX_CAUSE_NO_ANSWER, 408, NULL);
    else
        pbx_channel_hangup(p->parkee, PBX_CAUSE_NO_ANSWER);
}

/* What comes after the music, once it has released its port. */
static void
run_next(Parked *p)
{
    ParkNext next = p->next;

    p->next = NEXT_NONE;
    if (next == NEXT_BRIDGE)
        bridge_now(p, p->joiner);
    else if (next == NEXT_GIVE_UP)
        give_up(p);
}

static void
music_stopped(gpointer data)
{
    Parked *p = data;

    p->music = NULL;
    run_next(p);
    if (p->finished)
        parked_free(p);
}

/* The parked call leaves the lot for `next`, after its music. */
static void
leave(Parked *p, ParkNext next, PbxChannel *joiner)
{
    gboolean music = p->music != NULL;

    p->next = next;
    p->joiner = joiner ? pbx_channel_ref(joiner) : NULL;
    if (!music)
        run_next(p);
    finish(p);                          /* with music: music_stopped runs next */
}

/* ------------------------------------------------ the parker's ring */

static void
ring_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered, PbxCause cause,
          gpointer data)
{
    Parked *p = data;

    p->dial = NULL;
    if (p->finished) {
        if (answered)
            pbx_channel_hangup(answered, PBX_CAUSE_NORMAL_CLEARING);
        return;
    }
    if (outcome == PBX_DIAL_ANSWERED) {
        publish(p, "retrieved", answered);
        leave(p, NEXT_BRIDGE, answered);
        return;
    }
    pbx_info(dp_dom, "parked %s: %s did not take it back (%s)", pbx_channel_get_name(p->parkee),
             p->parker_number, pbx_dial_outcome_to_string(outcome));
    leave(p, NEXT_GIVE_UP, NULL);
}

/* Timeout: the parker's number rings, showing the parked caller; the
 * music goes on meanwhile and the slot can still be retrieved. */
static void
timed_out(PbxTimer *timer, gpointer data)
{
    Parked *p = data;
    const char *targets[] = { p->parker_number, NULL };
    g_autofree char *name = g_strdup_printf("Parked %u", p->slot);
    PbxDialOptions o = { .timeout_ms = p->o.ring_ms, .caller_number = number_of(p->parkee),
                         .caller_name = name };

    publish(p, "timeout", NULL);
    if (!p->parker_number || !*p->parker_number) {
        leave(p, NEXT_GIVE_UP, NULL);
        return;
    }
    pbx_info(dp_dom, "parked %s: slot %u timed out, ringing %s", pbx_channel_get_name(p->parkee),
             p->slot, p->parker_number);
    p->dial = pbx_dial_start(p->parkee, targets, &o, ring_done, p);
}

/* ------------------------------------------------ parking */

static void
parkee_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail, gpointer data)
{
    Parked *p = data;

    if (kind != PBX_CHANNEL_EVENT_HANGUP)
        return;
    p->watch = 0;
    publish(p, "hangup", NULL);
    pbx_info(dp_dom, "parked %s hung up in slot %u", pbx_channel_get_name(chan), p->slot);
    finish(p);
}

/* The parker hears the slot, then is hung up. */
typedef struct {
    PbxChannel *parker;
} Announce;

static void
announced(gpointer data)
{
    Announce *a = data;

    pbx_channel_hangup(a->parker, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_unref(a->parker);
    g_free(a);
}

static void
release_parker(Parked *p)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *digits = g_strdup_printf("%u", p->slot);
    Announce *a;

    if (!is_up(p->parker))
        return;
    if (p->o.announce && !p->by_refer) {
        a = g_new0(Announce, 1);
        a->parker = pbx_channel_ref(p->parker);
        if (pbx_announce_digits(p->parker, digits, announced, a, &error))
            return;
        pbx_notice(dp_dom, "slot %u not announced: %s", p->slot, error->message);
        pbx_channel_unref(a->parker);
        g_free(a);
    }
    pbx_channel_hangup(p->parker, PBX_CAUSE_NORMAL_CLEARING);
}

/* Ends the bridge of parkee without hanging anyone up. */
static void
detach(PbxChannel *parkee)
{
    PbxBridge *bridge = pbx_bridge_find_by_channel(parkee);
    Call *c = bridge ? dp_call_of_bridge(bridge) : NULL;

    if (!bridge)
        return;
    pbx_bridge_set_end_func(bridge, NULL, NULL);
    pbx_bridge_destroy(bridge);
    if (c) {
        c->bridge = NULL;
        dp_forget_peer(c);
    }
}

static void
start_music(Parked *p)
{
    g_autoptr(GError) error = NULL;

    p->music = pbx_hold_music_start(p->parkee, music_stopped, p, &error);
    if (!p->music)
        pbx_notice(dp_dom, "parked %s hears silence: %s", pbx_channel_get_name(p->parkee),
                   error->message);
}

static void
start_now(PbxTimer *timer, gpointer data)
{
    Parked *p = data;

    if (!is_up(p->parkee)) {
        finish(p);
        return;
    }
    detach(p->parkee);
    p->started = TRUE;
    p->parked_at = g_get_monotonic_time();
    p->timeout_at = p->parked_at + (gint64) p->o.timeout_ms * 1000;
    p->watch = pbx_channel_watch(p->parkee, parkee_changed, p);
    start_music(p);
    pbx_info(dp_dom, "%s parked %s in slot %u", p->parker_name,
             pbx_channel_get_name(p->parkee), p->slot);
    publish(p, "parked", NULL);
    if (p->tell.progress || p->tell.destroy)
        tell(p, 200);
    release_parker(p);
    g_clear_pointer(&p->parker, pbx_channel_unref);
    pbx_timer_init(&p->timer, pbx_calls_timers(), timed_out, p);
    pbx_timer_start(&p->timer, p->o.timeout_ms);
}

/* The pending park of c's bridge, or NULL. */
static Parked *
pending_of(PbxChannel *chan)
{
    g_autoptr(GArray) taken = park_lot_taken(dp_park_lot());

    for (guint i = 0; i < taken->len; i++) {
        Parked *p = park_lot_get(lot, g_array_index(taken, guint, i));
        if (!p->started && (p->parker == chan || p->parkee == chan))
            return p;
    }
    return NULL;
}

gboolean
dp_park_pending(Call *c)
{
    return pending_of(c->chan) != NULL;
}

guint
dp_park_request(Call *c, PbxChannel *parker, PbxChannel *parkee, const ParkOptions *o,
                GError **error)
{
    Parked *p = g_new0(Parked, 1);

    p->slot = park_lot_claim(dp_park_lot(), o->slot, p, error);
    if (!p->slot) {
        g_free(p);
        return 0;
    }
    p->parkee = pbx_channel_ref(parkee);
    p->parker = pbx_channel_ref(parker);
    p->parker_number = g_strdup(number_of(parker));
    p->parker_name = g_strdup(pbx_channel_get_name(parker));
    p->o = *o;
    pbx_timer_init(&p->timer, pbx_calls_timers(), start_now, p);
    pbx_timer_start(&p->timer, 0);
    return p->slot;
}

gboolean
dp_park_take_refer(PbxChannel *chan, const PbxRefer *refer)
{
    Parked *p = pending_of(chan);

    if (!p || p->parker != chan || p->tell.progress)
        return FALSE;
    p->tell = *refer;
    p->by_refer = TRUE;
    p->tell.target = p->tell.target_uri = p->tell.referred_by = NULL;
    p->tell.replaces = NULL;
    return TRUE;
}

/* ------------------------------------------------ retrieving */

gboolean
dp_park_retrieve(Call *c, guint slot, GError **error)
{
    Parked *p = park_lot_get(dp_park_lot(), slot);

    if (!p || !p->started || p->finished || !is_up(p->parkee)) {
        g_set_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE, "slot %u is empty", slot);
        return FALSE;
    }
    pbx_info(dp_dom, "%s retrieves %s from slot %u", pbx_channel_get_name(c->chan),
             pbx_channel_get_name(p->parkee), slot);
    publish(p, "retrieved", c->chan);
    c->wait = WAIT_BRIDGE;              /* waiting_call() finds it */
    leave(p, NEXT_BRIDGE, c->chan);
    return TRUE;
}

/* ------------------------------------------------ show, shutdown, API */

void
dp_park_foreach(void (*fn)(const ParkInfo *info, gpointer data), gpointer data)
{
    g_autoptr(GArray) taken = lot ? park_lot_taken(lot) : NULL;
    gint64 now = g_get_monotonic_time();

    for (guint i = 0; taken && i < taken->len; i++) {
        Parked *p = park_lot_get(lot, g_array_index(taken, guint, i));
        ParkInfo info = {
            .slot = p->slot, .channel = pbx_channel_get_name(p->parkee),
            .caller = number_of(p->parkee), .parker = p->parker_number,
            .parked_s = p->started ? (guint) ((now - p->parked_at) / G_USEC_PER_SEC) : 0,
            .remaining_s = p->dial ? -1 : (gint) (MAX(p->timeout_at - now, 0) / G_USEC_PER_SEC),
        };
        fn(&info, data);
    }
}

void
dp_park_shutdown(void)
{
    g_autoptr(GArray) taken = lot ? park_lot_taken(lot) : NULL;

    for (guint i = 0; taken && i < taken->len; i++) {
        Parked *p = park_lot_get(lot, g_array_index(taken, guint, i));
        PbxChannel *chan = pbx_channel_ref(p->parkee);

        finish(p);
        pbx_channel_hangup(chan, PBX_CAUSE_NORMAL_CLEARING);
        pbx_channel_unref(chan);
    }
}

gboolean
pbx_parking_is_slot(const char *number)
{
    guint slot;

    PBX_ASSERT_MAIN_CONTEXT();
    return park_lot_parse_slot(dp_park_lot(), number, &slot);
}

PbxChannel *
pbx_parking_get(const char *number)
{
    guint slot;
    Parked *p;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!park_lot_parse_slot(dp_park_lot(), number, &slot))
        return NULL;
    p = park_lot_get(lot, slot);
    return p && p->started && !p->finished ? p->parkee : NULL;
}
