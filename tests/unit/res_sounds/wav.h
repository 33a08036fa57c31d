/* Carillon - res_sounds test helpers: sound files made with libsndfile
 * in a temporary directory.  Header-only, like audio_check.h. */
#pragma once

#include <glib/gstdio.h>
#include <sndfile.h>

#include "../audio_check.h"

#define WAV_PCM16 (SF_FORMAT_WAV | SF_FORMAT_PCM_16)

/* Writes frames of interleaved samples. */
static inline void
wav_write(const char *path, int format, guint rate, guint channels, const gint16 *pcm,
          gsize frames)
{
    SF_INFO info = { .samplerate = (int) rate, .channels = (int) channels, .format = format };
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

    g_assert_nonnull(sf);
    g_assert_cmpint(sf_writef_short(sf, pcm, (sf_count_t) frames), ==, (sf_count_t) frames);
    sf_close(sf);
}

/* ms of a tone at freq on every channel. */
static inline void
wav_write_tone(const char *path, int format, guint rate, guint channels, double freq,
               double amplitude, guint ms)
{
    gsize frames = (gsize) rate * ms / 1000;
    g_autofree gint16 *mono = g_new(gint16, frames);
    g_autofree gint16 *pcm = g_new(gint16, frames * channels);

    audio_tone(mono, (guint) frames, rate, freq, amplitude);
    for (gsize f = 0; f < frames; f++) {
        for (guint c = 0; c < channels; c++)
            pcm[f * channels + c] = mono[f];
    }
    wav_write(path, format, rate, channels, pcm, frames);
}

/* A fresh directory, removed with wav_tmpdir_remove(). */
static inline char *
wav_tmpdir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("carillon-sounds-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static inline void
wav_tmpdir_remove(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    g_assert_cmpint(system(cmd), ==, 0);
}
