/* Unit tests: handlers for events that are not calls
 * (pbx_dialplan_run_handler), as res_sip_message runs on_message. */
#include <string.h>
#include <glib/gstdio.h>

#include "../../../core/core_private.h"
#include "../../../dialplan/dialplan_private.h"

static char *conf_dir;
static GString *errors;
static guint error_sub;
static guint pushes;

static const char script[] =
    "context('office', {\n"
    "  on_message = function(msg)\n"
    "    local b = msg.body\n"
    "    if b == 'true' then return true\n"
    "    elseif b == 'false' then return false\n"
    "    elseif b == 'nil' then return nil\n"
    "    elseif b == 'nothing' then return\n"
    "    elseif b == 'status' then return 404\n"
    "    elseif b == 'string' then return 'queued'\n"
    "    elseif b == 'table' then return {}\n"
    "    elseif b == 'echo' then return msg.from .. '>' .. msg.to\n"
    "    elseif b == 'error' then error('boom')\n"                 /* line 12 */
    "    elseif b == 'sleep' then pbx.sleep(1)\n"
    "    elseif b == 'yield' then coroutine.yield()\n"
    "    elseif b == 'own-coroutine' then\n"
    "      local co = coroutine.wrap(function() coroutine.yield(7) end)\n"
    "      return co()\n"
    "    elseif b == 'loop' then\n"
    "      while true do pcall(function() while true do end end) end\n"
    "    end\n"
    "    return 'unexpected'\n"
    "  end,\n"
    "})\n"
    "contexts.quiet = {}\n";

static void
on_error(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(errors, "%s\n", pbx_event_get(ev, "message"));
}

static void
write_file(const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(conf_dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
setup(void)
{
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    conf_dir = g_dir_make_tmp("carillon-handler-XXXXXX", NULL);
    g_assert_nonnull(conf_dir);
    paths.config_dir = g_strdup(conf_dir);
    pbx_paths_set(&paths);
    write_file("extensions.lua", script);
    write_file("dialplan.conf", "[general]\nmax_instructions = 100000\n");
    errors = g_string_new(NULL);
    error_sub = pbx_event_subscribe(NULL, "dialplan/error", on_error, NULL);
    pushes = 0;
    g_assert_true(pbx_dialplan_init(&error));
    g_assert_no_error(error);
}

static void
teardown(void)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    pbx_dialplan_shutdown();
    pbx_event_unsubscribe(error_sub);
    g_string_free(errors, TRUE);
    dir = g_dir_open(conf_dir, 0, NULL);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(conf_dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(conf_dir);
    g_clear_pointer(&conf_dir, g_free);
}

/* msg = {from = "1001", to = "1002", body = data} */
static int
push_msg(lua_State *L, gconstpointer data)
{
    pushes++;
    lua_createtable(L, 0, 3);
    lua_pushliteral(L, "1001");
    lua_setfield(L, -2, "from");
    lua_pushliteral(L, "1002");
    lua_setfield(L, -2, "to");
    lua_pushstring(L, data);
    lua_setfield(L, -2, "body");
    return 1;
}

/* Runs office.on_message with body `body`; TRUE when it returned. */
static gboolean
run(const char *body, PbxDialplanValue *value, GError **error)
{
    return pbx_dialplan_run_handler("office", "on_message", push_msg, body, value, error);
}

static void
test_return_values(void)
{
    g_auto(PbxDialplanValue) v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_true(run("true", &v, &error));
    g_assert_no_error(error);
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_BOOLEAN);
    g_assert_true(v.boolean);
    g_assert_true(run("false", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_BOOLEAN);
    g_assert_false(v.boolean);
    g_assert_true(run("nil", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NIL);
    g_assert_true(run("nothing", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NIL);
    g_assert_true(run("status", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NUMBER);
    g_assert_cmpfloat(v.number, ==, 404);
    g_assert_true(run("string", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_STRING);
    g_assert_cmpstr(v.string, ==, "queued");
    pbx_dialplan_value_clear(&v);
    g_assert_null(v.string);
    g_assert_true(run("table", &v, NULL));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_OTHER);
    g_assert_true(run("echo", &v, NULL));
    g_assert_cmpstr(v.string, ==, "1001>1002");
    pbx_dialplan_value_clear(&v);
    g_assert_cmpuint(pushes, ==, 8);
    g_assert_cmpstr(errors->str, ==, "");
    g_assert_cmpint(lua_gettop(dp_current_script()->L), ==, 0);
    teardown();
}

/* No context, or no such handler in it: NO_HANDLER, and the arguments
 * are not even built, so the module can fall back cheaply. */
static void
test_missing_handler(void)
{
    PbxDialplanValue v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_false(pbx_dialplan_run_handler("nowhere", "on_message", push_msg, "x", &v,
                                            &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER);
    g_assert_nonnull(strstr(error->message, "on_message in context nowhere"));
    g_clear_error(&error);
    g_assert_false(pbx_dialplan_run_handler("quiet", "on_message", push_msg, "x", &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER);
    g_clear_error(&error);
    g_assert_false(pbx_dialplan_run_handler("office", "on_presence", NULL, NULL, &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER);
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NIL);
    g_assert_cmpuint(pushes, ==, 0);
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* A Lua error is reported with file:line (log and dialplan/error) and
 * comes back as FAILED with the same first line. */
static void
test_error(void)
{
    PbxDialplanValue v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_false(run("error", &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_FAILED);
    g_assert_cmpstr(error->message, ==, "on_message in context office: extensions.lua:12: boom");
    g_assert_nonnull(strstr(errors->str, "extensions.lua:12: boom"));
    g_assert_nonnull(strstr(errors->str, "traceback"));
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NIL);
    g_assert_cmpint(lua_gettop(dp_current_script()->L), ==, 0);
    teardown();
}

/* A handler cannot wait: pbx.sleep and a bare yield are errors; a
 * coroutine of its own may yield inside it. */
static void
test_cannot_wait(void)
{
    g_auto(PbxDialplanValue) v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_false(run("sleep", &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "can only wait inside on_invite"));
    g_clear_error(&error);
    g_assert_false(run("yield", &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "yield"));
    g_clear_error(&error);
    g_assert_true(run("own-coroutine", &v, &error));
    g_assert_no_error(error);
    g_assert_cmpint(v.type, ==, PBX_DIALPLAN_VALUE_NUMBER);
    g_assert_cmpfloat(v.number, ==, 7);
    teardown();
}

/* A runaway handler is stopped by the budget, even through pcall, and
 * the next run starts with a fresh budget. */
static void
test_budget(void)
{
    g_auto(PbxDialplanValue) v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_false(run("loop", &v, &error));
    g_assert_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "instruction budget exceeded"));
    g_clear_error(&error);
    g_assert_true(run("true", &v, &error));
    g_assert_no_error(error);
    g_assert_true(v.boolean);
    teardown();
}

/* After a reload the new script's handler runs. */
static void
test_reload(void)
{
    g_auto(PbxDialplanValue) v = { 0 };
    g_autoptr(GError) error = NULL;

    setup();
    write_file("extensions.lua",
               "context('office', { on_message = function(m) return 'v2:' .. m.body end })\n");
    g_assert_true(pbx_dialplan_reload(&error));
    g_assert_no_error(error);
    g_assert_true(run("hi", &v, &error));
    g_assert_cmpstr(v.string, ==, "v2:hi");
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Dialplan handlers for events that are not calls (pbx_dialplan_run_handler)");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_log_set_level("*", PBX_LOG_ERROR);
    g_test_add_func("/dialplan/handler/return-values", test_return_values);
    g_test_add_func("/dialplan/handler/missing", test_missing_handler);
    g_test_add_func("/dialplan/handler/error", test_error);
    g_test_add_func("/dialplan/handler/cannot-wait", test_cannot_wait);
    g_test_add_func("/dialplan/handler/budget", test_budget);
    g_test_add_func("/dialplan/handler/reload", test_reload);
    return g_test_run();
}
