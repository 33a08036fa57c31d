/* Carillon - the API of res_sounds ("sounds"): prompts and music by name.
 *
 * A sound is an audio file decoded once into signed 16-bit mono samples
 * at one of the media rates (8000, 16000 or 48000 Hz) and shared by every
 * call that plays it.  Names are the ones Asterisk users know: "vm-intro",
 * "digits/5", "beep", "hello-world" are <sounds_dir>/<language>/<name>.wav
 * (carillon.conf [general] sounds_dir), tried in these languages, the
 * first that has the file winning:
 *
 *     the language asked for ("fr_CA"), its base ("fr"),
 *     the default language (carillon.conf [general] language), its base,
 *     "en".
 *
 * An absolute path ("/usr/share/asterisk/moh/x.wav", a recording) is read
 * as it is, with ".wav" added when its last component has no extension.
 * Files are read with libsndfile (WAV in any of its encodings, FLAC, ...;
 * any rate; channels averaged to mono) and converted to the rate asked
 * for (speexdsp).  A sound longer than sounds.conf max_seconds is refused.
 *
 * Consumers declare .requires = PBX_REQUIRES("res_sounds") and fetch the
 * API at load with
 *
 *     const SoundsApi *sounds = sounds_api_get(self, error);
 *
 * which records the dependency and checks SOUNDS_API_VERSION.
 *
 * Loading never blocks the caller: load() returns a request id at once,
 * files are read and decoded on res_sounds' loader threads, and `done`
 * is called later on the main context, also when the sound was in the
 * cache or the name was invalid (never from inside load()).  Decoded
 * sounds stay in a cache keyed by (file, rate), bounded by sounds.conf
 * cache_max_kb and emptied least recently used first; a sound someone
 * holds is never evicted, and one dropped from the cache (by a reload)
 * lives until its last holder lets go.
 *
 * Thread affinity: the SoundsApi entries run on the main context only
 * (asserted), and `done` is called there.  A PbxSound is immutable and
 * its reference count atomic: any thread (a media worker) may read its
 * samples, ref and unref it without a lock.  The accessors below are
 * static inline over the documented struct because res_sounds exports
 * no symbols; pbx_sound_unref() frees with g_free(), so a sound needs no
 * code of res_sounds to die and may outlive the module.
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define SOUNDS_API_NAME "sounds"
#define SOUNDS_API_VERSION 1u

/* A macro, not a function: res_sounds exports no symbols. */
#define SOUNDS_ERROR (g_quark_from_static_string("carillon-sounds-error"))
typedef enum {
    SOUNDS_ERROR_NOT_FOUND,     /* no such sound: the message says where we looked */
    SOUNDS_ERROR_INVALID,       /* a bad name ("..", empty), language or rate */
    SOUNDS_ERROR_READ,          /* the file cannot be read or decoded */
    SOUNDS_ERROR_TOO_LONG,      /* longer than sounds.conf max_seconds */
} SoundsError;

/* Decoded audio at one rate.  One allocation holds the struct, the
 * samples and the strings; every field is set before the sound is
 * handed out and never changes.  Part of the API: a change of layout
 * bumps SOUNDS_API_VERSION. */
typedef struct _PbxSound {
    gint ref_count;             /* atomic: pbx_sound_ref() / pbx_sound_unref() */
    guint rate;                 /* 8000, 16000 or 48000 */
    gsize n_samples;            /* mono samples at rate (never 0) */
    const gint16 *samples;      /* host byte order */
    const char *name;           /* as asked: "vm-intro", or the path */
    const char *path;           /* the file it was decoded from */
} PbxSound;

/* Any thread.  Returns sound. */
static inline PbxSound *
pbx_sound_ref(PbxSound *sound)
{
    g_atomic_int_inc(&sound->ref_count);
    return sound;
}

/* Any thread; NULL ok.  The last reference frees the sound. */
static inline void
pbx_sound_unref(PbxSound *sound)
{
    if (sound && g_atomic_int_dec_and_test(&sound->ref_count))
        g_free(sound);
}

/* Any thread: the samples (borrowed from sound) and their count. */
static inline const gint16 *
pbx_sound_get_samples(const PbxSound *sound, gsize *n_samples)
{
    if (n_samples)
        *n_samples = sound->n_samples;
    return sound->samples;
}

static inline guint
pbx_sound_get_rate(const PbxSound *sound)
{
    return sound->rate;
}

static inline const char *
pbx_sound_get_name(const PbxSound *sound)
{
    return sound->name;
}

static inline const char *
pbx_sound_get_path(const PbxSound *sound)
{
    return sound->path;
}

/* Length in milliseconds (rounded down). */
static inline guint
pbx_sound_get_duration_ms(const PbxSound *sound)
{
    return (guint) (sound->n_samples * 1000 / sound->rate);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxSound, pbx_sound_unref)

/* The result of a load, on the main context: a reference to the sound
 * (the callee owns it: pbx_sound_unref() it, from any thread, when
 * done) and error NULL; or sound NULL and an error of SOUNDS_ERROR
 * (owned by res_sounds, valid during the call), which res_sounds has
 * also logged. */
typedef void (*SoundsLoadFunc)(PbxSound *sound, const GError *error, gpointer data);

typedef struct {
    guint version;              /* SOUNDS_API_VERSION */

    /* Starts loading `name` (a sound name or an absolute path) in
     * `language` (NULL: the default language) at `rate` (8000, 16000 or
     * 48000).  Returns a request id (never 0); `done` is called exactly
     * once, later, on the main context, unless the request is cancelled
     * first.  Every failure, an invalid name or rate included, comes
     * through `done`.  A sound already in the cache is answered in the
     * next main-loop iteration; one that is being loaded for another
     * request is shared.  A file given by absolute path is checked for
     * changes (size, time, inode) on a loader thread before its cached
     * copy is used, so a recording made again is read again; files under
     * sounds_dir are taken as they were until a reload. */
    guint (*load)(const char *name, const char *language, guint rate,
                  SoundsLoadFunc done, gpointer data);
    /* Forgets a request: `done` will not be called (data is yours
     * again).  An unknown or already answered id is ignored.  The load
     * itself goes on and its sound is cached. */
    void (*cancel)(guint request);
    /* Whether load() would find `name` in `language` (NULL: default),
     * through the same fallbacks.  Names under sounds_dir are answered
     * from the index res_sounds builds of it at load and reload (plus
     * what loads have found since); an absolute path costs one stat()
     * on the calling thread, no read. */
    gboolean (*exists)(const char *name, const char *language);
    /* carillon.conf [general] language, as res_sounds last read it;
     * valid until the next reload (copy it to keep it). */
    const char *(*get_default_language)(void);
} SoundsApi;

#define sounds_api_get(self, error) \
    ((const SoundsApi *) pbx_module_get_api_version((self), SOUNDS_API_NAME, \
                                                    SOUNDS_API_VERSION, (error)))

G_END_DECLS
