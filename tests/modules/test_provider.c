/* Test module that provides an API, holds uses on demand (like live
 * channels) and reloads test_provider.conf ([general] greeting). */
#include <carillon/carillon.h>

#include "test_provider.h"

static PbxModule *me;
static char *greeting;
static guint reloads;

static int
add(int a, int b)
{
    return a + b;
}

static const TestProviderApi api = { .add = add };

static gboolean
read_config(GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_core_load_config("test_provider.conf", error);
    const char *g;

    if (!cfg)
        return FALSE;
    g = pbx_config_get(cfg, "general", "greeting");
    if (!g) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, "general",
                             "greeting", "missing");
        return FALSE;
    }
    g_free(greeting);
    greeting = g_strdup(g);
    return TRUE;
}

static gboolean
cmd_hold(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_module_use(me);
    pbx_cli_print(ctx, "uses: %u\n", pbx_module_get_use_count(me));
    return TRUE;
}

static gboolean
cmd_release(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_module_unuse(me);
    pbx_cli_print(ctx, "uses: %u\n", pbx_module_get_use_count(me));
    return TRUE;
}

static gboolean
cmd_greeting(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "greeting: %s (reloads: %u)\n", greeting, reloads);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "test provider hold",     NULL, "Take a use", cmd_hold, NULL },
    { "test provider release",  NULL, "Drop a use", cmd_release, NULL },
    { "test provider greeting", NULL, "Show the configured greeting", cmd_greeting, NULL },
};

static gboolean
provider_load(PbxModule *self, GError **error)
{
    me = self;
    if (!read_config(error))
        return FALSE;
    pbx_module_provide_api(self, "test.provider", &api);
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}

static void
provider_unload(PbxModule *self)
{
    g_clear_pointer(&greeting, g_free);
    reloads = 0;
}

static gboolean
provider_reload(PbxModule *self, GError **error)
{
    if (!read_config(error))
        return FALSE;
    reloads++;
    return TRUE;
}

PBX_MODULE_DEFINE("test_provider", "Provides test.provider",
                  .load = provider_load,
                  .unload = provider_unload,
                  .reload = provider_reload);
