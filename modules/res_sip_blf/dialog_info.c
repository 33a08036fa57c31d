/* Carillon res_sip_blf - the "dialog" event package (RFC 4235): what a
 * BLF key watches.
 *
 * Every NOTIFY carries the full state: one <dialog> per call of the
 * endpoint, with its state (early while it rings, confirmed once
 * answered) and its direction, or, when the endpoint is idle, one
 * terminated <dialog> (as Asterisk does: some phones keep a lamp lit on
 * an empty document).  version counts the NOTIFYs of the subscription.
 */
#include <string.h>
#include "blf.h"

static void
append_dialog(GString *out, const char *id, const char *state, const char *direction,
              const char *remote)
{
    g_string_append(out, "  <dialog id=\"");
    blf_xml_escape(out, id);
    g_string_append_c(out, '"');
    if (direction)
        g_string_append_printf(out, " direction=\"%s\"", direction);
    g_string_append_printf(out, ">\n    <state>%s</state>\n", state);
    if (remote && *remote) {
        g_string_append(out, "    <remote><identity>");
        blf_xml_escape(out, remote);
        g_string_append(out, "</identity></remote>\n");
    }
    g_string_append(out, "  </dialog>\n");
}

static char *
dialog_body(SipSubscription *sub, const char *resource, gpointer data)
{
    const GPtrArray *calls = devstate_calls(resource);
    GString *out = g_string_sized_new(512);

    g_string_append(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\"");
    g_string_append_printf(out, " version=\"%u\" state=\"full\" entity=\"",
                           blf.pubsub->get_notify_count(sub));
    blf_xml_escape(out, blf.pubsub->get_entity(sub));
    g_string_append(out, "\">\n");
    for (guint i = 0; calls && i < calls->len; i++) {
        const BlfCall *c = calls->pdata[i];
        append_dialog(out, c->id, c->state, c->initiator ? "initiator" : "recipient",
                      c->remote);
    }
    if (!calls || calls->len == 0)
        append_dialog(out, resource, "terminated", NULL, NULL);
    g_string_append(out, "</dialog-info>\n");
    return g_string_free(out, FALSE);
}

const SipEventPackage blf_dialog_package = {
    .name = "dialog",
    .content_type = "application/dialog-info+xml",
    .subscribe = blf_subscribe,
    .body = dialog_body,
};
