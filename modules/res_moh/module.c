/* res_moh - music on hold: classes of files played as one shared
 * timeline, to held calls (the bridge's hold music) and from the
 * dialplan (call:moh()).  See README.md. */
#include "classes.h"
#include "cli.h"
#include "hold.h"
#include "listener.h"
#include "method.h"
#include "moh.h"

#define UNLOAD_WAIT_MS 5000

static const SoundsApi *sounds;

gboolean
moh_reload(GError **error)
{
    g_autoptr(MohConf) conf = moh_conf_load(error);

    PBX_ASSERT_MAIN_CONTEXT();
    if (!conf)
        return FALSE;
    moh_classes_set(conf, sounds);
    return TRUE;
}

static gboolean
moh_load(PbxModule *self, GError **error)
{
    sounds = sounds_api_get(self, error);
    if (!sounds || !moh_reload(error))
        return FALSE;
    moh_listeners_init(self);
    if (!moh_cli_register(self, error) || !moh_method_register(self, error)) {
        moh_classes_clear();
        return FALSE;
    }
    moh_hold_register(self);
    return TRUE;
}

/* Listeners hold uses: this runs with some only when forced (or at the
 * daemon's stop).  Their ports must come back before the code goes. */
static void
moh_unload(PbxModule *self)
{
    if (!moh_listeners_shutdown(UNLOAD_WAIT_MS))
        pbx_error(pbx_log_domain("moh"), "%u calls still hold res_moh's ports after %u ms",
                  moh_listeners_count(), UNLOAD_WAIT_MS);
    pbx_bridge_set_hold_music(NULL, NULL);
    moh_classes_clear();
    sounds = NULL;
}

static gboolean
moh_module_reload(PbxModule *self, GError **error)
{
    return moh_reload(error);
}

PBX_MODULE_DEFINE("res_moh", "Music on hold: held calls and call:moh()",
                  .requires = PBX_REQUIRES("res_sounds"),
                  .load = moh_load,
                  .unload = moh_unload,
                  .reload = moh_module_reload);
