/* Carillon - chan_sip: host names of SIP targets to addresses (see
 * resolve.h). */
#include <string.h>
#include "resolve.h"

typedef struct {
    guint16 port;
    SipTransport transport;
    SipResolveFunc fn;
    gpointer data;
} Lookup;

/* IPv6 literals come with brackets out of URIs ("[::1]"). */
static const char *
strip_brackets(const char *host, gsize *len)
{
    *len = strlen(host);
    if (*len >= 2 && host[0] == '[' && host[*len - 1] == ']') {
        *len -= 2;
        return host + 1;
    }
    return host;
}

gboolean
sip_resolve_literal(const char *host, guint16 port, SipAddr *out)
{
    gsize len;
    const char *ip = strip_brackets(host, &len);

    return sip_addr_from_ip(ip, len, port ? port : 5060, out);
}

/* The first address a bound listener of the transport can reach. */
static gboolean
pick_address(GList *addrs, const Lookup *lk, SipAddr *out)
{
    SipTransport tp = lk->transport == SIP_TRANSPORT_TCP ? SIP_TRANSPORT_TCP : SIP_TRANSPORT_UDP;

    for (GList *a = addrs; a; a = a->next) {
        g_autoptr(GSocketAddress) ga = g_inet_socket_address_new(a->data, lk->port);
        if (sip_addr_from_gsocket_address(ga, out) && sip_listeners_pick(tp, sip_addr_is_v6(out)))
            return TRUE;
    }
    return FALSE;
}

static void
looked_up(GObject *source, GAsyncResult *res, gpointer data)
{
    Lookup *lk = data;
    g_autoptr(GError) error = NULL;
    GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
    SipAddr addr;

    if (addrs && pick_address(addrs, lk, &addr))
        lk->fn(&addr, NULL, lk->data);
    else
        lk->fn(NULL, error ? error->message : "no address of a bound transport's family", lk->data);
    g_resolver_free_addresses(addrs);
    g_free(lk);
}

void
sip_resolve_async(const char *host, guint16 port, SipTransport transport, GCancellable *cancellable,
                  SipResolveFunc fn, gpointer data)
{
    Lookup *lk = g_new0(Lookup, 1);
    g_autoptr(GResolver) resolver = g_resolver_get_default();
    gsize len;
    const char *name = strip_brackets(host, &len);
    g_autofree char *copy = g_strndup(name, len);

    lk->port = port ? port : 5060;
    lk->transport = transport;
    lk->fn = fn;
    lk->data = data;
    /* A literal goes through the resolver too, which answers it without
     * DNS: the callback is then never re-entrant either way. */
    g_resolver_lookup_by_name_async(resolver, copy, cancellable, looked_up, lk);
}
