/* Carillon - command line entry point.
 *
 *   carillon [-f] [-C DIR]          run the daemon (-f: in the foreground)
 *   carillon [-C DIR] -r            attach a remote console
 *   carillon [-C DIR] -rx "CMD"     run one CLI command and exit
 *   carillon -V                     print the version
 * -s PATH names the control socket directly instead of reading it from
 * DIR/carillon.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core_private.h"
#include "daemon.h"

static void
usage(FILE *to)
{
    fprintf(to,
            "Usage: carillon [-f] [-C CONFIG_DIR]     run the PBX (-f: foreground)\n"
            "       carillon [-C CONFIG_DIR] -r       remote console\n"
            "       carillon [-C CONFIG_DIR] -rx CMD  run one CLI command\n"
            "       carillon -s SOCKET -rx CMD        use this control socket\n"
            "       carillon -V                       version\n"
            "Default CONFIG_DIR: %s\n", PBX_DEFAULT_CONFIG_DIR);
}

int
main(int argc, char **argv)
{
    const char *config_dir = PBX_DEFAULT_CONFIG_DIR;
    const char *socket_path = NULL;
    const char *command = NULL;
    gboolean foreground = FALSE, remote = FALSE;
    int opt;

    while ((opt = getopt(argc, argv, "fC:rx:s:Vh")) != -1) {
        switch (opt) {
        case 'f':
            foreground = TRUE;
            break;
        case 'C':
            config_dir = optarg;
            break;
        case 'r':
            remote = TRUE;
            break;
        case 'x':
            remote = TRUE;
            command = optarg;
            break;
        case 's':
            socket_path = optarg;
            break;
        case 'V':
            printf("Carillon %s\n", PBX_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (remote) {
        g_autofree char *sock = NULL;
        g_autoptr(GError) error = NULL;
        if (!socket_path) {
            sock = pbx_daemon_socket_for(config_dir, &error);
            if (!sock) {
                fprintf(stderr, "carillon: %s\n", error->message);
                return 2;
            }
            socket_path = sock;
        }
        return pbx_remote_run(socket_path, command);
    }
    return pbx_daemon_run(config_dir, foreground);
}
