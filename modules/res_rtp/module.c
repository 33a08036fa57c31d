/* res_rtp - RTP/RTCP relay engine module: rtp.conf, the "rtp" API and the
 * CLI.  See README.md. */
#include <string.h>
#include <sys/socket.h>

#include "rtp_engine.h"

static PbxModule *module;
static RtpEngine *engine;
static PbxLogDomain *log_rtp;

/* ---------------------------------------------------------- API */

/* Every entry asserts the main context, as carillon/rtp.h promises:
 * the sessions' signalling side is not locked.  Every session handed
 * out counts as a use of the module. */
static RtpSession *
api_session_new(int family, GError **error)
{
    RtpSession *s;
    guint16 port;

    PBX_ASSERT_MAIN_CONTEXT();
    s = rtp_session_new(engine, family, error);
    if (s) {
        pbx_module_use(module);
        rtp_session_get_local(s, &port);
        pbx_debug(log_rtp, "session %u: new on port %u", rtp_session_get_id(s), port);
    }
    return s;
}

static void
api_session_free(RtpSession *s)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!s)
        return;
    rtp_session_free(s);
    pbx_module_unuse(module);
}

static const char *
api_session_get_local(const RtpSession *s, guint16 *port)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_get_local(s, port);
}

static gboolean
api_session_set_remote(RtpSession *s, const char *addr, guint16 port, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_set_remote(s, addr, port, error);
}

static gboolean
api_session_set_format(RtpSession *s, const RtpFormat *format, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_set_format(s, format, error);
}

static void
api_session_set_events(RtpSession *s, const RtpSessionEvents *events, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    rtp_session_set_events(s, events, data);
}

static RtpBridgeMode
api_session_get_bridge_mode(const RtpSession *s)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_get_bridge_mode(s);
}

static void
api_session_relay(RtpSession *a, RtpSession *b)
{
    PBX_ASSERT_MAIN_CONTEXT();
    rtp_session_relay(a, b);
}

static void
api_session_unrelay(RtpSession *s)
{
    PBX_ASSERT_MAIN_CONTEXT();
    rtp_session_unrelay(s);
}

static void
api_session_get_stats(const RtpSession *s, RtpStats *stats)
{
    PBX_ASSERT_MAIN_CONTEXT();
    rtp_session_get_stats(s, stats);
}

static guint64
api_session_get_relayed(const RtpSession *s)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_get_relayed(s);
}

static gboolean
api_session_send_dtmf(RtpSession *s, char digit, guint duration_ms, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_send_dtmf(s, digit, duration_ms, error);
}

static const RtpApi rtp_api = {
    .version = RTP_API_VERSION,
    .session_new = api_session_new,
    .session_free = api_session_free,
    .session_get_local = api_session_get_local,
    .session_set_remote = api_session_set_remote,
    .session_set_format = api_session_set_format,
    .session_set_events = api_session_set_events,
    .session_relay = api_session_relay,
    .session_unrelay = api_session_unrelay,
    .session_get_bridge_mode = api_session_get_bridge_mode,
    .session_send_dtmf = api_session_send_dtmf,
    .session_get_stats = api_session_get_stats,
    .session_get_relayed = api_session_get_relayed,
};

/* ---------------------------------------------------------- CLI */

static gboolean
show_settings(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const RtpConf *conf = rtp_engine_get_conf(engine);
    g_autoptr(GPtrArray) sessions = rtp_engine_list_sessions(engine);

    pbx_cli_print(ctx, "Port range:     %u-%u\n", conf->port_start, conf->port_end);
    pbx_cli_print(ctx, "Bind (IPv4):    %s\n", conf->bind);
    pbx_cli_print(ctx, "Bind (IPv6):    %s\n", conf->bind6);
    pbx_cli_print(ctx, "TOS:            0x%02x\n", conf->tos);
    pbx_cli_print(ctx, "Workers:        %u%s\n", rtp_engine_get_n_workers(engine),
                  conf->workers ? "" : " (auto)");
    pbx_cli_print(ctx, "RTCP:           relayed, parsed for statistics\n");
    pbx_cli_print(ctx, "Sessions:       %u\n", sessions->len);
    return TRUE;
}

static const char *
bridge_mode_name(RtpBridgeMode mode)
{
    switch (mode) {
    case RTP_BRIDGE_RELAY:
        return "relay";
    case RTP_BRIDGE_TRANSCODE:
        return "transcode";
    default:
        return "-";
    }
}

static void
print_session(PbxCliContext *ctx, const RtpSession *s)
{
    RtpStats st;
    guint16 port;
    const char *addr = rtp_session_get_local(s, &port);
    const char *remote = rtp_session_get_remote(s);
    g_autofree char *local = g_strdup_printf(strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
    g_autofree char *peer = g_strdup_printf("%u", rtp_session_get_peer_id(s));
    const RtpFormat *fmt = rtp_session_get_format(s);

    rtp_session_get_stats(s, &st);
    pbx_cli_print(ctx,
                  "%-5u %-4u %-5s %-9s %-6s %-28s %-22s%s %8" G_GUINT64_FORMAT
                  " %10" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                  " %6" G_GINT64_FORMAT " %7.1f\n",
                  rtp_session_get_id(s), rtp_session_get_worker(s),
                  rtp_session_get_peer_id(s) ? peer : "-",
                  bridge_mode_name(rtp_session_get_bridge_mode(s)),
                  fmt->codec ? fmt->codec->name : "-", local, remote ? remote : "-",
                  st.latched ? "*" : " ", st.rx_packets, st.rx_octets, st.tx_packets,
                  st.tx_octets, st.lost, st.jitter_us / 1000.0);
}

static gboolean
show_sessions(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) sessions = rtp_engine_list_sessions(engine);

    pbx_cli_print(ctx, "%-5s %-4s %-5s %-9s %-6s %-28s %-23s %8s %10s %8s %10s %6s %7s\n",
                  "ID", "Wrk", "Peer", "Mode", "Codec", "Local", "Remote (* latched)", "RxPkts", "RxBytes", "TxPkts",
                  "TxBytes", "Lost", "Jit(ms)");
    for (guint i = 0; i < sessions->len; i++)
        print_session(ctx, sessions->pdata[i]);
    pbx_cli_print(ctx, "%u active RTP session%s\n", sessions->len, sessions->len == 1 ? "" : "s");
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "rtp show settings", NULL, "Show the RTP engine settings", show_settings, NULL },
    { "rtp show sessions", NULL, "Show RTP sessions and their statistics", show_sessions, NULL },
};

/* ---------------------------------------------------------- life cycle */

static gboolean
rtp_load(PbxModule *self, GError **error)
{
    g_autoptr(RtpConf) conf = rtp_conf_load(error);

    if (!conf)
        return FALSE;
    log_rtp = pbx_log_domain("rtp");
    engine = rtp_engine_new(conf, error);
    if (!engine)
        return FALSE;
    rtp_engine_defer_wakes(engine);
    module = self;
    if (!pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error)) {
        g_clear_pointer(&engine, rtp_engine_free);
        return FALSE;
    }
    pbx_module_provide_api(self, RTP_API_NAME, &rtp_api);
    pbx_notice(log_rtp, "RTP engine: %u media workers, ports %u-%u",
               rtp_engine_get_n_workers(engine), conf->port_start, conf->port_end);
    return TRUE;
}

static void
rtp_unload(PbxModule *self)
{
    g_clear_pointer(&engine, rtp_engine_free);
    module = NULL;
}

/* Port range and bind addresses apply to new sessions; a changed worker
 * count needs the module to be loaded again. */
static gboolean
rtp_reload(PbxModule *self, GError **error)
{
    g_autoptr(RtpConf) conf = rtp_conf_load(error);

    if (!conf)
        return FALSE;
    if (conf->workers != rtp_engine_get_conf(engine)->workers)
        pbx_warning(log_rtp, "rtp.conf: workers changed; takes effect when res_rtp is loaded again");
    rtp_engine_set_conf(engine, conf);
    return TRUE;
}

PBX_MODULE_DEFINE("res_rtp", "RTP/RTCP relay engine (media workers)",
                  .load = rtp_load,
                  .unload = rtp_unload,
                  .reload = rtp_reload);
