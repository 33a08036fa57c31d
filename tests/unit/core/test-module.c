/* Unit tests: the module loader, in process, with the test modules. */
#include <string.h>

#include <glib/gstdio.h>

#include "../../../core/core_private.h"
#include "../../../core/module_private.h"

static char *config_dir;

static void
setup_paths(void)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "tests", "modules",
                                             NULL);
    PbxPaths p = { 0 };
    g_autoptr(GError) error = NULL;

    config_dir = g_dir_make_tmp("carillon-unit-XXXXXX", &error);
    g_assert_no_error(error);
    p.config_dir = g_strdup(config_dir);
    p.modules_path = g_strdup(mods);
    pbx_paths_set(&p);
    pbx_modules_init(mods);
}

static void
write_provider_conf(const char *text)
{
    g_autofree char *path = g_build_filename(config_dir, "test_provider.conf",
                                             NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_refusals(void)
{
    static const struct {
        const char *name;
        gint code;
        const char *text;
    } cases[] = {
        { "test_badabi", PBX_MODULE_ERROR_ABI, "module ABI 999" },
        { "test_missingdep", PBX_MODULE_ERROR_DEPENDENCY, "test_no_such_module" },
        { "test_loadfail", PBX_MODULE_ERROR_LOAD, "refusing to load on purpose" },
        { "test_noinfo", PBX_MODULE_ERROR_OPEN, "not a Carillon module" },
        { "test_nothing_here", PBX_MODULE_ERROR_NOT_FOUND, "not found" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_null(pbx_module_load(cases[i].name, &error));
        g_assert_error(error, PBX_MODULE_ERROR, cases[i].code);
        g_assert_nonnull(strstr(error->message, cases[i].text));
        g_assert_null(pbx_module_find(cases[i].name));
    }
}

static void
test_dependencies_and_uses(void)
{
    g_autoptr(GError) error = NULL;
    PbxModule *provider, *consumer;
    g_autoptr(GString) out = g_string_new(NULL);

    write_provider_conf("[general]\ngreeting = hi\n");
    consumer = pbx_module_load("test_consumer", &error);
    g_assert_no_error(error);
    provider = pbx_module_find("test_provider");
    g_assert_nonnull(provider);
    g_assert_nonnull(consumer);
    g_assert_cmpuint(pbx_module_get_use_count(provider), ==, 1);
    g_assert_true(pbx_cli_execute("test consumer add 20 22", out));
    g_assert_cmpstr(out->str, ==, "42\n");

    g_assert_false(pbx_module_unload("test_provider", FALSE, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE);
    g_clear_error(&error);
    g_assert_true(pbx_module_unload("test_consumer", FALSE, &error));
    g_assert_cmpuint(pbx_module_get_use_count(provider), ==, 0);
    g_string_truncate(out, 0);
    g_assert_false(pbx_cli_execute("test consumer add 1 1", out));

    pbx_module_use(provider);
    g_assert_false(pbx_module_unload("test_provider", FALSE, &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE);
    g_clear_error(&error);
    g_assert_true(pbx_module_unload("test_provider", TRUE, &error));
    g_assert_null(pbx_module_find("test_provider"));
    g_assert_null(pbx_module_get_api(NULL, "test.provider", &error));
    g_assert_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_DEPENDENCY);
}

static void
test_reload_keeps_old_config(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    write_provider_conf("[general]\ngreeting = one\n");
    g_assert_nonnull(pbx_module_load("test_provider", &error));
    write_provider_conf("[general]\nbroken line\n");
    g_assert_false(pbx_module_reload("test_provider", &error));
    g_assert_nonnull(strstr(error->message, "test_provider.conf:2:"));
    g_assert_true(pbx_cli_execute("test provider greeting", out));
    g_assert_cmpstr(out->str, ==, "greeting: one (reloads: 0)\n");
    pbx_modules_shutdown();
    g_assert_null(pbx_module_find("test_provider"));
}

/* A provider that fetches an API of its own dependent (as chan_sip does
 * with res_rtp) must not close a dependency cycle: forced unloads walk
 * the tree and would never end. */
static void
test_no_dependency_cycle(void)
{
    static const int api = 7;
    g_autoptr(GError) error = NULL;
    PbxModule *provider, *consumer;

    write_provider_conf("[general]\ngreeting = hi\n");
    consumer = pbx_module_load("test_consumer", &error);
    g_assert_no_error(error);
    provider = pbx_module_find("test_provider");
    pbx_module_provide_api(consumer, "test.back", &api);
    g_assert_true(pbx_module_get_api(provider, "test.back", &error) == &api);
    g_assert_cmpuint(pbx_module_get_use_count(consumer), ==, 0);
    g_assert_cmpuint(pbx_module_get_use_count(provider), ==, 1);
    g_assert_true(pbx_module_unload("test_provider", TRUE, &error));
    g_assert_null(pbx_module_find("test_consumer"));
    g_assert_null(pbx_module_find("test_provider"));
}

static void
test_available(void)
{
    g_autoptr(GPtrArray) avail = pbx_modules_available();
    gboolean found = FALSE;

    for (guint i = 0; i < avail->len; i++)
        found |= strcmp(avail->pdata[i], "test_provider") == 0;
    g_assert_true(found);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("Module loading, dependencies, uses and reload");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_log_set_level("*", PBX_LOG_ERROR);
    setup_paths();
    g_test_add_func("/core/module/refusals", test_refusals);
    g_test_add_func("/core/module/dependencies-and-uses",
                    test_dependencies_and_uses);
    g_test_add_func("/core/module/reload-keeps-old-config",
                    test_reload_keeps_old_config);
    g_test_add_func("/core/module/no-dependency-cycle", test_no_dependency_cycle);
    g_test_add_func("/core/module/available", test_available);
    rc = g_test_run();
    g_autofree char *conf = g_build_filename(config_dir, "test_provider.conf", NULL);
    g_remove(conf);
    g_rmdir(config_dir);
    return rc;
}
