/* Carillon - CLI commands.
 *
 * Commands are word sequences ("module show", "sip show endpoints").  The
 * longest registered command matching the leading words of a line runs
 * with the remaining words as arguments.  Handlers run on the main context
 * and write their output with pbx_cli_print(); they return FALSE (after
 * printing why) when the command failed, which `carillon -rx` turns into
 * a non-zero exit status.
 *
 * Thread affinity: the main context.  pbx_cli_register() and
 * pbx_cli_unregister() assert it; handlers and completers are called
 * there; pbx_cli_print() and pbx_cli_usage() take the running handler's
 * context and are only valid during that handler's call.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/module.h>

G_BEGIN_DECLS

typedef struct _PbxCliContext PbxCliContext;

typedef gboolean (*PbxCliHandler)(PbxCliContext *ctx, int argc,
                                  char **argv, gpointer data);
/* Candidates for argument number `argi` (0-based after the command words),
 * given the words before it; add g_strdup'ed strings to `out`. */
typedef void (*PbxCliCompleter)(int argi, char **argv, GPtrArray *out,
                                gpointer data);

typedef struct {
    const char *command;     /* "module load" */
    const char *args;        /* usage of the arguments: "NAME" or NULL */
    const char *summary;     /* one line for `help` */
    PbxCliHandler handler;
    PbxCliCompleter complete; /* may be NULL */
} PbxCliCommand;

/* `cmds` must stay valid while registered (use a static table). */
PBX_API gboolean pbx_cli_register(PbxModule *owner, const PbxCliCommand *cmds,
                                  gsize n_cmds, gpointer data, GError **error);
PBX_API void pbx_cli_unregister(const PbxCliCommand *cmds, gsize n_cmds);

PBX_API void pbx_cli_print(PbxCliContext *ctx, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Prints "Usage: <command> <args>" for the running command. */
PBX_API void pbx_cli_usage(PbxCliContext *ctx);

G_END_DECLS
