/* Carillon res_sip_pubsub - the module: the SUBSCRIBE handler, the
 * "sip_pubsub" API (carillon/sip/pubsub.h) and `sip show subscriptions`.
 */
#include <string.h>
#include "pubsub_private.h"

Pubsub pubsub;

static gboolean
api_register_package(PbxModule *owner, const SipEventPackage *package, gpointer data,
                     GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return package_register(owner, package, data, error);
}

static void
api_resource_changed(const char *package, const char *resource)
{
    PBX_ASSERT_MAIN_CONTEXT();
    subscription_resource_changed(package, resource);
}

static void
api_terminate_resource(const char *package, const char *resource, const char *reason)
{
    PBX_ASSERT_MAIN_CONTEXT();
    subscription_terminate_resource(package, resource, reason);
}

static guint
api_get_notify_count(const SipSubscription *sub)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sub->notifies;
}

static const char *
api_get_entity(const SipSubscription *sub)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sub->entity;
}

static const SipPubsubApi api = {
    .version = SIP_PUBSUB_API_VERSION,
    .register_package = api_register_package,
    .resource_changed = api_resource_changed,
    .terminate_resource = api_terminate_resource,
    .get_notify_count = api_get_notify_count,
    .get_entity = api_get_entity,
};

/* ---------------------------------------------------------------- CLI */

static void
print_sub(SipSubscription *sub, gpointer data)
{
    PbxCliContext *ctx = data;

    pbx_cli_print(ctx, "%-12s %-10s %-12s %7u %7u  %s\n", sub->subscriber, sub->event,
                  sub->resource, subscription_remaining(sub), sub->notifies,
                  sub->dialog->call_id);
}

static gboolean
show_subscriptions(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "%-12s %-10s %-12s %7s %7s  %s\n", "Subscriber", "Event", "Resource",
                  "Expires", "Notify", "Call-ID");
    subscription_foreach(print_sub, ctx);
    pbx_cli_print(ctx, "%u subscriptions (packages: %s)\n",
                  g_hash_table_size(pubsub.subs), package_allow_events());
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "sip show subscriptions", NULL, "SUBSCRIBE dialogs and their state",
      show_subscriptions, NULL },
};

/* ---------------------------------------------------------------- module */

/* The last cleanup of an unload (registered first): after res_sip has
 * ended this module's transactions, whose NOTIFYs hold subscriptions.
 * The packages' modules (dependents) are gone already, and with them
 * their subscriptions, left without a NOTIFY and kept in the store. */
static void
teardown(gpointer data)
{
    subscriptions_shutdown();
    package_shutdown();
    g_clear_pointer(&pubsub.conf, pbx_config_unref);
    g_clear_pointer(&pubsub.timers, pbx_timers_free);
    pubsub.sip = NULL;
    pubsub.module = NULL;
}

static gboolean
load(PbxModule *self, GError **error)
{
    pubsub.module = self;
    pubsub.log = pbx_log_domain("pubsub");
    pubsub.timers = pbx_timers_new("res_sip_pubsub");
    pbx_module_on_unload(self, teardown, NULL);
    pubsub.conf = conf_load(error);
    pubsub.sip = pubsub.conf ? sip_api_get(self, error) : NULL;
    if (!pubsub.sip)
        return FALSE;
    package_init();
    subscriptions_init();
    store_init();
    if (!pubsub.sip->register_handler(self, "SUBSCRIBE", subscribe_handle, NULL, error)
        || !pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error))
        return FALSE;
    pbx_module_provide_api(self, SIP_PUBSUB_API_NAME, &api);
    return TRUE;
}

/* A broken pubsub.conf is refused; the old one stays in force. */
static gboolean
reload(PbxModule *self, GError **error)
{
    PbxConfig *fresh = conf_load(error);

    if (!fresh)
        return FALSE;
    pbx_config_unref(pubsub.conf);
    pubsub.conf = fresh;
    return TRUE;
}

PBX_MODULE_DEFINE("res_sip_pubsub", "SIP events: SUBSCRIBE/NOTIFY (RFC 6665)",
                  .requires = PBX_REQUIRES("res_sip"),
                  .load = load,
                  .reload = reload);
