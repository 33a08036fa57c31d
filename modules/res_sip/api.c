/* Carillon - res_sip: the "sip" API (carillon/sip/api.h).
 *
 * Every entry is a thin function here that asserts the caller is on the
 * main context, as the header promises, and forwards to the stack.
 */
#include <string.h>
#include "sip_core.h"
#include "dialogs.h"
#include "handlers.h"
#include "resolve.h"
#include "security.h"
#include "transaction.h"
#include "transport.h"
#include "api_private.h"

static SipSettings settings_view;

static const SipSettings *
api_settings(void)
{
    const SipGeneralConf *s = &sip_stack.settings;

    PBX_ASSERT_MAIN_CONTEXT();
    settings_view.t1 = s->t1;
    settings_view.t2 = s->t2;
    settings_view.t4 = s->t4;
    settings_view.user_agent = s->user_agent ? s->user_agent : "";
    settings_view.realm = sip_security_realm();
    settings_view.session_expires = s->session_expires;
    settings_view.min_se = s->min_se;
    return &settings_view;
}

static gboolean
api_register_handler(PbxModule *owner, const char *method, SipRequestHandler fn,
                     gpointer data, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_handlers_register(owner, method, fn, data, error);
}

static void
api_unregister_handler(PbxModule *owner, const char *method, SipRequestHandler fn)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_handlers_unregister(owner, method, fn);
}

static void
api_add_supported(PbxModule *owner, const char *option_tag)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_handlers_add_supported(owner, option_tag);
}

/* ---------------------------------------------------------------- transactions */

static gboolean
api_respond(SipServerTx *tx, const SipResponse *resp)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_server_tx_respond(tx, resp);
}

static SipServerTx *
api_server_tx_ref(SipServerTx *tx)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_server_tx_ref(tx);
}

static void
api_server_tx_unref(SipServerTx *tx)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_server_tx_unref(tx);
}

static void
api_server_tx_set_notify(SipServerTx *tx, SipServerTxFunc fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_server_tx_set_notify(tx, fn, data);
}

static const SipMsg *
api_server_tx_get_request(SipServerTx *tx)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_server_tx_get_request(tx);
}

static const char *
api_server_tx_get_to_tag(SipServerTx *tx)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_server_tx_get_to_tag(tx);
}

static SipClientTx *
api_send_request(PbxModule *owner, const SipTarget *target, const char *request, gsize len,
                 SipResponseFunc fn, gpointer data, GDestroyNotify destroy, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_client_tx_send(owner, target, request, len, fn, data, destroy, error);
}

static gboolean
api_cancel(SipClientTx *tx)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_client_tx_cancel(tx);
}

/* ---------------------------------------------------------------- dialogs */

static gboolean api_local_address(SipTransport transport, const char *remote_ip, char *ip,
                                  gsize size, guint16 *port);

/* Our Contact towards a peer: "<sip:carillon@ip:port>", with
 * ;transport=tcp over TCP. */
static char *
contact_towards(const SipPeerInfo *peer)
{
    char ip[SIP_ADDR_STRLEN];
    guint16 port = 5060;
    gboolean tcp = peer->transport == SIP_TRANSPORT_TCP;

    if (!api_local_address(peer->transport, peer->remote_ip, ip, sizeof(ip), &port))
        g_strlcpy(ip, peer->local_ip, sizeof(ip));
    return g_strdup_printf("<sip:carillon@%s%s%s:%u%s>", strchr(ip, ':') ? "[" : "", ip,
                           strchr(ip, ':') ? "]" : "", port, tcp ? ";transport=tcp" : "");
}

static SipDialog *
api_dialog_new_uas(const SipMsg *req, const SipPeerInfo *peer, const char *local_tag)
{
    gboolean secure = req->ruri.scheme == SIP_URI_SCHEME_SIPS
                      && peer->transport == SIP_TRANSPORT_TLS;
    SipDialog *d;

    PBX_ASSERT_MAIN_CONTEXT();
    d = sip_dialog_new_uas(req, local_tag, secure);
    sip_dialog_set_flow(d, peer->transport, peer->remote_ip, peer->remote_port);
    d->contact = contact_towards(peer);
    return d;
}

static SipDialog *
api_dialog_new_uac(const char *call_id, const char *local_tag, const char *local_uri,
                   const char *remote_uri, guint32 local_cseq)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_new_uac(call_id, local_tag, local_uri, remote_uri, local_cseq);
}

static SipDialog *
api_dialog_copy(const SipDialog *d)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_copy(d);
}

static void
api_dialog_free(SipDialog *d)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialog_free(d);
}

static gboolean
api_dialog_uac_update(SipDialog *d, const SipMsg *resp)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_uac_update(d, resp);
}

static void
api_dialog_refresh_target(SipDialog *d, const SipMsg *msg)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialog_refresh_target(d, msg);
}

static void
api_dialog_set_flow(SipDialog *d, SipTransport transport, const char *host, guint16 port)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialog_set_flow(d, transport, host, port);
}

static void
api_dialog_register(PbxModule *owner, SipDialog *d, SipDialogHandler fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialogs_register(owner, d, fn, data);
}

static void
api_dialog_unregister(SipDialog *d)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialogs_unregister(d);
}

static SipDialog *
api_dialog_find(const char *call_id, const char *local_tag, const char *remote_tag)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialogs_find(call_id, local_tag, remote_tag);
}

static SipClientTx *
api_dialog_send(PbxModule *owner, SipDialog *d, const SipRequest *request,
                SipResponseFunc fn, gpointer data, GDestroyNotify destroy, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_send(owner, d, request, fn, data, destroy, error);
}

static void
api_dialog_send_ack(SipDialog *d, const SipRequest *request, SipAckFailedFunc failed,
                    gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_dialog_send_ack(d, request, failed, data);
}

/* ---------------------------------------------------------------- endpoints */

static SipEndpoint *
api_endpoint_lookup(const char *name)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_security_endpoint_lookup(name);
}

static const GPtrArray *
api_endpoint_list(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_security_endpoint_list();
}

static SipEndpoint *
api_endpoint_ref(SipEndpoint *e)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_endpoint_ref(e);
}

static void
api_endpoint_unref(SipEndpoint *e)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_endpoint_unref(e);
}

static gboolean
api_authenticate(SipServerTx *tx, const SipPeerInfo *peer, gboolean proxy,
                 SipEndpoint **endpoint)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_security_authenticate(tx, peer, proxy, endpoint);
}

/* ---------------------------------------------------------------- addresses */

static void
api_resolve(const char *host, guint16 port, SipTransport transport,
            GCancellable *cancellable, SipResolveFunc fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_resolve_async(host, port, transport, cancellable, fn, data);
}

/* The listener res_sip would send from, and the local IP it routes
 * from; IPv6 comes back from the listener with brackets. */
static gboolean
api_local_address(SipTransport transport, const char *remote_ip, char *ip, gsize size,
                  guint16 *port)
{
    SipTransport tp = transport == SIP_TRANSPORT_TCP ? SIP_TRANSPORT_TCP : SIP_TRANSPORT_UDP;
    char buf[SIP_ADDR_STRLEN];
    SipListener *l;
    SipAddr dest;
    const char *host;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!remote_ip || !sip_resolve_literal(remote_ip, 5060, &dest))
        return FALSE;
    l = sip_listeners_pick(tp, sip_addr_is_v6(&dest));
    if (!l)
        return FALSE;
    host = sip_listener_sent_by_host(l, &dest, buf, sizeof(buf));
    if (host[0] == '[')
        host++;
    g_strlcpy(ip, host, size);
    ip[strcspn(ip, "]")] = '\0';
    *port = sip_addr_port(&l->local);
    return TRUE;
}

#define MAX_VIAS 32

/* Whether a Via's sent-by is one of our listeners, as it would write
 * its own when sending towards src. */
static gboolean
via_is_ours(const SipVia *via, const SipAddr *src)
{
    GPtrArray *ls = sip_listeners_get();
    guint16 port = via->port ? via->port : 5060;

    for (guint j = 0; ls && j < ls->len; j++) {
        SipListener *l = ls->pdata[j];
        char host[SIP_ADDR_STRLEN];
        if (port != sip_addr_port(&l->local) || l->klass->proto != via->transport)
            continue;
        sip_listener_sent_by_host(l, src, host, sizeof(host));
        if (sip_slice_case_eq(via->host, host))
            return TRUE;
    }
    return FALSE;
}

static gboolean
api_request_is_looped(const SipMsg *req, const SipPeerInfo *peer)
{
    SipVia vias[MAX_VIAS];
    guint n = 0;
    SipAddr src;

    PBX_ASSERT_MAIN_CONTEXT();
    sip_parse_via_list(req, vias, MAX_VIAS, &n);
    if (!sip_addr_from_ip(peer->remote_ip, strlen(peer->remote_ip), peer->remote_port, &src))
        return FALSE;
    for (guint i = 0; i < n; i++) {
        if (via_is_ours(&vias[i], &src))
            return TRUE;
    }
    return FALSE;
}

static void
api_random_token(char *buf, gsize size)
{
    sip_random_token(buf, size);     /* no shared state: any thread */
}

const SipApi sip_api = {
    .version = SIP_API_VERSION,
    .settings = api_settings,
    .register_handler = api_register_handler,
    .unregister_handler = api_unregister_handler,
    .add_supported = api_add_supported,
    .respond = api_respond,
    .server_tx_ref = api_server_tx_ref,
    .server_tx_unref = api_server_tx_unref,
    .server_tx_set_notify = api_server_tx_set_notify,
    .server_tx_get_request = api_server_tx_get_request,
    .server_tx_get_to_tag = api_server_tx_get_to_tag,
    .send_request = api_send_request,
    .cancel = api_cancel,
    .dialog_new_uas = api_dialog_new_uas,
    .dialog_new_uac = api_dialog_new_uac,
    .dialog_copy = api_dialog_copy,
    .dialog_free = api_dialog_free,
    .dialog_uac_update = api_dialog_uac_update,
    .dialog_refresh_target = api_dialog_refresh_target,
    .dialog_set_flow = api_dialog_set_flow,
    .dialog_register = api_dialog_register,
    .dialog_unregister = api_dialog_unregister,
    .dialog_find = api_dialog_find,
    .dialog_send = api_dialog_send,
    .dialog_send_ack = api_dialog_send_ack,
    .endpoint_lookup = api_endpoint_lookup,
    .endpoint_list = api_endpoint_list,
    .endpoint_ref = api_endpoint_ref,
    .endpoint_unref = api_endpoint_unref,
    .authenticate = api_authenticate,
    .resolve = api_resolve,
    .local_address = api_local_address,
    .request_is_looped = api_request_is_looped,
    .random_token = api_random_token,
};
