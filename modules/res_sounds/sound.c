/* res_sounds - a PbxSound is one allocation: the struct, then the
 * samples, then the name and the path.  pbx_sound_unref() (inline in
 * carillon/sounds.h) frees it with g_free(), so the last holder needs
 * nothing of res_sounds. */
#include <string.h>
#include <sys/stat.h>

#include "sounds_private.h"

PbxSound *
sound_new(const char *name, const char *path, guint rate, const gint16 *samples,
          gsize n_samples)
{
    gsize name_len = strlen(name) + 1, path_len = strlen(path) + 1;
    gsize head = sizeof(PbxSound), data = n_samples * sizeof(gint16);
    PbxSound *sound = g_malloc(head + data + name_len + path_len);
    char *tail = (char *) sound + head;

    memcpy(tail, samples, data);
    memcpy(tail + data, name, name_len);
    memcpy(tail + data + name_len, path, path_len);
    sound->ref_count = 1;
    sound->rate = rate;
    sound->n_samples = n_samples;
    sound->samples = (const gint16 *) tail;
    sound->name = tail + data;
    sound->path = tail + data + name_len;
    return sound;
}

gsize
sound_get_bytes(const PbxSound *sound)
{
    return sizeof(PbxSound) + sound->n_samples * sizeof(gint16) + strlen(sound->name) +
           strlen(sound->path) + 2;
}

gboolean
sound_file_id_equal(const SoundFileId *a, const SoundFileId *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns;
}

gboolean
sound_file_id_get(const char *path, SoundFileId *id)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return FALSE;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
                   st.st_mtim.tv_nsec;
    return TRUE;
}
