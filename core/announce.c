/* Carillon - the announcement provider (see carillon/announce.h). */
#include <carillon/carillon.h>
#include <carillon/announce.h>

static const PbxAnnouncer *provider;
static PbxModule *provider_owner;
static gpointer provider_unload;     /* pbx_module_on_unload handle */

static void
provider_gone(gpointer data)
{
    provider = NULL;
    provider_owner = NULL;
    provider_unload = NULL;
}

void
pbx_announcer_set(PbxModule *owner, const PbxAnnouncer *announcer)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (provider_unload)
        pbx_module_forget(provider_owner, provider_unload);
    provider = announcer;
    provider_owner = announcer ? owner : NULL;
    provider_unload = announcer && owner ? pbx_module_on_unload(owner, provider_gone, NULL)
                                         : NULL;
}

gpointer
pbx_announce_digits(PbxChannel *chan, const char *digits, void (*done)(gpointer data),
                    gpointer data, GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!provider) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "no announcements (app_playback not loaded)");
        return NULL;
    }
    return provider->say_digits(chan, digits, done, data, error);
}

void
pbx_announce_stop(gpointer announcement)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (announcement && provider)
        provider->stop(announcement);
}
