/* res_moh - music on hold in bridges (see hold.h). */
#include "classes.h"
#include "hold.h"
#include "listener.h"

/* One leg's music: the bridge's callback for when it has stopped. */
typedef struct {
    MohListener *listener;
    void (*stopped)(gpointer data);
    gpointer data;
} HoldMusic;

static void
hold_done(MohListener *l, PbxAudioTaskEnd end, char digit, gpointer data)
{
    HoldMusic *m = data;

    m->stopped(m->data);
    g_free(m);
}

static gpointer
hold_start(PbxChannel *chan, void (*stopped)(gpointer data), gpointer data, GError **error)
{
    MohClass *cls = moh_classes_for_channel(chan, error);
    HoldMusic *m;

    if (!cls)
        return NULL;
    m = g_new0(HoldMusic, 1);
    m->stopped = stopped;
    m->data = data;
    m->listener = moh_listener_start(chan, cls, &(MohListenOptions) { 0 }, hold_done, m, error);
    if (m->listener)
        return m;
    g_free(m);
    return NULL;
}

static void
hold_stop(gpointer music)
{
    HoldMusic *m = music;

    moh_listener_stop(m->listener);
}

static const PbxHoldMusic hold_music = { .start = hold_start, .stop = hold_stop };

void
moh_hold_register(PbxModule *owner)
{
    PBX_ASSERT_MAIN_CONTEXT();
    pbx_bridge_set_hold_music(owner, &hold_music);
}
