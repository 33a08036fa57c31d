/* Carillon - chan_sip: where a call through a trunk goes (see
 * sip_trunk.h).
 *
 * Before the first INVITE every host of the trunk is looked up with
 * RFC 3263 (res_sip's resolve_all: NAPTR, SRV by priority and weight,
 * A/AAAA), one host after the other, into one list of addresses in the
 * order to try them.  The Request-URI keeps the host's name; the INVITE
 * goes to the address.  Failover (sip_trunk_out.c) walks the list.
 */
#include <string.h>

#include "sip_trunk.h"

static void resolve_host(SipFork *fork);

static void
host_resolved(const SipAddr *addrs, guint n, const char *error, gpointer data)
{
    SipFork *fork = data;
    SipTrunkLeg *leg = fork->call->trunk_leg;
    const SipTrunk *t = leg->trunk->trunk;
    guint host = leg->resolving_host;

    if (error)
        pbx_notice(sip_log, "trunk %s: %s does not resolve: %s", leg->trunk->name,
                   t->hosts[host], error);
    for (guint i = 0; i < n && !fork->call->ended; i++) {
        g_array_append_val(leg->addrs, addrs[i]);
        g_array_append_val(leg->addr_host, host);
    }
    if (!fork->call->ended && t->hosts[host + 1]) {
        leg->resolving_host++;
        resolve_host(fork);
        return;
    }
    leg->addr_index = 0;
    if (leg->addrs->len)
        sip_trunk_out_aim(leg, fork);
    /* takes over the lookup's count and reference */
    sip_channel_out_fork_resolved(leg->addrs->len ? &g_array_index(leg->addrs, SipAddr, 0)
                                                  : NULL,
                                  "no host of the trunk resolves", fork);
}

static void
resolve_host(SipFork *fork)
{
    SipCall *call = fork->call;
    SipTrunkLeg *leg = call->trunk_leg;
    const SipTrunk *t = leg->trunk->trunk;

    sip->resolve_all(chan_sip.module, t->hosts[leg->resolving_host], t->port, t->transport,
                     call->resolving, host_resolved, fork);
}

void
sip_trunk_out_resolve(SipCall *call, SipFork *fork)
{
    SipTrunkLeg *leg = call->trunk_leg;

    if (!call->resolving)
        call->resolving = g_cancellable_new();
    call->lookups++;
    sip_call_ref(call);             /* released by sip_channel_out_fork_resolved */
    leg->resolving_host = 0;
    g_array_set_size(leg->addrs, 0);
    g_array_set_size(leg->addr_host, 0);
    resolve_host(fork);
}
