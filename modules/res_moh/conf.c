/* res_moh - moh.conf (see conf.h). */
#include <string.h>

#include "conf.h"

typedef struct {
    char *mode;
    char *directory;
    char *sort;
} RawClass;

/* One key of a class: name, type, field of RawClass, default. */
#define OPT(name, type, field, def) \
    { name, type, G_STRUCT_OFFSET(RawClass, field), def, 0, 0 }

static const PbxOption class_opts[] = {
    OPT("mode",      PBX_OPT_STRING, mode,      "files"),
    OPT("directory", PBX_OPT_STRING, directory, NULL),
    OPT("sort",      PBX_OPT_STRING, sort,      "alpha"),
};

const char *
moh_sort_to_string(MohSort sort)
{
    return sort == MOH_SORT_RANDOM ? "random" : "alpha";
}

static void
class_def_free(gpointer p)
{
    MohClassDef *def = p;

    g_free(def->name);
    g_free(def->directory);
    g_clear_pointer(&def->files, g_ptr_array_unref);
    g_free(def);
}

void
moh_conf_free(MohConf *conf)
{
    if (!conf)
        return;
    g_ptr_array_unref(conf->classes);
    g_free(conf);
}

static gboolean
parse_sort(const PbxConfig *cfg, const char *section, const char *value, MohSort *sort,
           GError **error)
{
    if (strcmp(value, "alpha") == 0) {
        *sort = MOH_SORT_ALPHA;
        return TRUE;
    }
    if (strcmp(value, "random") == 0) {
        *sort = MOH_SORT_RANDOM;
        return TRUE;
    }
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "sort",
                         "'%s' is not alpha or random", value);
    return FALSE;
}

/* mode and directory present and sane; the directory made absolute. */
static gboolean
check_raw(const PbxConfig *cfg, const char *section, RawClass *raw, const char *config_dir,
          GError **error)
{
    char *abs;

    if (strcmp(raw->mode, "files") != 0) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "mode",
                             "'%s' is not supported (only files)", raw->mode);
        return FALSE;
    }
    if (!raw->directory || !*raw->directory) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, NULL,
                             "a class of mode files needs a directory");
        return FALSE;
    }
    abs = g_path_is_absolute(raw->directory) ? g_strdup(raw->directory)
                                             : g_build_filename(config_dir, raw->directory, NULL);
    g_free(raw->directory);
    raw->directory = abs;
    return TRUE;
}

/* Fisher-Yates over the files. */
static void
shuffle(GPtrArray *files)
{
    for (guint i = files->len; i > 1; i--) {
        guint j = (guint) g_random_int_range(0, (gint32) i);
        gpointer t = files->pdata[i - 1];

        files->pdata[i - 1] = files->pdata[j];
        files->pdata[j] = t;
    }
}

static void
log_skipped(const MohClassDef *def, const MohScan *scan)
{
    g_autofree char *list = NULL;

    if (scan->skipped->len == 0)
        return;
    g_ptr_array_add(scan->skipped, NULL);
    list = g_strjoinv(", ", (char **) scan->skipped->pdata);
    pbx_info(pbx_log_domain("moh"), "class %s: skipped what libsndfile cannot read in %s: %s",
             def->name, def->directory, list);
}

/* The directory's files into def; a failure becomes the key's error. */
static gboolean
scan_class(const PbxConfig *cfg, MohClassDef *def, GError **error)
{
    g_autoptr(GError) local = NULL;
    MohScan scan = { 0 };

    if (!moh_scan_directory(def->directory, &scan, &local)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, def->name, "directory", "%s",
                             local->message);
        return FALSE;
    }
    log_skipped(def, &scan);
    def->files = g_steal_pointer(&scan.files);
    def->rate = scan.rate;
    def->seconds = scan.seconds;
    moh_scan_clear(&scan);
    if (def->sort == MOH_SORT_RANDOM)
        shuffle(def->files);
    return TRUE;
}

static MohClassDef *
class_from_section(const PbxConfig *cfg, const char *section, const char *config_dir,
                   GError **error)
{
    RawClass raw = { 0 };
    MohClassDef *def = g_new0(MohClassDef, 1);

    def->name = g_strdup(section);
    if (!pbx_config_apply(cfg, section, class_opts, G_N_ELEMENTS(class_opts), &raw, FALSE,
                          error)
        || !check_raw(cfg, section, &raw, config_dir, error)
        || !parse_sort(cfg, section, raw.sort, &def->sort, error)) {
        pbx_config_options_clear(class_opts, G_N_ELEMENTS(class_opts), &raw);
        class_def_free(def);
        return NULL;
    }
    def->directory = g_steal_pointer(&raw.directory);
    pbx_config_options_clear(class_opts, G_N_ELEMENTS(class_opts), &raw);
    if (scan_class(cfg, def, error))
        return def;
    class_def_free(def);
    return NULL;
}

/* [general] takes no keys yet. */
static gboolean
check_general(const PbxConfig *cfg, GError **error)
{
    return pbx_config_apply(cfg, "general", NULL, 0, NULL, FALSE, error);
}

MohConf *
moh_conf_parse(const PbxConfig *cfg, const char *config_dir, GError **error)
{
    g_autoptr(MohConf) conf = g_new0(MohConf, 1);
    const char *const *sections = cfg ? pbx_config_get_sections(cfg) : NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    conf->classes = g_ptr_array_new_with_free_func(class_def_free);
    if (cfg && !check_general(cfg, error))
        return NULL;
    for (guint i = 0; sections && sections[i]; i++) {
        MohClassDef *def;

        if (strcmp(sections[i], "general") == 0)
            continue;
        def = class_from_section(cfg, sections[i], config_dir, error);
        if (!def)
            return NULL;
        g_ptr_array_add(conf->classes, def);
    }
    return g_steal_pointer(&conf);
}

MohConf *
moh_conf_load(GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    cfg = pbx_core_load_config("moh.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    return moh_conf_parse(cfg, pbx_core_get_config_dir(), error);
}
