/* Carillon - daemon entry points used by main.c. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int pbx_daemon_run(const char *config_dir, gboolean foreground);
/* The control socket path a daemon with this config dir listens on. */
char *pbx_daemon_socket_for(const char *config_dir, GError **error);

G_END_DECLS
