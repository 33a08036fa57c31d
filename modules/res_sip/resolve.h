/* Carillon - res_sip: host names of SIP targets to addresses.
 *
 * A SIP target's host (a Request-URI, a Contact) may be an IP literal or a
 * DNS name.  A literal is converted at once; a name is looked up with
 * GResolver asynchronously, so the main context never waits for DNS.  Of
 * the addresses found, the first one for which a listener of the wanted
 * transport is bound wins: with only IPv4 transports bound, an AAAA record
 * listed first is skipped (RFC 3263 NAPTR/SRV is not done: A/AAAA only).
 * Answers are cached for a minute (GResolver asks the system resolver
 * every time, and every in-dialog request to a named peer would ask).
 *
 * Thread affinity: main context only; the callback runs there too.
 */
#pragma once

#include <gio/gio.h>
#include <carillon/sip/api.h>
#include "transport.h"

G_BEGIN_DECLS

/* host ("1.2.3.4", "::1" or "[::1]") as an address with port; FALSE when
 * host is not an IP literal (a DNS name). */
gboolean sip_resolve_literal(const char *host, guint16 port, SipAddr *out);

/* Looks host up and calls fn once, from the main context, never from
 * inside this call.  When cancellable is cancelled first, fn still runs,
 * with addr NULL; when owner (NULL: res_sip) unloads first, it does not
 * (sip_resolve_owner_gone).  A lookup under way is a use of res_sip. */
void sip_resolve_async(PbxModule *owner, const char *host, guint16 port,
                       SipTransport transport, GCancellable *cancellable,
                       SipResolveFunc fn, gpointer data);
void sip_resolve_owner_gone(PbxModule *owner);
guint sip_resolve_pending(void);

/* The cached address of host, FALSE when not cached (or expired). */
gboolean sip_resolve_cached(const char *host, guint16 port, SipTransport transport,
                            SipAddr *out);
/* Empties the cache (module unload, tests). */
void sip_resolve_cache_clear(void);

G_END_DECLS
