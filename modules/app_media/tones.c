/* app_media - tone plans and the player over spandsp's cadenced tone
 * generator (see tones.h). */
#include <string.h>

#include <spandsp.h>

#include "tones.h"

struct _TonePlan {
    const char *region;
    ToneDef tones[6];
};

#define TEST_TONES                                                     \
    { "milliwatt", 1004, 0, 0, 0, 0, 0, FALSE },                       \
    { "beep", 1000, 0, -6, 0, 250, 0, TRUE }

static const TonePlan plans[] = {
    { "us", {
        /* name          f1   f2  level1 level2  on    off  once */
        { "dial",        350, 440, -13, -13,     0,     0, FALSE },
        { "ring",        440, 480, -19, -19,  2000,  4000, FALSE },
        { "busy",        480, 620, -24, -24,   500,   500, FALSE },
        { "congestion",  480, 620, -24, -24,   250,   250, FALSE },
        TEST_TONES,
    } },
    { "eu", {
        { "dial",        425,   0, -10,   0,     0,     0, FALSE },
        { "ring",        425,   0, -10,   0,  1000,  4000, FALSE },
        { "busy",        425,   0, -10,   0,   500,   500, FALSE },
        { "congestion",  425,   0, -10,   0,   250,   250, FALSE },
        TEST_TONES,
    } },
};

struct _TonePlayer {
    tone_gen_state_t *gen;
};

const TonePlan *
tone_plan_find(const char *region)
{
    for (guint i = 0; i < G_N_ELEMENTS(plans); i++)
        if (g_strcmp0(plans[i].region, region) == 0)
            return &plans[i];
    return NULL;
}

const char *
tone_plan_get_region(const TonePlan *plan)
{
    return plan->region;
}

const ToneDef *
tone_plan_lookup(const TonePlan *plan, const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(plan->tones); i++)
        if (strcmp(plan->tones[i].name, name) == 0)
            return &plan->tones[i];
    return NULL;
}

const char *
tone_plan_names(void)
{
    return "dial, ring, busy, congestion";
}

/* spandsp's cadence: on for d1 ms, off for d2, repeated; a continuous
 * tone is one second on, no off, repeated (its phase runs on). */
TonePlayer *
tone_player_new(const ToneDef *def)
{
    TonePlayer *p = g_new0(TonePlayer, 1);
    tone_gen_descriptor_t *d;
    int on = def->on_ms ? def->on_ms : 1000;

    d = tone_gen_descriptor_init(NULL, def->f1, def->level1, def->f2, def->level2, on,
                                 def->off_ms, 0, 0, !def->once);
    p->gen = tone_gen_init(NULL, d);
    tone_gen_descriptor_free(d);
    return p;
}

void
tone_player_free(TonePlayer *p)
{
    if (!p)
        return;
    tone_gen_free(p->gen);
    g_free(p);
}

guint
tone_player_fill(TonePlayer *p, gint16 *pcm, guint n)
{
    int got = tone_gen(p->gen, pcm, (int) n);

    return got > 0 ? (guint) got : 0;
}
