/* res_sounds - prompts and music by name: the module and its "sounds"
 * API (carillon/sounds.h).  See README.md. */
#include "sounds_private.h"

static SoundsEngine *engine;

/* ---------------------------------------------------------- API */

/* Every entry asserts the main context, as carillon/sounds.h promises. */
static guint
api_load(const char *name, const char *language, guint rate, SoundsLoadFunc done,
         gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(done != NULL, 0);
    return sounds_engine_load(engine, name, language, rate, done, data);
}

static void
api_cancel(guint request)
{
    PBX_ASSERT_MAIN_CONTEXT();
    sounds_engine_cancel(engine, request);
}

static gboolean
api_exists(const char *name, const char *language)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sounds_engine_exists(engine, name, language);
}

static const char *
api_get_default_language(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return sounds_engine_get_conf(engine)->language;
}

static const SoundsApi sounds_api = {
    .version = SOUNDS_API_VERSION,
    .load = api_load,
    .cancel = api_cancel,
    .exists = api_exists,
    .get_default_language = api_get_default_language,
};

/* ---------------------------------------------------------- life cycle */

static gboolean
sounds_load(PbxModule *self, GError **error)
{
    SoundsConf *conf = sounds_conf_load(error);

    if (!conf)
        return FALSE;
    engine = sounds_engine_new(conf, error);
    if (!engine)
        return FALSE;
    if (!sounds_cli_register(self, engine, error)) {
        g_clear_pointer(&engine, sounds_engine_free);
        return FALSE;
    }
    pbx_module_provide_api(self, SOUNDS_API_NAME, &sounds_api);
    return TRUE;
}

/* Consumers (dependents) are gone: requests still waiting are dropped
 * without their callbacks, the loader threads are waited for. */
static void
sounds_unload(PbxModule *self)
{
    g_clear_pointer(&engine, sounds_engine_free);
}

/* sounds.conf, and sounds_dir and language as the core last read them
 * (`core reload` re-reads carillon.conf first).  The cache is emptied
 * and sounds_dir listed again: a prompt replaced on the disk is read
 * anew.  A broken sounds.conf keeps everything as it was. */
static gboolean
sounds_reload(PbxModule *self, GError **error)
{
    SoundsConf *conf = sounds_conf_load(error);

    if (!conf)
        return FALSE;
    sounds_engine_reconfigure(engine, conf);
    return TRUE;
}

PBX_MODULE_DEFINE("res_sounds", "Prompts and music by name, decoded, cached",
                  .load = sounds_load,
                  .unload = sounds_unload,
                  .reload = sounds_reload);
