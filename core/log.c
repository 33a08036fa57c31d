/* Carillon - logging: a level per subsystem, console and syslog sinks. */
#include <string.h>

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "log_private.h"

static GMutex domains_lock;
static GHashTable *domains;        /* name -> PbxLogDomain* (never freed) */
static gint default_level = PBX_LOG_NOTICE;
static gboolean to_console = TRUE;
static gboolean to_syslog;
static GMutex write_lock;

static const char *const level_names[] = {
    [PBX_LOG_ERROR] = "error",
    [PBX_LOG_WARNING] = "warning",
    [PBX_LOG_NOTICE] = "notice",
    [PBX_LOG_INFO] = "info",
    [PBX_LOG_DEBUG] = "debug",
};

static const int syslog_priorities[] = {
    [PBX_LOG_ERROR] = LOG_ERR,
    [PBX_LOG_WARNING] = LOG_WARNING,
    [PBX_LOG_NOTICE] = LOG_NOTICE,
    [PBX_LOG_INFO] = LOG_INFO,
    [PBX_LOG_DEBUG] = LOG_DEBUG,
};

const char *
pbx_log_level_to_string(PbxLogLevel level)
{
    if ((guint) level > PBX_LOG_DEBUG)
        return "?";
    return level_names[level];
}

gboolean
pbx_log_level_from_string(const char *s, PbxLogLevel *level)
{
    for (guint i = 0; i < G_N_ELEMENTS(level_names); i++) {
        if (g_ascii_strcasecmp(s, level_names[i]) == 0) {
            *level = (PbxLogLevel) i;
            return TRUE;
        }
    }
    return FALSE;
}

PbxLogDomain *
pbx_log_domain(const char *name)
{
    PbxLogDomain *d;

    g_mutex_lock(&domains_lock);
    if (!domains)
        domains = g_hash_table_new(g_str_hash, g_str_equal);
    d = g_hash_table_lookup(domains, name);
    if (!d) {
        d = g_new0(PbxLogDomain, 1);
        d->name = g_intern_string(name);
        d->level = g_atomic_int_get(&default_level);
        g_hash_table_insert(domains, (gpointer) d->name, d);
    }
    g_mutex_unlock(&domains_lock);
    return d;
}

gboolean
pbx_log_set_level(const char *name, PbxLogLevel level)
{
    gboolean found = FALSE;
    GHashTableIter it;
    gpointer value;

    if (!name || strcmp(name, "*") == 0) {
        g_atomic_int_set(&default_level, level);
        name = NULL;
    }
    g_mutex_lock(&domains_lock);
    if (!domains)
        domains = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_iter_init(&it, domains);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        PbxLogDomain *d = value;
        if (!name || strcmp(d->name, name) == 0) {
            g_atomic_int_set(&d->level, level);
            found = TRUE;
        }
    }
    g_mutex_unlock(&domains_lock);
    return found || !name;
}

void
pbx_log_foreach_domain(void (*fn)(const PbxLogDomain *d, gpointer data),
                       gpointer data)
{
    g_autoptr(GList) list = NULL;

    g_mutex_lock(&domains_lock);
    if (domains)
        list = g_hash_table_get_values(domains);
    g_mutex_unlock(&domains_lock);
    list = g_list_sort(list, (GCompareFunc) pbx_log_domain_compare);
    for (GList *l = list; l; l = l->next)
        fn(l->data, data);
}

gint
pbx_log_domain_compare(const PbxLogDomain *a, const PbxLogDomain *b)
{
    return strcmp(a->name, b->name);
}

void
pbx_log_configure(gboolean console, gboolean use_syslog)
{
    if (use_syslog && !to_syslog)
        openlog("carillon", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (!use_syslog && to_syslog)
        closelog();
    to_console = console;
    to_syslog = use_syslog;
}

PbxLogLevel
pbx_log_get_default_level(void)
{
    return g_atomic_int_get(&default_level);
}

void
pbx_log_write(PbxLogDomain *domain, PbxLogLevel level, const char *file,
              int line, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    const char *base = strrchr(file, '/');

    base = base ? base + 1 : file;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    if (to_console) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f");

        ts[23] = '\0';   /* milliseconds */
        g_mutex_lock(&write_lock);
        fprintf(stderr, "[%s] %-7s %s: %s:%d: %s\n", ts,
                pbx_log_level_to_string(level), domain->name, base, line, msg);
        g_mutex_unlock(&write_lock);
    }
    if (to_syslog)
        syslog(syslog_priorities[level], "%s: %s", domain->name, msg);
}
