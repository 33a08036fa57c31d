/* Unit tests: resampling between 8, 16 and 48 kHz (speexdsp). */
#include <string.h>

#include "../audio_check.h"

static const guint rates[] = { 8000, 16000, 48000 };

/* One second of a tone through a resampler in 20 ms frames, as a media
 * worker would feed it; returns the output (to_rate samples). */
static gint16 *
resample_tone(PbxResampler *rs, double freq)
{
    guint from = pbx_resampler_get_from_rate(rs), to = pbx_resampler_get_to_rate(rs);
    g_autofree PbxAudioFrame *in = g_new0(PbxAudioFrame, 1);
    g_autofree PbxAudioFrame *out = g_new0(PbxAudioFrame, 1);
    gint16 *all = g_new0(gint16, to);
    g_autofree gint16 *tone = g_new(gint16, from);
    guint frame = pbx_audio_samples_for_ms(from, 20), done = 0;

    audio_tone(tone, from, from, freq, 10000);
    for (guint i = 0; i < from; i += frame) {
        pbx_audio_frame_init(in, from);
        memcpy(in->samples, tone + i, frame * sizeof(gint16));
        in->n_samples = frame;
        g_assert_cmpint(pbx_resampler_process_frame(rs, in, out), ==,
                        (gint) pbx_audio_samples_for_ms(to, 20));
        g_assert_cmpuint(out->rate, ==, to);
        memcpy(all + done, out->samples, out->n_samples * sizeof(gint16));
        done += out->n_samples;
    }
    g_assert_cmpuint(done, ==, to);
    return all;
}

/* The tone keeps its frequency and level, and matches the same tone
 * made at the new rate once the filter's delay is skipped. */
static void
check_pair(guint from, guint to, double freq)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxResampler) rs = pbx_resampler_new(from, to, &error);
    g_autofree gint16 *out = NULL;
    g_autofree gint16 *ideal = g_new(gint16, to);
    guint delay, skip = to / 10, lag = 0;
    double corr;

    g_assert_no_error(error);
    out = resample_tone(rs, freq);
    delay = pbx_resampler_get_delay(rs);
    audio_tone(ideal, to, to, freq, 10000);
    corr = audio_best_lag_correlation(ideal + skip, out + skip, to / 2, to / 10, &lag);
    g_test_message("%u -> %u Hz, %.0f Hz tone: delay %u, correlation %.5f at lag %u, rms %.0f",
                   from, to, freq, delay, corr, lag, audio_rms(out + skip, to / 2));
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(out + skip, to - skip, to, 500),
                                   freq, freq * 0.001);
    g_assert_cmpfloat(corr, >, 0.999);
    /* The delay reported is where the tone lines up. */
    g_assert_cmpfloat(audio_correlation_at(ideal + skip, out + skip, to / 2, delay), >, 0.999);
    g_assert_cmpfloat_with_epsilon(audio_rms(out + skip, to / 2), 7071, 7071 * 0.05);
}

static void
test_tone_keeps_frequency(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(rates); j++) {
            if (i == j)
                continue;
            check_pair(rates[i], rates[j], 440);
            check_pair(rates[i], rates[j], 1000);
        }
    }
}

/* Down to 8 kHz, a 6 kHz tone is above the new Nyquist rate: the filter
 * removes it instead of folding it to 2 kHz. */
static void
test_downsampling_filters_aliases(void)
{
    g_autoptr(PbxResampler) rs = pbx_resampler_new(48000, 8000, NULL);
    g_autofree gint16 *out = resample_tone(rs, 6000);

    g_test_message("6 kHz at 48 kHz -> 8 kHz: rms %.0f of 7071", audio_rms(out + 800, 7000));
    g_assert_cmpfloat(audio_rms(out + 800, 7000), <, 7071 * 0.05);
}

static void
test_refusals(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxResampler) rs = NULL;
    g_autofree PbxAudioFrame *frame = g_new0(PbxAudioFrame, 1);
    gint16 in[160] = { 0 }, out[320];

    g_assert_null(pbx_resampler_new(8000, 44100, &error));
    g_assert_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_RATE);
    g_clear_error(&error);
    g_assert_null(pbx_resampler_new(16000, 16000, &error));
    g_assert_error(error, PBX_AUDIO_ERROR, PBX_AUDIO_ERROR_RATE);
    g_clear_error(&error);
    rs = pbx_resampler_new(8000, 16000, &error);
    g_assert_cmpint(pbx_resampler_process(rs, in, 160, out, 319), ==, PBX_AUDIO_E_SPACE);
    g_assert_cmpint(pbx_resampler_process(rs, in, 160, out, 320), ==, 320);
    pbx_audio_frame_init(frame, 48000);
    frame->n_samples = 960;
    g_assert_cmpint(pbx_resampler_process_frame(rs, frame, frame), ==, PBX_AUDIO_E_RATE);
    g_assert_false(pbx_audio_rate_is_valid(44100));
    g_assert_cmpstr(pbx_audio_status_to_string(PBX_AUDIO_E_SPACE), ==, "output buffer too small");
}

/* After a reset the history is gone: silence in, silence out. */
static void
test_reset(void)
{
    g_autoptr(PbxResampler) rs = pbx_resampler_new(16000, 48000, NULL);
    gint16 in[320], out[960];

    audio_tone(in, 320, 16000, 1000, 10000);
    g_assert_cmpint(pbx_resampler_process(rs, in, 320, out, 960), ==, 960);
    memset(in, 0, sizeof in);
    pbx_resampler_reset(rs);
    g_assert_cmpint(pbx_resampler_process(rs, in, 320, out, 960), ==, 960);
    g_assert_cmpfloat(audio_rms(out, 960), ==, 0);
}

static void
test_costs(void)
{
    g_assert_cmpuint(pbx_resampler_get_cost(8000, 48000), >, 0);
    g_assert_cmpuint(pbx_resampler_get_cost(48000, 8000), >, 0);
    g_assert_cmpuint(pbx_resampler_get_cost(16000, 16000), ==, 0);
    g_assert_cmpuint(pbx_resampler_get_cost(8000, 44100), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("speexdsp resampling between 8, 16 and 48 kHz");
    g_test_add_func("/core/resampler/tone-keeps-frequency", test_tone_keeps_frequency);
    g_test_add_func("/core/resampler/downsampling-filters-aliases",
                    test_downsampling_filters_aliases);
    g_test_add_func("/core/resampler/refusals", test_refusals);
    g_test_add_func("/core/resampler/reset", test_reset);
    g_test_add_func("/core/resampler/costs", test_costs);
    return g_test_run();
}
