/* Carillon - the control socket (server side).
 *
 * A UNIX stream socket (mode 0660 by default) through which `carillon -r`
 * and `carillon -rx` run CLI commands.  Requests are lines:
 *     "x <command>\n"   run a command
 *     "c <line>\n"      completion candidates for the line's last word
 * and each reply is "<status> <length>\n" followed by <length> bytes, where
 * status 0 means success.  Everything is asynchronous on the main context.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "core_private.h"

#define MAX_REQUEST 8192

typedef struct {
    GSocketConnection *conn;
    GDataInputStream *in;
    GCancellable *cancel;
    GString *reply;
    gboolean writing;
} Client;

static GSocketService *service;
static char *socket_path;
static GList *clients;
static guint pending_writes;
static PbxLogDomain *dom;

static void read_next(Client *c);

static void
client_free(Client *c)
{
    clients = g_list_remove(clients, c);
    g_cancellable_cancel(c->cancel);
    g_object_unref(c->cancel);
    g_object_unref(c->in);
    g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
    g_object_unref(c->conn);
    g_string_free(c->reply, TRUE);
    g_free(c);
}

guint
pbx_ctl_pending_writes(void)
{
    return pending_writes;
}

static void
write_done(GObject *src, GAsyncResult *res, gpointer data)
{
    Client *c = data;
    g_autoptr(GError) error = NULL;

    gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res,
                                                   NULL, &error);

    pending_writes--;
    if (!ok) {
        /* cancelled means c is already freed */
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            client_free(c);
        return;
    }
    c->writing = FALSE;
    read_next(c);
}

static void
send_reply(Client *c, gboolean ok, const GString *body)
{
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));

    g_string_printf(c->reply, "%d %" G_GSIZE_FORMAT "\n", ok ? 0 : 1, body->len);
    g_string_append_len(c->reply, body->str, body->len);
    c->writing = TRUE;
    pending_writes++;
    g_output_stream_write_all_async(out, c->reply->str, c->reply->len,
                                    G_PRIORITY_DEFAULT, c->cancel, write_done, c);
}

static void
handle_line(Client *c, const char *line)
{
    g_autoptr(GString) body = g_string_new(NULL);
    gboolean ok = TRUE;

    if (g_str_has_prefix(line, "x ")) {
        pbx_info(dom, "CLI: %s", line + 2);
        ok = pbx_cli_execute(line + 2, body);
    } else if (g_str_has_prefix(line, "c ")) {
        pbx_cli_complete(line + 2, body);
    } else {
        g_string_append(body, "bad control request\n");
        ok = FALSE;
    }
    send_reply(c, ok, body);
}

static void
line_read(GObject *src, GAsyncResult *res, gpointer data)
{
    Client *c = data;
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    g_autofree char *line = g_data_input_stream_read_line_finish(
        G_DATA_INPUT_STREAM(src), res, &len, &error);

    if (!line) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            client_free(c);
        return;
    }
    if (len > MAX_REQUEST || strlen(line) != len) {
        client_free(c);
        return;
    }
    handle_line(c, line);
}

static void
read_next(Client *c)
{
    g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->cancel,
                                        line_read, c);
}

static gboolean
on_incoming(GSocketService *svc, GSocketConnection *conn, GObject *src,
            gpointer data)
{
    Client *c = g_new0(Client, 1);

    c->conn = g_object_ref(conn);
    c->in = g_data_input_stream_new(
        g_io_stream_get_input_stream(G_IO_STREAM(conn)));
    g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
    c->cancel = g_cancellable_new();
    c->reply = g_string_new(NULL);
    clients = g_list_prepend(clients, c);
    read_next(c);
    return TRUE;
}

/* A socket file left by a crashed daemon is removed; one that answers
 * belongs to a running daemon and is an error. */
static gboolean
clear_stale_socket(const char *path, GError **error)
{
    g_autoptr(GSocketClient) client = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketConnection) conn = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    client = g_socket_client_new();
    addr = g_unix_socket_address_new(path);
    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
                                   NULL);
    if (conn) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                    "another Carillon is running with control socket %s", path);
        return FALSE;
    }
    unlink(path);
    return TRUE;
}

static gboolean
set_owner(const char *path, const char *group, guint mode, GError **error)
{
    if (group && *group) {
        struct group *gr = getgrnam(group);
        if (!gr || chown(path, (uid_t) -1, gr->gr_gid) != 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "cannot give %s to group '%s': %s", path, group,
                        gr ? g_strerror(errno) : "no such group");
            return FALSE;
        }
    }
    if (chmod(path, mode) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "chmod %s: %s", path, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

gboolean
pbx_ctl_start(const char *path, const char *group, guint mode, GError **error)
{
    g_autoptr(GSocketAddress) addr = NULL;
    g_autofree char *dir = g_path_get_dirname(path);

    dom = pbx_log_domain("ctl");
    if (g_mkdir_with_parents(dir, 0750) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "cannot create %s: %s", dir, g_strerror(errno));
        return FALSE;
    }
    if (!clear_stale_socket(path, error))
        return FALSE;
    service = g_socket_service_new();
    addr = g_unix_socket_address_new(path);
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service), addr,
                                       G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                       error)) {
        g_prefix_error(error, "control socket %s: ", path);
        g_clear_object(&service);
        return FALSE;
    }
    if (!set_owner(path, group, mode, error)) {
        pbx_ctl_stop();
        return FALSE;
    }
    socket_path = g_strdup(path);
    g_signal_connect(service, "incoming", G_CALLBACK(on_incoming), NULL);
    g_socket_service_start(service);
    pbx_notice(dom, "control socket at %s", path);
    return TRUE;
}

void
pbx_ctl_stop(void)
{
    while (clients)
        client_free(clients->data);
    if (service) {
        g_socket_service_stop(service);
        g_socket_listener_close(G_SOCKET_LISTENER(service));
        g_clear_object(&service);
    }
    if (socket_path) {
        unlink(socket_path);
        g_clear_pointer(&socket_path, g_free);
    }
}
