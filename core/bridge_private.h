/* Carillon - bridge internals shared by bridge.c and bridge_hold.c. */
#pragma once

#include "calls_private.h"

G_BEGIN_DECLS

struct _PbxBridge {
    GList link;                 /* in `bridges` while not ended */
    gint refs;
    char *id;
    PbxChannel *leg[2];
    guint watch[2];
    gboolean hangup_peer[2];
    gboolean media;             /* the legs' media are connected */
    gboolean held[2];           /* leg i's far end put the call on hold */
    gpointer music[2];          /* the hold music leg i hears, or NULL */
    gboolean ended;
    gboolean overlaps;          /* a leg was in another live bridge */
    PbxBridgeEndFunc end_fn;
    gpointer end_data;
    gint64 created;
};

/* bridge.c: connects the legs' media (the tech's bridge_media). */
gboolean pbx_bridge_connect_media(PbxBridge *br, GError **error);

/* bridge_hold.c: leg i's far end held or resumed; TRUE when the bridge
 * took care of the other leg (music). */
gboolean pbx_bridge_hold(PbxBridge *br, int i, gboolean held);
/* The bridge ends: music stops, hold is forgotten. */
void pbx_bridge_hold_end(PbxBridge *br);

G_END_DECLS
