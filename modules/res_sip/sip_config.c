/* Carillon - res_sip configuration (sip.conf). */
#include <string.h>
#include "sip_config.h"

#define GENERAL "general"
#define AUTH "auth"         /* read by security.c (realm, blocking) */
#define LIMITS "limits"     /* limits_config.c */

/* One option of [general]: name, type, field of SipGeneralConf, default,
 * and the range of a number. */
#define OPT(name, type, field, def, min, max) \
    { name, type, G_STRUCT_OFFSET(SipGeneralConf, field), def, min, max }

static const PbxOption general_options[] = {
    OPT("t1",                         PBX_OPT_UINT, t1, "500", 50, 10000),
    OPT("t2",                         PBX_OPT_UINT, t2, "4000", 100, 120000),
    OPT("t4",                         PBX_OPT_UINT, t4, "5000", 100, 120000),
    OPT("trying_delay",               PBX_OPT_UINT, trying_delay, "200", 0, 10000),
    OPT("max_message_size",           PBX_OPT_UINT, max_message_size, "65535", 1024, 1048576),
    OPT("max_transactions",           PBX_OPT_UINT, max_transactions, "500000", 100, 10000000),
    OPT("force_rport",                PBX_OPT_BOOL, force_rport, "yes", 0, 0),
    OPT("user_agent",                 PBX_OPT_STRING, user_agent, "Carillon", 0, 0),
    OPT("debug",                      PBX_OPT_BOOL, debug, "no", 0, 0),
    OPT("tcp_idle_timeout",           PBX_OPT_UINT, tcp_idle_timeout, "300", 5, 86400),
    OPT("tcp_max_connections",        PBX_OPT_UINT, tcp_max_connections, "4096", 1, 1000000),
    OPT("tcp_max_connections_per_ip", PBX_OPT_UINT, tcp_max_connections_per_ip, "64", 1, 1000000),
    OPT("tcp_max_buffered",           PBX_OPT_UINT, tcp_max_buffered, "1048576", 4096, 1073741824),
    OPT("session_expires",            PBX_OPT_UINT, session_expires, "1800", 1, 86400),
    OPT("min_se",                     PBX_OPT_UINT, min_se, "90", 1, 86400),
    OPT("dns_servers",                PBX_OPT_STRV, dns_servers, NULL, 0, 0),
};

typedef struct {
    char *type;
    char *protocol;
    char *bind;
    char *cert_file;
    char *key_file;
    char *ca_file;
    gboolean verify_client;
    gboolean verify_server;
    char *min_version;
    char *ciphers;
    char **tls_certs;
} TransportOptions;

#define TOPT(name, type, field, def) \
    { name, type, G_STRUCT_OFFSET(TransportOptions, field), def, 0, 0 }

static const PbxOption transport_options[] = {
    { "type",     PBX_OPT_STRING, G_STRUCT_OFFSET(TransportOptions, type),     NULL,  0, 0 },
    { "protocol", PBX_OPT_STRING, G_STRUCT_OFFSET(TransportOptions, protocol), "udp", 0, 0 },
    { "bind",     PBX_OPT_STRING, G_STRUCT_OFFSET(TransportOptions, bind),     NULL,  0, 0 },
    /* protocol = tls only (see tls.h) */
    TOPT("cert_file",     PBX_OPT_STRING, cert_file,     NULL),
    TOPT("key_file",      PBX_OPT_STRING, key_file,      NULL),
    TOPT("ca_file",       PBX_OPT_STRING, ca_file,       NULL),
    TOPT("verify_client", PBX_OPT_BOOL,   verify_client, "no"),
    TOPT("verify_server", PBX_OPT_BOOL,   verify_server, "no"),
    TOPT("min_version",   PBX_OPT_STRING, min_version,   "1.2"),
    TOPT("ciphers",       PBX_OPT_STRING, ciphers,       NULL),
    TOPT("tls_certs",     PBX_OPT_STRV,   tls_certs,     NULL),
};

static void
transport_conf_free(gpointer p)
{
    SipTransportConf *t = p;

    g_free(t->name);
    g_free(t->bind_text);
    sip_tls_conf_free(t->tls);
    g_free(t);
}

void
sip_conf_free(SipConf *conf)
{
    if (!conf)
        return;
    pbx_config_options_clear(general_options, G_N_ELEMENTS(general_options), &conf->settings);
    sip_limits_conf_clear(&conf->limits);
    g_ptr_array_unref(conf->transports);
    g_free(conf->file);
    g_free(conf);
}

static gboolean
parse_general(const PbxConfig *cfg, SipGeneralConf *s, GError **error)
{
    if (!pbx_config_apply(cfg, GENERAL, general_options, G_N_ELEMENTS(general_options),
                          s, FALSE, error))
        return FALSE;
    if (s->t2 < s->t1) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, GENERAL, "t2",
                             "t2 (%u ms) must not be smaller than t1 (%u ms)", s->t2, s->t1);
        return FALSE;
    }
    if (s->session_expires < s->min_se)       /* RFC 4028 4: never below Min-SE */
        s->session_expires = s->min_se;
    return TRUE;
}

/* tls_certs: every entry NAME:CERT:KEY (the files load with the
 * transport). */
static gboolean
check_tls_certs(const PbxConfig *cfg, const char *section, char *const *certs,
                GError **error)
{
    for (guint i = 0; certs && certs[i]; i++) {
        g_autofree char *name = NULL, *cert = NULL, *key = NULL;

        if (!sip_tls_sni_entry_parse(certs[i], &name, &cert, &key)) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "tls_certs",
                                 "'%s' is not NAME:CERT_FILE:KEY_FILE", certs[i]);
            return FALSE;
        }
    }
    return TRUE;
}

/* The TLS keys.  The files are loaded when the transport opens, so a
 * missing certificate is logged and that transport skipped, like an
 * address that cannot be bound; values that can never work are errors. */
static gboolean
parse_tls(const PbxConfig *cfg, const char *section, const TransportOptions *o,
          SipTransportConf *t, GError **error)
{
    SipTlsConf c = {
        .cert_file = o->cert_file, .key_file = o->key_file, .ca_file = o->ca_file,
        .verify_client = o->verify_client, .verify_server = o->verify_server,
        .min_version = o->min_version, .ciphers = o->ciphers, .sni_certs = o->tls_certs,
    };
    const char *key = !o->cert_file ? "cert_file" : !o->key_file ? "key_file" : NULL;

    if (key) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, NULL,
                             "TLS transport has no '%s'", key);
        return FALSE;
    }
    if (g_strcmp0(o->min_version, "1.2") != 0 && g_strcmp0(o->min_version, "1.3") != 0) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "min_version",
                             "'%s' is not 1.2 or 1.3", o->min_version);
        return FALSE;
    }
    if (o->verify_client && !o->ca_file) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, "verify_client",
                             "verify_client = yes needs ca_file");
        return FALSE;
    }
    if (!check_tls_certs(cfg, section, o->tls_certs, error))
        return FALSE;
    t->tls = sip_tls_conf_copy(&c);
    return TRUE;
}

/* One `type = transport` section. */
static SipTransportConf *
parse_transport(const PbxConfig *cfg, const char *section, GError **error)
{
    TransportOptions o = { 0 };
    SipTransportConf *t = NULL;
    const SipTransportClass *klass;
    SipAddr addr;

    if (!pbx_config_apply(cfg, section, transport_options, G_N_ELEMENTS(transport_options),
                          &o, FALSE, error))
        goto out;
    if (!o.type) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, NULL,
                             "section has no 'type' (expected type = transport)");
        goto out;
    }
    if (g_ascii_strcasecmp(o.type, "transport") != 0) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "type",
                             "unknown section type '%s' (expected 'transport')", o.type);
        goto out;
    }
    klass = sip_transport_class_find(o.protocol);
    if (!klass) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "protocol",
                             "unsupported protocol '%s' (use udp, tcp or tls)", o.protocol);
        goto out;
    }
    if (!o.bind) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_MISSING, section, NULL,
                             "transport has no 'bind' address");
        goto out;
    }
    if (!sip_addr_parse(g_strstrip(o.bind), 5060, &addr)) {
        pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, section, "bind",
                             "'%s' is not IP:PORT (IPv6 as [ADDR]:PORT)", o.bind);
        goto out;
    }
    t = g_new0(SipTransportConf, 1);
    t->name = g_strdup(section);
    t->klass = klass;
    t->bind = addr;
    t->bind_text = g_strdup(o.bind);
    t->line = pbx_config_get_line(cfg, section, "bind");
    if (klass->proto == SIP_TRANSPORT_TLS && !parse_tls(cfg, section, &o, t, error))
        g_clear_pointer(&t, transport_conf_free);
out:
    pbx_config_options_clear(transport_options, G_N_ELEMENTS(transport_options), &o);
    return t;
}

/* Two transports of one protocol on one address cannot both bind. */
static gboolean
check_duplicate(const PbxConfig *cfg, const SipConf *conf, const SipTransportConf *t,
                GError **error)
{
    for (guint i = 0; i < conf->transports->len; i++) {
        const SipTransportConf *o = conf->transports->pdata[i];
        if (o->klass == t->klass && sip_addr_equal(&o->bind, &t->bind)) {
            pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, t->name, "bind",
                                 "%s %s is already used by [%s]", t->klass->name,
                                 t->bind_text, o->name);
            return FALSE;
        }
    }
    return TRUE;
}

SipConf *
sip_conf_parse(const PbxConfig *cfg, GError **error)
{
    g_autoptr(SipConf) conf = g_new0(SipConf, 1);
    const char *const *sections = pbx_config_get_sections(cfg);

    conf->file = g_strdup(pbx_config_get_name(cfg));
    conf->transports = g_ptr_array_new_with_free_func(transport_conf_free);
    if (!parse_general(cfg, &conf->settings, error)
        || !sip_limits_conf_parse(cfg, &conf->limits, error))
        return NULL;
    for (guint i = 0; sections && sections[i]; i++) {
        SipTransportConf *t;
        if (g_str_equal(sections[i], GENERAL) || g_str_equal(sections[i], AUTH)
            || g_str_equal(sections[i], LIMITS))
            continue;
        t = parse_transport(cfg, sections[i], error);
        if (!t)
            return NULL;
        if (!check_duplicate(cfg, conf, t, error)) {
            transport_conf_free(t);
            return NULL;
        }
        g_ptr_array_add(conf->transports, t);
    }
    if (conf->transports->len == 0) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_MISSING,
                    "%s: no transport defined (add a section with type = transport)",
                    conf->file);
        return NULL;
    }
    return g_steal_pointer(&conf);
}

SipConf *
sip_conf_load(GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_core_load_config("sip.conf", error);

    return cfg ? sip_conf_parse(cfg, error) : NULL;
}

/* ------------------------------------------------------------------ */
/* Transports                                                          */
/* ------------------------------------------------------------------ */

static SipListener *
open_one(const SipConf *conf, const SipTransportConf *t, GError **error)
{
    g_autoptr(SipListener) l = sip_listener_new(t->klass, t->name, &t->bind, t->bind_text);
    g_autoptr(GError) local = NULL;
    char addr[SIP_ADDR_STRLEN];

    l->tls_conf = t->tls ? sip_tls_conf_copy(t->tls) : NULL;
    if (!sip_listener_open(l, &local)) {
        g_set_error(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_VALUE,
                    "%s:%u: [%s] cannot open %s on %s: %s", conf->file, t->line, t->name,
                    t->klass->name, t->bind_text, local->message);
        return NULL;
    }
    pbx_notice(sip_log, "SIP transport %s: %s on %s", t->name, t->klass->name,
               sip_addr_to_string(&l->local, addr, sizeof(addr)));
    return g_steal_pointer(&l);
}

gboolean
sip_conf_open_transports(const SipConf *conf, GError **error)
{
    g_autoptr(GError) first = NULL;
    guint opened = 0;

    for (guint i = 0; i < conf->transports->len; i++) {
        g_autoptr(GError) local = NULL;
        g_autoptr(SipListener) l = open_one(conf, conf->transports->pdata[i], &local);
        if (!l) {
            pbx_error(sip_log, "%s", local->message);
            if (!first)
                first = g_steal_pointer(&local);
            continue;
        }
        sip_listeners_add(l);
        opened++;
    }
    if (opened == 0) {
        g_propagate_prefixed_error(error, g_steal_pointer(&first),
                                   "no SIP transport could bind: ");
        return FALSE;
    }
    return TRUE;
}

static const SipTransportConf *
find_conf(const SipConf *conf, const char *name)
{
    for (guint i = 0; i < conf->transports->len; i++) {
        const SipTransportConf *t = conf->transports->pdata[i];
        if (g_str_equal(t->name, name))
            return t;
    }
    return NULL;
}

static gboolean
unchanged(const SipListener *l, const SipTransportConf *t)
{
    return t && l->klass == t->klass && sip_addr_equal(&l->bind, &t->bind)
           && sip_tls_conf_equal(l->tls_conf, t->tls);
}

/* Replaces old by a listener for t.  The new address is tried while the
 * old socket is open; if that fails (e.g. the same port on a wildcard
 * address), the old one is closed first and reopened if the new one
 * still cannot bind. */
static gboolean
replace_listener(const SipConf *conf, SipListener *old, const SipTransportConf *t,
                 GError **error)
{
    SipListener *l;

    if (!old) {
        l = open_one(conf, t, error);
        if (!l)
            return FALSE;
        sip_listeners_add(l);
        sip_listener_unref(l);
        return TRUE;
    }
    l = open_one(conf, t, NULL);
    if (!l) {
        sip_listener_close(old);
        l = open_one(conf, t, error);
        if (!l) {
            if (!sip_listener_open(old, NULL))
                sip_listeners_remove(old);
            return FALSE;
        }
    }
    sip_listener_close(old);
    sip_listeners_remove(old);
    sip_listeners_add(l);
    sip_listener_unref(l);
    return TRUE;
}

gboolean
sip_conf_rebind_transports(const SipConf *conf, GError **error)
{
    GPtrArray *ls = sip_listeners_get();
    g_autoptr(GPtrArray) current =
        g_ptr_array_new_with_free_func((GDestroyNotify) sip_listener_unref);
    gboolean ok = TRUE;

    for (guint i = 0; i < ls->len; i++)
        g_ptr_array_add(current, sip_listener_ref(ls->pdata[i]));
    for (guint i = 0; i < current->len; i++) {
        SipListener *l = current->pdata[i];
        if (!find_conf(conf, l->name)) {
            pbx_notice(sip_log, "SIP transport %s removed", l->name);
            sip_listener_close(l);
            sip_listeners_remove(l);
        }
    }
    for (guint i = 0; i < conf->transports->len; i++) {
        const SipTransportConf *t = conf->transports->pdata[i];
        SipListener *old = sip_listeners_find(t->name);
        g_autoptr(GError) local = NULL;
        if (old && unchanged(old, t))
            continue;
        if (!replace_listener(conf, old, t, &local)) {
            pbx_error(sip_log, "%s", local->message);
            if (ok)
                g_propagate_error(error, g_steal_pointer(&local));
            ok = FALSE;
        }
    }
    return ok;
}
