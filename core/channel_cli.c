/* Carillon - CLI commands for channels and calls. */
#include <string.h>

#include "calls_private.h"

static char *
format_age(gint64 since_us)
{
    gint64 s = since_us ? (g_get_real_time() - since_us) / G_USEC_PER_SEC : 0;

    return g_strdup_printf("%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT
                           ":%02" G_GINT64_FORMAT, s / 3600, s / 60 % 60, s % 60);
}

/* Every call through the PBX starts with an inbound leg; the outbound
 * legs it dials belong to that call. */
static guint
count_calls(GPtrArray *channels)
{
    guint n = 0;

    for (guint i = 0; i < channels->len; i++)
        n += pbx_channel_get_direction(channels->pdata[i]) == PBX_CHANNEL_INBOUND;
    return n;
}

static void
print_verbose(PbxCliContext *ctx, PbxChannel *c)
{
    PbxBridge *br = pbx_bridge_find_by_channel(c);
    g_autofree char *age = format_age(pbx_channel_get_created(c));

    pbx_cli_print(ctx, "%-28s %-16s %-9s %-8s %-12s %-12s %-8s %-10s %s\n",
                  pbx_channel_get_name(c), pbx_channel_get_id(c),
                  pbx_channel_state_to_string(pbx_channel_get_state(c)),
                  pbx_channel_get_direction(c) == PBX_CHANNEL_INBOUND ? "in" : "out",
                  pbx_channel_get_caller_number(c), pbx_channel_get_callee(c),
                  age, pbx_channel_get_codec(c) ? pbx_channel_get_codec(c) : "-",
                  br ? pbx_channel_get_name(pbx_bridge_get_peer(br, c)) : "-");
}

static gboolean
show_channels(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) list = pbx_channel_list();
    gboolean verbose = argc == 1 && g_ascii_strcasecmp(argv[0], "verbose") == 0;

    if (argc > 1 || (argc == 1 && !verbose)) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (verbose)
        pbx_cli_print(ctx, "%-28s %-16s %-9s %-8s %-12s %-12s %-8s %-10s %s\n",
                      "Channel", "Id", "State", "Dir", "Caller", "Callee",
                      "Duration", "Codec", "Bridged to");
    else
        pbx_cli_print(ctx, "%-28s %-9s %-12s %s\n", "Channel", "State",
                      "Caller", "Callee");
    for (guint i = 0; i < list->len; i++) {
        PbxChannel *c = list->pdata[i];
        if (verbose)
            print_verbose(ctx, c);
        else
            pbx_cli_print(ctx, "%-28s %-9s %-12s %s\n", pbx_channel_get_name(c),
                          pbx_channel_state_to_string(pbx_channel_get_state(c)),
                          pbx_channel_get_caller_number(c),
                          pbx_channel_get_callee(c));
    }
    pbx_cli_print(ctx, "%u active channel%s\n", list->len,
                  list->len == 1 ? "" : "s");
    pbx_cli_print(ctx, "%u active call%s\n", count_calls(list),
                  count_calls(list) == 1 ? "" : "s");
    return TRUE;
}

static gboolean
show_calls(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) bridges = pbx_bridge_list();
    g_autoptr(GPtrArray) list = pbx_channel_list();
    guint calls;

    pbx_cli_print(ctx, "%-28s %-28s %s\n", "Caller leg", "Callee leg", "Duration");
    for (guint i = 0; i < bridges->len; i++) {
        PbxBridge *br = bridges->pdata[i];
        PbxChannel *a = pbx_bridge_get_a(br);
        g_autofree char *age = format_age(pbx_channel_get_answered(a)
                                          ? pbx_channel_get_answered(a)
                                          : pbx_channel_get_created(a));
        pbx_cli_print(ctx, "%-28s %-28s %s\n", pbx_channel_get_name(a),
                      pbx_channel_get_name(pbx_bridge_get_b(br)), age);
    }
    calls = count_calls(list);
    pbx_cli_print(ctx, "%u active call%s (%u bridged)\n", calls,
                  calls == 1 ? "" : "s", bridges->len);
    return TRUE;
}

static gboolean
request_hangup(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) list = NULL;
    PbxChannel *c;

    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (g_ascii_strcasecmp(argv[0], "all") == 0) {
        list = pbx_channel_list();
        for (guint i = 0; i < list->len; i++)
            pbx_channel_hangup(list->pdata[i], PBX_CAUSE_NORMAL_CLEARING);
        pbx_cli_print(ctx, "Requested hangup of %u channels\n", list->len);
        return TRUE;
    }
    c = pbx_channel_find(argv[0]);
    if (!c) {
        pbx_cli_print(ctx, "No channel %s\n", argv[0]);
        return FALSE;
    }
    pbx_cli_print(ctx, "Requested hangup of %s\n", pbx_channel_get_name(c));
    pbx_channel_hangup(c, PBX_CAUSE_NORMAL_CLEARING);
    return TRUE;
}

static void
complete_channels(int argi, char **argv, GPtrArray *out, gpointer data)
{
    g_autoptr(GPtrArray) list = NULL;

    if (argi != 0)
        return;
    list = pbx_channel_list();
    g_ptr_array_add(out, g_strdup("all"));
    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(out, g_strdup(pbx_channel_get_name(list->pdata[i])));
}

static const PbxCliCommand commands[] = {
    { "core show channels", "[verbose]", "List the active channels", show_channels, NULL },
    { "core show calls", NULL, "List the active calls (bridged pairs)", show_calls, NULL },
    { "channel request hangup", "ID|NAME|all", "Hang up a channel, or all of them", request_hangup,
      complete_channels },
};

void
pbx_calls_register_cli(void)
{
    static gboolean done;

    if (done)
        return;
    done = TRUE;
    pbx_cli_register(NULL, commands, G_N_ELEMENTS(commands), NULL, NULL);
    pbx_cdr_register_cli();
}
