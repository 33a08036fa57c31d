/* Carillon - res_sip: the SIP stack module.
 *
 * Loads sip.conf ([general] settings and one section per transport),
 * endpoints.conf and sip.conf [auth], binds the transports, starts the
 * transaction layer and publishes the "sip" API (carillon/sip/api.h).
 * Reload re-reads both files; a file with an error leaves everything as
 * it was, and transports are re-bound only when their protocol or bind
 * address changed.
 */
#include <string.h>
#include <carillon/dialplan.h>
#include "api_private.h"
#include "sip_core.h"
#include "transport.h"
#include "transaction.h"
#include "handlers.h"
#include "dialogs.h"
#include "resolve.h"
#include "dns.h"
#include "sip_config.h"
#include "uas.h"
#include "security.h"
#include "sip_limits.h"


static void
apply_settings(const SipGeneralConf *s)
{
    sip_stack_apply_settings(s);
    sip_stack.debug = s->debug;
}

/* pbx.endpoint(name) in the dialplan: whether the endpoint exists and
 * its context (res_registrar adds whether it is registered). */
static void
fill_endpoint_info(const char *name, PbxEndpointInfo *info, gpointer data)
{
    SipEndpoint *e = sip_security_endpoint_lookup(name);

    if (!e)
        return;
    info->known = TRUE;
    g_free(info->name);
    info->name = g_strdup(e->name);
    g_free(info->context);
    info->context = g_strdup(e->context);
}

/* Tears down in the reverse order of load; safe after a partial load. */
static void
shutdown_stack(void)
{
    sip_handlers_shutdown();
    sip_dialogs_shutdown();
    sip_security_unload();
    sip_transactions_shutdown();
    sip_listeners_shutdown();
    sip_conns_shutdown();
    sip_timers_shutdown();
    sip_receive_shutdown();
    sip_uas_shutdown();
    sip_limits_shutdown();
    sip_resolve_cache_clear();
    sip_dns_shutdown();
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
    sip_limits_configure(&conf->limits);
    if (!sip_dns_configure(conf->settings.dns_servers, error)) {
        shutdown_stack();
        return FALSE;
    }
    sip_timers_init();
    sip_transactions_init();
    sip_handlers_init();
    if (!sip_security_load(self, error) || !sip_conf_open_transports(conf, error)) {
        shutdown_stack();
        return FALSE;
    }
    pbx_module_provide_api(self, SIP_API_NAME, &sip_api);
    pbx_dialplan_add_endpoint_provider(self, fill_endpoint_info, NULL);
    sip_cli_register(self);
    sip_limits_cli_register(self);
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

    /* A file with an error changes nothing.  A transport whose new
     * address cannot be bound keeps its old socket (the reload reports
     * it); the rest of the new configuration is in force by then. */
    if (!conf || !sip_dns_configure(conf->settings.dns_servers, error)
        || !sip_security_reload(error))
        return FALSE;
    apply_settings(&conf->settings);
    sip_limits_configure(&conf->limits);
    return sip_conf_rebind_transports(conf, error);
}

PBX_MODULE_DEFINE("res_sip", "SIP stack: transports, dialogs, endpoints",
                  .load = load,
                  .unload = unload,
                  .reload = reload);
