/* Carillon - chan_sip: the toll-fraud guard of trunk calls (see
 * sip_trunk.h).
 *
 * A call reaches a trunk only when all of these hold:
 *   - the caller did not come in through a trunk (a call from outside
 *     never goes back out: no unauthenticated caller reaches a trunk;
 *     every other inbound SIP call was digest-authenticated or anonymous,
 *     and an anonymous caller never reaches a trunk either);
 *   - the caller's context is in the trunk's `outbound_contexts` (none
 *     by default: a trunk nobody marked cannot be used);
 *   - the trunk has fewer than `max_calls` calls out;
 *   - the calling phone has fewer than its `max_trunk_calls` calls out;
 *   - a number starting with one of the trunk's international prefixes
 *     is within the phone's `international_per_hour` (a sliding hour).
 * Counters are per name and live on the main context.
 */
#include <string.h>

#include "sip_trunk.h"

#define HOUR_US (G_USEC_PER_SEC * (gint64) 3600)

static GHashTable *trunk_calls;         /* trunk name -> count */
static GHashTable *phone_calls;         /* endpoint name -> count */
static GHashTable *international;       /* endpoint name -> GQueue of gint64 (monotonic us) */

static void
queue_free(gpointer q)
{
    g_queue_free_full(q, g_free);
}

static void
ensure_tables(void)
{
    if (trunk_calls)
        return;
    trunk_calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    phone_calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    international = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, queue_free);
}

static guint
count_of(GHashTable *t, const char *name)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(t, name));
}

static void
count_add(GHashTable *t, const char *name, int delta)
{
    guint n = count_of(t, name) + delta;

    if (n == 0)
        g_hash_table_remove(t, name);
    else
        g_hash_table_insert(t, g_strdup(name), GUINT_TO_POINTER(n));
}

static gboolean
refuse(GError **error, const SipTrunkLeg *leg, const char *why)
{
    pbx_notice(pbx_log_domain("security"), "call to %s through trunk %s refused: %s",
               leg->number, leg->trunk->name, why);
    g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_BARRED,
                "trunk %s: %s", leg->trunk->name, why);
    return FALSE;
}

static gboolean
is_international(const SipTrunk *t, const char *number)
{
    for (guint i = 0; t->international_prefixes && t->international_prefixes[i]; i++)
        if (*t->international_prefixes[i] &&
            g_str_has_prefix(number, t->international_prefixes[i]))
            return TRUE;
    return FALSE;
}

/* TRUE when the phone may place one more international call this hour
 * (and records it). */
static gboolean
international_allowed(const SipEndpoint *phone)
{
    GQueue *q = g_hash_table_lookup(international, phone->name);
    gint64 now = g_get_monotonic_time(), *at;

    if (!q) {
        q = g_queue_new();
        g_hash_table_insert(international, g_strdup(phone->name), q);
    }
    while (!g_queue_is_empty(q) && *(gint64 *) g_queue_peek_head(q) <= now - HOUR_US)
        g_free(g_queue_pop_head(q));
    if (g_queue_get_length(q) >= phone->international_per_hour)
        return FALSE;
    at = g_new(gint64, 1);
    *at = now;
    g_queue_push_tail(q, at);
    return TRUE;
}

/* The SIP endpoint the requester came in from, NULL for another tech. */
static const SipEndpoint *
caller_endpoint(PbxChannel *requester, gboolean *unauthenticated)
{
    SipCall *in;

    *unauthenticated = FALSE;
    if (pbx_channel_get_tech(requester) != &sip_channel_tech)
        return NULL;
    in = pbx_channel_get_tech_pvt(requester);
    *unauthenticated = !in || !in->endpoint || in->endpoint->trunk
                       || in->endpoint->anonymous_extensions;
    return in ? in->endpoint : NULL;
}

static gboolean
check_phone(SipTrunkLeg *leg, const SipEndpoint *phone, GError **error)
{
    const SipTrunk *t = leg->trunk->trunk;

    if (count_of(phone_calls, phone->name) >= phone->max_trunk_calls)
        return refuse(error, leg, "the caller's max_trunk_calls reached");
    if (is_international(t, leg->number) && !international_allowed(phone))
        return refuse(error, leg, "the caller's international_per_hour reached");
    return TRUE;
}

gboolean
sip_trunk_guard_admit(SipTrunkLeg *leg, PbxChannel *requester, GError **error)
{
    const SipTrunk *t = leg->trunk->trunk;
    const SipEndpoint *phone = NULL;
    gboolean unauthenticated = FALSE;

    ensure_tables();
    if (requester) {
        const char *context = pbx_channel_get_context(requester);
        phone = caller_endpoint(requester, &unauthenticated);
        if (unauthenticated)
            return refuse(error, leg, "the caller came in from a trunk or unauthenticated");
        if (!context || !g_strv_contains((const char *const *) t->outbound_contexts, context))
            return refuse(error, leg, "the caller's context may not use the trunk "
                                      "(outbound_contexts)");
    }
    if (count_of(trunk_calls, leg->trunk->name) >= t->max_calls)
        return refuse(error, leg, "max_calls reached");
    if (phone && !check_phone(leg, phone, error))
        return FALSE;
    count_add(trunk_calls, leg->trunk->name, 1);
    if (phone) {
        leg->guard_endpoint = g_strdup(phone->name);
        count_add(phone_calls, phone->name, 1);
    }
    leg->counted = TRUE;
    return TRUE;
}

void
sip_trunk_guard_release(SipTrunkLeg *leg)
{
    if (!leg->counted || !trunk_calls)
        return;
    leg->counted = FALSE;
    count_add(trunk_calls, leg->trunk->name, -1);
    if (leg->guard_endpoint)
        count_add(phone_calls, leg->guard_endpoint, -1);
}

void
sip_trunk_guard_clear(void)
{
    g_clear_pointer(&trunk_calls, g_hash_table_unref);
    g_clear_pointer(&phone_calls, g_hash_table_unref);
    g_clear_pointer(&international, g_hash_table_unref);
}
