/* The audio of the transcoding benchmarks (tests/bench/README.md,
 * "Transcoding"): rtpgen pre-encodes it for its streams and bench-codec
 * times Carillon's codecs on it, so both work on the same sound.
 *
 * Voiced speech, roughly (as in bench-playout.c): 12 harmonics of a voice
 * gliding around 150 Hz, its loudness rising and falling three times a
 * second.  Every component repeats a whole number of times per second,
 * so one second loops without a click; the highest harmonic stays under
 * 2.2 kHz, so the same formula is valid at 8, 16 and 48 kHz.
 */
#pragma once

#include <math.h>
#include <stdint.h>

#define BENCH_TONE_LOOP_MS 1000

/* n samples at rate from sample `first` on (of the one-second loop). */
static inline void
bench_tone_fill(int16_t *pcm, unsigned n, unsigned rate, unsigned first)
{
    for (unsigned i = 0; i < n; i++) {
        double t = (double) ((first + i) % rate) / rate;
        /* 150 Hz + 30 Hz * sin(2 pi 2 t), integrated: */
        double phase = 2 * M_PI * 150 * t + 15 * (1 - cos(4 * M_PI * t));
        double v = 0;

        for (unsigned k = 1; k <= 12; k++)
            v += sin(k * phase + k) / k;
        pcm[i] = (int16_t) lrint(5000 * (0.55 - 0.45 * cos(2 * M_PI * 3 * t)) * v);
    }
}
