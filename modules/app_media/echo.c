/* app_media - call:echo({duration=, terminator=}): what the caller says
 * comes straight back (the same tick), until the duration of audio has
 * passed, a terminator digit (default "#") or the hangup.  See
 * README.md. */
#include <string.h>

#include <lua.h>

#include "app.h"
#include "methods.h"

#define NO_LIMIT G_MAXUINT64

typedef struct {
    MediaApp app;
    PbxAudioFrame heard;        /* media thread: this tick's audio */
    gboolean have;
    guint64 left_ms;            /* media thread: ticks still to echo, in ms, or NO_LIMIT */
} EchoApp;

typedef struct {
    double duration;
    char terminator[MEDIA_DIGITS_MAX + 1];
} EchoOpts;

static const MediaOptDesc echo_opts[] = {
    /* key          type               offset                                min   max */
    { "duration",   MEDIA_OPT_SECONDS, G_STRUCT_OFFSET(EchoOpts, duration),  0.02, 86400 },
    { "terminator", MEDIA_OPT_DIGITS,  G_STRUCT_OFFSET(EchoOpts, terminator) },
};

/* Media thread: the writes of a tick come before its reads. */
static void
echo_write(gpointer data, const PbxAudioFrame *in)
{
    EchoApp *e = data;

    e->heard.rate = in->rate;
    e->heard.n_samples = MIN(in->n_samples, PBX_AUDIO_MAX_SAMPLES);
    memcpy(e->heard.samples, in->samples, e->heard.n_samples * sizeof(gint16));
    e->have = TRUE;
}

static gboolean
echo_read(gpointer data, PbxAudioFrame *out)
{
    EchoApp *e = data;
    gboolean any = e->have && !e->app.port_done;

    if (any) {
        out->rate = e->heard.rate;
        out->n_samples = e->heard.n_samples;
        memcpy(out->samples, e->heard.samples, e->heard.n_samples * sizeof(gint16));
    }
    if (!e->app.port_done && e->left_ms != NO_LIMIT) {
        e->left_ms -= MIN(e->left_ms, PBX_AUDIO_TICK_MS);
        if (e->left_ms == 0)
            media_app_port_done(&e->app);
    }
    media_app_port_tick(&e->app);
    return any;
}

static void
echo_free(MediaApp *app)
{
    g_free(app);
}

static const MediaAppClass echo_class = {
    .port = { .read = echo_read, .write = echo_write },
    .push = media_app_push_end,
    .free = echo_free,
};

int
media_call_echo(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    EchoOpts o = { .duration = 0, .terminator = "#" };
    EchoApp *e;

    media_opts_check(L, 2, "call:echo()", echo_opts, G_N_ELEMENTS(echo_opts), &o);
    e = g_new0(EchoApp, 1);
    media_app_init(&e->app, &echo_class, chan, o.terminator);
    e->left_ms = o.duration > 0 ? (guint64) (o.duration * 1000 + 0.5) : NO_LIMIT;
    return media_app_run(L, &e->app);
}
