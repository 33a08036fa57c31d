/* Carillon res_registrar - qualify: periodic OPTIONS to each contact.
 *
 * Every `qualify_frequency` seconds of its endpoint (0 = off) a contact
 * gets an OPTIONS, sent where calls would go (its source address when it
 * is behind NAT).  Any response means reachable, with the round-trip time;
 * no response within qualify_timeout ms (or a local 408/503) means
 * unreachable.  Status changes publish registrar/reachable and
 * registrar/unreachable.
 */
#include <string.h>

#include "registrar.h"

/* Lives as long as the client transaction; `b` is cleared when the
 * binding goes away first. */
typedef struct {
    RegBinding *b;
    PbxTimer timeout;
    gboolean answered;
} Probe;

static void send_probe(RegBinding *b);

static void
probe_destroy(gpointer data)
{
    Probe *p = data;

    pbx_timer_stop(&p->timeout);
    if (p->b)
        p->b->probe = NULL;
    g_free(p);
}

static void
on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    Probe *p = data;
    RegBinding *b = p->b;

    if (!b || code < 200 || p->answered)
        return;
    p->answered = TRUE;
    if (!resp)   /* locally generated 408 / 503 */
        location_set_status(b, REG_STATUS_UNREACHABLE, -1);
    else
        location_set_status(b, REG_STATUS_REACHABLE,
                            g_get_monotonic_time() - b->qualify_sent);
}

static void
probe_timed_out(PbxTimer *t, gpointer data)
{
    Probe *p = data;

    if (p->b && !p->answered)
        location_set_status(p->b, REG_STATUS_UNREACHABLE, -1);
}

static guint
frequency_of(const RegBinding *b)
{
    SipEndpoint *ep = registrar.sip->endpoint_lookup(b->aor);
    return ep ? ep->qualify_frequency : 0;
}

void
qualify_tick(PbxTimer *t, gpointer data)
{
    RegBinding *b = data;
    guint freq = frequency_of(b);

    if (!freq)
        return;
    send_probe(b);
    /* re-armed each time: the frequency may change with a reload */
    pbx_timer_start(&b->qualify_timer, freq * 1000);
}

static void
send_probe(RegBinding *b)
{
    g_autoptr(GPtrArray) contacts = NULL;
    g_autoptr(GString) req = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    char tag[17], callid[17];
    const char *ua = registrar.sip->settings()->user_agent;
    RegContact *target = NULL;
    SipTarget t;
    Probe *p;

    if (b->probe)
        return;   /* the previous probe is still out */
    contacts = registrar_api.lookup(b->aor);
    for (guint i = 0; i < contacts->len && !target; i++) {
        RegContact *c = contacts->pdata[i];
        if (strcmp(c->uri, b->uri) == 0)
            target = c;
    }
    if (!target)
        return;
    registrar.sip->random_token(tag, sizeof(tag));
    registrar.sip->random_token(callid, sizeof(callid));
    g_string_append_printf(req,
                           "OPTIONS %s SIP/2.0\r\n"
                           "Max-Forwards: 70\r\n"
                           "From: <sip:carillon@%s>;tag=%s\r\n"
                           "To: <%s>\r\n"
                           "Call-ID: %s-qualify\r\n"
                           "CSeq: 1 OPTIONS\r\n",
                           b->uri, registrar.sip->settings()->realm, tag, b->uri, callid);
    if (ua && *ua)
        g_string_append_printf(req, "User-Agent: %s\r\n", ua);
    g_string_append(req, "Content-Length: 0\r\n\r\n");
    t.transport = sip_transport_from_string(target->transport, strlen(target->transport));
    t.host = target->host;
    t.port = target->port;
    p = g_new0(Probe, 1);
    p->b = b;
    b->qualify_sent = g_get_monotonic_time();
    if (!registrar.sip->send_request(registrar.module, &t, req->str, req->len,
                                     on_response, p, probe_destroy, &error)) {
        pbx_warning(registrar.log, "qualify %s: %s", b->uri, error->message);
        g_free(p);
        location_set_status(b, REG_STATUS_UNREACHABLE, -1);
        return;
    }
    b->probe = p;
    pbx_timer_init(&p->timeout, registrar.timers, probe_timed_out, p);
    pbx_timer_start(&p->timeout, registrar.config.qualify_timeout);
}

void
qualify_start(RegBinding *b)
{
    if (pbx_timer_armed(&b->qualify_timer) || !frequency_of(b))
        return;
    /* first probe soon after registering, then every frequency seconds */
    pbx_timer_start(&b->qualify_timer, 1000);
}

/* Detaches the binding from its timer and any probe in flight. */
void
qualify_stop(RegBinding *b)
{
    pbx_timer_stop(&b->qualify_timer);
    if (b->probe) {
        /* The transaction runs on; its probe no longer points here. */
        ((Probe *) b->probe)->b = NULL;
        b->probe = NULL;
    }
}
