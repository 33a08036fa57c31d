/* Carillon - music on hold in bridges.
 *
 * When a leg's far end puts the call on hold, the bridge disconnects the
 * media and asks the provider (res_moh) to play music to the other leg;
 * when it resumes, the music is stopped and, once the provider says it
 * stopped (its audio port released), the media is connected again.  Both
 * legs may hold at once: each hears music while the other holds, and the
 * media comes back when neither holds and no music plays.  Without a
 * provider the tech passes the hold on (a re-INVITE to the other leg).
 */
#include "bridge_private.h"

static const PbxHoldMusic *provider;
static PbxModule *provider_owner;
static gpointer provider_unload;     /* pbx_module_on_unload handle */

typedef struct {
    PbxBridge *br;              /* a reference */
    int listener;               /* index of the leg that hears it */
} Music;

static void
provider_gone(gpointer data)
{
    provider = NULL;
    provider_owner = NULL;
    provider_unload = NULL;
}

void
pbx_bridge_set_hold_music(PbxModule *owner, const PbxHoldMusic *music)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (provider_unload)
        pbx_module_forget(provider_owner, provider_unload);
    provider = music;
    provider_owner = music ? owner : NULL;
    provider_unload = music && owner ? pbx_module_on_unload(owner, provider_gone, NULL) : NULL;
}

gpointer
pbx_hold_music_start(PbxChannel *listener, void (*stopped)(gpointer data), gpointer data,
                     GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!provider) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "no music on hold provider (res_moh)");
        return NULL;
    }
    return provider->start(listener, stopped, data, error);
}

/* A provider cannot go while its music plays (it holds a use of its
 * module per listener), so `provider` is the one that started it. */
void
pbx_hold_music_stop(gpointer music)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (music && provider)
        provider->stop(music);
}

static gboolean
anyone_held(const PbxBridge *br)
{
    return br->held[0] || br->held[1] || br->music[0] || br->music[1];
}

/* The provider's music for one leg ended: connect the media again when
 * nobody holds any more. */
static void
music_stopped(gpointer data)
{
    Music *m = data;
    PbxBridge *br = m->br;
    g_autoptr(GError) error = NULL;

    br->music[m->listener] = NULL;
    if (!br->ended && !anyone_held(br) && !br->media && !pbx_bridge_connect_media(br, &error))
        pbx_warning(pbx_log_domain("channel"), "%s: media not connected again after hold: %s",
                    br->id, error->message);
    pbx_bridge_unref(br);
    g_free(m);
}

static void
disconnect_media(PbxBridge *br)
{
    const PbxChannelTech *tech = pbx_channel_get_tech(br->leg[0]);

    if (br->media && tech->unbridge_media)
        tech->unbridge_media(br->leg[0], br->leg[1]);
    br->media = FALSE;
}

/* Music for leg `listener` while the other holds; FALSE when there is
 * no provider or it cannot play (the tech passes the hold on then). */
static gboolean
start_music(PbxBridge *br, int listener)
{
    g_autoptr(GError) error = NULL;
    Music *m;

    if (!provider)
        return FALSE;
    if (br->music[listener])
        return TRUE;
    disconnect_media(br);
    m = g_new0(Music, 1);
    m->br = pbx_bridge_ref(br);
    m->listener = listener;
    br->music[listener] = provider->start(br->leg[listener], music_stopped, m, &error);
    if (br->music[listener])
        return TRUE;
    pbx_notice(pbx_log_domain("channel"), "%s: no music on hold for %s: %s", br->id,
               pbx_channel_get_name(br->leg[listener]), error->message);
    g_clear_error(&error);
    if (!pbx_bridge_connect_media(br, &error))     /* the hold is passed on instead */
        pbx_warning(pbx_log_domain("channel"), "%s: %s", br->id, error->message);
    pbx_bridge_unref(m->br);
    g_free(m);
    return FALSE;
}

/* A resume whose music had already ended (its provider was unloaded, or
 * its port was taken): when the bridge had disconnected the media for
 * the hold, it connects it again now that nobody holds, and the resume
 * is the bridge's (TRUE); with the media connected, the hold had been
 * passed on, and so is the resume (FALSE). */
static gboolean
resume_without_music(PbxBridge *br)
{
    g_autoptr(GError) error = NULL;

    if (br->media)
        return FALSE;
    if (!anyone_held(br) && !pbx_bridge_connect_media(br, &error))
        pbx_warning(pbx_log_domain("channel"), "%s: media not connected again after hold: %s",
                    br->id, error->message);
    return TRUE;
}

gboolean
pbx_bridge_hold_leg(PbxBridge *br, PbxChannel *chan, gboolean held)
{
    return pbx_bridge_hold(br, chan == br->leg[0] ? 0 : 1, held);
}

/* Leg i's far end held (or resumed); TRUE when the bridge took care of
 * the other leg. */
gboolean
pbx_bridge_hold(PbxBridge *br, int i, gboolean held)
{
    int other = 1 - i;

    if (br->ended || br->held[i] == held)
        return br->music[other] != NULL;
    br->held[i] = held;
    if (held)
        return start_music(br, other);
    if (!br->music[other])
        return resume_without_music(br);
    provider->stop(br->music[other]);   /* music_stopped reconnects */
    return TRUE;
}

void
pbx_bridge_hold_end(PbxBridge *br)
{
    br->held[0] = br->held[1] = FALSE;
    for (int i = 0; i < 2; i++)
        if (br->music[i] && provider)
            provider->stop(br->music[i]);
}
