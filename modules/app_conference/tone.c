/* app_conference - join and leave tones (see tone.h). */
#include <math.h>

#include "ring.h"
#include "tone.h"

#define TONE_AMPLITUDE 6000.0
#define SEGMENT_MS 100
#define RAMP_MS 5

typedef struct {
    gint16 *samples;
    guint n_samples;
} Table;

static Table tables[CONF_TONE_KINDS][CONF_N_RATES];

/* How loud the segment is at sample i of n: raised-cosine ramps. */
static double
envelope(guint i, guint n, guint ramp)
{
    guint edge = MIN(i, n - 1 - i);

    return edge >= ramp ? 1.0 : 0.5 - 0.5 * cos(G_PI * edge / ramp);
}

static void
segment(gint16 *out, guint rate, double freq)
{
    guint n = rate / 1000 * SEGMENT_MS, ramp = rate / 1000 * RAMP_MS;

    for (guint i = 0; i < n; i++)
        out[i] = (gint16) lrint(TONE_AMPLITUDE * envelope(i, n, ramp)
                                * sin(2 * G_PI * freq * i / rate));
}

static void
make(Table *t, guint rate, double first, double second)
{
    guint n = rate / 1000 * SEGMENT_MS;

    t->n_samples = 2 * n;
    t->samples = g_new0(gint16, t->n_samples);
    segment(t->samples, rate, first);
    segment(t->samples + n, rate, second);
}

void
conf_tones_init(void)
{
    for (guint ri = 0; ri < CONF_N_RATES; ri++) {
        if (tables[CONF_TONE_JOIN][ri].samples)
            continue;
        make(&tables[CONF_TONE_JOIN][ri], conf_rate_of(ri), 440, 660);
        make(&tables[CONF_TONE_LEAVE][ri], conf_rate_of(ri), 660, 440);
    }
}

void
conf_tones_clear(void)
{
    for (guint k = 0; k < CONF_TONE_KINDS; k++)
        for (guint ri = 0; ri < CONF_N_RATES; ri++)
            g_clear_pointer(&tables[k][ri].samples, g_free);
}

const gint16 *
conf_tone_get(ConfToneKind kind, guint ri, guint *n_samples)
{
    const Table *t = &tables[kind][ri];

    *n_samples = t->n_samples;
    return t->samples;
}
