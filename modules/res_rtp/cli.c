/* res_rtp - the CLI: rtp show settings | sessions | session ID. */
#include <sys/socket.h>

#include "rtp_engine.h"


static gboolean
show_settings(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    RtpEngine *engine = data;
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
    char jb[16] = "-";

    rtp_session_get_stats(s, &st);
    if (st.decoded)
        g_snprintf(jb, sizeof(jb), "%u", st.jb_delay_ms);
    pbx_cli_print(ctx,
                  "%-5u %-4u %-5s %-9s %-6s %-4s %-28s %-22s%s %8" G_GUINT64_FORMAT
                  " %10" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                  " %6" G_GINT64_FORMAT " %7.1f\n",
                  rtp_session_get_id(s), rtp_session_get_worker(s),
                  rtp_session_get_peer_id(s) ? peer : "-",
                  bridge_mode_name(rtp_session_get_bridge_mode(s)),
                  fmt->codec ? fmt->codec->name : "-", jb, local, remote ? remote : "-",
                  st.latched ? "*" : " ", st.rx_packets, st.rx_octets, st.tx_packets,
                  st.tx_octets, st.lost, st.jitter_us / 1000.0);
}

static gboolean
show_sessions(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    RtpEngine *engine = data;
    g_autoptr(GPtrArray) sessions = rtp_engine_list_sessions(engine);

    pbx_cli_print(ctx, "%-5s %-4s %-5s %-9s %-6s %-4s %-28s %-23s %8s %10s %8s %10s %6s %7s\n",
                  "ID", "Wrk", "Peer", "Mode", "Codec", "JB", "Local", "Remote (* latched)",
                  "RxPkts", "RxBytes", "TxPkts", "TxBytes", "Lost", "Jit(ms)");
    for (guint i = 0; i < sessions->len; i++)
        print_session(ctx, sessions->pdata[i]);
    pbx_cli_print(ctx, "%u active RTP session%s\n", sessions->len, sessions->len == 1 ? "" : "s");
    return TRUE;
}

static const char *
dtmf_name(RtpDtmfMode mode)
{
    return mode == RTP_DTMF_RFC4733 ? "rfc4733" : mode == RTP_DTMF_INBAND ? "inband" : "none";
}

/* "SRTP (SDES)", "DTLS-SRTP (connecting)", ... or "none (plain RTP)". */
static const char *
crypto_name(const RtpStats *st)
{
    static const char *const dtls[] = {
        [RTP_DTLS_CONNECTING] = "DTLS-SRTP (handshake under way: nothing passes)",
        [RTP_DTLS_CONNECTED] = "DTLS-SRTP (keyed)",
        [RTP_DTLS_BROKEN] = "DTLS-SRTP (failed: nothing passes)",
    };

    if (st->dtls != RTP_DTLS_OFF && st->dtls <= RTP_DTLS_BROKEN)
        return dtls[st->dtls];
    return st->srtp ? "SRTP (SDES keys)" : "none (plain RTP)";
}

static RtpSession *
find_session(RtpEngine *engine, const char *arg)
{
    g_autoptr(GPtrArray) sessions = rtp_engine_list_sessions(engine);
    guint64 id;

    if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT, &id, NULL))
        return NULL;
    for (guint i = 0; i < sessions->len; i++)
        if (rtp_session_get_id(sessions->pdata[i]) == id)
            return sessions->pdata[i];
    return NULL;
}

static void
print_jitter_buffer(PbxCliContext *ctx, const RtpStats *st)
{
    if (!st->decoded && !st->jb_late && !st->jb_concealed) {
        pbx_cli_print(ctx, "Jitter buffer:  none (relayed)\n");
        return;
    }
    pbx_cli_print(ctx, "Jitter buffer:  %s, delay %u ms, jitter %u ms\n",
                  st->decoded ? "decoding" : "(earlier)", st->jb_delay_ms, st->jb_jitter_ms);
    pbx_cli_print(ctx, "  Late:         %" G_GUINT64_FORMAT " packets\n", st->jb_late);
    pbx_cli_print(ctx, "  Concealed:    %" G_GUINT64_FORMAT " frames (PLC), %" G_GUINT64_FORMAT
                  " by FEC\n", st->jb_concealed, st->jb_fec);
}

/* rtp show session ID: everything about one session. */
static gboolean
show_session(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    RtpSession *s = argc == 1 ? find_session(data, argv[0]) : NULL;
    const RtpFormat *fmt;
    const char *remote;
    RtpStats st;

    if (!s) {
        if (argc != 1)
            pbx_cli_usage(ctx);
        else
            pbx_cli_print(ctx, "No RTP session %s\n", argv[0]);
        return FALSE;
    }
    fmt = rtp_session_get_format(s);
    remote = rtp_session_get_remote(s);
    rtp_session_get_stats(s, &st);
    pbx_cli_print(ctx, "Session:        %u (worker %u)\n", rtp_session_get_id(s),
                  rtp_session_get_worker(s));
    pbx_cli_print(ctx, "Remote:         %s%s\n", remote ? remote : "-",
                  st.latched ? " (latched)" : "");
    pbx_cli_print(ctx, "Bridge:         %s with %u\n",
                  bridge_mode_name(rtp_session_get_bridge_mode(s)), rtp_session_get_peer_id(s));
    pbx_cli_print(ctx, "Codec:          %s (payload type %u)\n",
                  fmt->codec ? fmt->codec->name : "-", fmt->payload_type);
    pbx_cli_print(ctx, "DTMF:           %s (telephone-event %u), %" G_GUINT64_FORMAT
                  " received, %" G_GUINT64_FORMAT " sent\n", dtmf_name(fmt->dtmf),
                  fmt->te_payload_type, st.dtmf_rx, st.dtmf_tx);
    pbx_cli_print(ctx, "Received:       %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                  " lost, jitter %.1f ms\n", st.rx_packets, st.lost, st.jitter_us / 1000.0);
    pbx_cli_print(ctx, "Sent:           %" G_GUINT64_FORMAT " packets\n", st.tx_packets);
    pbx_cli_print(ctx, "Encryption:     %s%s, %" G_GUINT64_FORMAT " packets failed SRTP checks\n",
                  crypto_name(&st), st.rtcp_mux ? ", rtcp-mux" : "", st.srtp_failed);
    print_jitter_buffer(ctx, &st);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "rtp show settings", NULL, "Show the RTP engine settings", show_settings, NULL },
    { "rtp show sessions", NULL, "Show RTP sessions and their statistics", show_sessions, NULL },
    { "rtp show session", "ID", "Show one RTP session: format, DTMF, jitter buffer", show_session,
      NULL },
};

gboolean
rtp_cli_register(PbxModule *self, RtpEngine *engine, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), engine, error);
}
