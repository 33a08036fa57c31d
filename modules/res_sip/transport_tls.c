/* Carillon - res_sip TLS transport (RFC 3261 26.2, RFC 5246/8446).
 *
 * A TLS listener is a TCP listener whose connections carry a TLS session
 * (tls.h): accepted connections get a server session, connections we open
 * a client session.  Everything else (the connection table and its reuse
 * by remote address, limits, framing, idle timeouts) is the stream code in
 * transport_tcp.c; the session only turns bytes into records and back,
 * with memory BIOs, so no handshake ever waits on the main loop.
 */
#include "transport.h"
#include "sip_core.h"

static gboolean
tls_open(SipListener *l, GError **error)
{
    g_autoptr(SipTlsContext) ctx = NULL;

    if (!l->tls_conf) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT, "TLS transport has no settings");
        return FALSE;
    }
    ctx = sip_tls_context_new(l->tls_conf, error);
    if (!ctx || !sip_stream_listen(l, error))
        return FALSE;
    l->tls_ctx = g_steal_pointer(&ctx);
    return TRUE;
}

static void
tls_close(SipListener *l)
{
    sip_stream_unlisten(l);
    g_clear_pointer(&l->tls_ctx, sip_tls_context_free);
}

static SipTlsSession *
tls_conn_setup(SipListener *l, SipConn *c)
{
    gboolean server = !sip_conn_is_outgoing(c);

    return sip_tls_session_new(l->tls_ctx, server, sip_conn_get_remote(c), NULL);
}

const SipTransportClass sip_transport_tls = {
    .name = "tls",
    .via_name = "TLS",
    .proto = SIP_TRANSPORT_TLS,
    .reliable = TRUE,
    .open = tls_open,
    .close = tls_close,
    .send = sip_stream_send,
    .conn_setup = tls_conn_setup,
};
