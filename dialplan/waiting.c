/* Carillon - what a party hears while it waits (the transferee while
 * the target rings, the held party of an attended feature transfer):
 * music on hold from the core's provider (res_moh,
 * pbx_hold_music_start) when one is loaded, else the ringback tone.
 * The channel variable TRANSFER_WAIT = "ringback" asks for the tone even
 * with music available.
 *
 * Thread affinity: main context.
 */
#include "dialplan_private.h"

struct _DpWaiting {
    DpWaiting **owner;          /* cleared when the sound ends */
    gpointer music;             /* the provider's handle, or NULL */
    DpRingback *ringback;       /* or the tone */
};

/* The provider's music ended (stopped, hangup, bridged). */
static void
music_stopped(gpointer data)
{
    DpWaiting *w = data;

    if (w->owner)
        *w->owner = NULL;
    g_free(w);
}

static gboolean
wants_music(PbxChannel *chan)
{
    return g_strcmp0(pbx_channel_get_var(chan, "TRANSFER_WAIT"), "ringback") != 0;
}

DpWaiting *
dp_waiting_start(PbxChannel *chan, DpWaiting **owner, GError **error)
{
    g_autoptr(GError) no_music = NULL;
    DpWaiting *w = g_new0(DpWaiting, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    w->owner = owner;
    if (wants_music(chan)) {
        w->music = pbx_hold_music_start(chan, music_stopped, w, &no_music);
        if (w->music)
            return w;
        pbx_debug(dp_dom, "%s: ringback, not music: %s", pbx_channel_get_name(chan),
                  no_music->message);
    }
    w->ringback = dp_ringback_start(chan, &w->ringback, error);
    if (w->ringback)
        return w;
    g_free(w);
    return NULL;
}

const char *
dp_waiting_kind(const DpWaiting *w)
{
    return w->music ? "music" : "ringback";
}

void
dp_waiting_stop(DpWaiting *w)
{
    if (!w)
        return;
    if (w->owner)
        *w->owner = NULL;
    w->owner = NULL;
    if (w->music) {
        pbx_hold_music_stop(w->music);          /* music_stopped frees w */
        return;
    }
    dp_ringback_stop(w->ringback);
    g_free(w);
}
