/* Carillon - res_sip: DNS queries with c-ares on the main context (see
 * dns.h). */
#include <string.h>
#include <ares.h>
#include <arpa/inet.h>
#include <glib-unix.h>
#include "dns.h"
#include "sip_core.h"

#define DNS_TIMEOUT_MS 1500
#define DNS_TRIES 2

typedef struct {
    ares_channel channel;
    GHashTable *watches;        /* fd -> GSource id */
    guint timeout_id;
    gboolean library_ready;
} SipDns;

static SipDns dns;

static void schedule_timeout(void);

static gboolean
on_fd(gint fd, GIOCondition cond, gpointer data)
{
    ares_socket_t rfd = (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) ? fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = (cond & G_IO_OUT) ? fd : ARES_SOCKET_BAD;

    ares_process_fd(dns.channel, rfd, wfd);
    schedule_timeout();
    return G_SOURCE_CONTINUE;
}

/* c-ares opens, changes and closes its sockets: the watches follow. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    GIOCondition cond = (readable ? G_IO_IN : 0) | (writable ? G_IO_OUT : 0);
    guint id = GPOINTER_TO_UINT(g_hash_table_lookup(dns.watches, GINT_TO_POINTER(fd)));

    if (id)
        g_source_remove(id);
    g_hash_table_remove(dns.watches, GINT_TO_POINTER(fd));
    if (!cond)
        return;
    id = g_unix_fd_add(fd, cond, on_fd, NULL);
    g_hash_table_insert(dns.watches, GINT_TO_POINTER(fd), GUINT_TO_POINTER(id));
}

static gboolean
on_timeout(gpointer data)
{
    dns.timeout_id = 0;
    ares_process_fd(dns.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    schedule_timeout();
    return G_SOURCE_REMOVE;
}

/* One GLib timeout at c-ares's next deadline, while queries are open. */
static void
schedule_timeout(void)
{
    struct timeval tv, *next;

    if (dns.timeout_id)
        g_source_remove(dns.timeout_id);
    dns.timeout_id = 0;
    if (!dns.channel)
        return;
    next = ares_timeout(dns.channel, NULL, &tv);
    if (next)
        dns.timeout_id = g_timeout_add((guint) (next->tv_sec * 1000 + next->tv_usec / 1000) + 1,
                                       on_timeout, NULL);
}

static gboolean
set_servers(ares_channel channel, char **servers, GError **error)
{
    g_autofree char *csv = NULL;
    int rc;

    if (!servers || !servers[0])
        return TRUE;
    csv = g_strjoinv(",", servers);
    rc = ares_set_servers_ports_csv(channel, csv);
    if (rc != ARES_SUCCESS) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "dns_servers \"%s\": %s", csv, ares_strerror(rc));
        return FALSE;
    }
    return TRUE;
}

static ares_channel
new_channel(char **servers, GError **error)
{
    struct ares_options o = { 0 };
    ares_channel channel = NULL;
    int rc;

    o.sock_state_cb = sock_state;
    o.timeout = DNS_TIMEOUT_MS;
    o.tries = DNS_TRIES;
    rc = ares_init_options(&channel, &o, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS
                                         | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "c-ares: %s", ares_strerror(rc));
        return NULL;
    }
    if (!set_servers(channel, servers, error)) {
        ares_destroy(channel);
        return NULL;
    }
    return channel;
}

gboolean
sip_dns_configure(char **servers, GError **error)
{
    ares_channel channel;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!dns.library_ready) {
        if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "c-ares does not initialise");
            return FALSE;
        }
        dns.library_ready = TRUE;
    }
    if (!dns.watches)
        dns.watches = g_hash_table_new(NULL, NULL);
    channel = new_channel(servers, error);
    if (!channel)
        return FALSE;
    if (dns.channel)
        ares_destroy(dns.channel);      /* pending queries end with ok FALSE */
    dns.channel = channel;
    return TRUE;
}

void
sip_dns_shutdown(void)
{
    if (dns.channel)
        ares_destroy(dns.channel);
    dns.channel = NULL;
    schedule_timeout();
    g_clear_pointer(&dns.watches, g_hash_table_unref);
    if (dns.library_ready)
        ares_library_cleanup();
    dns.library_ready = FALSE;
}

/* ------------------------------------------------------------------ */

typedef struct {
    SipDnsFunc fn;
    gpointer data;
} Query;

static void
queried(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    Query *q = arg;

    if (status == ARES_SUCCESS)
        q->fn(TRUE, abuf, alen, NULL, q->data);
    else
        q->fn(FALSE, NULL, 0, ares_strerror(status), q->data);
    g_free(q);
}

void
sip_dns_query(const char *name, int type, SipDnsFunc fn, gpointer data)
{
    Query *q = g_new(Query, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    q->fn = fn;
    q->data = data;
    if (!dns.channel) {
        queried(q, ARES_EDESTRUCTION, 0, NULL, 0);
        return;
    }
    ares_query(dns.channel, name, 1 /* C_IN */, type, queried, q);
    schedule_timeout();
}

/* ------------------------------------------------------------------ */

typedef struct {
    SipDnsAddrFunc fn;
    gpointer data;
    guint16 port;
} AddrQuery;

static gboolean
node_addr(const struct ares_addrinfo_node *n, guint16 port, SipAddr *out)
{
    char ip[INET6_ADDRSTRLEN];
    const void *src;

    if (n->ai_family == AF_INET)
        src = &((const struct sockaddr_in *) (const void *) n->ai_addr)->sin_addr;
    else if (n->ai_family == AF_INET6)
        src = &((const struct sockaddr_in6 *) (const void *) n->ai_addr)->sin6_addr;
    else
        return FALSE;
    if (!inet_ntop(n->ai_family, src, ip, sizeof ip))
        return FALSE;
    return sip_addr_from_ip(ip, strlen(ip), port, out);
}

static void
got_addresses(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    AddrQuery *q = arg;
    g_autoptr(GArray) addrs = g_array_new(FALSE, FALSE, sizeof(SipAddr));

    for (struct ares_addrinfo_node *n = res ? res->nodes : NULL; n; n = n->ai_next) {
        SipAddr a;
        if (node_addr(n, q->port, &a))
            g_array_append_val(addrs, a);
    }
    q->fn((const SipAddr *) (void *) addrs->data, addrs->len,
          addrs->len ? NULL : status == ARES_SUCCESS ? "no address" : ares_strerror(status),
          q->data);
    if (res)
        ares_freeaddrinfo(res);
    g_free(q);
}

void
sip_dns_addresses(const char *name, guint16 port, SipDnsAddrFunc fn, gpointer data)
{
    AddrQuery *q = g_new(AddrQuery, 1);
    struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC };

    PBX_ASSERT_MAIN_CONTEXT();
    q->fn = fn;
    q->data = data;
    q->port = port;
    if (!dns.channel) {
        got_addresses(q, ARES_EDESTRUCTION, 0, NULL);
        return;
    }
    ares_getaddrinfo(dns.channel, name, NULL, &hints, got_addresses, q);
    schedule_timeout();
}
