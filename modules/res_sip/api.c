/* Carillon - res_sip: the "sip" API (carillon/sip/api.h).
 *
 * Every entry is a thin function here that asserts the caller is on the
 * main context, as the header promises, and forwards to the stack (the
 * settings view and the UAS dialog's flow and Contact excepted).
 */
#include <string.h>
#include "sip_core.h"
#include "dialogs.h"
#include "handlers.h"
#include "resolve.h"
#include "rfc3263.h"
#include "security.h"
#include "transaction.h"
#include "transport.h"
#include "uas.h"
#include "api_private.h"
#include "auth_client.h"

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

static void
api_add_allowed(PbxModule *owner, const char *method)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_handlers_add_allowed(owner, method);
}

static const char *
api_allow(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_handlers_allow();
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

static gboolean
api_cancel_with_reason(SipClientTx *tx, const char *reason)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_client_tx_cancel_with_reason(tx, reason);
}

/* ---------------------------------------------------------------- dialogs */

static SipDialog *
api_dialog_new_uas(const SipMsg *req, const SipPeerInfo *peer, const char *local_tag)
{
    gboolean secure = req->ruri.scheme == SIP_URI_SCHEME_SIPS
                      && peer->transport == SIP_TRANSPORT_TLS;
    SipDialog *d;

    PBX_ASSERT_MAIN_CONTEXT();
    d = sip_dialog_new_uas(req, local_tag, secure);
    sip_dialog_count_source(d, peer->remote_ip, peer->remote_port);
    sip_dialog_set_flow(d, peer->transport, peer->remote_ip, peer->remote_port);
    d->contact = sip_contact_for(peer->transport, peer->remote_ip);
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
api_dialog_fork(const SipDialog *d)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_fork(d);
}

static SipDialog *
api_dialog_restore(const SipDialogSnapshot *snapshot)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_dialog_restore(snapshot);
}

static void
api_dialog_set_state(SipDialog *d, SipDialogState state)
{
    PBX_ASSERT_MAIN_CONTEXT();
    d->state = state;
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
api_resolve(PbxModule *owner, const char *host, guint16 port, SipTransport transport,
            GCancellable *cancellable, SipResolveFunc fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_owner_track(owner);
    sip_resolve_async(owner, host, port, transport, cancellable, fn, data);
}

static void
api_resolve_all(PbxModule *owner, const char *host, guint16 port, SipTransport transport,
                GCancellable *cancellable, SipResolveAllFunc fn, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sip_owner_track(owner);
    sip_rfc3263_resolve(owner, host, port, transport, cancellable, fn, data);
}

static gboolean
api_local_address(SipTransport transport, const char *remote_ip, char *ip, gsize size,
                  guint16 *port)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_local_address(transport, remote_ip, ip, size, port);
}

static char *
api_contact_for(SipTransport transport, const char *remote_ip)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_contact_for(transport, remote_ip);
}

static gboolean
api_request_is_looped(const SipMsg *req, const SipPeerInfo *peer)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_uas_is_looped(req, peer);
}

static SipEndpoint *
api_trunk_for_source(const char *ip, guint16 port)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sip_security_trunk_for_source(ip, port);
}

static char *
api_digest_answer(const SipMsg *resp, const char *method, const char *uri,
                  const char *user, const char *password, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(resp && method && uri && user && password, NULL);
    return sip_auth_client_answer(resp, method, uri, user, password, error);
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
    .add_allowed = api_add_allowed,
    .allow = api_allow,
    .respond = api_respond,
    .server_tx_ref = api_server_tx_ref,
    .server_tx_unref = api_server_tx_unref,
    .server_tx_set_notify = api_server_tx_set_notify,
    .server_tx_get_to_tag = api_server_tx_get_to_tag,
    .send_request = api_send_request,
    .cancel = api_cancel,
    .cancel_with_reason = api_cancel_with_reason,
    .dialog_new_uas = api_dialog_new_uas,
    .dialog_new_uac = api_dialog_new_uac,
    .dialog_fork = api_dialog_fork,
    .dialog_restore = api_dialog_restore,
    .dialog_free = api_dialog_free,
    .dialog_uac_update = api_dialog_uac_update,
    .dialog_refresh_target = api_dialog_refresh_target,
    .dialog_set_flow = api_dialog_set_flow,
    .dialog_set_state = api_dialog_set_state,
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
    .contact_for = api_contact_for,
    .request_is_looped = api_request_is_looped,
    .random_token = api_random_token,
    .trunk_for_source = api_trunk_for_source,
    .digest_answer = api_digest_answer,
    .resolve_all = api_resolve_all,
    .anonymous_for = sip_anonymous_for,
};
