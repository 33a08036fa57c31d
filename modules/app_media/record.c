/* app_media - call:record(path, {max=, silence=, beep=, terminator=,
 * format=}) -> path, seconds, reason.
 *
 * The steps, each where it belongs: the method checks its arguments and
 * prepares the port (main context); the writer creates the temporary file
 * (writer thread); the port goes onto the channel and records until its
 * limit, a terminator digit or the hangup (media thread, into the ring);
 * the writer drains the rest, cuts trailing silence, closes the file and
 * renames it into place; the call resumes with the results.  See
 * README.md for the options and results. */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <sndfile.h>

#include "app.h"
#include "conf.h"
#include "methods.h"
#include "record_path.h"
#include "record_port.h"
#include "writer.h"

typedef enum {
    FORMAT_WAV,                 /* 16-bit PCM at the leg's rate */
    FORMAT_WAV8,                /* 16-bit PCM at 8 kHz */
    FORMAT_GSM,                 /* GSM 06.10 in WAV (WAV49), 8 kHz */
} RecordFormat;

static const char *const format_names[] = { "wav", "wav8", "gsm", NULL };

typedef struct {
    double max, silence;
    gboolean beep;
    char terminator[MEDIA_DIGITS_MAX + 1];
    guint format;
} RecordOpts;

#define OFF(f) G_STRUCT_OFFSET(RecordOpts, f)
static const MediaOptDesc record_opts[] = {
    /* key          type               offset           min   max    choices */
    { "max",        MEDIA_OPT_SECONDS, OFF(max),        0.02, 86400 },
    { "silence",    MEDIA_OPT_SECONDS, OFF(silence),    0,    3600 },
    { "beep",       MEDIA_OPT_BOOL,    OFF(beep) },
    { "terminator", MEDIA_OPT_DIGITS,  OFF(terminator) },
    { "format",     MEDIA_OPT_CHOICE,  OFF(format),     0,    0,     format_names },
};

typedef struct {
    MediaApp app;
    RecordPort port;
    RecFile *file;
    char *path;                 /* absolute */
    int sf_format;
    double seconds;             /* the results */
    char reason[16];
} RecordApp;

/* ---------------------------------------------------------- the port */

static void
rec_write(gpointer data, const PbxAudioFrame *in)
{
    record_port_write(&((RecordApp *) data)->port, in);
}

/* The task completes from a read, after the tick's write. */
static gboolean
rec_read(gpointer data, PbxAudioFrame *out)
{
    RecordApp *r = data;
    gboolean any = record_port_read(&r->port, out);

    if (record_port_get_limit(&r->port) != RECORD_GOING)
        media_app_port_done(&r->app);
    else
        media_app_port_tick(&r->app);
    return any;
}

/* ---------------------------------------------------------- the end */

static void
file_finished(RecFile *file, const GError *error, gpointer data)
{
    RecordApp *r = data;

    if (r->port.lost)
        pbx_warning(pbx_log_domain("app_media"),
                    "%s: %" G_GUINT64_FORMAT " ms of audio lost (the disk was too slow), "
                    "written as silence", r->path, r->port.lost * 1000 / r->port.p.rate);
    if (error && !r->app.fail)
        media_app_set_fail(&r->app, "io", error->message);
    r->seconds = (double) rec_file_get_frames(file) / r->port.p.rate;
    media_app_wake(&r->app);
}

/* "max", "silence", the digit, "hangup", "lost" (bridged meanwhile) or
 * "unloaded". */
static void
set_reason(RecordApp *r)
{
    RecordLimit limit = record_port_get_limit(&r->port);

    if (r->app.end == PBX_AUDIO_TASK_COMPLETE)
        g_strlcpy(r->reason, limit == RECORD_MAX ? "max" : "silence", sizeof r->reason);
    else if (r->app.end == PBX_AUDIO_TASK_DTMF)
        g_snprintf(r->reason, sizeof r->reason, "%c", r->app.digit);
    else if (r->app.end == PBX_AUDIO_TASK_STOPPED)
        g_strlcpy(r->reason, "unloaded", sizeof r->reason);
    else
        g_strlcpy(r->reason, r->app.end == PBX_AUDIO_TASK_LOST ? "lost" : "hangup",
                  sizeof r->reason);
}

/* The port has been released: the ring has its last samples. */
static void
record_ended(MediaApp *app)
{
    RecordApp *r = (RecordApp *) app;
    gboolean silence = r->app.end == PBX_AUDIO_TASK_COMPLETE
                       && record_port_get_limit(&r->port) == RECORD_SILENCE;

    set_reason(r);
    rec_file_finish(r->file, TRUE, silence ? record_port_get_trailing_silence(&r->port) : 0,
                    file_finished, r);
}

static void
file_opened(RecFile *file, const GError *error, gpointer data)
{
    RecordApp *r = data;

    if (error) {
        media_app_set_fail(&r->app, "io", error->message);
        media_app_wake(&r->app);
    } else if (!media_app_start(&r->app)) {
        rec_file_finish(file, FALSE, 0, file_finished, r);     /* deleted */
    }
}

static int
record_push(MediaApp *app, lua_State *T)
{
    RecordApp *r = (RecordApp *) app;

    if (app->fail)
        return media_app_push_fail(app, T);
    lua_pushstring(T, r->path);
    lua_pushnumber(T, r->seconds);
    lua_pushstring(T, r->reason);
    return 3;
}

static void
record_free(MediaApp *app)
{
    RecordApp *r = (RecordApp *) app;

    rec_file_free(r->file);
    record_port_clear(&r->port);
    g_free(r->path);
    g_free(r);
}

static const MediaAppClass record_class = {
    .port = { .read = rec_read, .write = rec_write },
    .ended = record_ended,
    .push = record_push,
    .free = record_free,
};

/* ---------------------------------------------------------- the start */

/* wav: the rate the leg's codec decodes at (8 kHz when unknown). */
static guint
file_rate(PbxChannel *chan, RecordFormat format)
{
    const char *name = pbx_channel_get_codec(chan);
    const PbxCodec *codec = name ? pbx_codec_find(name) : NULL;

    if (format != FORMAT_WAV || !codec || !pbx_audio_rate_is_valid(codec->sample_rate))
        return 8000;
    return codec->sample_rate;
}

static RecordApp *
record_app_new(PbxChannel *chan, const char *path, const RecordOpts *o, GError **error)
{
    const MediaConf *conf = media_conf_get();
    RecordApp *r = g_new0(RecordApp, 1);
    RecordPortParams p = { .rate = file_rate(chan, o->format) };

    p.max_samples = (guint64) (o->max * p.rate + 0.5);
    p.silence_samples = (guint64) (o->silence * p.rate + 0.5);
    p.threshold = record_threshold_from_dbm0(conf->silence_threshold);
    p.beep = o->beep ? tone_plan_lookup(conf->tones, "beep") : NULL;
    media_app_init(&r->app, &record_class, chan, o->terminator);
    r->path = record_path_resolve(path, conf->recordings_dir);
    r->sf_format = SF_FORMAT_WAV | (o->format == FORMAT_GSM ? SF_FORMAT_GSM610 : SF_FORMAT_PCM_16);
    if (!record_port_init(&r->port, &p, error)) {
        media_app_free(&r->app);
        return NULL;
    }
    return r;
}

/* Waits for the writer to open the file; the rest follows from
 * file_opened. */
static int
start(lua_State *L, PbxChannel *chan, const char *path, const RecordOpts *o)
{
    g_autoptr(GError) error = NULL;
    RecordApp *r = record_app_new(chan, path, o, &error);
    int n;

    if (!r) {
        lua_pushnil(L);
        lua_pushstring(L, error->message);
        lua_pushliteral(L, "failed");
        return 3;
    }
    if (!media_app_begin(L, &r->app)) {
        n = media_app_push_fail(&r->app, L);
        media_app_free(&r->app);
        return n;
    }
    r->file = rec_file_open(r->path, r->sf_format, r->port.p.rate, &r->port.ring, file_opened, r);
    return -1;
}

static const char *
check_path(lua_State *L, int idx)
{
    size_t len;
    const char *path = luaL_checklstring(L, idx, &len);
    const char *problem = record_path_problem(path, len, media_conf_get()->allow_absolute_paths);

    if (problem)
        luaL_argerror(L, idx, problem);
    return path;
}

int
media_call_record(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    const char *path = check_path(L, 2);
    RecordOpts o = { .max = 3600, .terminator = "#", .format = FORMAT_WAV };
    int n;

    media_opts_check(L, 3, "call:record()", record_opts, G_N_ELEMENTS(record_opts), &o);
    n = start(L, chan, path, &o);
    return n >= 0 ? n : pbx_dialplan_yield(L);
}
