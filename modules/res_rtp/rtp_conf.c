/* res_rtp - rtp.conf. */
#include <arpa/inet.h>

#include "rtp_engine.h"

static const PbxOption conf_opts[] = {
    { "port_start", PBX_OPT_UINT, G_STRUCT_OFFSET(RtpConf, port_start), "10000", 1024, 65534 },
    { "port_end",   PBX_OPT_UINT, G_STRUCT_OFFSET(RtpConf, port_end),   "20000", 1025, 65535 },
    { "workers",    PBX_OPT_UINT, G_STRUCT_OFFSET(RtpConf, workers),    "0",     0,    256 },
    { "bind",       PBX_OPT_STRING, G_STRUCT_OFFSET(RtpConf, bind),     "0.0.0.0" },
    { "bind6",      PBX_OPT_STRING, G_STRUCT_OFFSET(RtpConf, bind6),    "::" },
    { "tos",        PBX_OPT_UINT, G_STRUCT_OFFSET(RtpConf, tos),        "184",   0,    255 },
};

void
rtp_conf_free(RtpConf *conf)
{
    if (!conf)
        return;
    pbx_config_options_clear(conf_opts, G_N_ELEMENTS(conf_opts), conf);
    g_free(conf);
}

static gboolean
check_address(const PbxConfig *cfg, const char *key, const char *value, int family,
              GError **error)
{
    guint8 buf[sizeof(struct in6_addr)];

    if (inet_pton(family, value, buf) == 1)
        return TRUE;
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general", key,
                         "'%s' is not an %s address", value,
                         family == AF_INET ? "IPv4" : "IPv6");
    return FALSE;
}

/* The range must hold at least one even/odd pair. */
static gboolean
check_range(const PbxConfig *cfg, const RtpConf *conf, GError **error)
{
    guint first = conf->port_start + (conf->port_start & 1);

    if (first + 1 <= conf->port_end)
        return TRUE;
    pbx_config_set_error(cfg, error, PBX_CONFIG_ERROR_VALUE, "general",
                         pbx_config_get(cfg, "general", "port_end") ? "port_end" : "port_start",
                         "port range %u-%u holds no even/odd port pair",
                         conf->port_start, conf->port_end);
    return FALSE;
}

RtpConf *
rtp_conf_parse(const PbxConfig *cfg, GError **error)
{
    g_autoptr(RtpConf) conf = g_new0(RtpConf, 1);

    if (!pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts), conf, FALSE,
                          error))
        return NULL;
    if (!check_address(cfg, "bind", conf->bind, AF_INET, error) ||
        !check_address(cfg, "bind6", conf->bind6, AF_INET6, error) ||
        !check_range(cfg, conf, error))
        return NULL;
    return g_steal_pointer(&conf);
}

RtpConf *
rtp_conf_load(GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;

    cfg = pbx_core_load_config("rtp.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    return rtp_conf_parse(cfg, error);
}
