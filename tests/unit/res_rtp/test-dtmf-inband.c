/* Carillon - unit tests of in-band DTMF (res_rtp/inband.c): our generator
 * checked by spandsp's own detector, our detector fed with tones made
 * here (durations, levels, noise), and audio that must give no digit
 * (silence, a 1 kHz tone, speech-like sound, noise). */
#include <math.h>
#include <spandsp.h>
#include <string.h>

#include "../../../modules/res_rtp/inband.h"
#include "../audio_check.h"

#define RATE 8000
#define DIGITS "0123456789*#ABCD"

static const double row_hz[] = { 697, 770, 852, 941 };
static const double col_hz[] = { 1209, 1336, 1477, 1633 };
static const char keypad[4][5] = { "123A", "456B", "789C", "*0#D" };

/* Amplitude of a sine at level dBm0 (G.711: a full-scale sine is +3.14). */
static double
dbm0_amplitude(double level)
{
    return 32767.0 * pow(10, (level - 3.14) / 20);
}

/* The row (low) and column (high) frequencies of digit. */
static void
digit_freqs(char digit, double *low, double *high)
{
    for (guint r = 0; r < 4; r++)
        for (guint c = 0; c < 4; c++)
            if (keypad[r][c] == digit) {
                *low = row_hz[r];
                *high = col_hz[c];
                return;
            }
    g_assert_not_reached();
}

/* Adds digit to pcm[0..n), its low tone at low dBm0, its high at high. */
static void
add_digit_twisted(gint16 *pcm, guint n, char digit, double low, double high)
{
    double f1, f2, a1 = dbm0_amplitude(low), a2 = dbm0_amplitude(high);

    digit_freqs(digit, &f1, &f2);
    for (guint i = 0; i < n; i++) {
        double v = pcm[i] + a1 * sin(2 * G_PI * f1 * i / RATE) + a2 * sin(2 * G_PI * f2 * i / RATE);

        pcm[i] = (gint16) CLAMP(lrint(v), -32768, 32767);
    }
}

/* Adds digit's two tones at level dBm0 each to pcm[0..n). */
static void
add_digit(gint16 *pcm, guint n, char digit, double level)
{
    add_digit_twisted(pcm, n, digit, level, level);
}

/* Gaussian noise of the given RMS added to pcm. */
static void
add_noise(gint16 *pcm, guint n, double rms, GRand *rand)
{
    for (guint i = 0; i < n; i += 2) {
        double u1 = g_rand_double_range(rand, 1e-12, 1), u2 = g_rand_double(rand);
        double r = rms * sqrt(-2 * log(u1));

        pcm[i] = (gint16) CLAMP(lrint(pcm[i] + r * cos(2 * G_PI * u2)), -32768, 32767);
        if (i + 1 < n)
            pcm[i + 1] = (gint16) CLAMP(lrint(pcm[i + 1] + r * sin(2 * G_PI * u2)), -32768, 32767);
    }
}

/* A speech-like sound at -15 dBm0 RMS (a loud talker): a glottal pulse
 * train whose pitch glides between 90 and 250 Hz, through three formant
 * resonators that move to a new vowel every 120 ms, in syllables of
 * 200 ms, with fricative noise between them.  Its harmonics sweep across
 * every DTMF frequency. */
static void
make_speech(gint16 *pcm, guint n, GRand *rand)
{
    static const double vowels[][3] = {
        { 730, 1090, 2440 }, { 270, 2290, 3010 }, { 300, 870, 2240 },
        { 530, 1840, 2480 }, { 570, 840, 2410 },  { 660, 1720, 2410 },
    };
    double y[3][2] = { { 0 } }, phase = 0, sum = 0, scale;
    const double *f = vowels[0];
    double *v = g_new(double, n);

    for (guint i = 0; i < n; i++) {
        double t = (double) i / RATE, pitch = 170 + 80 * sin(2 * G_PI * 0.7 * t);
        double env = pow(sin(G_PI * fmod(t, 0.2) / 0.2), 2), x;

        if (i % (RATE * 120 / 1000) == 0)
            f = vowels[g_rand_int_range(rand, 0, G_N_ELEMENTS(vowels))];
        phase += pitch / RATE;
        x = phase >= 1 ? 1 : 0;
        phase -= floor(phase);
        for (guint k = 0; k < 3; k++) {
            double r = 0.97, c = 2 * r * cos(2 * G_PI * f[k] / RATE);
            double out = x + c * y[k][0] - r * r * y[k][1];

            y[k][1] = y[k][0];
            y[k][0] = out;
        }
        v[i] = (y[0][0] + 0.6 * y[1][0] + 0.3 * y[2][0]) * env
               + g_rand_double_range(rand, -0.3, 0.3) * (1 - env);
        sum += v[i] * v[i];
    }
    /* The RMS of a sine at -15 dBm0 (its amplitude / sqrt 2). */
    scale = dbm0_amplitude(-15) / sqrt(2) / sqrt(sum / n);
    for (guint i = 0; i < n; i++)
        pcm[i] = (gint16) CLAMP(lrint(v[i] * scale), -32768, 32767);
    g_free(v);
}

/* Everything the detector says about pcm, fed in chunks of `chunk`. */
static guint
detect(const gint16 *pcm, guint n, guint chunk, RtpDtmfEvent *ev, guint max_ev)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RtpInbandDetector) det = rtp_inband_detector_new(&error);
    guint got = 0;

    g_assert_no_error(error);
    for (guint i = 0; i < n; i += chunk) {
        RtpDtmfEvent out[8];
        guint k = rtp_inband_detector_feed(det, pcm + i, MIN(chunk, n - i), out, 8);

        for (guint j = 0; j < k && got < max_ev; j++)
            ev[got++] = out[j];
    }
    return got;
}

/* The digits of the END events, as a string. */
static char *
ended_digits(const RtpDtmfEvent *ev, guint n)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < n; i++)
        if (ev[i].phase == RTP_DTMF_END)
            g_string_append_c(s, ev[i].digit);
    return g_string_free(s, FALSE);
}

/* Each digit a BEGIN then an END with the same digit and timestamp. */
static void
assert_paired(const RtpDtmfEvent *ev, guint n)
{
    g_assert_cmpuint(n % 2, ==, 0);
    for (guint i = 0; i < n; i += 2) {
        g_assert_cmpint(ev[i].phase, ==, RTP_DTMF_BEGIN);
        g_assert_cmpint(ev[i + 1].phase, ==, RTP_DTMF_END);
        g_assert_cmpint(ev[i].digit, ==, ev[i + 1].digit);
        g_assert_cmpuint(ev[i].event, ==, (guint) rtp_dtmf_event_from_digit(ev[i].digit));
        g_assert_cmpuint(ev[i].timestamp, ==, ev[i + 1].timestamp);
    }
}

/* Our generator's output for digits (each for ms[i]), as one buffer. */
static gint16 *
generate(const char *digits, const guint *ms, guint *n_out)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RtpInbandGenerator) gen = rtp_inband_generator_new(&error);
    gint16 *pcm = g_new0(gint16, RATE * 30);
    guint n = 0, k;

    g_assert_no_error(error);
    for (guint i = 0; digits[i]; i++)
        g_assert_cmpint(rtp_inband_generator_start(gen, digits[i], ms[i]), ==, RTP_DTMF_TX_OK);
    while ((k = rtp_inband_generator_fill(gen, pcm + n, 160)) > 0)
        n += k;
    g_assert_false(rtp_inband_generator_active(gen));
    *n_out = n + RATE / 10; /* and 100 ms of silence */
    return pcm;
}

static void
test_generate_spandsp_detects(void)
{
    const guint ms[16] = {
        50, 60, 70, 80, 100, 120, 150, 200, 250, 300, 400, 500, 60, 80, 90, 110
    };
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, NULL, NULL);
    guint n;
    g_autofree gint16 *pcm = generate(DIGITS, ms, &n);
    char got[32] = "";
    guint total_ms = 0;

    /* Slots of digit + 50 ms gap, nothing else. */
    for (guint i = 0; i < 16; i++)
        total_ms += ms[i] + RTP_INBAND_GAP_MS;
    g_assert_cmpuint(n, ==, total_ms * 8 + RATE / 10);
    dtmf_rx(rx, pcm, (int) n);
    dtmf_rx_get(rx, got, sizeof got - 1);
    g_assert_cmpstr(got, ==, DIGITS);
    dtmf_rx_free(rx);
}

static void
test_generate_detect_durations(void)
{
    const guint ms[16] = {
        50, 60, 70, 80, 100, 120, 150, 200, 250, 300, 400, 500, 60, 80, 90, 110
    };
    RtpDtmfEvent ev[64];
    guint n, got;
    g_autofree gint16 *pcm = generate(DIGITS, ms, &n);
    g_autofree char *digits = NULL;

    got = detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
    assert_paired(ev, got);
    digits = ended_digits(ev, got);
    g_assert_cmpstr(digits, ==, DIGITS);
    for (guint i = 0; i < 16; i++) {
        g_assert_cmpint(abs((gint) ev[2 * i + 1].duration_ms - (gint) ms[i]), <=, 20);
        g_test_message("%c %u ms -> %u ms", DIGITS[i], ms[i], ev[2 * i + 1].duration_ms);
    }
}

static void
test_generator(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RtpInbandGenerator) gen = rtp_inband_generator_new(&error);
    gint16 pcm[1000];

    g_assert_no_error(error);
    g_assert_false(rtp_inband_generator_active(gen));
    for (guint i = 0; i < G_N_ELEMENTS(pcm); i++)
        pcm[i] = 1234;
    g_assert_cmpuint(rtp_inband_generator_fill(gen, pcm, 160), ==, 0);
    g_assert_cmpint(pcm[0], ==, 1234);
    g_assert_cmpint(rtp_inband_generator_start(gen, 'x', 100), ==, RTP_DTMF_TX_INVALID);
    /* 0 ms is 100 ms; 10 ms is raised to 50; lower case is fine. */
    g_assert_cmpint(rtp_inband_generator_start(gen, '5', 0), ==, RTP_DTMF_TX_OK);
    g_assert_cmpint(rtp_inband_generator_start(gen, 'a', 10), ==, RTP_DTMF_TX_OK);
    g_assert_true(rtp_inband_generator_active(gen));
    /* The first 100 ms: tone, replacing what was there. */
    g_assert_cmpuint(rtp_inband_generator_fill(gen, pcm, 800), ==, 800);
    g_assert_cmpfloat(fabs(pcm[400] - 1234.0) + fabs(pcm[401] - 1234.0), >, 0);
    /* Then 50 ms of gap, 'A' for 50 ms, its gap: 1200 samples. */
    g_assert_cmpuint(rtp_inband_generator_fill(gen, pcm, 1000), ==, 1000);
    g_assert_cmpint(pcm[100], ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(pcm); i++)
        pcm[i] = 1234;
    g_assert_cmpuint(rtp_inband_generator_fill(gen, pcm, 1000), ==, 200);
    g_assert_cmpint(pcm[199], ==, 0);
    g_assert_cmpint(pcm[200], ==, 1234); /* the caller's audio, untouched */
    g_assert_false(rtp_inband_generator_active(gen));
    g_assert_cmpuint(rtp_inband_generator_fill(gen, pcm, 1000), ==, 0);
    /* A queue of RTP_DTMF_QUEUE_SIZE digits, then FULL. */
    for (guint i = 0; i < RTP_DTMF_QUEUE_SIZE; i++)
        g_assert_cmpint(rtp_inband_generator_start(gen, '1', 50), ==, RTP_DTMF_TX_OK);
    g_assert_cmpint(rtp_inband_generator_start(gen, '1', 50), ==, RTP_DTMF_TX_FULL);
}

/* A tone's share of the generated digit's energy at each frequency. */
static void
test_generator_levels(void)
{
    static const double dtmf_goertzel_n = 800;
    const guint ms[] = { 200 };
    guint n;
    g_autofree gint16 *pcm = generate("9", ms, &n);
    double rms = 0, low = 0, high = 0, k1 = 2 * cos(2 * G_PI * 852 / RATE);
    double k2 = 2 * cos(2 * G_PI * 1477 / RATE), a1 = 0, b1 = 0, a2 = 0, b2 = 0;

    for (guint i = 0; i < dtmf_goertzel_n; i++) {
        double s1 = pcm[i] + k1 * a1 - b1, s2 = pcm[i] + k2 * a2 - b2;

        b1 = a1;
        a1 = s1;
        b2 = a2;
        a2 = s2;
        rms += (double) pcm[i] * pcm[i];
    }
    low = 2 * sqrt(a1 * a1 + b1 * b1 - k1 * a1 * b1) / dtmf_goertzel_n;
    high = 2 * sqrt(a2 * a2 + b2 * b2 - k2 * a2 * b2) / dtmf_goertzel_n;
    rms = sqrt(rms / dtmf_goertzel_n);
    g_test_message("'9': low %.0f (%.1f dBm0), high %.0f (%.1f dBm0), rms %.0f", low,
                   20 * log10(low / 32767) + 3.14, high, 20 * log10(high / 32767) + 3.14, rms);
    g_assert_cmpfloat(fabs(20 * log10(low / 32767) + 3.14 - RTP_INBAND_LEVEL_DBM0), <, 1);
    g_assert_cmpfloat(fabs(20 * log10(high / low) - RTP_INBAND_HIGH_GAIN_DB), <, 0.5);
}

/* Durations of tones made here (not by spandsp), at random offsets. */
static void
test_detect_durations(void)
{
    GRand *rand = g_rand_new_with_seed(1633);
    gint worst = 0;

    for (guint trial = 0; trial < 200; trial++) {
        guint ms = (guint) g_rand_int_range(rand, 40, 600);
        guint start = (guint) g_rand_int_range(rand, 100, 900);
        guint n = start + ms * 8 + 800;
        g_autofree gint16 *pcm = g_new0(gint16, n);
        char digit = DIGITS[trial % 16];
        RtpDtmfEvent ev[8];
        guint got;
        gint err;

        add_digit(pcm + start, ms * 8, digit, g_rand_double_range(rand, -25, -3));
        got = detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
        g_assert_cmpuint(got, ==, 2);
        assert_paired(ev, got);
        g_assert_cmpint(ev[1].digit, ==, digit);
        err = (gint) ev[1].duration_ms - (gint) ms;
        g_assert_cmpint(abs(err), <=, 20);
        g_assert_cmpint(abs((gint) ev[0].timestamp - (gint) start), <=, 20 * 8);
        worst = MAX(worst, abs(err));
    }
    g_test_message("worst duration error over 200 digits: %d ms", worst);
    g_rand_free(rand);
}

static void
test_detect_chunks(void)
{
    const guint chunks[] = { 1, 7, 102, 160, 333, 960 };
    guint n = RATE * 2;
    g_autofree gint16 *pcm = g_new0(gint16, n);
    g_autoptr(GError) error = NULL;

    add_digit(pcm + 800, 1200, '4', -10);
    add_digit(pcm + 4000, 800, '#', -10);
    /* '7' turning straight into '8'. */
    add_digit(pcm + 8000, 1200, '7', -10);
    add_digit(pcm + 9200, 1200, '8', -10);
    for (guint c = 0; c < G_N_ELEMENTS(chunks); c++) {
        RtpDtmfEvent ev[16];
        guint got = detect(pcm, n, chunks[c], ev, G_N_ELEMENTS(ev));
        g_autofree char *digits = ended_digits(ev, got);

        assert_paired(ev, got);
        g_assert_cmpstr(digits, ==, "4#78");
    }
    /* One event per call at most: the others wait for the next calls. */
    {
        g_autoptr(RtpInbandDetector) det = rtp_inband_detector_new(&error);
        RtpDtmfEvent ev[8];
        guint got = rtp_inband_detector_feed(det, pcm, n, ev, 1);

        g_assert_cmpuint(got, ==, 1);
        while (got < 8 && rtp_inband_detector_feed(det, NULL, 0, ev + got, 1) == 1)
            got++;
        g_assert_cmpuint(got, ==, 8);
        assert_paired(ev, got);
    }
}

/* The same digit twice with a pause of 40 ms (the shortest ITU-T Q.24
 * asks receivers to take as a pause) is two digits; a 10 ms break in a
 * tone is not. */
static void
test_detect_pauses(void)
{
    GRand *rand = g_rand_new_with_seed(1336);

    for (guint trial = 0; trial < 100; trial++) {
        guint start = (guint) g_rand_int_range(rand, 100, 900), n = start + 8000;
        g_autofree gint16 *pcm = g_new0(gint16, n);
        char digit = DIGITS[trial % 16];
        g_autofree char *twice = g_strdup_printf("%c%c", digit, digit);
        RtpDtmfEvent ev[8];
        guint got;
        g_autofree char *digits = NULL;

        add_digit(pcm + start, 800, digit, -15);
        add_digit(pcm + start + 800 + (trial % 2 ? 320 : 80), 800, digit, -15);
        got = detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
        assert_paired(ev, got);
        digits = ended_digits(ev, got);
        g_assert_cmpstr(digits, ==, trial % 2 ? twice : twice + 1);
    }
    g_rand_free(rand);
}

static guint
count_digits_in(const gint16 *pcm, guint n)
{
    RtpDtmfEvent ev[64];

    return detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
}

static void
test_twist(void)
{
    static const struct {
        double low, high;
        gboolean heard;
    } cases[] = {
        { -15, -15, TRUE }, { -12, -18, TRUE },  { -10, -17, TRUE },
        { -18, -15, TRUE }, { -20, -17, TRUE },  { -10, -20, FALSE },
        { -8, -20, FALSE }, { -20, -15, FALSE }, { -22, -12, FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree gint16 *pcm = g_new0(gint16, RATE);
        RtpDtmfEvent ev[8];
        guint got;

        add_digit_twisted(pcm + 800, 1600, '6', cases[i].low, cases[i].high);
        got = detect(pcm, RATE, 160, ev, G_N_ELEMENTS(ev));
        g_test_message("low %.0f, high %.0f dBm0: %u events", cases[i].low, cases[i].high, got);
        g_assert_cmpuint(got, ==, cases[i].heard ? 2 : 0);
    }
}

static void
test_no_false_digits(void)
{
    guint n = RATE * 60;
    g_autofree gint16 *pcm = g_new0(gint16, n);
    GRand *rand = g_rand_new_with_seed(697);
    guint got;

    g_assert_cmpuint(count_digits_in(pcm, n), ==, 0); /* silence */
    for (guint i = 0; i < n; i++)
        pcm[i] = (gint16) lrint(dbm0_amplitude(-3) * sin(2 * G_PI * 1000 * i / RATE));
    g_assert_cmpuint(count_digits_in(pcm, n), ==, 0); /* 1 kHz at -3 dBm0 */
    make_speech(pcm, n, rand);
    got = count_digits_in(pcm, n);
    g_test_message("speech-like, 60 s at %.1f dBm0 RMS: %u events",
                   20 * log10(audio_rms(pcm, n) * sqrt(2) / 32767) + 3.14, got);
    g_assert_cmpuint(got, ==, 0);
    /* Digits over the same speech, each tone 5 dB above it (someone
     * talking while the caller presses keys): heard once each. */
    for (guint i = 0; i < 10; i++)
        add_digit(pcm + RATE * (3 * i + 1), 1200, DIGITS[i], -10);
    {
        RtpDtmfEvent ev[64];
        g_autofree char *digits = NULL;

        got = detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
        digits = ended_digits(ev, got);
        g_assert_cmpstr(digits, ==, "0123456789");
    }
    memset(pcm, 0, n * sizeof *pcm);
    add_noise(pcm, n, 3000, rand);
    g_assert_cmpuint(count_digits_in(pcm, n), ==, 0); /* white noise */
    g_rand_free(rand);
}

/* Share of 160 digits (10 of each, 100 ms, 100 ms apart) detected, with
 * nothing else reported, at level dBm0 per tone and white noise of
 * noise_rms. */
static double
detection_rate(double level, double noise_rms, GRand *rand, guint *extra)
{
    guint per = 200 * 8, n = 160 * per + 800;
    g_autofree gint16 *pcm = g_new0(gint16, n);
    RtpDtmfEvent ev[512];
    guint got, hits = 0, j = 0;

    for (guint i = 0; i < 160; i++)
        add_digit(pcm + i * per + 400, 800, DIGITS[i % 16], level);
    if (noise_rms > 0)
        add_noise(pcm, n, noise_rms, rand);
    got = detect(pcm, n, 160, ev, G_N_ELEMENTS(ev));
    *extra = 0;
    for (guint i = 0; i < got; i++) {
        guint slot = ev[i].timestamp / per;

        if (ev[i].phase != RTP_DTMF_END)
            continue;
        if (slot < 160 && ev[i].digit == DIGITS[slot % 16] && slot >= j) {
            hits++;
            j = slot + 1;
        } else {
            (*extra)++;
        }
    }
    return hits / 160.0;
}

static void
test_detect_levels_and_noise(void)
{
    static const double levels[] = { -3, -10, -20, -25, -30, -33, -36, -40 };
    static const double snrs[] = { 30, 20, 15, 10, 6, 3 };
    GRand *rand = g_rand_new_with_seed(941);
    guint extra;
    double rate;

    for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
        rate = detection_rate(levels[i], 0, rand, &extra);
        g_test_message("level %+.0f dBm0 per tone: %.1f%% detected, %u extra", levels[i],
                       100 * rate, extra);
        if (levels[i] >= -30 || levels[i] <= -36) {
            g_assert_cmpfloat(rate, ==, levels[i] >= -30 ? 1.0 : 0.0);
            g_assert_cmpuint(extra, ==, 0);
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(snrs); i++) {
        /* Noise against the digit's power: two tones at -20 dBm0. */
        double sig_rms = dbm0_amplitude(-20); /* sqrt(2 * (A^2 / 2)) */
        double noise_rms = sig_rms / pow(10, snrs[i] / 20);

        rate = detection_rate(-20, noise_rms, rand, &extra);
        g_test_message("-20 dBm0, white noise at SNR %.0f dB: %.1f%% detected, %u extra", snrs[i],
                       100 * rate, extra);
        if (snrs[i] >= 10)
            g_assert_cmpfloat(rate, ==, 1.0);
    }
    g_rand_free(rand);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("In-band DTMF through spandsp: generation, detection, durations, talk-off");
    g_test_add_func("/rtp/inband/generate-spandsp-detects", test_generate_spandsp_detects);
    g_test_add_func("/rtp/inband/generate-detect-durations", test_generate_detect_durations);
    g_test_add_func("/rtp/inband/generator", test_generator);
    g_test_add_func("/rtp/inband/generator-levels", test_generator_levels);
    g_test_add_func("/rtp/inband/detect-durations", test_detect_durations);
    g_test_add_func("/rtp/inband/detect-chunks", test_detect_chunks);
    g_test_add_func("/rtp/inband/pauses", test_detect_pauses);
    g_test_add_func("/rtp/inband/twist", test_twist);
    g_test_add_func("/rtp/inband/no-false-digits", test_no_false_digits);
    g_test_add_func("/rtp/inband/levels-and-noise", test_detect_levels_and_noise);
    return g_test_run();
}
