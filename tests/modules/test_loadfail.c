/* Test module whose load() fails after registering a CLI command: the
 * loader must report the error and remove the command again. */
#include <carillon/carillon.h>

static gboolean
hello(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "should never run\n");
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "test loadfail hello", NULL, "Never registered for long", hello, NULL },
};

static gboolean
loadfail_load(PbxModule *self, GError **error)
{
    pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, NULL);
    g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                "refusing to load on purpose");
    return FALSE;
}

PBX_MODULE_DEFINE("test_loadfail", "Fails in load()", .load = loadfail_load);
