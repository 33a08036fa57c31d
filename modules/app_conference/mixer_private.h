/* app_conference - the mixer's structures, shared by mixer.c (main
 * context: rooms and ports come and go) and mix.c (media threads: write
 * and read).  See mixer.h for the design. */
#pragma once

#include "mixer.h"

G_BEGIN_DECLS

#define CACHE_LINE 64

/* A participant's place in the room, written by its thread, read by all. */
typedef struct {
    ConfRing ring;
    gint in_use;            /* atomic: a participant is heard from here */
    gint muted;             /* atomic: set by the main context */
} __attribute__((aligned(CACHE_LINE))) ConfSlot;

struct _ConfMixer {
    ConfSlot slots[CONF_MAX_MEMBERS];
    gint n_slots;                       /* atomic: slots ever used, a prefix */
    guint wanted_ms[CONF_N_RATES];      /* atomic: when a listener last wanted a rate */
    gint tone;                          /* atomic: tones played << 2 | ConfToneKind */
    gboolean claimed[CONF_MAX_MEMBERS]; /* main context: a port holds the slot */
    guint tones_played;                 /* main context */
};

struct _ConfMixPort {
    ConfMixer *mixer;
    guint slot;
    gint rate;                          /* atomic: the participant's rate */
    /* its thread's own state */
    PbxResampler *resampler[CONF_N_RATES][CONF_N_RATES];  /* [from][to] */
    gboolean resampling[CONF_N_RATES];  /* the last tick went out at that rate */
    gboolean was_muted;
    guint cursor[CONF_MAX_MEMBERS];     /* next tick to take from each slot */
    gint tone_seen;
    ConfToneKind tone_kind;
    guint tone_tick;
    ConfMixStats stats;                 /* written by its thread, relaxed */
    gint32 sum[CONF_MAX_TICK];
    gint16 tick[CONF_MAX_TICK];
};

/* A listener wants rate index ri while now_ms - wanted_ms < this. */
#define CONF_WANTED_MS 200u

static inline guint
conf_now_ms(void)
{
    return (guint) (g_get_monotonic_time() / 1000);
}

G_END_DECLS
