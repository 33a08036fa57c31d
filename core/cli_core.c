/* Carillon - the core's own CLI commands. */
#include <string.h>

#include "core_private.h"
#include "log_private.h"
#include "module_private.h"

static void
print_duration(PbxCliContext *ctx, const char *label, gint64 secs)
{
    pbx_cli_print(ctx, "%s%" G_GINT64_FORMAT " days, %" G_GINT64_FORMAT
                  " hours, %" G_GINT64_FORMAT " minutes, %" G_GINT64_FORMAT
                  " seconds\n", label, secs / 86400, secs / 3600 % 24,
                  secs / 60 % 60, secs % 60);
}

static gboolean
show_version(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "Carillon %s (module ABI %u)\n", PBX_VERSION,
                  PBX_MODULE_ABI_VERSION);
    return TRUE;
}

static gboolean
show_uptime(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    print_duration(ctx, "System uptime: ", pbx_core_get_uptime());
    print_duration(ctx, "Last reload: ", pbx_core_get_reload_age());
    return TRUE;
}

static gboolean
show_settings(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const PbxPaths *p = pbx_paths_get();

    pbx_cli_print(ctx, "Version:          %s\n", PBX_VERSION);
    pbx_cli_print(ctx, "Module ABI:       %u\n", PBX_MODULE_ABI_VERSION);
    pbx_cli_print(ctx, "Config dir:       %s\n", pbx_core_get_config_dir());
    pbx_cli_print(ctx, "Var dir:          %s\n", pbx_core_get_var_dir());
    pbx_cli_print(ctx, "Run dir:          %s\n", pbx_core_get_run_dir());
    pbx_cli_print(ctx, "Modules path:     %s\n", pbx_core_get_modules_dir());
    pbx_cli_print(ctx, "Control socket:   %s (mode %04o)\n",
                  p->control_socket ? p->control_socket : "-", p->control_mode);
    pbx_cli_print(ctx, "Sounds dir:       %s\n", pbx_core_get_sounds_dir());
    pbx_cli_print(ctx, "Language:         %s\n", pbx_core_get_language());
    pbx_cli_print(ctx, "Default log level: %s\n",
                  pbx_log_level_to_string(pbx_log_get_default_level()));
    return TRUE;
}

static gboolean
module_show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_modules_list();
    const char *like = NULL;
    guint shown = 0;

    if (argc == 2 && g_ascii_strcasecmp(argv[0], "like") == 0) {
        like = argv[1];
    } else if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%-24s %-44s %-6s %s\n", "Module", "Description",
                  "Uses", "Used by");
    for (guint i = 0; i < list->len; i++) {
        PbxModule *m = list->pdata[i];
        g_autofree char *deps = pbx_module_dup_dependents(m);
        if (like && !strstr(pbx_module_get_name(m), like))
            continue;
        pbx_cli_print(ctx, "%-24s %-44s %-6u %s\n", pbx_module_get_name(m),
                      pbx_module_get_description(m),
                      pbx_module_get_use_count(m), deps ? deps : "");
        shown++;
    }
    pbx_cli_print(ctx, "%u modules loaded\n", shown);
    return TRUE;
}

static gboolean
report(PbxCliContext *ctx, gboolean ok, GError *error, const char *done,
       const char *name)
{
    if (ok)
        pbx_cli_print(ctx, "%s %s\n", done, name);
    else
        pbx_cli_print(ctx, "Error: %s\n", error->message);
    return ok;
}

static gboolean
module_load(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;
    gboolean ok;

    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    ok = pbx_module_load(argv[0], &error) != NULL;
    return report(ctx, ok, error, "Loaded", argv[0]);
}

static gboolean
module_unload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;
    gboolean force = argc == 2 && strcmp(argv[0], "-f") == 0;
    gboolean ok;

    if (argc != 1 && !force) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    ok = pbx_module_unload(argv[argc - 1], force, &error);
    return report(ctx, ok, error, "Unloaded", argv[argc - 1]);
}

static gboolean
module_reload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;
    gboolean ok;

    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    ok = pbx_module_reload(argv[0], &error);
    return report(ctx, ok, error, "Reloaded", argv[0]);
}

static void
complete_available(int argi, char **argv, GPtrArray *out, gpointer data)
{
    g_autoptr(GPtrArray) avail = pbx_modules_available();

    for (guint i = 0; argi == 0 && i < avail->len; i++) {
        if (!pbx_module_find(avail->pdata[i]))
            g_ptr_array_add(out, g_strdup(avail->pdata[i]));
    }
}

static void
complete_loaded(int argi, char **argv, GPtrArray *out, gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_modules_list();

    if (argi > 1 || (argi == 1 && strcmp(argv[0], "-f") != 0))
        return;
    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(out, g_strdup(pbx_module_get_name(list->pdata[i])));
}

static gboolean
core_reload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GString) out = g_string_new(NULL);
    gboolean ok = pbx_daemon_reload(out);

    pbx_cli_print(ctx, "%s", out->str);
    return ok;
}

static gboolean
core_stop(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    gboolean graceful;

    if (argc != 1 || (strcmp(argv[0], "now") != 0 &&
                      strcmp(argv[0], "gracefully") != 0)) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    graceful = strcmp(argv[0], "gracefully") == 0;
    pbx_cli_print(ctx, "Stopping Carillon %s\n", graceful ? "gracefully" : "now");
    pbx_core_request_stop(graceful);
    return TRUE;
}

static void
complete_stop(int argi, char **argv, GPtrArray *out, gpointer data)
{
    if (argi == 0) {
        g_ptr_array_add(out, g_strdup("now"));
        g_ptr_array_add(out, g_strdup("gracefully"));
    }
}

static gboolean
logger_set_level(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    PbxLogLevel level;
    const char *name = argc == 2 ? argv[0] : "*";

    if ((argc != 1 && argc != 2) ||
        !pbx_log_level_from_string(argv[argc - 1], &level)) {
        pbx_cli_usage(ctx);
        pbx_cli_print(ctx, "Levels: error, warning, notice, info, debug\n");
        return FALSE;
    }
    if (argc == 2)
        pbx_log_domain(name);   /* allow setting before the subsystem logs */
    pbx_log_set_level(name, level);
    pbx_cli_print(ctx, "Log level of %s set to %s\n",
                  argc == 2 ? name : "all subsystems",
                  pbx_log_level_to_string(level));
    return TRUE;
}

static void
print_domain(const PbxLogDomain *d, gpointer data)
{
    pbx_cli_print(data, "%-20s %s\n", d->name,
                  pbx_log_level_to_string(g_atomic_int_get(&d->level)));
}

static gboolean
logger_show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "%-20s %s\n", "Subsystem", "Level");
    pbx_log_foreach_domain(print_domain, ctx);
    return TRUE;
}

static void
collect_domain(const PbxLogDomain *d, gpointer data)
{
    g_ptr_array_add(data, g_strdup(d->name));
}

static void
complete_logger(int argi, char **argv, GPtrArray *out, gpointer data)
{
    static const char *const levels[] = { "error", "warning", "notice", "info",
                                          "debug" };
    if (argi == 0)
        pbx_log_foreach_domain(collect_domain, out);
    if (argi <= 1) {
        for (guint i = 0; i < G_N_ELEMENTS(levels); i++)
            g_ptr_array_add(out, g_strdup(levels[i]));
    }
}

static const PbxCliCommand core_commands[] = {
    { "core show version", NULL, "Show the Carillon version", show_version, NULL },
    { "core show uptime", NULL, "Show uptime and time since last reload", show_uptime, NULL },
    { "core show settings", NULL, "Show directories and global settings", show_settings, NULL },
    { "core reload", NULL, "Reload carillon.conf and every module", core_reload, NULL },
    { "core stop", "now|gracefully", "Stop Carillon (gracefully waits for calls)", core_stop,
      complete_stop },
    { "module show", "[like PATTERN]", "List loaded modules", module_show, NULL },
    { "module load", "NAME|PATH.so", "Load a module", module_load, complete_available },
    { "module unload", "[-f] NAME", "Unload a module (-f: even if in use)", module_unload,
      complete_loaded },
    { "module reload", "NAME", "Reload a module's configuration", module_reload, complete_loaded },
    { "logger set level", "[SUBSYSTEM] LEVEL", "Set the log level of one or all subsystems",
      logger_set_level, complete_logger },
    { "logger show levels", NULL, "Show each subsystem's log level", logger_show, NULL },
};

void
pbx_cli_register_core_commands(void)
{
    pbx_cli_register(NULL, core_commands, G_N_ELEMENTS(core_commands), NULL, NULL);
}
