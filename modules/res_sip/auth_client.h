/* Carillon res_sip - digest authentication as a client: answering a
 * trunk's or registrar's 401/407 (RFC 3261 22.2, RFC 7616, RFC 8760).
 *
 * Thread affinity: any (no state but OpenSSL contexts per thread).
 */
#pragma once

#include <carillon/sip/msg.h>

G_BEGIN_DECLS

/* The credentials line answering the challenges of resp (a 401 or 407)
 * for our request `method` `uri`: "Authorization: Digest ...\r\n" (or
 * Proxy-Authorization for a 407).  Of the Digest challenges the
 * strongest algorithm we know wins (SHA-512-256, SHA-256, then MD5);
 * qop=auth when offered, with a fresh cnonce and nc=00000001.  NULL
 * with error (PBX_SIP_ERROR... SIP_ERROR) when no challenge is usable. */
char *sip_auth_client_answer(const SipMsg *resp, const char *method, const char *uri,
                             const char *user, const char *password, GError **error);

G_END_DECLS
