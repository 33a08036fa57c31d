/* app_voicemail - unsolicited MWI: endpoints with `mwi_unsolicited =
 * yes` (endpoints.conf) get a message-summary NOTIFY (RFC 3842 body)
 * outside any dialog, without subscribing, at each of their registered
 * contacts (res_registrar's location service): whenever the counts of
 * their box change, and when a contact registers (so a phone that just
 * booted lights at once).  Their box is the one `mailbox` names, else
 * the box of their own number (vm_mwi_box_of).
 *
 * The NOTIFY on registration is sent from an idle callback, after the
 * registrar's 200 OK has gone out.  A failed NOTIFY is logged; nothing
 * is retried (the next change or registration sends the state again).
 *
 * Thread affinity: main context (asserted).
 */
#include <string.h>

#include "vm.h"

static GQueue pending = G_QUEUE_INIT;    /* AOR names to NOTIFY on idle */
static guint pending_idle;

static void
on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    const char *aor = data;

    if (code >= 300)
        pbx_notice(vm.log, "unsolicited MWI NOTIFY to %s: %u", aor, code);
}

static GString *
notify_text(const SipEndpoint *ep, const VmBox *box, const RegContact *c, const char *body)
{
    GString *req = g_string_new(NULL);
    const char *realm = vm.sip->settings()->realm;
    g_autofree char *contact = vm.sip->contact_for(
        sip_transport_from_string(c->transport, strlen(c->transport)), c->host);
    char tag[17], callid[17];

    vm.sip->random_token(tag, sizeof(tag));
    vm.sip->random_token(callid, sizeof(callid));
    g_string_append_printf(req,
                           "NOTIFY %s SIP/2.0\r\nMax-Forwards: 70\r\n"
                           "From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\n"
                           "Call-ID: %s-mwi\r\nCSeq: 1 NOTIFY\r\nContact: %s\r\n"
                           "Event: message-summary\r\nSubscription-State: active\r\n"
                           "Content-Type: application/simple-message-summary\r\n"
                           "Content-Length: %zu\r\n\r\n%s",
                           c->uri, box->number, realm, tag, ep->name, realm, callid, contact,
                           strlen(body), body);
    return req;
}

static void
send_to_contact(const SipEndpoint *ep, const VmBox *box, const RegContact *c)
{
    g_autofree char *account = g_strdup_printf("sip:%s@%s", box->number,
                                               vm.sip->settings()->realm);
    g_autofree char *body = vm_mwi_summary(box, account);
    g_autoptr(GString) req = notify_text(ep, box, c, body);
    g_autoptr(GError) error = NULL;
    SipTarget t = {
        .transport = sip_transport_from_string(c->transport, strlen(c->transport)),
        .host = c->host,
        .port = c->port,
    };

    if (!vm.sip->send_request(vm.module, &t, req->str, req->len, on_response,
                              g_strdup(ep->name), g_free, &error))
        pbx_warning(vm.log, "unsolicited MWI NOTIFY to %s: %s", c->uri, error->message);
}

/* NOTIFYs every registered contact of ep, when it wants unsolicited MWI. */
static void
notify_endpoint(const SipEndpoint *ep)
{
    const VmBox *box = ep && ep->mwi_unsolicited ? vm_mwi_box_of(ep) : NULL;
    g_autoptr(GPtrArray) contacts = NULL;

    if (!box || !vm.registrar)
        return;
    contacts = vm.registrar->lookup(ep->name);
    for (guint i = 0; i < contacts->len; i++)
        send_to_contact(ep, box, g_ptr_array_index(contacts, i));
}

void
vm_mwi_unsolicited_changed(const VmBox *box)
{
    const GPtrArray *eps = vm.sip ? vm.sip->endpoint_list() : NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; eps && i < eps->len; i++) {
        const SipEndpoint *ep = g_ptr_array_index(eps, i);
        if (ep->mwi_unsolicited && vm_mwi_box_of(ep) == box)
            notify_endpoint(ep);
    }
}

static gboolean
notify_pending(gpointer data)
{
    char *aor;

    pending_idle = 0;
    while ((aor = g_queue_pop_head(&pending))) {
        notify_endpoint(vm.sip->endpoint_lookup(aor));
        g_free(aor);
    }
    return G_SOURCE_REMOVE;
}

static void
on_registered(const PbxEvent *ev, gpointer data)
{
    const char *aor = pbx_event_get(ev, "aor");
    const SipEndpoint *ep = aor ? vm.sip->endpoint_lookup(aor) : NULL;

    if (!ep || !ep->mwi_unsolicited)
        return;
    g_queue_push_tail(&pending, g_strdup(aor));
    if (!pending_idle)
        pending_idle = g_idle_add(notify_pending, NULL);
}

static void
stop(gpointer data)
{
    if (pending_idle)
        g_source_remove(pending_idle);
    pending_idle = 0;
    g_queue_clear_full(&pending, g_free);
}

void
vm_mwi_unsolicited_start(PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    pbx_event_subscribe(self, "registrar/registered", on_registered, NULL);
    pbx_module_on_unload(self, stop, NULL);
}
