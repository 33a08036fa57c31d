/* res_rtp - in-band DTMF: detecting and generating the tones in 8 kHz
 * signed linear audio (spandsp), for endpoints with dtmf_mode=inband.
 * The caller decodes and resamples: input and output are 8 kHz.
 *
 * Thread affinity: _new and _free belong to the main context (they
 * allocate).  In between, one thread at a time (the media worker that
 * owns the stream) feeds, starts and fills; those never allocate, lock
 * or log.
 */
#pragma once

#include <glib.h>

#include "dtmf4733.h"

G_BEGIN_DECLS

/* ---- detection ------------------------------------------------------------ */

/* Tuning (spandsp's dtmf_rx_parms; figures from test-dtmf-inband):
 *  - threshold -33 dBm0: every digit is heard down to -30 dBm0 per tone,
 *    5 dB below the -25 that telephone receivers must accept; near the
 *    threshold a tone flickers (about half heard, some twice), and none
 *    at -36.  Speech-like sound, a 1 kHz tone and noise give no digit;
 *  - twist: the low group may be up to 8 dB louder than the high group
 *    (lines lose more of the high frequencies), the high group up to 4 dB
 *    louder than the low one (senders pre-emphasise it by about 2 dB);
 *  - no dial tone filter (it costs, and we are not on an analogue line).
 * With white noise, -20 dBm0 digits are all heard down to 10 dB SNR. */
#define RTP_INBAND_THRESHOLD_DBM0 -33
#define RTP_INBAND_TWIST_DB 8
#define RTP_INBAND_REVERSE_TWIST_DB 4

typedef struct _RtpInbandDetector RtpInbandDetector;

/* A detector for one stream; NULL with PBX_AUDIO_ERROR_FAILED when
 * spandsp refuses. */
RtpInbandDetector *rtp_inband_detector_new(GError **error);
void rtp_inband_detector_free(RtpInbandDetector *det);

/* Runs n samples of 8 kHz audio through the detector and writes up to
 * max_out events to out, returning how many.  Each digit gives one BEGIN
 * when its tone is confirmed (about 25 ms in) and one END when it stops,
 * with the tone's duration (within about 15 ms); timestamp is the
 * digit's estimated first sample, counted from the detector's first.
 * A tone lost for up to 60 ms under speech or noise stays one digit; a
 * quiet pause, even of 40 ms, separates two.  So END comes about 10 ms
 * after the tone stops into quiet, 60 ms after it stops under noise.  A
 * tone that turns straight into another digit's ends there.  Events that
 * do not fit in out wait for the next call (up to 16): max_out = 2 is
 * always enough for 20 ms of audio, 4 for 120 ms. */
guint rtp_inband_detector_feed(RtpInbandDetector *det, const gint16 *pcm8k, guint n,
                               RtpDtmfEvent *out, guint max_out);

/* ---- generation ----------------------------------------------------------- */

#define RTP_INBAND_LEVEL_DBM0 -10 /* the low group tone */
#define RTP_INBAND_HIGH_GAIN_DB 2 /* the high group this much louder */
#define RTP_INBAND_GAP_MS 50      /* silence after each digit */
#define RTP_INBAND_MIN_MS 50      /* shorter digits are lengthened */
#define RTP_INBAND_MAX_MS 5000    /* longer ones are cut */
#define RTP_INBAND_DEFAULT_MS 100 /* a duration of 0 means this */

typedef struct _RtpInbandGenerator RtpInbandGenerator;

/* A generator for one stream; NULL with PBX_AUDIO_ERROR_FAILED when
 * spandsp refuses. */
RtpInbandGenerator *rtp_inband_generator_new(GError **error);
void rtp_inband_generator_free(RtpInbandGenerator *gen);

/* Plays digit for duration_ms (0: RTP_INBAND_DEFAULT_MS, clamped to
 * RTP_INBAND_MIN_MS..RTP_INBAND_MAX_MS), followed by RTP_INBAND_GAP_MS
 * of silence; a digit started while others play waits its turn
 * (RTP_DTMF_QUEUE_SIZE of them; RTP_DTMF_TX_FULL beyond). */
RtpDtmfTxStatus rtp_inband_generator_start(RtpInbandGenerator *gen, char digit, guint duration_ms);

/* Writes the tones due over the next n samples into pcm8k, REPLACING
 * what is there (the stream's own audio must not sound under a digit),
 * and returns how many samples it wrote: pcm8k[0..ret) is tone or the
 * silence between digits, pcm8k[ret..n) is left as it was; 0 when no
 * digit plays. */
guint rtp_inband_generator_fill(RtpInbandGenerator *gen, gint16 *pcm8k, guint n);

/* TRUE while a digit (or the silence after it) plays or digits wait. */
gboolean rtp_inband_generator_active(const RtpInbandGenerator *gen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RtpInbandDetector, rtp_inband_detector_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RtpInbandGenerator, rtp_inband_generator_free)

G_END_DECLS
