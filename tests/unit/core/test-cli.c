/* Unit tests: CLI dispatch, argument splitting, help and completion. */
#include <string.h>

#include "../../../core/core_private.h"

static char *last_args;

static gboolean
record(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_free(last_args);
    last_args = g_strjoinv("|", argv);
    g_assert_cmpuint(g_strv_length(argv), ==, (guint) argc);
    pbx_cli_print(ctx, "%s:%d\n", (const char *) data, argc);
    return argc < 3;
}

static void
complete_colors(int argi, char **argv, GPtrArray *out, gpointer data)
{
    if (argi == 0) {
        g_ptr_array_add(out, g_strdup("red"));
        g_ptr_array_add(out, g_strdup("green"));
        g_ptr_array_add(out, g_strdup("blue"));
    }
}

static const PbxCliCommand cmds[] = {
    { "paint show",      NULL,    "Show paint", record, NULL },
    { "paint show wall", "COLOR", "Show a wall", record, complete_colors },
    { "paint set",       "COLOR", "Set paint", record, complete_colors },
};

static void
setup(void)
{
    static gboolean done;
    if (!done) {
        g_assert_true(pbx_cli_register(NULL, cmds, G_N_ELEMENTS(cmds),
                                       (gpointer) "tag", NULL));
        done = TRUE;
    }
}

static void
test_dispatch_longest_match(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    setup();
    g_assert_true(pbx_cli_execute("paint show wall green", out));
    g_assert_cmpstr(last_args, ==, "green");
    g_assert_cmpstr(out->str, ==, "tag:1\n");
    g_string_truncate(out, 0);
    g_assert_true(pbx_cli_execute("  PAINT   show  ", out));
    g_assert_cmpstr(last_args, ==, "");
    g_assert_true(pbx_cli_execute("paint show floor", out));
    g_assert_cmpstr(last_args, ==, "floor");
}

static void
test_quotes(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    setup();
    g_assert_true(pbx_cli_execute("paint set \"dark \\\"blue\\\"\" x", out));
    g_assert_cmpstr(last_args, ==, "dark \"blue\"|x");
}

static void
test_failure_status(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    setup();
    g_assert_false(pbx_cli_execute("paint set a b c", out));
    g_assert_false(pbx_cli_execute("paint", out));
    g_assert_nonnull(strstr(out->str, "No such command 'paint'"));
    g_assert_nonnull(strstr(out->str, "paint set COLOR"));
    g_assert_true(pbx_cli_execute("", out));
}

static void
test_duplicate_refused(void)
{
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_false(pbx_cli_register(NULL, cmds, 1, NULL, &error));
    g_assert_nonnull(strstr(error->message, "already registered"));
}

static void
test_help(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    setup();
    g_assert_true(pbx_cli_execute("help paint show", out));
    g_assert_nonnull(strstr(out->str, "paint show wall COLOR"));
    g_assert_null(strstr(out->str, "paint set"));
    g_string_truncate(out, 0);
    g_assert_false(pbx_cli_execute("help nothing", out));
}

static void
test_complete(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    setup();
    pbx_cli_complete("pa", out);
    g_assert_cmpstr(out->str, ==, "paint\n");
    g_string_truncate(out, 0);
    pbx_cli_complete("paint ", out);
    g_assert_cmpstr(out->str, ==, "set\nshow\n");
    g_string_truncate(out, 0);
    pbx_cli_complete("paint set g", out);
    g_assert_cmpstr(out->str, ==, "green\n");
    g_string_truncate(out, 0);
    pbx_cli_complete("paint show ", out);
    g_assert_cmpstr(out->str, ==, "wall\n");
    g_string_truncate(out, 0);
    pbx_cli_complete("paint set red ", out);
    g_assert_cmpstr(out->str, ==, "");
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("CLI command registry, dispatch and completion");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/core/cli/longest-match", test_dispatch_longest_match);
    g_test_add_func("/core/cli/quotes", test_quotes);
    g_test_add_func("/core/cli/failure-status", test_failure_status);
    g_test_add_func("/core/cli/duplicate-refused", test_duplicate_refused);
    g_test_add_func("/core/cli/help", test_help);
    g_test_add_func("/core/cli/complete", test_complete);
    rc = g_test_run();
    g_free(last_args);
    return rc;
}
