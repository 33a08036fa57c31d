/* Carillon - INI configuration files with file:line errors and templates.
 *
 * GKeyFile reports syntax errors without line numbers and knows nothing of
 * Asterisk-style templates, so the files are read here line by line into
 * sections of (key, value, line) entries.  Templates are resolved at load
 * time: a section that names templates starts with copies of their entries.
 *
 * The rule for a key (list-valued ones included): its values come from the
 * nearest place that sets it.  The section's own lines replace whatever a
 * template gave for that key; of several templates, a later one replaces an
 * earlier one's values; repeated lines in one section add up.  So a phone
 * that says `transports = tls` is TLS-only even if its template allows
 * udp,tcp,tls.  (Asterisk's chan_sip appends `allow=` lines to a
 * template's and needs `disallow=all` to narrow them; nothing here needs
 * appending, and no key here has a `disallow` to undo it.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <carillon/config.h>

typedef struct {
    char *key;
    char *value;
    guint line;
    gboolean inherited;       /* copied from a template */
} Entry;

typedef struct {
    char *name;
    guint line;
    gboolean is_template;
    GArray *entries;          /* Entry, file order */
    GPtrArray *keys;          /* distinct keys in order, NULL-terminated */
    GHashTable *multi;        /* key -> GPtrArray of values, NULL-terminated */
} Section;

struct _PbxConfig {
    gint refs;
    char *name;
    GPtrArray *sections;      /* Section*, file order (templates included) */
    GPtrArray *names;         /* non-template names, NULL-terminated */
    GHashTable *by_name;      /* name -> Section* */
};

G_DEFINE_QUARK(pbx-config-error-quark, pbx_config_error)

static void
entry_clear(gpointer p)
{
    Entry *e = p;
    g_free(e->key);
    g_free(e->value);
}

static void
section_free(gpointer p)
{
    Section *s = p;
    g_free(s->name);
    g_array_unref(s->entries);
    if (s->keys)
        g_ptr_array_unref(s->keys);
    if (s->multi)
        g_hash_table_unref(s->multi);
    g_free(s);
}

static Section *
section_new(const char *name, guint line)
{
    Section *s = g_new0(Section, 1);
    s->name = g_strdup(name);
    s->line = line;
    s->entries = g_array_new(FALSE, TRUE, sizeof(Entry));
    g_array_set_clear_func(s->entries, entry_clear);
    return s;
}

static void
section_add(Section *s, const char *key, const char *value, guint line, gboolean inherited)
{
    Entry e = { g_strdup(key), g_strdup(value), line, inherited };
    g_array_append_val(s->entries, e);
}

/* Drops the values of `key` that s got from its templates. */
static void
section_drop_inherited(Section *s, const char *key)
{
    for (guint i = s->entries->len; i > 0; i--) {
        const Entry *e = &g_array_index(s->entries, Entry, i - 1);
        if (e->inherited && strcmp(e->key, key) == 0)
            g_array_remove_index(s->entries, i - 1);
    }
}

/* The section's own line for a key replaces the templates' values. */
static void
section_set_own(Section *s, const char *key, const char *value, guint line)
{
    section_drop_inherited(s, key);
    section_add(s, key, value, line, FALSE);
}

/* Copies a template's entries; its keys replace earlier templates'. */
static void
section_inherit(Section *s, const Section *tpl)
{
    for (guint j = 0; j < tpl->entries->len; j++)
        section_drop_inherited(s, g_array_index(tpl->entries, Entry, j).key);
    for (guint j = 0; j < tpl->entries->len; j++) {
        const Entry *e = &g_array_index(tpl->entries, Entry, j);
        section_add(s, e->key, e->value, e->line, TRUE);
    }
}

/* Builds the per-key lookup tables once all entries are known. */
static void
section_index(Section *s)
{
    s->keys = g_ptr_array_new();
    s->multi = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify) g_ptr_array_unref);
    for (guint i = 0; i < s->entries->len; i++) {
        Entry *e = &g_array_index(s->entries, Entry, i);
        GPtrArray *vals = g_hash_table_lookup(s->multi, e->key);
        if (!vals) {
            vals = g_ptr_array_new();
            g_ptr_array_add(vals, NULL);
            g_hash_table_insert(s->multi, e->key, vals);
            g_ptr_array_add(s->keys, e->key);
        }
        vals->pdata[vals->len - 1] = e->value;
        g_ptr_array_add(vals, NULL);
    }
    g_ptr_array_add(s->keys, NULL);
}

static const Entry *
section_last(const Section *s, const char *key)
{
    for (guint i = s->entries->len; i > 0; i--) {
        const Entry *e = &g_array_index(s->entries, Entry, i - 1);
        if (strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

static void
syntax_error(GError **error, const char *name, guint line, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void
syntax_error(GError **error, const char *name, guint line, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_SYNTAX, "%s:%u: %s",
                name, line, msg);
}

/* Strips a comment (';' unless escaped as "\;") and surrounding blanks in
 * place; turns "\;" into ";". */
static char *
strip_line(char *line)
{
    char *r = line, *w = line;

    for (; *r; r++) {
        if (r[0] == '\\' && r[1] == ';') {
            *w++ = ';';
            r++;
            continue;
        }
        if (*r == ';')
            break;
        *w++ = *r;
    }
    *w = '\0';
    return g_strstrip(line);
}

static gboolean
valid_name(const char *s)
{
    if (!*s)
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_isalnum(*s) && !strchr("_-.+@*/:", *s))
            return FALSE;
    }
    return TRUE;
}

/* Copies the entries of every template named in `list` ("a,b" or "!")
 * into s.  Templates must be defined before use, as in Asterisk. */
static gboolean
apply_templates(PbxConfig *cfg, Section *s, const char *list, guint line,
                GError **error)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);

    for (guint i = 0; names[i]; i++) {
        char *t = g_strstrip(names[i]);
        Section *tpl;

        if (strcmp(t, "!") == 0) {
            s->is_template = TRUE;
            continue;
        }
        if (!valid_name(t)) {
            syntax_error(error, cfg->name, line, "bad template name '%s'", t);
            return FALSE;
        }
        tpl = g_hash_table_lookup(cfg->by_name, t);
        if (!tpl) {
            syntax_error(error, cfg->name, line,
                         "section [%s] uses unknown template '%s'", s->name, t);
            return FALSE;
        }
        section_inherit(s, tpl);
    }
    return TRUE;
}

/* Parses "[name]" or "[name](templates)". */
static Section *
parse_section_header(PbxConfig *cfg, char *line, guint lineno, GError **error)
{
    char *close = strchr(line, ']');
    char *rest, *name;
    Section *s;

    if (!close) {
        syntax_error(error, cfg->name, lineno, "section header without ']'");
        return NULL;
    }
    *close = '\0';
    name = g_strstrip(line + 1);
    rest = g_strstrip(close + 1);
    if (!valid_name(name)) {
        syntax_error(error, cfg->name, lineno, "bad section name '%s'", name);
        return NULL;
    }
    if (g_hash_table_contains(cfg->by_name, name)) {
        syntax_error(error, cfg->name, lineno,
                     "section [%s] defined twice (first at line %u)", name,
                     ((Section *) g_hash_table_lookup(cfg->by_name, name))->line);
        return NULL;
    }
    s = section_new(name, lineno);
    if (*rest) {
        size_t n = strlen(rest);
        if (rest[0] != '(' || rest[n - 1] != ')') {
            syntax_error(error, cfg->name, lineno,
                         "unexpected text after section header: '%s'", rest);
            section_free(s);
            return NULL;
        }
        rest[n - 1] = '\0';
        if (!apply_templates(cfg, s, rest + 1, lineno, error)) {
            section_free(s);
            return NULL;
        }
    }
    g_ptr_array_add(cfg->sections, s);
    g_hash_table_insert(cfg->by_name, s->name, s);
    return s;
}

static gboolean
parse_key_value(PbxConfig *cfg, Section *s, char *line, guint lineno,
                GError **error)
{
    char *eq = strchr(line, '=');
    char *key, *value;

    if (!eq) {
        syntax_error(error, cfg->name, lineno,
                     "expected 'key = value', got '%s'", line);
        return FALSE;
    }
    if (!s) {
        syntax_error(error, cfg->name, lineno,
                     "'%s' before any [section]", line);
        return FALSE;
    }
    *eq = '\0';
    value = eq + 1;
    if (*value == '>')       /* "key => value" */
        value++;
    key = g_strstrip(line);
    value = g_strstrip(value);
    if (!valid_name(key)) {
        syntax_error(error, cfg->name, lineno, "bad key name '%s'", key);
        return FALSE;
    }
    section_set_own(s, key, value, lineno);
    return TRUE;
}

static gboolean
parse_text(PbxConfig *cfg, const char *data, gsize len, GError **error)
{
    Section *cur = NULL;
    guint lineno = 0;
    const char *p = data, *end = data + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        const char *eol = nl ? nl : end;
        g_autofree char *raw = NULL;
        char *line;

        lineno++;
        if (memchr(p, '\0', eol - p)) {
            syntax_error(error, cfg->name, lineno, "NUL byte in line");
            return FALSE;
        }
        raw = g_strndup(p, eol - p);
        p = nl ? nl + 1 : end;
        if (!g_utf8_validate(raw, -1, NULL)) {
            syntax_error(error, cfg->name, lineno, "not valid UTF-8");
            return FALSE;
        }
        line = g_strchug(raw);
        if (line[0] == '#')
            continue;
        line = strip_line(line);
        if (!*line)
            continue;
        if (line[0] == '[') {
            cur = parse_section_header(cfg, line, lineno, error);
            if (!cur)
                return FALSE;
        } else if (!parse_key_value(cfg, cur, line, lineno, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

PbxConfig *
pbx_config_load_data(const char *name, const char *data, gssize len,
                     GError **error)
{
    PbxConfig *cfg;

    g_return_val_if_fail(name != NULL && data != NULL, NULL);
    if (len < 0)
        len = strlen(data);
    cfg = g_new0(PbxConfig, 1);
    cfg->refs = 1;
    cfg->name = g_strdup(name);
    cfg->sections = g_ptr_array_new_with_free_func(section_free);
    cfg->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    cfg->names = g_ptr_array_new();
    if (!parse_text(cfg, data, len, error)) {
        pbx_config_unref(cfg);
        return NULL;
    }
    for (guint i = 0; i < cfg->sections->len; i++) {
        Section *s = cfg->sections->pdata[i];
        section_index(s);
        if (!s->is_template)
            g_ptr_array_add(cfg->names, s->name);
    }
    g_ptr_array_add(cfg->names, NULL);
    return cfg;
}

PbxConfig *
pbx_config_load_file(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    g_autofree char *base = NULL;
    gsize len;
    g_autoptr(GError) local = NULL;

    if (!g_file_get_contents(path, &data, &len, &local)) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO, "%s",
                    local->message);
        return NULL;
    }
    base = g_path_get_basename(path);
    return pbx_config_load_data(base, data, len, error);
}

PbxConfig *
pbx_config_ref(PbxConfig *cfg)
{
    g_return_val_if_fail(cfg != NULL, NULL);
    g_atomic_int_inc(&cfg->refs);
    return cfg;
}

void
pbx_config_unref(PbxConfig *cfg)
{
    if (!cfg || !g_atomic_int_dec_and_test(&cfg->refs))
        return;
    g_hash_table_unref(cfg->by_name);
    g_ptr_array_unref(cfg->names);
    g_ptr_array_unref(cfg->sections);
    g_free(cfg->name);
    g_free(cfg);
}

const char *
pbx_config_get_name(const PbxConfig *cfg)
{
    return cfg->name;
}

static const Section *
find_section(const PbxConfig *cfg, const char *name)
{
    const Section *s = g_hash_table_lookup(cfg->by_name, name);
    return s && !s->is_template ? s : NULL;
}

const char *const *
pbx_config_get_sections(const PbxConfig *cfg)
{
    return (const char *const *) cfg->names->pdata;
}

gboolean
pbx_config_has_section(const PbxConfig *cfg, const char *section)
{
    return find_section(cfg, section) != NULL;
}

const char *const *
pbx_config_get_keys(const PbxConfig *cfg, const char *section)
{
    static const char *const none[] = { NULL };
    const Section *s = find_section(cfg, section);
    return s ? (const char *const *) s->keys->pdata : none;
}

const char *
pbx_config_get(const PbxConfig *cfg, const char *section, const char *key)
{
    const Section *s = find_section(cfg, section);
    const Entry *e = s ? section_last(s, key) : NULL;
    return e ? e->value : NULL;
}

const char *const *
pbx_config_get_all(const PbxConfig *cfg, const char *section, const char *key)
{
    const Section *s = find_section(cfg, section);
    GPtrArray *vals = s ? g_hash_table_lookup(s->multi, key) : NULL;
    return vals ? (const char *const *) vals->pdata : NULL;
}

guint
pbx_config_get_line(const PbxConfig *cfg, const char *section, const char *key)
{
    const Section *s = find_section(cfg, section);
    const Entry *e;

    if (!s)
        return 0;
    if (!key)
        return s->line;
    e = section_last(s, key);
    return e ? e->line : 0;
}

void
pbx_config_set_error(const PbxConfig *cfg, GError **error, gint code,
                     const char *section, const char *key, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    guint line = pbx_config_get_line(cfg, section, key);

    if (!line && key)
        line = pbx_config_get_line(cfg, section, NULL);
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (key)
        g_set_error(error, PBX_CONFIG_ERROR, code, "%s:%u: [%s] %s: %s",
                    cfg->name, line, section, key, msg);
    else
        g_set_error(error, PBX_CONFIG_ERROR, code, "%s:%u: [%s]: %s",
                    cfg->name, line, section, msg);
}

gboolean
pbx_config_parse_bool(const char *s, gboolean *out)
{
    static const char *const yes[] = { "yes", "true", "on", "1", NULL };
    static const char *const no[] = { "no", "false", "off", "0", NULL };

    for (guint i = 0; yes[i]; i++) {
        if (g_ascii_strcasecmp(s, yes[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
        if (g_ascii_strcasecmp(s, no[i]) == 0) {
            *out = FALSE;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
parse_integer(const char *s, gint64 *out)
{
    char *end;

    errno = 0;
    *out = g_ascii_strtoll(s, &end, 10);
    return *s && !*end && errno == 0;
}

static char **
split_list(const char *const *values)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; values && values[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(values[i], ",", -1);
        for (guint j = 0; parts[j]; j++) {
            char *item = g_strstrip(parts[j]);
            if (*item)
                g_ptr_array_add(out, g_strdup(item));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **) g_ptr_array_free(out, FALSE);
}

/* Stores one option's value (or default when `value` is NULL). */
static gboolean
apply_option(const PbxConfig *cfg, const char *section, const PbxOption *o,
             const char *value, const char *const *all, gpointer base,
             GError **error)
{
    guint8 *field = (guint8 *) base + o->offset;
    gint64 n;
    gboolean b;

    switch (o->type) {
    case PBX_OPT_STRING:
        g_free(*(char **) field);
        *(char **) field = g_strdup(value);
        return TRUE;
    case PBX_OPT_STRV:
        g_strfreev(*(char ***) field);
        if (all) {
            *(char ***) field = split_list(all);
        } else {
            const char *one[] = { value, NULL };
            *(char ***) field = split_list(value ? one : NULL);
        }
        return TRUE;
    case PBX_OPT_BOOL:
        if (!value)
            value = "no";
        if (!pbx_config_parse_bool(value, &b))
            goto bad_value;
        *(gboolean *) field = b;
        return TRUE;
    case PBX_OPT_INT:
    case PBX_OPT_UINT:
        if (!value)
            value = "0";
        if (!parse_integer(value, &n))
            goto bad_value;
        if ((o->min || o->max) && (n < o->min || n > o->max)) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section,
                                 o->key, "%s is out of range %" G_GINT64_FORMAT
                                 "..%" G_GINT64_FORMAT, value, o->min, o->max);
            return FALSE;
        }
        if (o->type == PBX_OPT_UINT && (n < 0 || n > G_MAXUINT))
            goto bad_value;
        if (o->type == PBX_OPT_INT && (n < G_MININT || n > G_MAXINT))
            goto bad_value;
        if (o->type == PBX_OPT_INT)
            *(gint *) field = (gint) n;
        else
            *(guint *) field = (guint) n;
        return TRUE;
    }
bad_value:
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, o->key,
                         "'%s' is not a valid %s", value,
                         o->type == PBX_OPT_BOOL ? "yes/no value" : "number");
    return FALSE;
}

gboolean
pbx_config_apply(const PbxConfig *cfg, const char *section,
                 const PbxOption *opts, gsize n_opts, gpointer base,
                 gboolean allow_unknown, GError **error)
{
    const char *const *keys;

    for (gsize i = 0; i < n_opts; i++) {
        if (!apply_option(cfg, section, &opts[i], opts[i].default_value, NULL,
                          base, error))
            return FALSE;
    }
    if (!cfg || !pbx_config_has_section(cfg, section))
        return TRUE;
    keys = pbx_config_get_keys(cfg, section);
    for (guint k = 0; keys[k]; k++) {
        const PbxOption *o = NULL;
        for (gsize i = 0; i < n_opts && !o; i++) {
            if (strcmp(opts[i].key, keys[k]) == 0)
                o = &opts[i];
        }
        if (!o) {
            if (allow_unknown)
                continue;
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_UNKNOWN_KEY,
                                 section, keys[k], "unknown option");
            return FALSE;
        }
        if (!apply_option(cfg, section, o, pbx_config_get(cfg, section, o->key),
                          o->type == PBX_OPT_STRV
                              ? pbx_config_get_all(cfg, section, o->key) : NULL,
                          base, error))
            return FALSE;
    }
    return TRUE;
}

void
pbx_config_options_clear(const PbxOption *opts, gsize n_opts, gpointer base)
{
    for (gsize i = 0; i < n_opts; i++) {
        guint8 *field = (guint8 *) base + opts[i].offset;
        if (opts[i].type == PBX_OPT_STRING)
            g_clear_pointer((char **) field, g_free);
        else if (opts[i].type == PBX_OPT_STRV)
            g_clear_pointer((char ***) field, g_strfreev);
    }
}
