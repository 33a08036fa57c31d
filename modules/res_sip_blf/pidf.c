/* Carillon res_sip_blf - the "presence" event package (RFC 3856) with
 * PIDF bodies (RFC 3863): the basic status is open while the endpoint
 * is registered, closed otherwise, and a call in any state adds the
 * RPID activity on-the-phone (RFC 4480), which softphones show as busy.
 */
#include <string.h>
#include "blf.h"

static char *
presence_body(SipSubscription *sub, const char *resource, gpointer data)
{
    const GPtrArray *calls = devstate_calls(resource);
    gboolean busy = calls && calls->len > 0;
    gboolean open = blf.registrar->count(resource) > 0;
    const char *entity = blf.pubsub->get_entity(sub);
    GString *out = g_string_sized_new(640);

    g_string_append(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\""
                         " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
                         " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"");
    blf_xml_escape(out, entity);
    g_string_append(out, "\">\n  <tuple id=\"t1\">\n");
    g_string_append_printf(out, "    <status><basic>%s</basic></status>\n",
                           open ? "open" : "closed");
    g_string_append(out, "    <contact>");
    blf_xml_escape(out, entity);
    g_string_append(out, "</contact>\n  </tuple>\n");
    /* RFC 3863 4.1: tuples, then notes, then other elements */
    g_string_append_printf(out, "  <note>%s</note>\n",
                           !open ? "Offline" : busy ? "On the phone" : "Available");
    g_string_append(out, "  <dm:person id=\"p1\">\n");
    if (busy)
        g_string_append(out, "    <rpid:activities><rpid:on-the-phone/></rpid:activities>\n");
    g_string_append(out, "  </dm:person>\n</presence>\n");
    return g_string_free(out, FALSE);
}

const SipEventPackage blf_presence_package = {
    .name = "presence",
    .content_type = "application/pidf+xml",
    .default_expires = 600,
    .subscribe = blf_subscribe,
    .body = presence_body,
};
