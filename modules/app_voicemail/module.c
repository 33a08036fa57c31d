/* app_voicemail - mailboxes, messages, MWI and email.  See README.md. */
#include <carillon/media.h>

#include "vm.h"

Vm vm;

static void
log_problems(GPtrArray *problems)
{
    for (guint i = 0; i < problems->len; i++)
        pbx_warning(vm.log, "%s", ((GError *) g_ptr_array_index(problems, i))->message);
}

/* A missing voicemail.conf is no mailboxes; a bad line is logged and
 * left out; an unreadable file keeps the config in use. */
gboolean
vm_load_conf(GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(PbxConfig) cfg = pbx_core_load_config("voicemail.conf", &local);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
    VmConf *conf;

    if (!cfg && g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        pbx_notice(vm.log, "no voicemail.conf (%s): no mailboxes", local->message);
        conf = vm_conf_new_empty();
    } else if (!cfg) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    } else {
        conf = vm_conf_parse(cfg, problems);
        log_problems(problems);
    }
    g_clear_pointer(&vm.conf, vm_conf_unref);
    vm.conf = conf;
    vm_ops_scan_all();
    return TRUE;
}

static void
teardown(gpointer data)
{
    vm_ops_drain();
    g_clear_pointer(&vm.conf, vm_conf_unref);
    g_clear_pointer(&vm.counts, g_hash_table_unref);
    g_clear_pointer(&vm.pins, g_hash_table_unref);
    vm_index_clear();
    g_clear_pointer(&vm.logins, vm_logins_free);
    g_clear_pointer(&vm.spool, g_free);
    vm.pubsub = NULL;
    vm.sip = NULL;
    vm.registrar = NULL;
}

static gboolean
vm_load(PbxModule *self, GError **error)
{
    const MediaApi *media;

    vm.module = self;
    vm.log = pbx_log_domain("voicemail");
    vm.spool = g_build_filename(pbx_core_get_var_dir(), "spool", NULL);
    vm.counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    vm.logins = vm_logins_new();
    pbx_module_on_unload(self, teardown, NULL);
    vm_ops_start();
    vm.sip = sip_api_get(self, error);
    vm.registrar = vm.sip ? registrar_api_get(self, error) : NULL;
    vm.pubsub = vm.registrar ? sip_pubsub_api_get(self, error) : NULL;
    media = vm.pubsub ? media_api_get(self, error) : NULL;
    if (!media || !vm_load_conf(error) || !vm_register_cli(self, error)
        || !vm_register_methods(self, error) || !vm_register_lua_api(self, error))
        return FALSE;
    media->add_record_root(self, vm.spool);
    vm_mwi_unsolicited_start(self);
    return vm.pubsub->register_package(self, &vm_mwi_package, NULL, error);
}

static gboolean
vm_reload(PbxModule *self, GError **error)
{
    return vm_load_conf(error);
}

PBX_MODULE_DEFINE("app_voicemail", "Voicemail: mailboxes, MWI and email",
                  .requires = PBX_REQUIRES("res_sip", "res_registrar", "res_sip_pubsub",
                                            "app_media"),
                  .load = vm_load,
                  .reload = vm_reload);
