/* res_rtp - RTP/RTCP media engine module: rtp.conf and the "rtp" API
 * (the CLI is cli.c).  See README.md. */
#include <string.h>
#include <sys/socket.h>

#include "dtls.h"
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

static gboolean
api_session_set_port(RtpSession *s, const PbxAudioPortFuncs *port, gpointer data,
                     GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_set_port(s, port, data, error);
}

static gboolean
api_session_set_srtp(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_set_srtp(s, tx, rx, error);
}

static const char *
api_dtls_fingerprint(void)
{
    RtpDtlsCert *cert;

    PBX_ASSERT_MAIN_CONTEXT();
    cert = rtp_dtls_global();
    return cert ? rtp_dtls_cert_fingerprint(cert) : NULL;
}

static gboolean
api_session_set_dtls(RtpSession *s, const RtpDtlsParams *params, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return rtp_session_set_dtls(s, params, error);
}

static void
api_session_expect_keys(RtpSession *s)
{
    PBX_ASSERT_MAIN_CONTEXT();
    rtp_session_expect_keys(s);
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
    .session_set_port = api_session_set_port,
    .session_set_srtp = api_session_set_srtp,
    .dtls_fingerprint = api_dtls_fingerprint,
    .session_set_dtls = api_session_set_dtls,
    .session_get_stats = api_session_get_stats,
    .session_get_relayed = api_session_get_relayed,
    .session_expect_keys = api_session_expect_keys,
};

/* ---------------------------------------------------------- life cycle */

static gboolean
rtp_load(PbxModule *self, GError **error)
{
    g_autoptr(RtpConf) conf = rtp_conf_load(error);

    if (!conf)
        return FALSE;
    log_rtp = pbx_log_domain("rtp");
    if (!rtp_dtls_global_init(error))      /* the media certificate, new at each load */
        return FALSE;
    engine = rtp_engine_new(conf, error);
    if (!engine) {
        rtp_dtls_global_free();
        return FALSE;
    }
    rtp_engine_defer_wakes(engine);
    module = self;
    if (!rtp_cli_register(self, engine, error)) {
        g_clear_pointer(&engine, rtp_engine_free);
        return FALSE;
    }
    pbx_module_provide_api(self, RTP_API_NAME, &rtp_api);
    pbx_notice(log_rtp, "RTP engine: %u media workers, ports %u-%u",
               rtp_engine_get_n_workers(engine), conf->port_start, conf->port_end);
    pbx_notice(log_rtp, "DTLS-SRTP media certificate (self-signed, made now): sha-256 %s",
               rtp_dtls_cert_fingerprint(rtp_dtls_global()));
    return TRUE;
}

static void
rtp_unload(PbxModule *self)
{
    g_clear_pointer(&engine, rtp_engine_free);
    rtp_dtls_global_free();
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
        pbx_warning(log_rtp,
                    "rtp.conf: workers changed; takes effect when res_rtp is loaded again");
    rtp_engine_set_conf(engine, conf);
    return TRUE;
}

PBX_MODULE_DEFINE("res_rtp", "RTP/RTCP media engine (relay, transcoding, DTMF)",
                  .load = rtp_load,
                  .unload = rtp_unload,
                  .reload = rtp_reload);
