/* Carillon - res_sip request handlers registered by other modules, the
 * supported option-tags, and the Allow / Supported values derived from
 * them.  Owners' registrations are dropped when the owner unloads.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/sip/api.h>

G_BEGIN_DECLS

void sip_handlers_init(void);
void sip_handlers_shutdown(void);

gboolean sip_handlers_register(PbxModule *owner, const char *method,
                               SipRequestHandler fn, gpointer data, GError **error);
void sip_handlers_unregister(PbxModule *owner, const char *method, SipRequestHandler fn);
void sip_handlers_add_supported(PbxModule *owner, const char *option_tag);
/* A method the owner handles in its dialogs only (SipApi.add_allowed). */
void sip_handlers_add_allowed(PbxModule *owner, const char *method);

/* TRUE if some handler is registered for the request's method. */
gboolean sip_handlers_exist(const SipMsg *req);
/* Calls the method's handlers in registration order until one takes the
 * request; TRUE when one did.  For ACK, calls all (tx NULL). */
gboolean sip_handlers_dispatch(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer);

/* "INVITE, ACK, CANCEL, OPTIONS, BYE" plus the handled methods. */
const char *sip_handlers_allow(void);
/* Comma-separated supported option-tags, "" when none. */
const char *sip_handlers_supported(void);
gboolean sip_handlers_tag_supported(SipSlice tag);

/* Visits every handler for `sip show handlers`. */
void sip_handlers_foreach(void (*fn)(const char *method, const char *owner,
                                    gboolean handler, gpointer data),
                          gpointer data);

/* Runs the owner-gone cleanup for every SIP registration of owner. */
void sip_owner_track(PbxModule *owner);

G_END_DECLS
