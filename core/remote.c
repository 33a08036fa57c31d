/* Carillon - the remote console: `carillon -r` and `carillon -rx CMD`.
 *
 * Connects to the daemon's control socket and speaks the line protocol
 * described in ctl.c.  The interactive console uses libedit for line
 * editing, history and TAB completion (candidates come from the daemon).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

#include "core_private.h"

static int ctl_fd = -1;
static GPtrArray *completions;

static int
connect_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "carillon: control socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
        fprintf(stderr, "carillon: cannot connect to %s: %s (is Carillon running?)\n",
                path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static gboolean
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        buf += n;
        len -= (size_t) n;
    }
    return TRUE;
}

static gboolean
read_exact(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        buf += n;
        len -= (size_t) n;
    }
    return TRUE;
}

/* Sends one request and reads the reply.  Returns -1 on a broken
 * connection, else the status (0 = success). */
static int
request(char kind, const char *text, GString *reply)
{
    g_autofree char *req = NULL;
    char head[64];
    size_t i = 0;
    int status;
    gsize len;

    if (strchr(text, '\n'))
        return 1;
    req = g_strdup_printf("%c %s\n", kind, text);
    if (!write_all(ctl_fd, req, strlen(req)))
        return -1;
    while (i < sizeof(head) - 1) {
        if (!read_exact(ctl_fd, &head[i], 1))
            return -1;
        if (head[i] == '\n')
            break;
        i++;
    }
    head[i] = '\0';
    if (sscanf(head, "%d %" G_GSIZE_FORMAT, &status, &len) != 2 ||
        len > 64 * 1024 * 1024)
        return -1;
    g_string_set_size(reply, len);
    if (!read_exact(ctl_fd, reply->str, len))
        return -1;
    return status;
}

static char *
completion_generator(const char *text, int state)
{
    if (!completions || (guint) state >= completions->len)
        return NULL;
    return strdup(completions->pdata[state]);
}

static char **
complete(const char *text, int start, int end)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    g_autofree char *line = g_strndup(rl_line_buffer, end);
    g_auto(GStrv) lines = NULL;

    rl_attempted_completion_over = 1;
    g_clear_pointer(&completions, g_ptr_array_unref);
    completions = g_ptr_array_new_with_free_func(g_free);
    if (request('c', line, reply) < 0)
        return NULL;
    lines = g_strsplit(reply->str, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        if (*lines[i])
            g_ptr_array_add(completions, g_strdup(lines[i]));
    }
    return rl_completion_matches(text, completion_generator);
}

static int
interactive(void)
{
    g_autofree char *history = NULL;
    const char *home = g_get_home_dir();
    char *line;

    history = g_build_filename(home, ".carillon_history", NULL);
    rl_readline_name = "carillon";
    rl_attempted_completion_function = complete;
    using_history();
    read_history(history);
    printf("Connected to Carillon %s. Type 'help' for commands, 'quit' to leave.\n",
           PBX_VERSION);
    while ((line = readline("carillon*CLI> ")) != NULL) {
        g_autoptr(GString) reply = g_string_new(NULL);
        char *cmd = g_strstrip(line);
        int status;

        if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0) {
            free(line);
            break;
        }
        if (*cmd) {
            add_history(cmd);
            status = request('x', cmd, reply);
            if (status < 0) {
                fprintf(stderr, "Disconnected from Carillon\n");
                free(line);
                write_history(history);
                return 2;
            }
            fwrite(reply->str, 1, reply->len, stdout);
            fflush(stdout);
        }
        free(line);
    }
    write_history(history);
    return 0;
}

int
pbx_remote_run(const char *socket_path, const char *command)
{
    int rc;

    ctl_fd = connect_socket(socket_path);
    if (ctl_fd < 0)
        return 2;
    if (command) {
        g_autoptr(GString) reply = g_string_new(NULL);
        rc = request('x', command, reply);
        if (rc < 0) {
            fprintf(stderr, "carillon: connection lost\n");
            rc = 2;
        }
        fwrite(reply->str, 1, reply->len, stdout);
    } else {
        rc = interactive();
    }
    close(ctl_fd);
    return rc;
}
