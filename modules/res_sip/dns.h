/* Carillon - res_sip: DNS queries with c-ares on the main context.
 *
 * RFC 3263 needs NAPTR and SRV records, and a test needs a DNS server of
 * its own (sip.conf `dns_servers = 127.0.0.1:5353`), neither of which
 * GResolver offers.  One c-ares channel serves every query; its sockets
 * are watched by GSources of the main context and its timeouts by one
 * GLib timeout, so nothing ever waits for DNS.  Without dns_servers the
 * servers of /etc/resolv.conf are used (and /etc/hosts for addresses).
 *
 * Callbacks may run from inside sip_dns_query / sip_dns_addresses (an
 * answer c-ares has at once, e.g. from /etc/hosts) or later from the main
 * loop; at shutdown pending ones run with ok FALSE.
 *
 * Thread affinity: main context only (asserted).
 */
#pragma once

#include <gio/gio.h>
#include <carillon/sip/addr.h>

G_BEGIN_DECLS

#define SIP_DNS_T_A      1
#define SIP_DNS_T_AAAA   28
#define SIP_DNS_T_SRV    33
#define SIP_DNS_T_NAPTR  35

/* (Re)creates the channel: servers NULL or empty = the system's, else
 * "IP", "IP:PORT" or "[IPv6]:PORT" each.  On error the old channel stays. */
gboolean sip_dns_configure(char **servers, GError **error);
/* Cancels every query (their callbacks run with ok FALSE) and frees the
 * channel. */
void sip_dns_shutdown(void);

/* answer: the whole DNS message (for ares_parse_*_reply); ok FALSE:
 * no answer (NXDOMAIN, no data, timeout, shutdown) and error says why. */
typedef void (*SipDnsFunc)(gboolean ok, const guchar *answer, int len, const char *error,
                           gpointer data);
void sip_dns_query(const char *name, int type, SipDnsFunc fn, gpointer data);

/* A and AAAA of name (and /etc/hosts): every address with port set. */
typedef void (*SipDnsAddrFunc)(const SipAddr *addrs, guint n, const char *error,
                               gpointer data);
void sip_dns_addresses(const char *name, guint16 port, SipDnsAddrFunc fn, gpointer data);

G_END_DECLS
