/* Carillon - SIP trunks: endpoints.conf sections with `type = trunk`.
 *
 * A trunk is the office's line to a provider (an ITSP) or to another
 * PBX.  It is a SipEndpoint whose `trunk` field is set: phones
 * authenticate to us, a trunk is the other way round.
 *
 *   [provider]
 *   type = trunk
 *   host = sip.example.net          ; one or more, tried in order
 *   port = 5060                     ; 0: SRV / 5060
 *   transport = udp                 ; udp or tcp
 *   username = 4420123              ; we authenticate with these when
 *   password = s3cret               ; the provider challenges (401/407)
 *   from_user = 4420123             ; From user of outbound calls
 *   from_domain = sip.example.net   ; From host (default: the host)
 *   send_pai = yes                  ; P-Asserted-Identity: the caller
 *   send_rpid = no                  ; Remote-Party-ID: the caller
 *   match = 192.0.2.0/24, 2001:db8::1  ; inbound calls from these are the trunk's
 *                                   ; (IP:PORT / [IPv6]:PORT: from that port only)
 *   context = from-provider         ; ... and land in this context
 *   did_source = ruri               ; call.to from the Request-URI or `to`
 *   register = yes                  ; outbound registration
 *   register_expires = 3600
 *   register_retry = 30             ; s, doubled after each failure ...
 *   register_retry_max = 600        ; ... up to this
 *   outbound_contexts = office      ; toll-fraud guard: who may call out
 *   max_calls = 10                  ; concurrent outbound calls, 0: none
 *   international_prefixes = 00,011,+
 *
 * Keys are parsed by res_sip (trunk.c); errors name endpoints.conf:LINE.
 * Everything here is immutable once loaded (a reload builds new ones).
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sip/msg.h>

G_BEGIN_DECLS

typedef enum {
    SIP_DID_FROM_RURI,      /* call.to: the user of the Request-URI */
    SIP_DID_FROM_TO,        /* call.to: the user of the To header */
} SipDidSource;

/* One `match` entry: an address and prefix length (an IP is /32, /128),
 * and a source port when the entry names one. */
typedef struct {
    guint8 family_len;      /* 4 or 16 bytes */
    guint8 bytes[16];
    guint8 prefix;          /* bits */
    guint16 port;           /* 0: any */
} SipCidr;

typedef struct {
    char **hosts;           /* NULL-terminated, at least one */
    guint16 port;           /* 0: SRV, then 5060 */
    SipTransport transport; /* SIP_TRANSPORT_UDP or SIP_TRANSPORT_TCP */
    char *username;         /* NULL: no outbound credentials */
    char *password;
    char *from_user;        /* NULL: the caller's number */
    char *from_domain;      /* NULL: hosts[0] */
    gboolean send_pai, send_rpid;
    SipCidr *match;         /* n_match entries */
    guint n_match;
    SipDidSource did_source;
    gboolean do_register;
    guint register_expires;
    guint register_retry;       /* s before the first retry after a failure */
    guint register_retry_max;   /* s, the backoff's ceiling */
    char *contact_user;     /* Contact user of REGISTER and calls (default username) */
    char **outbound_contexts;   /* contexts whose calls may use the trunk */
    guint max_calls;
    char **international_prefixes;
} SipTrunk;

/* "10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "[::1]", and with a source
 * port "127.0.0.1:5070", "[::1]:5070": FALSE when not an address with
 * an optional prefix length and port in range (libcarillon-sipmsg). */
SIP_EXPORT gboolean sip_cidr_parse(const char *text, SipCidr *out);
/* TRUE when the address ip (text, no brackets) is inside cidr, and
 * port is cidr's port when cidr names one. */
SIP_EXPORT gboolean sip_cidr_contains(const SipCidr *cidr, const char *ip, guint16 port);

G_END_DECLS
