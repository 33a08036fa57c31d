/* Carillon - logging with a level per subsystem.
 *
 * Messages go to the console (stderr) when running in the foreground and to
 * syslog when configured.  Each subsystem ("core", "sip", "registrar", ...)
 * has its own level, changed at run time with `logger set level`.  The
 * level check is a cheap inline comparison, so a disabled debug line costs
 * no formatting.  Safe to call from any thread.
 */
#pragma once

#include <carillon/defs.h>

G_BEGIN_DECLS

typedef enum {
    PBX_LOG_ERROR,
    PBX_LOG_WARNING,
    PBX_LOG_NOTICE,
    PBX_LOG_INFO,
    PBX_LOG_DEBUG,
} PbxLogLevel;

typedef struct {
    const char *name;
    volatile gint level;   /* PbxLogLevel; written by the CLI */
} PbxLogDomain;

/* Returns the domain for a subsystem, creating it at the default level. */
PBX_API PbxLogDomain *pbx_log_domain(const char *name);

PBX_API void pbx_log_write(PbxLogDomain *domain, PbxLogLevel level,
                           const char *file, int line, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

PBX_API const char *pbx_log_level_to_string(PbxLogLevel level);
PBX_API gboolean pbx_log_level_from_string(const char *s, PbxLogLevel *level);
/* Sets one subsystem's level, or every one's when name is "*" or NULL. */
PBX_API gboolean pbx_log_set_level(const char *name, PbxLogLevel level);

static inline gboolean
pbx_log_enabled(PbxLogDomain *d, PbxLogLevel level)
{
    return (gint) level <= g_atomic_int_get(&d->level);
}

#define PBX_LOG(domain, lvl, ...)                                             \
    do {                                                                    \
        PbxLogDomain *pbx_log_d_ = (domain);                                \
        if (pbx_log_enabled(pbx_log_d_, (lvl)))                             \
            pbx_log_write(pbx_log_d_, (lvl), __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

#define pbx_error(d, ...)   PBX_LOG((d), PBX_LOG_ERROR, __VA_ARGS__)
#define pbx_warning(d, ...) PBX_LOG((d), PBX_LOG_WARNING, __VA_ARGS__)
#define pbx_notice(d, ...)  PBX_LOG((d), PBX_LOG_NOTICE, __VA_ARGS__)
#define pbx_info(d, ...)    PBX_LOG((d), PBX_LOG_INFO, __VA_ARGS__)
#define pbx_debug(d, ...)   PBX_LOG((d), PBX_LOG_DEBUG, __VA_ARGS__)

G_END_DECLS
