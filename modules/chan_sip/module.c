/* Carillon - chan_sip: the SIP channel driver module.
 *
 * Fetches the APIs it is built on (res_sip's stack, res_rtp's media,
 * res_registrar's location service) at load, so the loader records
 * chan_sip as their dependent, then registers the "SIP" channel tech and
 * its INVITE handler (sip_channel.c).
 */
#include "sip_trunk.h"

ChanSip chan_sip;
const SipApi *sip;
const RtpApi *rtp;
const RegistrarApi *registrar;

/* The last thing of an unload.  It is registered first, so it runs
 * after every other cleanup: res_sip's for chan_sip's registrations
 * among them, which end chan_sip's transactions and so drop the calls
 * they hold (those still need the APIs and the timer set). */
static void
teardown(gpointer data)
{
    g_clear_pointer(&chan_sip.timers, pbx_timers_free);
    sip_trunk_guard_clear();
    sip = NULL;
    rtp = NULL;
    registrar = NULL;
    chan_sip.module = NULL;
}

static gboolean
load(PbxModule *self, GError **error)
{
    chan_sip.module = self;
    chan_sip.log = pbx_log_domain("sip");
    chan_sip.timers = pbx_timers_new("chan_sip");
    pbx_module_on_unload(self, teardown, NULL);
    sip = sip_api_get(self, error);
    rtp = sip ? rtp_api_get(self, error) : NULL;
    registrar = rtp ? registrar_api_get(self, error) : NULL;
    return registrar && sip_channel_load(self, error);
}

PBX_MODULE_DEFINE("chan_sip", "SIP channel driver: calls over res_sip",
                  .requires = PBX_REQUIRES("res_sip", "res_rtp", "res_registrar"),
                  .load = load);
