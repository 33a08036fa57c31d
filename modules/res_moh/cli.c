/* res_moh - the CLI (see cli.h). */
#include "classes.h"
#include "cli.h"
#include "listener.h"
#include "moh.h"

/* "3:12.34": where the class is now (file 3, 12.34 s into it); "-"
 * before anything is decoded. */
static char *
dup_position(const MohClass *cls)
{
    guint file;
    double seconds;

    if (!moh_class_get_position(cls, g_get_monotonic_time(), &file, &seconds))
        return g_strdup("-");
    return g_strdup_printf("%u:%.2f", file + 1, seconds);
}

static void
print_class(PbxCliContext *ctx, const MohClass *cls)
{
    const MohClassDef *def = moh_class_get_def(cls);
    g_autofree char *rates = moh_class_dup_rates(cls);
    g_autofree char *at = dup_position(cls);

    pbx_cli_print(ctx, "%-16s %5u %9.1f %-10s %9u  %-6s %-24s %s\n", def->name,
                  def->files->len, def->seconds, at, moh_class_get_listeners(cls),
                  moh_sort_to_string(def->sort), rates, def->directory);
}

static gboolean
show_classes(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const GPtrArray *classes = moh_classes_list();
    guint n = classes ? classes->len : 0;

    if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%-16s %5s %9s %-10s %9s  %-6s %-24s %s\n", "Class", "Files",
                  "Seconds", "Now at", "Listeners", "Sort", "Decoded (Hz)", "Directory");
    for (guint i = 0; i < n; i++)
        print_class(ctx, classes->pdata[i]);
    pbx_cli_print(ctx, "%u class%s, %u listener%s\n", n, n == 1 ? "" : "es",
                  moh_listeners_count(), moh_listeners_count() == 1 ? "" : "s");
    return TRUE;
}

static gboolean
reload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;
    const GPtrArray *classes;

    if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (!moh_reload(&error)) {
        pbx_cli_print(ctx, "moh.conf not reloaded, the old classes stay: %s\n", error->message);
        return FALSE;
    }
    classes = moh_classes_list();
    pbx_cli_print(ctx, "moh.conf reloaded: %u classes\n", classes ? classes->len : 0);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "moh show classes", NULL, "Music on hold classes: files, length, listeners",
      show_classes, NULL },
    { "moh reload", NULL, "Read moh.conf again (listeners keep their class)", reload, NULL },
};

gboolean
moh_cli_register(PbxModule *owner, GError **error)
{
    return pbx_cli_register(owner, commands, G_N_ELEMENTS(commands), NULL, error);
}
