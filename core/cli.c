/* Carillon - the CLI command registry, dispatch and completion.
 *
 * Commands are matched word by word (case-insensitive); the longest
 * registered command that prefixes the line wins and gets the remaining
 * words as arguments.  Words are split on blanks; double quotes group.
 */
#include <stdarg.h>
#include <string.h>

#include "core_private.h"

typedef struct {
    const PbxCliCommand *def;
    char **words;
    guint n_words;
    PbxModule *owner;
    gpointer data;
    gpointer cleanup;
} Command;

struct _PbxCliContext {
    GString *out;
    const Command *cmd;
};

static GPtrArray *commands;    /* Command*, sorted by command text */

void
pbx_cli_init(void)
{
    if (!commands)
        commands = g_ptr_array_new();
}

/* Splits a line into words; "..." groups, backslash escapes in quotes. */
static GPtrArray *
split_words(const char *line, gboolean *trailing_space)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = line;

    *trailing_space = TRUE;
    while (*p) {
        GString *w;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        w = g_string_new(NULL);
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && p[1])
                        p++;
                    g_string_append_c(w, *p);
                }
                if (*p)
                    p++;
            } else {
                g_string_append_c(w, *p++);
            }
        }
        *trailing_space = (*p != '\0');
        g_ptr_array_add(words, g_string_free(w, FALSE));
    }
    return words;
}

static gint
compare_commands(gconstpointer a, gconstpointer b)
{
    const Command *x = *(Command *const *) a, *y = *(Command *const *) b;
    return strcmp(x->def->command, y->def->command);
}

static void
command_remove(gpointer data)
{
    Command *c = data;
    g_ptr_array_remove(commands, c);
    g_strfreev(c->words);
    g_free(c);
}

static Command *
find_exact(const char *text)
{
    for (guint i = 0; i < commands->len; i++) {
        Command *c = commands->pdata[i];
        if (g_ascii_strcasecmp(c->def->command, text) == 0)
            return c;
    }
    return NULL;
}

gboolean
pbx_cli_register(PbxModule *owner, const PbxCliCommand *cmds, gsize n_cmds,
                 gpointer data, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    pbx_cli_init();
    for (gsize i = 0; i < n_cmds; i++) {
        if (find_exact(cmds[i].command)) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                        "CLI command '%s' is already registered",
                        cmds[i].command);
            pbx_cli_unregister(cmds, i);
            return FALSE;
        }
    }
    for (gsize i = 0; i < n_cmds; i++) {
        Command *c = g_new0(Command, 1);
        c->def = &cmds[i];
        c->words = g_strsplit(cmds[i].command, " ", -1);
        c->n_words = g_strv_length(c->words);
        c->owner = owner;
        c->data = data;
        c->cleanup = pbx_module_on_unload(owner, command_remove, c);
        g_ptr_array_add(commands, c);
    }
    g_ptr_array_sort(commands, compare_commands);
    return TRUE;
}

void
pbx_cli_unregister(const PbxCliCommand *cmds, gsize n_cmds)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (gsize i = 0; i < n_cmds; i++) {
        for (guint j = 0; j < commands->len; j++) {
            Command *c = commands->pdata[j];
            if (c->def == &cmds[i]) {
                pbx_module_forget(c->owner, c->cleanup);
                command_remove(c);
                break;
            }
        }
    }
}

void
pbx_cli_print(PbxCliContext *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(ctx->out, fmt, ap);
    va_end(ap);
}

void
pbx_cli_usage(PbxCliContext *ctx)
{
    pbx_cli_print(ctx, "Usage: %s%s%s\n", ctx->cmd->def->command,
                  ctx->cmd->def->args ? " " : "",
                  ctx->cmd->def->args ? ctx->cmd->def->args : "");
}

/* Number of leading words of `words` matching command c (all of c's words
 * must match for a full match). */
static guint
match_len(const Command *c, GPtrArray *words)
{
    guint n = 0;
    while (n < c->n_words && n < words->len &&
           g_ascii_strcasecmp(c->words[n], words->pdata[n]) == 0)
        n++;
    return n;
}

static Command *
find_command(GPtrArray *words)
{
    Command *best = NULL;

    for (guint i = 0; i < commands->len; i++) {
        Command *c = commands->pdata[i];
        if (match_len(c, words) == c->n_words &&
            (!best || c->n_words > best->n_words))
            best = c;
    }
    return best;
}

/* Lists the commands starting with the given words (for `help X` and for
 * incomplete commands). */
static guint
list_commands(GString *out, GPtrArray *words)
{
    guint n = 0;

    for (guint i = 0; i < commands->len; i++) {
        Command *c = commands->pdata[i];
        g_autofree char *full = NULL;
        guint m = match_len(c, words);
        if (m != words->len && m != c->n_words)
            continue;
        full = g_strdup_printf("%s%s%s", c->def->command,
                               c->def->args ? " " : "",
                               c->def->args ? c->def->args : "");
        g_string_append_printf(out, "%-40s %s\n", full,
                               c->def->summary ? c->def->summary : "");
        n++;
    }
    return n;
}

gboolean
pbx_cli_execute(const char *line, GString *out)
{
    gboolean trailing;
    g_autoptr(GPtrArray) words = split_words(line, &trailing);
    Command *c;
    PbxCliContext ctx = { out, NULL };

    PBX_ASSERT_MAIN_CONTEXT();
    pbx_cli_init();
    if (words->len == 0)
        return TRUE;
    if (g_ascii_strcasecmp(words->pdata[0], "help") == 0) {
        g_ptr_array_remove_index(words, 0);
        if (list_commands(out, words) == 0) {
            g_string_append_printf(out, "No commands match '%s'\n", line);
            return FALSE;
        }
        return TRUE;
    }
    c = find_command(words);
    if (!c) {
        g_string_append_printf(out, "No such command '%s' (type 'help' for help)\n",
                               line);
        list_commands(out, words);
        return FALSE;
    }
    ctx.cmd = c;
    g_ptr_array_add(words, NULL);
    return c->def->handler(&ctx, (int) (words->len - 1 - c->n_words),
                           (char **) words->pdata + c->n_words, c->data);
}

static void
add_candidate(GPtrArray *cands, const char *word, const char *partial)
{
    if (!g_str_has_prefix(word, partial))
        return;
    for (guint i = 0; i < cands->len; i++) {
        if (strcmp(cands->pdata[i], word) == 0)
            return;
    }
    g_ptr_array_add(cands, g_strdup(word));
}

void
pbx_cli_complete(const char *line, GString *out)
{
    gboolean trailing;
    g_autoptr(GPtrArray) words = split_words(line, &trailing);
    g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *partial = NULL;
    guint k;

    PBX_ASSERT_MAIN_CONTEXT();
    pbx_cli_init();
    if (!trailing && words->len > 0) {
        partial = g_strdup(words->pdata[words->len - 1]);
        g_ptr_array_remove_index(words, words->len - 1);
    } else {
        partial = g_strdup("");
    }
    k = words->len;
    if (k == 0)
        add_candidate(cands, "help", partial);
    for (guint i = 0; i < commands->len; i++) {
        Command *c = commands->pdata[i];
        guint m = match_len(c, words);
        if (k < c->n_words && m == k) {
            add_candidate(cands, c->words[k], partial);
        } else if (k >= c->n_words && m == c->n_words && c->def->complete) {
            g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(words, NULL);
            c->def->complete((int) (k - c->n_words),
                             (char **) words->pdata + c->n_words, more, c->data);
            g_ptr_array_remove_index(words, words->len - 1);
            for (guint j = 0; j < more->len; j++)
                add_candidate(cands, more->pdata[j], partial);
        }
    }
    for (guint i = 0; i < cands->len; i++)
        g_string_append_printf(out, "%s\n", (char *) cands->pdata[i]);
}
