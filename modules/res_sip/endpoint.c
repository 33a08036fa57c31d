/* Carillon res_sip - endpoints.conf: parsing and lookup. */
#include <string.h>

#include <carillon/pickup.h>

#include "endpoint_table.h"

struct _SipEndpointTable {
    gint refs;
    GHashTable *by_name;       /* name -> SipEndpoint* (owns a ref) */
    GPtrArray *list;           /* file order (owns refs) */
    GPtrArray *trunks;         /* the trunks among them, file order (borrowed) */
    SipEndpoint *anonymous;    /* the type = anonymous section (owned), or NULL */
};

typedef struct {
    char *secret;
    char *context;
    char *callerid;
    char **codecs;
    char *mailbox;
    guint max_contacts;
    gboolean remove_existing;
    char *nat;
    char *media_encryption;
    gboolean media_encryption_optimistic;
    char **transports;
    guint qualify_frequency;
    char *dtmf_mode;
    char *type;
    guint max_trunk_calls;
    guint international_per_hour;
    char *moh_class;
    char **extensions;
    char *call_group;
    char *pickup_group;
    gboolean mwi_unsolicited;
} RawEndpoint;

/* One key of an endpoint section: name, type, field of RawEndpoint,
 * default, and the range of a number. */
#define OPT(name, type, field, def, min, max) \
    { name, type, G_STRUCT_OFFSET(RawEndpoint, field), def, min, max }

static const PbxOption endpoint_opts[] = {
    OPT("secret",            PBX_OPT_STRING, secret,            NULL,        0, 0),
    OPT("context",           PBX_OPT_STRING, context,           "default",   0, 0),
    OPT("callerid",          PBX_OPT_STRING, callerid,          NULL,        0, 0),
    OPT("codecs",            PBX_OPT_STRV,   codecs,            "ulaw,alaw", 0, 0),
    OPT("mailbox",           PBX_OPT_STRING, mailbox,           NULL,        0, 0),
    OPT("max_contacts",      PBX_OPT_UINT,   max_contacts,      "1",         1, 100),
    OPT("remove_existing",   PBX_OPT_BOOL,   remove_existing,   "yes",       0, 0),
    OPT("nat",               PBX_OPT_STRING, nat,               "auto",      0, 0),
    OPT("media_encryption",  PBX_OPT_STRING, media_encryption,  "no",        0, 0),
    OPT("media_encryption_optimistic", PBX_OPT_BOOL, media_encryption_optimistic, "no", 0, 0),
    OPT("transports",        PBX_OPT_STRV,   transports,        "udp,tcp",   0, 0),
    OPT("qualify_frequency", PBX_OPT_UINT,   qualify_frequency, "0",         0, 86400),
    OPT("dtmf_mode",         PBX_OPT_STRING, dtmf_mode,         "rfc4733",   0, 0),
    OPT("type",              PBX_OPT_STRING, type,              "endpoint",  0, 0),
    OPT("max_trunk_calls",   PBX_OPT_UINT,   max_trunk_calls,   "2",         0, 1000),
    OPT("international_per_hour", PBX_OPT_UINT, international_per_hour, "0", 0, 1000),
    OPT("moh_class",         PBX_OPT_STRING, moh_class,         "default",   0, 0),
    OPT("extensions",        PBX_OPT_STRV,   extensions,        NULL,        0, 0),
    OPT("call_group",        PBX_OPT_STRING, call_group,        "",          0, 0),
    OPT("pickup_group",      PBX_OPT_STRING, pickup_group,      "",          0, 0),
    OPT("mwi_unsolicited",   PBX_OPT_BOOL,   mwi_unsolicited,   "no",        0, 0),
};

static const char *const known_codecs[] = {
    "ulaw", "alaw", "g722", "opus", "gsm", NULL
};

SipEndpoint *
sip_endpoint_ref(SipEndpoint *e)
{
    g_atomic_int_inc(&e->refs);
    return e;
}

void
sip_endpoint_unref(SipEndpoint *e)
{
    if (!e || !g_atomic_int_dec_and_test(&e->refs))
        return;
    g_free(e->name);
    g_free(e->secret);
    g_free(e->context);
    g_free(e->callerid_name);
    g_free(e->callerid_number);
    g_strfreev(e->codecs);
    g_free(e->mailbox);
    g_free(e->media_encryption);
    sip_trunk_free(e->trunk);
    g_free(e->moh_class);
    g_strfreev(e->anonymous_extensions);
    g_free(e->call_group);
    g_free(e->pickup_group);
    g_free(e);
}

/* Parses `"Alice Anders" <1001>`, `Alice <1001>` or `1001`. */
static gboolean
parse_callerid(const char *text, char **name, char **number)
{
    const char *lt = strchr(text, '<');
    g_autofree char *n = NULL;

    if (!lt) {
        *name = NULL;
        *number = g_strstrip(g_strdup(text));
        return **number != '\0';
    }
    if (!strchr(lt, '>') || strchr(lt, '>')[1] != '\0')
        return FALSE;
    *number = g_strstrip(g_strndup(lt + 1, strchr(lt, '>') - lt - 1));
    n = g_strstrip(g_strndup(text, lt - text));
    if (n[0] == '"') {
        size_t len = strlen(n);
        if (len < 2 || n[len - 1] != '"')
            return FALSE;
        n[len - 1] = '\0';
        memmove(n, n + 1, len - 1);
    }
    *name = *n ? g_steal_pointer(&n) : NULL;
    return **number != '\0';
}

gboolean
sip_endpoint_check_codecs(const PbxConfig *cfg, const char *section, char **codecs,
                          GError **error)
{
    for (guint i = 0; codecs && codecs[i]; i++) {
        if (!g_strv_contains(known_codecs, codecs[i])) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section,
                                 "codecs", "unknown codec '%s' (known: ulaw, "
                                 "alaw, g722, opus, gsm)", codecs[i]);
            return FALSE;
        }
    }
    return TRUE;
}

/* A music on hold class name: 1 to 64 of [A-Za-z0-9_.-]. */
static gboolean
moh_class_is_valid(const char *name)
{
    gsize len = strlen(name);

    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && !strchr("_.-", name[i]))
            return FALSE;
    }
    return len > 0 && len <= 64;
}

/* call_group/pickup_group "1,3-5" -> *out canonical ("" for none). */
static gboolean
convert_groups(const PbxConfig *cfg, const char *section, const char *key, const char *text,
               char **out, GError **error)
{
    g_autoptr(GError) local = NULL;
    guint64 groups;

    if (!pbx_pickup_groups_parse(text, &groups, &local)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, key, "%s",
                             local->message);
        return FALSE;
    }
    *out = pbx_pickup_groups_to_string(groups);
    return TRUE;
}

/* Checks the values that are not plain strings or numbers. */
/* `type = anonymous`: no secret (it never authenticates), and the
 * extensions unauthenticated calls may reach; other types have no
 * extensions. */
static gboolean
check_anonymous(const PbxConfig *cfg, const char *section, const RawEndpoint *raw,
                GError **error)
{
    gboolean anonymous = strcmp(raw->type, "anonymous") == 0;

    if (anonymous && raw->secret) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "secret",
                             "the anonymous endpoint never authenticates: no secret");
        return FALSE;
    }
    if (anonymous && (!raw->extensions || !raw->extensions[0])) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, "extensions",
                             "the anonymous endpoint needs the extensions it may reach");
        return FALSE;
    }
    if (!anonymous && raw->extensions && raw->extensions[0]) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "extensions",
                             "only a type = anonymous section has extensions");
        return FALSE;
    }
    return TRUE;
}

static gboolean
convert(const PbxConfig *cfg, const char *section, const RawEndpoint *raw,
        SipEndpoint *e, GError **error)
{
    if (!check_anonymous(cfg, section, raw, error))
        return FALSE;
    if (strcmp(raw->type, "anonymous") == 0) {
        /* no secret: never authenticates */
    } else if (!raw->secret || !*raw->secret) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, NULL,
                             "endpoint has no secret");
        return FALSE;
    }
    if (raw->callerid && !parse_callerid(raw->callerid, &e->callerid_name,
                                         &e->callerid_number)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section,
                             "callerid", "'%s' is not \"Name\" <number>",
                             raw->callerid);
        return FALSE;
    }
    if (!e->callerid_number)
        e->callerid_number = g_strdup(section);
    if (!sip_endpoint_check_codecs(cfg, section, raw->codecs, error))
        return FALSE;
    if (strcmp(raw->type, "endpoint") != 0 && strcmp(raw->type, "anonymous") != 0) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "type",
                             "'%s' is not endpoint, anonymous or trunk", raw->type);
        return FALSE;
    }
    if (strcmp(raw->nat, "no") == 0) {
        e->nat = SIP_NAT_NO;
    } else if (strcmp(raw->nat, "yes") == 0) {
        e->nat = SIP_NAT_YES;
    } else if (strcmp(raw->nat, "auto") == 0) {
        e->nat = SIP_NAT_AUTO;
    } else {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "nat",
                             "'%s' is not no, yes or auto", raw->nat);
        return FALSE;
    }
    if (strcmp(raw->media_encryption, "no") != 0 &&
        strcmp(raw->media_encryption, "sdes") != 0 &&
        strcmp(raw->media_encryption, "dtls") != 0) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section,
                             "media_encryption", "'%s' is not no, sdes or dtls",
                             raw->media_encryption);
        return FALSE;
    }
    if (!sip_dtmf_mode_from_string(raw->dtmf_mode, &e->dtmf_mode)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "dtmf_mode",
                             "'%s' is not rfc4733, info, inband or auto", raw->dtmf_mode);
        return FALSE;
    }
    if (!moh_class_is_valid(raw->moh_class)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "moh_class",
                             "'%s' is not a class name (1-64 of A-Z a-z 0-9 _ . -)",
                             raw->moh_class);
        return FALSE;
    }
    if (!convert_groups(cfg, section, "call_group", raw->call_group, &e->call_group, error) ||
        !convert_groups(cfg, section, "pickup_group", raw->pickup_group, &e->pickup_group,
                        error))
        return FALSE;
    for (guint i = 0; raw->transports[i]; i++) {
        guint mask = sip_transport_mask_from_name(raw->transports[i]);
        if (!mask) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section,
                                 "transports", "unknown transport '%s'",
                                 raw->transports[i]);
            return FALSE;
        }
        e->transports |= mask;
    }
    return TRUE;
}

static SipEndpoint *
endpoint_from_section(const PbxConfig *cfg, const char *section, GError **error)
{
    RawEndpoint raw = { 0 };
    SipEndpoint *e = g_new0(SipEndpoint, 1);

    if (g_strcmp0(pbx_config_get(cfg, section, "type"), "trunk") == 0) {
        g_free(e);
        return sip_trunk_endpoint_new(cfg, section, error);
    }
    e->refs = 1;
    e->name = g_strdup(section);
    if (!pbx_config_apply(cfg, section, endpoint_opts, G_N_ELEMENTS(endpoint_opts),
                          &raw, FALSE, error) ||
        !convert(cfg, section, &raw, e, error)) {
        pbx_config_options_clear(endpoint_opts, G_N_ELEMENTS(endpoint_opts), &raw);
        sip_endpoint_unref(e);
        return NULL;
    }
    e->secret = g_steal_pointer(&raw.secret);
    e->context = g_steal_pointer(&raw.context);
    e->codecs = g_steal_pointer(&raw.codecs);
    e->mailbox = g_steal_pointer(&raw.mailbox);
    e->max_contacts = raw.max_contacts;
    e->remove_existing = raw.remove_existing;
    e->media_encryption = g_steal_pointer(&raw.media_encryption);
    e->media_encryption_optimistic = raw.media_encryption_optimistic;
    e->qualify_frequency = raw.qualify_frequency;
    e->max_trunk_calls = raw.max_trunk_calls;
    e->international_per_hour = raw.international_per_hour;
    e->moh_class = g_steal_pointer(&raw.moh_class);
    if (strcmp(raw.type, "anonymous") == 0)
        e->anonymous_extensions = g_steal_pointer(&raw.extensions);
    e->mwi_unsolicited = raw.mwi_unsolicited;
    pbx_config_options_clear(endpoint_opts, G_N_ELEMENTS(endpoint_opts), &raw);
    return e;
}

/* Keeps the anonymous endpoint apart (at most one): it is no user, so
 * lookups, the registrar and listings never see it.  FALSE (e freed)
 * for a second one. */
static gboolean
take_anonymous(SipEndpointTable *t, const PbxConfig *cfg, const char *section,
               SipEndpoint *e, GError **error)
{
    if (!e->anonymous_extensions)
        return TRUE;
    if (t->anonymous) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "type",
                             "a second anonymous endpoint (the first is [%s])",
                             t->anonymous->name);
        sip_endpoint_unref(e);
        return FALSE;
    }
    t->anonymous = e;
    return TRUE;
}

SipEndpointTable *
sip_endpoint_table_new(const PbxConfig *cfg, GError **error)
{
    SipEndpointTable *t = g_new0(SipEndpointTable, 1);
    const char *const *sections = pbx_config_get_sections(cfg);

    t->refs = 1;
    t->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    t->list = g_ptr_array_new_with_free_func((GDestroyNotify) sip_endpoint_unref);
    t->trunks = g_ptr_array_new();
    for (guint i = 0; sections[i]; i++) {
        SipEndpoint *e = endpoint_from_section(cfg, sections[i], error);
        if (!e || !take_anonymous(t, cfg, sections[i], e, error)) {
            sip_endpoint_table_unref(t);
            return NULL;
        }
        if (e->anonymous_extensions)
            continue;
        g_ptr_array_add(t->list, e);
        if (e->trunk)
            g_ptr_array_add(t->trunks, e);
        g_hash_table_insert(t->by_name, e->name, e);
    }
    return t;
}

SipEndpointTable *
sip_endpoint_table_ref(SipEndpointTable *t)
{
    g_atomic_int_inc(&t->refs);
    return t;
}

void
sip_endpoint_table_unref(SipEndpointTable *t)
{
    if (!t || !g_atomic_int_dec_and_test(&t->refs))
        return;
    g_hash_table_unref(t->by_name);
    g_ptr_array_unref(t->trunks);
    g_ptr_array_unref(t->list);
    sip_endpoint_unref(t->anonymous);
    g_free(t);
}

SipEndpoint *
sip_endpoint_table_lookup(const SipEndpointTable *t, const char *name)
{
    return t ? g_hash_table_lookup(t->by_name, name) : NULL;
}

const GPtrArray *
sip_endpoint_table_list(const SipEndpointTable *t)
{
    return t->list;
}

SipEndpoint *
sip_endpoint_table_match_source(const SipEndpointTable *t, const char *ip, guint16 port)
{
    for (guint i = 0; t && i < t->trunks->len; i++) {
        SipEndpoint *e = t->trunks->pdata[i];
        if (sip_trunk_matches(e->trunk, ip, port))
            return e;
    }
    return NULL;
}

SipEndpoint *
sip_endpoint_table_anonymous(const SipEndpointTable *t)
{
    return t ? t->anonymous : NULL;
}
