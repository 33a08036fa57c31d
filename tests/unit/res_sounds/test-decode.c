/* Carillon - unit tests of res_sounds' reading of files: rates converted
 * once (frequency, length and alignment kept), channels averaged to
 * mono, the encodings libsndfile reads, and hostile input (garbage,
 * truncated headers, absurd rates and lengths, things that are not
 * files) failing with an error and nothing worse.  Files under
 * tests/data/fuzz-regressions/fuzz-sounds/ are replayed. */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../../../modules/res_sounds/sounds_private.h"
#include "wav.h"

static char *dir;

static char *
tmp_path(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static PbxSound *
decode_ok(const char *path, guint rate)
{
    g_autoptr(GError) error = NULL;
    SoundFileId id;
    PbxSound *s = sound_decode_file(path, "test", rate, 600, &id, &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->rate, ==, rate);
    g_assert_cmpint(g_atomic_int_get(&s->ref_count), ==, 1);
    return s;
}

/* 8 kHz mono 16-bit (the Debian prompts) at 8 kHz: the very samples. */
static void
test_same_rate(void)
{
    g_autofree char *path = tmp_path("same.wav");
    gint16 pcm[800];
    g_autoptr(PbxSound) s = NULL;
    gsize n = 0;

    for (guint i = 0; i < G_N_ELEMENTS(pcm); i++)
        pcm[i] = (gint16) (i * 41 - 16000);
    wav_write(path, WAV_PCM16, 8000, 1, pcm, G_N_ELEMENTS(pcm));
    s = decode_ok(path, 8000);
    g_assert_cmpmem(pbx_sound_get_samples(s, &n), n * 2, pcm, sizeof(pcm));
    g_assert_cmpstr(pbx_sound_get_name(s), ==, "test");
    g_assert_cmpstr(pbx_sound_get_path(s), ==, path);
    g_assert_cmpuint(pbx_sound_get_duration_ms(s), ==, 100);
}

/* A tone of 1 s at from_rate, read at each media rate: as long, at the
 * same frequency, as loud. */
static void
check_conversion(guint from_rate, double freq)
{
    static const guint rates[] = { 8000, 16000, 48000 };
    g_autofree char *path = tmp_path("tone.wav");

    wav_write_tone(path, WAV_PCM16, from_rate, 1, freq, 10000, 1000);
    for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
        g_autoptr(PbxSound) s = decode_ok(path, rates[i]);
        guint n = (guint) s->n_samples, edge = rates[i] / 50;
        double f = audio_zero_crossing_freq(s->samples + edge, n - 2 * edge, rates[i], 1000);
        double rms = audio_rms(s->samples + edge, n - 2 * edge);

        g_test_message("%u Hz -> %u Hz: %u samples, %.2f Hz, rms %.0f", from_rate, rates[i],
                       n, f, rms);
        g_assert_cmpuint(n, ==, rates[i]);
        g_assert_cmpfloat_with_epsilon(f, freq, 1.0);
        g_assert_cmpfloat_with_epsilon(rms, 10000 / G_SQRT2, 300);
        g_assert_cmpfloat(audio_tone_share(s->samples, n, rates[i], freq), >, 0.95);
    }
}

static void
test_rates(void)
{
    check_conversion(44100, 1000);
    check_conversion(8000, 440);
    check_conversion(16000, 1000);
    check_conversion(48000, 700);
    check_conversion(22050, 1000);
    check_conversion(11025, 300);
}

/* The filter's delay is removed: the converted tone lines up with the
 * ideal one at lag 0. */
static void
test_aligned(void)
{
    g_autofree char *path = tmp_path("aligned.wav");
    g_autoptr(PbxSound) s = NULL;
    gint16 ideal[48000];
    guint lag = 99;

    wav_write_tone(path, WAV_PCM16, 8000, 1, 440, 10000, 1000);
    s = decode_ok(path, 48000);
    audio_tone(ideal, G_N_ELEMENTS(ideal), 48000, 440, 10000);
    g_assert_cmpfloat(audio_best_lag_correlation(ideal + 1000, s->samples + 1000, 40000, 20,
                                                 &lag), >, 0.99);
    g_assert_cmpuint(lag, <=, 1);
}

/* Stereo and more: the channels are averaged. */
static void
test_downmix(void)
{
    g_autofree char *path = tmp_path("stereo.wav");
    gint16 pcm[2 * 4000], left[4000];
    g_autoptr(PbxSound) both = NULL, half = NULL, quad = NULL;

    wav_write_tone(path, WAV_PCM16, 8000, 2, 1000, 8000, 500);
    both = decode_ok(path, 8000);
    g_assert_cmpuint(both->n_samples, ==, 4000);
    g_assert_cmpfloat_with_epsilon(audio_rms(both->samples, 4000), 8000 / G_SQRT2, 50);

    audio_tone(left, 4000, 8000, 1000, 8000);
    for (guint i = 0; i < 4000; i++) {
        pcm[2 * i] = left[i];
        pcm[2 * i + 1] = 0;
    }
    wav_write(path, WAV_PCM16, 8000, 2, pcm, 4000);
    half = decode_ok(path, 8000);
    for (guint i = 0; i < 4000; i++)
        g_assert_cmpint(half->samples[i], ==, left[i] / 2);

    wav_write_tone(path, WAV_PCM16, 44100, 4, 500, 8000, 500);
    quad = decode_ok(path, 16000);
    g_assert_cmpuint(quad->n_samples, ==, 8000);
    g_assert_cmpfloat_with_epsilon(audio_zero_crossing_freq(quad->samples + 320, 7360, 16000,
                                                            1000), 500, 1);
}

/* What libsndfile reads, we read: float, 8 and 24 bits, mu-law, FLAC. */
static void
test_encodings(void)
{
    static const int formats[] = {
        SF_FORMAT_WAV | SF_FORMAT_FLOAT, SF_FORMAT_WAV | SF_FORMAT_PCM_U8,
        SF_FORMAT_WAV | SF_FORMAT_PCM_24, SF_FORMAT_WAV | SF_FORMAT_ULAW,
        SF_FORMAT_FLAC | SF_FORMAT_PCM_16, SF_FORMAT_AU | SF_FORMAT_PCM_16,
    };
    g_autofree char *path = tmp_path("enc.snd");

    for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_autoptr(PbxSound) s = NULL;

        wav_write_tone(path, formats[i], 16000, 1, 1000, 12000, 500);
        s = decode_ok(path, 8000);
        g_assert_cmpuint(s->n_samples, ==, 4000);
        g_assert_cmpfloat_with_epsilon(audio_rms(s->samples + 100, 3800), 12000 / G_SQRT2,
                                       12000 / G_SQRT2 * 0.05);
        g_assert_cmpfloat(audio_tone_share(s->samples, 4000, 8000, 1000), >, 0.9);
    }
}

static void
expect_error(const char *path, guint max_seconds, gint code, const char *text)
{
    g_autoptr(GError) error = NULL;
    SoundFileId id;
    PbxSound *s = sound_decode_file(path, "bad", 8000, max_seconds, &id, &error);

    g_assert_null(s);
    g_assert_error(error, SOUNDS_ERROR, code);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, "'bad'"));
    g_assert_nonnull(strstr(error->message, text));
}

/* A valid WAV's bytes. */
static GBytes *
valid_wav(guint ms)
{
    g_autofree char *path = tmp_path("valid.wav");
    char *data = NULL;
    gsize len = 0;

    wav_write_tone(path, WAV_PCM16, 8000, 1, 440, 10000, ms);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static void
write_bytes(const char *path, const void *data, gsize len)
{
    g_assert_true(g_file_set_contents(path, data, (gssize) len, NULL));
}

/* Sets the little-endian 16/32-bit field at off of a copy of wav. */
static void
write_patched(const char *path, GBytes *wav, gsize off, guint32 value, guint size)
{
    gsize len = g_bytes_get_size(wav);
    g_autofree guint8 *copy = g_memdup2(g_bytes_get_data(wav, NULL), len);

    for (guint i = 0; i < size; i++)
        copy[off + i] = (guint8) (value >> (8 * i));
    write_bytes(path, copy, len);
}

static void
test_hostile(void)
{
    g_autoptr(GBytes) wav = valid_wav(300);
    g_autofree char *path = tmp_path("hostile.wav");
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(wav, &len);
    guint8 garbage[4096];

    for (guint i = 0; i < sizeof(garbage); i++)
        garbage[i] = (guint8) g_test_rand_int();
    write_bytes(path, garbage, sizeof(garbage));
    expect_error(path, 600, SOUNDS_ERROR_READ, path);
    write_bytes(path, "", 0);
    expect_error(path, 600, SOUNDS_ERROR_READ, path);
    write_bytes(path, data, 30);                    /* header cut short */
    expect_error(path, 600, SOUNDS_ERROR_READ, path);
    write_bytes(path, data, 44);                    /* header, no samples */
    expect_error(path, 600, SOUNDS_ERROR_READ, "no audio");
    write_patched(path, wav, 22, 0, 2);             /* 0 channels */
    expect_error(path, 600, SOUNDS_ERROR_READ, path);
    write_patched(path, wav, 24, 1, 4);             /* 1 Hz */
    expect_error(path, 600, SOUNDS_ERROR_READ, "sample rate");
    write_patched(path, wav, 24, 1000000000, 4);    /* 1 GHz */
    expect_error(path, 600, SOUNDS_ERROR_READ, "");
    write_patched(path, wav, 40, 0x7ffffff0, 4);    /* data size: 4 GB */
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(PbxSound) s = sound_decode_file(path, "big", 8000, 600, NULL, &error);
        /* libsndfile believes the file's size, not the header */
        g_assert_no_error(error);
        g_assert_cmpuint(s->n_samples, ==, 2400);
    }
}

/* A header that cuts the samples short, or a file cut short: what is
 * there is played. */
static void
test_truncated_data(void)
{
    g_autoptr(GBytes) wav = valid_wav(300);
    g_autofree char *path = tmp_path("cut.wav");
    g_autoptr(PbxSound) s = NULL;
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(wav, &len);

    write_bytes(path, data, 44 + 1000);
    s = decode_ok(path, 8000);
    g_assert_cmpuint(s->n_samples, ==, 500);
}

static void
test_too_long(void)
{
    g_autofree char *path = tmp_path("long.wav");

    wav_write_tone(path, WAV_PCM16, 8000, 1, 440, 1000, 2500);
    expect_error(path, 2, SOUNDS_ERROR_TOO_LONG, "max_seconds");
    g_autoptr(PbxSound) s = decode_ok(path, 8000);
    g_assert_cmpuint(s->n_samples, ==, 20000);
}

static void
test_not_files(void)
{
    g_autofree char *fifo = tmp_path("fifo.wav");
    g_autofree char *missing = tmp_path("missing.wav");

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    expect_error(fifo, 600, SOUNDS_ERROR_READ, "not a regular file");
    expect_error(dir, 600, SOUNDS_ERROR_READ, "not a regular file");
    expect_error("/dev/zero", 600, SOUNDS_ERROR_READ, "not a regular file");
    expect_error(missing, 600, SOUNDS_ERROR_NOT_FOUND, "No such file");
}

/* From memory (the fuzzer's way in): the same sound as from the file. */
static void
test_memory(void)
{
    g_autoptr(GBytes) wav = valid_wav(300);
    g_autofree char *path = tmp_path("valid.wav");
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxSound) from_file = decode_ok(path, 16000);
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(wav, &len);
    g_autoptr(PbxSound) s = sound_decode_memory(data, len, "mem", 16000, 600, &error);

    g_assert_no_error(error);
    g_assert_cmpmem(s->samples, s->n_samples * 2, from_file->samples,
                    from_file->n_samples * 2);
    for (gsize cut = 0; cut < len; cut += 7) {
        g_autoptr(GError) e = NULL;
        g_autoptr(PbxSound) part = sound_decode_memory(data, cut, "mem", 48000, 600, &e);
        g_assert_true((part == NULL) != (e == NULL));
    }
}

/* Every input the fuzzer ever failed on, and its seeds (fuzz-sounds.c). */
static void
test_fuzz_regressions(void)
{
    const char *data_dir = g_getenv("TEST_DATA_DIR");
    g_autofree char *base = g_build_filename(data_dir ? data_dir : "tests/data",
                                             "fuzz-regressions", "fuzz-sounds", NULL);
    g_autoptr(GDir) d = g_dir_open(base, 0, NULL);
    const char *e;
    guint n = 0;

    while (d && (e = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(base, e, NULL);
        g_autofree char *bytes = NULL;
        gsize len = 0;

        /* the fuzzer's input: a byte that picks the rate, then the file */
        g_assert_true(g_file_get_contents(path, &bytes, &len, NULL) && len > 0);
        for (guint r = 0; r < 3; r++) {
            static const guint rates[] = { 8000, 16000, 48000 };
            g_autoptr(GError) error = NULL;
            g_autoptr(PbxSound) s = sound_decode_memory((guint8 *) bytes + 1, len - 1, e,
                                                        rates[r], 5, &error);
            g_assert_true((s == NULL) != (error == NULL));
        }
        n++;
    }
    g_test_message("%u inputs replayed", n);
    g_assert_cmpuint(n, >, 0);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sounds: files into mono 16-bit sounds at 8, 16 and 48 kHz");
    dir = wav_tmpdir();
    g_test_add_func("/sounds/decode/same-rate", test_same_rate);
    g_test_add_func("/sounds/decode/rates", test_rates);
    g_test_add_func("/sounds/decode/aligned", test_aligned);
    g_test_add_func("/sounds/decode/downmix", test_downmix);
    g_test_add_func("/sounds/decode/encodings", test_encodings);
    g_test_add_func("/sounds/decode/hostile", test_hostile);
    g_test_add_func("/sounds/decode/truncated-data", test_truncated_data);
    g_test_add_func("/sounds/decode/too-long", test_too_long);
    g_test_add_func("/sounds/decode/not-files", test_not_files);
    g_test_add_func("/sounds/decode/memory", test_memory);
    g_test_add_func("/sounds/decode/fuzz-regressions", test_fuzz_regressions);
    rc = g_test_run();
    wav_tmpdir_remove(dir);
    g_free(dir);
    return rc;
}
