/* app_media - call:tone(name, {duration=, terminator=}) and
 * call:milliwatt({duration=, terminator=}): a tone played to the caller
 * for a duration (counted in audio played), until a terminator digit or
 * the hangup.  See README.md. */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "app.h"
#include "conf.h"
#include "methods.h"

#define TICK (TONE_RATE / 1000 * PBX_AUDIO_TICK_MS)
#define NO_LIMIT G_MAXUINT64
#define ALL_DIGITS "0123456789*#ABCD"

typedef struct {
    MediaApp app;
    TonePlayer *player;
    guint64 left;               /* media thread: samples still to play, or NO_LIMIT */
} ToneApp;

typedef struct {
    double duration;            /* seconds; 0: no limit */
    char terminator[MEDIA_DIGITS_MAX + 1];
} ToneOpts;

static const MediaOptDesc tone_opts[] = {
    /* key          type               offset                                min   max */
    { "duration",   MEDIA_OPT_SECONDS, G_STRUCT_OFFSET(ToneOpts, duration),  0.02, 86400 },
    { "terminator", MEDIA_OPT_DIGITS,  G_STRUCT_OFFSET(ToneOpts, terminator) },
};

/* Media thread: a tick of the tone, silence after the duration's last
 * sample. */
static gboolean
tone_read(gpointer data, PbxAudioFrame *out)
{
    ToneApp *t = data;
    guint n = (guint) MIN(TICK, t->left), got;

    if (t->app.port_done) {
        media_app_port_tick(&t->app);
        return FALSE;
    }
    out->rate = TONE_RATE;
    out->n_samples = TICK;
    got = tone_player_fill(t->player, out->samples, n);
    memset(out->samples + got, 0, (TICK - got) * sizeof(gint16));
    if (t->left != NO_LIMIT)
        t->left -= n;
    if (t->left == 0)
        media_app_port_done(&t->app);
    else
        media_app_port_tick(&t->app);
    return TRUE;
}

static void
tone_free(MediaApp *app)
{
    ToneApp *t = (ToneApp *) app;

    tone_player_free(t->player);
    g_free(t);
}

static const MediaAppClass tone_class = {
    .port = { .read = tone_read },
    .push = media_app_push_end,
    .free = tone_free,
};

static int
play(lua_State *L, PbxChannel *chan, const ToneDef *def, const ToneOpts *o)
{
    ToneApp *t = g_new0(ToneApp, 1);

    media_app_init(&t->app, &tone_class, chan, o->terminator);
    t->player = tone_player_new(def);
    t->left = o->duration > 0 ? (guint64) (o->duration * TONE_RATE + 0.5) : NO_LIMIT;
    return media_app_run(L, &t->app);
}

/* One of the names call:tone() takes (the plan also has the test tones,
 * which have methods of their own). */
static const ToneDef *
check_tone(lua_State *L, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    const ToneDef *def = tone_plan_lookup(media_conf_get()->tones, name);

    if (!def || strcmp(name, "milliwatt") == 0 || strcmp(name, "beep") == 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown tone '%s' (%s)", name,
                                              tone_plan_names()));
    return def;
}

int
media_call_tone(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const ToneDef *def = check_tone(L, 2);
    ToneOpts o = { .duration = 10, .terminator = ALL_DIGITS };

    media_opts_check(L, 3, "call:tone()", tone_opts, G_N_ELEMENTS(tone_opts), &o);
    return play(L, chan, def, &o);
}

int
media_call_milliwatt(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    ToneOpts o = { .duration = 0, .terminator = "" };

    media_opts_check(L, 2, "call:milliwatt()", tone_opts, G_N_ELEMENTS(tone_opts), &o);
    return play(L, chan, tone_plan_lookup(media_conf_get()->tones, "milliwatt"), &o);
}
