/* Carillon - dialing one or more targets in parallel; the first leg to
 * answer wins and the others are cancelled.
 *
 * Early media: the first leg to report PROGRESS (a 183 or a 1xx with SDP)
 * has its media connected to the caller's (the tech's bridge_media, the
 * same call the bridge makes on answer) so that the caller hears the
 * callee's announcements or ringback before the answer.  Connecting it
 * again when that leg wins changes nothing; when it fails or loses, it is
 * disconnected. */
#include "calls_private.h"

typedef struct {
    PbxChannel *chan;
    guint watch;
    gboolean done;
} Leg;

struct _PbxDial {
    GList link;                 /* in `live`, from start to finish */
    PbxChannel *caller;
    guint caller_watch;
    GArray *legs;               /* Leg */
    PbxDialOutcome best;        /* best failure seen so far */
    PbxCause best_cause;
    guint failures;             /* legs failed so far */
    PbxChannel *best_leg;       /* the leg behind it (a reference), or NULL */
    PbxChannel *failed_leg;     /* best_leg while done runs for it */
    PbxTimer timer;             /* options->timeout_ms */
    PbxTimer idle;              /* reports what happened while starting */
    gboolean finished;
    gboolean starting;          /* inside pbx_dial_start() */
    PbxChannel *winner;         /* answered while starting */
    PbxChannel *early;          /* the leg whose early media the caller gets */
    PbxDialDoneFunc done;
    PbxDialProgressFunc progress;
    gpointer data;
};

/* Dials under way, oldest first (pickup looks for ringing legs here). */
static GQueue live = G_QUEUE_INIT;

static const char *const outcome_names[] = {
    "answered", "busy", "noanswer", "unavailable", "cancelled", "failed",
};

const char *
pbx_dial_outcome_to_string(PbxDialOutcome outcome)
{
    return outcome_names[outcome];
}

PbxDialOutcome
pbx_dial_outcome_from_cause(PbxCause cause)
{
    switch (cause) {
    case PBX_CAUSE_USER_BUSY:
    case PBX_CAUSE_CALL_REJECTED:
        return PBX_DIAL_BUSY;
    case PBX_CAUSE_NO_ANSWER:
    case PBX_CAUSE_NO_USER_RESPONSE:
    case PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE:
        return PBX_DIAL_NOANSWER;
    case PBX_CAUSE_UNALLOCATED:
    case PBX_CAUSE_NO_ROUTE_DESTINATION:
    case PBX_CAUSE_SUBSCRIBER_ABSENT:
    case PBX_CAUSE_NUMBER_CHANGED:
    case PBX_CAUSE_DESTINATION_OUT_OF_ORDER:
        return PBX_DIAL_UNAVAILABLE;
    case PBX_CAUSE_ORIGINATOR_CANCEL:
        return PBX_DIAL_CANCELLED;
    default:
        return PBX_DIAL_FAILED;
    }
}

/* Lower is better: answered, busy, noanswer, unavailable, failed. */
static int
rank(PbxDialOutcome o)
{
    static const int ranks[] = { 0, 1, 2, 3, 5, 4 };
    return ranks[o];
}

/* leg: the channel that failed, NULL when none was created. */
static void
note_failure(PbxDial *d, PbxCause cause, PbxChannel *leg)
{
    PbxDialOutcome o = pbx_dial_outcome_from_cause(cause);

    if (o == PBX_DIAL_CANCELLED)
        o = PBX_DIAL_FAILED;
    /* the first failure counts even when it is only "failed" */
    if (!d->failures++ || rank(o) < rank(d->best)) {
        d->best = o;
        d->best_cause = cause;
        g_clear_pointer(&d->best_leg, pbx_channel_unref);
        d->best_leg = leg ? pbx_channel_ref(leg) : NULL;
    }
}

/* Connects the media of a leg in PROGRESS to the caller's, once per dial. */
static void
early_media_start(PbxDial *d, PbxChannel *leg)
{
    const PbxChannelTech *tech = pbx_channel_get_tech(leg);
    g_autoptr(GError) error = NULL;

    if (d->early || !d->caller || !tech->bridge_media
        || pbx_channel_get_tech(d->caller) != tech)
        return;
    if (!tech->bridge_media(d->caller, leg, &error)) {
        pbx_debug(pbx_log_domain("channel"), "early media of %s: %s",
                  pbx_channel_get_id(leg), error->message);
        return;
    }
    d->early = pbx_channel_ref(leg);
}

/* Disconnects it again unless `keep` is that leg (it won: the bridge
 * takes the media over). */
static void
early_media_stop(PbxDial *d, PbxChannel *keep)
{
    PbxChannel *leg = d->early;
    const PbxChannelTech *tech;

    if (!leg)
        return;
    d->early = NULL;
    tech = pbx_channel_get_tech(leg);
    if (leg != keep && tech->unbridge_media)
        tech->unbridge_media(d->caller, leg);
    pbx_channel_unref(leg);
}

static void
dial_free(PbxDial *d)
{
    for (guint i = 0; i < d->legs->len; i++)
        pbx_channel_unref(g_array_index(d->legs, Leg, i).chan);
    g_array_unref(d->legs);
    g_clear_pointer(&d->best_leg, pbx_channel_unref);
    pbx_channel_unref(d->caller);
    g_free(d);
}

/* Stops watching everything, hangs up the legs still ringing with
 * `cause` (except `winner`), reports, frees. */
static void
finish(PbxDial *d, PbxDialOutcome outcome, PbxChannel *winner, PbxCause cause)
{
    if (d->finished)
        return;
    d->finished = TRUE;
    g_queue_unlink(&live, &d->link);
    early_media_stop(d, winner);
    pbx_timer_stop(&d->timer);
    pbx_timer_stop(&d->idle);
    if (d->caller)
        pbx_channel_unwatch(d->caller, d->caller_watch);
    for (guint i = 0; i < d->legs->len; i++) {
        Leg *l = &g_array_index(d->legs, Leg, i);
        if (l->done)
            continue;
        pbx_channel_unwatch(l->chan, l->watch);
        if (l->chan != winner)
            pbx_channel_hangup(l->chan, cause);
    }
    d->done(d, outcome, winner, cause, d->data);
    dial_free(d);
}

/* Every leg failed: the best failure is the outcome. */
static void
finish_failed(PbxDial *d)
{
    d->failed_leg = d->best_leg;
    finish(d, d->best, NULL, d->best_cause);
}

static gboolean
all_legs_done(PbxDial *d)
{
    for (guint i = 0; i < d->legs->len; i++) {
        if (!g_array_index(d->legs, Leg, i).done)
            return FALSE;
    }
    return TRUE;
}

static Leg *
find_leg(PbxDial *d, PbxChannel *chan)
{
    for (guint i = 0; i < d->legs->len; i++) {
        if (g_array_index(d->legs, Leg, i).chan == chan)
            return &g_array_index(d->legs, Leg, i);
    }
    return NULL;
}

static void
leg_state(PbxDial *d, PbxChannel *chan)
{
    switch (pbx_channel_get_state(chan)) {
    case PBX_CHANNEL_RINGING:
        if (d->caller)
            pbx_channel_ring(d->caller);
        if (d->progress)
            d->progress(d, PBX_CHANNEL_RINGING, d->data);
        break;
    case PBX_CHANNEL_PROGRESS:
        if (d->caller) {
            early_media_start(d, chan);     /* first: the caller's SDP can then match */
            pbx_channel_progress(d->caller);
        }
        if (d->progress)
            d->progress(d, PBX_CHANNEL_PROGRESS, d->data);
        break;
    case PBX_CHANNEL_UP:
        find_leg(d, chan)->done = TRUE;
        pbx_channel_unwatch(chan, find_leg(d, chan)->watch);
        if (d->starting)
            d->winner = d->winner ? d->winner : chan;
        else
            finish(d, PBX_DIAL_ANSWERED, chan, PBX_CAUSE_ANSWERED_ELSEWHERE);
        break;
    default:
        break;
    }
}

static void
leg_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail,
            gpointer data)
{
    PbxDial *d = data;
    Leg *l;

    if (kind == PBX_CHANNEL_EVENT_STATE) {
        leg_state(d, chan);
        return;
    }
    if (kind != PBX_CHANNEL_EVENT_HANGUP)
        return;
    l = find_leg(d, chan);
    l->done = TRUE;
    pbx_channel_unwatch(chan, l->watch);
    if (chan == d->early)
        early_media_stop(d, NULL);
    note_failure(d, pbx_channel_get_hangup_cause(chan), chan);
    if (!d->starting && all_legs_done(d))
        finish_failed(d);
}

static void
caller_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail,
               gpointer data)
{
    if (kind == PBX_CHANNEL_EVENT_HANGUP)
        finish(data, PBX_DIAL_CANCELLED, NULL, PBX_CAUSE_ORIGINATOR_CANCEL);
}

static void
timed_out(PbxTimer *timer, gpointer data)
{
    finish(data, PBX_DIAL_NOANSWER, NULL, PBX_CAUSE_NO_ANSWER);
}

static void
nothing_started(PbxTimer *timer, gpointer data)
{
    PbxDial *d = data;

    if (d->winner)
        finish(d, PBX_DIAL_ANSWERED, d->winner, PBX_CAUSE_ANSWERED_ELSEWHERE);
    else
        finish_failed(d);
}

static PbxCause
request_failure_cause(const GError *error)
{
    if (g_error_matches(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_UNAVAILABLE) ||
        g_error_matches(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_NO_TECH))
        return PBX_CAUSE_UNALLOCATED;
    if (g_error_matches(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_BARRED))
        return PBX_CAUSE_OUTGOING_CALL_BARRED;
    return PBX_CAUSE_TEMPORARY_FAILURE;
}

static void
start_leg(PbxDial *d, const char *target, const PbxDialOptions *options)
{
    g_autoptr(GError) error = NULL;
    PbxChannel *chan = pbx_channel_request(target, d->caller, options, &error);
    Leg l = { 0 };

    if (!chan) {
        pbx_notice(pbx_log_domain("channel"), "dial %s: %s", target,
                   error->message);
        note_failure(d, request_failure_cause(error), NULL);
        return;
    }
    l.chan = chan;                   /* the request's reference */
    l.watch = pbx_channel_watch(chan, leg_changed, d);
    g_array_append_val(d->legs, l);
    if (!pbx_channel_call(chan, options->timeout_ms, &error)) {
        pbx_notice(pbx_log_domain("channel"), "dial %s: %s", target,
                   error->message);
        pbx_channel_hangup(chan, PBX_CAUSE_TEMPORARY_FAILURE);
    }
}

PbxDial *
pbx_dial_start(PbxChannel *caller, const char *const *targets,
               const PbxDialOptions *options, PbxDialDoneFunc done,
               gpointer data)
{
    PbxDial *d = g_new0(PbxDial, 1);
    PbxDialOptions none = { 0 };

    PBX_ASSERT_MAIN_CONTEXT();
    options = options ? options : &none;
    d->caller = caller ? pbx_channel_ref(caller) : NULL;
    d->legs = g_array_new(FALSE, FALSE, sizeof(Leg));
    d->best = PBX_DIAL_FAILED;
    d->best_cause = PBX_CAUSE_TEMPORARY_FAILURE;
    d->done = done;
    d->data = data;
    d->link.data = d;
    g_queue_push_tail_link(&live, &d->link);
    pbx_timer_init(&d->timer, pbx_calls_timers(), timed_out, d);
    pbx_timer_init(&d->idle, pbx_calls_timers(), nothing_started, d);
    if (caller)
        d->caller_watch = pbx_channel_watch(caller, caller_changed, d);
    /* A leg may fail or answer inside request()/call(); the dial must not
     * finish (and be freed) before it is returned, so such outcomes are
     * reported from an idle callback. */
    d->starting = TRUE;
    for (guint i = 0; targets && targets[i]; i++)
        start_leg(d, targets[i], options);
    d->starting = FALSE;
    if (d->winner || all_legs_done(d)) {
        pbx_timer_start(&d->idle, 0);
        return d;
    }
    if (options->timeout_ms)
        pbx_timer_start(&d->timer, options->timeout_ms);
    return d;
}

void
pbx_dial_cancel(PbxDial *dial)
{
    finish(dial, PBX_DIAL_CANCELLED, NULL, PBX_CAUSE_ORIGINATOR_CANCEL);
}

void
pbx_dial_set_progress_func(PbxDial *dial, PbxDialProgressFunc fn)
{
    dial->progress = fn;
}

PbxChannel *
pbx_dial_get_failed_leg(PbxDial *dial)
{
    return dial->failed_leg;
}

/* ------------------------------------------------------------ pickup */

static gboolean
is_ringing(PbxChannel *leg)
{
    PbxChannelState s = pbx_channel_get_state(leg);

    return s == PBX_CHANNEL_RINGING || s == PBX_CHANNEL_PROGRESS;
}

static PbxChannel *
ringing_leg(PbxDial *d, PbxDialLegMatch match, gpointer data)
{
    for (guint i = 0; i < d->legs->len; i++) {
        Leg *l = &g_array_index(d->legs, Leg, i);
        if (!l->done && is_ringing(l->chan) && match(l->chan, data))
            return l->chan;
    }
    return NULL;
}

PbxDial *
pbx_dial_find_ringing(PbxDialLegMatch match, gpointer data, PbxChannel **leg)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = live.head; l; l = l->next) {
        PbxDial *d = l->data;
        PbxChannel *found = d->starting || d->finished ? NULL : ringing_leg(d, match, data);
        if (found) {
            *leg = found;
            return d;
        }
    }
    return NULL;
}

PbxChannel *
pbx_dial_get_caller(PbxDial *dial)
{
    return dial->caller;
}

void
pbx_dial_take(PbxDial *dial, PbxChannel *picker)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(!dial->finished && !dial->starting && !find_leg(dial, picker));
    finish(dial, PBX_DIAL_ANSWERED, picker, PBX_CAUSE_ANSWERED_ELSEWHERE);
}
