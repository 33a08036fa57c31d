/* Carillon - res_sip: host names of SIP targets to addresses (see
 * resolve.h). */
#include <string.h>
#include "resolve.h"
#include "timer.h"
#include "sip_core.h"

#define CACHE_TTL_US (60 * G_USEC_PER_SEC)
#define CACHE_MAX 4096

typedef struct {
    char *name;                 /* host as asked, without brackets */
    guint16 port;
    SipTransport transport;
    SipResolveFunc fn;          /* NULL once its owner unloaded */
    gpointer data;
    PbxModule *owner;           /* NULL: res_sip itself */
} Lookup;

/* Lookups under way: GResolver calls back even when cancelled, so an
 * owner that unloads has its callbacks dropped here, and each lookup is
 * a use of res_sip (not unloaded under a callback into its code). */
static GHashTable *pending;

typedef struct {
    SipAddr addr;               /* port 0: the caller's port is set on use */
    gint64 expires;             /* monotonic us */
} CacheEntry;

/* name + transport -> CacheEntry.  GResolver asks the system resolver
 * every time; in-dialog requests and ACKs to the same peer would ask
 * again for each message. */
static GHashTable *cache;

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
    SipTransport tp = sip_transport_usable(lk->transport);

    for (GList *a = addrs; a; a = a->next) {
        g_autoptr(GSocketAddress) ga = g_inet_socket_address_new(a->data, lk->port);
        if (sip_addr_from_gsocket_address(ga, out) && sip_listeners_pick(tp, sip_addr_is_v6(out)))
            return TRUE;
    }
    return FALSE;
}

/* DNS names are case-insensitive: the key is lower case. */
static char *
cache_key(const char *name, gsize len, SipTransport transport)
{
    g_autofree char *lower = g_ascii_strdown(name, (gssize) len);

    return g_strdup_printf("%s\n%d", lower, sip_transport_usable(transport));
}

static void
cache_put(const Lookup *lk, const SipAddr *addr)
{
    CacheEntry *e = g_new(CacheEntry, 1);

    if (!cache)
        cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (g_hash_table_size(cache) >= CACHE_MAX)
        g_hash_table_remove_all(cache);
    e->addr = *addr;
    e->expires = g_get_monotonic_time() + CACHE_TTL_US;
    g_hash_table_replace(cache, cache_key(lk->name, strlen(lk->name), lk->transport), e);
}

gboolean
sip_resolve_cached(const char *host, guint16 port, SipTransport transport, SipAddr *out)
{
    gsize len;
    const char *name = strip_brackets(host, &len);
    g_autofree char *key = NULL;
    CacheEntry *e;

    if (!cache)
        return FALSE;
    key = cache_key(name, len, transport);
    e = g_hash_table_lookup(cache, key);
    if (!e || e->expires < g_get_monotonic_time())
        return FALSE;
    *out = e->addr;
    sip_addr_set_port(out, port ? port : 5060);
    return TRUE;
}

void
sip_resolve_cache_clear(void)
{
    g_clear_pointer(&cache, g_hash_table_unref);
}

guint
sip_resolve_pending(void)
{
    return pending ? g_hash_table_size(pending) : 0;
}

static void
lookup_free(Lookup *lk)
{
    g_hash_table_remove(pending, lk);
    if (sip_stack.module)
        pbx_module_unuse(sip_stack.module);
    g_free(lk->name);
    g_free(lk);
}

void
sip_resolve_owner_gone(PbxModule *owner)
{
    GHashTableIter it;
    gpointer key;

    if (!pending)
        return;
    g_hash_table_iter_init(&it, pending);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        Lookup *lk = key;
        if (lk->owner == owner)
            lk->fn = NULL;
    }
}

static void
looked_up(GObject *source, GAsyncResult *res, gpointer data)
{
    Lookup *lk = data;
    g_autoptr(GError) error = NULL;
    GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
    SipAddr addr;

    if (addrs && pick_address(addrs, lk, &addr)) {
        if (!sip_resolve_literal(lk->name, lk->port, &(SipAddr) { 0 }))
            cache_put(lk, &addr);
        if (lk->fn)
            lk->fn(&addr, NULL, lk->data);
    } else if (lk->fn) {
        lk->fn(NULL, error ? error->message : "no address of a bound transport's family", lk->data);
    }
    g_resolver_free_addresses(addrs);
    lookup_free(lk);
}

void
sip_resolve_async(PbxModule *owner, const char *host, guint16 port, SipTransport transport,
                  GCancellable *cancellable, SipResolveFunc fn, gpointer data)
{
    Lookup *lk = g_new0(Lookup, 1);
    g_autoptr(GResolver) resolver = g_resolver_get_default();
    gsize len;
    const char *name = strip_brackets(host, &len);
    char ip[SIP_ADDR_STRLEN];
    SipAddr cached;

    lk->name = g_strndup(name, len);
    lk->port = port ? port : 5060;
    lk->transport = transport;
    lk->fn = fn;
    lk->data = data;
    lk->owner = owner;
    if (!pending)
        pending = g_hash_table_new(NULL, NULL);
    g_hash_table_add(pending, lk);
    if (sip_stack.module)
        pbx_module_use(sip_stack.module);
    /* A literal goes through the resolver too, which answers it without
     * DNS; so does a cached name, as its address: the callback is then
     * never re-entrant either way. */
    if (sip_resolve_cached(host, port, transport, &cached)) {
        g_free(lk->name);
        lk->name = g_strdup(sip_addr_ip_string(&cached, ip, sizeof(ip)));
    }
    g_resolver_lookup_by_name_async(resolver, lk->name, cancellable, looked_up, lk);
}

