/* Carillon res_sip - trunks in endpoints.conf (`type = trunk`,
 * carillon/sip/trunk.h): parsing, and finding the trunk of a source
 * address. */
#include <string.h>

#include "endpoint_table.h"

typedef struct {
    char *type;
    char **hosts;
    guint port;
    char *transport;
    char *username;
    char *password;
    char *from_user;
    char *from_domain;
    gboolean send_pai, send_rpid;
    char **match;
    char *context;
    char *did_source;
    gboolean do_register;
    guint register_expires;
    guint register_retry, register_retry_max;
    char *contact_user;
    char **outbound_contexts;
    guint max_calls;
    char **international_prefixes;
    char **codecs;
    char *dtmf_mode;
    char *callerid;
} RawTrunk;

#define OPT(name, type, field, def, min, max) \
    { name, type, G_STRUCT_OFFSET(RawTrunk, field), def, min, max }

static const PbxOption trunk_opts[] = {
    OPT("type",                   PBX_OPT_STRING, type,                   NULL,        0, 0),
    OPT("host",                   PBX_OPT_STRV,   hosts,                  NULL,        0, 0),
    OPT("port",                   PBX_OPT_UINT,   port,                   "0",         0, 65535),
    OPT("transport",              PBX_OPT_STRING, transport,              "udp",       0, 0),
    OPT("username",               PBX_OPT_STRING, username,               NULL,        0, 0),
    OPT("password",               PBX_OPT_STRING, password,               NULL,        0, 0),
    OPT("from_user",              PBX_OPT_STRING, from_user,              NULL,        0, 0),
    OPT("from_domain",            PBX_OPT_STRING, from_domain,            NULL,        0, 0),
    OPT("send_pai",               PBX_OPT_BOOL,   send_pai,               "no",        0, 0),
    OPT("send_rpid",              PBX_OPT_BOOL,   send_rpid,              "no",        0, 0),
    OPT("match",                  PBX_OPT_STRV,   match,                  NULL,        0, 0),
    OPT("context",                PBX_OPT_STRING, context,                "from-trunk", 0, 0),
    OPT("did_source",             PBX_OPT_STRING, did_source,             "ruri",      0, 0),
    OPT("register",               PBX_OPT_BOOL,   do_register,            "no",        0, 0),
    OPT("register_expires",       PBX_OPT_UINT,   register_expires,       "3600",      60, 86400),
    OPT("register_retry",         PBX_OPT_UINT,   register_retry,         "30",        1, 3600),
    OPT("register_retry_max",     PBX_OPT_UINT,   register_retry_max,     "600",       1, 86400),
    OPT("contact_user",           PBX_OPT_STRING, contact_user,           NULL,        0, 0),
    OPT("outbound_contexts",      PBX_OPT_STRV,   outbound_contexts,      NULL,        0, 0),
    OPT("max_calls",              PBX_OPT_UINT,   max_calls,              "10",        0, 100000),
    OPT("international_prefixes", PBX_OPT_STRV,   international_prefixes, "00,011,+",  0, 0),
    OPT("codecs",                 PBX_OPT_STRV,   codecs,                 "ulaw,alaw", 0, 0),
    OPT("dtmf_mode",              PBX_OPT_STRING, dtmf_mode,              "rfc4733",   0, 0),
    OPT("callerid",               PBX_OPT_STRING, callerid,               NULL,        0, 0),
};

void
sip_trunk_free(SipTrunk *t)
{
    if (!t)
        return;
    g_strfreev(t->hosts);
    g_free(t->username);
    g_free(t->password);
    g_free(t->from_user);
    g_free(t->from_domain);
    g_free(t->match);
    g_free(t->contact_user);
    g_strfreev(t->outbound_contexts);
    g_strfreev(t->international_prefixes);
    g_free(t);
}

static gboolean
bad(const PbxConfig *cfg, const char *section, const char *key, GError **error,
    const char *what, const char *value)
{
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, key, "'%s' %s",
                         value ? value : "", what);
    return FALSE;
}

static gboolean
convert_match(const PbxConfig *cfg, const char *section, RawTrunk *raw, SipTrunk *t,
              GError **error)
{
    guint n = raw->match ? g_strv_length(raw->match) : 0;

    t->match = g_new0(SipCidr, MAX(n, 1));
    for (guint i = 0; i < n; i++) {
        if (!sip_cidr_parse(g_strstrip(raw->match[i]), &t->match[i]))
            return bad(cfg, section, "match", error,
                       "is not an IP address or CIDR (a host name is not allowed)",
                       raw->match[i]);
    }
    t->n_match = n;
    return TRUE;
}

/* Checks and moves the trunk's own values out of raw. */
static gboolean
convert(const PbxConfig *cfg, const char *section, RawTrunk *raw, SipTrunk *t,
        GError **error)
{
    if (!raw->hosts || !raw->hosts[0] || !*raw->hosts[0]) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, "host",
                             "a trunk needs a host");
        return FALSE;
    }
    if (g_ascii_strcasecmp(raw->transport, "udp") == 0)
        t->transport = SIP_TRANSPORT_UDP;
    else if (g_ascii_strcasecmp(raw->transport, "tcp") == 0)
        t->transport = SIP_TRANSPORT_TCP;
    else
        return bad(cfg, section, "transport", error, "is not udp or tcp", raw->transport);
    if (strcmp(raw->did_source, "ruri") == 0)
        t->did_source = SIP_DID_FROM_RURI;
    else if (strcmp(raw->did_source, "to") == 0)
        t->did_source = SIP_DID_FROM_TO;
    else
        return bad(cfg, section, "did_source", error, "is not ruri or to", raw->did_source);
    if ((raw->username == NULL) != (raw->password == NULL)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section,
                             raw->username ? "password" : "username",
                             "username and password go together");
        return FALSE;
    }
    if (raw->do_register && !raw->username) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, "username",
                             "register = yes needs a username");
        return FALSE;
    }
    return convert_match(cfg, section, raw, t, error);
}

static void
move_fields(RawTrunk *raw, SipTrunk *t)
{
    for (guint i = 0; raw->hosts[i]; i++)
        g_strstrip(raw->hosts[i]);
    t->hosts = g_steal_pointer(&raw->hosts);
    t->port = (guint16) raw->port;
    t->username = g_steal_pointer(&raw->username);
    t->password = g_steal_pointer(&raw->password);
    t->from_user = g_steal_pointer(&raw->from_user);
    t->from_domain = g_steal_pointer(&raw->from_domain);
    t->send_pai = raw->send_pai;
    t->send_rpid = raw->send_rpid;
    t->do_register = raw->do_register;
    t->register_expires = raw->register_expires;
    t->register_retry = raw->register_retry;
    t->register_retry_max = MAX(raw->register_retry_max, raw->register_retry);
    t->contact_user = raw->contact_user ? g_steal_pointer(&raw->contact_user)
                                        : g_strdup(t->username ? t->username : "carillon");
    t->outbound_contexts = raw->outbound_contexts ? g_steal_pointer(&raw->outbound_contexts)
                                                  : g_new0(char *, 1);
    t->max_calls = raw->max_calls;
    t->international_prefixes = g_steal_pointer(&raw->international_prefixes);
}

/* The endpoint-level values every endpoint has (context, codecs, DTMF,
 * caller ID) as a phone's parser would take them. */
static gboolean
fill_endpoint(const PbxConfig *cfg, const char *section, RawTrunk *raw, SipEndpoint *e,
              GError **error)
{
    if (!sip_endpoint_check_codecs(cfg, section, raw->codecs, error))
        return FALSE;
    if (!sip_dtmf_mode_from_string(raw->dtmf_mode, &e->dtmf_mode))
        return bad(cfg, section, "dtmf_mode", error, "is not rfc4733, info, inband or auto",
                   raw->dtmf_mode);
    e->context = g_steal_pointer(&raw->context);
    e->codecs = g_steal_pointer(&raw->codecs);
    e->callerid_number = raw->callerid ? g_steal_pointer(&raw->callerid) : g_strdup(section);
    e->max_contacts = 1;
    e->nat = SIP_NAT_NO;
    e->media_encryption = g_strdup("no");
    e->transports = SIP_TRANSPORT_MASK_UDP | SIP_TRANSPORT_MASK_TCP;
    return TRUE;
}

SipEndpoint *
sip_trunk_endpoint_new(const PbxConfig *cfg, const char *section, GError **error)
{
    RawTrunk raw = { 0 };
    SipEndpoint *e = g_new0(SipEndpoint, 1);
    SipTrunk *t = g_new0(SipTrunk, 1);
    gboolean ok;

    e->refs = 1;
    e->name = g_strdup(section);
    e->trunk = t;
    ok = pbx_config_apply(cfg, section, trunk_opts, G_N_ELEMENTS(trunk_opts), &raw, FALSE,
                          error) &&
         convert(cfg, section, &raw, t, error) && fill_endpoint(cfg, section, &raw, e, error);
    if (ok)
        move_fields(&raw, t);
    pbx_config_options_clear(trunk_opts, G_N_ELEMENTS(trunk_opts), &raw);
    if (!ok) {
        sip_endpoint_unref(e);
        return NULL;
    }
    return e;
}

gboolean
sip_trunk_matches(const SipTrunk *t, const char *ip, guint16 port)
{
    for (guint i = 0; i < t->n_match; i++)
        if (sip_cidr_contains(&t->match[i], ip, port))
            return TRUE;
    return FALSE;
}
