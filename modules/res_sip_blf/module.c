/* Carillon res_sip_blf - busy lamp fields and presence: the "dialog"
 * and "presence" event packages on res_sip_pubsub, fed by the core's
 * channel events and the registrar's. */
#include "blf.h"

Blf blf;

/* Registering and unregistering change the basic status of PIDF. */
static void
on_registration(const PbxEvent *ev, gpointer data)
{
    const char *aor = pbx_event_get(ev, "aor");

    if (aor)
        blf.pubsub->resource_changed("presence", aor);
}

static void
teardown(gpointer data)
{
    devstate_shutdown();
    blf.sip = NULL;
    blf.pubsub = NULL;
    blf.registrar = NULL;
}

static gboolean
load(PbxModule *self, GError **error)
{
    blf.module = self;
    blf.log = pbx_log_domain("pubsub");
    pbx_module_on_unload(self, teardown, NULL);
    devstate_init();
    blf.sip = sip_api_get(self, error);
    blf.pubsub = blf.sip ? sip_pubsub_api_get(self, error) : NULL;
    blf.registrar = blf.pubsub ? registrar_api_get(self, error) : NULL;
    if (!blf.registrar)
        return FALSE;
    pbx_event_subscribe(self, "channel/*", devstate_on_channel, NULL);
    pbx_event_subscribe(self, "park/*", parked_on_event, NULL);
    pbx_event_subscribe(self, "registrar/registered", on_registration, NULL);
    pbx_event_subscribe(self, "registrar/unregistered", on_registration, NULL);
    pbx_event_subscribe(self, "registrar/expired", on_registration, NULL);
    pbx_event_subscribe(self, "registrar/restored", on_registration, NULL);
    return blf.pubsub->register_package(self, &blf_dialog_package, NULL, error)
        && blf.pubsub->register_package(self, &blf_presence_package, NULL, error);
}

PBX_MODULE_DEFINE("res_sip_blf", "BLF: dialog and presence event packages",
                  .requires = PBX_REQUIRES("res_sip", "res_sip_pubsub", "res_registrar"),
                  .load = load);
