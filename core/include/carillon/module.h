/* Carillon - loadable modules.
 *
 * A module is a shared object that exports exactly one symbol,
 * `pbx_module_info`, made by PBX_MODULE_DEFINE().  The core loads modules
 * in dependency order, refuses one built for another ABI or whose
 * dependencies are missing, and refuses to unload a module that is in use
 * unless forced.
 *
 * Everything a module registers with the core (CLI commands, event
 * subscriptions, request handlers, APIs) takes the module as owner and is
 * removed by the core when the module unloads, even if the module forgets.
 *
 * Thread affinity: all functions here belong to the main context and
 * assert it, except pbx_module_get_name() (a module's name does not
 * change while it is loaded) and the error quark.
 */
#pragma once

#include <carillon/defs.h>

G_BEGIN_DECLS

/* Bumped whenever PbxModuleInfo or any public API changes incompatibly. */
#define PBX_MODULE_ABI_VERSION 3u

typedef struct _PbxModule PbxModule;

typedef struct {
    guint32 abi_version;        /* PBX_MODULE_ABI_VERSION at build time */
    const char *name;           /* must match the file name without .so */
    const char *description;
    const char *const *requires; /* NULL-terminated module names, or NULL */
    /* Called once after the dependencies are loaded.  Return FALSE with
     * error set to refuse loading; the core then undoes registrations. */
    gboolean (*load)(PbxModule *self, GError **error);
    /* Called before the module is closed.  May be NULL. */
    void (*unload)(PbxModule *self);
    /* Re-read configuration.  On failure the old config must stay in
     * force.  May be NULL (then reload is a no-op). */
    gboolean (*reload)(PbxModule *self, GError **error);
} PbxModuleInfo;

#define PBX_MODULE_EXPORT __attribute__((visibility("default")))

/* PBX_REQUIRES("chan_sip", "res_rtp") */
#define PBX_REQUIRES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* PBX_MODULE_DEFINE("app_echo", "Echo application", .load = echo_load, ...) */
#define PBX_MODULE_DEFINE(name_, description_, ...)                         \
    PBX_MODULE_EXPORT const PbxModuleInfo pbx_module_info = {               \
        .abi_version = PBX_MODULE_ABI_VERSION,                              \
        .name = (name_),                                                    \
        .description = (description_),                                      \
        __VA_ARGS__                                                         \
    }

#define PBX_MODULE_ERROR (pbx_module_error_quark())
typedef enum {
    PBX_MODULE_ERROR_NOT_FOUND,
    PBX_MODULE_ERROR_OPEN,
    PBX_MODULE_ERROR_ABI,
    PBX_MODULE_ERROR_DEPENDENCY,
    PBX_MODULE_ERROR_LOAD,
    PBX_MODULE_ERROR_IN_USE,
    PBX_MODULE_ERROR_ALREADY_LOADED,
    PBX_MODULE_ERROR_NOT_LOADED,
} PbxModuleError;

PBX_API GQuark pbx_module_error_quark(void);

PBX_API const char *pbx_module_get_name(const PbxModule *self);

/* Per-module private pointer, free for the module's own use. */
PBX_API void pbx_module_set_data(PbxModule *self, gpointer data);
PBX_API gpointer pbx_module_get_data(const PbxModule *self);

/* Use counts: while a module's use count is above zero it cannot be
 * unloaded without force.  A module that hands out objects (channels,
 * calls, sessions) to others takes a use for each one alive. */
PBX_API void pbx_module_use(PbxModule *self);
PBX_API void pbx_module_unuse(PbxModule *self);
PBX_API guint pbx_module_get_use_count(const PbxModule *self);

/* Inter-module APIs: a provider publishes a struct of function pointers
 * under a name; a consumer fetches it (a clean error if the provider is
 * not loaded) and the provider then counts the consumer as a user until
 * the consumer unloads. */
PBX_API void pbx_module_provide_api(PbxModule *self, const char *api_name,
                                    gconstpointer api);
PBX_API gconstpointer pbx_module_get_api(PbxModule *self, const char *api_name,
                                         GError **error);
/* The same for an API struct whose first member is a guint version (the
 * provider's header's *_API_VERSION): fails with PBX_MODULE_ERROR_ABI,
 * recording no dependency, when the provider's version is not `version`,
 * the one the consumer was built with. */
PBX_API gconstpointer pbx_module_get_api_version(PbxModule *self, const char *api_name,
                                                 guint version, GError **error);

/* Registrations owned by a module.  `cleanup` runs when the module unloads
 * (in reverse order of registration) unless the registration was dropped
 * before with pbx_module_forget(). Returns a handle for pbx_module_forget. */
typedef void (*PbxCleanupFunc)(gpointer data);
PBX_API gpointer pbx_module_on_unload(PbxModule *self, PbxCleanupFunc cleanup,
                                      gpointer data);
PBX_API void pbx_module_forget(PbxModule *self, gpointer handle);

G_END_DECLS
