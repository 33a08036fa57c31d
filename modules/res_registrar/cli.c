/* Carillon res_registrar - CLI: registrations and endpoints. */
#include <string.h>

#include "registrar.h"

static const char *
nat_text(const RegBinding *b)
{
    return b->behind_nat ? "nat" : "-";
}

static void
print_binding(PbxCliContext *ctx, const RegBinding *b, gint64 now)
{
    g_autofree char *rtt = b->rtt_us >= 0
                               ? g_strdup_printf("%.1fms", b->rtt_us / 1000.0)
                               : g_strdup("-");
    g_autofree char *source = g_strdup_printf("%s:%u", b->source_ip, b->source_port);

    pbx_cli_print(ctx, "%-10s %-44s %7" G_GINT64_FORMAT " %-4s %-26s %-4s %-11s %-8s %s\n",
                  b->aor, b->uri, MAX(b->expires - now, 0),
                  sip_transport_to_string(b->transport), source,
                  nat_text(b), registrar_api.status_to_string(b->status), rtt,
                  b->user_agent ? b->user_agent : "");
}

static gint
compare_aor(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static gboolean
show_registrations(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) aors = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    gint64 now = reg_now();
    guint total = 0;

    g_hash_table_iter_init(&it, registrar.aors);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(aors, key);
    g_ptr_array_sort(aors, compare_aor);
    pbx_cli_print(ctx, "%-10s %-44s %7s %-4s %-26s %-4s %-11s %-8s %s\n", "AOR",
                  "Contact", "Expires", "Via", "Source", "NAT", "Status", "RTT",
                  "User-Agent");
    for (guint i = 0; i < aors->len; i++) {
        GPtrArray *list = location_get(aors->pdata[i]);
        for (guint j = 0; j < list->len; j++, total++)
            print_binding(ctx, list->pdata[j], now);
    }
    pbx_cli_print(ctx, "%u contacts of %u endpoints registered\n", total, aors->len);
    return TRUE;
}

static const char *
endpoint_state(const char *name)
{
    GPtrArray *list = location_get(name);
    gboolean unknown = FALSE;

    if (!list || list->len == 0)
        return "Unavailable";
    for (guint i = 0; i < list->len; i++) {
        RegBinding *b = list->pdata[i];
        if (b->status == REG_STATUS_REACHABLE)
            return "Reachable";
        unknown |= b->status == REG_STATUS_UNKNOWN;
    }
    return unknown ? "Registered" : "Unreachable";
}

static gboolean
show_endpoints(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const GPtrArray *eps = registrar.sip->endpoint_list();

    pbx_cli_print(ctx, "%-12s %-28s %-12s %-8s %s\n", "Endpoint", "Caller ID",
                  "Context", "Contacts", "State");
    for (guint i = 0; eps && i < eps->len; i++) {
        const SipEndpoint *e = eps->pdata[i];
        g_autofree char *cid = g_strdup_printf("\"%s\" <%s>",
                                               e->callerid_name ? e->callerid_name : "",
                                               e->callerid_number);
        pbx_cli_print(ctx, "%-12s %-28s %-12s %-8u %s\n", e->name, cid, e->context,
                      registrar_api.count(e->name), endpoint_state(e->name));
    }
    pbx_cli_print(ctx, "%u endpoints\n", eps ? eps->len : 0);
    return TRUE;
}

static gboolean
show_endpoint(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const SipEndpoint *e;
    GPtrArray *list;
    g_autofree char *codecs = NULL, *transports = NULL;
    gint64 now = reg_now();

    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    e = registrar.sip->endpoint_lookup(argv[0]);
    if (!e) {
        pbx_cli_print(ctx, "No endpoint '%s'\n", argv[0]);
        return FALSE;
    }
    codecs = g_strjoinv(",", e->codecs);
    transports = sip_transport_mask_to_string(e->transports);
    pbx_cli_print(ctx, "Endpoint:          %s\n", e->name);
    pbx_cli_print(ctx, "Caller ID:         \"%s\" <%s>\n",
                  e->callerid_name ? e->callerid_name : "", e->callerid_number);
    pbx_cli_print(ctx, "Context:           %s\n", e->context);
    pbx_cli_print(ctx, "Codecs:            %s\n", codecs);
    pbx_cli_print(ctx, "Mailbox:           %s\n", e->mailbox ? e->mailbox : "-");
    pbx_cli_print(ctx, "Max contacts:      %u (%s)\n", e->max_contacts,
                  e->remove_existing ? "oldest replaced" : "extra refused");
    pbx_cli_print(ctx, "NAT:               %s\n", sip_nat_mode_to_string(e->nat));
    pbx_cli_print(ctx, "DTMF mode:         %s\n", sip_dtmf_mode_to_string(e->dtmf_mode));
    pbx_cli_print(ctx, "Media encryption:  %s\n", e->media_encryption);
    pbx_cli_print(ctx, "Transports:        %s\n", transports);
    pbx_cli_print(ctx, "Qualify frequency: %u s\n", e->qualify_frequency);
    pbx_cli_print(ctx, "State:             %s\n", endpoint_state(e->name));
    list = location_get(e->name);
    for (guint i = 0; list && i < list->len; i++)
        print_binding(ctx, list->pdata[i], now);
    return TRUE;
}

static void
complete_endpoint(int argi, char **argv, GPtrArray *out, gpointer data)
{
    const GPtrArray *eps = registrar.sip->endpoint_list();

    for (guint i = 0; argi == 0 && eps && i < eps->len; i++)
        g_ptr_array_add(out, g_strdup(((SipEndpoint *) eps->pdata[i])->name));
}

static const PbxCliCommand commands[] = {
    { "sip show registrations", NULL, "Registered contacts", show_registrations, NULL },
    { "sip show endpoints", NULL, "Endpoints and their state", show_endpoints, NULL },
    { "sip show endpoint", "NAME", "One endpoint in detail", show_endpoint, complete_endpoint },
};

gboolean
reg_cli_register(PbxModule *self, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}
