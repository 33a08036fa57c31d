/* Test module that depends on test_provider and calls its API. */
#include <stdlib.h>

#include <carillon/carillon.h>

#include "test_provider.h"

static const TestProviderApi *provider;

static gboolean
cmd_add(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    if (argc != 2) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%d\n", provider->add(atoi(argv[0]), atoi(argv[1])));
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "test consumer add", "A B", "Add through test_provider's API", cmd_add, NULL },
};

static gboolean
consumer_load(PbxModule *self, GError **error)
{
    provider = pbx_module_get_api(self, "test.provider", error);
    if (!provider)
        return FALSE;
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}

PBX_MODULE_DEFINE("test_consumer", "Uses test.provider",
                  .requires = PBX_REQUIRES("test_provider"),
                  .load = consumer_load);
