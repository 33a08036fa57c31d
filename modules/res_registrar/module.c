/* Carillon res_registrar - module entry: registrar.conf, start-up restore
 * of persisted bindings, the REGISTER handler and the location API. */
#include <string.h>

#include <carillon/dialplan.h>

#include "registrar.h"

Registrar registrar;

static const PbxOption conf_opts[] = {
    { "min_expiry", PBX_OPT_UINT, G_STRUCT_OFFSET(RegConfig, min_expiry), "60", 1, 86400 },
    { "max_expiry", PBX_OPT_UINT, G_STRUCT_OFFSET(RegConfig, max_expiry), "3600", 1, 604800 },
    { "default_expiry", PBX_OPT_UINT, G_STRUCT_OFFSET(RegConfig, default_expiry), "3600", 1,
      604800 },
    { "qualify_timeout", PBX_OPT_UINT, G_STRUCT_OFFSET(RegConfig, qualify_timeout), "3000", 100,
      60000 },
    { "write_delay", PBX_OPT_UINT, G_STRUCT_OFFSET(RegConfig, write_delay), "1000", 0, 60000 },
};

/* registrar.conf is optional; a broken one is an error with file:line. */
static gboolean
read_config(RegConfig *out, GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    cfg = pbx_core_load_config("registrar.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts), out,
                          FALSE, error))
        return FALSE;
    if (out->min_expiry > out->max_expiry ||
        out->default_expiry < out->min_expiry || out->default_expiry > out->max_expiry) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general", NULL,
                             "need min_expiry <= default_expiry <= max_expiry");
        return FALSE;
    }
    return TRUE;
}

static void
restore_one(RegBinding *b, gpointer data)
{
    guint *n = data;

    if (!registrar.sip->endpoint_lookup(b->aor)) {
        pbx_notice(registrar.log, "dropping stored binding of unknown endpoint %s",
                   b->aor);
        reg_store_delete(registrar.store, b);
        reg_binding_free(b);
        return;
    }
    location_add(b, TRUE);
    (*n)++;
}

/* Endpoints removed from endpoints.conf lose their bindings. */
static void
on_endpoints_reloaded(const PbxEvent *ev, gpointer data)
{
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, registrar.aors);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!registrar.sip->endpoint_lookup(key))
            g_ptr_array_add(gone, g_strdup(key));
    }
    for (guint i = 0; i < gone->len; i++)
        location_remove_aor(gone->pdata[i], "registrar/unregistered");
}

/* pbx.endpoint(name) in the dialplan: registered and how many contacts
 * (res_sip says whether the endpoint exists). */
static void
fill_endpoint_info(const char *name, PbxEndpointInfo *info, gpointer data)
{
    guint n = registrar_api.count(name);

    info->registered = n > 0;
    info->contacts = n;
}

static gboolean
registrar_load(PbxModule *self, GError **error)
{
    guint restored = 0;

    registrar.module = self;
    registrar.log = pbx_log_domain("registrar");
    if (!read_config(&registrar.config, error))
        return FALSE;
    registrar.sip = sip_api_get(self, error);
    if (!registrar.sip)
        return FALSE;
    location_init();
    if (pbx_db_get_path())
        registrar.store = reg_store_sqlite_new();
    if (registrar.store)
        reg_store_load(registrar.store, restore_one, &restored);
    if (restored)
        pbx_notice(registrar.log, "restored %u registrations", restored);
    if (!registrar.sip->register_handler(self, "REGISTER", reg_handle_register,
                                         NULL, error) ||
        !reg_cli_register(self, error))
        return FALSE;
    pbx_event_subscribe(self, "sip/endpoints-reloaded", on_endpoints_reloaded, NULL);
    pbx_dialplan_add_endpoint_provider(self, fill_endpoint_info, NULL);
    pbx_module_provide_api(self, REGISTRAR_API_NAME, &registrar_api);
    return TRUE;
}

static void
registrar_unload(PbxModule *self)
{
    /* Bindings stay in the store: a module reload or restart keeps them.
     * The store flushes first: it reads the bindings it has to write. */
    reg_store_free(registrar.store);
    registrar.store = NULL;
    location_shutdown();
    registrar.sip = NULL;
}

static gboolean
registrar_reload(PbxModule *self, GError **error)
{
    RegConfig fresh = { 0 };

    if (!read_config(&fresh, error))
        return FALSE;
    registrar.config = fresh;
    return TRUE;
}

PBX_MODULE_DEFINE("res_registrar", "SIP registrar and location service",
                  .requires = PBX_REQUIRES("res_sip"),
                  .load = registrar_load,
                  .unload = registrar_unload,
                  .reload = registrar_reload);
