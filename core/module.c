/* Carillon - the module loader.
 *
 * A module is opened with G_MODULE_BIND_LOCAL, its one exported descriptor
 * `pbx_module_info` looked up and validated (ABI version, name), its
 * dependencies loaded first, and then its load() called.  Everything it
 * registers is tied to it through cleanup records, run in reverse order
 * when it unloads.  A module with dependents or live uses (channels,
 * sessions) is only unloaded when forced; forcing unloads its dependents
 * first.
 */
#include <string.h>

#include <gmodule.h>

#include <carillon/core.h>
#include <carillon/event.h>
#include <carillon/log.h>

#include "module_private.h"
#include "core_private.h"

typedef struct {
    PbxCleanupFunc fn;
    gpointer data;
} Cleanup;

struct _PbxModule {
    char *name;
    char *path;
    GModule *handle;
    const PbxModuleInfo *info;
    guint uses;            /* live objects handed out (pbx_module_use) */
    GPtrArray *deps;       /* modules this one holds a dependency on */
    GPtrArray *dependents; /* modules holding a dependency on this one */
    GList *cleanups;       /* Cleanup*, newest first */
    gpointer data;
};

typedef struct {
    PbxModule *owner;
    gconstpointer api;
} ApiEntry;

static char *search_path;
static GPtrArray *loaded;      /* PbxModule*, load order */
static GHashTable *apis;       /* name -> ApiEntry* */
static PbxLogDomain *dom;

G_DEFINE_QUARK(pbx-module-error-quark, pbx_module_error)

void
pbx_modules_init(const char *path)
{
    dom = pbx_log_domain("modules");
    g_free(search_path);
    search_path = g_strdup(path ? path : "");
    if (!loaded)
        loaded = g_ptr_array_new();
    if (!apis)
        apis = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

const char *
pbx_modules_get_path(void)
{
    return search_path;
}

const char *
pbx_module_get_name(const PbxModule *self)
{
    return self->name;
}

const char *
pbx_module_get_description(const PbxModule *m)
{
    return m->info->description ? m->info->description : "";
}

const char *
pbx_module_get_path(const PbxModule *m)
{
    return m->path;
}

void
pbx_module_set_data(PbxModule *self, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    self->data = data;
}

gpointer
pbx_module_get_data(const PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return self->data;
}

void
pbx_module_use(PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(self != NULL);
    self->uses++;
}

void
pbx_module_unuse(PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(self != NULL && self->uses > 0);
    self->uses--;
}

guint
pbx_module_get_use_count(const PbxModule *self)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return self->uses + self->dependents->len;
}

guint
pbx_module_get_live_uses(const PbxModule *m)
{
    return m->uses;
}

PbxModule *
pbx_module_find(const char *name)
{
    for (guint i = 0; loaded && i < loaded->len; i++) {
        PbxModule *m = loaded->pdata[i];
        if (strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

gpointer
pbx_module_on_unload(PbxModule *self, PbxCleanupFunc cleanup, gpointer data)
{
    Cleanup *c;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!self)
        return NULL;     /* owned by the core: lives until exit */
    c = g_new(Cleanup, 1);
    c->fn = cleanup;
    c->data = data;
    self->cleanups = g_list_prepend(self->cleanups, c);
    return c;
}

void
pbx_module_forget(PbxModule *self, gpointer handle)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!self || !handle)
        return;
    self->cleanups = g_list_remove(self->cleanups, handle);
    g_free(handle);
}

/* TRUE when `from` depends on `to`, directly or through others. */
static gboolean
depends_on(const PbxModule *from, const PbxModule *to)
{
    for (guint i = 0; i < from->deps->len; i++) {
        const PbxModule *d = from->deps->pdata[i];
        if (d == to || depends_on(d, to))
            return TRUE;
    }
    return FALSE;
}

/* Records that `user` depends on `provider` until `user` unloads.  A
 * dependency that would close a cycle (a provider fetching an API of one
 * of its own dependents) is not recorded: the dependent already keeps the
 * provider loaded, and unloading must stay a walk down a tree. */
static void
add_dependency(PbxModule *user, PbxModule *provider)
{
    if (!user || user == provider || g_ptr_array_find(user->deps, provider, NULL) ||
        depends_on(provider, user))
        return;
    g_ptr_array_add(user->deps, provider);
    g_ptr_array_add(provider->dependents, user);
}

static void
api_remove(gpointer name)
{
    g_hash_table_remove(apis, name);
    g_free(name);
}

void
pbx_module_provide_api(PbxModule *self, const char *api_name, gconstpointer api)
{
    ApiEntry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    e = g_new(ApiEntry, 1);
    e->owner = self;
    e->api = api;
    g_hash_table_replace(apis, g_strdup(api_name), e);
    pbx_module_on_unload(self, api_remove, g_strdup(api_name));
}

gconstpointer
pbx_module_get_api(PbxModule *self, const char *api_name, GError **error)
{
    ApiEntry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    e = g_hash_table_lookup(apis, api_name);
    if (!e) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_DEPENDENCY,
                    "API '%s' is not provided by any loaded module", api_name);
        return NULL;
    }
    if (e->owner)
        add_dependency(self, e->owner);
    return e->api;
}

gconstpointer
pbx_module_get_api_version(PbxModule *self, const char *api_name, guint version,
                           GError **error)
{
    ApiEntry *e;
    guint provided;

    PBX_ASSERT_MAIN_CONTEXT();
    e = g_hash_table_lookup(apis, api_name);
    if (!e)
        return pbx_module_get_api(self, api_name, error);
    provided = *(const guint *) e->api;
    if (provided != version) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_ABI,
                    "API '%s' has version %u, this module was built for version %u: "
                    "rebuild it against the installed headers", api_name, provided, version);
        return NULL;
    }
    return pbx_module_get_api(self, api_name, error);
}

static void
publish(const char *type, const PbxModule *m)
{
    PbxEvent *ev = pbx_event_new(type);
    pbx_event_set(ev, "module", m->name);
    pbx_event_publish(ev);
}

/* Finds NAME.so or NAME/NAME.so in the search path. */
static char *
find_file(const char *name)
{
    g_auto(GStrv) dirs = g_strsplit(search_path, ":", -1);
    g_autofree char *file = g_strconcat(name, ".so", NULL);

    for (guint i = 0; dirs[i]; i++) {
        char *p;
        if (!*dirs[i])
            continue;
        p = g_build_filename(dirs[i], file, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            return p;
        g_free(p);
        p = g_build_filename(dirs[i], name, file, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            return p;
        g_free(p);
    }
    return NULL;
}

static void
module_free(PbxModule *m)
{
    if (m->handle)
        g_module_close(m->handle);
    g_ptr_array_unref(m->deps);
    g_ptr_array_unref(m->dependents);
    g_free(m->name);
    g_free(m->path);
    g_free(m);
}

/* Opens and validates a module file without running anything in it. */
static PbxModule *
module_open(const char *name, const char *path, GError **error)
{
    PbxModule *m;
    gpointer sym = NULL;
    const PbxModuleInfo *info;

    m = g_new0(PbxModule, 1);
    m->name = g_strdup(name);
    m->path = g_strdup(path);
    m->deps = g_ptr_array_new();
    m->dependents = g_ptr_array_new();
    m->handle = g_module_open(path, G_MODULE_BIND_LOCAL);
    if (!m->handle) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_OPEN,
                    "cannot open module '%s': %s", name, g_module_error());
        goto fail;
    }
    if (!g_module_symbol(m->handle, "pbx_module_info", &sym) || !sym) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_OPEN,
                    "%s exports no pbx_module_info: not a Carillon module",
                    path);
        goto fail;
    }
    info = sym;
    if (info->abi_version != PBX_MODULE_ABI_VERSION) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_ABI,
                    "module '%s' was built for module ABI %u but this Carillon "
                    "has ABI %u: rebuild it against these headers",
                    name, info->abi_version, PBX_MODULE_ABI_VERSION);
        goto fail;
    }
    if (!info->name || strcmp(info->name, name) != 0) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_OPEN,
                    "%s calls itself '%s', expected '%s'", path,
                    info->name ? info->name : "(null)", name);
        goto fail;
    }
    m->info = info;
    return m;
fail:
    module_free(m);
    return NULL;
}

static void
run_cleanups(PbxModule *m)
{
    GList *list = m->cleanups;

    m->cleanups = NULL;
    for (GList *l = list; l; l = l->next) {
        Cleanup *c = l->data;
        c->fn(c->data);
        g_free(c);
    }
    g_list_free(list);
}

static void
drop_dependencies(PbxModule *m)
{
    for (guint i = 0; i < m->deps->len; i++) {
        PbxModule *p = m->deps->pdata[i];
        g_ptr_array_remove(p->dependents, m);
    }
    g_ptr_array_set_size(m->deps, 0);
}

static PbxModule *load_named(const char *name, const char *path,
                             GPtrArray *stack, GError **error);

static gboolean
load_requirements(PbxModule *m, GPtrArray *stack, GError **error)
{
    const char *const *req = m->info->requires;

    for (guint i = 0; req && req[i]; i++) {
        PbxModule *dep = pbx_module_find(req[i]);
        g_autoptr(GError) local = NULL;

        if (!dep)
            dep = load_named(req[i], NULL, stack, &local);
        if (!dep) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_DEPENDENCY,
                        "module '%s' requires '%s', which is not available: %s",
                        m->name, req[i], local->message);
            return FALSE;
        }
        add_dependency(m, dep);
    }
    return TRUE;
}

static PbxModule *
load_named(const char *name, const char *path, GPtrArray *stack,
           GError **error)
{
    g_autofree char *found = NULL;
    PbxModule *m;

    if (pbx_module_find(name)) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_ALREADY_LOADED,
                    "module '%s' is already loaded", name);
        return NULL;
    }
    for (guint i = 0; i < stack->len; i++) {
        if (strcmp(stack->pdata[i], name) == 0) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_DEPENDENCY,
                        "dependency loop through module '%s'", name);
            return NULL;
        }
    }
    if (!path) {
        path = found = find_file(name);
        if (!path) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_NOT_FOUND,
                        "module '%s' not found in %s", name, search_path);
            return NULL;
        }
    }
    m = module_open(name, path, error);
    if (!m)
        return NULL;
    g_ptr_array_add(stack, (gpointer) name);
    if (!load_requirements(m, stack, error)) {
        g_ptr_array_remove_index(stack, stack->len - 1);
        drop_dependencies(m);
        module_free(m);
        return NULL;
    }
    g_ptr_array_remove_index(stack, stack->len - 1);
    if (m->info->load && !m->info->load(m, error)) {
        g_prefix_error(error, "module '%s' failed to load: ", name);
        if (error && !*error)
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                        "module '%s' failed to load", name);
        run_cleanups(m);
        drop_dependencies(m);
        pbx_db_drain();
        module_free(m);
        return NULL;
    }
    g_ptr_array_add(loaded, m);
    pbx_notice(dom, "loaded %s (%s)", m->name, pbx_module_get_description(m));
    publish("module/loaded", m);
    return m;
}

PbxModule *
pbx_module_load(const char *name_or_path, GError **error)
{
    g_autoptr(GPtrArray) stack = g_ptr_array_new();
    g_autofree char *name = NULL;
    const char *path = NULL;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(loaded != NULL, NULL);
    if (strchr(name_or_path, '/')) {
        g_autofree char *base = g_path_get_basename(name_or_path);
        if (!g_str_has_suffix(base, ".so")) {
            g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_NOT_FOUND,
                        "%s: a module file must end in .so", name_or_path);
            return NULL;
        }
        name = g_strndup(base, strlen(base) - 3);
        path = name_or_path;
    } else {
        name = g_strdup(name_or_path);
        if (g_str_has_suffix(name, ".so"))
            name[strlen(name) - 3] = '\0';
    }
    return load_named(name, path, stack, error);
}

static void
unload_one(PbxModule *m)
{
    if (m->info->unload)
        m->info->unload(m);
    run_cleanups(m);
    drop_dependencies(m);
    g_ptr_array_remove(loaded, m);
    pbx_db_drain();             /* its database jobs run while its code is mapped */
    pbx_notice(dom, "unloaded %s", m->name);
    publish("module/unloaded", m);
    module_free(m);
}

/* Unloads m after its dependents (forced). */
static void
unload_cascade(PbxModule *m)
{
    while (m->dependents->len > 0)
        unload_cascade(m->dependents->pdata[m->dependents->len - 1]);
    if (m->uses)
        pbx_warning(dom, "forcing unload of %s with %u uses", m->name, m->uses);
    unload_one(m);
}

char *
pbx_module_dup_dependents(const PbxModule *m)
{
    GString *s;

    if (m->dependents->len == 0)
        return NULL;
    s = g_string_new(NULL);
    for (guint i = 0; i < m->dependents->len; i++) {
        const PbxModule *d = m->dependents->pdata[i];
        g_string_append_printf(s, "%s%s", i ? ", " : "", d->name);
    }
    return g_string_free(s, FALSE);
}

gboolean
pbx_module_unload(const char *name, gboolean force, GError **error)
{
    PbxModule *m;

    PBX_ASSERT_MAIN_CONTEXT();
    m = pbx_module_find(name);
    if (!m) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_NOT_LOADED,
                    "module '%s' is not loaded", name);
        return FALSE;
    }
    if (!force && m->dependents->len > 0) {
        g_autofree char *deps = pbx_module_dup_dependents(m);
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE,
                    "module '%s' is in use by %s (unload those first, or force)",
                    name, deps);
        return FALSE;
    }
    if (!force && m->uses > 0) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_IN_USE,
                    "module '%s' is in use (%u references; force to unload anyway)",
                    name, m->uses);
        return FALSE;
    }
    unload_cascade(m);
    return TRUE;
}

gboolean
pbx_module_reload(const char *name, GError **error)
{
    PbxModule *m;

    PBX_ASSERT_MAIN_CONTEXT();
    m = pbx_module_find(name);
    if (!m) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_NOT_LOADED,
                    "module '%s' is not loaded", name);
        return FALSE;
    }
    if (m->info->reload && !m->info->reload(m, error)) {
        g_prefix_error(error, "reload of '%s' failed, old config kept: ", name);
        return FALSE;
    }
    pbx_notice(dom, "reloaded %s", name);
    publish("module/reloaded", m);
    return TRUE;
}

gboolean
pbx_modules_reload_all(GError **error)
{
    g_autoptr(GString) errors = g_string_new(NULL);
    g_autoptr(GPtrArray) list = pbx_modules_list();

    for (guint i = 0; i < list->len; i++) {
        PbxModule *m = list->pdata[i];
        g_autoptr(GError) local = NULL;
        if (!pbx_module_reload(m->name, &local)) {
            pbx_error(dom, "%s", local->message);
            g_string_append_printf(errors, "%s%s", errors->len ? "\n" : "",
                                   local->message);
        }
    }
    if (errors->len) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD, "%s",
                    errors->str);
        return FALSE;
    }
    return TRUE;
}

GPtrArray *
pbx_modules_list(void)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; loaded && i < loaded->len; i++)
        g_ptr_array_add(out, loaded->pdata[i]);
    return out;
}

static void
scan_dir(const char *dir, GHashTable *seen, GPtrArray *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d && (entry = g_dir_read_name(d))) {
        g_autofree char *sub = g_build_filename(dir, entry, NULL);
        char *name = NULL;

        if (g_str_has_suffix(entry, ".so")) {
            name = g_strndup(entry, strlen(entry) - 3);
        } else if (g_file_test(sub, G_FILE_TEST_IS_DIR)) {
            g_autofree char *file = g_strconcat(entry, ".so", NULL);
            g_autofree char *p = g_build_filename(sub, file, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
                name = g_strdup(entry);
        }
        if (name && !g_hash_table_contains(seen, name)) {
            g_hash_table_add(seen, name);
            g_ptr_array_add(out, g_strdup(name));
        } else {
            g_free(name);
        }
    }
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

GPtrArray *
pbx_modules_available(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    g_auto(GStrv) dirs = g_strsplit(search_path ? search_path : "", ":", -1);

    for (guint i = 0; dirs[i]; i++) {
        if (*dirs[i])
            scan_dir(dirs[i], seen, out);
    }
    g_ptr_array_sort(out, compare_names);
    return out;
}

void
pbx_modules_shutdown(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    while (loaded && loaded->len > 0)
        unload_cascade(loaded->pdata[loaded->len - 1]);
}
