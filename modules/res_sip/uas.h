/* Carillon - res_sip core UAS behaviour: checks before the handlers and
 * the answers to requests no handler takes.  See uas.c for the order of
 * the checks and README.md for the choices made.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/sip/msg.h>
#include "transport.h"
#include <carillon/sip/api.h>

G_BEGIN_DECLS

/* A request that parsed (SIP_PARSE_OK), from rx. */
void sip_uas_receive_request(const SipMsg *req, const SipRx *rx);

/* TRUE when one of req's Vias is one of our transports (SipApi.
 * request_is_looped). */
gboolean sip_uas_is_looped(const SipMsg *req, const SipPeerInfo *peer);

/* Frees cached header values (module unload). */
void sip_uas_shutdown(void);

G_END_DECLS
