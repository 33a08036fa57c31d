/* Carillon res_sip - `sip show limits` and `sip unlimit`: the configured
 * limits, current counts, trips, and the sources being limited. */
#include "sip_limits.h"

static void
print_config(PbxCliContext *ctx, const SipLimitsConf *c)
{
    g_autofree char *ex = c->exempt ? g_strjoinv(", ", c->exempt) : g_strdup("");

    pbx_cli_print(ctx, "Limits (sip.conf [limits]; connections and transactions: [general])\n");
    pbx_cli_print(ctx, "  rate: %u/s per source, burst %u, limited for %u s, answer %s\n",
                  c->rate, c->burst, c->rate_block_time, c->rate_silent ? "silence" : "503");
    pbx_cli_print(ctx, "  busy answer: %s (Retry-After %u)   exempt: %s\n",
                  c->busy_silent ? "silence" : "503", c->retry_after, *ex ? ex : "none");
}

static void
print_counts(PbxCliContext *ctx, const SipLimitsConf *c)
{
    const SipGeneralConf *s = &sip_stack.settings;

    pbx_cli_print(ctx, "%-24s %10s %10s %10s %12s\n", "Limit", "Per source", "Total",
                  "Now", "Trips");
    pbx_cli_print(ctx, "%-24s %10u %10s %10s %12" G_GUINT64_FORMAT "\n", "rate (msg/s)",
                  c->rate, "-", "-", sip_limits_trips(SIP_LIMIT_RATE));
    pbx_cli_print(ctx, "%-24s %10u %10u %10u %12" G_GUINT64_FORMAT "\n", "transactions",
                  c->max_transactions_per_source, s->max_transactions,
                  sip_limits_open_transactions(),
                  sip_limits_trips(SIP_LIMIT_TX_SOURCE) + sip_limits_trips(SIP_LIMIT_TX_TOTAL));
    pbx_cli_print(ctx, "%-24s %10u %10u %10u %12" G_GUINT64_FORMAT "\n", "dialogs",
                  c->max_dialogs_per_source, c->max_dialogs, sip_limits_dialogs(),
                  sip_limits_trips(SIP_LIMIT_DIALOG_SOURCE)
                  + sip_limits_trips(SIP_LIMIT_DIALOG_TOTAL));
    pbx_cli_print(ctx, "%-24s %10u %10u %10u %12" G_GUINT64_FORMAT "\n", "connections",
                  s->tcp_max_connections_per_ip, s->tcp_max_connections, sip_conns_count(),
                  sip_limits_trips(SIP_LIMIT_CONN_SOURCE)
                  + sip_limits_trips(SIP_LIMIT_CONN_TOTAL));
}

static void
print_source(const char *ip, guint tx, guint dialogs, guint64 trips, gint64 left,
             gpointer data)
{
    if (trips == 0 && left == 0)
        return;
    pbx_cli_print(data, "  %-40s %6u %8u %12" G_GUINT64_FORMAT " %10" G_GINT64_FORMAT "\n",
                  ip, tx, dialogs, trips, left);
}

static gboolean
show_limits(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const SipLimitsConf *c = sip_limits_conf();

    print_config(ctx, c);
    print_counts(ctx, c);
    pbx_cli_print(ctx, "Sources tracked: %u; those that tripped a limit:\n", sip_limits_sources());
    pbx_cli_print(ctx, "  %-40s %6s %8s %12s %10s\n", "Address", "Tx", "Dialogs", "Trips",
                  "Limited(s)");
    sip_limits_foreach_source(print_source, ctx);
    return TRUE;
}

static gboolean
unlimit(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (!sip_limits_unlimit(argv[0])) {
        pbx_cli_print(ctx, "%s is not rate-limited\n", argv[0]);
        return FALSE;
    }
    pbx_notice(pbx_log_domain("security"), "%s: rate limit lifted from the CLI", argv[0]);
    pbx_cli_print(ctx, "Lifted the rate limit of %s\n", argv[0]);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "sip show limits", NULL, "Abuse limits: configuration, counts, trips, limited sources",
      show_limits, NULL },
    { "sip unlimit", "ADDRESS", "Lift a source's rate limit", unlimit, NULL },
};

void
sip_limits_cli_register(PbxModule *self)
{
    g_autoptr(GError) error = NULL;

    if (!pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, &error))
        pbx_warning(sip_log, "sip show limits: %s", error->message);
}
