/* Carillon - INI configuration files.
 *
 * Files are Asterisk-style INI: `[section]`, `key = value` (or `key =>
 * value`), comments from `;` (write `\;` for a literal semicolon) or a
 * leading `#`.  A key may repeat; pbx_config_get() returns the last value
 * and pbx_config_get_all() every one.  Templates work as in Asterisk:
 * `[office](!)` declares a template that is not itself a section, and
 * `[1001](office)` or `[1001](office,vip)` starts with the template's keys
 * and then overrides them.  A key's values come from the nearest place that
 * sets it, list keys included: the section's own lines replace the
 * templates' values for that key (never add to them), a later template
 * replaces an earlier one's, and repeated lines within one section add up.
 *
 * Every error names the file and line: "sip.conf:12: ...".  A PbxConfig is
 * immutable once loaded, so a reload builds a new one and swaps it in.
 *
 * Thread affinity: any thread.  Loading shares no state, a loaded
 * PbxConfig is read-only and its reference count is atomic, so one may
 * be parsed off the main context and handed over; what the caller does
 * with the values (swapping a module's config in) follows the caller's
 * own rule.
 */
#pragma once

#include <carillon/defs.h>

G_BEGIN_DECLS

#define PBX_CONFIG_ERROR (pbx_config_error_quark())
typedef enum {
    PBX_CONFIG_ERROR_IO,
    PBX_CONFIG_ERROR_SYNTAX,
    PBX_CONFIG_ERROR_VALUE,
    PBX_CONFIG_ERROR_UNKNOWN_KEY,
    PBX_CONFIG_ERROR_MISSING,
} PbxConfigError;

PBX_API GQuark pbx_config_error_quark(void);

typedef struct _PbxConfig PbxConfig;

PBX_API PbxConfig *pbx_config_load_file(const char *path, GError **error);
/* `name` is used in error messages in place of a file name. */
PBX_API PbxConfig *pbx_config_load_data(const char *name, const char *data,
                                        gssize len, GError **error);
PBX_API PbxConfig *pbx_config_ref(PbxConfig *cfg);
PBX_API void pbx_config_unref(PbxConfig *cfg);

/* File name as given at load time (basename for messages). */
PBX_API const char *pbx_config_get_name(const PbxConfig *cfg);

/* Sections in file order, templates excluded.  The array belongs to cfg. */
PBX_API const char *const *pbx_config_get_sections(const PbxConfig *cfg);
PBX_API gboolean pbx_config_has_section(const PbxConfig *cfg, const char *section);
/* Keys of a section in file order (each once), templates resolved. */
PBX_API const char *const *pbx_config_get_keys(const PbxConfig *cfg,
                                               const char *section);
PBX_API const char *pbx_config_get(const PbxConfig *cfg, const char *section,
                                   const char *key);
/* Every value of a repeated key, NULL-terminated; NULL when absent. */
PBX_API const char *const *pbx_config_get_all(const PbxConfig *cfg,
                                              const char *section,
                                              const char *key);
/* Line of the (last) value, or of the section header when key is NULL;
 * 0 when absent. */
PBX_API guint pbx_config_get_line(const PbxConfig *cfg, const char *section,
                                  const char *key);
/* Sets error to "<file>:<line>: [section] key: <message>". */
PBX_API void pbx_config_set_error(const PbxConfig *cfg, GError **error,
                                  gint code, const char *section,
                                  const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);

/* Typed option tables applied to a section: {key, type, offset, default}. */
typedef enum {
    PBX_OPT_STRING,   /* char *, g_free'd by pbx_config_options_clear */
    PBX_OPT_INT,      /* gint, bounded by min/max */
    PBX_OPT_UINT,     /* guint, bounded by min/max */
    PBX_OPT_BOOL,     /* gboolean: yes/no/true/false/on/off/1/0 */
    PBX_OPT_STRV,     /* char **: comma-separated list, or repeated key */
} PbxOptionType;

typedef struct {
    const char *key;
    PbxOptionType type;
    gsize offset;
    const char *default_value;   /* NULL: zero / NULL */
    gint64 min, max;             /* for INT and UINT; both 0 = no bound */
} PbxOption;

/* Fills `base` from `section` (missing section = all defaults).  Unknown
 * keys are errors unless `allow_unknown`.  On error `base` holds the
 * defaults plus whatever was parsed; clear it with
 * pbx_config_options_clear(). */
PBX_API gboolean pbx_config_apply(const PbxConfig *cfg, const char *section,
                                  const PbxOption *opts, gsize n_opts,
                                  gpointer base, gboolean allow_unknown,
                                  GError **error);
PBX_API void pbx_config_options_clear(const PbxOption *opts, gsize n_opts,
                                      gpointer base);

PBX_API gboolean pbx_config_parse_bool(const char *s, gboolean *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxConfig, pbx_config_unref)

G_END_DECLS
