/* app_conference - a room's audio: each participant hears the sum of the
 * others, mixed on the media workers without locks.
 *
 * Every participant has a port (ConfMixPort) attached to its channel
 * (audio_port.h).  Its media thread calls, every 20 ms tick:
 *
 *  - write: the participant's tick goes into its own ring (ring.h), at
 *    its codec's rate and resampled to each other rate (8/16/48 kHz) a
 *    listener of the room currently wants;
 *  - read: the next tick of every OTHER participant, at the reader's own
 *    rate, taken from their rings and summed in 32 bits, plus the join or
 *    leave tone playing, clipped to 16 bits.
 *
 * So each listener mixes at its own rate: a room of G.711 phones never
 * resamples, and a 48 kHz Opus phone hears a 16 kHz G.722 phone as the
 * wideband it is.  A participant's audio is resampled once per rate
 * heard, by its writer, whatever the number of listeners at that rate.
 *
 * Threads.  Participants' sessions sit on different res_rtp workers (a
 * conference does not co-locate them, unlike a bridge), so the read and
 * write of different participants run at the same time on different
 * threads.  Each port is written only by its own thread (its ring, its
 * cursors, its resamplers, its scratch buffers); what others read is
 * published through atomics: a ring's `seq`, a slot's `in_use` and
 * `muted`, the room's wanted rates and tone.  No lock, no allocation, no
 * log on that path.  A reader follows each writer with a cursor of its
 * own (a tiny jitter buffer: a writer's tick not there yet is heard a
 * tick later, at most CONF_MAX_BACKLOG ticks of delay before skipping
 * ahead), so workers ticking at different moments cost at most a tick or
 * two of delay, never a torn or doubled tick.  On one worker, all writes
 * of a tick come before its reads: no delay at all.
 *
 * Mixing costs O(participants) per reader, O(n^2) per room tick: fine for
 * the CONF_MAX_MEMBERS a room takes (tests/bench/bench-conference.c).
 *
 * Thread affinity: functions marked "media" run on the port's media
 * thread (at most one at a time per port); the getters (muted, rate,
 * stats) on any thread; everything else on the main context (asserted).
 * A port is freed only once its media thread has let go (the audio
 * task's done), and the mixer only once all its ports are freed.
 */
#pragma once

#include "ring.h"
#include "tone.h"

G_BEGIN_DECLS

#define CONF_MAX_MEMBERS 64

typedef struct _ConfMixer ConfMixer;
typedef struct _ConfMixPort ConfMixPort;

/* What a port's thread counted (read them with conf_mix_port_get_stats). */
typedef struct {
    guint written;          /* ticks heard from the participant */
    guint mixed;            /* ticks the participant was given */
    ConfTakeStats take;     /* its takes from the others' rings */
} ConfMixStats;

ConfMixer *conf_mixer_new(void);
void conf_mixer_free(ConfMixer *m);
/* Plays a tone to everyone in the room (each from its next tick). */
void conf_mixer_play_tone(ConfMixer *m, ConfToneKind kind);

/* A participant's port, heard by the others at once (silence until its
 * thread writes); rate is its codec's (a guess until the first write).
 * NULL with error when the room holds CONF_MAX_MEMBERS ports. */
ConfMixPort *conf_mix_port_new(ConfMixer *m, guint rate, GError **error);
/* Stops being heard (leaving): main context, any time. */
void conf_mix_port_leave(ConfMixPort *p);
/* Once the media thread let go: the slot can serve someone else. */
void conf_mix_port_free(ConfMixPort *p);
void conf_mix_port_set_muted(ConfMixPort *p, gboolean muted);
gboolean conf_mix_port_get_muted(const ConfMixPort *p);
/* The rate the participant speaks (from its writes) and hears. */
guint conf_mix_port_get_rate(const ConfMixPort *p);
void conf_mix_port_get_stats(const ConfMixPort *p, ConfMixStats *out);

/* Media: a tick heard from the participant (8/16/48 kHz, 20 ms; other
 * frames are ignored). */
void conf_mix_port_write(ConfMixPort *p, const PbxAudioFrame *in);
/* Media: the tick the participant hears, at its rate; FALSE for
 * silence. */
gboolean conf_mix_port_read(ConfMixPort *p, PbxAudioFrame *out);

/* The port as an audio port (audio_port.h), data = the ConfMixPort;
 * `released` is left to its owner (the audio task's done). */
extern const PbxAudioPortFuncs conf_mix_port_funcs;

G_END_DECLS
