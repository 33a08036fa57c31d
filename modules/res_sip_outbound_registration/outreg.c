/* Carillon res_sip_outbound_registration - one trunk's registration
 * (see outreg.h). */
#include <string.h>

#include "outreg.h"

#define MAX_REDIRECTS 5

static const char *const state_names[] = {
    "Unregistered", "Registering", "Registered", "Failed", "Rejected",
};

const char *
outreg_state_name(OutregState state)
{
    return state_names[state];
}

Outreg *
outreg_ref(Outreg *reg)
{
    reg->refs++;
    return reg;
}

void
outreg_unref(gpointer data)
{
    Outreg *reg = data;

    if (--reg->refs > 0)
        return;
    outreg.sip->endpoint_unref(reg->trunk);
    g_free(reg->host);
    g_free(reg->call_id);
    g_free(reg->auth);
    g_free(reg->ruri);
    g_free(reg->contact);
    g_free(reg->challenge);
    g_array_unref(reg->addrs);
    g_free(reg);
}

guint
outreg_remaining(const Outreg *reg)
{
    gint64 left = reg->expires_at - pbx_timers_now(outreg.timers);

    return reg->expires_at && left > 0 ? (guint) (left / G_USEC_PER_SEC) : 0;
}

void
outreg_set_state(Outreg *reg, OutregState state)
{
    PbxEvent *ev;

    if (reg->state == state)
        return;
    reg->state = state;
    ev = pbx_event_new("sip/outbound-registration");
    pbx_event_set(ev, "trunk", reg->trunk->name);
    pbx_event_set(ev, "state", outreg_state_name(state));
    pbx_event_setf(ev, "code", "%u", reg->last_code);
    pbx_event_setf(ev, "expires", "%u", state == OUTREG_REGISTERED ? reg->granted : 0);
    pbx_event_publish(ev);
    pbx_info(outreg.log, "trunk %s: %s (%u)", reg->trunk->name, outreg_state_name(state),
             reg->last_code);
}

static const char *
domain_of(const Outreg *reg)
{
    const SipTrunk *t = reg->trunk->trunk;

    return t->from_domain ? t->from_domain : t->hosts[0];
}

/* Back to the trunk's own host (after a failure or a redirect chain). */
static void
aim_at_host(Outreg *reg)
{
    const SipTrunk *t = reg->trunk->trunk;

    g_free(reg->host);
    reg->host = g_strdup(t->hosts[reg->host_index]);
    reg->port = t->port;
    reg->redirects = 0;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */
/* ------------------------------------------------------------------ */

static void on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data);
static void fail(Outreg *reg, OutregState state);

static void
build_register(Outreg *reg, const char *local_ip, guint16 local_port, GString *out)
{
    const SipTrunk *t = reg->trunk->trunk;
    const char *ua = outreg.sip->settings()->user_agent;
    gboolean v6 = strchr(local_ip, ':') != NULL;

    g_free(reg->contact);
    reg->contact = g_strdup_printf("sip:%s@%s%s%s:%u%s", t->contact_user, v6 ? "[" : "",
                                   local_ip, v6 ? "]" : "", local_port,
                                   t->transport == SIP_TRANSPORT_TCP ? ";transport=tcp" : "");
    g_string_append_printf(out, "REGISTER %s SIP/2.0\r\nMax-Forwards: 70\r\n", reg->ruri);
    g_string_append_printf(out, "From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\n",
                           t->username, domain_of(reg), reg->tag, t->username, domain_of(reg));
    g_string_append_printf(out, "Call-ID: %s\r\nCSeq: %u REGISTER\r\n", reg->call_id,
                           ++reg->cseq);
    g_string_append_printf(out, "Contact: <%s>\r\nExpires: %u\r\n", reg->contact,
                           reg->expires);
    if (ua && *ua)
        g_string_append_printf(out, "User-Agent: %s\r\n", ua);
    if (reg->auth)
        g_string_append(out, reg->auth);
    g_string_append(out, "Content-Length: 0\r\n\r\n");
}

static void
send_to(Outreg *reg, const SipAddr *addr)
{
    const SipTrunk *t = reg->trunk->trunk;
    char ip[SIP_ADDR_STRLEN], local[SIP_ADDR_STRLEN];
    guint16 local_port = 0;
    SipTarget target = { .transport = t->transport, .host = ip, .port = sip_addr_port(addr) };
    g_autoptr(GString) req = g_string_sized_new(800);
    g_autoptr(GError) error = NULL;

    sip_addr_ip_string(addr, ip, sizeof ip);
    if (!outreg.sip->local_address(t->transport, ip, local, sizeof local, &local_port)) {
        pbx_warning(outreg.log, "trunk %s: no transport reaches %s", reg->trunk->name, ip);
        fail(reg, OUTREG_FAILED);
        return;
    }
    build_register(reg, local, local_port, req);
    reg->auth_tried = reg->auth != NULL;
    g_clear_pointer(&reg->auth, g_free);
    reg->tx = outreg.sip->send_request(outreg.module, &target, req->str, req->len,
                                       on_response, outreg_ref(reg), outreg_unref, &error);
    if (!reg->tx) {
        outreg_unref(reg);
        pbx_warning(outreg.log, "trunk %s: REGISTER: %s", reg->trunk->name, error->message);
        fail(reg, OUTREG_FAILED);
    }
}

static void
resolved(const SipAddr *addrs, guint n, const char *error, gpointer data)
{
    Outreg *reg = data;

    reg->lookup_pending = FALSE;
    g_array_set_size(reg->addrs, 0);
    g_array_append_vals(reg->addrs, addrs, n);
    reg->addr_index = 0;
    if (!reg->gone && n) {
        send_to(reg, addrs);
    } else if (!reg->gone) {
        pbx_warning(outreg.log, "trunk %s: %s does not resolve: %s", reg->trunk->name,
                    reg->host, error);
        reg->last_code = 502;
        fail(reg, OUTREG_FAILED);
    }
    outreg_unref(reg);
}

/* The host's next address after one that did not answer; FALSE when
 * none is left. */
static gboolean
next_address(Outreg *reg)
{
    if (reg->addr_index + 1 >= reg->addrs->len)
        return FALSE;
    reg->addr_index++;
    pbx_notice(outreg.log, "trunk %s: REGISTER failed with %u, trying %s's next address",
               reg->trunk->name, reg->last_code, reg->host);
    send_to(reg, &g_array_index(reg->addrs, SipAddr, reg->addr_index));
    return TRUE;
}

/* Sends the next REGISTER of reg to reg->host (looked up first). */
static void
send_register(Outreg *reg)
{
    gboolean v6 = strchr(reg->host, ':') != NULL && reg->host[0] != '[';

    g_free(reg->ruri);
    reg->ruri = reg->port ? g_strdup_printf("sip:%s%s%s:%u", v6 ? "[" : "", reg->host,
                                            v6 ? "]" : "", reg->port)
                          : g_strdup_printf("sip:%s%s%s", v6 ? "[" : "", reg->host,
                                            v6 ? "]" : "");
    if (reg->trunk->trunk->from_domain && reg->redirects == 0) {
        g_free(reg->ruri);
        reg->ruri = g_strdup_printf("sip:%s", reg->trunk->trunk->from_domain);
    }
    reg->lookup_pending = TRUE;
    outreg.sip->resolve_all(outreg.module, reg->host, reg->port, reg->trunk->trunk->transport,
                            NULL, resolved, outreg_ref(reg));
}

void
outreg_start(Outreg *reg)
{
    pbx_timer_stop(&reg->timer);
    outreg_set_state(reg, OUTREG_REGISTERING);
    send_register(reg);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

static void
fail(Outreg *reg, OutregState state)
{
    const SipTrunk *t = reg->trunk->trunk;
    guint64 delay = t->register_retry;

    reg->failures++;
    for (guint i = 1; i < reg->failures && delay < t->register_retry_max; i++)
        delay *= 2;
    delay = MIN(delay, t->register_retry_max);
    if (state == OUTREG_FAILED && t->hosts[1])
        reg->host_index = t->hosts[reg->host_index + 1] ? reg->host_index + 1 : 0;
    aim_at_host(reg);
    outreg_set_state(reg, state);
    pbx_timer_start(&reg->timer, (guint) (delay * 1000));
}

/* What the registrar granted our Contact: its expires parameter, else
 * Expires, else what we asked for (RFC 3261 10.2.4). */
static guint
granted_of(const Outreg *reg, const SipMsg *resp)
{
    SipContact contacts[16];
    guint n = 0;
    guint32 v;
    const SipHeader *h;

    if (sip_parse_contact_list(resp, contacts, G_N_ELEMENTS(contacts), &n)) {
        for (guint i = 0; i < n; i++) {
            g_autofree char *uri = g_strndup(contacts[i].addr.uri.p, contacts[i].addr.uri.len);
            if (contacts[i].expires >= 0 && g_str_has_prefix(uri, reg->contact))
                return (guint) MIN(contacts[i].expires, G_MAXUINT32);
        }
    }
    h = sip_msg_get_header(resp, SIP_HDR_EXPIRES, 0);
    if (h && sip_parse_delta_seconds(h->value, &v))
        return v;
    return reg->expires;
}

static void
registered(Outreg *reg, const SipMsg *resp)
{
    guint granted = granted_of(reg, resp);
    guint64 refresh_ms;

    if (granted == 0) {             /* a registrar that removed us at once */
        reg->last_code = 0;
        fail(reg, OUTREG_FAILED);
        return;
    }
    reg->granted = granted;
    reg->failures = 0;
    reg->redirects = 0;
    reg->expires_at = pbx_timers_now(outreg.timers) + granted * G_USEC_PER_SEC;
    refresh_ms = granted >= 10 ? MIN(granted * 900ull, (granted - 5) * 1000ull)
                               : granted * 500ull;
    outreg_set_state(reg, OUTREG_REGISTERED);
    pbx_timer_start(&reg->timer, (guint) refresh_ms);
}

static gboolean
answer_challenge(Outreg *reg, const SipMsg *resp)
{
    const SipTrunk *t = reg->trunk->trunk;
    g_autoptr(GError) error = NULL;

    if (reg->auth_tried)
        return FALSE;           /* the credentials were refused */
    reg->auth = outreg.sip->digest_answer(resp, "REGISTER", reg->ruri, t->username,
                                          t->password, &error);
    if (!reg->auth) {
        pbx_warning(outreg.log, "trunk %s: %s", reg->trunk->name, error->message);
        return FALSE;
    }
    g_free(reg->challenge);
    reg->challenge = g_strdup(reg->auth);
    send_register(reg);
    return TRUE;
}

static gboolean
raise_expires(Outreg *reg, const SipMsg *resp)
{
    const SipHeader *h = sip_msg_get_header(resp, SIP_HDR_MIN_EXPIRES, 0);
    guint32 min;

    if (!h || !sip_parse_delta_seconds(h->value, &min) || min <= reg->expires || min > 86400)
        return FALSE;
    pbx_info(outreg.log, "trunk %s: 423, asking for %u s", reg->trunk->name, min);
    reg->expires = min;
    send_register(reg);
    return TRUE;
}

static gboolean
follow_redirect(Outreg *reg, const SipMsg *resp)
{
    SipContact c;
    guint n = 0;
    SipUri u;

    if (reg->redirects >= MAX_REDIRECTS || !sip_parse_contact_list(resp, &c, 1, &n) || n == 0 ||
        !sip_uri_parse(c.addr.uri, &u) || !sip_slice_present(u.host))
        return FALSE;
    reg->redirects++;
    g_free(reg->host);
    reg->host = g_strndup(u.host.p, u.host.len);
    reg->port = u.has_port ? u.port : 0;
    pbx_info(outreg.log, "trunk %s: redirected to %s", reg->trunk->name, reg->host);
    send_register(reg);
    return TRUE;
}

static gboolean
retry_now(Outreg *reg, const SipMsg *resp, guint code)
{
    if (!resp)
        return FALSE;
    if (code == 401 || code == 407)
        return answer_challenge(reg, resp);
    if (code == 423)
        return raise_expires(reg, resp);
    if (code >= 300 && code < 400)
        return follow_redirect(reg, resp);
    return FALSE;
}

static void
on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    Outreg *reg = data;

    if (reg->gone || code < 200)
        return;
    reg->tx = NULL;
    reg->last_code = code;
    if (code < 300) {
        registered(reg, resp);
        return;
    }
    if (retry_now(reg, resp, code))
        return;
    if ((code == 408 || code == 503) && !resp && next_address(reg))
        return;
    pbx_notice(outreg.log, "trunk %s: REGISTER to %s failed with %u", reg->trunk->name,
               reg->host, code);
    fail(reg, (code == 401 || code == 407 || code == 403) ? OUTREG_REJECTED : OUTREG_FAILED);
}

/* ------------------------------------------------------------------ */
/* Life                                                                */
/* ------------------------------------------------------------------ */

static void
timer_fired(PbxTimer *timer, gpointer data)
{
    Outreg *reg = data;

    if (outreg.stopping)
        return;                 /* stop.c removes the binding instead */
    if (reg->state == OUTREG_REGISTERED)
        send_register(reg);     /* a refresh: the state stays until it fails */
    else
        outreg_start(reg);
}

Outreg *
outreg_new(SipEndpoint *trunk)
{
    Outreg *reg = g_new0(Outreg, 1);
    char token[24];

    reg->refs = 1;
    reg->trunk = outreg.sip->endpoint_ref(trunk);
    reg->expires = trunk->trunk->register_expires;
    reg->addrs = g_array_new(FALSE, FALSE, sizeof(SipAddr));
    outreg.sip->random_token(token, sizeof token);
    reg->call_id = g_strdup_printf("%s@carillon", token);
    outreg.sip->random_token(reg->tag, sizeof reg->tag);
    aim_at_host(reg);
    pbx_timer_init(&reg->timer, outreg.timers, timer_fired, reg);
    pbx_timer_init(&reg->stop_timer, outreg.timers, outreg_stop_timer_fired, reg);
    return reg;
}

void
outreg_free(Outreg *reg)
{
    if (!reg)
        return;
    reg->gone = TRUE;
    pbx_timer_stop(&reg->timer);
    pbx_timer_stop(&reg->stop_timer);
    outreg_unref(reg);
}

static void
unregistered(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    /* nothing to do: the module is going away (and its callbacks with it) */
}

/* The REGISTER (reg->expires, reg->auth) for the address the binding
 * was made at; FALSE when there is none or no transport reaches it. */
gboolean
outreg_build_to_current(Outreg *reg, SipTarget *target, char *ip, GString *out)
{
    const SipTrunk *t = reg->trunk->trunk;
    const SipAddr *addr;
    char local[SIP_ADDR_STRLEN];
    guint16 local_port = 0;

    if (reg->addr_index >= reg->addrs->len)
        return FALSE;
    addr = &g_array_index(reg->addrs, SipAddr, reg->addr_index);
    sip_addr_ip_string(addr, ip, SIP_ADDR_STRLEN);
    if (!outreg.sip->local_address(t->transport, ip, local, sizeof local, &local_port))
        return FALSE;
    build_register(reg, local, local_port, out);
    *target = (SipTarget) { .transport = t->transport, .host = ip,
                            .port = sip_addr_port(addr) };
    return TRUE;
}

void
outreg_unregister(Outreg *reg)
{
    char ip[SIP_ADDR_STRLEN];
    SipTarget target;
    g_autoptr(GString) req = g_string_sized_new(800);
    g_autoptr(GError) error = NULL;

    if (reg->state != OUTREG_REGISTERED)
        return;
    reg->expires = 0;
    reg->auth = g_strdup(reg->challenge);
    if (!outreg_build_to_current(reg, &target, ip, req)) {
        g_clear_pointer(&reg->auth, g_free);
        return;
    }
    g_clear_pointer(&reg->auth, g_free);
    if (!outreg.sip->send_request(outreg.module, &target, req->str, req->len, unregistered,
                                  NULL, NULL, &error))
        pbx_warning(outreg.log, "trunk %s: unregister: %s", reg->trunk->name, error->message);
    else
        pbx_info(outreg.log, "trunk %s: unregistering (Expires: 0)", reg->trunk->name);
}
