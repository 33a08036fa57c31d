/* Carillon - res_sip configuration: sip.conf parsed into SipConf, and the
 * transports opened or re-bound from it.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include "sip_core.h"
#include "transport.h"

G_BEGIN_DECLS

typedef struct {
    char *name;                 /* section */
    const SipTransportClass *klass;
    SipAddr bind;
    char *bind_text;
    guint line;                 /* of the bind key, for messages */
    SipTlsConf *tls;            /* protocol = tls */
} SipTransportConf;

typedef struct {
    char *file;                 /* "sip.conf" */
    SipGeneralConf settings;
    GPtrArray *transports;      /* SipTransportConf* */
} SipConf;

/* Parses sip.conf from the config directory; errors name file:line. */
SipConf *sip_conf_load(GError **error);
/* Parses a loaded PbxConfig (tests use pbx_config_load_data). */
SipConf *sip_conf_parse(const PbxConfig *cfg, GError **error);
void sip_conf_free(SipConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipConf, sip_conf_free)

/* Opens every transport; one that cannot bind is logged and skipped.
 * FALSE (error set) only when none could bind. */
gboolean sip_conf_open_transports(const SipConf *conf, GError **error);

/* Reload: keeps transports whose protocol and bind are unchanged, closes
 * removed ones, opens new or changed ones.  A changed transport whose new
 * address cannot be bound keeps its old socket; FALSE then, with error. */
gboolean sip_conf_rebind_transports(const SipConf *conf, GError **error);

G_END_DECLS
