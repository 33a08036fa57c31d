/* Carillon - res_sip: requests sent in a dialog, and the ACK of a 2xx
 * (see dialogs.h).
 *
 * A request goes to the dialog's next hop (sip_dialog_next_hop()); a
 * DNS name there is looked up by the client transaction.  The ACK of a
 * 2xx has no transaction (RFC 3261 13.2.2.4): it is sent once the next
 * hop's address is known, from the resolver's cache when it has it.
 */
#include <string.h>
#include "dialogs.h"
#include "resolve.h"
#include "sip_core.h"
#include "transaction.h"

typedef struct {
    SipDialog *dialog;          /* valid unless `cancellable` was cancelled */
    GCancellable *cancellable;
    SipTransport transport;
    GString *ack;
    SipAckFailedFunc failed;
    gpointer data;
} AckLookup;

/* The whole request without Via: dialog headers, our Contact, the
 * caller's headers, User-Agent, the body. */
static void
build(SipDialog *d, const char *method, const SipRequest *r, GString *out)
{
    const char *ua = sip_stack.settings.user_agent;
    char num[24];

    sip_dialog_build_request(d, method, r->cseq, out);
    if (d->contact) {
        g_string_append(out, "Contact: ");
        g_string_append(out, d->contact);
        g_string_append(out, "\r\n");
    }
    if (r->headers)
        g_string_append(out, r->headers);
    if (ua && *ua) {
        g_string_append(out, "User-Agent: ");
        g_string_append(out, ua);
        g_string_append(out, "\r\n");
    }
    if (r->content_type && r->body_len) {
        g_string_append(out, "Content-Type: ");
        g_string_append(out, r->content_type);
        g_string_append(out, "\r\n");
    }
    g_string_append(out, "Content-Length: ");
    g_string_append_len(out, num, (gssize) sip_format_uint(num, r->body_len));
    g_string_append(out, "\r\n\r\n");
    if (r->body_len)
        g_string_append_len(out, r->body, (gssize) r->body_len);
}

SipClientTx *
sip_dialog_send(PbxModule *owner, SipDialog *d, const SipRequest *r, SipResponseFunc fn,
                gpointer data, GDestroyNotify destroy, GError **error)
{
    g_autoptr(GString) req = g_string_sized_new(1024);
    char host[256];
    SipTarget target;

    if (!sip_dialog_next_hop(d, &target, host, sizeof(host))) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_ROUTE, "dialog %s has no usable next hop", d->call_id);
        return NULL;
    }
    build(d, r->method, r, req);
    return sip_client_tx_send(owner, &target, req->str, req->len, fn, data, destroy, error);
}

static void
ack_lookup_free(AckLookup *lk)
{
    g_object_unref(lk->cancellable);
    g_string_free(lk->ack, TRUE);
    g_free(lk);
}

static void
ack_resolved(const SipAddr *addr, const char *error, gpointer data)
{
    AckLookup *lk = data;

    if (g_cancellable_is_cancelled(lk->cancellable)) {
        ack_lookup_free(lk);            /* the dialog is gone */
        return;
    }
    if (addr && sip_send_stateless_to(lk->transport, addr, lk->ack->str, lk->ack->len)) {
        ack_lookup_free(lk);
        return;
    }
    pbx_warning(sip_log, "%s: cannot send the ACK: %s", lk->dialog->call_id,
                error ? error : "transport error");
    if (lk->failed)
        lk->failed(lk->dialog, error ? error : "transport error", lk->data);
    ack_lookup_free(lk);
}

void
sip_dialog_send_ack(SipDialog *d, const SipRequest *r, SipAckFailedFunc failed,
                    gpointer data)
{
    AckLookup *lk = g_new0(AckLookup, 1);
    char host[256];
    SipTarget t;

    if (!d->priv)
        d->priv = g_new0(SipDialogPriv, 1);
    if (!d->priv->lookups)
        d->priv->lookups = g_cancellable_new();
    lk->dialog = d;
    lk->cancellable = g_object_ref(d->priv->lookups);
    lk->failed = failed;
    lk->data = data;
    lk->ack = g_string_sized_new(512);
    build(d, "ACK", r, lk->ack);
    if (!sip_dialog_next_hop(d, &t, host, sizeof(host))) {
        ack_resolved(NULL, "no usable next hop", lk);
        return;
    }
    lk->transport = t.transport;
    sip_resolve_now_or_later(t.host, t.port, t.transport, lk->cancellable, ack_resolved, lk);
}
