/* res_sounds - reading a sound: libsndfile opens the file (WAV in any
 * of its encodings, and whatever else it knows), the frames are averaged
 * to mono 16-bit and converted to the rate asked for.
 *
 * The input is untrusted (recordings, files dropped into sounds_dir), so
 * the file must be a regular one (a FIFO would hang a loader thread),
 * its rate and channel count sane, and its length within max_seconds
 * before and while it is read: a header claiming hours stops at the
 * limit, whatever it says.  Runs on a loader thread: no core calls, no
 * logging; errors name the sound and the file.
 * (libsndfile keeps the message of a failed open in a global: with two
 * loader threads failing at once a message may be the other's.) */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sndfile.h>

#include "sounds_private.h"

#define CHUNK_FRAMES 1024
#define MIN_RATE 1000
#define MAX_RATE 192000
#define MAX_CHANNELS 1024

typedef struct {
    const char *name;
    const char *path;
    guint rate;
    guint max_seconds;
} DecodeArgs;

static void
set_read_error(GError **error, const DecodeArgs *a, gint code, const char *why)
{
    g_set_error(error, SOUNDS_ERROR, code, "cannot read sound '%s' from %s: %s",
                a->name, a->path, why);
}

static gboolean
check_info(const SF_INFO *info, const DecodeArgs *a, GError **error)
{
    g_autofree char *why = NULL;
    gint code = SOUNDS_ERROR_READ;

    if (info->samplerate < MIN_RATE || info->samplerate > MAX_RATE) {
        why = g_strdup_printf("unsupported sample rate %d Hz", info->samplerate);
    } else if (info->channels < 1 || info->channels > MAX_CHANNELS) {
        why = g_strdup_printf("unsupported channel count %d", info->channels);
    } else if (info->frames > (sf_count_t) a->max_seconds * info->samplerate) {
        why = g_strdup_printf("%.1f s long, sounds.conf max_seconds is %u",
                              (double) info->frames / info->samplerate, a->max_seconds);
        code = SOUNDS_ERROR_TOO_LONG;
    }
    if (why)
        set_read_error(error, a, code, why);
    return why == NULL;
}

/* Appends got frames of buf, averaged over channels, to out. */
static void
append_mono(GArray *out, const short *buf, sf_count_t got, int channels)
{
    guint old = out->len;
    gint16 *dst;

    g_array_set_size(out, old + (guint) got);
    dst = &g_array_index(out, gint16, old);
    for (sf_count_t f = 0; f < got; f++) {
        gint32 sum = 0;
        for (int c = 0; c < channels; c++)
            sum += buf[f * channels + c];
        dst[f] = (gint16) (sum / channels);
    }
}

/* Every frame, as mono at the file's rate. */
static GArray *
read_mono(SNDFILE *sf, const SF_INFO *info, const DecodeArgs *a, GError **error)
{
    sf_count_t max_frames = (sf_count_t) a->max_seconds * info->samplerate;
    /* What the header says is only a hint: reserve a few seconds' worth. */
    g_autoptr(GArray) out = g_array_sized_new(FALSE, FALSE, sizeof(gint16),
                                              (guint) CLAMP(info->frames, 0, 1 << 20));
    g_autofree short *buf = g_new(short, (gsize) CHUNK_FRAMES * info->channels);
    sf_count_t got;

    /* Float samples beyond +-1.0 are clipped, not wrapped. */
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    while ((got = sf_readf_short(sf, buf, CHUNK_FRAMES)) > 0) {
        if ((sf_count_t) out->len + got > max_frames) {
            g_autofree char *why = g_strdup_printf("longer than sounds.conf max_seconds "
                                                   "(%u s)", a->max_seconds);
            set_read_error(error, a, SOUNDS_ERROR_TOO_LONG, why);
            return NULL;
        }
        append_mono(out, buf, got, info->channels);
    }
    if (out->len == 0) {
        set_read_error(error, a, SOUNDS_ERROR_READ, "it holds no audio");
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* Reads sf to the end and makes the sound at a->rate. */
static PbxSound *
decode(SNDFILE *sf, const SF_INFO *info, const DecodeArgs *a, GError **error)
{
    g_autoptr(GArray) mono = NULL;
    g_autofree gint16 *converted = NULL;
    gsize n = 0;

    if (!check_info(info, a, error) || !(mono = read_mono(sf, info, a, error)))
        return NULL;
    if ((guint) info->samplerate == a->rate)
        return sound_new(a->name, a->path, a->rate, (gint16 *) mono->data, mono->len);
    converted = sound_resample((gint16 *) mono->data, mono->len, (guint) info->samplerate,
                               a->rate, &n, error);
    if (!converted) {
        g_prefix_error(error, "cannot read sound '%s' from %s: ", a->name, a->path);
        return NULL;
    }
    return sound_new(a->name, a->path, a->rate, converted, n);
}

static int
open_regular(const DecodeArgs *a, SoundFileId *id, GError **error)
{
    struct stat st;
    int fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0) {
        int e = errno;
        set_read_error(error, a, e == ENOENT ? SOUNDS_ERROR_NOT_FOUND : SOUNDS_ERROR_READ,
                       g_strerror(e));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_read_error(error, a, SOUNDS_ERROR_READ, "not a regular file");
        close(fd);
        return -1;
    }
    *id = (SoundFileId){ st.st_dev, st.st_ino, st.st_size,
                         (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
                         st.st_mtim.tv_nsec };
    return fd;
}

PbxSound *
sound_decode_file(const char *path, const char *name, guint rate, guint max_seconds,
                  SoundFileId *id, GError **error)
{
    DecodeArgs a = { name, path, rate, max_seconds };
    SF_INFO info = { 0 };
    SoundFileId unused;
    SNDFILE *sf;
    PbxSound *sound;
    int fd = open_regular(&a, id ? id : &unused, error);

    if (fd < 0)
        return NULL;
    sf = sf_open_fd(fd, SFM_READ, &info, SF_TRUE);
    if (!sf) {
        set_read_error(error, &a, SOUNDS_ERROR_READ, sf_strerror(NULL));
        close(fd);
        return NULL;
    }
    sound = decode(sf, &info, &a, error);
    sf_close(sf);
    return sound;
}

/* ---------------------------------------------------------- from memory */

typedef struct {
    const guint8 *data;
    sf_count_t len;
    sf_count_t pos;
} Memory;

static sf_count_t
mem_get_filelen(void *user)
{
    return ((Memory *) user)->len;
}

static sf_count_t
mem_seek(sf_count_t offset, int whence, void *user)
{
    Memory *m = user;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;

    if (offset < -base || offset > m->len - base)
        return -1;
    m->pos = base + offset;
    return m->pos;
}

static sf_count_t
mem_read(void *ptr, sf_count_t count, void *user)
{
    Memory *m = user;
    sf_count_t n = count < 0 ? 0 : MIN(count, m->len - m->pos);

    if (n > 0) {
        memcpy(ptr, m->data + m->pos, (size_t) n);
        m->pos += n;
    }
    return n;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t count, void *user)
{
    return 0;
}

static sf_count_t
mem_tell(void *user)
{
    return ((Memory *) user)->pos;
}

PbxSound *
sound_decode_memory(const guint8 *data, gsize len, const char *name, guint rate,
                    guint max_seconds, GError **error)
{
    SF_VIRTUAL_IO io = { mem_get_filelen, mem_seek, mem_read, mem_write, mem_tell };
    DecodeArgs a = { name, "(memory)", rate, max_seconds };
    Memory m = { data, (sf_count_t) len, 0 };
    SF_INFO info = { 0 };
    SNDFILE *sf = sf_open_virtual(&io, SFM_READ, &info, &m);
    PbxSound *sound;

    if (!sf) {
        set_read_error(error, &a, SOUNDS_ERROR_READ, sf_strerror(NULL));
        return NULL;
    }
    sound = decode(sf, &info, &a, error);
    sf_close(sf);
    return sound;
}
