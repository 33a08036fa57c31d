/* Carillon - the attended transfer a leg starts from the dialplan
 * (leg:attended_transfer(number), the sample's `*2` feature code): the
 * referrer X consults the target before handing the transferee T over.
 *
 * T waits with music on hold (else ringback: waiting.c) while X, hearing
 * ringback, dials the target D like call:dial() does.  When D answers, X
 * and D talk in a consultation bridge.  Then:
 *  - X hangs up, or keys the completion digit: T and D are joined, X
 *    released (the transfer succeeds);
 *  - D hangs up, or X keys the abort digit: T and X talk again;
 *  - D does not answer, is busy or X aborts while it rings: T and X talk
 *    again (on_transfer_failed asked first, except after an abort);
 *  - X hangs up while D rings: the dial ends, on_transfer_failed decides
 *    for T (else T is hung up).
 * X's two digits are swallowed (D never hears them); its other digits
 * reach D as usual.
 *
 * Thread affinity: main context.
 */
#include "dialplan_private.h"

struct _DpConsult {
    DpTransfer *t;              /* NULL once it is being freed */
    Call *c;                    /* whose bridge it was */
    gboolean hooked;            /* X's DTMF hook is x_dtmf */
    PbxChannel *x, *tee;        /* referrer and transferee (borrowed from t) */
    PbxChannel *d;              /* the target's answered leg (a reference) */
    PbxDial *dial;
    PbxBridge *bridge;          /* X-D, while consulting */
    DpWaiting *waiting;         /* T's music */
    DpRingback *ringback;       /* X's, while D rings */
    PbxTimer act;               /* a key acted on from the main loop */
    char complete, abort_key;
    char pending;               /* 'c' complete, 'a' abort, 0 */
    gboolean aborting;
};

static gboolean
up(PbxChannel *chan)
{
    return chan && pbx_channel_get_state(chan) != PBX_CHANNEL_HANGUP;
}

/* X's DTMF hook goes back to the call's when X is the call's channel
 * (as its peer X gets it again from the bridge it rejoins). */
static void
unhook(DpConsult *k)
{
    if (!k->hooked)
        return;
    k->hooked = FALSE;
    if (k->c->chan == k->x)
        pbx_channel_set_dtmf_hook(k->x, dp_dtmf_hook, k->c);
    else
        pbx_channel_set_dtmf_hook(k->x, NULL, NULL);
}

/* Ends the consultation bridge without hanging anyone up. */
static void
unbridge(DpConsult *k)
{
    if (!k->bridge)
        return;
    pbx_bridge_set_end_func(k->bridge, NULL, NULL);
    pbx_bridge_destroy(k->bridge);
    k->bridge = NULL;
}

static void back(DpConsult *k, guint code);

/* T and D meet (the transfer's success, which releases X). */
static void
complete(DpConsult *k)
{
    g_autoptr(PbxChannel) d = pbx_channel_ref(k->d);

    if (!up(k->tee)) {
        back(k, 487);               /* T left meanwhile: D goes too */
        return;
    }
    unbridge(k);
    unhook(k);
    dp_waiting_stop(k->waiting);
    pbx_info(dp_dom, "%s completes the attended transfer of %s to %s", pbx_channel_get_name(k->x),
             pbx_channel_get_name(k->tee), pbx_channel_get_name(d));
    dp_transfer_complete(k->t, d);
}

/* T and X talk again; D, if any, is hung up. */
static void
back(DpConsult *k, guint code)
{
    unbridge(k);
    unhook(k);
    dp_waiting_stop(k->waiting);
    if (up(k->d))
        pbx_channel_hangup(k->d, PBX_CAUSE_NORMAL_CLEARING);
    dp_transfer_back(k->t, code);
}

static void
consult_ended(PbxBridge *bridge, PbxChannel *gone, PbxCause cause, gpointer data)
{
    DpConsult *k = data;

    k->bridge = NULL;
    if (gone == k->x)
        complete(k);
    else
        back(k, 487);
}

static void
act(PbxTimer *timer, gpointer data)
{
    DpConsult *k = data;
    char what = k->pending;

    k->pending = 0;
    if (what == 'c' && k->bridge)
        complete(k);
    else if (what == 'a' && k->bridge)
        back(k, 487);
    else if (what == 'a' && k->dial) {
        k->aborting = TRUE;
        pbx_dial_cancel(k->dial);           /* dial_done takes T back */
    }
}

/* X's digits: the completion and abort keys are the transfer's. */
static gboolean
x_dtmf(PbxChannel *chan, const PbxDtmf *dtmf, gpointer data)
{
    DpConsult *k = data;

    if (dtmf->digit != k->complete && dtmf->digit != k->abort_key)
        return FALSE;
    k->pending = dtmf->digit == k->complete ? 'c' : 'a';
    pbx_timer_start(&k->act, 0);
    return TRUE;
}

/* D answered: X and D talk; neither's hangup hangs up the other. */
static void
consult(DpConsult *k, PbxChannel *answered)
{
    g_autoptr(GError) error = NULL;

    k->d = pbx_channel_ref(answered);
    if (!up(k->x)) {
        complete(k);                        /* X left while D rang */
        return;
    }
    k->bridge = pbx_bridge_new(k->x, k->d, &error);
    if (!k->bridge) {
        pbx_warning(dp_dom, "consultation with %s: %s", pbx_channel_get_name(k->d),
                    error->message);
        back(k, 500);
        return;
    }
    pbx_bridge_set_hangup_peer(k->bridge, k->x, FALSE);
    pbx_bridge_set_hangup_peer(k->bridge, k->d, FALSE);
    pbx_bridge_set_end_func(k->bridge, consult_ended, k);
}

static void
dial_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered, PbxCause cause,
          gpointer data)
{
    DpConsult *k = data;

    k->dial = NULL;
    if (!k->t)
        return;                             /* being freed */
    dp_ringback_stop(k->ringback);
    if (outcome == PBX_DIAL_ANSWERED) {
        consult(k, answered);
        return;
    }
    unhook(k);
    dp_waiting_stop(k->waiting);
    if (k->aborting)
        dp_transfer_back(k->t, 487);
    else
        dp_transfer_fail(k->t, dp_failure_code(cause, pbx_dial_get_failed_leg(dial)), cause);
}

DpConsult *
dp_consult_start(DpTransfer *t, Call *c, PbxChannel *x, PbxChannel *tee, const char *target,
                 const char keys[2], const PbxDialOptions *o)
{
    g_autoptr(GError) error = NULL;
    const char *targets[] = { target, NULL };
    DpConsult *k = g_new0(DpConsult, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    k->t = t;
    k->c = c;
    k->x = x;
    k->tee = tee;
    k->complete = keys[0];
    k->abort_key = keys[1];
    pbx_timer_init(&k->act, pbx_calls_timers(), act, k);
    k->waiting = dp_waiting_start(tee, &k->waiting, &error);
    g_clear_error(&error);
    k->ringback = dp_ringback_start(x, &k->ringback, &error);
    pbx_channel_set_dtmf_hook(x, x_dtmf, k);
    k->hooked = TRUE;
    k->dial = pbx_dial_start(x, targets, o, dial_done, k);
    return k;
}

void
dp_consult_free(DpConsult *k)
{
    if (!k)
        return;
    k->t = NULL;
    pbx_timer_stop(&k->act);
    if (k->dial)
        pbx_dial_cancel(k->dial);
    if (k->bridge && up(k->d))
        pbx_channel_hangup(k->d, PBX_CAUSE_NORMAL_CLEARING);
    unbridge(k);
    dp_waiting_stop(k->waiting);
    dp_ringback_stop(k->ringback);
    unhook(k);
    if (k->d)
        pbx_channel_unref(k->d);
    g_free(k);
}
