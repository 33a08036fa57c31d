/* Carillon - res_sip: RFC 3263 "Locating SIP Servers" for trunk hosts.
 *
 * A host with a port (or an IP literal) is looked up A/AAAA only.  A host
 * without a port goes NAPTR -> SRV -> A/AAAA: NAPTR records (flag "s",
 * service SIP+D2U / SIP+D2T / SIPS+D2T) of the wanted transport give SRV
 * names in order/preference order; without any, the SRV name is
 * _sip._udp.HOST, _sip._tcp.HOST or _sips._tcp.HOST; SRV targets are
 * sorted by priority and, within a priority, drawn by weight (RFC 2782);
 * without SRV records the host's A/AAAA at 5060 (5061 for TLS).  The
 * result is every address in that order, so that a caller can fail over
 * from one to the next (RFC 3263 4.3).  The queries go through dns.c
 * (c-ares; sip.conf dns_servers).
 *
 * Thread affinity: main context only; the callback runs there, never
 * from inside sip_rfc3263_resolve.
 */
#pragma once

#include <gio/gio.h>
#include <carillon/sip/api.h>

G_BEGIN_DECLS

/* ---- the pure parts (rfc3263_order.c), unit-tested ---- */
typedef struct {
    guint16 priority, weight, port;
    char *target;               /* borrowed */
} SipSrvTarget;

/* Sorts t by priority; within one priority, RFC 2782's draw: a running
 * sum of weights, pick the first whose sum >= rnd(total + 1).  rnd(n)
 * returns 0..n-1 (NULL: g_random_int_range). */
void sip_srv_order(SipSrvTarget *t, guint n, guint32 (*rnd)(guint32 n));

typedef struct {
    guint16 order, preference;
    const char *flags, *service;
    char *replacement;          /* borrowed */
} SipNaptrTarget;

/* Keeps the records usable for transport (flag "s", its service) in
 * order/preference order at the front of t; returns how many. */
guint sip_naptr_select(SipNaptrTarget *t, guint n, SipTransport transport);
/* "_sip._udp.", "_sip._tcp.", "_sips._tcp."; NULL for other transports. */
const char *sip_srv_prefix(SipTransport transport);

/* ---- the lookup (rfc3263.c) ---- */
void sip_rfc3263_resolve(PbxModule *owner, const char *host, guint16 port,
                         SipTransport transport, GCancellable *cancellable,
                         SipResolveAllFunc fn, gpointer data);
void sip_rfc3263_owner_gone(PbxModule *owner);

G_END_DECLS
