/* Carillon - res_sip CLI commands: sip show settings|transports|
 * transactions|handlers, sip set debug on|off. */
#include <string.h>
#include "sip_core.h"
#include "transport.h"
#include "transaction.h"
#include "handlers.h"


static PbxLogLevel level_before_debug = PBX_LOG_NOTICE;

static gboolean
show_settings(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const SipGeneralConf *s = &sip_stack.settings;

    pbx_cli_print(ctx, "SIP settings ([general] of sip.conf)\n");
    pbx_cli_print(ctx, "  t1 / t2 / t4:               %u / %u / %u ms\n", s->t1, s->t2, s->t4);
    pbx_cli_print(ctx, "  trying_delay:               %u ms\n", s->trying_delay);
    pbx_cli_print(ctx, "  max_message_size:           %u bytes\n", s->max_message_size);
    pbx_cli_print(ctx, "  max_transactions:           %u\n", s->max_transactions);
    pbx_cli_print(ctx, "  force_rport:                %s\n", s->force_rport ? "yes" : "no");
    pbx_cli_print(ctx, "  user_agent:                 %s\n", s->user_agent ? s->user_agent : "");
    pbx_cli_print(ctx, "  debug:                      %s\n", sip_stack.debug ? "on" : "off");
    pbx_cli_print(ctx, "  tcp_idle_timeout:           %u s\n", s->tcp_idle_timeout);
    pbx_cli_print(ctx, "  tcp_max_connections:        %u\n", s->tcp_max_connections);
    pbx_cli_print(ctx, "  tcp_max_connections_per_ip: %u\n", s->tcp_max_connections_per_ip);
    pbx_cli_print(ctx, "  tcp_max_buffered:           %u bytes\n", s->tcp_max_buffered);
    pbx_cli_print(ctx, "  Allow:                      %s\n", sip_handlers_allow());
    pbx_cli_print(ctx, "  Supported:                  %s\n", sip_handlers_supported());
    return TRUE;
}

static void
print_conn(SipConn *c, gpointer data)
{
    PbxCliContext *ctx = data;
    g_autoptr(GString) line = g_string_new("  ");

    sip_conn_describe(c, line);
    pbx_cli_print(ctx, "%s\n", line->str);
}

static gboolean
show_transports(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    GPtrArray *ls = sip_listeners_get();

    pbx_cli_print(ctx, "%-10s %-5s %-46s %10s %10s %8s %6s\n", "Name", "Proto", "Address",
                  "Received", "Sent", "Errors", "Conns");
    for (guint i = 0; i < ls->len; i++) {
        SipListener *l = ls->pdata[i];
        char addr[SIP_ADDR_STRLEN];
        pbx_cli_print(ctx, "%-10s %-5s %-46s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                      " %8" G_GUINT64_FORMAT " %6u%s\n", l->name, l->klass->name,
                      sip_addr_to_string(&l->local, addr, sizeof(addr)), l->stats.rx_msgs,
                      l->stats.tx_msgs, l->stats.rx_errors + l->stats.tx_errors, l->n_conns,
                      l->open ? "" : " (closed)");
    }
    pbx_cli_print(ctx, "%u transport(s), %u connection(s)\n", ls->len, sip_conns_count());
    if (sip_conns_count() > 0) {
        pbx_cli_print(ctx, "\n  %-8s %-10s %-46s %-9s %-11s %8s %8s %7s\n", "Conn", "Transport",
                      "Remote", "Direction", "State", "InBuf", "OutBuf", "Idle");
        sip_conns_foreach(print_conn, ctx);
    }
    return TRUE;
}

static void
print_states(PbxCliContext *ctx, const char *what, const guint *counts)
{
    g_autoptr(GString) line = g_string_new(NULL);
    guint total = 0;

    for (guint s = 0; s < SIP_TX_STATE__COUNT; s++) {
        if (!counts[s])
            continue;
        g_string_append_printf(line, " %s=%u", sip_tx_state_name(s), counts[s]);
        total += counts[s];
    }
    pbx_cli_print(ctx, "  %-20s %6u%s\n", what, total, line->str);
}

static gboolean
show_transactions(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    SipTxStats st;

    sip_transactions_get_stats(&st);
    pbx_cli_print(ctx, "SIP transactions: %u server, %u client\n", sip_server_tx_count(),
                  sip_client_tx_count());
    print_states(ctx, "server INVITE", st.server_invite);
    print_states(ctx, "server non-INVITE", st.server_other);
    print_states(ctx, "client INVITE", st.client_invite);
    print_states(ctx, "client non-INVITE", st.client_other);
    pbx_cli_print(ctx, "  retransmissions sent: %" G_GUINT64_FORMAT
                  ", absorbed: %" G_GUINT64_FORMAT ", timeouts: %" G_GUINT64_FORMAT "\n",
                  st.retransmissions_sent, st.retransmissions_absorbed, st.timeouts);
    pbx_cli_print(ctx, "  timers armed: %u\n", sip_timers_count());
    return TRUE;
}

static void
print_handler(const char *method, const char *owner, gboolean handler, gpointer data)
{
    pbx_cli_print(data, "  %-12s %s%s\n", method, owner, handler ? "" : " (in its dialogs)");
}

static gboolean
show_handlers(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "  %-12s %s\n", "Method", "Module");
    sip_handlers_foreach(print_handler, ctx);
    pbx_cli_print(ctx, "Allow: %s\n", sip_handlers_allow());
    return TRUE;
}

static gboolean
set_debug(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    gboolean on;

    if (argc != 1 || !pbx_config_parse_bool(argv[0], &on)) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (on && !sip_stack.debug) {
        level_before_debug = g_atomic_int_get(&sip_log->level);
        pbx_log_set_level("sip", PBX_LOG_DEBUG);
    } else if (!on && sip_stack.debug) {
        pbx_log_set_level("sip", level_before_debug);
    }
    sip_stack.debug = on;
    pbx_cli_print(ctx, "SIP debug %s\n", on ? "on: every message is logged" : "off");
    return TRUE;
}

static void
complete_on_off(int argi, char **argv, GPtrArray *out, gpointer data)
{
    if (argi == 0) {
        g_ptr_array_add(out, g_strdup("on"));
        g_ptr_array_add(out, g_strdup("off"));
    }
}

static const PbxCliCommand commands[] = {
    { "sip show settings", NULL, "Show the SIP settings", show_settings, NULL },
    { "sip show transports", NULL, "Show SIP transports and connections", show_transports, NULL },
    { "sip show transactions", NULL, "Show SIP transaction counts by state", show_transactions,
      NULL },
    { "sip show handlers", NULL, "Show modules handling SIP methods", show_handlers, NULL },
    { "sip set debug", "on|off", "Log every SIP message sent or received", set_debug,
      complete_on_off },
};

void
sip_cli_register(PbxModule *self)
{
    g_autoptr(GError) error = NULL;

    if (!pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, &error))
        pbx_warning(sip_log, "SIP CLI commands not registered: %s", error->message);
}
