/* app_media - the recording writer thread (see writer.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sndfile.h>

#include <carillon/carillon.h>

#include "writer.h"

typedef enum {
    CMD_OPEN,
    CMD_FINISH,
    CMD_QUIT,
} CmdType;

struct _RecFile {
    CmdType cmd;                /* the request in flight */
    /* set on the main context before opening, read-only afterwards */
    char *path;
    int sf_format;
    guint rate;
    RecRing *ring;
    /* the writer's between a request and its callback */
    char *tmp_path;
    int fd;
    SNDFILE *sf;
    guint64 frames;
    GError *error;
    gboolean keep;
    guint64 trim;
    /* main context */
    RecFileFunc func;
    gpointer data;
};

static GAsyncQueue *queue;
static GThread *thread;
static RecFile quit = { .cmd = CMD_QUIT };

/* ---------------------------------------------------------- writer thread */

static void
fail(RecFile *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
fail(RecFile *f, const char *fmt, ...)
{
    va_list ap;

    if (f->error)
        return;
    va_start(ap, fmt);
    f->error = g_error_new_valist(G_FILE_ERROR, G_FILE_ERROR_IO, fmt, ap);
    va_end(ap);
}

static void
write_samples(RecFile *f, const gint16 *pcm, guint n)
{
    if (n == 0 || f->error)
        return;
    if (sf_write_short(f->sf, pcm, n) != (sf_count_t) n)
        fail(f, "cannot write %s: %s", f->tmp_path, sf_strerror(f->sf));
    else
        f->frames += n;
}

static void
write_silence(RecFile *f, guint n)
{
    static const gint16 zeros[1024];

    while (n > 0 && !f->error) {
        guint k = MIN(n, G_N_ELEMENTS(zeros));
        write_samples(f, zeros, k);
        n -= k;
    }
}

/* What the ring holds, then silence for what it dropped meanwhile. */
static void
drain(RecFile *f)
{
    const gint16 *a, *b;
    guint na, nb, n = rec_ring_peek(f->ring, &a, &na, &b, &nb);

    write_samples(f, a, na);
    write_samples(f, b, nb);
    rec_ring_consume(f->ring, n);
    write_silence(f, rec_ring_take_dropped(f->ring));
}

static gboolean
make_temp(RecFile *f)
{
    g_autofree char *dir = g_path_get_dirname(f->path);
    g_autofree char *base = g_path_get_basename(f->path);

    if (g_mkdir_with_parents(dir, 0750) != 0) {
        fail(f, "cannot create %s: %s", dir, g_strerror(errno));
        return FALSE;
    }
    f->tmp_path = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    f->fd = g_mkstemp_full(f->tmp_path, O_RDWR | O_CLOEXEC, 0640);
    if (f->fd < 0) {
        fail(f, "cannot create a file in %s: %s", dir, g_strerror(errno));
        g_clear_pointer(&f->tmp_path, g_free);
        return FALSE;
    }
    return TRUE;
}

/* The descriptor stays ours (libsndfile does not close it). */
static void
open_file(RecFile *f)
{
    SF_INFO info = { .samplerate = (int) f->rate, .channels = 1, .format = f->sf_format };

    if (!make_temp(f))
        return;
    f->sf = sf_open_fd(f->fd, SFM_WRITE, &info, FALSE);
    if (!f->sf) {
        fail(f, "cannot write %s: %s", f->tmp_path, sf_strerror(NULL));
        close(f->fd);
        g_unlink(f->tmp_path);
    }
}

/* Trailing silence goes where the format can be cut (PCM). */
static void
trim(RecFile *f)
{
    sf_count_t frames = (sf_count_t) (f->frames - MIN(f->trim, f->frames));

    if (f->trim && !f->error && sf_command(f->sf, SFC_FILE_TRUNCATE, &frames, sizeof frames) == 0)
        f->frames = (guint64) frames;
}

static void
close_file(RecFile *f)
{
    int sf_status = sf_close(f->sf);

    f->sf = NULL;
    if (sf_status != 0)
        fail(f, "cannot write %s: %s", f->tmp_path, sf_error_number(sf_status));
    if (close(f->fd) != 0)
        fail(f, "cannot write %s: %s", f->tmp_path, g_strerror(errno));
}

static void
finish_file(RecFile *f)
{
    drain(f);
    if (f->keep)
        trim(f);
    close_file(f);
    if (f->keep && !f->error && g_rename(f->tmp_path, f->path) != 0)
        fail(f, "cannot rename %s to %s: %s", f->tmp_path, f->path, g_strerror(errno));
    if (!f->keep || f->error)
        g_unlink(f->tmp_path);
}

static gboolean
replied(gpointer data)
{
    RecFile *f = data;

    f->func(f, f->error, f->data);
    return G_SOURCE_REMOVE;
}

/* The callback runs on the main context, from a source of its own. */
static void
reply(RecFile *f)
{
    GSource *s = g_idle_source_new();

    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(s, replied, f, NULL);
    g_source_attach(s, NULL);
    g_source_unref(s);
}

static void
handle(GPtrArray *active, RecFile *f)
{
    if (f->cmd == CMD_OPEN) {
        open_file(f);
        if (f->sf)
            g_ptr_array_add(active, f);
    } else {
        g_ptr_array_remove_fast(active, f);
        finish_file(f);
    }
    reply(f);
}

/* Waits for requests, and while files are open drains them every
 * RECORD_DRAIN_MS. */
static gpointer
writer_main(gpointer data)
{
    g_autoptr(GPtrArray) active = g_ptr_array_new();
    gint64 next = 0;

    for (;;) {
        gint64 wait = MAX(next - g_get_monotonic_time(), 0);
        RecFile *f = active->len ? g_async_queue_timeout_pop(queue, (guint64) wait)
                                 : g_async_queue_pop(queue);

        if (f == &quit)
            break;
        if (f)
            handle(active, f);
        if (g_get_monotonic_time() < next)
            continue;
        for (guint i = 0; i < active->len; i++)
            drain(active->pdata[i]);
        next = g_get_monotonic_time() + RECORD_DRAIN_MS * 1000;
    }
    return NULL;
}

/* ---------------------------------------------------------- main context */

gboolean
rec_writer_start(GError **error)
{
    PBX_ASSERT_MAIN_CONTEXT();
    queue = g_async_queue_new();
    thread = g_thread_try_new("carillon-record", writer_main, NULL, error);
    if (!thread)
        g_clear_pointer(&queue, g_async_queue_unref);
    return thread != NULL;
}

void
rec_writer_stop(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!thread)
        return;
    g_async_queue_push(queue, &quit);
    g_thread_join(thread);
    thread = NULL;
    g_clear_pointer(&queue, g_async_queue_unref);
}

RecFile *
rec_file_open(const char *path, int sf_format, guint rate, RecRing *ring, RecFileFunc opened,
              gpointer data)
{
    RecFile *f = g_new0(RecFile, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    f->cmd = CMD_OPEN;
    f->path = g_strdup(path);
    f->sf_format = sf_format;
    f->rate = rate;
    f->ring = ring;
    f->func = opened;
    f->data = data;
    g_async_queue_push(queue, f);
    return f;
}

void
rec_file_finish(RecFile *f, gboolean keep, guint64 trim_samples, RecFileFunc finished,
                gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    f->cmd = CMD_FINISH;
    f->keep = keep;
    f->trim = trim_samples;
    f->func = finished;
    f->data = data;
    g_async_queue_push(queue, f);
}

guint64
rec_file_get_frames(const RecFile *f)
{
    return f->frames;
}

const char *
rec_file_get_temp_path(const RecFile *f)
{
    return f->tmp_path;
}

void
rec_file_free(RecFile *f)
{
    if (!f)
        return;
    g_free(f->path);
    g_free(f->tmp_path);
    g_clear_error(&f->error);
    g_free(f);
}
