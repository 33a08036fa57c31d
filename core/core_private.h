/* Carillon - core internals shared between core files (not installed). */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

/* paths.c */
typedef struct {
    char *config_dir;
    char *var_dir;
    char *run_dir;
    char *modules_path;       /* ':'-separated */
    char *control_socket;
    char *control_group;
    guint control_mode;
    char *sounds_dir;         /* changed by a reload (main context) */
    char *language;           /* changed by a reload (main context) */
} PbxPaths;

void pbx_paths_set(PbxPaths *paths);    /* takes ownership of contents */
const PbxPaths *pbx_paths_get(void);
void pbx_paths_clear(PbxPaths *p);
/* At reload: takes sounds_dir and language from fresh (main context). */
void pbx_paths_reload(PbxPaths *fresh);
void pbx_core_mark_started(void);
void pbx_core_mark_reloaded(void);

/* cli.c */
typedef struct {
    gboolean ok;
    GString *out;
} PbxCliResult;
void pbx_cli_init(void);
/* Runs one command line; output appended to out.  Returns success. */
gboolean pbx_cli_execute(const char *line, GString *out);
/* Completion candidates for the last word of `line`, one per line. */
void pbx_cli_complete(const char *line, GString *out);
void pbx_cli_register_core_commands(void);

/* ctl.c: the control socket server */
gboolean pbx_ctl_start(const char *path, const char *group, guint mode,
                       GError **error);
void pbx_ctl_stop(void);
guint pbx_ctl_pending_writes(void);

/* remote.c: the client side (carillon -r / -rx) */
int pbx_remote_run(const char *socket_path, const char *command);

/* db.c */
gboolean pbx_db_init(const char *path, GError **error);
void pbx_db_shutdown(void);
/* Runs every job queued so far and their completions, now (the loader,
 * before it closes a module whose code they may be). */
void pbx_db_drain(void);

/* daemon.c */
gboolean pbx_daemon_reload(GString *out);

G_END_DECLS
