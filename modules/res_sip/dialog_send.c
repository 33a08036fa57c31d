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

/* An ACK on its way: waiting for its next hop's address, or for the
 * main loop to report that it could not go. */
typedef struct {
    SipDialog *dialog;          /* NULL once the dialog is freed: send, tell nobody */
    SipTransport transport;
    GString *ack;
    char *call_id;              /* for the log */
    SipAckFailedFunc failed;
    gpointer data;
    char *error;                /* set: report this failure */
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
        g_set_error(error, SIP_ERROR, SIP_ERROR_ROUTE, "dialog %s has no usable next hop",
                    d->call_id);
        return NULL;
    }
    build(d, r->method, r, req);
    return sip_client_tx_send(owner, &target, req->str, req->len, fn, data, destroy, error);
}

static AckLookup *
ack_lookup_new(SipDialog *d, const SipRequest *r, SipAckFailedFunc failed, gpointer data)
{
    AckLookup *lk = g_new0(AckLookup, 1);

    if (!d->priv)
        d->priv = g_new0(SipDialogPriv, 1);
    lk->dialog = d;
    lk->call_id = g_strdup(d->call_id);
    lk->failed = failed;
    lk->data = data;
    lk->ack = g_string_sized_new(512);
    build(d, "ACK", r, lk->ack);
    d->priv->acks = g_slist_prepend(d->priv->acks, lk);
    return lk;
}

static void
ack_lookup_free(AckLookup *lk)
{
    if (lk->dialog)
        lk->dialog->priv->acks = g_slist_remove(lk->dialog->priv->acks, lk);
    g_string_free(lk->ack, TRUE);
    g_free(lk->call_id);
    g_free(lk->error);
    g_free(lk);
}

void
sip_dialog_forget_acks(SipDialog *d)
{
    for (GSList *l = d->priv ? d->priv->acks : NULL; l; l = l->next)
        ((AckLookup *) l->data)->dialog = NULL;
    if (d->priv)
        g_clear_pointer(&d->priv->acks, g_slist_free);
}

/* The owner hears of a failure from the main loop, never from inside
 * its dialog_send_ack() call, and not at all once the dialog is freed. */
static gboolean
report_failure(gpointer data)
{
    AckLookup *lk = data;

    pbx_warning(sip_log, "%s: cannot send the ACK: %s", lk->call_id, lk->error);
    if (lk->dialog && lk->failed)
        lk->failed(lk->dialog, lk->error, lk->data);
    ack_lookup_free(lk);
    return G_SOURCE_REMOVE;
}

static void
fail_later(AckLookup *lk, const char *error)
{
    lk->error = g_strdup(error);
    g_idle_add(report_failure, lk);
}

static void
send_to(AckLookup *lk, const SipAddr *addr)
{
    if (sip_send_stateless_to(lk->transport, addr, lk->ack->str, lk->ack->len))
        ack_lookup_free(lk);
    else
        fail_later(lk, "transport error");
}

static void
ack_resolved(const SipAddr *addr, const char *error, gpointer data)
{
    AckLookup *lk = data;

    if (addr)
        send_to(lk, addr);
    else
        fail_later(lk, error ? error : "no address");
}

void
sip_dialog_send_ack(SipDialog *d, const SipRequest *r, SipAckFailedFunc failed,
                    gpointer data)
{
    AckLookup *lk = ack_lookup_new(d, r, failed, data);
    char host[256];
    SipTarget t;
    SipAddr addr;

    if (!sip_dialog_next_hop(d, &t, host, sizeof(host))) {
        fail_later(lk, "no usable next hop");
        return;
    }
    lk->transport = t.transport;
    if (sip_resolve_literal(t.host, t.port, &addr)
        || sip_resolve_cached(t.host, t.port, t.transport, &addr))
        send_to(lk, &addr);
    else
        sip_resolve_async(NULL, t.host, t.port, t.transport, NULL, ack_resolved, lk);
}
