/* res_rtp - the playout (jitter) buffer of a decoded leg.
 *
 * A media worker that terminates a stream (decodes it, rather than
 * relaying it) puts each received audio packet here and pulls one frame
 * of signed linear audio per tick.  In between the buffer reorders,
 * drops duplicates and packets too late to play, decodes packets into a
 * small PCM queue (packets may be shorter or longer than the frame), and
 * covers what is missing: from the next packet's FEC when the codec has
 * it (Opus in-band FEC), else with the codec's concealment, else with a
 * pitch-repeating concealment of its own that fades to silence.
 *
 * The delay adapts: the buffer measures each packet's transit (arrival
 * time less its timestamp) and aims at the spread between the fastest
 * packets and the 98th percentile of recent ones, within
 * RTP_PLAYOUT_MIN_DELAY_MS..RTP_PLAYOUT_MAX_DELAY_MS; it grows at once
 * and shrinks slowly.  It follows the target, and the drift of a sender
 * whose clock runs fast or slow, by inserting a concealed frame or
 * dropping one (at a quiet frame or over a gap when it can, cross-faded
 * otherwise).  Talk spurts (marker bit, or a timestamp gap with no
 * sequence gap) start after the silence without concealing it; a new
 * SSRC or a timestamp jump that does not match the time elapsed is
 * re-anchored so that it plays after the target delay.  README.md,
 * "Jitter buffer", has the figures.
 *
 * Only packets of the decoder's payload type go in (not DTMF or comfort
 * noise), with the RTP header as parsed by rtp_header_parse().
 *
 * Thread affinity: rtp_playout_new() and _free() on the main context
 * (all memory is allocated in new: a pool of packet slots for the
 * maximum delay, the PCM queue); _put() and _pull() on the media worker
 * that owns the decoder, and they never allocate, lock or log;
 * _get_stats() on any thread (relaxed atomic loads of counters written
 * only by that worker) while the buffer is alive.
 */
#pragma once

#include <carillon/codec.h>
#include <carillon/frame.h>

#include "rtp_stats.h"

G_BEGIN_DECLS

#define RTP_PLAYOUT_MIN_DELAY_MS 20  /* the target never goes below */
#define RTP_PLAYOUT_MAX_DELAY_MS 300 /* nor above; audio beyond it is dropped */

typedef struct _RtpPlayout RtpPlayout;

/* What became of a packet put in. */
typedef enum {
    RTP_PLAYOUT_QUEUED,    /* kept for playout */
    RTP_PLAYOUT_LATE,      /* its time has passed (or from the SSRC we left) */
    RTP_PLAYOUT_DUPLICATE, /* the same sequence number or timestamp again */
    RTP_PLAYOUT_FULL,      /* every slot of the pool is taken */
    RTP_PLAYOUT_INVALID,   /* empty, longer than PBX_CODEC_MAX_PAYLOAD, or
                            * a timestamp that contradicts its sequence */
} RtpPlayoutPut;

/* What a pulled frame holds, the first that applies: CONCEALED (some of
 * it made up for missing audio), FEC (some recovered from the next
 * packet), AUDIO (decoded), SILENCE (before the stream, between talk
 * spurts, or after concealment has faded out). */
typedef enum {
    RTP_PLAYOUT_AUDIO,
    RTP_PLAYOUT_FEC,
    RTP_PLAYOUT_CONCEALED,
    RTP_PLAYOUT_SILENCE,
} RtpPlayoutResult;

/* Counters since rtp_playout_new(); every pull counts one frame_*. */
typedef struct {
    guint32 delay_ms;   /* playout delay now, over the fastest packets */
    guint32 target_ms;  /* what the buffer aims at */
    guint32 jitter_ms;  /* transit spread it measures (98th percentile) */
    guint64 packets;    /* queued */
    guint64 reordered;  /* of those, arrived after a later one */
    guint64 late;       /* dropped: too late */
    guint64 duplicates; /* dropped: seen before */
    guint64 overflow;   /* dropped: pool full */
    guint64 invalid;    /* dropped: bad length or timestamp, or undecodable */
    guint64 frames_audio;
    guint64 frames_fec;
    guint64 frames_concealed;
    guint64 frames_silence;
    guint64 inserted; /* frames added to raise the delay (skew, jitter) */
    guint64 dropped;  /* frames removed to lower it */
    guint64 resyncs;  /* new SSRC or timestamp jump re-anchored */
} RtpPlayoutStats;

/* A buffer for the stream that decoder (borrowed: it must outlive the
 * buffer) decodes, putting out frames of frame_ms (10..60, a multiple of
 * 10) at the codec's sample rate; its RTP clock is the codec's.  NULL
 * with PBX_AUDIO_ERROR_RATE when the codec's rates cannot be used. */
RtpPlayout *rtp_playout_new(PbxCodecInstance *decoder, guint frame_ms, GError **error);
void rtp_playout_free(RtpPlayout *p);

/* Copies a received packet (h its parsed header, payload its payload)
 * in; arrival_us on the clock that rtp_playout_pull() gets (monotonic). */
RtpPlayoutPut rtp_playout_put(RtpPlayout *p, const RtpHeader *h, const guint8 *payload, gsize len,
                              gint64 arrival_us);
/* Fills out with exactly frame_ms of audio at the decoder's rate; call
 * once per frame period. */
RtpPlayoutResult rtp_playout_pull(RtpPlayout *p, gint64 now_us, PbxAudioFrame *out);

void rtp_playout_get_stats(const RtpPlayout *p, RtpPlayoutStats *out);

/* "audio", "fec", "concealed", "silence". */
const char *rtp_playout_result_to_string(RtpPlayoutResult r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RtpPlayout, rtp_playout_free)

G_END_DECLS
