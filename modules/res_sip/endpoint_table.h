/* Carillon res_sip - the table of endpoints read from endpoints.conf
 * (SipEndpoint is public: carillon/sip/endpoint.h).
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/sip/endpoint.h>

G_BEGIN_DECLS

typedef struct _SipEndpointTable SipEndpointTable;

/* Parses endpoints.conf (already loaded).  Errors name file:line. */
SipEndpointTable *sip_endpoint_table_new(const PbxConfig *cfg, GError **error);
SipEndpointTable *sip_endpoint_table_ref(SipEndpointTable *t);
void sip_endpoint_table_unref(SipEndpointTable *t);

/* Borrowed; take a ref with sip_endpoint_ref() to keep it. */
SipEndpoint *sip_endpoint_table_lookup(const SipEndpointTable *t, const char *name);
/* Endpoints in file order. */
const GPtrArray *sip_endpoint_table_list(const SipEndpointTable *t);

/* The first trunk (file order) whose `match` holds ip and port, or NULL;
 * borrowed. */
SipEndpoint *sip_endpoint_table_match_source(const SipEndpointTable *t, const char *ip,
                                             guint16 port);

/* The `type = anonymous` endpoint, borrowed; NULL when none. */
SipEndpoint *sip_endpoint_table_anonymous(const SipEndpointTable *t);

SipEndpoint *sip_endpoint_ref(SipEndpoint *e);
void sip_endpoint_unref(SipEndpoint *e);

/* Shared by phones and trunks: every name in codecs is a known codec. */
gboolean sip_endpoint_check_codecs(const PbxConfig *cfg, const char *section, char **codecs,
                                   GError **error);

/* ---- trunk.c ---- */
/* A `type = trunk` section as an endpoint with its trunk set. */
SipEndpoint *sip_trunk_endpoint_new(const PbxConfig *cfg, const char *section,
                                    GError **error);
void sip_trunk_free(SipTrunk *t);
gboolean sip_trunk_matches(const SipTrunk *t, const char *ip, guint16 port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipEndpointTable, sip_endpoint_table_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipEndpoint, sip_endpoint_unref)

G_END_DECLS
