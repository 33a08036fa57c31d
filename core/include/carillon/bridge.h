/* Carillon - bridges: two channels talking to each other.
 *
 * pbx_bridge_new() joins two answered (or answering) legs and asks their
 * tech to connect the media (PbxChannelTech.bridge_media).  When one side
 * hangs up the bridge ends; by default the other side is hung up with the
 * same cause, unless the owner asked to keep it (the dialplan does so
 * when the script wants to carry on with the caller).  A DTMF digit a
 * leg receives that its DTMF hook did not swallow is sent to the other
 * leg (pbx_channel_send_dtmf: each leg in its own form).  When a leg's
 * far end puts the call on hold (pbx_channel_hold), the other leg hears
 * music on hold from the provider set with pbx_bridge_set_hold_music()
 * (the media is disconnected meanwhile and connected again on resume);
 * without a provider the tech passes the hold on.  Events:
 * "bridge/created" and "bridge/destroyed" (fields id, a, b; on destroy
 * also cause and who hung up first: "a", "b" or "none").
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/channel.h>

G_BEGIN_DECLS

typedef struct _PbxBridge PbxBridge;

/* Runs once when the bridge ends (either side hung up or
 * pbx_bridge_destroy()).  `gone` is the channel that hung up first, or
 * NULL when the bridge was destroyed with both legs alive. */
typedef void (*PbxBridgeEndFunc)(PbxBridge *bridge, PbxChannel *gone,
                                 PbxCause cause, gpointer data);

/* Joins a and b.  Returns NULL with error set when either is hung up or
 * the tech refused to connect the media.  The bridge holds references to
 * both channels and lives until it ends; the returned pointer is
 * borrowed (ref it to keep it past the end callback). */
PBX_API PbxBridge *pbx_bridge_new(PbxChannel *a, PbxChannel *b,
                                  GError **error);
PBX_API PbxBridge *pbx_bridge_ref(PbxBridge *bridge);
PBX_API void pbx_bridge_unref(PbxBridge *bridge);

PBX_API void pbx_bridge_set_end_func(PbxBridge *bridge, PbxBridgeEndFunc fn,
                                     gpointer data);
/* FALSE: when `chan` (a or b) hangs up, keep the other leg up. */
PBX_API void pbx_bridge_set_hangup_peer(PbxBridge *bridge, PbxChannel *chan,
                                        gboolean hangup_peer);
/* Ends the bridge without hanging anyone up (unbridges the media). */
PBX_API void pbx_bridge_destroy(PbxBridge *bridge);

PBX_API const char *pbx_bridge_get_id(const PbxBridge *bridge);
PBX_API PbxChannel *pbx_bridge_get_a(const PbxBridge *bridge);
PBX_API PbxChannel *pbx_bridge_get_b(const PbxBridge *bridge);
/* The other leg of `chan`, NULL if chan is not in the bridge. */
PBX_API PbxChannel *pbx_bridge_get_peer(const PbxBridge *bridge,
                                        const PbxChannel *chan);
/* Live bridges, each a new reference. */
PBX_API GPtrArray *pbx_bridge_list(void);

/* Music on hold for bridged legs (res_moh provides it). */
typedef struct {
    /* Starts music for `listener` (its class: the channel variable
     * MOH_CLASS, else "default"); `stopped(data)` must then run exactly
     * once on the main context, after the music ended (pbx_hold_music
     * stop, a hangup, ...) and its audio port was released.  NULL with
     * error when it cannot play: then stopped never runs. */
    gpointer (*start)(PbxChannel *listener, void (*stopped)(gpointer data), gpointer data,
                      GError **error);
    /* Ends the music `start` returned (stopped follows). */
    void (*stop)(gpointer music);
} PbxHoldMusic;

/* The one provider (NULL removes it; it also goes when `owner`
 * unloads).  `music` must stay valid while set (a static).  Music that
 * plays keeps going until stopped: the provider holds a use of its module
 * per listener. */
PBX_API void pbx_bridge_set_hold_music(PbxModule *owner, const PbxHoldMusic *music);

/* The provider's music for a channel outside any bridge (a party that
 * waits during a transfer, a parked call): a handle, or NULL with error when no provider
 * is set or it cannot play.  `stopped(data)` runs once on the main
 * context after the music ended (pbx_hold_music_stop, a hangup, the
 * channel's media bridged) and its audio port was released. */
PBX_API gpointer pbx_hold_music_start(PbxChannel *listener, void (*stopped)(gpointer data),
                                      gpointer data, GError **error);
PBX_API void pbx_hold_music_stop(gpointer music);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxBridge, pbx_bridge_unref)

G_END_DECLS
