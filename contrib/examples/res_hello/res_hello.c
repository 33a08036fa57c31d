/* res_hello - a minimal out-of-tree Carillon module.
 *
 * Build it against an installed Carillon:
 *     make            (uses pkg-config --cflags carillon)
 * and load it:
 *     carillon -rx "module load /path/to/res_hello.so"
 *     carillon -rx "hello world"
 */
#include <carillon/carillon.h>

static PbxLogDomain *dom;

static gboolean
say_hello(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const char *who = argc > 0 ? argv[0] : "world";

    pbx_cli_print(ctx, "Hello, %s!\n", who);
    pbx_info(dom, "said hello to %s", who);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "hello", "[NAME]", "Say hello", say_hello, NULL },
};

static gboolean
hello_load(PbxModule *self, GError **error)
{
    dom = pbx_log_domain("hello");
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}

PBX_MODULE_DEFINE("res_hello", "Says hello", .load = hello_load);
