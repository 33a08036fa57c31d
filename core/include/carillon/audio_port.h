/* Carillon - audio ports: what a channel plays to its far end and hears
 * from it while the PBX terminates its media (prompts, recording, music
 * on hold, tones, conferences) instead of bridging it to another leg.
 *
 * An application attaches a port to a channel with
 * pbx_channel_set_audio_port() (channel.h).  From then on, every
 * PBX_AUDIO_TICK_MS the channel's media thread (a res_rtp worker for SIP)
 * calls `write` with the audio heard from the far end (decoded, out of
 * the jitter buffer, in-band digits muted) and then `read` for the audio
 * to send.  All writes of one tick on a media thread come before its
 * reads, so a mixer sees a tick's input before it is asked for output.
 *
 * `read` and `write` run on a media thread: they must not allocate,
 * lock, log or block, and must only touch state the port owns (or
 * reaches through atomics).  They never run at the same time for one
 * port.  The port is the application's until `released` runs on the main
 * context: the media thread has let go (the port was replaced or
 * removed, or the channel ended) and the data may be freed.
 *
 * DTMF the far end sends is reported as usual (pbx_channel_dtmf: the
 * dialplan's hook, then watchers), whatever port is attached.
 *
 * Thread affinity: as said for each member.
 */
#pragma once

#include <carillon/frame.h>

G_BEGIN_DECLS

#define PBX_AUDIO_TICK_MS 20

typedef struct {
    /* Media thread: the next tick of audio for the far end, at 8000,
     * 16000 or 48000 Hz (set out->rate and out->n_samples to a tick at
     * that rate); FALSE sends silence.  May be NULL (silence). */
    gboolean (*read)(gpointer data, PbxAudioFrame *out);
    /* Media thread: a tick of audio heard from the far end, at the leg's
     * codec rate.  May be NULL. */
    void (*write)(gpointer data, const PbxAudioFrame *in);
    /* Main context: the media thread let go of the port; data may go. */
    void (*released)(gpointer data);
} PbxAudioPortFuncs;

G_END_DECLS
