/* res_rtp - the playout (jitter) buffer of a decoded leg (playout.h;
 * README.md, "Jitter buffer").
 *
 * Timestamps are unwrapped to 64 bits ("ext") against the newest one
 * seen, so that ordering survives the 32-bit wrap; times are
 * microseconds.  Three positions matter:
 *
 *   queue    packets not yet decoded, in slots of a fixed pool, ordered
 *            by timestamp;
 *   next_ts  the timestamp of the next sample to decode (or conceal);
 *   fifo     decoded samples before next_ts, not yet pulled.
 *
 * The head of the output (next_ts less the fifo) and the fastest transit
 * seen give the playout delay; each pull compares it with the target and
 * plays a frame, inserts one (concealment without moving on) or drops
 * one.  Everything a pull or put needs lives in RtpPlayout.
 */
#include <string.h>

#include <carillon/carillon.h>

#include "playout.h"

/* Sizes.  SLOTS: 10 ms packets for the maximum delay, plus room for
 * reordering; WINDOW: transits the target is computed from; EXT_BASE:
 * the first unwrapped timestamp, so that backward unwraps stay > 0. */
#define SLOTS (RTP_PLAYOUT_MAX_DELAY_MS / 10 + 16)
#define WINDOW 128
#define FIFO_CAP (2 * PBX_AUDIO_MAX_SAMPLES)
#define EXT_BASE (G_GINT64_CONSTANT(1) << 32)
#define SEGMENTS 16

/* Delay control.  SAFETY_US is added to the measured spread (tick and
 * scheduling jitter); the target decreases with a time constant of
 * DECAY_MS; a delay a frame too long waits DROP_PATIENCE_MS for a frame
 * quieter than QUIET_RMS (-42 dBFS) before any frame is dropped. */
#define SAFETY_US 5000
#define DECAY_MS 2000
#define DROP_PATIENCE_MS 1000
#define QUIET_RMS 256

/* Resynchronisation: transit and timestamp both off by RESYNC_MS, a
 * packet LEAD_MAX_MS ahead of the output, an older sequence number
 * SEQ_RESTART back with a newer timestamp. */
#define RESYNC_MS 200
#define LEAD_MAX_MS (2 * RTP_PLAYOUT_MAX_DELAY_MS)
#define SEQ_RESTART 3000

/* Concealment: at most CONCEAL_MAX_MS, then silence.  The built-in one
 * repeats a pitch period (2.5-10 ms, searched on an 8 kHz grid over the
 * last HIST_MS of output) at full level for PLC_FADE_START_MS, fades
 * out by CONCEAL_MAX_MS, and cross-fades into the audio after it over
 * PLC_JOIN_MS. */
#define CONCEAL_MAX_MS 80
#define PLC_FADE_START_MS 10
#define PLC_JOIN_MS 4
#define HIST_MS 20
#define HIST_CAP (PBX_AUDIO_MAX_RATE / 1000 * HIST_MS)
#define PITCH_MIN 20
#define PITCH_MAX 80

/* What went into the fifo. */
enum {
    KIND_AUDIO = 1 << 0,
    KIND_FEC = 1 << 1,
    KIND_CONCEALED = 1 << 2,
    KIND_SILENCE = 1 << 3,
    KIND_UNDERRUN = 1 << 4, /* fill stopped: nothing queued */
};

/* A run of samples in the fifo that came the same way. */
typedef struct {
    guint n;
    guint kind;
} Segment;

typedef struct {
    gint64 ts; /* ext timestamp */
    guint16 len;
    gboolean spurt; /* starts a talk spurt: the gap before it is silence */
    guint8 data[PBX_CODEC_MAX_PAYLOAD];
} Slot;

struct _RtpPlayout {
    /* Immutable after new. */
    PbxCodecInstance *decoder;
    gboolean has_plc, has_fec;
    guint clock, rate; /* RTP clock, PCM sample rate */
    guint frame_ms, frame_samples;
    gint64 frame_us;

    /* The stream, as put() sees it. */
    gboolean started;
    guint32 ssrc;
    gboolean have_prev_ssrc;
    guint32 prev_ssrc; /* the SSRC before the last change: stragglers are late */
    guint16 prev_high_seq;
    guint16 high_seq;  /* newest sequence number */
    guint64 seen;      /* bit i: high_seq - i arrived */
    gint64 high_ts;    /* newest ext timestamp ... */
    guint32 high_ts32; /* ... and as received: the unwrap reference */
    gint64 span;       /* ts units per packet, from the last decode */

    /* Queued packets. */
    Slot slots[SLOTS];
    guint16 order[SLOTS]; /* queued slots, ascending timestamps */
    guint n_queued;
    guint16 free_slots[SLOTS];
    guint n_free;

    /* Delay. */
    gint64 transit[WINDOW]; /* arrival - timestamp, ring */
    guint n_transit, transit_pos;
    gboolean transit_dirty;
    gint64 min_transit; /* the fastest packet of the window */
    gint64 spread;      /* 98th percentile - fastest */
    gint64 target_us;
    guint drop_wait_ms; /* how long the delay has been a frame too long */

    /* Decoding. */
    gint64 next_ts;
    gboolean waiting;    /* nothing decoded yet */
    gboolean playing;    /* the output has started */
    gboolean in_silence; /* between talk spurts: fill with silence */
    guint conceal_run;   /* samples concealed since the last audio */
    gint16 fifo[FIFO_CAP];
    guint fifo_start, fifo_len;
    Segment segs[SEGMENTS]; /* what the fifo holds, oldest first */
    guint n_segs;

    /* Built-in concealment (codecs without conceal). */
    gint16 hist[HIST_CAP]; /* the last HIST_MS of output */
    gint16 plc_period_buf[HIST_CAP];
    guint plc_period, plc_pos;
    gboolean plc_active; /* it made the last samples */

    RtpPlayoutStats pub; /* relaxed atomic stores, this worker only */
};

#define PUB_SET(p, f, v) __atomic_store_n(&(p)->pub.f, (v), __ATOMIC_RELAXED)
#define PUB_GET(p, f) __atomic_load_n(&(p)->pub.f, __ATOMIC_RELAXED)
#define PUB_ADD(p, f, n) PUB_SET(p, f, PUB_GET(p, f) + (n))

/* ---- units --------------------------------------------------------------- */

static gint64
ts_to_us(const RtpPlayout *p, gint64 ts)
{
    return ts * G_USEC_PER_SEC / p->clock;
}

static gint64
us_to_ts(const RtpPlayout *p, gint64 us)
{
    return us * p->clock / G_USEC_PER_SEC;
}

static guint
ts_to_samples(const RtpPlayout *p, gint64 ts)
{
    return ts <= 0 ? 0 : (guint) (ts * p->rate / p->clock);
}

static gint64
samples_to_ts(const RtpPlayout *p, guint n)
{
    return (gint64) n * p->clock / p->rate;
}

static guint
ms_to_samples(const RtpPlayout *p, guint ms)
{
    return pbx_audio_samples_for_ms(p->rate, ms);
}

/* ---- life cycle ---------------------------------------------------------- */

static gboolean
rates_usable(const PbxCodec *codec, GError **error)
{
    if (pbx_audio_rate_is_valid(codec->sample_rate) && codec->clock_rate >= 8000
        && codec->clock_rate <= PBX_AUDIO_MAX_RATE)
        return TRUE;
    g_set_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_RATE,
                "codec %s: no playout buffer at %u Hz (RTP clock %u Hz)", codec->name,
                codec->sample_rate, codec->clock_rate);
    return FALSE;
}

RtpPlayout *
rtp_playout_new(PbxCodecInstance *decoder, guint frame_ms, GError **error)
{
    const PbxCodec *codec;
    RtpPlayout *p;

    g_return_val_if_fail(decoder != NULL, NULL);
    g_return_val_if_fail(frame_ms >= 10 && frame_ms <= 60 && frame_ms % 10 == 0, NULL);
    PBX_ASSERT_MAIN_CONTEXT();
    codec = pbx_codec_instance_get_codec(decoder);
    if (!rates_usable(codec, error))
        return NULL;
    p = g_new0(RtpPlayout, 1);
    p->decoder = decoder;
    p->has_plc = codec->conceal != NULL;
    p->has_fec = codec->decode_fec != NULL;
    p->clock = codec->clock_rate;
    p->rate = codec->sample_rate;
    p->frame_ms = frame_ms;
    p->frame_samples = ms_to_samples(p, frame_ms);
    p->frame_us = frame_ms * 1000;
    p->span = us_to_ts(p, p->frame_us);
    p->target_us = RTP_PLAYOUT_MIN_DELAY_MS * 1000;
    p->in_silence = TRUE;
    for (guint i = 0; i < SLOTS; i++)
        p->free_slots[p->n_free++] = (guint16) (SLOTS - 1 - i);
    return p;
}

void
rtp_playout_free(RtpPlayout *p)
{
    if (!p)
        return;
    PBX_ASSERT_MAIN_CONTEXT();
    g_free(p);
}

/* ---- the queue ----------------------------------------------------------- */

static Slot *
queue_at(RtpPlayout *p, guint i)
{
    return &p->slots[p->order[i]];
}

static Slot *
queue_head(RtpPlayout *p)
{
    return p->n_queued ? queue_at(p, 0) : NULL;
}

/* The first position whose packet is later than ts (usually the end). */
static guint
queue_position(RtpPlayout *p, gint64 ts)
{
    guint i = p->n_queued;

    while (i > 0 && queue_at(p, i - 1)->ts > ts)
        i--;
    return i;
}

static void
queue_insert(RtpPlayout *p, guint pos, gint64 ts, gboolean spurt, const guint8 *payload, gsize len)
{
    guint16 index = p->free_slots[--p->n_free];
    Slot *s = &p->slots[index];

    s->ts = ts;
    s->spurt = spurt;
    s->len = (guint16) len;
    memcpy(s->data, payload, len);
    memmove(&p->order[pos + 1], &p->order[pos], (p->n_queued - pos) * sizeof p->order[0]);
    p->order[pos] = index;
    p->n_queued++;
}

static void
queue_pop(RtpPlayout *p)
{
    p->free_slots[p->n_free++] = p->order[0];
    p->n_queued--;
    memmove(&p->order[0], &p->order[1], p->n_queued * sizeof p->order[0]);
}

/* Where a new timeline may start: after everything queued or decoded. */
static gint64
queue_end(RtpPlayout *p)
{
    if (!p->n_queued)
        return p->next_ts;
    return MAX(p->next_ts, queue_at(p, p->n_queued - 1)->ts + p->span);
}

/* ---- transit and target -------------------------------------------------- */

static void
observe_transit(RtpPlayout *p, gint64 transit)
{
    p->transit[p->transit_pos] = transit;
    p->transit_pos = (p->transit_pos + 1) % WINDOW;
    if (p->n_transit < WINDOW)
        p->n_transit++;
    if (p->n_transit == 1 || transit < p->min_transit)
        p->min_transit = transit;
    p->transit_dirty = TRUE;
}

/* Keeps top[0..k) the k largest values seen, descending. */
static void
top_insert(gint64 *top, guint k, gint64 v)
{
    guint i = k;

    while (i > 0 && top[i - 1] < v) {
        if (i < k)
            top[i] = top[i - 1];
        i--;
    }
    if (i < k)
        top[i] = v;
}

/* The fastest transit of the window and the spread up to its 98th
 * percentile: with 128 transits the two slowest are left out, so that
 * a lone straggler does not set the delay.  Packets later than the
 * maximum delay could never play and do not count either. */
static void
measure_spread(RtpPlayout *p)
{
    gint64 top[3] = { G_MININT64, G_MININT64, G_MININT64 };
    guint k = 1 + p->n_transit / 64;
    gint64 min = G_MAXINT64, limit;

    for (guint i = 0; i < p->n_transit; i++)
        min = MIN(min, p->transit[i]);
    limit = min + RTP_PLAYOUT_MAX_DELAY_MS * 1000;
    for (guint i = 0; i < p->n_transit; i++) {
        if (p->transit[i] <= limit)
            top_insert(top, k, p->transit[i]);
    }
    while (top[k - 1] == G_MININT64)
        k--; /* fewer playable transits than k: the fastest is one */
    p->min_transit = min;
    p->spread = top[k - 1] - min;
    p->transit_dirty = FALSE;
}

/* What the buffer must hold beyond the jitter: the rest of a frame when
 * packets are shorter than frames, and the next packet when its FEC may
 * stand in for a lost one. */
static gint64
lookahead_us(const RtpPlayout *p)
{
    gint64 span_us = ts_to_us(p, p->span);

    return MAX(p->frame_us - span_us, 0) + (p->has_fec ? span_us : 0);
}

static gint64
raw_target(const RtpPlayout *p)
{
    gint64 raw = p->spread + SAFETY_US + lookahead_us(p);

    return CLAMP(raw, RTP_PLAYOUT_MIN_DELAY_MS * 1000, RTP_PLAYOUT_MAX_DELAY_MS * 1000);
}

/* Grows at once, shrinks with a time constant of DECAY_MS. */
static void
update_target(RtpPlayout *p)
{
    gint64 raw = raw_target(p);

    if (raw >= p->target_us)
        p->target_us = raw;
    else
        p->target_us -= (p->target_us - raw) * p->frame_ms / DECAY_MS;
}

/* How long after the fastest packets the output head plays. */
static gint64
current_delay(const RtpPlayout *p, gint64 now_us)
{
    gint64 head = p->next_ts - samples_to_ts(p, p->fifo_len);

    return now_us - ts_to_us(p, head) - p->min_transit;
}

/* ---- put ----------------------------------------------------------------- */

static RtpPlayoutPut
counted(RtpPlayout *p, RtpPlayoutPut r, gboolean reordered)
{
    switch (r) {
    case RTP_PLAYOUT_QUEUED:
        PUB_ADD(p, packets, 1);
        if (reordered)
            PUB_ADD(p, reordered, 1);
        break;
    case RTP_PLAYOUT_LATE:
        PUB_ADD(p, late, 1);
        break;
    case RTP_PLAYOUT_DUPLICATE:
        PUB_ADD(p, duplicates, 1);
        break;
    case RTP_PLAYOUT_FULL:
        PUB_ADD(p, overflow, 1);
        break;
    case RTP_PLAYOUT_INVALID:
        PUB_ADD(p, invalid, 1);
        break;
    }
    return r;
}

static RtpPlayoutPut
enqueue(RtpPlayout *p, gint64 ts, gboolean spurt, const guint8 *payload, gsize len)
{
    guint pos;

    /* Until something plays, an earlier packet moves the start back. */
    if (p->waiting && ts < p->next_ts
        && p->next_ts - ts <= us_to_ts(p, RTP_PLAYOUT_MAX_DELAY_MS * 1000))
        p->next_ts = ts;
    /* Partly late packets are kept: the decoder skips what has played. */
    if (ts + p->span <= p->next_ts)
        return RTP_PLAYOUT_LATE;
    pos = queue_position(p, ts);
    if (pos > 0 && queue_at(p, pos - 1)->ts == ts)
        return RTP_PLAYOUT_DUPLICATE;
    if (!p->n_free)
        return RTP_PLAYOUT_FULL;
    queue_insert(p, pos, ts, spurt, payload, len);
    return RTP_PLAYOUT_QUEUED;
}

static void
set_reference(RtpPlayout *p, const RtpHeader *h, gint64 ts)
{
    p->high_seq = h->seq;
    p->seen = 1;
    p->high_ts = ts;
    p->high_ts32 = h->timestamp;
}

/* A timeline of its own (the first packet, a new SSRC, a timestamp
 * jump): its timestamp is mapped to when the fastest packets would have
 * brought it, or after what is queued, so that it plays the target
 * delay after it came and the old stream plays out first. */
static RtpPlayoutPut
put_new_timeline(RtpPlayout *p, const RtpHeader *h, const guint8 *payload, gsize len,
                 gint64 arrival_us)
{
    gint64 ts = (gint64) h->timestamp + EXT_BASE;

    if (p->started && h->ssrc != p->ssrc) {
        p->have_prev_ssrc = TRUE;
        p->prev_ssrc = p->ssrc;
        p->prev_high_seq = p->high_seq;
    }
    if (!p->started) {
        p->started = TRUE;
        p->waiting = TRUE;
        p->next_ts = ts;
    } else {
        ts = MAX(us_to_ts(p, arrival_us - p->min_transit), queue_end(p));
        PUB_ADD(p, resyncs, 1);
    }
    p->ssrc = h->ssrc;
    set_reference(p, h, ts);
    observe_transit(p, arrival_us - ts_to_us(p, ts));
    return counted(p, enqueue(p, ts, TRUE, payload, len), FALSE);
}

/* The transit is off by more than RESYNC_MS and either the timestamp
 * disagrees with the sequence number (a jump; silence keeps the transit,
 * a delayed packet its timestamp) or the packet could not play any more
 * (timestamps frozen over a pause, or a stall long enough that the
 * output moved on: it starts again from here rather than losing every
 * packet).  A packet too far ahead of the output to be kept (after a
 * long silence from a drifting sender, or garbage) starts over too. */
static gboolean
is_jump(const RtpPlayout *p, gint16 dseq, gint64 ts, gint64 transit)
{
    gint64 expected = p->high_ts + dseq * p->span;

    if (ts - p->next_ts > us_to_ts(p, LEAD_MAX_MS * 1000))
        return TRUE;
    if (ABS(transit - p->min_transit) <= RESYNC_MS * 1000)
        return FALSE;
    return ABS(ts - expected) > us_to_ts(p, RESYNC_MS * 1000) || ts + p->span <= p->next_ts;
}

static void
advance_seq(RtpPlayout *p, guint16 seq, gint16 dseq)
{
    p->seen = dseq >= 64 ? 1 : (p->seen << dseq) | 1;
    p->high_seq = seq;
}

/* A sequence number after every one seen.  A timestamp gap without a
 * sequence gap is silence the sender did not send: a talk spurt. */
static RtpPlayoutPut
put_newer(RtpPlayout *p, const RtpHeader *h, gint16 dseq, gint64 ts, const guint8 *payload,
          gsize len, gint64 arrival_us)
{
    gint64 transit = arrival_us - ts_to_us(p, ts);
    gboolean spurt = h->marker || (dseq == 1 && ts > p->high_ts + p->span);

    if (is_jump(p, dseq, ts, transit))
        return put_new_timeline(p, h, payload, len, arrival_us);
    advance_seq(p, h->seq, dseq);
    if (ts > p->high_ts) {
        p->high_ts = ts;
        p->high_ts32 = h->timestamp;
    }
    observe_transit(p, transit);
    return counted(p, enqueue(p, ts, spurt, payload, len), FALSE);
}

static RtpPlayoutPut
put_older(RtpPlayout *p, const RtpHeader *h, gint16 dseq, gint64 ts, const guint8 *payload,
          gsize len, gint64 arrival_us)
{
    guint age = (guint) -dseq;

    if (age < 64 && (p->seen >> age) & 1)
        return counted(p, RTP_PLAYOUT_DUPLICATE, FALSE);
    if (ts > p->high_ts && age > SEQ_RESTART) {
        p->high_seq = (guint16) (h->seq - 1);
        return put_newer(p, h, 1, ts, payload, len, arrival_us);
    }
    if (ts > p->high_ts)
        return counted(p, RTP_PLAYOUT_INVALID, FALSE);
    if (age < 64)
        p->seen |= G_GUINT64_CONSTANT(1) << age;
    observe_transit(p, arrival_us - ts_to_us(p, ts));
    return counted(p, enqueue(p, ts, FALSE, payload, len), TRUE);
}

/* Packets of the SSRC we left, older than its last one. */
static gboolean
is_straggler(const RtpPlayout *p, const RtpHeader *h)
{
    return p->have_prev_ssrc && h->ssrc == p->prev_ssrc
           && (gint16) (h->seq - p->prev_high_seq) <= 0;
}

RtpPlayoutPut
rtp_playout_put(RtpPlayout *p, const RtpHeader *h, const guint8 *payload, gsize len,
                gint64 arrival_us)
{
    gint16 dseq;
    gint64 ts;

    if (!payload || len == 0 || len > PBX_CODEC_MAX_PAYLOAD)
        return counted(p, RTP_PLAYOUT_INVALID, FALSE);
    if (p->started && is_straggler(p, h))
        return counted(p, RTP_PLAYOUT_LATE, FALSE);
    if (!p->started || h->ssrc != p->ssrc)
        return put_new_timeline(p, h, payload, len, arrival_us);
    dseq = (gint16) (h->seq - p->high_seq);
    ts = p->high_ts + (gint32) (h->timestamp - p->high_ts32);
    if (dseq > 0)
        return put_newer(p, h, dseq, ts, payload, len, arrival_us);
    return put_older(p, h, dseq, ts, payload, len, arrival_us);
}

/* ---- the PCM fifo -------------------------------------------------------- */

/* Room for the largest decode at the tail. */
static gint16 *
fifo_tail(RtpPlayout *p)
{
    if (p->fifo_start + p->fifo_len + PBX_AUDIO_MAX_SAMPLES > FIFO_CAP) {
        memmove(p->fifo, p->fifo + p->fifo_start, p->fifo_len * sizeof p->fifo[0]);
        p->fifo_start = 0;
    }
    return p->fifo + p->fifo_start + p->fifo_len;
}

/* Records that n samples of kind were added at the tail; when every
 * segment is taken the last one grows (and holds both kinds). */
static void
segments_add(RtpPlayout *p, guint n, guint kind)
{
    Segment *last = p->n_segs ? &p->segs[p->n_segs - 1] : NULL;

    if (last && (last->kind == kind || p->n_segs == SEGMENTS)) {
        last->n += n;
        last->kind |= kind;
        return;
    }
    p->segs[p->n_segs++] = (Segment) { n, kind };
}

/* The kinds of the first n samples, which leave. */
static guint
segments_take(RtpPlayout *p, guint n)
{
    guint kinds = 0;

    while (n && p->n_segs) {
        Segment *first = &p->segs[0];
        guint k = MIN(n, first->n);
        kinds |= first->kind;
        first->n -= k;
        n -= k;
        if (!first->n)
            memmove(&p->segs[0], &p->segs[1], --p->n_segs * sizeof p->segs[0]);
    }
    return kinds;
}

/* Takes n samples from the head into out (NULL: drops them); returns
 * how they came (KIND_*). */
static guint
fifo_pop(RtpPlayout *p, gint16 *out, guint n)
{
    if (out)
        memcpy(out, p->fifo + p->fifo_start, n * sizeof p->fifo[0]);
    p->fifo_start += n;
    p->fifo_len -= n;
    if (!p->fifo_len)
        p->fifo_start = 0;
    return segments_take(p, n);
}

/* ---- built-in concealment ------------------------------------------------ */

/* The lag (2.5-10 ms) at which the last 10 ms of output best matches
 * itself, searched on an 8 kHz grid whatever the rate: speech's pitch
 * period, or a whole number of a tone's. */
static guint
pitch_period(const RtpPlayout *p)
{
    guint step = p->rate / 8000, n = ms_to_samples(p, HIST_MS);
    const gint16 *x = p->hist + n - PITCH_MAX * step;
    double best_score = -1;
    guint best = PITCH_MIN * step;

    for (guint lag = PITCH_MIN * step; lag <= PITCH_MAX * step; lag += step) {
        double c = 0, e = 1;
        for (guint i = 0; i < PITCH_MAX * step; i += step) {
            c += (double) x[i] * x[(gint) i - (gint) lag];
            e += (double) x[(gint) i - (gint) lag] * x[(gint) i - (gint) lag];
        }
        if (c > 0 && c * c / e > best_score) {
            best_score = c * c / e;
            best = lag;
        }
    }
    return best;
}

static void
plc_begin(RtpPlayout *p)
{
    guint n = ms_to_samples(p, HIST_MS);

    p->plc_period = pitch_period(p);
    memcpy(p->plc_period_buf, p->hist + n - p->plc_period, p->plc_period * sizeof p->hist[0]);
    p->plc_pos = 0;
}

/* Q15 gain at sample `at` of a concealment run: full, then a linear fade
 * to silence at CONCEAL_MAX_MS. */
static gint32
plc_gain(const RtpPlayout *p, guint at)
{
    guint start = ms_to_samples(p, PLC_FADE_START_MS);
    guint end = ms_to_samples(p, CONCEAL_MAX_MS);

    if (at <= start)
        return 32768;
    if (at >= end)
        return 0;
    return (gint32) ((gint64) 32768 * (end - at) / (end - start));
}

/* Repeats the last pitch period, fading; `at` is the position in the run. */
static void
plc_generate(RtpPlayout *p, gint16 *out, guint n, guint at)
{
    if (at == 0)
        plc_begin(p);
    p->plc_active = TRUE;
    for (guint i = 0; i < n; i++) {
        out[i] = (gint16) ((p->plc_period_buf[p->plc_pos] * plc_gain(p, at + i)) >> 15);
        p->plc_pos = (p->plc_pos + 1) % p->plc_period;
    }
}

/* Audio after built-in concealment starts under a short cross-fade from
 * the concealment's continuation, not with a step. */
static void
plc_join(RtpPlayout *p, gint16 *pcm, guint n)
{
    gint16 tail[PBX_AUDIO_MAX_RATE / 1000 * PLC_JOIN_MS];
    guint m = MIN(n, ms_to_samples(p, PLC_JOIN_MS));

    plc_generate(p, tail, m, p->conceal_run);
    for (guint i = 0; i < m; i++)
        pcm[i] = (gint16) ((tail[i] * (gint32) (m - i) + pcm[i] * (gint32) i) / (gint32) m);
}

static void
remember_output(RtpPlayout *p, const gint16 *pcm, guint n)
{
    guint keep = ms_to_samples(p, HIST_MS);

    if (n >= keep) {
        memcpy(p->hist, pcm + n - keep, keep * sizeof p->hist[0]);
        return;
    }
    memmove(p->hist, p->hist + n, (keep - n) * sizeof p->hist[0]);
    memcpy(p->hist + keep - n, pcm, n * sizeof p->hist[0]);
}

/* ---- filling the fifo ---------------------------------------------------- */

static void
append(RtpPlayout *p, guint n, guint kind)
{
    p->fifo_len += n;
    segments_add(p, n, kind);
}

/* Decoded (or recovered) audio ends concealment and silence. */
static void
audio_arrived(RtpPlayout *p, gint16 *pcm, guint n, guint kind)
{
    if (p->plc_active)
        plc_join(p, pcm, n);
    p->plc_active = FALSE;
    p->conceal_run = 0;
    p->in_silence = FALSE;
    p->waiting = FALSE;
    append(p, n, kind);
}

/* Decodes the head packet, which starts at or before next_ts; what has
 * played already (of a packet that came partly late) is skipped. */
static guint
decode_head(RtpPlayout *p)
{
    Slot *s = queue_head(p);
    gint64 ts = s->ts;
    guint skip = ts_to_samples(p, p->next_ts - ts);
    gint16 *pcm = fifo_tail(p);
    gint n = pbx_codec_decode(p->decoder, s->data, s->len, pcm, PBX_AUDIO_MAX_SAMPLES);

    queue_pop(p);
    if (n <= 0) {
        PUB_ADD(p, invalid, 1);
        return 0;
    }
    p->span = samples_to_ts(p, (guint) n);
    p->next_ts = MAX(p->next_ts, ts + p->span);
    if (skip >= (guint) n)
        return 0;
    memmove(pcm, pcm + skip, (n - skip) * sizeof *pcm);
    audio_arrived(p, pcm, n - skip, KIND_AUDIO);
    return KIND_AUDIO;
}

/* Opus in-band FEC: the next packet carries the lost one again. */
static gboolean
recover_fec(RtpPlayout *p, const Slot *next, guint n)
{
    gint16 *pcm = fifo_tail(p);

    if (n > PBX_AUDIO_MAX_SAMPLES
        || pbx_codec_decode_fec(p->decoder, next->data, next->len, pcm, n) != (gint) n)
        return FALSE;
    p->next_ts = next->ts;
    audio_arrived(p, pcm, n, KIND_FEC);
    return TRUE;
}

/* n samples of concealment (the codec's, or the built-in one), or of
 * silence between talk spurts and once concealment has run
 * CONCEAL_MAX_MS.  advance: they stand for missing audio (next_ts moves
 * on); otherwise they are inserted and the delay grows. */
static guint
conceal(RtpPlayout *p, guint n, gboolean advance)
{
    gint16 *pcm = fifo_tail(p);
    guint kind = KIND_CONCEALED;

    if (p->in_silence || p->conceal_run >= ms_to_samples(p, CONCEAL_MAX_MS)) {
        memset(pcm, 0, n * sizeof *pcm);
        p->in_silence = TRUE;
        p->plc_active = FALSE;
        kind = KIND_SILENCE;
    } else if (!p->has_plc) {
        plc_generate(p, pcm, n, p->conceal_run);
    } else if (pbx_codec_conceal(p->decoder, pcm, n) != (gint) n) {
        memset(pcm, 0, n * sizeof *pcm);
    }
    if (kind == KIND_CONCEALED)
        p->conceal_run += n;
    if (advance)
        p->next_ts += samples_to_ts(p, n);
    append(p, n, kind);
    return kind;
}

/* The packet at next_ts is missing and `next` is the one after the gap:
 * a talk spurt starts after silence (jump), the delay is too long (skip
 * the gap), FEC covers it, or concealment does. */
static guint
cover_gap(RtpPlayout *p, const Slot *next, guint need, gint64 *skip_us)
{
    gint64 gap = next->ts - p->next_ts;
    gint64 gap_us = ts_to_us(p, gap);
    guint n = ts_to_samples(p, gap);

    if (next->spurt || n == 0) {
        p->in_silence |= next->spurt;
        p->next_ts = next->ts;
        return 0;
    }
    if (gap_us <= *skip_us) {
        *skip_us -= gap_us;
        p->next_ts = next->ts;
        PUB_ADD(p, dropped, (guint64) ((gap_us + p->frame_us - 1) / p->frame_us));
        return 0;
    }
    if (p->has_fec && gap <= p->span && recover_fec(p, next, n))
        return KIND_FEC;
    return conceal(p, MIN(n, need - p->fifo_len), TRUE);
}

/* Nothing queued: a delay spike or the end of a talk spurt.  While the
 * concealment runs (and the delay allows) the output waits for the
 * packet instead of giving it up; after that it moves on in silence. */
static guint
cover_underrun(RtpPlayout *p, guint need, gint64 cur)
{
    gboolean hold = !p->in_silence && p->conceal_run < ms_to_samples(p, CONCEAL_MAX_MS)
                    && cur < RTP_PLAYOUT_MAX_DELAY_MS * 1000;

    return conceal(p, need - p->fifo_len, !hold);
}

/* Brings the fifo to need samples.  peek: stop rather than cover an
 * underrun (KIND_UNDERRUN).  Gaps up to *skip_us are skipped. */
static guint
fill(RtpPlayout *p, guint need, gint64 cur, gint64 *skip_us, gboolean peek)
{
    guint kinds = 0;

    while (p->fifo_len < need) {
        Slot *s = queue_head(p);
        if (s && s->ts <= p->next_ts)
            kinds |= decode_head(p);
        else if (s)
            kinds |= cover_gap(p, s, need, skip_us);
        else if (peek)
            return kinds | KIND_UNDERRUN;
        else
            kinds |= cover_underrun(p, need, cur);
    }
    return kinds;
}

/* ---- delay control ------------------------------------------------------- */

static gboolean
frame_is_quiet(const gint16 *pcm, guint n)
{
    gint64 sum = 0;

    for (guint i = 0; i < n; i++)
        sum += (gint32) pcm[i] * pcm[i];
    return sum < (gint64) QUIET_RMS * QUIET_RMS * n;
}

/* Plays two frames as one, the first fading into the second (a tone
 * keeps its phase over a whole number of periods; speech hardly notices
 * at a quiet frame), if both are there without an underrun. */
static gboolean
drop_frame(RtpPlayout *p, gint64 cur, gboolean forced)
{
    guint f = p->frame_samples;
    gint64 no_skip = 0;
    gint16 *a, *b;

    if (fill(p, 2 * f, cur, &no_skip, TRUE) & KIND_UNDERRUN)
        return FALSE;
    a = p->fifo + p->fifo_start;
    if (!forced && !frame_is_quiet(a, f))
        return FALSE;
    b = a + f;
    for (guint i = 0; i < f; i++)
        b[i] = (gint16) ((a[i] * (gint32) (f - i) + b[i] * (gint32) i) / (gint32) f);
    fifo_pop(p, NULL, f);
    PUB_ADD(p, dropped, 1);
    return TRUE;
}

/* A frame of what is due.  A delay a frame and a quarter over the
 * target is brought down by skipping a gap, or by dropping a quiet
 * frame; after DROP_PATIENCE_MS, or three frames over, any frame. */
static void
play_frame(RtpPlayout *p, gint64 cur)
{
    gint64 excess = cur - p->target_us;
    gboolean want = excess >= p->frame_us + p->frame_us / 4;
    gint64 budget = want ? excess : 0, skip_us = budget;
    gboolean forced;

    p->drop_wait_ms = want ? p->drop_wait_ms + p->frame_ms : 0;
    forced = excess >= 3 * p->frame_us || p->drop_wait_ms >= DROP_PATIENCE_MS
             || cur > RTP_PLAYOUT_MAX_DELAY_MS * 1000;
    fill(p, p->frame_samples, cur, &skip_us, FALSE);
    if (want && skip_us == budget && drop_frame(p, cur, forced))
        p->drop_wait_ms = 0;
}

/* A frame of concealment before what is due: the delay grows by one
 * frame.  Silence, before the stream or between talk spurts, is free. */
static void
insert_frame(RtpPlayout *p)
{
    if (conceal(p, p->frame_samples - p->fifo_len, FALSE) == KIND_CONCEALED)
        PUB_ADD(p, inserted, 1);
}

/* The delay ran far past the maximum (the worker stalled, or a burst
 * came): the output moves on to the target at once, and what would have
 * played in between is dropped (and counted, in frames). */
static gint64
shed_excess(RtpPlayout *p, gint64 cur, gint64 now_us)
{
    gint64 excess = cur - p->target_us;
    gint64 discarded = samples_to_ts(p, p->fifo_len);

    fifo_pop(p, NULL, p->fifo_len);
    p->next_ts += us_to_ts(p, excess) - discarded;
    while (queue_head(p) && queue_head(p)->ts + p->span <= p->next_ts) {
        queue_pop(p);
        discarded += p->span;
    }
    PUB_ADD(p, dropped, (guint64) ((ts_to_us(p, discarded) + p->frame_us / 2) / p->frame_us));
    return current_delay(p, now_us);
}

/* A talk spurt waits in the queue after silence: the output heads for
 * it, so that its delay is measured from it. */
static void
jump_to_spurt(RtpPlayout *p)
{
    Slot *s = queue_head(p);

    if (p->fifo_len < p->frame_samples && s && s->spurt && s->ts > p->next_ts) {
        p->next_ts = s->ts;
        p->in_silence = TRUE;
    }
}

/* Only decoding tells the first packet's duration, and the target
 * depends on it (a 60 ms Opus packet: one more held for FEC): once the
 * output could start, the first packet is decoded and the target
 * raised, before the output really starts. */
static void
learn_span(RtpPlayout *p, gint64 cur)
{
    Slot *s = queue_head(p);

    if (p->waiting && cur >= p->target_us && s && s->ts <= p->next_ts) {
        decode_head(p);
        p->target_us = MAX(p->target_us, raw_target(p));
    }
}

/* ---- pull ---------------------------------------------------------------- */

static RtpPlayoutResult
result_of(guint kinds)
{
    if (kinds & KIND_CONCEALED)
        return RTP_PLAYOUT_CONCEALED;
    if (kinds & KIND_FEC)
        return RTP_PLAYOUT_FEC;
    if (kinds & KIND_AUDIO)
        return RTP_PLAYOUT_AUDIO;
    return RTP_PLAYOUT_SILENCE;
}

static void
publish(RtpPlayout *p, gint64 cur, RtpPlayoutResult r)
{
    PUB_SET(p, delay_ms, (guint32) (MAX(cur, 0) / 1000));
    PUB_SET(p, target_ms, (guint32) (p->target_us / 1000));
    PUB_SET(p, jitter_ms, (guint32) (p->spread / 1000));
    switch (r) {
    case RTP_PLAYOUT_AUDIO:
        PUB_ADD(p, frames_audio, 1);
        break;
    case RTP_PLAYOUT_FEC:
        PUB_ADD(p, frames_fec, 1);
        break;
    case RTP_PLAYOUT_CONCEALED:
        PUB_ADD(p, frames_concealed, 1);
        break;
    case RTP_PLAYOUT_SILENCE:
        PUB_ADD(p, frames_silence, 1);
        break;
    }
}

/* Silence before the output starts, past the fifo (where the first
 * packet may wait decoded). */
static RtpPlayoutResult
emit_silence(RtpPlayout *p, PbxAudioFrame *out, gint64 cur)
{
    memset(out->samples, 0, p->frame_samples * sizeof out->samples[0]);
    publish(p, cur, RTP_PLAYOUT_SILENCE);
    return RTP_PLAYOUT_SILENCE;
}

/* Moves the head frame of the fifo out. */
static RtpPlayoutResult
emit(RtpPlayout *p, PbxAudioFrame *out, gint64 cur)
{
    RtpPlayoutResult r = result_of(fifo_pop(p, out->samples, p->frame_samples));

    if (!p->has_plc)
        remember_output(p, out->samples, p->frame_samples);
    publish(p, cur, r);
    return r;
}

RtpPlayoutResult
rtp_playout_pull(RtpPlayout *p, gint64 now_us, PbxAudioFrame *out)
{
    gint64 cur;

    out->rate = p->rate;
    out->n_samples = p->frame_samples;
    if (!p->started)
        return emit_silence(p, out, 0);
    if (p->transit_dirty)
        measure_spread(p);
    update_target(p);
    jump_to_spurt(p);
    cur = current_delay(p, now_us);
    learn_span(p, cur);
    if (cur > RTP_PLAYOUT_MAX_DELAY_MS * 1000 + p->frame_us)
        cur = shed_excess(p, cur, now_us);
    if (cur < p->target_us && !p->playing)
        return emit_silence(p, out, cur);
    p->playing = TRUE;
    if (cur < p->target_us && p->fifo_len < p->frame_samples)
        insert_frame(p);
    else
        play_frame(p, cur);
    return emit(p, out, cur);
}

/* ---- statistics ---------------------------------------------------------- */

void
rtp_playout_get_stats(const RtpPlayout *p, RtpPlayoutStats *out)
{
#define LOAD(f) out->f = PUB_GET(p, f)
    LOAD(delay_ms);
    LOAD(target_ms);
    LOAD(jitter_ms);
    LOAD(packets);
    LOAD(reordered);
    LOAD(late);
    LOAD(duplicates);
    LOAD(overflow);
    LOAD(invalid);
    LOAD(frames_audio);
    LOAD(frames_fec);
    LOAD(frames_concealed);
    LOAD(frames_silence);
    LOAD(inserted);
    LOAD(dropped);
    LOAD(resyncs);
#undef LOAD
}

const char *
rtp_playout_result_to_string(RtpPlayoutResult r)
{
    switch (r) {
    case RTP_PLAYOUT_AUDIO:
        return "audio";
    case RTP_PLAYOUT_FEC:
        return "fec";
    case RTP_PLAYOUT_CONCEALED:
        return "concealed";
    case RTP_PLAYOUT_SILENCE:
        return "silence";
    }
    return "?";
}
