/* Carillon - module loader internals for the daemon and the CLI. */
#pragma once

#include <carillon/module.h>

G_BEGIN_DECLS

/* `path` is a ':'-separated list of directories searched for NAME.so and
 * NAME/NAME.so (the build tree layout). */
void pbx_modules_init(const char *path);
void pbx_modules_shutdown(void);
const char *pbx_modules_get_path(void);

PbxModule *pbx_module_find(const char *name);
/* NAME, or a path to a .so file. */
PbxModule *pbx_module_load(const char *name_or_path, GError **error);
gboolean pbx_module_unload(const char *name, gboolean force, GError **error);
gboolean pbx_module_reload(const char *name, GError **error);
/* Reloads every module in load order; returns FALSE if any failed (each
 * failure logged, all errors joined in `error`). */
gboolean pbx_modules_reload_all(GError **error);

/* Loaded modules in load order. */
GPtrArray *pbx_modules_list(void);
/* Names of .so files found in the search path, sorted. */
GPtrArray *pbx_modules_available(void);

const char *pbx_module_get_description(const PbxModule *m);
const char *pbx_module_get_path(const PbxModule *m);
/* Names of loaded modules that depend on m (", " separated), or NULL. */
char *pbx_module_dup_dependents(const PbxModule *m);
/* Uses taken with pbx_module_use() (live objects), dependents excluded. */
guint pbx_module_get_live_uses(const PbxModule *m);

G_END_DECLS
