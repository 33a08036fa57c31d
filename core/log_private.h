/* Carillon - logging internals shared by the core. */
#pragma once

#include <carillon/log.h>

G_BEGIN_DECLS

void pbx_log_configure(gboolean console, gboolean use_syslog);
PbxLogLevel pbx_log_get_default_level(void);
void pbx_log_foreach_domain(void (*fn)(const PbxLogDomain *d, gpointer data),
                            gpointer data);
gint pbx_log_domain_compare(const PbxLogDomain *a, const PbxLogDomain *b);

G_END_DECLS
