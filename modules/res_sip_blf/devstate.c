/* Carillon res_sip_blf - what an endpoint is doing, from the core's
 * channel events.
 *
 * A SIP channel's name is "SIP/<peer>-<seq>": the endpoint that placed
 * an inbound channel, or the one an outbound channel rings.  Each
 * channel of a known endpoint is one call of that endpoint, in the RFC
 * 4235 state its phone would report; a change tells the pubsub module,
 * which NOTIFYs the watchers of both packages.
 */
#include <string.h>

#include <carillon/parking.h>

#include "blf.h"

static void
call_free(BlfCall *c)
{
    g_free(c->id);
    g_free(c->state);
    g_free(c->remote);
    g_free(c);
}

void
devstate_init(void)
{
    blf.calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
    blf.channels = g_hash_table_new(g_str_hash, g_str_equal);     /* keys: the calls' ids */
}

void
devstate_shutdown(void)
{
    g_clear_pointer(&blf.channels, g_hash_table_unref);
    g_clear_pointer(&blf.calls, g_hash_table_unref);
}

const GPtrArray *
devstate_calls(const char *endpoint)
{
    return blf.calls ? g_hash_table_lookup(blf.calls, endpoint) : NULL;
}

/* The endpoint of a SIP channel name, or NULL (a new string). */
static char *
endpoint_of(const char *name)
{
    const char *dash;

    if (!name || !g_str_has_prefix(name, "SIP/"))
        return NULL;
    dash = strrchr(name + 4, '-');
    if (!dash || dash == name + 4)
        return NULL;
    return g_strndup(name + 4, (gsize) (dash - name - 4));
}

/* RFC 4235 3.7.1 from the channel state (pbx_channel_state_to_string),
 * "" for an ended call. */
static const char *
dialog_state(const char *state)
{
    if (!state || g_ascii_strcasecmp(state, "HANGUP") == 0)
        return "";
    if (g_ascii_strcasecmp(state, "UP") == 0)
        return "confirmed";
    if (g_ascii_strcasecmp(state, "RINGING") == 0 || g_ascii_strcasecmp(state, "PROGRESS") == 0
        || g_ascii_strcasecmp(state, "RING") == 0)
        return "early";
    return "trying";
}

/* FALSE when the call already was in that state. */
static gboolean
set_state(BlfCall *c, const char *state)
{
    if (g_str_equal(c->state, state))
        return FALSE;
    g_free(c->state);
    c->state = g_strdup(state);
    return TRUE;
}

static void
changed(const char *endpoint)
{
    blf.pubsub->resource_changed("dialog", endpoint);
    blf.pubsub->resource_changed("presence", endpoint);
}

BlfCall *
devstate_add(const char *resource, const char *id, const char *state, gboolean initiator,
             const char *remote)
{
    GPtrArray *list = g_hash_table_lookup(blf.calls, resource);
    BlfCall *c = g_new0(BlfCall, 1);

    if (!list) {
        list = g_ptr_array_new_with_free_func((GDestroyNotify) call_free);
        g_hash_table_insert(blf.calls, g_strdup(resource), list);
    }
    c->id = g_strdup(id);
    c->state = g_strdup(state);
    c->initiator = initiator;
    c->remote = g_strdup(remote);
    g_ptr_array_add(list, c);
    g_hash_table_insert(blf.channels, c->id, c);
    return c;
}

static void
add_call(const char *endpoint, const PbxEvent *ev, const char *state)
{
    gboolean inbound = g_strcmp0(pbx_event_get(ev, "direction"), "inbound") == 0;

    /* the PBX's inbound leg is the phone's call */
    devstate_add(endpoint, pbx_event_get(ev, "id"), state, inbound,
                 inbound ? pbx_event_get(ev, "callee") : pbx_event_get(ev, "caller"));
}

/* The channel's call goes (a pointer search in its endpoint's list: no
 * string compares). */
void
devstate_drop(const char *endpoint, BlfCall *c)
{
    GPtrArray *list = g_hash_table_lookup(blf.calls, endpoint);

    g_hash_table_remove(blf.channels, c->id);
    g_ptr_array_remove(list, c);
    if (list->len == 0)
        g_hash_table_remove(blf.calls, endpoint);
}

/* channel/new, channel/state, channel/hangup of any channel. */
void
devstate_on_channel(const PbxEvent *ev, gpointer data)
{
    const char *id = pbx_event_get(ev, "id");
    const char *state = dialog_state(pbx_event_get(ev, "state"));
    g_autofree char *endpoint = endpoint_of(pbx_event_get(ev, "name"));
    BlfCall *c;

    if (!id || !endpoint || !blf.sip->endpoint_lookup(endpoint))
        return;
    c = g_hash_table_lookup(blf.channels, id);
    if (!c && !*state)
        return;
    if (!c)
        add_call(endpoint, ev, state);
    else if (!*state)
        devstate_drop(endpoint, c);
    else if (!set_state(c, state))
        return;
    changed(endpoint);
}

gboolean
blf_subscribe(const char *resource, const SipEndpoint *subscriber, guint *code, gpointer data)
{
    if (blf.sip->endpoint_lookup(resource) || pbx_parking_is_slot(resource))
        return TRUE;
    *code = 404;
    return FALSE;
}

void
blf_xml_escape(GString *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '&': g_string_append(out, "&amp;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&apos;"); break;
        default: g_string_append_c(out, *s); break;
        }
    }
}
