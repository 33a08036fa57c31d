/* codec_g711 - G.711 µ-law and A-law companding (see g711.h). */
#include "g711.h"

#define ULAW_BIAS 0x84          /* 33 << 2: the µ-law bias in 16-bit scale */
#define ULAW_CLIP 32635         /* largest magnitude before the bias overflows */

/* Index of the highest set bit of v (v > 0). */
static int
top_bit(guint v)
{
    return 31 - __builtin_clz(v);
}

/* µ-law: magnitude + bias lies in [2^7, 2^15); its top bit gives the
 * segment (0..7) and the next four bits the step. */
guint8
g711_ulaw_encode(gint16 pcm)
{
    int v = pcm;
    guint8 sign = 0;
    int segment;

    if (v < 0) {
        sign = 0x80;
        v = -v;
    }
    if (v > ULAW_CLIP)
        v = ULAW_CLIP;
    v += ULAW_BIAS;
    segment = top_bit((guint) v) - 7;
    return (guint8) ~(sign | (segment << 4) | ((v >> (segment + 3)) & 0x0f));
}

/* The middle of the step, biased, shifted back into place. */
gint16
g711_ulaw_decode(guint8 code)
{
    guint c = (guint8) ~code;
    int segment = (c >> 4) & 0x07;
    int v = ((((int) (c & 0x0f)) << 3) + ULAW_BIAS) << segment;

    v -= ULAW_BIAS;
    return (gint16) ((c & 0x80) ? -v : v);
}

/* A-law works on 13-bit magnitudes: segment 0 and 1 are both linear with
 * step 2 (in 13-bit units), each further segment doubles the step.
 * Negative values are one's complement so that -1 maps like 0. */
guint8
g711_alaw_encode(gint16 pcm)
{
    int v = pcm >> 3;
    guint8 mask;
    int segment, step;

    if (v >= 0) {
        mask = 0xd5;            /* sign bit set, even bits toggled */
    } else {
        mask = 0x55;
        v = -v - 1;
    }
    if (v >= 0x1000)
        return (guint8) (0x7f ^ mask);
    segment = v < 0x20 ? 0 : top_bit((guint) v) - 4;
    step = segment < 2 ? (v >> 1) & 0x0f : (v >> segment) & 0x0f;
    return (guint8) (((segment << 4) | step) ^ mask);
}

gint16
g711_alaw_decode(guint8 code)
{
    guint c = code ^ 0x55;
    int segment = (c >> 4) & 0x07;
    int v = (int) (c & 0x0f) << 4;

    if (segment == 0)
        v += 8;
    else
        v = (v + 0x108) << (segment - 1);
    return (gint16) ((c & 0x80) ? v : -v);
}
