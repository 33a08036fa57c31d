/* Carillon - unit tests of the playout (jitter) buffer (res_rtp/playout.c)
 * with real codecs loaded from the tree: G.711 mu-law, which has no
 * concealment of its own (the buffer's built-in one covers), and Opus
 * (PLC and in-band FEC).
 *
 * A scenario encodes a 1 kHz tone into RTP packets, gives each an
 * arrival time (network delay, jitter, reordering, loss, a sender clock
 * running fast or slow), and plays them into a buffer pulled every frame
 * period on a simulated clock.  The output is judged against the codec's
 * own decode of the packets (bit-exact where nothing is missing), by the
 * tone's frequency and share per frame, and by the buffer's statistics.
 *
 * ../alloc_count.h counts allocations to show that put and pull
 * allocate nothing; under valgrind and ASan that test skips. */
#include <stdlib.h>
#include <string.h>

#include "../alloc_count.h"
#include "../audio_check.h"
#include "../../../core/module_private.h"
#include "../../../modules/res_rtp/playout.h"

/* ---- packets ------------------------------------------------------------- */

#define TONE 1000
#define LEVEL 10000
#define LATENCY_US 5000 /* network delay of the fastest packet */
#define SSRC 0x11223344u

typedef struct {
    RtpHeader h;
    gint64 arrival_us;
    guint index; /* order sent: sorting is stable */
    gboolean lost;
    guint16 len;
    guint8 data[PBX_CODEC_MAX_PAYLOAD];
} Packet;

/* How a sender encodes and times its packets. */
typedef struct {
    const char *codec;
    const char *fmtp; /* the far end's, for our encoder (Opus FEC) */
    guint ptime_ms;
    guint seconds;
    guint32 ts0;
    guint16 seq0;
    guint32 ssrc;
    gint64 t0_us;    /* when the first packet is sent */
    double skew;     /* +0.005: the sender's clock runs 0.5 % fast */
    gboolean speech; /* a speech-like sound instead of the tone */
} Sender;

static void
sender_init(Sender *s, const char *codec, guint ptime_ms, guint seconds)
{
    *s = (Sender) { .codec = codec,
                    .ptime_ms = ptime_ms,
                    .seconds = seconds,
                    .ts0 = 1000,
                    .seq0 = 100,
                    .ssrc = SSRC,
                    .t0_us = 1000000 };
}

/* Vowels: harmonics of a voice gliding around 150 Hz, loudness rising
 * and falling three times a second.  Opus' voice activity detection
 * takes most of it for speech and so adds FEC (not to a steady tone). */
static void
speechlike(gint16 *pcm, guint n, guint rate)
{
    double phase = 0;

    for (guint i = 0; i < n; i++) {
        double t = (double) i / rate, v = 0;
        phase += 2 * G_PI * (150 + 30 * sin(2 * G_PI * 2.3 * t)) / rate;
        for (guint k = 1; k <= 12; k++)
            v += sin(k * phase + k) / k;
        pcm[i] = (gint16) lrint(5000 * (0.55 - 0.45 * cos(2 * G_PI * 3 * t)) * v);
    }
}

static Packet *
packet_at(GArray *packets, guint i)
{
    return &g_array_index(packets, Packet, i);
}

/* The tone in packets, each stamped with when it is sent (arrival is
 * that plus LATENCY_US until a scenario changes it). */
static GArray *
sender_encode(const Sender *s)
{
    g_autoptr(PbxCodecInstance) enc = audio_instance(s->codec, s->fmtp);
    guint rate = pbx_codec_instance_get_codec(enc)->sample_rate;
    guint clock = pbx_codec_instance_get_codec(enc)->clock_rate;
    guint n = rate / 1000 * s->ptime_ms, count = s->seconds * 1000 / s->ptime_ms;
    g_autofree gint16 *pcm = g_new(gint16, (gsize) n * count);
    GArray *packets = g_array_sized_new(FALSE, TRUE, sizeof(Packet), count);

    if (s->speech)
        speechlike(pcm, n * count, rate);
    else
        audio_tone(pcm, n * count, rate, TONE, LEVEL);
    g_array_set_size(packets, count);
    for (guint i = 0; i < count; i++) {
        Packet *pk = packet_at(packets, i);
        gint len = pbx_codec_encode(enc, pcm + (gsize) i * n, n, pk->data, sizeof pk->data);
        g_assert_cmpint(len, >, 0);
        pk->len = (guint16) len;
        pk->index = i;
        pk->h = (RtpHeader) { .seq = (guint16) (s->seq0 + i),
                              .timestamp = s->ts0 + i * (clock / 1000 * s->ptime_ms),
                              .ssrc = s->ssrc,
                              .marker = i == 0 };
        pk->arrival_us =
            s->t0_us + (gint64) (i * s->ptime_ms * 1000.0 / (1 + s->skew)) + LATENCY_US;
    }
    return packets;
}

/* What a decoder makes of the packets in order, none missing. */
static GArray *
reference_decode(const char *codec, GArray *packets)
{
    g_autoptr(PbxCodecInstance) dec = audio_instance(codec, NULL);
    GArray *ref = g_array_new(FALSE, FALSE, sizeof(gint16));
    gint16 pcm[PBX_AUDIO_MAX_SAMPLES];

    for (guint i = 0; i < packets->len; i++) {
        Packet *pk = packet_at(packets, i);
        gint n = pbx_codec_decode(dec, pk->data, pk->len, pcm, G_N_ELEMENTS(pcm));
        g_assert_cmpint(n, >, 0);
        g_array_append_vals(ref, pcm, (guint) n);
    }
    return ref;
}

static gint
by_arrival(gconstpointer a, gconstpointer b)
{
    const Packet *x = a, *y = b;

    if (x->arrival_us != y->arrival_us)
        return x->arrival_us < y->arrival_us ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Adds up to max_us of uniform random delay to packets [from, to). */
static void
add_jitter(GArray *packets, GRand *rand, guint from, guint to, gint64 max_us)
{
    for (guint i = from; i < MIN(to, packets->len); i++)
        packet_at(packets, i)->arrival_us += (gint64) g_rand_double_range(rand, 0, max_us);
}

/* ---- a call: the buffer on a simulated clock --------------------------- */

typedef struct {
    PbxCodecInstance *dec;
    RtpPlayout *p;
    guint rate, frame; /* frame: samples per pull */
    gint64 frame_us;
    gint64 now_us;   /* the next pull */
    guint next;      /* next packet to put */
    GArray *out;     /* gint16, everything pulled */
    GArray *results; /* RtpPlayoutResult per pull */
    GArray *delays;  /* delay_ms per pull */
    guint max_queued_delay;
    PbxAudioFrame frame_buf;
} Call;

/* The first pull at first_pull_us (a phase unrelated to the packets). */
static Call *
call_new(const char *codec, guint frame_ms, gint64 first_pull_us)
{
    Call *c = g_new0(Call, 1);
    g_autoptr(GError) error = NULL;

    c->dec = audio_instance(codec, NULL);
    c->p = rtp_playout_new(c->dec, frame_ms, &error);
    g_assert_no_error(error);
    g_assert_nonnull(c->p);
    c->rate = pbx_codec_instance_get_codec(c->dec)->sample_rate;
    c->frame = c->rate / 1000 * frame_ms;
    c->frame_us = frame_ms * 1000;
    c->now_us = first_pull_us;
    c->out = g_array_new(FALSE, FALSE, sizeof(gint16));
    c->results = g_array_new(FALSE, FALSE, sizeof(RtpPlayoutResult));
    c->delays = g_array_new(FALSE, FALSE, sizeof(guint32));
    return c;
}

static void
call_free(Call *c)
{
    rtp_playout_free(c->p);
    pbx_codec_instance_free(c->dec);
    g_array_unref(c->out);
    g_array_unref(c->results);
    g_array_unref(c->delays);
    g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Call, call_free)

static void
call_pull(Call *c)
{
    RtpPlayoutResult r = rtp_playout_pull(c->p, c->now_us, &c->frame_buf);
    RtpPlayoutStats st;

    g_assert_cmpuint(c->frame_buf.n_samples, ==, c->frame);
    g_assert_cmpuint(c->frame_buf.rate, ==, c->rate);
    g_array_append_vals(c->out, c->frame_buf.samples, c->frame);
    g_array_append_val(c->results, r);
    rtp_playout_get_stats(c->p, &st);
    g_array_append_val(c->delays, st.delay_ms);
    c->now_us += c->frame_us;
}

/* Puts what has arrived by each pull, then pulls, until until_us.  The
 * packets must be sorted by arrival; lost ones are skipped. */
static void
call_run(Call *c, GArray *packets, gint64 until_us)
{
    while (c->now_us < until_us) {
        for (; c->next < packets->len && packet_at(packets, c->next)->arrival_us <= c->now_us;
             c->next++) {
            Packet *pk = packet_at(packets, c->next);
            if (!pk->lost)
                rtp_playout_put(c->p, &pk->h, pk->data, pk->len, pk->arrival_us);
        }
        call_pull(c);
    }
}

static RtpPlayoutResult
result_at(const Call *c, guint i)
{
    return g_array_index(c->results, RtpPlayoutResult, i);
}

static guint
count_results(const Call *c, guint from, guint to, RtpPlayoutResult r)
{
    guint n = 0;

    for (guint i = from; i < MIN(to, c->results->len); i++)
        n += result_at(c, i) == r;
    return n;
}

static guint
first_result(const Call *c, guint from, RtpPlayoutResult r)
{
    for (guint i = from; i < c->results->len; i++) {
        if (result_at(c, i) == r)
            return i;
    }
    return G_MAXUINT;
}

static const gint16 *
frame_pcm(const Call *c, guint i)
{
    return &g_array_index(c->out, gint16, (gsize) i * c->frame);
}

/* Share of frames in [from, to) that are mostly the tone. */
static double
tone_frames(const Call *c, guint from, guint to)
{
    guint good = 0;

    for (guint i = from; i < to; i++)
        good += audio_tone_share(frame_pcm(c, i), c->frame, c->rate, TONE) > 0.9;
    return (double) good / (to - from);
}

static double
tone_frequency(const Call *c, guint from, guint to)
{
    return audio_zero_crossing_freq(frame_pcm(c, from), (to - from) * c->frame, c->rate, 1000);
}

static guint
frame_at_time(const Call *c, gint64 first_pull_us, gint64 t_us)
{
    return (guint) ((t_us - first_pull_us + c->frame_us - 1) / c->frame_us);
}

static RtpPlayoutStats
stats_of(const Call *c)
{
    RtpPlayoutStats st;

    rtp_playout_get_stats(c->p, &st);
    return st;
}

static void
log_stats(const char *what, const RtpPlayoutStats *s)
{
    g_test_message("%s: delay %u ms, target %u ms, jitter %u ms; packets %" G_GUINT64_FORMAT
                   " (reordered %" G_GUINT64_FORMAT "), late %" G_GUINT64_FORMAT
                   ", duplicates %" G_GUINT64_FORMAT ", overflow %" G_GUINT64_FORMAT
                   ", invalid %" G_GUINT64_FORMAT "; frames audio %" G_GUINT64_FORMAT
                   " fec %" G_GUINT64_FORMAT " concealed %" G_GUINT64_FORMAT
                   " silence %" G_GUINT64_FORMAT "; inserted %" G_GUINT64_FORMAT
                   " dropped %" G_GUINT64_FORMAT " resyncs %" G_GUINT64_FORMAT,
                   what, s->delay_ms, s->target_ms, s->jitter_ms, s->packets, s->reordered, s->late,
                   s->duplicates, s->overflow, s->invalid, s->frames_audio, s->frames_fec,
                   s->frames_concealed, s->frames_silence, s->inserted, s->dropped, s->resyncs);
}

/* Output frames from first on equal ref from ref_at on, for n samples. */
static void
assert_bit_exact(const Call *c, guint first, GArray *ref, guint ref_at, guint n)
{
    const gint16 *out = frame_pcm(c, first);
    const gint16 *expect = &g_array_index(ref, gint16, ref_at);

    g_assert_cmpuint((gsize) first * c->frame + n, <=, c->out->len);
    g_assert_cmpuint(ref_at + n, <=, ref->len);
    for (guint i = 0; i < n; i++) {
        if (out[i] != expect[i])
            g_error("sample %u after frame %u: %d, expected %d", i, first, out[i], expect[i]);
    }
}

/* ---- (a) no jitter: bit-exact ------------------------------------------ */

static void
check_clean_from(const char *codec, guint ptime_ms, guint frame_ms, guint32 ts0, guint16 seq0)
{
    Sender s;
    g_autoptr(GArray) packets = NULL;
    g_autoptr(GArray) ref = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 7300;
    guint start, n_frames;
    RtpPlayoutStats st;

    sender_init(&s, codec, ptime_ms, 4);
    s.ts0 = ts0;
    s.seq0 = seq0;
    packets = sender_encode(&s);
    ref = reference_decode(codec, packets);
    c = call_new(codec, frame_ms, first_pull);
    call_run(c, packets, packet_at(packets, packets->len - 1)->arrival_us + 1);
    start = first_result(c, 0, RTP_PLAYOUT_AUDIO);
    g_assert_cmpuint(start, <, 5);
    n_frames = c->results->len - start - 2;
    g_assert_cmpuint(count_results(c, 0, start, RTP_PLAYOUT_SILENCE), ==, start);
    g_assert_cmpuint(count_results(c, start, start + n_frames, RTP_PLAYOUT_AUDIO), ==, n_frames);
    assert_bit_exact(c, start, ref, 0, n_frames * c->frame);
    st = stats_of(c);
    g_test_message("%s, ptime %u, frame %u: audio from frame %u (%u ms)", codec, ptime_ms, frame_ms,
                   start, start * frame_ms);
    log_stats("clean", &st);
    g_assert_cmpuint(st.late + st.duplicates + st.overflow + st.invalid, ==, 0);
    g_assert_cmpuint(st.inserted + st.dropped + st.frames_concealed + st.resyncs, ==, 0);
    /* Opus holds one packet more, for FEC. */
    g_assert_cmpuint(
        st.target_ms, ==,
        MAX(RTP_PLAYOUT_MIN_DELAY_MS, 5 + (g_str_equal(codec, "opus") ? ptime_ms : 0)
                                          + (ptime_ms < frame_ms ? frame_ms - ptime_ms : 0)));
}

static void
check_clean(const char *codec, guint ptime_ms, guint frame_ms)
{
    check_clean_from(codec, ptime_ms, frame_ms, 1000, 100);
}

static void
test_clean_bit_exact(void)
{
    static const guint ptimes[] = { 10, 20, 30, 40, 60, 120 };

    for (guint i = 0; i < G_N_ELEMENTS(ptimes); i++)
        check_clean("ulaw", ptimes[i], 20);
    check_clean("ulaw", 20, 10);
    check_clean("ulaw", 20, 30);
    check_clean("ulaw", 60, 40);
    /* G.722: 16 kHz audio on an 8 kHz RTP clock. */
    check_clean("g722", 20, 20);
    check_clean("g722", 30, 20);
    check_clean("opus", 20, 20);
    check_clean("opus", 10, 20);
    check_clean("opus", 60, 20);
}

/* ---- (b) jitter and reordering ----------------------------------------- */

/* 20 s with up to 60 ms of random delay (packets overtake each other),
 * then 20 s of a calm network: the tone plays on throughout, the target
 * grows to cover the jitter and comes down after it. */
static void
test_jitter_adapts(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(4711);
    g_autoptr(GArray) packets = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 11700, calm;
    RtpPlayoutStats jittery, settled;
    guint start, frames;
    double freq, share;
    Sender s;

    sender_init(&s, "ulaw", 20, 40);
    packets = sender_encode(&s);
    add_jitter(packets, rand, 0, 1000, 60000);
    add_jitter(packets, rand, 1000, 2000, 2000);
    g_array_sort(packets, by_arrival);
    c = call_new("ulaw", 20, first_pull);
    calm = s.t0_us + 20 * G_USEC_PER_SEC;
    call_run(c, packets, calm);
    jittery = stats_of(c);
    call_run(c, packets, s.t0_us + 40 * G_USEC_PER_SEC);
    settled = stats_of(c);
    log_stats("after 20 s of 0-60 ms jitter", &jittery);
    log_stats("after 20 s more of 0-2 ms", &settled);

    start = first_result(c, 0, RTP_PLAYOUT_AUDIO);
    frames = c->results->len - start;
    freq = tone_frequency(c, start, c->results->len);
    share = tone_frames(c, start, c->results->len);
    g_test_message("from frame %u: %.2f Hz, %.1f %% of frames the tone, %u concealed", start, freq,
                   100 * share, count_results(c, start, c->results->len, RTP_PLAYOUT_CONCEALED));
    g_assert_cmpfloat_with_epsilon(freq, TONE, TONE * 0.005);
    g_assert_cmpfloat(share, >, 0.98);
    g_assert_cmpuint(settled.frames_concealed, <, frames / 50);
    g_assert_cmpuint(settled.late, <, 2000 / 50);
    g_assert_cmpuint(jittery.reordered, >, 100);
    g_assert_cmpuint(jittery.target_ms, >=, 55);
    g_assert_cmpuint(jittery.target_ms, <=, 80);
    g_assert_cmpuint(jittery.jitter_ms, >=, 50);
    g_assert_cmpuint(settled.target_ms, <=, 30);
    g_assert_cmpuint(settled.delay_ms, <=, settled.target_ms + 30);
    g_assert_cmpuint(settled.late - jittery.late, ==, 0);
}

/* ---- (c) loss: Opus FEC and PLC ---------------------------------------- */

/* Correlation of frame i of a with the frame of b it stands for:
 * inserted, dropped and held frames shift the output by whole frames,
 * so the best of b's frames i - 2 .. i + 2. */
static double
frame_correlation(const Call *a, const Call *b, guint i)
{
    double best = -1;

    for (guint j = MAX(i, 2) - 2; j <= i + 2 && j < b->results->len; j++)
        best = MAX(best, audio_correlation_at(frame_pcm(a, i), frame_pcm(b, j), a->frame, 0));
    return best;
}

/* Frames of kind r that match the lossless output (correlation > 0.95). */
static guint
count_matching(const Call *lossy, const Call *clean, guint from, RtpPlayoutResult r)
{
    guint n = 0;

    for (guint i = from; i < lossy->results->len - 2; i++)
        n += result_at(lossy, i) == r && frame_correlation(lossy, clean, i) > 0.95;
    return n;
}

/* Mean correlation with the lossless output over the frames of kind r
 * (all kinds: r < 0). */
static double
mean_correlation(const Call *lossy, const Call *clean, guint from, gint r, guint *n)
{
    double sum = 0;

    *n = 0;
    for (guint i = from; i < lossy->results->len - 2; i++) {
        if (r >= 0 && result_at(lossy, i) != (RtpPlayoutResult) r)
            continue;
        sum += frame_correlation(lossy, clean, i);
        (*n)++;
    }
    return *n ? sum / *n : 0;
}

/* 5 % of the packets lost at random, a little jitter: each packet
 * carries the one before it again (useinbandfec=1), so FEC recovers a
 * loss unless the next packet is lost too, and PLC covers the rest.
 * Speech-like sound, not the tone: libopus adds FEC only to what its
 * voice activity detection takes for speech. */
static void
test_loss_fec_plc(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(1234);
    g_autoptr(GArray) packets = NULL;
    g_autoptr(Call) lossy = NULL;
    g_autoptr(Call) clean = NULL;
    gint64 first_pull = 1000000 + 3100, end;
    guint lost = 0, n_fec, n_plc, n_all, start, fec_good;
    double all, fec, plc;
    RtpPlayoutStats st;
    Sender s;

    sender_init(&s, "opus", 20, 20);
    s.fmtp = "useinbandfec=1";
    s.speech = TRUE;
    packets = sender_encode(&s);
    add_jitter(packets, rand, 0, packets->len, 3000);
    for (guint i = 10; i < packets->len; i++) {
        packet_at(packets, i)->lost = g_rand_double(rand) < 0.05;
        lost += packet_at(packets, i)->lost;
    }
    g_array_sort(packets, by_arrival);
    end = s.t0_us + 20 * G_USEC_PER_SEC;
    lossy = call_new("opus", 20, first_pull);
    call_run(lossy, packets, end);
    for (guint i = 0; i < packets->len; i++)
        packet_at(packets, i)->lost = FALSE;
    clean = call_new("opus", 20, first_pull);
    call_run(clean, packets, end);

    st = stats_of(lossy);
    log_stats("opus, 5 % loss", &st);
    start = first_result(lossy, 0, RTP_PLAYOUT_AUDIO) + 5;
    all = mean_correlation(lossy, clean, start, -1, &n_all);
    fec_good = count_matching(lossy, clean, start, RTP_PLAYOUT_FEC);
    fec = mean_correlation(lossy, clean, start, RTP_PLAYOUT_FEC, &n_fec);
    plc = mean_correlation(lossy, clean, start, RTP_PLAYOUT_CONCEALED, &n_plc);
    g_test_message(
        "%u packets lost: %u frames recovered by FEC (correlation with the lossless "
        "output %.3f; %u above 0.95), %u concealed (%.3f); all frames %.4f",
        lost, n_fec, fec, fec_good, n_plc, plc, all);
    g_assert_cmpuint(lost, >, 30);
    g_assert_cmpuint(st.frames_fec, >=, lost * 8 / 10);
    g_assert_cmpuint(st.frames_fec + st.frames_concealed, >=, lost);
    g_assert_cmpuint(st.frames_concealed, <=, lost * 2 / 10 + 3);
    g_assert_cmpuint(st.late, ==, 0);
    /* libopus leaves FEC out of packets its VAD finds inactive (about a
     * quarter here): decode_fec conceals those.  The others match. */
    g_assert_cmpuint(fec_good, >=, n_fec / 2);
    g_assert_cmpfloat(all, >, 0.97);
    g_assert_cmpuint(stats_of(clean).frames_fec + stats_of(clean).frames_concealed, ==, 0);
}

/* ---- (d) clock skew ---------------------------------------------------- */

static guint32
max_delay_from(const Call *c, guint from)
{
    guint32 max = 0;

    for (guint i = from; i < c->delays->len; i++)
        max = MAX(max, g_array_index(c->delays, guint32, i));
    return max;
}

/* A sender whose clock runs 0.5 % fast sends 60.3 s of audio in our
 * 60 s, a slow one 59.7 s: the buffer drops or inserts a frame about
 * every 4 s (15 in all) and its delay stays within its band. */
static void
check_skew(double skew)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(99);
    g_autoptr(GArray) packets = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 13900;
    RtpPlayoutStats st;
    guint start, expected = 15;
    guint32 max_delay;
    Sender s;

    sender_init(&s, "ulaw", 20, 60);
    s.skew = skew;
    packets = sender_encode(&s);
    add_jitter(packets, rand, 0, packets->len, 2000);
    g_array_sort(packets, by_arrival);
    c = call_new("ulaw", 20, first_pull);
    call_run(c, packets, packet_at(packets, packets->len - 1)->arrival_us + 1);
    st = stats_of(c);
    start = first_result(c, 0, RTP_PLAYOUT_AUDIO);
    max_delay = max_delay_from(c, start);
    g_test_message("skew %+.1f %%: max delay %u ms", 100 * skew, max_delay);
    log_stats("skew", &st);
    g_assert_cmpuint(max_delay, <=, st.target_ms + 60);
    g_assert_cmpuint(st.target_ms, ==, RTP_PLAYOUT_MIN_DELAY_MS);
    g_assert_cmpuint(skew > 0 ? st.dropped : st.inserted, >=, expected - 3);
    g_assert_cmpuint(skew > 0 ? st.dropped : st.inserted, <=, expected + 3);
    g_assert_cmpuint(skew > 0 ? st.inserted : st.dropped, ==, 0);
    g_assert_cmpuint(st.frames_concealed, ==, st.inserted);
    g_assert_cmpuint(st.late + st.overflow + st.resyncs, ==, 0);
    g_assert_cmpfloat(tone_frames(c, start, c->results->len), >, 0.99);
}

static void
test_clock_skew(void)
{
    check_skew(+0.005);
    check_skew(-0.005);
}

/* ---- (e) duplicates and very late packets ------------------------------ */

static void
send_again(GArray *packets, guint i, gint64 after_us)
{
    Packet copy = *packet_at(packets, i);

    copy.arrival_us += after_us;
    copy.index = packets->len;
    g_array_append_val(packets, copy);
}

/* Every 10th packet comes twice (5 ms apart), every 100th once more
 * after it played; every 50th comes 500 ms late.  Each is dropped and
 * counted; the late ones do not raise the target. */
static void
test_duplicates_and_late(void)
{
    g_autoptr(GArray) packets = NULL;
    g_autoptr(Call) c = NULL;
    guint n = 500, dups = 0, late = 0;
    RtpPlayoutStats st;
    Sender s;

    sender_init(&s, "ulaw", 20, 10);
    packets = sender_encode(&s);
    for (guint i = 1; i < n; i++) {
        if (i % 10 == 0) {
            send_again(packets, i, 5000);
            dups++;
        }
        if (i % 100 == 0) {
            send_again(packets, i, 200000);
            dups++;
        }
        if (i % 50 == 25) {
            packet_at(packets, i)->arrival_us += 500000;
            late++;
        }
    }
    g_array_sort(packets, by_arrival);
    c = call_new("ulaw", 20, 1000000 + 9000);
    call_run(c, packets, s.t0_us + 10 * G_USEC_PER_SEC + 30000);
    st = stats_of(c);
    log_stats("duplicates and late", &st);
    g_assert_cmpuint(st.duplicates, ==, dups);
    g_assert_cmpuint(st.late, ==, late);
    g_assert_cmpuint(st.packets, ==, n - late);
    g_assert_cmpuint(st.frames_concealed, <=, late + 2);
    g_assert_cmpuint(st.target_ms, <, 30);
    g_assert_cmpfloat(tone_frames(c, 2, 495), >, 0.97);
}

/* ---- (f) talk spurts, SSRC changes, timestamp jumps -------------------- */

/* Sender b continues after a (its first packet sent gap_us after a's
 * last would be followed). */
static void
sender_follow(Sender *b, const Sender *a, gint64 gap_us)
{
    *b = *a;
    b->ts0 = a->ts0 + a->seconds * 8000 + (guint32) (gap_us / 125);
    b->seq0 = (guint16) (a->seq0 + a->seconds * 50);
    b->t0_us = a->t0_us + a->seconds * G_USEC_PER_SEC + gap_us;
}

static GArray *
join(GArray *a, GArray *b)
{
    for (guint i = 0; i < b->len; i++) {
        Packet *pk = packet_at(b, i);
        pk->index += a->len;
    }
    g_array_append_vals(a, b->data, b->len);
    return a;
}

/* Plays a's packets then b's; returns the output frame in which b's
 * first packet arrives. */
static guint
play_two(Call *c, GArray *a, GArray *b, gint64 first_pull)
{
    gint64 b_arrival = packet_at(b, 0)->arrival_us;
    g_autoptr(GArray) all = join(g_array_ref(a), b);
    gint64 end = packet_at(all, all->len - 1)->arrival_us + 1;

    call_run(c, all, end);
    return frame_at_time(c, first_pull, b_arrival);
}

/* Silence suppression: 2 s of tone, 1 s with no packets, 2 s more whose
 * first packet has the marker bit (or, without it, only the timestamp
 * gap tells).  The new spurt plays within two frames of arriving, from
 * its first sample, and the silence is not concealed. */
static void
check_talk_spurt(gboolean marker)
{
    Sender a, b;
    g_autoptr(GArray) first = NULL;
    g_autoptr(GArray) second = NULL;
    g_autoptr(GArray) ref = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 4400;
    guint arrive, play;
    RtpPlayoutStats st;

    sender_init(&a, "ulaw", 20, 2);
    sender_follow(&b, &a, G_USEC_PER_SEC);
    first = sender_encode(&a);
    second = sender_encode(&b);
    packet_at(second, 0)->h.marker = marker;
    ref = reference_decode("ulaw", second);
    c = call_new("ulaw", 20, first_pull);
    arrive = play_two(c, first, second, first_pull);
    play = first_result(c, arrive, RTP_PLAYOUT_AUDIO);
    st = stats_of(c);
    g_test_message("marker %d: spurt arrives in frame %u, plays from frame %u", marker, arrive,
                   play);
    log_stats("talk spurt", &st);
    g_assert_cmpuint(play - arrive, <=, 2);
    g_assert_cmpuint(count_results(c, play, c->results->len, RTP_PLAYOUT_AUDIO), ==,
                     c->results->len - play);
    assert_bit_exact(c, play, ref, 0, (c->results->len - play) * c->frame);
    g_assert_cmpuint(st.frames_concealed, <=, 80 / 20);
    g_assert_cmpuint(st.resyncs + st.late, ==, 0);
}

/* At 2 s the stream switches to another SSRC, sequence and timestamp
 * base (a transfer, a re-INVITE to another source), or the same SSRC's
 * timestamps jump, with or without a pause (gap_us) between: there is
 * audio before the switch, and again within two frames of the first
 * packet after it. */
static void
check_new_timeline(guint32 ssrc, guint32 ts_shift, gint64 gap_us)
{
    Sender a, b;
    g_autoptr(GArray) first = NULL;
    g_autoptr(GArray) second = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 15100;
    guint arrive, ends, play;
    RtpPlayoutStats st;

    sender_init(&a, "ulaw", 20, 2);
    sender_follow(&b, &a, gap_us);
    b.ssrc = ssrc;
    b.ts0 += ts_shift;
    if (ssrc != a.ssrc)
        b.seq0 = 40000;
    first = sender_encode(&a);
    second = sender_encode(&b);
    packet_at(second, 0)->h.marker = FALSE;
    c = call_new("ulaw", 20, first_pull);
    ends = frame_at_time(c, first_pull, packet_at(first, first->len - 1)->arrival_us);
    arrive = play_two(c, first, second, first_pull);
    play = first_result(c, arrive, RTP_PLAYOUT_AUDIO);
    st = stats_of(c);
    g_test_message("ssrc %08x, timestamps %+d, pause %d ms: switch in frame %u, audio from %u",
                   ssrc, (gint32) ts_shift, (gint) (gap_us / 1000), arrive, play);
    log_stats("new timeline", &st);
    g_assert_cmpuint(count_results(c, 2, ends, RTP_PLAYOUT_AUDIO), ==, ends - 2);
    g_assert_cmpuint(play - arrive, <=, 2);
    g_assert_cmpuint(count_results(c, play, c->results->len, RTP_PLAYOUT_AUDIO), ==,
                     c->results->len - play);
    g_assert_cmpuint(st.resyncs, ==, 1);
    g_assert_cmpuint(st.late, ==, 0);
    g_assert_cmpfloat(tone_frames(c, play, c->results->len), >, 0.99);
}

static void
test_resync(void)
{
    check_talk_spurt(TRUE);
    check_talk_spurt(FALSE);
    check_new_timeline(0xcafef00d, 0x9e3779b9, 0);             /* new SSRC */
    check_new_timeline(0xcafef00d, 0x9e3779b9, 700000);        /* after a pause */
    check_new_timeline(SSRC, 1000000, 0);                      /* jump forward */
    check_new_timeline(SSRC, (guint32) -500000, 0);            /* and back */
    check_new_timeline(SSRC, (guint32) -8000, G_USEC_PER_SEC); /* frozen over a pause */
}

/* ---- (g) no allocation ------------------------------------------------- */

/* Puts and pulls, recording nothing (recording would allocate). */
static void
run_quiet(RtpPlayout *p, GArray *packets, gint64 first_pull, gint64 frame_us)
{
    static PbxAudioFrame frame;
    gint64 end = packet_at(packets, packets->len - 1)->arrival_us + 1;
    guint next = 0;

    for (gint64 now = first_pull; now < end; now += frame_us) {
        for (; next < packets->len && packet_at(packets, next)->arrival_us <= now; next++) {
            Packet *pk = packet_at(packets, next);
            if (!pk->lost)
                rtp_playout_put(p, &pk->h, pk->data, pk->len, pk->arrival_us);
        }
        rtp_playout_pull(p, now, &frame);
    }
}

/* 10,000 packets with everything at once: jitter, reordering, 3 % loss,
 * duplicates, timestamps and sequence numbers wrapping, an SSRC change
 * half way. */
static GArray *
rough_stream(const char *codec, const char *fmtp, guint ptime_ms)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(777);
    GArray *packets;
    Sender s;

    sender_init(&s, codec, ptime_ms, 10000 * ptime_ms / 1000);
    s.fmtp = fmtp;
    s.ts0 = G_MAXUINT32 - 100000;
    s.seq0 = 65000;
    packets = sender_encode(&s);
    add_jitter(packets, rand, 0, packets->len, 60000);
    for (guint i = 0; i < 10000; i++) {
        Packet *pk = packet_at(packets, i);
        pk->lost = g_rand_double(rand) < 0.03;
        if (i >= 5000)
            pk->h.ssrc = 0x5eed;
        if (i % 37 == 0)
            send_again(packets, i, 3000);
    }
    g_array_sort(packets, by_arrival);
    return packets;
}

static void
check_no_allocation(const char *codec, const char *fmtp, guint ptime_ms)
{
    g_autoptr(GArray) packets = rough_stream(codec, fmtp, ptime_ms);
    g_autoptr(PbxCodecInstance) dec = audio_instance(codec, NULL);
    g_autoptr(RtpPlayout) p = rtp_playout_new(dec, 20, NULL);
    RtpPlayoutStats st;
    guint n;

    count_from_here();
    run_quiet(p, packets, 1000000 + 2500, 20000);
    n = counted();
    rtp_playout_get_stats(p, &st);
    log_stats(codec, &st);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmpuint(st.packets, >, 9000);
    g_assert_cmpuint(st.resyncs, ==, 1);
    g_assert_cmpuint(st.duplicates, >, 200);
    g_assert_cmpuint(st.overflow + st.invalid, ==, 0);
}

static void
test_no_allocation(void)
{
    if (!interposed()) {
        g_test_skip("malloc is not interposed (valgrind or ASan?)");
        return;
    }
    check_no_allocation("ulaw", NULL, 20);
    check_no_allocation("opus", "useinbandfec=1", 10);
}

/* ---- (h) hostile input ------------------------------------------------- */

static void
test_bad_packets(void)
{
    g_autoptr(PbxCodecInstance) dec = audio_instance("ulaw", NULL);
    g_autoptr(RtpPlayout) p = rtp_playout_new(dec, 20, NULL);
    static guint8 big[PBX_CODEC_MAX_PAYLOAD + 1];
    static PbxAudioFrame frame;
    RtpHeader h = { .seq = 1, .timestamp = 0, .ssrc = 1 };
    RtpPlayoutStats st;

    g_assert_cmpint(rtp_playout_pull(p, 0, &frame), ==, RTP_PLAYOUT_SILENCE);
    g_assert_cmpint(rtp_playout_put(p, &h, big, 0, 0), ==, RTP_PLAYOUT_INVALID);
    g_assert_cmpint(rtp_playout_put(p, &h, big, sizeof big, 0), ==, RTP_PLAYOUT_INVALID);
    g_assert_cmpint(rtp_playout_put(p, &h, NULL, 160, 0), ==, RTP_PLAYOUT_INVALID);
    /* The largest payload: 175 ms of G.711, longer than any frame. */
    g_assert_cmpint(rtp_playout_put(p, &h, big, PBX_CODEC_MAX_PAYLOAD, 0), ==, RTP_PLAYOUT_QUEUED);
    g_assert_cmpint(rtp_playout_put(p, &h, big, 160, 0), ==, RTP_PLAYOUT_DUPLICATE);
    h.seq = 0; /* older sequence number, later timestamp: a lie */
    h.timestamp = 160;
    g_assert_cmpint(rtp_playout_put(p, &h, big, 160, 0), ==, RTP_PLAYOUT_INVALID);
    for (guint i = 0; i < 20; i++)
        rtp_playout_pull(p, i * 20000, &frame);
    rtp_playout_get_stats(p, &st);
    g_assert_cmpuint(st.invalid, ==, 4);
    g_assert_cmpuint(st.duplicates, ==, 1);
    g_assert_cmpuint(st.frames_audio, >=, 8);
    g_assert_cmpuint(st.frames_audio + st.frames_concealed + st.frames_silence, ==, 21);
}

/* Timestamps crossing 2^32 and sequence numbers crossing 2^16 in the
 * first second: still bit-exact. */
static void
test_wrap(void)
{
    check_clean_from("ulaw", 20, 20, G_MAXUINT32 - 160 * 25 + 1, 65535 - 20);
    check_clean_from("ulaw", 30, 20, G_MAXUINT32 - 240 * 3, 65534);
    check_clean_from("opus", 20, 20, G_MAXUINT32 - 960 * 10, 65530);
}

/* Random packets: three SSRCs, any sequence number, timestamp, marker,
 * length and payload, a thousand a second for 10 s; then a clean
 * stream, which plays as if nothing had happened before it. */
static void
check_garbage(const char *codec)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(31337);
    g_autoptr(GArray) garbage = g_array_sized_new(FALSE, TRUE, sizeof(Packet), 10000);
    g_autoptr(GArray) clean = NULL;
    g_autoptr(Call) c = NULL;
    gint64 first_pull = 1000000 + 6000, t_clean = 1000000 + 10 * G_USEC_PER_SEC;
    RtpPlayoutStats before, after;
    guint from;
    Sender s;

    g_array_set_size(garbage, 10000);
    for (guint i = 0; i < garbage->len; i++) {
        Packet *pk = packet_at(garbage, i);
        pk->h = (RtpHeader) { .ssrc = g_rand_int_range(rand, 1, 4),
                              .seq = (guint16) g_rand_int(rand),
                              .timestamp = g_rand_int(rand),
                              .marker = g_rand_boolean(rand) };
        pk->len = (guint16) g_rand_int_range(rand, 1, PBX_CODEC_MAX_PAYLOAD + 1);
        for (guint j = 0; j < pk->len; j++)
            pk->data[j] = (guint8) g_rand_int(rand);
        pk->arrival_us = 1000000 + i * 1000;
        pk->index = i;
    }
    sender_init(&s, codec, 20, 4);
    s.t0_us = t_clean;
    clean = sender_encode(&s);
    c = call_new(codec, 20, first_pull);
    call_run(c, garbage, t_clean);
    before = stats_of(c);
    c->next = 0;
    call_run(c, clean, packet_at(clean, clean->len - 1)->arrival_us + 1);
    after = stats_of(c);
    log_stats("garbage", &before);
    log_stats("then a clean stream", &after);
    from = frame_at_time(c, first_pull, t_clean + 2 * G_USEC_PER_SEC);
    g_assert_cmpuint(count_results(c, from, c->results->len, RTP_PLAYOUT_AUDIO), ==,
                     c->results->len - from);
    g_assert_cmpfloat(tone_frames(c, from, c->results->len), >, 0.99);
    g_assert_cmpuint(after.overflow, ==, before.overflow);
    g_assert_cmpuint(after.late, ==, before.late);
    g_assert_cmpuint(after.resyncs, ==, before.resyncs + 1);
}

static void
test_garbage(void)
{
    check_garbage("ulaw");
    check_garbage("opus");
}

/* ---- main ---------------------------------------------------------------- */

int
main(int argc, char **argv)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("the jitter buffer under reordering, loss, clock skew and hostile input");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_modules_init(mods);
    g_assert_nonnull(pbx_module_load("codec_g711", &error));
    g_assert_no_error(error);
    g_assert_nonnull(pbx_module_load("codec_opus", &error));
    g_assert_no_error(error);
    g_assert_nonnull(pbx_module_load("codec_g722", &error));
    g_assert_no_error(error);
    g_test_add_func("/rtp/playout/clean-bit-exact", test_clean_bit_exact);
    g_test_add_func("/rtp/playout/jitter-adapts", test_jitter_adapts);
    g_test_add_func("/rtp/playout/loss-fec-plc", test_loss_fec_plc);
    g_test_add_func("/rtp/playout/clock-skew", test_clock_skew);
    g_test_add_func("/rtp/playout/duplicates-late", test_duplicates_and_late);
    g_test_add_func("/rtp/playout/resync", test_resync);
    g_test_add_func("/rtp/playout/no-allocation", test_no_allocation);
    g_test_add_func("/rtp/playout/bad-packets", test_bad_packets);
    g_test_add_func("/rtp/playout/wrap", test_wrap);
    g_test_add_func("/rtp/playout/garbage", test_garbage);
    return g_test_run();
}
