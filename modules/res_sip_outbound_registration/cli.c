/* Carillon res_sip_outbound_registration - `sip show registrations
 * outbound`. */
#include "outreg.h"

static gboolean
show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "%-16s %-28s %-13s %8s %8s %5s %8s\n", "Trunk", "Registrar", "State",
                  "Granted", "Left", "Code", "Failures");
    for (guint i = 0; outreg.regs && i < outreg.regs->len; i++) {
        const Outreg *r = outreg.regs->pdata[i];
        g_autofree char *where = r->port ? g_strdup_printf("%s:%u", r->host, r->port)
                                         : g_strdup(r->host);
        pbx_cli_print(ctx, "%-16s %-28s %-13s %8u %8u %5u %8u\n", r->trunk->name, where,
                      outreg_state_name(r->state), r->granted, outreg_remaining(r),
                      r->last_code, r->failures);
    }
    pbx_cli_print(ctx, "%u outbound registrations\n", outreg.regs ? outreg.regs->len : 0);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "sip show registrations outbound", NULL,
      "trunks' registrations to their providers: state, expiry, last status", show, NULL },
};

gboolean
outreg_cli_register(PbxModule *self, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}
