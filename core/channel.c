/* Carillon - channels (call legs) and channel technologies. */
#include <string.h>

#include "calls_private.h"

struct _PbxChannel {
    gint refs;
    char *id;
    char *name;
    PbxChannelState state;
    PbxChannelDirection direction;
    char *caller_number, *caller_name;
    char *callee;
    char *context;
    char *codec;
    PbxCause cause;
    gint64 created, answered, ended;
    const PbxChannelTech *tech;
    PbxModule *owner;            /* module of the tech, used while we live */
    gpointer tech_pvt;
    gpointer dialplan_data;
    PbxChannel *replaces;        /* an INVITE with Replaces: the call it takes over */
    char *linked_id;             /* the call it belongs to (CDR linkedid); NULL: its id */
    GHashTable *vars;
    GHashTable *request_headers;
    GHashTable *headers;
    PbxRtpStats rtp;
    GArray *watchers;            /* Watcher */
    PbxChannelDtmfHook dtmf_hook;
    gpointer dtmf_hook_data;
    const PbxDtmf *dtmf;         /* the digit being reported */
    gboolean held;               /* its far end put it on hold */
    guint next_watch_id;
    gboolean dispatched;
    PbxTimer dispatch_timer;     /* holds a reference while armed */
};

typedef struct {
    guint id;
    PbxChannelWatchFunc fn;
    gpointer data;
} Watcher;

typedef struct {
    const PbxChannelTech *tech;
    PbxModule *owner;
    gpointer unload_handle;
} TechReg;

static GList *techs;                 /* TechReg */
static GHashTable *live;             /* id -> PbxChannel (a reference) */
static GQueue live_order = G_QUEUE_INIT;
static guint64 channel_seq;
static PbxChannelHandler new_handler;
static gpointer new_handler_data;
static PbxChannelReferHandler refer_handler;
static gpointer refer_handler_data;
static PbxLogDomain *dom;
static PbxTimers *call_timers;

G_DEFINE_QUARK(pbx-channel-error-quark, pbx_channel_error)

PbxTimers *
pbx_calls_timers(void)
{
    if (!call_timers)
        call_timers = pbx_timers_new("call-timers");
    return call_timers;
}

void
pbx_calls_timers_shutdown(void)
{
    g_clear_pointer(&call_timers, pbx_timers_free);
}

static const char *const state_names[] = {
    "DOWN", "RING", "RINGING", "PROGRESS", "UP", "HANGUP",
};

const char *
pbx_channel_state_to_string(PbxChannelState state)
{
    if ((guint) state >= G_N_ELEMENTS(state_names))
        return "UNKNOWN";
    return state_names[state];
}

static PbxLogDomain *
log_domain(void)
{
    if (!dom)
        dom = pbx_log_domain("channel");
    return dom;
}

/* ------------------------------------------------------------ techs */

static TechReg *
find_reg(const PbxChannelTech *tech)
{
    for (GList *l = techs; l; l = l->next) {
        TechReg *r = l->data;
        if (r->tech == tech)
            return r;
    }
    return NULL;
}

static void
tech_unregister_cb(gpointer tech)
{
    TechReg *r = find_reg(tech);

    if (!r)
        return;
    techs = g_list_remove(techs, r);
    g_free(r);
}

gboolean
pbx_channel_tech_register(PbxModule *owner, const PbxChannelTech *tech,
                          GError **error)
{
    TechReg *r;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(tech != NULL && tech->name != NULL, FALSE);
    g_return_val_if_fail(tech->request && tech->call && tech->answer &&
                         tech->hangup, FALSE);
    if (pbx_channel_tech_find(tech->name)) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "channel technology %s is already registered", tech->name);
        return FALSE;
    }
    r = g_new0(TechReg, 1);
    r->tech = tech;
    r->owner = owner;
    r->unload_handle = pbx_module_on_unload(owner, tech_unregister_cb,
                                            (gpointer) tech);
    techs = g_list_append(techs, r);
    return TRUE;
}

void
pbx_channel_tech_unregister(const PbxChannelTech *tech)
{
    TechReg *r = find_reg(tech);

    PBX_ASSERT_MAIN_CONTEXT();
    if (!r)
        return;
    pbx_module_forget(r->owner, r->unload_handle);
    tech_unregister_cb((gpointer) tech);
}

const PbxChannelTech *
pbx_channel_tech_find(const char *name)
{
    for (GList *l = techs; l; l = l->next) {
        TechReg *r = l->data;
        if (g_ascii_strcasecmp(r->tech->name, name) == 0)
            return r->tech;
    }
    return NULL;
}

/* ------------------------------------------------------------ lifetime */

static GHashTable *
new_ci_table(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* Header names compare case-insensitively: keys are stored lowercased
 * only for lookups would lose the spelling, so keep a plain table and
 * replace an existing entry whatever its case. */
static void
ci_table_set(GHashTable *t, const char *name, const char *value)
{
    GHashTableIter it;
    gpointer k;

    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        if (g_ascii_strcasecmp(k, name) == 0) {
            g_hash_table_iter_remove(&it);
            break;
        }
    }
    if (value)
        g_hash_table_insert(t, g_strdup(name), g_strdup(value));
}

static PbxChannel *
channel_new(const PbxChannelTech *tech, gpointer pvt,
            PbxChannelDirection dir, const char *callee)
{
    PbxChannel *c = g_new0(PbxChannel, 1);
    TechReg *r = find_reg(tech);

    c->refs = 1;
    channel_seq++;
    c->id = g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GUINT64_FORMAT,
                            g_get_real_time() / G_USEC_PER_SEC, channel_seq);
    c->name = g_strdup_printf("%s/%s-%08" G_GINT64_MODIFIER "x", tech->name,
                              callee && *callee ? callee : "unknown",
                              (guint64) channel_seq);
    c->direction = dir;
    c->state = dir == PBX_CHANNEL_INBOUND ? PBX_CHANNEL_RING : PBX_CHANNEL_DOWN;
    c->callee = g_strdup(callee ? callee : "");
    c->created = g_get_real_time();
    c->tech = tech;
    c->tech_pvt = pvt;
    c->owner = r ? r->owner : NULL;
    if (c->owner)
        pbx_module_use(c->owner);
    c->vars = new_ci_table();
    c->request_headers = new_ci_table();
    c->headers = new_ci_table();
    c->watchers = g_array_new(FALSE, FALSE, sizeof(Watcher));
    if (!live)
        live = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(live, c->id, pbx_channel_ref(c));
    g_queue_push_tail(&live_order, c);
    return c;
}

static void
fill_event(PbxEvent *ev, const PbxChannel *c)
{
    pbx_event_set(ev, "id", c->id);
    pbx_event_set(ev, "name", c->name);
    pbx_event_set(ev, "state", pbx_channel_state_to_string(c->state));
    pbx_event_set(ev, "direction",
                  c->direction == PBX_CHANNEL_INBOUND ? "inbound" : "outbound");
    pbx_event_set(ev, "caller", c->caller_number ? c->caller_number : "");
    pbx_event_set(ev, "callee", c->callee);
}

static void
publish(const PbxChannel *c, const char *type)
{
    PbxEvent *ev = pbx_event_new(type);

    fill_event(ev, c);
    if (c->state == PBX_CHANNEL_HANGUP) {
        pbx_event_set(ev, "cause", pbx_cause_to_string(c->cause));
        pbx_event_setf(ev, "cause_code", "%d", (int) c->cause);
    }
    pbx_event_publish(ev);
}

static void
set_caller(PbxChannel *c, const char *number, const char *name)
{
    g_free(c->caller_number);
    g_free(c->caller_name);
    c->caller_number = g_strdup(number ? number : "");
    c->caller_name = g_strdup(name ? name : "");
}

PbxChannel *
pbx_channel_new_inbound(const PbxChannelTech *tech, gpointer pvt,
                        const char *caller_number, const char *caller_name,
                        const char *callee, const char *context)
{
    PbxChannel *c;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(tech != NULL, NULL);
    c = channel_new(tech, pvt, PBX_CHANNEL_INBOUND, caller_number);
    set_caller(c, caller_number, caller_name);
    g_free(c->callee);
    c->callee = g_strdup(callee ? callee : "");
    c->context = g_strdup(context ? context : "default");
    publish(c, "channel/new");
    return c;
}

PbxChannel *
pbx_channel_new_outbound(const PbxChannelTech *tech, gpointer pvt,
                         const char *callee, const char *caller_number,
                         const char *caller_name)
{
    PbxChannel *c;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(tech != NULL, NULL);
    c = channel_new(tech, pvt, PBX_CHANNEL_OUTBOUND, callee);
    set_caller(c, caller_number, caller_name);
    publish(c, "channel/new");
    return c;
}

PbxChannel *
pbx_channel_ref(PbxChannel *chan)
{
    g_return_val_if_fail(chan != NULL, NULL);
    chan->refs++;
    return chan;
}

void
pbx_channel_unref(PbxChannel *chan)
{
    if (!chan || --chan->refs > 0)
        return;
    if (chan->tech && chan->tech->destroy)
        chan->tech->destroy(chan);
    if (chan->owner)
        pbx_module_unuse(chan->owner);
    g_hash_table_unref(chan->vars);
    g_hash_table_unref(chan->request_headers);
    g_hash_table_unref(chan->headers);
    g_array_unref(chan->watchers);
    g_free(chan->id);
    g_free(chan->name);
    g_free(chan->caller_number);
    g_free(chan->caller_name);
    g_free(chan->callee);
    g_free(chan->context);
    g_free(chan->codec);
    if (chan->replaces)
        pbx_channel_unref(chan->replaces);
    g_free(chan->linked_id);
    g_free(chan);
}

PbxChannel *
pbx_channel_find(const char *id_or_name)
{
    PbxChannel *c;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!live)
        return NULL;
    c = g_hash_table_lookup(live, id_or_name);
    if (c)
        return c;
    for (GList *l = live_order.head; l; l = l->next) {
        c = l->data;
        if (g_ascii_strcasecmp(c->name, id_or_name) == 0)
            return c;
    }
    return NULL;
}

GPtrArray *
pbx_channel_list(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) pbx_channel_unref);

    PBX_ASSERT_MAIN_CONTEXT();
    for (GList *l = live_order.head; l; l = l->next)
        g_ptr_array_add(out, pbx_channel_ref(l->data));
    return out;
}

guint
pbx_channel_count(void)
{
    return live_order.length;
}

/* ------------------------------------------------------------ watchers */

guint
pbx_channel_watch(PbxChannel *chan, PbxChannelWatchFunc fn, gpointer data)
{
    Watcher w = { ++chan->next_watch_id, fn, data };

    g_array_append_val(chan->watchers, w);
    return w.id;
}

void
pbx_channel_unwatch(PbxChannel *chan, guint id)
{
    for (guint i = 0; i < chan->watchers->len; i++) {
        if (g_array_index(chan->watchers, Watcher, i).id == id) {
            g_array_remove_index(chan->watchers, i);
            return;
        }
    }
}

/* Watchers may unwatch themselves (or others) while being notified, so
 * walk a copy and skip the ones removed meanwhile. */
static void
notify(PbxChannel *c, PbxChannelEventKind kind, const char *detail)
{
    g_autoptr(GArray) copy = g_array_copy(c->watchers);

    pbx_channel_ref(c);
    for (guint i = 0; i < copy->len; i++) {
        Watcher *w = &g_array_index(copy, Watcher, i);
        gboolean still = FALSE;

        for (guint j = 0; j < c->watchers->len && !still; j++)
            still = g_array_index(c->watchers, Watcher, j).id == w->id;
        if (still)
            w->fn(c, kind, detail, w->data);
    }
    pbx_channel_unref(c);
}

/* ------------------------------------------------------------ state */

void
pbx_channel_set_state(PbxChannel *chan, PbxChannelState state)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL);
    g_return_if_fail(state != PBX_CHANNEL_HANGUP);
    if (chan->state == PBX_CHANNEL_HANGUP || chan->state == state)
        return;
    pbx_debug(log_domain(), "%s: %s -> %s", chan->name,
              pbx_channel_state_to_string(chan->state),
              pbx_channel_state_to_string(state));
    chan->state = state;
    if (state == PBX_CHANNEL_UP && !chan->answered)
        chan->answered = g_get_real_time();
    publish(chan, "channel/state");
    notify(chan, PBX_CHANNEL_EVENT_STATE, NULL);
}

/* Marks the channel ended, tells everyone, and drops the core's
 * reference.  `tell_tech` is FALSE when the tech reported the hangup. */
static void
finish(PbxChannel *c, PbxCause cause, gboolean tell_tech)
{
    if (c->state == PBX_CHANNEL_HANGUP)
        return;
    pbx_channel_ref(c);
    c->state = PBX_CHANNEL_HANGUP;
    c->cause = cause;
    c->ended = g_get_real_time();
    pbx_debug(log_domain(), "%s: hangup (%s)", c->name,
              pbx_cause_to_string(cause));
    if (tell_tech)
        c->tech->hangup(c, cause);
    publish(c, "channel/state");
    publish(c, "channel/hangup");
    pbx_cdr_channel_ended(c);
    notify(c, PBX_CHANNEL_EVENT_HANGUP, NULL);
    g_queue_remove(&live_order, c);
    if (g_hash_table_remove(live, c->id))
        pbx_channel_unref(c);
    pbx_channel_unref(c);
}

void
pbx_channel_hangup_from_tech(PbxChannel *chan, PbxCause cause)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL);
    finish(chan, cause, FALSE);
}

void
pbx_channel_hangup(PbxChannel *chan, PbxCause cause)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL);
    finish(chan, cause, TRUE);
}

static void
publish_dtmf(PbxChannel *chan, const PbxDtmf *dtmf)
{
    char digit[2] = { dtmf->digit, '\0' };
    g_autofree char *duration = g_strdup_printf("%u", dtmf->duration_ms);
    PbxEvent *ev = pbx_event_new("channel/dtmf");

    fill_event(ev, chan);
    pbx_event_set(ev, "digit", digit);
    pbx_event_set(ev, "duration", duration);
    pbx_event_set(ev, "source", pbx_dtmf_source_to_string(dtmf->source));
    pbx_event_publish(ev);
}

void
pbx_channel_dtmf(PbxChannel *chan, const PbxDtmf *dtmf)
{
    char digit[2] = { dtmf->digit, '\0' };

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL && dtmf != NULL);
    if (chan->state == PBX_CHANNEL_HANGUP || !pbx_dtmf_digit_is_valid(dtmf->digit)
        || chan->dtmf)
        return;
    pbx_channel_ref(chan);
    chan->dtmf = dtmf;
    if (!chan->dtmf_hook || !chan->dtmf_hook(chan, dtmf, chan->dtmf_hook_data)) {
        publish_dtmf(chan, dtmf);
        notify(chan, PBX_CHANNEL_EVENT_DTMF, digit);
    }
    chan->dtmf = NULL;
    pbx_channel_unref(chan);
}

gboolean
pbx_channel_send_dtmf(PbxChannel *chan, char digit, guint duration_ms, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (!pbx_dtmf_digit_is_valid(digit)) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "'%c' is not a DTMF digit (0-9 * # A-D)", digit ? digit : '?');
        return FALSE;
    }
    if (chan->state != PBX_CHANNEL_UP && chan->state != PBX_CHANNEL_PROGRESS) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "%s: no media to send DTMF on", chan->name);
        return FALSE;
    }
    if (!chan->tech->send_dtmf) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "%s channels cannot send DTMF", chan->tech->name);
        return FALSE;
    }
    return chan->tech->send_dtmf(chan, digit, pbx_dtmf_clamp_duration(duration_ms), error);
}

gboolean
pbx_channel_hold(PbxChannel *chan, gboolean held)
{
    PbxBridge *br;
    PbxEvent *ev;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (chan->state == PBX_CHANNEL_HANGUP)
        return FALSE;
    if (chan->held != held) {
        chan->held = held;
        ev = pbx_event_new("channel/hold");
        fill_event(ev, chan);
        pbx_event_set(ev, "held", held ? "yes" : "no");
        pbx_event_publish(ev);
    }
    br = pbx_bridge_find_by_channel(chan);
    return br && pbx_bridge_hold_leg(br, chan, held);
}

gboolean
pbx_channel_is_held(const PbxChannel *chan)
{
    return chan->held;
}

gboolean
pbx_channel_set_audio_port(PbxChannel *chan, const PbxAudioPortFuncs *port, gpointer data,
                           GError **error)
{
    PbxBridge *br;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (port && chan->state != PBX_CHANNEL_UP && chan->state != PBX_CHANNEL_PROGRESS) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "%s: no media to play or hear", chan->name);
        return FALSE;
    }
    br = pbx_bridge_find_by_channel(chan);
    if (port && br && pbx_bridge_has_media(br)) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "%s: its media is bridged to %s", chan->name,
                    pbx_channel_get_name(pbx_bridge_get_peer(br, chan)));
        return FALSE;
    }
    if (!chan->tech->set_audio_port) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "%s channels cannot play or hear audio", chan->tech->name);
        return FALSE;
    }
    return chan->tech->set_audio_port(chan, port, data, error);
}

const PbxDtmf *
pbx_channel_get_dtmf(const PbxChannel *chan)
{
    return chan->dtmf;
}

void
pbx_channel_set_dtmf_hook(PbxChannel *chan, PbxChannelDtmfHook fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL);
    chan->dtmf_hook = fn;
    chan->dtmf_hook_data = fn ? data : NULL;
}

guint
pbx_channel_refer(PbxChannel *chan, const PbxRefer *refer)
{
    guint status = 501;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL && refer != NULL && refer->target != NULL, 500);
    if (chan->state == PBX_CHANNEL_HANGUP)
        status = 481;
    else if (refer_handler)
        status = refer_handler(chan, refer, refer_handler_data);
    if (status != 202 && refer->destroy)
        refer->destroy(refer->data);
    return status;
}

static void
dispatch_now(PbxTimer *timer, gpointer data)
{
    PbxChannel *c = data;

    if (c->state != PBX_CHANNEL_HANGUP) {
        if (new_handler)
            new_handler(c, new_handler_data);
        else
            pbx_channel_hangup(c, PBX_CAUSE_UNALLOCATED);
    }
    pbx_channel_unref(c);
}

/* The handler runs from the main loop (a zero-delay timer of the call
 * set), never inside the tech's own request handling. */
void
pbx_channel_dispatch(PbxChannel *chan)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(chan != NULL && !chan->dispatched);
    chan->dispatched = TRUE;
    pbx_channel_ref(chan);
    pbx_timer_init(&chan->dispatch_timer, pbx_calls_timers(), dispatch_now, chan);
    pbx_timer_start(&chan->dispatch_timer, 0);
}

void
pbx_channel_set_new_handler(PbxChannelHandler fn, gpointer data)
{
    new_handler = fn;
    new_handler_data = data;
}

void
pbx_channel_set_refer_handler(PbxChannelReferHandler fn, gpointer data)
{
    refer_handler = fn;
    refer_handler_data = data;
}

/* ------------------------------------------------------------ driving */

PbxChannel *
pbx_channel_request(const char *target, PbxChannel *requester,
                    const PbxDialOptions *options, GError **error)
{
    const char *slash = strchr(target, '/');
    const PbxChannelTech *tech;
    g_autofree char *tech_name = NULL;
    const char *rest = target;
    PbxDialOptions none = { 0 };
    PbxChannel *chan;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(target != NULL, NULL);
    if (slash && !g_str_has_prefix(target, "sip:") &&
        !g_str_has_prefix(target, "sips:")) {
        tech_name = g_strndup(target, slash - target);
        rest = slash + 1;
    } else {
        tech_name = g_strdup(PBX_CHANNEL_DEFAULT_TECH);
    }
    tech = pbx_channel_tech_find(tech_name);
    if (!tech) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_NO_TECH,
                    "no channel technology %s for %s", tech_name, target);
        return NULL;
    }
    chan = tech->request(tech, rest, requester, options ? options : &none, error);
    if (chan && requester)
        pbx_channel_set_linked_id(chan, pbx_channel_get_linked_id(requester));
    return chan;
}

static gboolean
check_live(PbxChannel *chan, GError **error)
{
    if (chan->state != PBX_CHANNEL_HANGUP)
        return TRUE;
    g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                "%s is hung up", chan->name);
    return FALSE;
}

gboolean
pbx_channel_call(PbxChannel *chan, guint timeout_ms, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    return check_live(chan, error) && chan->tech->call(chan, timeout_ms, error);
}

gboolean
pbx_channel_answer(PbxChannel *chan, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (!check_live(chan, error))
        return FALSE;
    if (chan->state == PBX_CHANNEL_UP)
        return TRUE;
    return chan->tech->answer(chan, error);
}

gboolean
pbx_channel_ring(PbxChannel *chan)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (chan->state != PBX_CHANNEL_RING || !chan->tech->ring)
        return FALSE;
    return chan->tech->ring(chan);
}

gboolean
pbx_channel_progress(PbxChannel *chan)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (chan->state != PBX_CHANNEL_RING || !chan->tech->progress)
        return FALSE;
    return chan->tech->progress(chan);
}

gboolean
pbx_channel_indicate(PbxChannel *chan, PbxIndication what)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(chan != NULL, FALSE);
    if (chan->state == PBX_CHANNEL_HANGUP || !chan->tech->indicate)
        return FALSE;
    return chan->tech->indicate(chan, what);
}

/* ------------------------------------------------------------ accessors */

const char *
pbx_channel_get_id(const PbxChannel *chan)
{
    return chan->id;
}

const char *
pbx_channel_get_name(const PbxChannel *chan)
{
    return chan->name;
}

PbxChannelState
pbx_channel_get_state(const PbxChannel *chan)
{
    return chan->state;
}

PbxChannelDirection
pbx_channel_get_direction(const PbxChannel *chan)
{
    return chan->direction;
}

const char *
pbx_channel_get_caller_number(const PbxChannel *chan)
{
    return chan->caller_number;
}

const char *
pbx_channel_get_caller_name(const PbxChannel *chan)
{
    return chan->caller_name;
}

const char *
pbx_channel_get_callee(const PbxChannel *chan)
{
    return chan->callee;
}

const char *
pbx_channel_get_context(const PbxChannel *chan)
{
    return chan->context ? chan->context : "default";
}

void
pbx_channel_set_context(PbxChannel *chan, const char *context)
{
    g_free(chan->context);
    chan->context = g_strdup(context);
}

PbxCause
pbx_channel_get_hangup_cause(const PbxChannel *chan)
{
    return chan->cause;
}

gint64
pbx_channel_get_created(const PbxChannel *chan)
{
    return chan->created;
}

gint64
pbx_channel_get_answered(const PbxChannel *chan)
{
    return chan->answered;
}

gint64
pbx_channel_get_ended(const PbxChannel *chan)
{
    return chan->ended;
}

const char *
pbx_channel_get_codec(const PbxChannel *chan)
{
    return chan->codec;
}

void
pbx_channel_set_codec(PbxChannel *chan, const char *codec)
{
    g_free(chan->codec);
    chan->codec = g_strdup(codec);
}

void
pbx_channel_set_var(PbxChannel *chan, const char *name, const char *value)
{
    g_return_if_fail(chan != NULL && name != NULL);
    if (value)
        g_hash_table_insert(chan->vars, g_strdup(name), g_strdup(value));
    else
        g_hash_table_remove(chan->vars, name);
}

const char *
pbx_channel_get_var(const PbxChannel *chan, const char *name)
{
    return g_hash_table_lookup(chan->vars, name);
}

GHashTable *
pbx_channel_get_vars(const PbxChannel *chan)
{
    return chan->vars;
}

void
pbx_channel_set_request_header(PbxChannel *chan, const char *name,
                               const char *value)
{
    g_return_if_fail(chan != NULL && name != NULL);
    ci_table_set(chan->request_headers, name, value);
}

GHashTable *
pbx_channel_get_request_headers(const PbxChannel *chan)
{
    return chan->request_headers;
}

void
pbx_channel_set_header(PbxChannel *chan, const char *name, const char *value)
{
    g_return_if_fail(chan != NULL && name != NULL);
    ci_table_set(chan->headers, name, value);
}

GHashTable *
pbx_channel_get_headers(const PbxChannel *chan)
{
    return chan->headers;
}

void
pbx_channel_set_rtp_stats(PbxChannel *chan, const PbxRtpStats *stats)
{
    chan->rtp = *stats;
}

const PbxRtpStats *
pbx_channel_get_rtp_stats(const PbxChannel *chan)
{
    return &chan->rtp;
}

gpointer
pbx_channel_get_tech_pvt(const PbxChannel *chan)
{
    return chan->tech_pvt;
}

void
pbx_channel_set_tech_pvt(PbxChannel *chan, gpointer pvt)
{
    chan->tech_pvt = pvt;
}

const PbxChannelTech *
pbx_channel_get_tech(const PbxChannel *chan)
{
    return chan->tech;
}

gpointer
pbx_channel_get_dialplan_data(const PbxChannel *chan)
{
    return chan->dialplan_data;
}

void
pbx_channel_set_dialplan_data(PbxChannel *chan, gpointer data)
{
    chan->dialplan_data = data;
}

const char *
pbx_channel_get_linked_id(const PbxChannel *chan)
{
    return chan->linked_id ? chan->linked_id : chan->id;
}

void
pbx_channel_set_linked_id(PbxChannel *chan, const char *linked_id)
{
    char *old = chan->linked_id;

    PBX_ASSERT_MAIN_CONTEXT();
    chan->linked_id = g_strdup(linked_id);      /* linked_id may be old */
    g_free(old);
}

PbxChannel *
pbx_channel_get_replaces(const PbxChannel *chan)
{
    return chan->replaces;
}

void
pbx_channel_set_replaces(PbxChannel *chan, PbxChannel *replaced)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (replaced)
        pbx_channel_ref(replaced);
    if (chan->replaces)
        pbx_channel_unref(chan->replaces);
    chan->replaces = replaced;
}
