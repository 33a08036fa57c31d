/* Carillon res_sip_outbound_registration - the module: one registration
 * per trunk with `register = yes`, rebuilt when endpoints.conf is
 * reloaded (see outreg.h). */
#include "outreg.h"

OutregModule outreg;

static void
build_all(void)
{
    const GPtrArray *eps = outreg.sip->endpoint_list();

    outreg.regs = g_ptr_array_new_with_free_func((GDestroyNotify) outreg_free);
    for (guint i = 0; eps && i < eps->len; i++) {
        SipEndpoint *e = eps->pdata[i];
        if (e->trunk && e->trunk->do_register)
            g_ptr_array_add(outreg.regs, outreg_new(e));
    }
    for (guint i = 0; i < outreg.regs->len; i++)
        outreg_start(outreg.regs->pdata[i]);
}

static void
on_reload(const PbxEvent *ev, gpointer data)
{
    if (outreg.stopping)
        return;                 /* stop.c is removing the bindings */
    g_clear_pointer(&outreg.regs, g_ptr_array_unref);
    build_all();
}

/* Registered first, so it runs after res_sip has ended the module's
 * transactions (their references on the registrations are gone). */
static void
teardown(gpointer data)
{
    g_clear_pointer(&outreg.regs, g_ptr_array_unref);
    g_clear_pointer(&outreg.timers, pbx_timers_free);
    outreg.sip = NULL;
    outreg.module = NULL;
    outreg.stopping = FALSE;
}

static gboolean
load(PbxModule *self, GError **error)
{
    outreg.module = self;
    outreg.log = pbx_log_domain("sip");
    outreg.timers = pbx_timers_new("res_sip_outbound_registration");
    pbx_module_on_unload(self, teardown, NULL);
    outreg.sip = sip_api_get(self, error);
    if (!outreg.sip || !outreg_cli_register(self, error))
        return FALSE;
    pbx_event_subscribe(self, "sip/endpoints-reloaded", on_reload, NULL);
    outreg_stop_subscribe(self);
    build_all();
    return TRUE;
}

/* Before res_sip forgets our transactions: each binding is removed. */
static void
unload(PbxModule *self)
{
    for (guint i = 0; outreg.regs && i < outreg.regs->len; i++)
        outreg_unregister(outreg.regs->pdata[i]);
}

PBX_MODULE_DEFINE("res_sip_outbound_registration",
                  "SIP outbound registration: trunks register to their providers",
                  .requires = PBX_REQUIRES("res_sip"), .load = load,
                  .unload = unload);
