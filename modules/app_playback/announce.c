/* app_playback - the core's announcements (carillon/announce.h): the
 * digits of a parked call's slot said to its parker. */
#include <carillon/announce.h>

#include "app_playback.h"

typedef struct {
    Playback *pb;
    void (*done)(gpointer data);
    gpointer data;
} Announcement;

static void
announcement_done(PlaybackEnd end, char digit, const GError *error, gpointer data)
{
    Announcement *a = data;

    if (error)
        pbx_debug(app_playback_log, "announcement: %s", error->message);
    a->done(a->data);
    g_free(a);
}

static gpointer
say_digits(PbxChannel *chan, const char *digits, void (*done)(gpointer data), gpointer data,
           GError **error)
{
    PlaybackRequest req = { 0 };
    Announcement *a;

    PBX_ASSERT_MAIN_CONTEXT();
    for (const char *p = digits; *p && req.n_names < PLAYBACK_MAX_SOUNDS; p++) {
        if (say_digit_name(*p))
            req.names[req.n_names++] = say_digit_name(*p);
    }
    if (req.n_names == 0) {
        g_set_error(error, PLAYBACK_ERROR, PLAYBACK_ERROR_FAILED, "nothing to say in '%s'",
                    digits);
        return NULL;
    }
    if (!playback_check_channel(chan, error))
        return NULL;
    a = g_new0(Announcement, 1);
    a->done = done;
    a->data = data;
    a->pb = playback_start(chan, &req, announcement_done, a);
    return a;
}

/* Only before done has run (the caller forgets it then). */
static void
stop(gpointer announcement)
{
    Announcement *a = announcement;

    PBX_ASSERT_MAIN_CONTEXT();
    playback_stop(a->pb);
}

static const PbxAnnouncer announcer = { .say_digits = say_digits, .stop = stop };

void
app_playback_register_announcer(PbxModule *self)
{
    pbx_announcer_set(self, &announcer);
}
