/* Carillon - chan_sip: calls through SIP trunks (endpoints.conf
 * `type = trunk`, carillon/sip/trunk.h).
 *
 * Outbound (sip_trunk_out.c): a dial target "sip:NUMBER@TRUNK", where
 * TRUNK names a trunk endpoint, goes to the trunk's hosts one after the
 * other, each looked up with RFC 3263 (sip_trunk_resolve.c: NAPTR, SRV,
 * A/AAAA, every address in turn when one does not answer: 408, 503), with
 * the From, P-Asserted-Identity / Remote-Party-ID and Privacy the trunk
 * asks for, and answers the trunk's 401/407 with its credentials.
 * Before anything is sent the toll-fraud guard (sip_trunk_guard.c)
 * decides whether the caller may use the trunk at all.
 *
 * Inbound (sip_trunk_in.c): an INVITE from a trunk's `match` addresses
 * is the trunk's call, without digest; call.to is the DID (Request-URI
 * or To user), call.from the provider's caller.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include "sip_channel.h"

G_BEGIN_DECLS

/* What a leg through a trunk carries besides the SipCall. */
struct _SipTrunkLeg {
    SipEndpoint *trunk;         /* a reference; also call->endpoint (codecs, DTMF) */
    char *number;               /* the number dialed */
    char *asserted_number;      /* the caller's identity for PAI/RPID */
    char *asserted_name;
    gboolean privacy;           /* anonymous: From hidden, Privacy: id */
    /* every host's addresses (RFC 3263, sip_trunk_resolve.c) in the
     * order to try them, the hosts[] index of each, the one tried now */
    GArray *addrs;              /* SipAddr */
    GArray *addr_host;          /* guint */
    guint addr_index;
    guint resolving_host;       /* hosts[] being looked up */
    gboolean auth_sent;         /* credentials sent with the current INVITE */
    guint32 cseq;               /* of the current INVITE */
    char *call_id, *tag;        /* kept across a challenge (RFC 3261 22.2) */
    char *guard_endpoint;       /* phone counted by the guard, NULL: none */
    gboolean counted;           /* the guard counts this call */
};

/* ---- sip_trunk_out.c ---- */
/* The trunk endpoint named by target's host when target is a
 * "sip:NUMBER@TRUNK" URI; *number gets NUMBER (a new string). */
SipEndpoint *sip_trunk_target(const char *target, char **number);
/* Sets the call up as a leg through trunk: the guard's verdict first
 * (PBX_CHANNEL_ERROR_BARRED), then the identity and the first fork. */
gboolean sip_trunk_out_prepare(SipCall *call, SipEndpoint *trunk, const char *number,
                               PbxChannel *requester, const PbxDialOptions *options,
                               GError **error);
/* The INVITE of fork for a trunk leg (sip_channel_out.c's build_invite
 * for the others). */
void sip_trunk_out_build_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out);
/* A fork of a trunk leg failed with code: TRUE when it was taken care of
 * by a new INVITE (credentials for a 401/407, or the next host). */
gboolean sip_trunk_out_retry(SipFork *fork, const SipMsg *resp, guint code);
/* Points fork at the leg's current address (leg->addr_index), its
 * Request-URI at that address's host name. */
void sip_trunk_out_aim(SipTrunkLeg *leg, SipFork *fork);

/* ---- sip_trunk_resolve.c ---- */
/* Looks up every host of the leg's trunk (RFC 3263) into leg->addrs,
 * then aims fork at the first address and hands it to
 * sip_channel_out_fork_resolved (as one lookup of call->lookups). */
void sip_trunk_out_resolve(SipCall *call, SipFork *fork);
/* The leg is over (sip_call_end) / freed (sip_call_unref). */
void sip_trunk_leg_end(SipCall *call);
void sip_trunk_leg_free(SipTrunkLeg *leg);

/* ---- sip_trunk_guard.c ---- */
/* The toll-fraud guard: may the caller (requester, NULL for a call the
 * core places itself) call number through trunk?  On TRUE the call is
 * counted until sip_trunk_guard_release. */
gboolean sip_trunk_guard_admit(SipTrunkLeg *leg, PbxChannel *requester, GError **error);
void sip_trunk_guard_release(SipTrunkLeg *leg);
/* Forgets the counters (module unload). */
void sip_trunk_guard_clear(void);

/* ---- sip_trunk_in.c ---- */
/* The channel identity of an INVITE from trunk: caller number and name
 * (From), callee (the DID: Request-URI or To user, per did_source). */
void sip_trunk_in_identity(const SipEndpoint *trunk, const SipMsg *req, char **number,
                           char **name, char **callee);
/* The same for a call that came in anonymous (res_sip's anonymous_for):
 * number and name from From as claimed (unverified), callee the
 * Request-URI user. */
void sip_anonymous_in_identity(const SipMsg *req, char **number, char **name, char **callee);

G_END_DECLS
