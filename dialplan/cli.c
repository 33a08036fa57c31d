/* Carillon - `dialplan reload` and `dialplan show`. */
#include <string.h>

#include "dialplan_private.h"

static gboolean
dialplan_reload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!pbx_dialplan_reload(&error)) {
        pbx_error(dp_dom, "dialplan reload: %s (old dialplan kept)",
                  error->message);
        pbx_cli_print(ctx, "Dialplan not reloaded: %s\n", error->message);
        pbx_cli_print(ctx, "The old dialplan stays in force.\n");
        return FALSE;
    }
    pbx_cli_print(ctx, "Dialplan reloaded from %s (generation %u)\n",
                  dp_get_script_path(), dp_current_script()->generation);
    return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The call handlers first, in the order a call meets them, then the
 * handlers modules run (on_message) by name. */
static gint
compare_handlers(gconstpointer a, gconstpointer b)
{
    static const char *const calls[] = { "on_invite", "on_dtmf", "on_refer" };
    const char *x = *(char *const *) a, *y = *(char *const *) b;
    guint rx = G_N_ELEMENTS(calls), ry = G_N_ELEMENTS(calls);

    for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
        rx = strcmp(x, calls[i]) == 0 ? i : rx;
        ry = strcmp(y, calls[i]) == 0 ? i : ry;
    }
    return rx != ry ? (gint) rx - (gint) ry : strcmp(x, y);
}

/* The names of the functions in a context table: its handlers. */
static GPtrArray *
handler_names(lua_State *L, int idx)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_isfunction(L, -1))
            g_ptr_array_add(names, g_strdup(lua_tostring(L, -2)));
        lua_pop(L, 1);
    }
    g_ptr_array_sort(names, compare_handlers);
    return names;
}

/* One line per context: its handlers, in sorted context order. */
static void
show_contexts(PbxCliContext *ctx, lua_State *L)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    lua_getglobal(L, "contexts");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1))
            g_ptr_array_add(names, g_strdup(lua_tostring(L, -2)));
        lua_pop(L, 1);
    }
    g_ptr_array_sort(names, compare_names);
    pbx_cli_print(ctx, "%-20s %s\n", "Context", "Handlers");
    for (guint i = 0; i < names->len; i++) {
        g_autoptr(GPtrArray) handlers = NULL;
        g_autofree char *line = NULL;
        lua_getfield(L, -1, names->pdata[i]);
        handlers = handler_names(L, -1);
        lua_pop(L, 1);
        g_ptr_array_add(handlers, NULL);
        line = g_strjoinv(", ", (char **) handlers->pdata);
        pbx_cli_print(ctx, "%-20s %s\n", (char *) names->pdata[i], *line ? line : "(none)");
    }
    lua_pop(L, 1);
    pbx_cli_print(ctx, "%u contexts\n", names->len);
}

static gboolean
dialplan_show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    Script *s = dp_current_script();

    if (!s) {
        pbx_cli_print(ctx, "No dialplan loaded\n");
        return FALSE;
    }
    pbx_cli_print(ctx, "Script:            %s\n", s->path);
    pbx_cli_print(ctx, "Generation:        %u\n", s->generation);
    pbx_cli_print(ctx, "Instruction budget: %u per slice\n",
                  dp_get_max_instructions());
    pbx_cli_print(ctx, "Calls in dialplan: %u (%u on older scripts)\n",
                  dp_active_calls(), dp_old_script_calls());
    show_contexts(ctx, s->L);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "dialplan reload", NULL, "Reload extensions.lua (calls in progress keep the old one)",
      dialplan_reload, NULL },
    { "dialplan show", NULL, "Show the dialplan's contexts and handlers", dialplan_show, NULL },
};

void
dp_register_cli(void)
{
    static gboolean done;

    if (done)
        return;
    done = TRUE;
    pbx_cli_register(NULL, commands, G_N_ELEMENTS(commands), NULL, NULL);
}
