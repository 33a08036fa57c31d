/* Carillon - SIP message layer: socket addresses.
 *
 * SipAddr is an IPv4 or IPv6 socket address without GObject allocation
 * (32 bytes, not a sockaddr_storage: every transaction keeps two).  Part
 * of libcarillon-sipmsg; no state, any thread.
 */
#pragma once

#include <sys/socket.h>
#include <netinet/in.h>
#include <carillon/sip/msg.h>

G_BEGIN_DECLS

typedef struct {
    union {
        struct sockaddr sa;
        struct sockaddr_in sin;
        struct sockaddr_in6 sin6;
    } u;
    socklen_t len;
} SipAddr;

#define SIP_ADDR_STRLEN 64

/* "1.2.3.4:5060", "[::1]:5060", "1.2.3.4" or "[::1]" (port then
 * default_port).  Host must be an IP literal.  FALSE when malformed. */
SIP_EXPORT gboolean sip_addr_parse(const char *text, guint16 default_port, SipAddr *out);
/* IP literal and port (IPv6 without brackets). */
SIP_EXPORT gboolean sip_addr_from_ip(const char *ip, gsize ip_len, guint16 port,
                                     SipAddr *out);
SIP_EXPORT guint16 sip_addr_port(const SipAddr *a);
SIP_EXPORT void sip_addr_set_port(SipAddr *a, guint16 port);
SIP_EXPORT gboolean sip_addr_is_v6(const SipAddr *a);
SIP_EXPORT gboolean sip_addr_is_any(const SipAddr *a);
/* IP part only ("::1", no brackets); buf needs SIP_ADDR_STRLEN bytes. */
SIP_EXPORT const char *sip_addr_ip_string(const SipAddr *a, char *buf, gsize size);
/* "1.2.3.4:5060" / "[::1]:5060"; buf needs SIP_ADDR_STRLEN bytes. */
SIP_EXPORT const char *sip_addr_to_string(const SipAddr *a, char *buf, gsize size);
SIP_EXPORT gboolean sip_addr_equal(const SipAddr *a, const SipAddr *b);
SIP_EXPORT gboolean sip_addr_ip_equal(const SipAddr *a, const SipAddr *b);
SIP_EXPORT guint sip_addr_hash(const SipAddr *a);
SIP_EXPORT guint sip_addr_ip_hash(const SipAddr *a);

G_END_DECLS
