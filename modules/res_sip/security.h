/* Carillon res_sip - endpoints and authentication as the stack offers
 * them: endpoints.conf, sip.conf [auth] (realm, blocking), the
 * authenticate() entry point of the SIP API, blocked sources and their CLI.
 *
 * Thread affinity: main context.
 */
#pragma once

#include "endpoint_table.h"
#include <carillon/sip/api.h>
#include "transport.h"

G_BEGIN_DECLS

/* Reads endpoints.conf and sip.conf [auth]; registers the CLI. */
gboolean sip_security_load(PbxModule *self, GError **error);
/* Re-reads both; on error the old ones stay. Publishes
 * "sip/endpoints-reloaded" on success. */
gboolean sip_security_reload(GError **error);
void sip_security_unload(void);

SipEndpoint *sip_security_endpoint_lookup(const char *name);
const GPtrArray *sip_security_endpoint_list(void);
/* The trunk whose `match` holds ip, borrowed; NULL when none. */
SipEndpoint *sip_security_trunk_for_source(const char *ip, guint16 port);
const char *sip_security_realm(void);
/* The `type = anonymous` endpoint, borrowed; NULL when none. */
SipEndpoint *sip_security_anonymous_endpoint(void);

/* ---- anonymous.c ---- */
/* The anonymous endpoint when req may come in without credentials
 * (borrowed), else NULL: the caller then challenges it as usual.  See
 * api.h anonymous_for. */
SipEndpoint *sip_anonymous_for(const SipMsg *req, const SipPeerInfo *peer);

/* TRUE when requests from this address are to be dropped. */
gboolean sip_security_is_blocked(const char *ip);

/* Checks the credentials of tx's request for an endpoint.  On success
 * sets *endpoint (a new reference) and returns TRUE.  Otherwise it has
 * answered tx itself (401/407 challenge, stale challenge, 400 for
 * malformed credentials) and returns FALSE. */
gboolean sip_security_authenticate(SipServerTx *tx, const SipPeerInfo *peer,
                                   gboolean proxy, SipEndpoint **endpoint);

/* A REGISTER without any credentials gets its 401 challenge at once and
 * statelessly (as Kamailio's registrar does): no transaction is kept for
 * it, and a retransmission just gets a fresh challenge.  Returns TRUE
 * when it answered.  The answer depends on nothing but the request's
 * User-Agent, exactly like the stateful challenge. */
gboolean sip_security_challenge_stateless(const SipMsg *req, const SipRx *rx);

G_END_DECLS
