/* Carillon res_registrar - the location service: bindings per address of
 * record, their expiry, events, persistence and the lookup API. */
#include <string.h>

#include "registrar.h"

gint64
reg_now(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

RegBinding *
reg_binding_new(void)
{
    RegBinding *b = g_new0(RegBinding, 1);
    b->q = -1;
    b->reg_id = -1;
    b->rtt_us = -1;
    return b;
}

void
reg_binding_free(RegBinding *b)
{
    if (!b)
        return;
    qualify_stop(b);
    pbx_timer_stop(&b->expiry_timer);
    g_free(b->aor);
    g_free(b->uri);
    g_free(b->call_id);
    g_free(b->instance);
    g_free(b->user_agent);
    g_free(b->source_ip);
    g_free(b);
}

void
reg_contact_free(RegContact *c)
{
    if (!c)
        return;
    g_free(c->aor);
    g_free(c->uri);
    g_free(c->transport);
    g_free(c->host);
    g_free(c);
}

/* Called per registration: no printf. */
static void
publish(const char *type, const RegBinding *b)
{
    PbxEvent *ev = pbx_event_new(type);
    char source[80], port[24];

    pbx_event_set(ev, "aor", b->aor);
    pbx_event_set(ev, "contact", b->uri);
    g_strlcpy(source, sip_transport_to_string(b->transport), sizeof(source));
    g_strlcat(source, ":", sizeof(source));
    g_strlcat(source, b->source_ip, sizeof(source));
    g_strlcat(source, ":", sizeof(source));
    sip_format_uint(port, b->source_port);
    g_strlcat(source, port, sizeof(source));
    pbx_event_set(ev, "source", source);
    pbx_event_publish(ev);
}

void
location_init(void)
{
    registrar.aors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
    registrar.timers = pbx_timers_new("registrar-timers");
    registrar.scratch = g_string_sized_new(512);
}

void
location_shutdown(void)
{
    g_clear_pointer(&registrar.aors, g_hash_table_unref);
    g_clear_pointer(&registrar.timers, pbx_timers_free);
    if (registrar.scratch) {
        g_string_free(registrar.scratch, TRUE);
        registrar.scratch = NULL;
    }
}

GPtrArray *
location_get(const char *aor)
{
    return g_hash_table_lookup(registrar.aors, aor);
}

static void arm_expiry(RegBinding *b);

/* The timer is armed for the expiry known when it was set; a refresh only
 * moves b->expires, and the timer re-arms itself when it finds the binding
 * still has time left (no heap update per refresh). */
static void
binding_expired(PbxTimer *t, gpointer data)
{
    RegBinding *b = data;

    if (b->expires > reg_now()) {
        arm_expiry(b);
        return;
    }
    pbx_info(registrar.log, "%s: contact %s expired", b->aor, b->uri);
    location_remove(b, "registrar/expired");
}

/* One timer set for all bindings (carillon/timer.h), not a GSource each.
 * Re-armed only when the expiry moved earlier than the armed deadline. */
static void
arm_expiry(RegBinding *b)
{
    gint64 left = CLAMP(b->expires - reg_now(), 0, G_MAXUINT / 1000);
    gint64 due = pbx_timers_now(registrar.timers) + left * G_USEC_PER_SEC;

    if (pbx_timer_armed(&b->expiry_timer) && b->expiry_timer.deadline <= due)
        return;
    pbx_timer_start(&b->expiry_timer, (guint) left * 1000);
}

void
location_add(RegBinding *b, gboolean restored)
{
    GPtrArray *list = location_get(b->aor);

    if (!list) {
        list = g_ptr_array_new_with_free_func((GDestroyNotify) reg_binding_free);
        g_hash_table_insert(registrar.aors, g_strdup(b->aor), list);
    }
    g_ptr_array_add(list, b);
    pbx_timer_init(&b->expiry_timer, registrar.timers, binding_expired, b);
    pbx_timer_init(&b->qualify_timer, registrar.timers, qualify_tick, b);
    arm_expiry(b);
    if (!restored)
        reg_store_save(registrar.store, b, TRUE);
    publish(restored ? "registrar/restored" : "registrar/registered", b);
    qualify_start(b);
}

void
location_updated(RegBinding *b, gboolean changed)
{
    arm_expiry(b);
    reg_store_save(registrar.store, b, changed);
    publish("registrar/refreshed", b);
}

void
location_remove(RegBinding *b, const char *event)
{
    GPtrArray *list = location_get(b->aor);
    g_autofree char *aor = g_strdup(b->aor);

    publish(event, b);
    reg_store_delete(registrar.store, b);
    if (list) {
        g_ptr_array_remove(list, b);   /* frees b */
        if (list->len == 0)
            g_hash_table_remove(registrar.aors, aor);
    }
}

void
location_remove_aor(const char *aor, const char *event)
{
    GPtrArray *list;

    while ((list = location_get(aor)) && list->len > 0)
        location_remove(list->pdata[list->len - 1], event);
}

void
location_set_status(RegBinding *b, RegStatus status, gint64 rtt_us)
{
    RegStatus old = b->status;
    PbxEvent *ev;

    b->rtt_us = rtt_us;
    b->status = status;
    if (old == status)
        return;
    ev = pbx_event_new(status == REG_STATUS_REACHABLE ? "registrar/reachable"
                                                      : "registrar/unreachable");
    pbx_event_set(ev, "aor", b->aor);
    pbx_event_set(ev, "contact", b->uri);
    if (rtt_us >= 0)
        pbx_event_setf(ev, "rtt_ms", "%.1f", rtt_us / 1000.0);
    pbx_event_publish(ev);
    pbx_notice(registrar.log, "%s: contact %s is now %s", b->aor, b->uri,
               registrar_api.status_to_string(status));
}

/* ---------------------------------------------------------------- API */

static gint
by_q(gconstpointer a, gconstpointer b)
{
    const RegContact *x = *(RegContact *const *) a, *y = *(RegContact *const *) b;
    gint qx = x->q < 0 ? 1000 : x->q, qy = y->q < 0 ? 1000 : y->q;
    return qy - qx;
}

static RegContact *
contact_from_binding(const RegBinding *b)
{
    RegContact *c = g_new0(RegContact, 1);
    SipUri uri;

    c->aor = g_strdup(b->aor);
    c->uri = g_strdup(b->uri);
    c->q = b->q;
    c->expires_in = MAX(b->expires - reg_now(), 0);
    c->status = b->status;
    c->rtt_us = b->rtt_us;
    if (b->behind_nat || !sip_uri_parse(sip_slice_from_str(b->uri), &uri) ||
        uri.host_type == SIP_HOST_NAME || uri.host_type == SIP_HOST_NONE) {
        c->transport = g_strdup(sip_transport_to_string(b->transport));
        c->host = g_strdup(b->source_ip);
        c->port = b->source_port;
        return c;
    }
    c->transport = sip_slice_present(uri.transport) &&
                           sip_slice_case_eq(uri.transport, "tcp")
                       ? g_strdup("tcp") : g_strdup("udp");
    if (uri.host_type == SIP_HOST_IPV6)
        c->host = g_strndup(uri.host.p + 1, uri.host.len - 2);
    else
        c->host = g_strndup(uri.host.p, uri.host.len);
    c->port = uri.has_port ? uri.port : 5060;
    return c;
}

static GPtrArray *
api_lookup(const char *aor)
{
    GPtrArray *out, *list;

    PBX_ASSERT_MAIN_CONTEXT();
    out = g_ptr_array_new_with_free_func((GDestroyNotify) reg_contact_free);
    list = location_get(aor);
    for (guint i = 0; list && i < list->len; i++)
        g_ptr_array_add(out, contact_from_binding(list->pdata[i]));
    g_ptr_array_sort(out, by_q);
    return out;
}

static guint
api_count(const char *aor)
{
    GPtrArray *list;

    PBX_ASSERT_MAIN_CONTEXT();
    list = location_get(aor);
    return list ? list->len : 0;
}

static const char *
status_to_string(RegStatus status)
{
    PBX_ASSERT_MAIN_CONTEXT();
    switch (status) {
    case REG_STATUS_REACHABLE:
        return "reachable";
    case REG_STATUS_UNREACHABLE:
        return "unreachable";
    default:
        return "unknown";
    }
}

const RegistrarApi registrar_api = {
    .version = REGISTRAR_API_VERSION,
    .lookup = api_lookup,
    .count = api_count,
    .status_to_string = status_to_string,
};
