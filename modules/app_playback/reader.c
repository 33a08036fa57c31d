/* app_playback - a reader: DTMF digits collected with timeouts, after an
 * optional prompt.
 *
 * The reader watches the channel from its start, so digits typed while
 * the prompt loads or plays count; the first one stops the prompt.  The
 * timeout for the first digit starts when the prompt is over (at once
 * without one), the inter-digit timeout after each digit.  It ends once:
 * `max` digits, a terminator, a timeout, a hangup, the prompt failing,
 * or reader_stop().  Its timer lives in the module's timer set.
 */
#include <string.h>

#include "app_playback.h"

struct _Reader {
    GList link;                 /* in `live` */
    PbxChannel *chan;
    guint watch;
    PbxTimer timer;
    guint max;
    guint timeout_ms;
    guint inter_digit_ms;
    char terminator[PLAYBACK_MAX_DIGITS + 1];
    GString *digits;
    Playback *prompt;           /* NULL once it has ended */
    gboolean ended;
    ReaderDone done;
    gpointer data;
};

static GQueue live = G_QUEUE_INIT;

static void
reader_free(Reader *r)
{
    g_queue_unlink(&live, &r->link);
    pbx_timer_stop(&r->timer);
    if (r->watch)
        pbx_channel_unwatch(r->chan, r->watch);
    g_string_free(r->digits, TRUE);
    pbx_channel_unref(r->chan);
    g_free(r);
    pbx_module_unuse(app_playback_module);
}

static void
stop_prompt(Reader *r)
{
    Playback *pb = r->prompt;

    r->prompt = NULL;
    if (pb)
        playback_stop(pb);      /* its done (prompt_done) runs in here */
}

/* The one way out: stop everything, tell the owner, free. */
static void
reader_end(Reader *r, ReaderEnd end, const GError *error)
{
    if (r->ended)
        return;
    r->ended = TRUE;
    pbx_timer_stop(&r->timer);
    pbx_channel_unwatch(r->chan, r->watch);
    r->watch = 0;
    stop_prompt(r);
    r->done(end, r->digits->str, error, r->data);
    reader_free(r);
}

static void
timed_out(PbxTimer *timer, gpointer data)
{
    reader_end(data, READER_TIMEOUT, NULL);
}

static void
got_digit(Reader *r, char digit)
{
    if (strchr(r->terminator, digit)) {
        reader_end(r, READER_TERMINATOR, NULL);
        return;
    }
    g_string_append_c(r->digits, digit);
    if (r->digits->len >= r->max) {
        reader_end(r, READER_MAX, NULL);
        return;
    }
    stop_prompt(r);
    pbx_timer_start(&r->timer, r->inter_digit_ms);
}

static void
chan_event(PbxChannel *chan, PbxChannelEventKind kind, const char *detail, gpointer data)
{
    Reader *r = data;

    if (kind == PBX_CHANNEL_EVENT_HANGUP)
        reader_end(r, READER_HANGUP, NULL);
    else if (kind == PBX_CHANNEL_EVENT_DTMF)
        got_digit(r, detail[0]);
}

/* The prompt is over.  Stopped by a digit (or by reader_end): the digit
 * has done what follows.  Played to its end: the first digit may come. */
static void
prompt_done(PlaybackEnd end, char digit, const GError *error, gpointer data)
{
    Reader *r = data;

    r->prompt = NULL;
    if (r->ended || end == PLAYBACK_STOPPED)
        return;
    if (end == PLAYBACK_FAILED)
        reader_end(r, READER_FAILED, error);
    else if (end == PLAYBACK_HANGUP)
        reader_end(r, READER_HANGUP, NULL);
    else if (r->digits->len == 0)
        pbx_timer_start(&r->timer, r->timeout_ms);
}

static Reader *
reader_new(PbxChannel *chan, const ReaderOptions *opts, ReaderDone done, gpointer data)
{
    Reader *r = g_new0(Reader, 1);

    r->link.data = r;
    g_queue_push_tail_link(&live, &r->link);
    pbx_module_use(app_playback_module);
    r->chan = pbx_channel_ref(chan);
    r->max = opts->max;
    r->timeout_ms = opts->timeout_ms;
    r->inter_digit_ms = opts->inter_digit_ms;
    g_strlcpy(r->terminator, opts->terminator, sizeof(r->terminator));
    r->digits = g_string_sized_new(opts->max + 1);
    r->done = done;
    r->data = data;
    pbx_timer_init(&r->timer, app_playback_timers, timed_out, r);
    return r;
}

Reader *
reader_start(PbxChannel *chan, const ReaderOptions *opts, ReaderDone done, gpointer data)
{
    PlaybackRequest prompt = opts->prompt;
    Reader *r;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(opts->max > 0 && done != NULL, NULL);
    r = reader_new(chan, opts, done, data);
    r->watch = pbx_channel_watch(chan, chan_event, r);
    prompt.interrupt[0] = '\0';                 /* the first digit stops it (got_digit) */
    if (prompt.n_names > 0)
        r->prompt = playback_start(chan, &prompt, prompt_done, r);
    else
        pbx_timer_start(&r->timer, r->timeout_ms);
    return r;
}

void
reader_stop(Reader *r)
{
    PBX_ASSERT_MAIN_CONTEXT();
    reader_end(r, READER_STOPPED, NULL);
}

guint
reader_count(void)
{
    return live.length;
}

void
reader_stop_all(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    while (live.head)
        reader_stop(live.head->data);
}
