/* Carillon - chan_sip: the SIP stack module.
 *
 * Loads sip.conf ([general] settings and one section per transport),
 * binds the transports, starts the transaction layer and publishes the
 * "sip" API (sip_api.h).  Reload re-reads sip.conf; a file with an error
 * leaves everything as it was, and transports are re-bound only when
 * their protocol or bind address changed.
 */
#include <string.h>
#include "sip_api.h"
#include "sip_core.h"
#include "transport.h"
#include "transaction.h"
#include "handlers.h"
#include "sip_channel.h"
#include "sip_config.h"
#include "uas.h"
#include "security.h"

void sip_cli_register(PbxModule *self);
void sip_receive_shutdown(void);

static const char *
api_user_agent(void)
{
    return sip_stack.settings.user_agent ? sip_stack.settings.user_agent : "";
}

static const SipApi api = {
    .version = SIP_API_VERSION,
    .register_handler = sip_handlers_register,
    .unregister_handler = sip_handlers_unregister,
    .add_supported = sip_handlers_add_supported,
    .respond = sip_server_tx_respond,
    .server_tx_ref = sip_server_tx_ref,
    .server_tx_unref = sip_server_tx_unref,
    .server_tx_set_notify = sip_server_tx_set_notify,
    .server_tx_get_request = sip_server_tx_get_request,
    .server_tx_get_peer = sip_server_tx_get_peer,
    .server_tx_get_to_tag = sip_server_tx_get_to_tag,
    .send_request = sip_client_tx_send,
    .cancel = sip_client_tx_cancel,
    .client_tx_ref = sip_client_tx_ref,
    .client_tx_unref = sip_client_tx_unref,
    .endpoint_lookup = sip_security_endpoint_lookup,
    .endpoint_list = sip_security_endpoint_list,
    .realm = sip_security_realm,
    .authenticate = sip_security_authenticate,
    .random_token = sip_random_token,
    .user_agent = api_user_agent,
    .msg_get_header = sip_msg_get_header,
    .msg_find_header = sip_msg_find_header,
    .msg_count_headers = sip_msg_count_headers,
    .msg_has_token = sip_msg_has_token,
    .msg_find_body = sip_msg_find_body,
    .uri_parse = sip_uri_parse,
    .uri_equal = sip_uri_equal,
    .parse_name_addr = sip_parse_name_addr,
    .parse_contact_list = sip_parse_contact_list,
    .parse_digest = sip_parse_digest,
    .parse_delta_seconds = sip_parse_delta_seconds,
    .params_find = sip_params_find,
    .slice_unfold = sip_slice_unfold,
    .unescape = sip_unescape,
    .unquote = sip_unquote,
};

static void
apply_settings(const SipSettings *s)
{
    sip_stack_apply_settings(s);
    sip_stack.debug = s->debug;
}

/* Tears down in the reverse order of load; safe after a partial load. */
static void
shutdown_stack(void)
{
    sip_channel_unload();       /* calls: sip_channel.c */
    sip_handlers_shutdown();
    sip_security_unload();
    sip_transactions_shutdown();
    sip_listeners_shutdown();
    sip_conns_shutdown();
    sip_timers_shutdown();
    sip_receive_shutdown();
    sip_uas_shutdown();
    g_clear_pointer(&sip_stack.settings.user_agent, g_free);
    sip_stack.module = NULL;
}

static gboolean
load(PbxModule *self, GError **error)
{
    g_autoptr(SipConf) conf = NULL;

    sip_stack_init();
    sip_stack.module = self;
    conf = sip_conf_load(error);
    if (!conf) {
        shutdown_stack();
        return FALSE;
    }
    apply_settings(&conf->settings);
    sip_timers_init();
    sip_transactions_init();
    sip_handlers_init();
    if (!sip_security_load(self, error) || !sip_conf_open_transports(conf, error)
        || !sip_channel_load(self, error)) {     /* calls: the "SIP" channel tech */
        shutdown_stack();
        return FALSE;
    }
    pbx_module_provide_api(self, SIP_API_NAME, &api);
    sip_cli_register(self);
    return TRUE;
}

static void
unload(PbxModule *self)
{
    shutdown_stack();
}

static gboolean
reload(PbxModule *self, GError **error)
{
    g_autoptr(SipConf) conf = sip_conf_load(error);

    if (!conf || !sip_security_reload(error))
        return FALSE;   /* the old configuration stays in force */
    apply_settings(&conf->settings);
    return sip_conf_rebind_transports(conf, error);
}

PBX_MODULE_DEFINE("chan_sip", "SIP stack and channel driver",
                  .load = load,
                  .unload = unload,
                  .reload = reload);
