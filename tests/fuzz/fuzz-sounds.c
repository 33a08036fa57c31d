/* Carillon - libFuzzer harness for res_sounds' reading of sound files:
 * bytes through libsndfile (sf_open_virtual) and our own part, the
 * checks on what it reports, the mixing down and the rate conversion
 * (modules/res_sounds/decode.c, convert.c, sound.c).  The first byte
 * picks the rate asked for; the rest is the file.
 *
 * Oracle: a sound that loads is at that rate, not empty, no longer than
 * the limit allows, and every sample is readable; a failure has an error
 * of SOUNDS_ERROR. */
#include "../../modules/res_sounds/sounds_private.h"

#define MAX_SECONDS 5

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
check_sound(const PbxSound *s, guint rate)
{
    gint64 sum = 0;

    g_assert_cmpuint(s->rate, ==, rate);
    g_assert_cmpuint(s->n_samples, >, 0);
    g_assert_cmpuint(s->n_samples, <=, (gsize) MAX_SECONDS * rate + 1);
    g_assert_cmpint(s->ref_count, ==, 1);
    for (gsize i = 0; i < s->n_samples; i++)
        sum += s->samples[i];
    g_assert_cmpstr(s->name, ==, "fuzz");
    (void) sum;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    static const guint rates[] = { 8000, 16000, 48000 };
    GError *error = NULL;
    PbxSound *s;
    guint rate;

    if (size < 1)
        return 0;
    rate = rates[data[0] % 3];
    s = sound_decode_memory(data + 1, size - 1, "fuzz", rate, MAX_SECONDS, &error);
    if (s) {
        check_sound(s, rate);
        pbx_sound_unref(s);
    } else {
        g_assert_nonnull(error);
        g_assert_true(error->domain == SOUNDS_ERROR);
        g_error_free(error);
    }
    return 0;
}
