/* Carillon - daemon life cycle: carillon.conf, start-up, reload, stop.
 *
 * carillon.conf:
 *   [general]  var_dir, run_dir, modules_path, control_socket,
 *              control_group, control_mode, syslog, sounds_dir, language
 *   [logger]   default = notice, <subsystem> = <level>
 *   [modules]  autoload = yes, preload = NAME (repeat: loaded first),
 *              load = NAME (repeat), noload = NAME (repeat),
 *              require = NAME (repeat: start-up fails if it cannot load)
 * Relative paths are relative to the config directory.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "core_private.h"
#include "calls_private.h"
#include "codec_private.h"
#include "daemon.h"
#include "log_private.h"
#include "module_private.h"

typedef struct {
    char *var_dir;
    char *run_dir;
    char *modules_path;
    char *control_socket;
    char *control_group;
    char *control_mode;
    gboolean syslog;
    char *sounds_dir;
    char *language;
} GeneralConf;

static const PbxOption general_opts[] = {
    { "var_dir",        PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, var_dir), NULL, 0, 0 },
    { "run_dir",        PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, run_dir), NULL, 0, 0 },
    { "modules_path",   PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, modules_path), NULL, 0, 0 },
    { "control_socket", PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, control_socket), NULL, 0, 0 },
    { "control_group",  PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, control_group), NULL, 0, 0 },
    { "control_mode",   PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, control_mode), "0660", 0, 0 },
    { "syslog",         PBX_OPT_BOOL,   G_STRUCT_OFFSET(GeneralConf, syslog), "no", 0, 0 },
    { "sounds_dir",     PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, sounds_dir),
      PBX_DEFAULT_SOUNDS_DIR, 0, 0 },
    { "language",       PBX_OPT_STRING, G_STRUCT_OFFSET(GeneralConf, language), "en", 0, 0 },
};

typedef struct {
    gboolean autoload;
    char **preload;
    char **load;
    char **noload;
    char **require;
} ModulesConf;

static const PbxOption modules_opts[] = {
    { "autoload", PBX_OPT_BOOL, G_STRUCT_OFFSET(ModulesConf, autoload), "yes", 0, 0 },
    { "preload",  PBX_OPT_STRV, G_STRUCT_OFFSET(ModulesConf, preload), NULL, 0, 0 },
    { "load",     PBX_OPT_STRV, G_STRUCT_OFFSET(ModulesConf, load), NULL, 0, 0 },
    { "noload",   PBX_OPT_STRV, G_STRUCT_OFFSET(ModulesConf, noload), NULL, 0, 0 },
    { "require",  PBX_OPT_STRV, G_STRUCT_OFFSET(ModulesConf, require), NULL, 0, 0 },
};

static GMainLoop *loop;
static PbxLogDomain *dom;
static gboolean foreground;
static char *pid_file;
static gboolean stopping;
static gboolean graceful_wait;
static int exit_status;

/* How long a stop waits for modules' live uses to end (settle_uses). */
#define STOP_SETTLE_MS 2000

/* Resolves `value` against the config dir; NULL stays NULL. */
static char *
resolve(const char *config_dir, const char *value)
{
    if (!value || !*value)
        return NULL;
    if (g_path_is_absolute(value))
        return g_strdup(value);
    return g_canonicalize_filename(value, config_dir);
}

static char *
resolve_cwd(const char *path)
{
    g_autofree char *cwd = g_get_current_dir();
    return resolve(cwd, path);
}

/* Applies [logger]: "default" first, then each subsystem. */
static gboolean
apply_logger(const PbxConfig *cfg, GError **error)
{
    const char *const *keys = pbx_config_get_keys(cfg, "logger");
    const char *def = pbx_config_get(cfg, "logger", "default");
    PbxLogLevel level;

    if (def && !pbx_log_level_from_string(def, &level)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "logger",
                             "default", "unknown level '%s' (error, warning, "
                             "notice, info, debug)", def);
        return FALSE;
    }
    for (guint i = 0; keys[i]; i++) {
        const char *v = pbx_config_get(cfg, "logger", keys[i]);
        if (!pbx_log_level_from_string(v, &level)) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "logger",
                                 keys[i], "unknown level '%s'", v);
            return FALSE;
        }
    }
    if (def) {
        pbx_log_level_from_string(def, &level);
        pbx_log_set_level("*", level);
    }
    for (guint i = 0; keys[i]; i++) {
        if (strcmp(keys[i], "default") == 0)
            continue;
        pbx_log_level_from_string(pbx_config_get(cfg, "logger", keys[i]), &level);
        pbx_log_set_level(keys[i], level);
        pbx_log_domain(keys[i])->level = level;
    }
    return TRUE;
}

/* Reads carillon.conf into paths; logger settings applied on success. */
static gboolean
load_core_config(const char *config_dir, PbxPaths *out, ModulesConf *mods,
                 GError **error)
{
    g_autofree char *path = g_build_filename(config_dir, "carillon.conf", NULL);
    g_autoptr(PbxConfig) cfg = pbx_config_load_file(path, error);
    GeneralConf g = { 0 };
    gboolean ok = FALSE;
    char *end = NULL;

    if (!cfg)
        return FALSE;
    if (!pbx_config_apply(cfg, "general", general_opts,
                          G_N_ELEMENTS(general_opts), &g, FALSE, error) ||
        !pbx_config_apply(cfg, "modules", modules_opts,
                          G_N_ELEMENTS(modules_opts), mods, FALSE, error))
        goto out;
    out->control_mode = (guint) strtoul(g.control_mode, &end, 8);
    if (!*g.control_mode || *end || out->control_mode > 0777) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general",
                             "control_mode", "'%s' is not an octal mode",
                             g.control_mode);
        goto out;
    }
    if (!pbx_core_language_is_valid(g.language)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general", "language",
                             "'%s' is not a language name (1 to 32 letters, digits, "
                             "'_' or '-', such as en or en_US)", g.language);
        goto out;
    }
    if (!*g.sounds_dir) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general",
                             "sounds_dir", "empty: give a directory");
        goto out;
    }
    if (!apply_logger(cfg, error))
        goto out;
    out->sounds_dir = resolve(config_dir, g.sounds_dir);
    out->language = g_strdup(g.language);
    out->config_dir = g_strdup(config_dir);
    out->var_dir = resolve(config_dir, g.var_dir);
    if (!out->var_dir)
        out->var_dir = g_strdup(PBX_DEFAULT_VAR_DIR);
    out->run_dir = resolve(config_dir, g.run_dir);
    if (!out->run_dir)
        out->run_dir = g_strdup(PBX_DEFAULT_RUN_DIR);
    out->modules_path = g.modules_path ? g_strdup(g.modules_path)
                                       : g_strdup(PBX_DEFAULT_MODULES_DIR);
    out->control_socket = resolve(config_dir, g.control_socket);
    if (!out->control_socket)
        out->control_socket = g_build_filename(out->run_dir, "carillon.ctl", NULL);
    out->control_group = g_strdup(g.control_group);
    pbx_log_configure(foreground, g.syslog);
    ok = TRUE;
out:
    pbx_config_options_clear(general_opts, G_N_ELEMENTS(general_opts), &g);
    return ok;
}

/* modules_path entries may be relative to the config dir. */
static char *
resolve_modules_path(const char *config_dir, const char *path)
{
    g_auto(GStrv) dirs = g_strsplit(path, ":", -1);
    for (guint i = 0; dirs[i]; i++) {
        char *r = resolve(config_dir, dirs[i]);
        if (r) {
            g_free(dirs[i]);
            dirs[i] = r;
        }
    }
    return g_strjoinv(":", dirs);
}

static gboolean
in_list(char **list, const char *name)
{
    return list && g_strv_contains((const char *const *) list, name);
}

/* Loads `preload` (modules that must see everything the others do when
 * they start, such as res_eventlog), then `require`, then `load`, then
 * (with autoload) everything else that is not in `noload`; each module's
 * dependencies before it.  Returns FALSE only when a required module
 * fails. */
static gboolean
load_modules(const ModulesConf *mods, GError **error)
{
    g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; mods->preload && mods->preload[i]; i++)
        g_ptr_array_add(order, g_strdup(mods->preload[i]));
    for (guint i = 0; mods->require && mods->require[i]; i++)
        g_ptr_array_add(order, g_strdup(mods->require[i]));
    for (guint i = 0; mods->load && mods->load[i]; i++)
        g_ptr_array_add(order, g_strdup(mods->load[i]));
    if (mods->autoload) {
        g_autoptr(GPtrArray) avail = pbx_modules_available();
        for (guint i = 0; i < avail->len; i++)
            g_ptr_array_add(order, g_strdup(avail->pdata[i]));
    }
    for (guint i = 0; i < order->len; i++) {
        const char *name = order->pdata[i];
        g_autoptr(GError) local = NULL;

        if (in_list(mods->noload, name) || pbx_module_find(name))
            continue;
        if (pbx_module_load(name, &local))
            continue;
        if (in_list(mods->require, name)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "required module failed: ");
            return FALSE;
        }
        pbx_error(dom, "%s", local->message);
    }
    return TRUE;
}

gboolean
pbx_daemon_reload(GString *out)
{
    PbxPaths fresh = { 0 };
    ModulesConf mods = { 0 };
    g_autoptr(GError) error = NULL;
    gboolean ok = TRUE;

    if (!load_core_config(pbx_core_get_config_dir(), &fresh, &mods, &error)) {
        pbx_error(dom, "reload: %s (old configuration kept)", error->message);
        g_string_append_printf(out, "carillon.conf not reloaded: %s\n",
                               error->message);
        ok = FALSE;
    } else {
        pbx_paths_reload(&fresh);       /* sounds_dir, language */
    }
    pbx_paths_clear(&fresh);
    pbx_config_options_clear(modules_opts, G_N_ELEMENTS(modules_opts), &mods);
    g_clear_error(&error);
    if (!pbx_modules_reload_all(&error)) {
        g_string_append_printf(out, "%s\n", error->message);
        ok = FALSE;
    }
    g_clear_error(&error);
    if (!pbx_dialplan_reload(&error)) {
        pbx_error(dom, "reload: dialplan: %s (old dialplan kept)", error->message);
        g_string_append_printf(out, "Dialplan not reloaded: %s\n", error->message);
        ok = FALSE;
    }
    pbx_core_mark_reloaded();
    g_string_append(out, ok ? "Reload complete\n" : "Reload finished with errors\n");
    return ok;
}

static guint
busy_uses(void)
{
    g_autoptr(GPtrArray) list = pbx_modules_list();
    guint n = 0;

    for (guint i = 0; i < list->len; i++)
        n += pbx_module_get_live_uses(list->pdata[i]);
    return n;
}

static gboolean
settle_deadline(gpointer data)
{
    *(gboolean *) data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main loop, STOP_SETTLE_MS at most, until no module has a live
 * use; called after pbx_dialplan_shutdown() and before the modules
 * unload.  Hung-up calls let go of what they hold asynchronously:
 * res_rtp's workers apply a session's free on their next tick and only
 * then hand its decoding state back to the main context, and the codec
 * instances and app_media's ports in it end after that.  A codec or
 * application module unloaded meanwhile would leave a worker calling
 * unloaded code.  Returns at once after a graceful stop (no use left);
 * past the deadline the stop goes on with a warning, as a forced unload
 * would. */
static void
settle_uses(void)
{
    gboolean late = FALSE;
    guint timer;

    if (busy_uses() == 0)
        return;
    timer = g_timeout_add(STOP_SETTLE_MS, settle_deadline, &late);
    while (busy_uses() > 0 && !late)
        g_main_context_iteration(NULL, TRUE);
    if (late)
        pbx_warning(dom, "stopping with %u uses still active", busy_uses());
    else
        g_source_remove(timer);
}

/* Waits for the control socket's replies to flush (and, when graceful,
 * for modules' live uses to end) before quitting the loop. */
static gboolean
stop_when_idle(gpointer data)
{
    static guint ticks;

    if (graceful_wait && busy_uses() > 0 && ticks++ % 100 == 0)
        pbx_notice(dom, "graceful stop: waiting for %u active uses", busy_uses());
    if ((graceful_wait && busy_uses() > 0) || pbx_ctl_pending_writes() > 0)
        return G_SOURCE_CONTINUE;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

void
pbx_core_request_stop(gboolean graceful)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (stopping && !(graceful_wait && !graceful))
        return;
    stopping = TRUE;
    graceful_wait = graceful;
    pbx_notice(dom, "stopping %s", graceful ? "gracefully" : "now");
    pbx_event_publish(pbx_event_new("core/stopping"));
    if (loop)
        g_timeout_add(10, stop_when_idle, NULL);
}

static gboolean
on_sigterm(gpointer data)
{
    pbx_core_request_stop(TRUE);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint(gpointer data)
{
    pbx_core_request_stop(FALSE);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup(gpointer data)
{
    g_autoptr(GString) out = g_string_new(NULL);
    pbx_notice(dom, "SIGHUP: reloading");
    pbx_daemon_reload(out);
    return G_SOURCE_CONTINUE;
}

static gboolean
write_pid_file(const char *run_dir, GError **error)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int) getpid());
    pid_file = g_build_filename(run_dir, "carillon.pid", NULL);
    return g_file_set_contents(pid_file, pid, -1, error);
}

static gboolean
make_dirs(const PbxPaths *p, GError **error)
{
    const char *dirs[] = { p->var_dir, p->run_dir };

    for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (g_mkdir_with_parents(dirs[i], 0750) != 0) {
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "cannot create %s: %s", dirs[i], g_strerror(errno));
            return FALSE;
        }
    }
    return TRUE;
}

/* Detaches from the terminal (without -f).  The parent exits once the
 * child is set up, so the exit status of `carillon` says whether it runs. */
static void
daemonize(void)
{
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "carillon: fork: %s\n", g_strerror(errno));
        exit(1);
    }
    if (pid > 0)
        _exit(0);
    setsid();
    if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout) ||
        !freopen("/dev/null", "w", stderr))
        exit(1);
}

int
pbx_daemon_run(const char *config_dir, gboolean fg)
{
    PbxPaths paths = { 0 };
    ModulesConf mods = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *abs_config = resolve_cwd(config_dir);
    g_autofree char *mod_path = NULL;
    g_autofree char *db_file = NULL;

    foreground = fg;
    dom = pbx_log_domain("core");
    pbx_cli_init();
    if (!load_core_config(abs_config, &paths, &mods, &error)) {
        fprintf(stderr, "carillon: %s\n", error->message);
        return 1;
    }
    mod_path = resolve_modules_path(abs_config, paths.modules_path);
    g_free(paths.modules_path);
    paths.modules_path = g_steal_pointer(&mod_path);
    if (!make_dirs(&paths, &error)) {
        fprintf(stderr, "carillon: %s\n", error->message);
        return 1;
    }
    pbx_paths_set(&paths);
    if (!foreground) {
        daemonize();
        pbx_log_configure(FALSE, TRUE);
    }
    signal(SIGPIPE, SIG_IGN);
    /* The main thread owns the default context from here on, so that
     * module loads and start-up code pass PBX_ASSERT_MAIN_CONTEXT() and
     * the events they publish are delivered at once. */
    g_main_context_acquire(g_main_context_default());
    loop = g_main_loop_new(NULL, FALSE);
    pbx_core_mark_started();
    if (!pbx_ctl_start(pbx_paths_get()->control_socket,
                       pbx_paths_get()->control_group,
                       pbx_paths_get()->control_mode, &error) ||
        !write_pid_file(pbx_core_get_run_dir(), &error)) {
        pbx_error(dom, "%s", error->message);
        return 1;
    }
    db_file = g_build_filename(pbx_core_get_var_dir(), "carillon.db", NULL);
    if (!pbx_db_init(db_file, &error)) {
        pbx_error(dom, "%s", error->message);
        pbx_ctl_stop();
        return 1;
    }
    pbx_cli_register_core_commands();
    pbx_calls_register_cli();
    pbx_codec_register_cli();
    pbx_cdr_enable(TRUE);
    pbx_modules_init(pbx_core_get_modules_dir());
    if (!load_modules(&mods, &error)) {
        pbx_error(dom, "%s", error->message);
        exit_status = 1;
        goto out;
    }
    if (!pbx_dialplan_init(&error)) {
        /* Calls are rejected until `dialplan reload` succeeds. */
        pbx_error(dom, "dialplan: %s", error->message);
        g_clear_error(&error);
    }
    g_unix_signal_add(SIGTERM, on_sigterm, NULL);
    g_unix_signal_add(SIGINT, on_sigint, NULL);
    g_unix_signal_add(SIGHUP, on_sighup, NULL);
    pbx_notice(dom, "Carillon %s ready (config %s)", PBX_VERSION, abs_config);
    pbx_event_publish(pbx_event_new("core/ready"));
    g_main_loop_run(loop);
out:
    pbx_dialplan_shutdown();
    settle_uses();
    pbx_modules_shutdown();
    pbx_calls_timers_shutdown();
    pbx_cdr_flush();
    pbx_db_shutdown();
    pbx_ctl_stop();
    if (pid_file)
        unlink(pid_file);
    pbx_config_options_clear(modules_opts, G_N_ELEMENTS(modules_opts), &mods);
    pbx_notice(dom, "Carillon stopped");
    g_main_loop_unref(loop);
    g_main_context_release(g_main_context_default());
    return exit_status;
}

/* The client needs only the control socket path.  It reads carillon.conf
 * leniently (a daemon may be running with a good config while the file on
 * disk is being edited): [general] control_socket, else run_dir. */
char *
pbx_daemon_socket_for(const char *config_dir, GError **error)
{
    g_autofree char *abs_config = resolve_cwd(config_dir);
    g_autofree char *path = g_build_filename(abs_config, "carillon.conf", NULL);
    g_autofree char *text = NULL;
    g_autofree char *sock = NULL, *run = NULL;
    g_auto(GStrv) lines = NULL;
    gboolean in_general = FALSE;

    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);
        char *eq = strchr(l, '=');
        char *semi;

        if (*l == '[') {
            in_general = g_str_has_prefix(l, "[general]");
            continue;
        }
        if (!in_general || !eq)
            continue;
        *eq = '\0';
        if ((semi = strchr(eq + 1, ';')))
            *semi = '\0';
        if (strcmp(g_strstrip(l), "control_socket") == 0) {
            g_free(sock);
            sock = g_strdup(g_strstrip(eq + 1));
        } else if (strcmp(l, "run_dir") == 0) {
            g_free(run);
            run = g_strdup(g_strstrip(eq + 1));
        }
    }
    if (sock && *sock)
        return resolve(abs_config, sock);
    if (run && *run) {
        g_autofree char *r = resolve(abs_config, run);
        return g_build_filename(r, "carillon.ctl", NULL);
    }
    return g_build_filename(PBX_DEFAULT_RUN_DIR, "carillon.ctl", NULL);
}
