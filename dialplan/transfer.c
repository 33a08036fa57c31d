/* Carillon - transfers of a call:dial() bridge: a leg's REFER (through
 * the context's on_refer) or call:transfer() from the script.
 *
 * Blind: the referrer X asks that the other party T talk to a target.
 * The bridge T-X is taken apart (nobody hung up), T hears music on hold
 * (res_moh loaded; else ringback: waiting.c) while the target is dialed
 * like call:dial() dials (T's caller id shown);
 * when it answers T is bridged to it and X released.  When it does not,
 * T and X are bridged again (X's phone learns the failure from its
 * NOTIFY and takes the call off hold), or, X gone, call:dial() returns
 * "transfer_failed" so the script decides (voicemail, say).
 * Attended (Replaces): X also has a call with D through another bridge
 * (the replaced channel R is X's leg of it); T and D are bridged and X's
 * two legs released.
 *
 * Whoever's script waited on an old bridge keeps waiting on the new one
 * when its channel is in it; a script whose channel left gets
 * call:dial() -> "transferred" when that channel hangs up.
 *
 * Thread affinity: main context.
 */
#include <string.h>

#include "dialplan_private.h"
#include "park.h"

struct _DpTransfer {
    Call *c;                    /* the call whose bridge is transferred */
    PbxChannel *referrer;       /* X, released on success (a reference) */
    PbxChannel *transferee;     /* T, stays (a reference) */
    PbxChannel *replaced;       /* attended: R, X's other leg, or NULL */
    char *target;               /* blind: where T goes */
    PbxRefer tell;              /* progress, data, destroy of the referrer */
    PbxDial *dial;
    PbxTimer start;
    DpWaiting *waiting;         /* T's music or ringback */
    gboolean aborted;
    gboolean rerouted;          /* on_transfer_failed sent T elsewhere once */
    char keys[2];               /* from the dialplan, attended: X's complete and abort */
    DpConsult *consult;         /* ... and its consultation */
};

static void
tell(DpTransfer *t, guint status)
{
    if (t->tell.progress)
        t->tell.progress(t->referrer, status, t->tell.data);
    if (status >= 200 && t->tell.destroy) {
        t->tell.destroy(t->tell.data);
        t->tell.destroy = NULL;
        t->tell.progress = NULL;
    }
}

static void
transfer_free(DpTransfer *t)
{
    pbx_timer_stop(&t->start);
    dp_consult_free(t->consult);
    dp_waiting_stop(t->waiting);
    if (t->tell.destroy)
        t->tell.destroy(t->tell.data);
    pbx_channel_unref(t->referrer);
    pbx_channel_unref(t->transferee);
    if (t->replaced)
        pbx_channel_unref(t->replaced);
    g_free(t->target);
    g_free(t);
}

static gboolean
is_up(PbxChannel *chan)
{
    return pbx_channel_get_state(chan) != PBX_CHANNEL_HANGUP;
}

/* Ends c's bridge without hanging anyone up. */
static void
detach(Call *c)
{
    if (c->bridge) {
        pbx_bridge_set_end_func(c->bridge, NULL, NULL);
        pbx_bridge_destroy(c->bridge);
        c->bridge = NULL;
    }
    dp_forget_peer(c);
}

/* c's script waits on bridge from now on (its channel is a leg). */
static void
adopt(Call *c, PbxBridge *bridge)
{
    PbxChannel *peer = pbx_bridge_get_peer(bridge, c->chan);

    c->bridge = bridge;
    dp_hear_peer(c, peer);
    pbx_bridge_set_hangup_peer(bridge, peer, !c->keep_caller);
    pbx_bridge_set_end_func(bridge, dp_bridge_ended, c);
}

Call *
dp_call_of_bridge(PbxBridge *bridge)
{
    PbxChannel *legs[2] = { pbx_bridge_get_a(bridge), pbx_bridge_get_b(bridge) };

    for (guint i = 0; i < 2; i++) {
        Call *c = pbx_channel_get_dialplan_data(legs[i]);
        if (c && c->bridge == bridge)
            return c;
    }
    return NULL;
}

/* A script waiting on a bridge that went away while its channel has
 * hung up already resumes now (otherwise at its channel's hangup). */
static void
release_call(Call *c)
{
    if (c && c->wait == WAIT_BRIDGE && !c->bridge && !c->transfer
        && !is_up(c->chan) && !pbx_timer_armed(&c->wake)) {
        PbxCause cause = pbx_channel_get_hangup_cause(c->chan);
        dp_dial_resume(c, "transferred", cause, pbx_cause_to_sip(cause), NULL);
    }
}

/* Bridges a and b; the first of the calls whose channel is a leg waits
 * on it, else nobody owns it (either hanging up ends both). */
static gboolean
join(Call *c, Call *c2, PbxChannel *a, PbxChannel *b)
{
    g_autoptr(GError) error = NULL;
    PbxBridge *bridge = pbx_bridge_new(a, b, &error);
    Call *calls[2] = { c, c2 };

    if (!bridge) {
        pbx_warning(dp_dom, "transfer of %s: %s", pbx_channel_get_name(a), error->message);
        return FALSE;
    }
    for (guint i = 0; i < 2; i++) {
        if (calls[i] && (calls[i]->chan == a || calls[i]->chan == b) && !calls[i]->bridge) {
            adopt(calls[i], bridge);
            break;
        }
    }
    return TRUE;
}

/* The CDRs of every leg involved share the transferee's linked id; the
 * variable TRANSFER (the CDR column transfer) says what happened:
 * "blind;by=<referrer id>;to=<target id>" or "attended;by=...;to=...". */
static void
link_cdrs(DpTransfer *t, PbxChannel *to)
{
    const char *linked = pbx_channel_get_linked_id(t->transferee);
    gboolean attended = t->replaced || t->keys[0];
    g_autofree char *what = g_strdup_printf("%s;by=%s;to=%s", attended ? "attended" : "blind",
                                            pbx_channel_get_id(t->referrer),
                                            pbx_channel_get_id(to));
    PbxChannel *legs[] = { t->transferee, t->referrer, to, t->replaced };

    for (guint i = 0; i < G_N_ELEMENTS(legs); i++) {
        if (!legs[i])
            continue;
        pbx_channel_set_var(legs[i], "TRANSFER", what);
        if (legs[i] != t->transferee)
            pbx_channel_set_linked_id(legs[i], linked);
    }
    pbx_channel_set_var(to, "TRANSFERRED_BY", pbx_channel_get_id(t->referrer));
    pbx_channel_set_var(t->transferee, "TRANSFER_TARGET", pbx_channel_get_id(to));
    pbx_channel_set_var(t->referrer, "TRANSFERRED_TO", pbx_channel_get_id(to));
}

/* T talks to `to`: the referrer is told and released. */
static void
succeed(DpTransfer *t, PbxChannel *to)
{
    Call *c = t->c;

    link_cdrs(t, to);
    c->transfer = NULL;
    tell(t, 200);
    if (t->replaced && is_up(t->replaced))
        pbx_channel_hangup(t->replaced, PBX_CAUSE_NORMAL_CLEARING);
    if (is_up(t->referrer))
        pbx_channel_hangup(t->referrer, PBX_CAUSE_NORMAL_CLEARING);
    release_call(c);
    transfer_free(t);
}

static void start_blind(DpTransfer *t);

/* on_transfer_failed named another target: T is dialed there (blind, the
 * referrer still waiting for the outcome).  FALSE: no new target. */
static gboolean
reroute(DpTransfer *t, guint code)
{
    DpTransferFailure f = { t->target, code, t->transferee, t->referrer };
    char *to;

    if (t->rerouted || !is_up(t->transferee))
        return FALSE;
    if (t->replaced)
        f.target = pbx_channel_get_name(t->replaced);
    to = dp_transfer_failed_target(t->c, &f);
    if (!to || t->c->transfer != t || !is_up(t->transferee)) {
        g_free(to);
        return FALSE;
    }
    pbx_info(dp_dom, "transfer of %s to %s failed (%u): on_transfer_failed sends it to %s",
             pbx_channel_get_name(t->transferee), f.target, code, to);
    t->rerouted = TRUE;
    g_free(t->target);
    t->target = to;
    g_clear_pointer(&t->replaced, pbx_channel_unref);
    start_blind(t);
    return TRUE;
}

/* The target did not take the call: on_transfer_failed may send T
 * elsewhere; else T and X talk again; X gone, the script decides
 * (call:dial() returns "transfer_failed"); T gone, X is released. */
static void
fail(DpTransfer *t, guint code, PbxCause cause)
{
    Call *c = t->c;
    gboolean t_up = is_up(t->transferee), x_up = is_up(t->referrer);

    if (reroute(t, code))
        return;
    c->transfer = NULL;
    tell(t, code);
    if (t_up && x_up && join(c, NULL, t->transferee, t->referrer)) {
        transfer_free(t);
        return;
    }
    if (t_up && c->chan == t->transferee && c->wait == WAIT_BRIDGE && !c->bridge)
        dp_dial_resume(c, "transfer_failed", cause, code, NULL);
    else if (t_up)
        pbx_channel_hangup(t->transferee, cause);
    if (x_up)
        pbx_channel_hangup(t->referrer, PBX_CAUSE_NORMAL_CLEARING);
    release_call(c);
    transfer_free(t);
}

static void
dial_progress(PbxDial *dial, PbxChannelState state, gpointer data)
{
    DpTransfer *t = data;

    if (state == PBX_CHANNEL_RINGING)
        tell(t, 180);
    else
        tell(t, 183);
}

static void
dial_done(PbxDial *dial, PbxDialOutcome outcome, PbxChannel *answered, PbxCause cause,
          gpointer data)
{
    DpTransfer *t = data;

    t->dial = NULL;
    if (t->aborted)
        return;
    dp_waiting_stop(t->waiting);
    if (outcome == PBX_DIAL_ANSWERED && join(t->c, NULL, t->transferee, answered)) {
        succeed(t, answered);
        return;
    }
    if (outcome == PBX_DIAL_ANSWERED)
        pbx_channel_hangup(answered, PBX_CAUSE_TEMPORARY_FAILURE);
    fail(t, outcome == PBX_DIAL_ANSWERED ? 500 : dp_failure_code(cause,
                                                                 pbx_dial_get_failed_leg(dial)),
         cause);
}

/* How long the target may ring: the transferee's variable
 * TRANSFER_TIMEOUT (seconds, 1-600), else 30 s. */
static guint
transfer_timeout_ms(PbxChannel *chan)
{
    const char *s = pbx_channel_get_var(chan, "TRANSFER_TIMEOUT");
    guint64 v;

    if (s && g_ascii_string_to_unsigned(s, 10, 1, 600, &v, NULL))
        return (guint) v * 1000;
    return 30000;
}

/* Blind: music or ringback for T, and the target dialed as call:dial() would. */
static void
start_blind(DpTransfer *t)
{
    g_autoptr(GError) error = NULL;
    const char *targets[] = { t->target, NULL };
    PbxDialOptions o = { .timeout_ms = transfer_timeout_ms(t->transferee) };

    if (pbx_channel_get_direction(t->transferee) == PBX_CHANNEL_OUTBOUND) {
        o.caller_number = pbx_channel_get_callee(t->transferee);   /* the one dialed */
        o.caller_name = o.caller_number;
    }
    t->waiting = dp_waiting_start(t->transferee, &t->waiting, &error);
    if (!t->waiting)
        pbx_debug(dp_dom, "nothing to hear for %s: %s", pbx_channel_get_name(t->transferee),
                  error->message);
    else
        pbx_info(dp_dom, "%s waits with %s", pbx_channel_get_name(t->transferee),
                 dp_waiting_kind(t->waiting));
    t->dial = pbx_dial_start(t->transferee, targets, &o, dial_done, t);
    pbx_dial_set_progress_func(t->dial, dial_progress);
}

/* Attended: T meets D, the peer of X's other leg R. */
static void
start_attended(DpTransfer *t)
{
    PbxBridge *other = pbx_bridge_find_by_channel(t->replaced);
    PbxChannel *d = other ? pbx_bridge_get_peer(other, t->replaced) : NULL;
    Call *c2 = other ? dp_call_of_bridge(other) : NULL;
    g_autoptr(PbxChannel) dest = d ? pbx_channel_ref(d) : NULL;

    if (!dest || !is_up(dest)) {
        fail(t, 487, PBX_CAUSE_NORMAL_CLEARING);
        return;
    }
    if (c2)
        detach(c2);
    else
        pbx_bridge_destroy(other);
    if (!join(t->c, c2, t->transferee, dest)) {
        fail(t, 500, PBX_CAUSE_TEMPORARY_FAILURE);
        return;
    }
    succeed(t, dest);
    release_call(c2);
}

/* Attended from the dialplan: X consults the target first
 * (transfer_consult.c), shown as the caller. */
static void
start_consult(DpTransfer *t)
{
    PbxDialOptions o = { .timeout_ms = transfer_timeout_ms(t->transferee) };

    if (pbx_channel_get_direction(t->referrer) == PBX_CHANNEL_OUTBOUND) {
        o.caller_number = pbx_channel_get_callee(t->referrer);    /* X's own number */
        o.caller_name = o.caller_number;
    }
    t->consult = dp_consult_start(t, t->c, t->referrer, t->transferee, t->target, t->keys, &o);
}

void
dp_transfer_complete(DpTransfer *t, PbxChannel *to)
{
    if (join(t->c, NULL, t->transferee, to))
        succeed(t, to);
    else
        fail(t, 500, PBX_CAUSE_TEMPORARY_FAILURE);
}

void
dp_transfer_back(DpTransfer *t, guint code)
{
    t->rerouted = TRUE;
    fail(t, code, PBX_CAUSE_NORMAL_CLEARING);
}

void
dp_transfer_fail(DpTransfer *t, guint code, PbxCause cause)
{
    fail(t, code, cause);
}

static void
start_now(PbxTimer *timer, gpointer data)
{
    DpTransfer *t = data;

    detach(t->c);
    if (!is_up(t->transferee)) {
        fail(t, 487, PBX_CAUSE_NORMAL_CLEARING);
        return;
    }
    if (t->replaced)
        start_attended(t);
    else if (t->keys[0])
        start_consult(t);
    else
        start_blind(t);
}

/* Takes the transfer: it starts from the main loop, after the tech has
 * answered the REFER. */
static void
transfer_begin(Call *c, PbxChannel *referrer, const PbxRefer *refer, const char *target)
{
    DpTransfer *t = g_new0(DpTransfer, 1);

    t->c = c;
    t->referrer = pbx_channel_ref(referrer);
    t->transferee = pbx_channel_ref(referrer == c->chan ? c->peer : c->chan);
    t->replaced = refer->replaces ? pbx_channel_ref(refer->replaces) : NULL;
    t->target = g_strdup(target);
    t->tell = *refer;
    c->transfer = t;
    pbx_timer_init(&t->start, pbx_calls_timers(), start_now, t);
    pbx_timer_start(&t->start, 0);
}

void
dp_transfer_abort(Call *c)
{
    DpTransfer *t = c->transfer;

    if (!t)
        return;
    t->aborted = TRUE;
    c->transfer = NULL;
    if (t->dial)
        pbx_dial_cancel(t->dial);
    tell(t, 503);
    transfer_free(t);
}

/* ---------------------------------------------------------- on_refer */

typedef struct {
    const PbxRefer *refer;
    int other_ref;
} ReferArgs;

/* refer = {target=, uri=, referred_by=, replaces=, other=} */
static int
push_refer(lua_State *L, gconstpointer data)
{
    const ReferArgs *a = data;

    lua_createtable(L, 0, 5);
    lua_pushstring(L, a->refer->target);
    lua_setfield(L, -2, "target");
    lua_pushstring(L, a->refer->target_uri);
    lua_setfield(L, -2, "uri");
    lua_pushstring(L, a->refer->referred_by);
    lua_setfield(L, -2, "referred_by");
    if (a->refer->replaces)
        lua_pushstring(L, pbx_channel_get_name(a->refer->replaces));
    else
        lua_pushnil(L);
    lua_setfield(L, -2, "replaces");
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->other_ref);
    lua_setfield(L, -2, "other");
    return 1;
}

/* What on_refer returned: true allows (202, *target unchanged), a string
 * redirects, a status (300-699) or false/nil refuses. */
static guint
verdict(lua_State *L, char **target)
{
    if (lua_type(L, -1) == LUA_TBOOLEAN)
        return lua_toboolean(L, -1) ? 202 : 603;
    if (lua_type(L, -1) == LUA_TSTRING) {
        g_free(*target);
        *target = g_strdup(lua_tostring(L, -1));
        return 202;
    }
    if (lua_type(L, -1) == LUA_TNUMBER) {
        lua_Number n = lua_tonumber(L, -1);
        return n >= 300 && n <= 699 ? (guint) n : 603;
    }
    return 603;
}

static guint
ask_on_refer(Call *c, PbxChannel *chan, const PbxRefer *refer, char **target)
{
    int own = chan == c->chan ? c->call_ref : c->peer_ref;
    ReferArgs a = { refer, chan == c->chan ? c->peer_ref : c->call_ref };
    lua_State *L = c->script->L;
    guint status;

    switch (dp_run_sync(c, own, "on_refer", push_refer, &a)) {
    case DP_RUN_NO_HANDLER:
        return 403;             /* transfers are the dialplan's to allow */
    case DP_RUN_FAILED:
        return 500;
    default:
        break;
    }
    status = verdict(L, target);
    lua_pop(L, 1);
    return status;
}

/* 0 when chan's call can be transferred now, else the status to refuse. */
static guint
check_transferable(Call *c, const PbxRefer *refer)
{
    if (!c || c->wait != WAIT_BRIDGE || !c->bridge || !c->peer)
        return 403;
    if (c->transfer)
        return 491;
    if (refer->replaces && (refer->replaces == c->chan || refer->replaces == c->peer
                            || !pbx_bridge_find_by_channel(refer->replaces)))
        return 403;
    return 0;
}

guint
dp_transfer_on_refer(PbxChannel *chan, const PbxRefer *refer, gpointer data)
{
    Call *c = pbx_channel_get_dialplan_data(chan);
    g_autofree char *target = g_strdup(refer->target);
    guint status = check_transferable(c, refer);

    if (status)
        return status;
    status = ask_on_refer(c, chan, refer, &target);
    if (status == 202 && dp_park_take_refer(chan, refer))
        return 202;             /* on_refer parked the other party (park.c) */
    if (status != 202 || pbx_channel_get_dialplan_data(chan) != c || !c->bridge)
        return status == 202 ? 481 : status;
    pbx_info(dp_dom, "%s transfers %s to %s", pbx_channel_get_name(chan),
             pbx_channel_get_name(chan == c->chan ? c->peer : c->chan),
             refer->replaces ? pbx_channel_get_name(refer->replaces) : target);
    transfer_begin(c, chan, refer, target);
    return 202;
}

/* ---------------------------------------------------- call:transfer() */

/* leg:transfer(target): leg's peer goes to target, leg is released (a
 * blind transfer as if leg had sent REFER, without asking on_refer).
 * true, or nil, message, code. */
int
dp_call_transfer(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *target = luaL_checkstring(L, 2);
    Call *c = pbx_channel_get_dialplan_data(chan);
    PbxRefer refer = { .target = target, .target_uri = target };
    guint status = check_transferable(c, &refer);

    if (status == 491)
        return dp_push_fail(L, "a transfer is under way", "busy");
    if (status)
        return dp_push_fail(L, "the call is not bridged", "state");
    transfer_begin(c, chan, &refer, target);
    lua_pushboolean(L, TRUE);
    return 1;
}

/* The digit of opts[name] (a one-character string), else `dflt`. */
static char
key_option(lua_State *L, int opts, const char *name, char dflt)
{
    const char *k;

    if (lua_isnoneornil(L, opts))
        return dflt;
    luaL_checktype(L, opts, LUA_TTABLE);
    lua_getfield(L, opts, name);
    k = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
    lua_pop(L, 1);
    if (!k)
        return dflt;
    if (strlen(k) != 1 || !strchr("0123456789*#ABCD", k[0]))
        luaL_error(L, "attended_transfer: %s must be one DTMF digit", name);
    return k[0];
}

/* leg:attended_transfer(number[, {complete="#", abort="*"}]): leg
 * consults number while its peer waits with music; leg's hangup or its
 * complete digit hands the peer over, the abort digit (or the target's
 * hangup or failure) brings it back (transfer_consult.c).  true, or nil,
 * message, code. */
int
dp_call_attended_transfer(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *target = luaL_checkstring(L, 2);
    char keys[2] = { key_option(L, 3, "complete", '#'), key_option(L, 3, "abort", '*') };
    Call *c = pbx_channel_get_dialplan_data(chan);
    PbxRefer refer = { .target = target, .target_uri = target };
    guint status = check_transferable(c, &refer);

    if (keys[0] == keys[1])
        return luaL_error(L, "attended_transfer: complete and abort are the same digit");
    if (status == 491)
        return dp_push_fail(L, "a transfer is under way", "busy");
    if (status)
        return dp_push_fail(L, "the call is not bridged", "state");
    transfer_begin(c, chan, &refer, target);
    memcpy(c->transfer->keys, keys, sizeof keys);
    lua_pushboolean(L, TRUE);
    return 1;
}

/* leg.bridged: TRUE while leg talks to another party through its call's
 * bridge (what feature codes need: not at a prompt, not waiting). */
int
dp_call_get_bridged(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = pbx_channel_get_dialplan_data(chan);

    lua_pushboolean(L, c && c->bridge && !c->transfer && (c->chan == chan || c->peer == chan));
    return 1;
}

/* ------------------------------------------------ INVITE with Replaces */

/* The bridge and call of `r` for a takeover: NULL when r is gone, not
 * bridged or its call is being transferred already. */
static PbxBridge *
takeover_bridge(PbxChannel *r, Call **c)
{
    PbxBridge *bridge = is_up(r) ? pbx_bridge_find_by_channel(r) : NULL;

    *c = bridge ? dp_call_of_bridge(bridge) : NULL;
    if (!bridge || (*c && (*c)->transfer))
        return NULL;
    return bridge;
}

/* chan, r and dest share dest's linked id; TRANSFER says
 * "replaces;by=<chan id>;replaced=<r id>". */
static void
link_replaced(PbxChannel *chan, PbxChannel *r, PbxChannel *dest)
{
    g_autofree char *what = g_strdup_printf("replaces;by=%s;replaced=%s",
                                            pbx_channel_get_id(chan), pbx_channel_get_id(r));
    PbxChannel *legs[] = { chan, r, dest };

    for (guint i = 0; i < G_N_ELEMENTS(legs); i++) {
        pbx_channel_set_var(legs[i], "TRANSFER", what);
        if (legs[i] != dest)
            pbx_channel_set_linked_id(legs[i], pbx_channel_get_linked_id(dest));
    }
}

/* chan (an INVITE with Replaces) takes r's place: it is bridged to r's
 * peer D and answered, r hung up.  The script that waited on r's bridge
 * waits on the new one when its channel is D (else it resumes when its
 * channel hangs up); nobody else's on_invite runs for chan. */
void
dp_transfer_replace(PbxChannel *chan)
{
    g_autoptr(PbxChannel) r = pbx_channel_ref(pbx_channel_get_replaces(chan));
    g_autoptr(PbxChannel) dest = NULL;
    g_autoptr(GError) error = NULL;
    Call *c = NULL;
    PbxBridge *bridge = takeover_bridge(r, &c);

    pbx_channel_set_replaces(chan, NULL);
    if (!bridge) {
        pbx_notice(dp_dom, "%s: the call it replaces is not bridged", pbx_channel_get_name(chan));
        pbx_channel_hangup(chan, PBX_CAUSE_CALL_REJECTED);
        return;
    }
    dest = pbx_channel_ref(pbx_bridge_get_peer(bridge, r));
    if (c)
        detach(c);
    else
        pbx_bridge_destroy(bridge);
    pbx_info(dp_dom, "%s replaces %s, talking to %s", pbx_channel_get_name(chan),
             pbx_channel_get_name(r), pbx_channel_get_name(dest));
    if (!join(c, NULL, chan, dest)) {
        pbx_channel_hangup(chan, PBX_CAUSE_TEMPORARY_FAILURE);
        join(c, NULL, r, dest);         /* the call goes on as it was */
        return;
    }
    if (!pbx_channel_answer(chan, &error))
        pbx_warning(dp_dom, "%s: %s", pbx_channel_get_name(chan), error->message);
    link_replaced(chan, r, dest);
    pbx_channel_hangup(r, PBX_CAUSE_NORMAL_CLEARING);
    release_call(c);
}
