/* app_playback - private declarations shared by the module's files.
 *
 * Three layers, each in its own file:
 *
 *   port.c      PlayPort: the audio port that reads a list of decoded
 *               sounds, one tick at a time, on the channel's media thread;
 *   playback.c  Playback: loads the sounds (res_sounds), plays them
 *               through an audio task, and says once how it ended;
 *   reader.c    Reader: collects DTMF digits with timeouts, after an
 *               optional prompt (a Playback) that the first digit stops;
 *
 * and on top the Lua methods (methods.c, with the argument checks in
 * args.c and the English number rules in say.c), the CLI (cli.c) and the
 * descriptor (module.c).
 *
 * Thread affinity: the main context, asserted at each entry point below,
 * except the PlayPort's read, which runs on the channel's media thread
 * (it reads sounds that never change, writes only its own position, and
 * neither allocates, locks nor logs).
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sounds.h>

G_BEGIN_DECLS

/* ---------------------------------------------------------- module.c */

extern PbxModule *app_playback_module;          /* NULL when not loaded */
extern const SoundsApi *app_playback_sounds;
extern PbxTimers *app_playback_timers;          /* the readers' timeouts */
extern PbxLogDomain *app_playback_log;          /* subsystem "playback" */
/* Set while the module unloads: no new playback or reader starts. */
extern gboolean app_playback_unloading;

/* Errors of this module (the sounds' own come as SOUNDS_ERROR). */
#define PLAYBACK_ERROR (g_quark_from_static_string("carillon-playback-error"))
typedef enum {
    PLAYBACK_ERROR_HANGUP,      /* the channel hung up */
    PLAYBACK_ERROR_STATE,       /* the channel has no media: not answered, no early media */
    PLAYBACK_ERROR_STOPPED,     /* stopped: the module is unloading */
    PLAYBACK_ERROR_FAILED,      /* the port could not be attached, or the media went away */
} PlaybackError;

/* Limits of one request (they bound the C arrays a request uses). */
#define PLAYBACK_MAX_SOUNDS 64
#define PLAYBACK_MAX_DIGITS 16  /* distinct DTMF digits: 0-9 * # A-D */

/* ---------------------------------------------------------- port.c */

/* What a playback's media thread reads.  `sounds` (all at `rate`) are
 * set before the port is attached and never change while it is; the
 * position is the media thread's alone; `ticks` (atomic) is read by the
 * CLI.  A shared prompt costs a call these few words: the samples are
 * the cache's. */
typedef struct {
    PbxSound **sounds;
    guint n_sounds;
    guint rate;
    guint index;                /* media thread: the sound being played */
    gsize pos;                  /* media thread: the next sample of it */
    gboolean notified;          /* media thread: the task was told */
    gint ticks;                 /* atomic: ticks of audio given so far */
    PbxAudioTask *task;         /* atomic: set once the task exists */
} PlayPort;

extern const PbxAudioPortFuncs play_port_funcs;

/* Main context, before and after the port is attached. */
void play_port_init(PlayPort *port, guint n_sounds, guint rate);
void play_port_clear(PlayPort *port);
/* Main context: lets the port tell `task` when the sounds are over (the
 * media thread may have reached the end already: it tells it then). */
void play_port_set_task(PlayPort *port, PbxAudioTask *task);
/* Any thread: milliseconds of audio given so far, and in all. */
guint play_port_get_played_ms(PlayPort *port);
guint play_port_get_length_ms(const PlayPort *port);

/* ---------------------------------------------------------- playback.c */

typedef struct _Playback Playback;

typedef enum {
    PLAYBACK_COMPLETE,          /* every sound was played to its end */
    PLAYBACK_DIGIT,             /* one of the interrupt digits stopped it */
    PLAYBACK_HANGUP,            /* the channel hung up */
    PLAYBACK_STOPPED,           /* playback_stop() */
    PLAYBACK_FAILED,            /* a sound could not be loaded, or no media */
} PlaybackEnd;

/* How a playback ended, once.  error: set for FAILED (SOUNDS_ERROR or
 * PLAYBACK_ERROR), owned by the playback, valid during the call. */
typedef void (*PlaybackDone)(PlaybackEnd end, char digit, const GError *error,
                             gpointer data);

typedef struct {
    const char *names[PLAYBACK_MAX_SOUNDS];     /* sound names or absolute paths */
    guint n_names;                              /* 1 .. PLAYBACK_MAX_SOUNDS */
    const char *language;                       /* NULL: the channel's, else the default */
    char interrupt[PLAYBACK_MAX_DIGITS + 1];    /* digits that stop it; "" none */
} PlaybackRequest;

/* FALSE with PLAYBACK_ERROR_HANGUP or _STATE when chan cannot play now
 * (hung up; not UP and not in early media), or _STOPPED while the
 * module unloads. */
gboolean playback_check_channel(PbxChannel *chan, GError **error);
/* The rate sounds are loaded at for chan: its codec's PCM rate (8 kHz
 * for G.711 and GSM, 16 for G.722, 48 for Opus), 8000 without one. */
guint playback_rate_for(PbxChannel *chan);
/* Loads the sounds (in parallel, at playback_rate_for(chan)) and plays
 * them in order.  `done` is called exactly once, never from inside this
 * call: at once for a digit, a hangup or a stop (playback_stop() calls
 * it before it returns), after the last sample for COMPLETE, when a
 * load fails for FAILED.  The playback may outlive its `done` a little
 * (until the media thread lets go of its port) and frees itself; forget
 * it once `done` has run. */
Playback *playback_start(PbxChannel *chan, const PlaybackRequest *req, PlaybackDone done,
                         gpointer data);
/* Ends it with PLAYBACK_STOPPED (done runs before this returns), or, when
 * done has run already, only hurries its port's release. */
void playback_stop(Playback *pb);
/* Live playbacks, those waiting for their port's release included. */
guint playback_count(void);
void playback_stop_all(void);

typedef struct {
    const char *channel;
    const char *stage;          /* "loading", "playing", "ending" */
    const char *sound;          /* the first sound not finished (NULL while loading) */
    guint index, n_sounds;
    guint played_ms, length_ms;
    const char *interrupt;
} PlaybackInfo;
void playback_foreach(void (*fn)(const PlaybackInfo *info, gpointer data), gpointer data);

/* ---------------------------------------------------------- reader.c */

typedef struct _Reader Reader;

typedef enum {
    READER_MAX,                 /* `max` digits were typed */
    READER_TERMINATOR,          /* a terminator digit (not in the digits) */
    READER_TIMEOUT,             /* no (further) digit in time */
    READER_HANGUP,
    READER_FAILED,              /* the prompt failed: error says why */
    READER_STOPPED,             /* reader_stop() */
} ReaderEnd;

typedef struct {
    guint max;                                  /* 1 .. 128 */
    guint timeout_ms;                           /* first digit, from the prompt's end */
    guint inter_digit_ms;                       /* between digits */
    char terminator[PLAYBACK_MAX_DIGITS + 1];   /* "" none */
    PlaybackRequest prompt;                     /* n_names 0: none */
} ReaderOptions;

typedef void (*ReaderDone)(ReaderEnd end, const char *digits, const GError *error,
                           gpointer data);

/* Plays the prompt, if any, and collects digits (also those typed while
 * it loads or plays: the first stops it).  `done` runs once, never from
 * inside this call; reader_stop() calls it before returning.  The
 * reader is freed after `done`. */
Reader *reader_start(PbxChannel *chan, const ReaderOptions *opts, ReaderDone done,
                     gpointer data);
void reader_stop(Reader *r);
guint reader_count(void);
void reader_stop_all(void);

/* ---------------------------------------------------------- say.c */

/* The English prompts for n ("digits/1", "digits/thousand", ...):
 * |n| <= SAY_NUMBER_MAX.  Appends to names from *n_names on; FALSE
 * when they would pass `max`. */
#define SAY_NUMBER_MAX G_GINT64_CONSTANT(999999999999)
gboolean say_number_names(gint64 n, const char **names, guint *n_names, guint max);
/* "digits/7", "digits/star", "digits/pound"; NULL for other characters. */
const char *say_digit_name(char c);

/* ---------------------------------------------------------- methods.c, cli.c */

gboolean app_playback_register_methods(PbxModule *self, GError **error);
gboolean app_playback_register_cli(PbxModule *self, GError **error);
/* announce.c: provides the core's announcements (carillon/announce.h). */
void app_playback_register_announcer(PbxModule *self);

G_END_DECLS
