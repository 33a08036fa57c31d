/* Unit tests: the INI config loader, templates, option tables, errors. */
#include <string.h>

#include <carillon/config.h>

static PbxConfig *
load(const char *text, GError **error)
{
    return pbx_config_load_data("test.conf", text, -1, error);
}

static void
test_basic(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = load("; comment\n"
                                    "# also a comment\n"
                                    "[general]\n"
                                    "  port = 5060   ; trailing comment\n"
                                    "name => Front desk\n"
                                    "semi = a\\;b\n"
                                    "\n"
                                    "[other]\n"
                                    "x=1\n", &error);
    const char *const *sections;

    g_assert_no_error(error);
    g_assert_nonnull(cfg);
    g_assert_cmpstr(pbx_config_get(cfg, "general", "port"), ==, "5060");
    g_assert_cmpstr(pbx_config_get(cfg, "general", "name"), ==, "Front desk");
    g_assert_cmpstr(pbx_config_get(cfg, "general", "semi"), ==, "a;b");
    g_assert_cmpstr(pbx_config_get(cfg, "other", "x"), ==, "1");
    g_assert_null(pbx_config_get(cfg, "other", "missing"));
    g_assert_null(pbx_config_get(cfg, "nosection", "x"));
    g_assert_cmpuint(pbx_config_get_line(cfg, "general", "port"), ==, 4);
    g_assert_cmpuint(pbx_config_get_line(cfg, "other", NULL), ==, 8);
    sections = pbx_config_get_sections(cfg);
    g_assert_cmpstr(sections[0], ==, "general");
    g_assert_cmpstr(sections[1], ==, "other");
    g_assert_null(sections[2]);
}

static void
test_repeated_keys(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = load("[modules]\nload = a\nload = b\nload = c\n",
                                    &error);
    const char *const *all;

    g_assert_no_error(error);
    all = pbx_config_get_all(cfg, "modules", "load");
    g_assert_nonnull(all);
    g_assert_cmpstr(all[0], ==, "a");
    g_assert_cmpstr(all[1], ==, "b");
    g_assert_cmpstr(all[2], ==, "c");
    g_assert_null(all[3]);
    g_assert_cmpstr(pbx_config_get(cfg, "modules", "load"), ==, "c");
    g_assert_cmpuint(pbx_config_get_line(cfg, "modules", "load"), ==, 4);
    g_assert_cmpstr(pbx_config_get_keys(cfg, "modules")[0], ==, "load");
    g_assert_null(pbx_config_get_keys(cfg, "modules")[1]);
}

static void
test_templates(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = load("[phone](!)\n"
                                    "context = office\n"
                                    "codecs = ulaw\n"
                                    "[vip](!)\n"
                                    "codecs = opus,ulaw\n"
                                    "[1001](phone)\n"
                                    "secret = pw1001\n"
                                    "[1002](phone,vip)\n"
                                    "context = exec\n", &error);
    const char *const *sections;

    g_assert_no_error(error);
    sections = pbx_config_get_sections(cfg);
    g_assert_cmpstr(sections[0], ==, "1001");
    g_assert_cmpstr(sections[1], ==, "1002");
    g_assert_null(sections[2]);
    g_assert_false(pbx_config_has_section(cfg, "phone"));
    g_assert_cmpstr(pbx_config_get(cfg, "1001", "context"), ==, "office");
    g_assert_cmpstr(pbx_config_get(cfg, "1001", "secret"), ==, "pw1001");
    g_assert_cmpstr(pbx_config_get(cfg, "1002", "codecs"), ==, "opus,ulaw");
    g_assert_cmpstr(pbx_config_get(cfg, "1002", "context"), ==, "exec");
}

/* List keys: the section's own lines replace the template's values (a
 * phone narrows `transports`), a later template replaces an earlier one,
 * repeated own lines add up, and an unset key keeps the template's. */
static void
test_template_lists(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = load("[phone](!)\n"
                                    "transports = udp,tcp,tls\n"
                                    "codecs = ulaw\n"
                                    "codecs = alaw\n"
                                    "[vip](!)\n"
                                    "codecs = opus\n"
                                    "[1001](phone)\n"
                                    "transports = tls\n"
                                    "[1002](phone,vip)\n"
                                    "transports = tcp\n"
                                    "transports = tls\n"
                                    "[1003](phone)\n", &error);
    const char *const *v;

    g_assert_no_error(error);
    v = pbx_config_get_all(cfg, "1001", "transports");
    g_assert_cmpstr(v[0], ==, "tls");
    g_assert_null(v[1]);
    v = pbx_config_get_all(cfg, "1001", "codecs");
    g_assert_cmpstr(v[0], ==, "ulaw");
    g_assert_cmpstr(v[1], ==, "alaw");
    g_assert_null(v[2]);
    v = pbx_config_get_all(cfg, "1002", "codecs");
    g_assert_cmpstr(v[0], ==, "opus");
    g_assert_null(v[1]);
    v = pbx_config_get_all(cfg, "1002", "transports");
    g_assert_cmpstr(v[0], ==, "tcp");
    g_assert_cmpstr(v[1], ==, "tls");
    g_assert_null(v[2]);
    v = pbx_config_get_all(cfg, "1003", "transports");
    g_assert_cmpstr(v[0], ==, "udp,tcp,tls");
    g_assert_null(v[1]);
    g_assert_cmpuint(pbx_config_get_line(cfg, "1001", "transports"), ==, 8);
}

/* Every syntax error names the file and the line. */
static void
test_errors(void)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "[a]\nx = 1\nnot a pair\n", "test.conf:3: expected 'key = value'" },
        { "x = 1\n", "test.conf:1: 'x = 1' before any [section]" },
        { "[a\n", "test.conf:1: section header without ']'" },
        { "[a]\n[a]\n", "test.conf:2: section [a] defined twice (first at line 1)" },
        { "[a](nosuch)\n", "test.conf:1: section [a] uses unknown template 'nosuch'" },
        { "[a] junk\n", "test.conf:1: unexpected text after section header" },
        { "[]\n", "test.conf:1: bad section name" },
        { "[a]\n = v\n", "test.conf:2: bad key name" },
        { "[a]\nk = \xff\xfe\n", "test.conf:2: not valid UTF-8" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PbxConfig) cfg = load(cases[i].text, &error);
        g_assert_null(cfg);
        g_assert_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_SYNTAX);
        if (!g_str_has_prefix(error->message, cases[i].message))
            g_error("case %u: got '%s', want prefix '%s'", i, error->message,
                    cases[i].message);
    }
}

static void
test_nul_byte(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("t.conf", "[a]\nk=v\0w\n",
                                                    11, &error);
    g_assert_null(cfg);
    g_assert_nonnull(strstr(error->message, "t.conf:2: NUL byte"));
}

typedef struct {
    char *name;
    gint port;
    guint count;
    gboolean on;
    char **list;
} Opts;

static const PbxOption opts[] = {
    { "name",  PBX_OPT_STRING, G_STRUCT_OFFSET(Opts, name), "dflt", 0, 0 },
    { "port",  PBX_OPT_INT,    G_STRUCT_OFFSET(Opts, port), "5060", 1, 65535 },
    { "count", PBX_OPT_UINT,   G_STRUCT_OFFSET(Opts, count), "3", 0, 0 },
    { "on",    PBX_OPT_BOOL,   G_STRUCT_OFFSET(Opts, on), "yes", 0, 0 },
    { "list",  PBX_OPT_STRV,   G_STRUCT_OFFSET(Opts, list), NULL, 0, 0 },
};

static void
test_options(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = load("[s]\nport = 5070\non = off\n"
                                    "list = a, b\nlist = c\n", &error);
    Opts o = { 0 };

    g_assert_true(pbx_config_apply(cfg, "s", opts, G_N_ELEMENTS(opts), &o,
                                   FALSE, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(o.name, ==, "dflt");
    g_assert_cmpint(o.port, ==, 5070);
    g_assert_cmpuint(o.count, ==, 3);
    g_assert_false(o.on);
    g_assert_cmpuint(g_strv_length(o.list), ==, 3);
    g_assert_cmpstr(o.list[2], ==, "c");
    pbx_config_options_clear(opts, G_N_ELEMENTS(opts), &o);

    /* A missing section (or no file at all) gives the defaults. */
    g_assert_true(pbx_config_apply(NULL, "s", opts, G_N_ELEMENTS(opts), &o,
                                   FALSE, &error));
    g_assert_cmpint(o.port, ==, 5060);
    g_assert_true(o.on);
    pbx_config_options_clear(opts, G_N_ELEMENTS(opts), &o);
}

static void
test_option_errors(void)
{
    static const struct {
        const char *text;
        gint code;
        const char *message;
    } cases[] = {
        { "[s]\nport = 99999\n", PBX_CONFIG_ERROR_VALUE,
          "test.conf:2: [s] port: 99999 is out of range 1..65535" },
        { "[s]\n\nport = fast\n", PBX_CONFIG_ERROR_VALUE,
          "test.conf:3: [s] port: 'fast' is not a valid number" },
        { "[s]\non = maybe\n", PBX_CONFIG_ERROR_VALUE,
          "test.conf:2: [s] on: 'maybe' is not a valid yes/no value" },
        { "[s]\nprot = 1\n", PBX_CONFIG_ERROR_UNKNOWN_KEY,
          "test.conf:2: [s] prot: unknown option" },
        { "[s]\ncount = -1\n", PBX_CONFIG_ERROR_VALUE,
          "test.conf:2: [s] count: '-1' is not a valid number" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(PbxConfig) cfg = load(cases[i].text, &error);
        Opts o = { 0 };

        g_assert_no_error(error);
        g_assert_false(pbx_config_apply(cfg, "s", opts, G_N_ELEMENTS(opts), &o,
                                        FALSE, &error));
        g_assert_error(error, PBX_CONFIG_ERROR, cases[i].code);
        g_assert_cmpstr(error->message, ==, cases[i].message);
        pbx_config_options_clear(opts, G_N_ELEMENTS(opts), &o);
    }
}

static void
test_load_file_missing(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_file("/nonexistent/x.conf", &error);

    g_assert_null(cfg);
    g_assert_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO);
}

static void
test_bool(void)
{
    gboolean b;

    g_assert_true(pbx_config_parse_bool("Yes", &b) && b);
    g_assert_true(pbx_config_parse_bool("off", &b) && !b);
    g_assert_true(pbx_config_parse_bool("1", &b) && b);
    g_assert_false(pbx_config_parse_bool("yep", &b));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("The INI configuration loader");
    g_test_add_func("/core/config/basic", test_basic);
    g_test_add_func("/core/config/repeated-keys", test_repeated_keys);
    g_test_add_func("/core/config/templates", test_templates);
    g_test_add_func("/core/config/template-lists-replace", test_template_lists);
    g_test_add_func("/core/config/errors-name-file-and-line", test_errors);
    g_test_add_func("/core/config/nul-byte", test_nul_byte);
    g_test_add_func("/core/config/options", test_options);
    g_test_add_func("/core/config/option-errors", test_option_errors);
    g_test_add_func("/core/config/missing-file", test_load_file_missing);
    g_test_add_func("/core/config/bool", test_bool);
    return g_test_run();
}
