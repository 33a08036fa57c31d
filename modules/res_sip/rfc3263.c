/* Carillon - res_sip: RFC 3263 lookups of servers (see rfc3263.h).
 *
 * One Lookup walks NAPTR -> SRV -> A/AAAA one query at a time; each
 * step's answer starts the next.  The addresses found pile up in order
 * and are handed over from an idle callback, so the caller is never
 * re-entered. */
#include <string.h>
#include <ares.h>
#include "rfc3263.h"
#include "dns.h"
#include "resolve.h"
#include "transport.h"
#include "sip_core.h"

typedef struct {
    char *host;
    guint16 port;
    SipTransport transport;
    GCancellable *cancellable;
    SipResolveAllFunc fn;       /* NULL once its owner unloaded */
    gpointer data;
    PbxModule *owner;
    GPtrArray *srv_names;       /* char*: SRV names still to query */
    GArray *targets;            /* SipSrvTarget (target owned) to look up */
    guint next_target;
    GArray *addrs;              /* SipAddr found so far */
    char *error;                /* the last step's, for an empty result */
} Lookup;

static GHashTable *pending;     /* Lookup* */

static void next_step(Lookup *lk);

static void
lookup_free(Lookup *lk)
{
    g_hash_table_remove(pending, lk);
    if (sip_stack.module)
        pbx_module_unuse(sip_stack.module);
    for (guint i = 0; i < lk->targets->len; i++)
        g_free(g_array_index(lk->targets, SipSrvTarget, i).target);
    g_array_unref(lk->targets);
    g_ptr_array_unref(lk->srv_names);
    g_array_unref(lk->addrs);
    g_clear_object(&lk->cancellable);
    g_free(lk->host);
    g_free(lk->error);
    g_free(lk);
}

static gboolean
deliver(gpointer data)
{
    Lookup *lk = data;

    if (lk->fn)
        lk->fn((const SipAddr *) (void *) lk->addrs->data, lk->addrs->len,
               lk->addrs->len ? NULL : lk->error ? lk->error : "no address", lk->data);
    lookup_free(lk);
    return G_SOURCE_REMOVE;
}

/* "what: why" */
static void
set_error(Lookup *lk, const char *what, const char *why)
{
    g_free(lk->error);
    lk->error = g_strdup_printf("%s: %s", what, why);
}

/* ---- A/AAAA of each target ---- */

/* Keeps the addresses a bound listener of the transport can reach,
 * each once. */
static void
add_addresses(Lookup *lk, const SipAddr *addrs, guint n)
{
    SipTransport tp = sip_transport_usable(lk->transport);

    for (guint i = 0; i < n; i++) {
        gboolean seen = FALSE;
        if (!sip_listeners_pick(tp, sip_addr_is_v6(&addrs[i])))
            continue;
        for (guint j = 0; j < lk->addrs->len && !seen; j++)
            seen = sip_addr_equal(&g_array_index(lk->addrs, SipAddr, j), &addrs[i]);
        if (!seen)
            g_array_append_val(lk->addrs, addrs[i]);
    }
}

static void
got_addresses(const SipAddr *addrs, guint n, const char *error, gpointer data)
{
    Lookup *lk = data;

    if (error)
        set_error(lk, g_array_index(lk->targets, SipSrvTarget,
                                              lk->next_target - 1).target, error);
    add_addresses(lk, addrs, n);
    next_step(lk);
}

static void
add_target(Lookup *lk, const char *name, guint16 port)
{
    SipSrvTarget t = { .port = port, .target = g_strdup(name) };

    g_array_append_val(lk->targets, t);
}

/* ---- SRV ---- */

static void
take_srv(Lookup *lk, struct ares_srv_reply *srv)
{
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(SipSrvTarget));

    for (struct ares_srv_reply *r = srv; r; r = r->next) {
        /* "." (RFC 2782): the service is decidedly not available there */
        SipSrvTarget t = { r->priority, r->weight, r->port, r->host };
        if (r->host && *r->host && strcmp(r->host, ".") != 0)
            g_array_append_val(found, t);
    }
    sip_srv_order((SipSrvTarget *) (void *) found->data, found->len, NULL);
    for (guint i = 0; i < found->len; i++) {
        SipSrvTarget *t = &g_array_index(found, SipSrvTarget, i);
        add_target(lk, t->target, t->port);
    }
}

static void
got_srv(gboolean ok, const guchar *answer, int len, const char *error, gpointer data)
{
    Lookup *lk = data;
    struct ares_srv_reply *srv = NULL;
    int rc = ok ? ares_parse_srv_reply(answer, len, &srv) : ARES_ENODATA;

    if (rc == ARES_SUCCESS)
        take_srv(lk, srv);
    else
        set_error(lk, "SRV", ok ? ares_strerror(rc) : error);
    if (srv)
        ares_free_data(srv);
    next_step(lk);
}

/* ---- NAPTR ---- */

static void
take_naptr(Lookup *lk, struct ares_naptr_reply *naptr)
{
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(SipNaptrTarget));
    guint n;

    for (struct ares_naptr_reply *r = naptr; r; r = r->next) {
        SipNaptrTarget t = { r->order, r->preference, (const char *) r->flags,
                             (const char *) r->service, r->replacement };
        g_array_append_val(found, t);
    }
    n = sip_naptr_select((SipNaptrTarget *) (void *) found->data, found->len, lk->transport);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(lk->srv_names,
                        g_strdup(g_array_index(found, SipNaptrTarget, i).replacement));
}

static void
got_naptr(gboolean ok, const guchar *answer, int len, const char *error, gpointer data)
{
    Lookup *lk = data;
    struct ares_naptr_reply *naptr = NULL;

    if (ok && ares_parse_naptr_reply(answer, len, &naptr) == ARES_SUCCESS)
        take_naptr(lk, naptr);
    if (naptr)
        ares_free_data(naptr);
    /* RFC 3263 4.1: no NAPTR of ours -> the SRV name of the transport */
    if (lk->srv_names->len == 0)
        g_ptr_array_add(lk->srv_names, g_strconcat(sip_srv_prefix(lk->transport),
                                                   lk->host, NULL));
    next_step(lk);
}

/* ---- the walk ---- */

static guint16
default_port(SipTransport transport)
{
    return transport == SIP_TRANSPORT_TLS ? 5061 : 5060;
}

/* SRV names first, then each target; without any SRV target, the host
 * itself at the default port; then the result. */
static void
next_step(Lookup *lk)
{
    if (lk->cancellable && g_cancellable_is_cancelled(lk->cancellable)) {
        set_error(lk, lk->host, "cancelled");
        g_array_set_size(lk->addrs, 0);
    } else if (lk->srv_names->len) {
        g_autofree char *name = g_ptr_array_steal_index(lk->srv_names, 0);
        sip_dns_query(name, SIP_DNS_T_SRV, got_srv, lk);
        return;
    } else if (lk->next_target < lk->targets->len) {
        SipSrvTarget *t = &g_array_index(lk->targets, SipSrvTarget, lk->next_target++);
        sip_dns_addresses(t->target, t->port, got_addresses, lk);
        return;
    } else if (lk->targets->len == 0 && lk->addrs->len == 0) {
        add_target(lk, lk->host, lk->port ? lk->port : default_port(lk->transport));
        next_step(lk);
        return;
    }
    g_idle_add(deliver, lk);
}

static Lookup *
lookup_new(PbxModule *owner, const char *host, guint16 port, SipTransport transport,
           GCancellable *cancellable, SipResolveAllFunc fn, gpointer data)
{
    Lookup *lk = g_new0(Lookup, 1);
    gsize len = strlen(host);

    if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
        lk->host = g_strndup(host + 1, len - 2);
    else
        lk->host = g_strdup(host);
    lk->port = port;
    lk->transport = transport;
    lk->cancellable = cancellable ? g_object_ref(cancellable) : NULL;
    lk->fn = fn;
    lk->data = data;
    lk->owner = owner;
    lk->srv_names = g_ptr_array_new_with_free_func(g_free);
    lk->targets = g_array_new(FALSE, FALSE, sizeof(SipSrvTarget));
    lk->addrs = g_array_new(FALSE, FALSE, sizeof(SipAddr));
    if (!pending)
        pending = g_hash_table_new(NULL, NULL);
    g_hash_table_add(pending, lk);
    if (sip_stack.module)
        pbx_module_use(sip_stack.module);
    return lk;
}

void
sip_rfc3263_resolve(PbxModule *owner, const char *host, guint16 port, SipTransport transport,
                    GCancellable *cancellable, SipResolveAllFunc fn, gpointer data)
{
    Lookup *lk = lookup_new(owner, host, port, transport, cancellable, fn, data);
    SipAddr literal;

    PBX_ASSERT_MAIN_CONTEXT();
    if (sip_resolve_literal(lk->host, port ? port : default_port(transport), &literal)) {
        add_addresses(lk, &literal, 1);
        if (lk->addrs->len == 0)
            set_error(lk, lk->host, "no bound transport of its family");
        g_idle_add(deliver, lk);
    } else if (port || !sip_srv_prefix(transport)) {
        add_target(lk, lk->host, port ? port : default_port(transport));
        next_step(lk);
    } else {
        sip_dns_query(lk->host, SIP_DNS_T_NAPTR, got_naptr, lk);
    }
}

void
sip_rfc3263_owner_gone(PbxModule *owner)
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
