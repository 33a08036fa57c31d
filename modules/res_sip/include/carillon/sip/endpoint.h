/* Carillon res_sip - endpoints (users/phones) from endpoints.conf.
 *
 * One section per endpoint; its name is the user part of its address of
 * record (sip:1001@realm) and its digest user name.  Asterisk-style
 * templates give shared defaults:
 *
 *   [office-phone](!)
 *   context = office
 *   codecs = ulaw,alaw
 *   [1001](office-phone)
 *   secret = pw1001
 *   callerid = "Alice Anders" <1001>
 *
 * Keys: secret, context, callerid ("Name" <number>), codecs, mailbox,
 * max_contacts, nat (no|yes|auto), media_encryption (no|sdes|dtls),
 * transports (udp,tcp,tls,ws,wss), qualify_frequency (seconds, 0 = off),
 * remove_existing (yes: a new contact beyond max_contacts replaces the
 * oldest; no: it is refused with 403), dtmf_mode (rfc4733 | info | inband
 * | auto: how digits are sent to the phone; see SipDtmfMode), moh_class
 * (the music on hold class the phone hears while the other party holds:
 * chan_sip sets it as the channel variable MOH_CLASS; default "default"),
 * max_trunk_calls (concurrent calls through trunks, default 2),
 * international_per_hour (calls to a trunk's international prefixes
 * per hour, default 0: none).  `type = trunk` makes the section a trunk
 * (carillon/sip/trunk.h) with keys of its own.  `type = anonymous` makes
 * it the endpoint of unauthenticated calls (no secret; `extensions`
 * lists the Request-URI users they may reach; see api.h anonymous_for).
 * call_group and pickup_group (Asterisk's callgroup/pickupgroup: lists
 * of groups 0-63 such as "1,3-5"; a call ringing at the phone can be
 * picked up with *8 from a phone whose pickup_group meets its
 * call_group; chan_sip sets them as the channel variables CALL_GROUP and
 * PICKUP_GROUP, see carillon/pickup.h; default none),
 * mwi_unsolicited (yes: the box `mailbox` names, or the endpoint's own,
 * is NOTIFYed to its registered contacts without a subscription;
 * app_voicemail acts on it).
 *
 * A table of endpoints is immutable once loaded: reload builds a new one
 * and swaps it in, while registrations (which refer to endpoints by name)
 * stay.  Modules look endpoints up and reference them through the "sip"
 * API (endpoint_lookup, endpoint_ref, endpoint_unref).
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sip/msg.h>
#include <carillon/sip/trunk.h>

G_BEGIN_DECLS

typedef enum {
    SIP_NAT_NO,        /* trust the Contact */
    SIP_NAT_YES,       /* always reach the endpoint at its source address */
    SIP_NAT_AUTO,      /* do so when the Contact differs from the source */
} SipNatMode;

/* How DTMF is sent to an endpoint (what it sends is always understood:
 * RFC 4733 events when negotiated, SIP INFO, and tones when inband). */
typedef enum {
    SIP_DTMF_AUTO,     /* RFC 4733 when its SDP has telephone-event, else
                        * inband (the leg is then decoded: costs CPU) */
    SIP_DTMF_RFC4733,  /* the default: telephone-event offered, digits as
                        * RTP events; none when the phone has no telephone-event */
    SIP_DTMF_INFO,     /* no telephone-event offered; digits as SIP INFO */
    SIP_DTMF_INBAND,   /* no telephone-event offered; tones in the audio */
} SipDtmfMode;

enum {
    SIP_TRANSPORT_MASK_UDP = 1 << 0,
    SIP_TRANSPORT_MASK_TCP = 1 << 1,
    SIP_TRANSPORT_MASK_TLS = 1 << 2,
    SIP_TRANSPORT_MASK_WS  = 1 << 3,
    SIP_TRANSPORT_MASK_WSS = 1 << 4,
};

typedef struct {
    gint refs;
    char *name;
    char *secret;
    char *context;
    char *callerid_name;       /* may be NULL */
    char *callerid_number;     /* defaults to the name */
    char **codecs;             /* NULL-terminated, in preference order */
    char *mailbox;             /* may be NULL */
    guint max_contacts;
    gboolean remove_existing;
    SipNatMode nat;
    char *media_encryption;    /* "no", "sdes" (SDES-SRTP, offered only over TLS) or
                                * "dtls" (DTLS-SRTP, any signalling transport) */
    guint transports;          /* SIP_TRANSPORT_MASK_* */
    guint qualify_frequency;   /* seconds, 0 = off */
    SipDtmfMode dtmf_mode;
    /* toll-fraud guard (phones): calls through trunks at once, and
     * international calls per hour (0: none) */
    guint max_trunk_calls;
    guint international_per_hour;
    SipTrunk *trunk;           /* type = trunk (carillon/sip/trunk.h), else NULL */
    char *moh_class;           /* music on hold class (res_moh), "default" */
    char *call_group;          /* "1,3-5" (canonical), "" = none */
    char *pickup_group;
    /* sdes: FALSE = SRTP required (plain offers get 488, and nothing
     * is sent but over TLS); TRUE = optimistic: SRTP when the other side
     * takes it (and the signalling is TLS), else plain RTP. */
    gboolean media_encryption_optimistic;
    /* `type = anonymous` (at most one, never looked up by name, never
     * authenticates): the Request-URI users that calls without
     * credentials may reach, into its context, when the dialplan marks
     * that context public; NULL for every other endpoint. */
    char **anonymous_extensions;
    gboolean mwi_unsolicited;  /* MWI NOTIFYs without a subscription */
} SipEndpoint;

/* Names for endpoints.conf and the CLI (libcarillon-sipmsg). */
SIP_EXPORT const char *sip_nat_mode_to_string(SipNatMode nat);
/* "auto", "rfc4733", "info", "inband"; from_string FALSE when unknown. */
SIP_EXPORT const char *sip_dtmf_mode_to_string(SipDtmfMode mode);
SIP_EXPORT gboolean sip_dtmf_mode_from_string(const char *name, SipDtmfMode *mode);
/* The SIP_TRANSPORT_MASK_* bit of "udp", "tcp", "tls", "ws", "wss"
 * (any case); 0 when unknown. */
SIP_EXPORT guint sip_transport_mask_from_name(const char *name);
/* "udp,tcp" from a mask; a new string. */
SIP_EXPORT char *sip_transport_mask_to_string(guint mask);
/* The transports res_sip has: TCP and TLS stay, anything else is UDP. */
SIP_EXPORT SipTransport sip_transport_usable(SipTransport t);
/* "udp", "tcp", "tls" (of sip_transport_usable(t)). */
SIP_EXPORT const char *sip_transport_to_string(SipTransport t);
/* "tcp"/"tls" (any case, len bytes; a URI's transport parameter);
 * anything else, NULL included, is UDP. */
SIP_EXPORT SipTransport sip_transport_from_string(const char *name, gsize len);
/* The SIP_TRANSPORT_MASK_* bit of t; 0 for OTHER and SCTP. */
SIP_EXPORT guint sip_transport_mask(SipTransport t);

G_END_DECLS
