/* Carillon - bridges between two channels. */
#include "bridge_private.h"


/* Live bridges, newest first, each a reference, linked through their
 * own `link` (O(1) removal); and channel -> its newest live bridge, so
 * that the CDR of every channel does not walk all bridges. */
static GQueue bridges = G_QUEUE_INIT;
static GHashTable *by_channel;
static guint overlapping;       /* live bridges with `overlaps` set */
static guint64 bridge_seq;

PbxBridge *
pbx_bridge_ref(PbxBridge *bridge)
{
    g_return_val_if_fail(bridge != NULL, NULL);
    bridge->refs++;
    return bridge;
}

void
pbx_bridge_unref(PbxBridge *bridge)
{
    if (!bridge || --bridge->refs > 0)
        return;
    pbx_channel_unref(bridge->leg[0]);
    pbx_channel_unref(bridge->leg[1]);
    g_free(bridge->id);
    g_free(bridge);
}

static void
publish(const PbxBridge *br, const char *type, PbxChannel *gone, PbxCause cause)
{
    PbxEvent *ev = pbx_event_new(type);

    pbx_event_set(ev, "id", br->id);
    pbx_event_set(ev, "a", pbx_channel_get_id(br->leg[0]));
    pbx_event_set(ev, "b", pbx_channel_get_id(br->leg[1]));
    if (br->ended) {
        pbx_event_set(ev, "cause", pbx_cause_to_string(cause));
        pbx_event_set(ev, "gone", !gone ? "none" : gone == br->leg[0] ? "a" : "b");
    }
    pbx_event_publish(ev);
}

/* A channel in two live bridges at once maps to the newer; when that one
 * ends, the older is looked for, which takes a walk only while such
 * overlapping bridges exist (normally a bridge ends before its channels
 * are bridged again). */
static void
forget_channel(PbxBridge *br, PbxChannel *chan)
{
    if (g_hash_table_lookup(by_channel, chan) != br)
        return;
    g_hash_table_remove(by_channel, chan);
    for (GList *l = overlapping ? bridges.head : NULL; l; l = l->next) {
        if (pbx_bridge_get_peer(l->data, chan)) {
            g_hash_table_insert(by_channel, chan, l->data);
            return;
        }
    }
}

/* Ends the bridge once: stop watching, disconnect media, hang up the
 * peer of `gone` when asked to, tell the owner, publish, drop the list's
 * reference. */
static void
end_bridge(PbxBridge *br, PbxChannel *gone, PbxCause cause)
{
    const PbxChannelTech *tech;

    if (br->ended)
        return;
    br->ended = TRUE;
    pbx_bridge_ref(br);
    for (int i = 0; i < 2; i++)
        pbx_channel_unwatch(br->leg[i], br->watch[i]);
    pbx_bridge_hold_end(br);
    tech = pbx_channel_get_tech(br->leg[0]);
    if (br->media && tech->unbridge_media)
        tech->unbridge_media(br->leg[0], br->leg[1]);
    if (gone) {
        int i = gone == br->leg[0] ? 0 : 1;
        if (br->hangup_peer[i])
            pbx_channel_hangup(br->leg[1 - i], cause);
    }
    publish(br, "bridge/destroyed", gone, cause);
    if (br->end_fn)
        br->end_fn(br, gone, cause, br->end_data);
    g_queue_unlink(&bridges, &br->link);
    if (br->overlaps)
        overlapping--;
    for (int i = 0; i < 2; i++)
        forget_channel(br, br->leg[i]);
    pbx_bridge_unref(br);
    pbx_bridge_unref(br);
}

/* A digit nobody swallowed goes on to the other leg, in its own form. */
static void
forward_dtmf(PbxBridge *br, PbxChannel *from)
{
    const PbxDtmf *d = pbx_channel_get_dtmf(from);
    PbxChannel *to = br->leg[from == br->leg[0] ? 1 : 0];
    g_autoptr(GError) error = NULL;

    if (d && !pbx_channel_send_dtmf(to, d->digit, d->duration_ms, &error))
        pbx_debug(pbx_log_domain("channel"), "DTMF %c from %s not passed on: %s", d->digit,
                  pbx_channel_get_name(from), error->message);
}

static void
leg_changed(PbxChannel *chan, PbxChannelEventKind kind, const char *detail,
            gpointer data)
{
    if (kind == PBX_CHANNEL_EVENT_HANGUP)
        end_bridge(data, chan, pbx_channel_get_hangup_cause(chan));
    else if (kind == PBX_CHANNEL_EVENT_DTMF && !((PbxBridge *) data)->ended)
        forward_dtmf(data, chan);
}

gboolean
pbx_bridge_connect_media(PbxBridge *br, GError **error)
{
    const PbxChannelTech *ta = pbx_channel_get_tech(br->leg[0]);
    const PbxChannelTech *tb = pbx_channel_get_tech(br->leg[1]);

    if (!ta->bridge_media)
        return TRUE;
    if (ta != tb) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "cannot bridge media between %s and %s channels",
                    ta->name, tb->name);
        return FALSE;
    }
    if (!ta->bridge_media(br->leg[0], br->leg[1], error))
        return FALSE;
    br->media = TRUE;
    return TRUE;
}

PbxBridge *
pbx_bridge_new(PbxChannel *a, PbxChannel *b, GError **error)
{
    PbxBridge *br;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(a != NULL && b != NULL && a != b, NULL);
    if (pbx_channel_get_state(a) == PBX_CHANNEL_HANGUP ||
        pbx_channel_get_state(b) == PBX_CHANNEL_HANGUP) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_STATE,
                    "cannot bridge a hung up channel");
        return NULL;
    }
    br = g_new0(PbxBridge, 1);
    br->refs = 1;
    br->id = g_strdup_printf("bridge-%" G_GUINT64_FORMAT, ++bridge_seq);
    br->leg[0] = pbx_channel_ref(a);
    br->leg[1] = pbx_channel_ref(b);
    br->hangup_peer[0] = br->hangup_peer[1] = TRUE;
    br->created = g_get_real_time();
    if (!pbx_bridge_connect_media(br, error)) {
        pbx_bridge_unref(br);
        return NULL;
    }
    for (int i = 0; i < 2; i++)
        br->watch[i] = pbx_channel_watch(br->leg[i], leg_changed, br);
    br->link.data = br;
    g_queue_push_head_link(&bridges, &br->link);
    if (!by_channel)
        by_channel = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (int i = 0; i < 2; i++) {
        if (g_hash_table_lookup(by_channel, br->leg[i]))
            br->overlaps = TRUE;
        g_hash_table_insert(by_channel, br->leg[i], br);
    }
    if (br->overlaps)
        overlapping++;
    publish(br, "bridge/created", NULL, PBX_CAUSE_NONE);
    return br;
}

void
pbx_bridge_set_end_func(PbxBridge *bridge, PbxBridgeEndFunc fn, gpointer data)
{
    bridge->end_fn = fn;
    bridge->end_data = data;
}

void
pbx_bridge_set_hangup_peer(PbxBridge *bridge, PbxChannel *chan,
                           gboolean hangup_peer)
{
    for (int i = 0; i < 2; i++) {
        if (bridge->leg[i] == chan)
            bridge->hangup_peer[i] = hangup_peer;
    }
}

void
pbx_bridge_destroy(PbxBridge *bridge)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(bridge != NULL);
    end_bridge(bridge, NULL, PBX_CAUSE_NONE);
}

gboolean
pbx_bridge_has_media(const PbxBridge *bridge)
{
    return bridge->media && !bridge->ended;
}

const char *
pbx_bridge_get_id(const PbxBridge *bridge)
{
    return bridge->id;
}

PbxChannel *
pbx_bridge_get_a(const PbxBridge *bridge)
{
    return bridge->leg[0];
}

PbxChannel *
pbx_bridge_get_b(const PbxBridge *bridge)
{
    return bridge->leg[1];
}

PbxChannel *
pbx_bridge_get_peer(const PbxBridge *bridge, const PbxChannel *chan)
{
    if (bridge->leg[0] == chan)
        return bridge->leg[1];
    if (bridge->leg[1] == chan)
        return bridge->leg[0];
    return NULL;
}

GPtrArray *
pbx_bridge_list(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) pbx_bridge_unref);

    for (GList *l = bridges.tail; l; l = l->prev)   /* oldest first */
        g_ptr_array_add(out, pbx_bridge_ref(l->data));
    return out;
}

PbxBridge *
pbx_bridge_find_by_channel(const PbxChannel *chan)
{
    return by_channel ? g_hash_table_lookup(by_channel, chan) : NULL;
}
