/* Carillon - chan_sip: host names of SIP targets to addresses.
 *
 * A SIP target's host (a Request-URI, a Contact) may be an IP literal or a
 * DNS name.  A literal is converted at once; a name is looked up with
 * GResolver asynchronously, so the main context never waits for DNS.  Of
 * the addresses found, the first one for which a listener of the wanted
 * transport is bound wins: with only IPv4 transports bound, an AAAA record
 * listed first is skipped (RFC 3263 NAPTR/SRV is not done: A/AAAA only).
 *
 * Thread affinity: main context only; the callback runs there too.
 */
#pragma once

#include <gio/gio.h>
#include "sip_api.h"
#include "transport.h"

G_BEGIN_DECLS

/* host ("1.2.3.4", "::1" or "[::1]") as an address with port; FALSE when
 * host is not an IP literal (a DNS name). */
gboolean sip_resolve_literal(const char *host, guint16 port, SipAddr *out);

/* The lookup's end: addr is NULL when the name does not resolve to an
 * address we can send to over the transport (error says why). */
typedef void (*SipResolveFunc)(const SipAddr *addr, const char *error, gpointer data);

/* Looks host up and calls fn once, from the main context, never from
 * inside this call.  When cancellable is cancelled first, fn still runs,
 * with addr NULL. */
void sip_resolve_async(const char *host, guint16 port, SipTransport transport,
                       GCancellable *cancellable, SipResolveFunc fn, gpointer data);

G_END_DECLS
