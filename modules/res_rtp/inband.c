/* res_rtp - in-band DTMF through spandsp's dtmf_rx and dtmf_tx (see
 * inband.h).
 *
 * Durations: spandsp reports a tone through its realtime callback when it
 * has confirmed it over two of its 102-sample blocks, and its end after
 * about one more.  Audio is fed so that each dtmf_rx() call ends on a
 * block boundary, so the callback's position is known to the sample.
 * Measured over 6,400 generated digits (40-440 ms, every digit, -3 to
 * -26 dBm0, random alignment to the blocks), the tone was reported
 * 17 ms after it began and its end 8.5 ms after it stopped; taking those
 * off gives durations within -13..+12 ms.
 */
#include <spandsp.h>

#include <carillon/frame.h>

#include "inband.h"

#define RATE 8000
#define BLOCK 102                     /* spandsp's DTMF block */
#define ON_DELAY (17 * RATE / 1000)   /* samples from tone start to its report */
#define OFF_DELAY (85 * RATE / 10000) /* from tone end to its report */
#define PENDING 16
/* Speech or noise over a tone makes spandsp lose it for a few blocks (up
 * to 51 ms seen): a tone that stops and comes back within BRIDGE is one
 * digit, unless the audio went quiet in between (a block QUIET_RATIO
 * below the tone), which is a real pause: ITU-T Q.24 senders may pause
 * for only 40 ms, which spandsp can report as 25. */
#define BRIDGE (60 * RATE / 1000)
#define QUIET_RATIO 8 /* 9 dB */

struct _RtpInbandDetector {
    dtmf_rx_state_t *rx;
    guint64 pos;         /* samples fed, at the end of the current dtmf_rx() call */
    char digit;          /* the tone in progress, 0: none */
    guint64 start;       /* its estimated first sample */
    guint64 tone_energy; /* of a block of it */
    gboolean ending;     /* it stopped at `off`: ended unless back within BRIDGE */
    guint64 off;
    guint64 acc;        /* sum of squares of the block being fed */
    guint64 last_block; /* of the latest complete block */
    RtpDtmfEvent pending[PENDING];
    guint head, count;
};

struct _RtpInbandGenerator {
    dtmf_tx_state_t *tx;
    RtpDtmfQueue queue;
    guint remaining; /* samples left of the digit in progress and its gap */
};

/* ---- detection ------------------------------------------------------------ */

/* Keeps an event for the next feed's out; when the ring is full (nobody
 * collected 16 events) the oldest goes. */
static void
detector_push(RtpInbandDetector *det, RtpDtmfPhase phase, guint duration_ms)
{
    RtpDtmfEvent *ev;

    if (det->count == PENDING) {
        det->head = (det->head + 1) % PENDING;
        det->count--;
    }
    ev = &det->pending[(det->head + det->count++) % PENDING];
    ev->phase = phase;
    ev->digit = det->digit;
    ev->event = (guint8) rtp_dtmf_event_from_digit(det->digit);
    ev->duration_ms = duration_ms;
    ev->timestamp = (guint32) det->start;
}

static void
detector_end(RtpInbandDetector *det)
{
    guint64 end = det->off > OFF_DELAY ? det->off - OFF_DELAY : 0;
    guint64 samples = end > det->start ? end - det->start : 0;

    detector_push(det, RTP_DTMF_END, (guint) MIN(samples * 1000 / RATE, G_MAXUINT));
    det->digit = 0;
    det->ending = FALSE;
}

static void
detector_begin(RtpInbandDetector *det, char digit)
{
    det->digit = digit;
    det->tone_energy = det->last_block;
    det->start = det->pos > ON_DELAY ? det->pos - ON_DELAY : 0;
    detector_push(det, RTP_DTMF_BEGIN, ON_DELAY * 1000 / RATE);
}

/* spandsp's realtime callback: code is the digit now heard, 0 for none.
 * A stop only marks the digit as ending (see BRIDGE). */
static void
detector_tone(void *data, int code, int level, int delay)
{
    RtpInbandDetector *det = data;
    char digit =
        code > 0 && code < 128 && rtp_dtmf_event_from_digit((char) code) >= 0 ? (char) code : 0;

    if (det->ending && digit == det->digit) {
        det->ending = FALSE;
        return;
    }
    if (det->digit != 0 && !det->ending) {
        det->ending = TRUE;
        det->off = det->pos;
    }
    if (digit == 0)
        return;
    if (det->digit != 0)
        detector_end(det);
    detector_begin(det, digit);
}

RtpInbandDetector *
rtp_inband_detector_new(GError **error)
{
    RtpInbandDetector *det = g_new0(RtpInbandDetector, 1);

    det->rx = dtmf_rx_init(NULL, NULL, NULL);
    if (det->rx == NULL) {
        g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_FAILED,
                    "spandsp could not create a DTMF detector");
        g_free(det);
        return NULL;
    }
    dtmf_rx_set_realtime_callback(det->rx, detector_tone, det);
    dtmf_rx_parms(det->rx, FALSE, RTP_INBAND_TWIST_DB, RTP_INBAND_REVERSE_TWIST_DB,
                  RTP_INBAND_THRESHOLD_DBM0);
    return det;
}

void
rtp_inband_detector_free(RtpInbandDetector *det)
{
    if (det == NULL)
        return;
    dtmf_rx_free(det->rx);
    g_free(det);
}

static guint64
sum_of_squares(const gint16 *pcm, guint n)
{
    guint64 sum = 0;

    for (guint i = 0; i < n; i++)
        sum += (guint64) ((gint32) pcm[i] * pcm[i]);
    return sum;
}

/* After each block: a digit that stopped ends at a quiet block, or when
 * it has not come back within BRIDGE. */
static void
detector_block_done(RtpInbandDetector *det)
{
    gboolean quiet = det->last_block * QUIET_RATIO < det->tone_energy;

    if (det->ending && (quiet || det->pos - det->off >= BRIDGE))
        detector_end(det);
}

static guint
detector_collect(RtpInbandDetector *det, RtpDtmfEvent *out, guint max_out)
{
    guint n = 0;

    for (; n < max_out && det->count > 0; n++) {
        out[n] = det->pending[det->head];
        det->head = (det->head + 1) % PENDING;
        det->count--;
    }
    return n;
}

guint
rtp_inband_detector_feed(RtpInbandDetector *det, const gint16 *pcm8k, guint n, RtpDtmfEvent *out,
                         guint max_out)
{
    guint done = 0;

    g_return_val_if_fail(det != NULL && (pcm8k != NULL || n == 0), 0);
    /* Each call to dtmf_rx() ends on a block boundary: the callback then
     * fires at det->pos exactly, and last_block is that block's. */
    while (done < n) {
        guint k = MIN(n - done, BLOCK - (guint) (det->pos % BLOCK));
        gboolean block_done = (det->pos + k) % BLOCK == 0;

        det->acc += sum_of_squares(pcm8k + done, k);
        det->pos += k;
        if (block_done) {
            det->last_block = det->acc;
            det->acc = 0;
        }
        dtmf_rx(det->rx, pcm8k + done, (int) k);
        done += k;
        if (block_done)
            detector_block_done(det);
    }
    return detector_collect(det, out, max_out);
}

/* ---- generation ----------------------------------------------------------- */

RtpInbandGenerator *
rtp_inband_generator_new(GError **error)
{
    RtpInbandGenerator *gen = g_new0(RtpInbandGenerator, 1);

    gen->tx = dtmf_tx_init(NULL);
    if (gen->tx == NULL) {
        g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_FAILED,
                    "spandsp could not create a DTMF generator");
        g_free(gen);
        return NULL;
    }
    dtmf_tx_set_level(gen->tx, RTP_INBAND_LEVEL_DBM0, RTP_INBAND_HIGH_GAIN_DB);
    return gen;
}

void
rtp_inband_generator_free(RtpInbandGenerator *gen)
{
    if (gen == NULL)
        return;
    dtmf_tx_free(gen->tx);
    g_free(gen);
}

RtpDtmfTxStatus
rtp_inband_generator_start(RtpInbandGenerator *gen, char digit, guint duration_ms)
{
    guint ms = duration_ms ? duration_ms : RTP_INBAND_DEFAULT_MS;

    g_return_val_if_fail(gen != NULL, RTP_DTMF_TX_INVALID);
    if (rtp_dtmf_event_from_digit(digit) < 0)
        return RTP_DTMF_TX_INVALID;
    ms = CLAMP(ms, RTP_INBAND_MIN_MS, RTP_INBAND_MAX_MS);
    if (!rtp_dtmf_queue_push(&gen->queue, g_ascii_toupper(digit), (guint16) ms))
        return RTP_DTMF_TX_FULL;
    return RTP_DTMF_TX_OK;
}

/* Hands spandsp the next digit, alone, with its own duration: its queue
 * would play them all with one timing. */
static gboolean
generator_next_digit(RtpInbandGenerator *gen)
{
    char digit;
    guint16 ms;

    if (!rtp_dtmf_queue_pop(&gen->queue, &digit, &ms))
        return FALSE;
    dtmf_tx_set_timing(gen->tx, ms, RTP_INBAND_GAP_MS);
    dtmf_tx_put(gen->tx, &digit, 1);
    gen->remaining = (guint) (ms + RTP_INBAND_GAP_MS) * (RATE / 1000);
    return TRUE;
}

guint
rtp_inband_generator_fill(RtpInbandGenerator *gen, gint16 *pcm8k, guint n)
{
    guint done = 0;

    g_return_val_if_fail(gen != NULL && (pcm8k != NULL || n == 0), 0);
    while (done < n && (gen->remaining > 0 || generator_next_digit(gen))) {
        guint k = MIN(n - done, gen->remaining);
        int got = dtmf_tx(gen->tx, pcm8k + done, (int) k);

        /* spandsp writes the gap as zeros too; should it stop short, the
         * rest of the slot is silence all the same. */
        for (guint i = got > 0 ? (guint) got : 0; i < k; i++)
            pcm8k[done + i] = 0;
        done += k;
        gen->remaining -= k;
    }
    return done;
}

gboolean
rtp_inband_generator_active(const RtpInbandGenerator *gen)
{
    return gen->remaining > 0 || gen->queue.count > 0;
}
