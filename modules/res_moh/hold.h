/* res_moh - music on hold in bridges: the core's PbxHoldMusic provider.
 *
 * When a leg's far end holds (a re-INVITE or UPDATE going sendonly or
 * inactive), the bridge disconnects the media and asks us to play to the
 * other leg: its class is the channel variable MOH_CLASS (chan_sip sets
 * it from the endpoint's moh_class), else "default"; an unknown class
 * falls back to "default".  The music lasts until the resume (the bridge
 * stops it), a hangup or the unload; digits do not end it.  Without a
 * class to play, start fails and the tech passes the hold on to the
 * other leg, as it does when res_moh is not loaded.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

/* Registers the provider for `owner` (it goes when owner unloads). */
void moh_hold_register(PbxModule *owner);
