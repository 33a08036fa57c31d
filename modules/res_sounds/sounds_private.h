/* res_sounds - internals shared between its files (not installed).
 *
 * conf.c     sounds.conf and the core's sounds_dir / language
 * names.c    name checks, the language chain, the paths to try
 * index.c    which names sounds_dir holds, per language
 * sound.c    a PbxSound in one allocation
 * decode.c   a file (or bytes) into mono samples, with libsndfile
 * convert.c  a whole sound from one rate to another (speexdsp)
 * cache.c    decoded sounds by (file, rate), bounded, LRU
 * loader.c   worker threads: jobs run there, finish on the main context
 * engine.c   requests: index, cache, loads in flight, callbacks
 * cli.c      sounds show settings|cache|sound, sounds preload
 * module.c   the descriptor and the "sounds" API
 */
#pragma once

#include <sys/types.h>

#include <carillon/carillon.h>
#include <carillon/sounds.h>

G_BEGIN_DECLS

/* ---------------------------------------------------------- conf.c */

typedef struct {
    char *sounds_dir;           /* absolute */
    char *language;             /* default language */
    guint cache_max_kb;
    guint max_seconds;
    guint loader_threads;
} SoundsConf;

/* cfg NULL: sounds.conf is absent, every default. */
SoundsConf *sounds_conf_parse(const PbxConfig *cfg, const char *sounds_dir,
                              const char *language, GError **error);
/* Reads sounds.conf (optional) and the core's settings.  Main context. */
SoundsConf *sounds_conf_load(GError **error);
void sounds_conf_free(SoundsConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SoundsConf, sounds_conf_free)

/* ---------------------------------------------------------- names.c */

/* TRUE for a relative name whose components are neither empty, "." nor
 * "..", or an absolute path; else SOUNDS_ERROR_INVALID. */
gboolean sound_name_check(const char *name, GError **error);
/* language, its base, default_language, its base, "en"; each once. */
GPtrArray *sound_language_chain(const char *language, const char *default_language);
/* The file an absolute name means: itself, or with ".wav" added. */
char *sound_absolute_path(const char *name);
/* <dir>/<language>/<name>.wav */
char *sound_file_path(const char *dir, const char *language, const char *name);

/* ---------------------------------------------------------- index.c */

typedef struct _SoundIndex SoundIndex;

/* Lists <dir>/<language>/... (any thread: it reads the disk).  A
 * missing dir gives an error and no index. */
SoundIndex *sound_index_build(const char *dir, GError **error);
/* An empty index of dir. */
SoundIndex *sound_index_new(const char *dir);
void sound_index_free(SoundIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SoundIndex, sound_index_free)
const char *sound_index_get_dir(const SoundIndex *index);
gboolean sound_index_has(const SoundIndex *index, const char *language, const char *name);
void sound_index_add(SoundIndex *index, const char *language, const char *name);
guint sound_index_get_size(const SoundIndex *index);
/* Languages (directories) seen, sorted, NULL-terminated; a new array. */
char **sound_index_dup_languages(const SoundIndex *index);

/* ---------------------------------------------------------- sound.c */

/* A sound with a copy of samples and one reference. */
PbxSound *sound_new(const char *name, const char *path, guint rate,
                    const gint16 *samples, gsize n_samples);
/* Bytes the sound takes (what the cache counts). */
gsize sound_get_bytes(const PbxSound *sound);

/* What identifies a file's version: it changed when one of these did. */
typedef struct {
    dev_t dev;
    ino_t ino;
    gint64 size;
    gint64 mtime_ns;
} SoundFileId;

gboolean sound_file_id_equal(const SoundFileId *a, const SoundFileId *b);
/* stat() of path; FALSE when it cannot be had. */
gboolean sound_file_id_get(const char *path, SoundFileId *id);

/* ---------------------------------------------------------- decode.c */

/* Reads a regular file into a sound at rate: any format and rate
 * libsndfile reads, averaged to mono, converted.  id gets the file's
 * identity.  Errors: SOUNDS_ERROR_READ / TOO_LONG naming name. */
PbxSound *sound_decode_file(const char *path, const char *name, guint rate,
                            guint max_seconds, SoundFileId *id, GError **error);
/* The same from bytes in memory (tests, the fuzzer). */
PbxSound *sound_decode_memory(const guint8 *data, gsize len, const char *name,
                              guint rate, guint max_seconds, GError **error);

/* ---------------------------------------------------------- convert.c */

/* in (n_in samples at from_rate, 1000..768000 Hz) as a new buffer at
 * to_rate of round(n_in * to_rate / from_rate) samples, aligned with the
 * input (the filter's delay removed).  NULL with error when speexdsp
 * refuses the rates. */
gint16 *sound_resample(const gint16 *in, gsize n_in, guint from_rate, guint to_rate,
                       gsize *n_out, GError **error);

/* ---------------------------------------------------------- cache.c */

typedef struct _SoundCache SoundCache;

typedef struct {
    const PbxSound *sound;
    guint users;                /* references besides the cache's */
    guint64 hits;
} SoundCacheEntryInfo;

SoundCache *sound_cache_new(gsize max_bytes);
void sound_cache_free(SoundCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SoundCache, sound_cache_free)
void sound_cache_set_max(SoundCache *cache, gsize max_bytes);
gsize sound_cache_get_max(const SoundCache *cache);
/* A reference to the sound of (path, rate), now the most recently used;
 * NULL when absent.  id (may be NULL) gets the file's identity. */
PbxSound *sound_cache_lookup(SoundCache *cache, const char *path, guint rate,
                             SoundFileId *id);
/* Keeps sound (takes the reference given) under (its path, its rate),
 * replacing what was there, and trims. */
void sound_cache_insert(SoundCache *cache, PbxSound *sound, const SoundFileId *id);
void sound_cache_clear(SoundCache *cache);
/* Evicts the least recently used sounds nobody else holds until the
 * cache fits its bound (sounds in use stay, even over it). */
void sound_cache_trim(SoundCache *cache);
gsize sound_cache_get_bytes(const SoundCache *cache);
guint sound_cache_get_count(const SoundCache *cache);
guint64 sound_cache_get_evictions(const SoundCache *cache);
/* Most recently used first. */
void sound_cache_foreach(const SoundCache *cache,
                         void (*fn)(const SoundCacheEntryInfo *info, gpointer data),
                         gpointer data);

/* ---------------------------------------------------------- loader.c */

typedef struct _SoundLoader SoundLoader;

/* run on a loader thread; done on the main context; drop (main context)
 * instead of done for a job that will not finish (the loader is freed). */
typedef struct {
    void (*run)(gpointer job);
    void (*done)(gpointer job);
    void (*drop)(gpointer job);
} SoundJobFuncs;

SoundLoader *sound_loader_new(guint threads, GError **error);
void sound_loader_set_threads(SoundLoader *loader, guint threads);
void sound_loader_push(SoundLoader *loader, const SoundJobFuncs *funcs, gpointer job);
/* Jobs queued or running. */
guint sound_loader_get_busy(const SoundLoader *loader);
/* Stops: jobs not started are not run, running ones are waited for,
 * and every job not yet done is dropped.  Main context. */
void sound_loader_free(SoundLoader *loader);

/* ---------------------------------------------------------- engine.c */

typedef struct _SoundsEngine SoundsEngine;

typedef struct {
    guint64 requests;           /* load() calls */
    guint64 hits;               /* answered from the cache */
    guint64 decoded;            /* files decoded */
    guint64 failed;             /* loads that failed */
} SoundsStats;

/* Takes conf (also on failure), lists conf->sounds_dir now (start-up)
 * and starts the loader threads.  Main context, like every engine
 * function. */
SoundsEngine *sounds_engine_new(SoundsConf *conf, GError **error);
/* Drops every request without calling back, stops the loader. */
void sounds_engine_free(SoundsEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SoundsEngine, sounds_engine_free)
/* A new config (taken): bound, threads, limits at once; the cache is
 * emptied and sounds_dir listed again on a loader thread (the old index
 * answers until then). */
void sounds_engine_reconfigure(SoundsEngine *engine, SoundsConf *conf);
guint sounds_engine_load(SoundsEngine *engine, const char *name, const char *language,
                         guint rate, SoundsLoadFunc done, gpointer data);
void sounds_engine_cancel(SoundsEngine *engine, guint request);
gboolean sounds_engine_exists(SoundsEngine *engine, const char *name, const char *language);
/* The file load() would read for name (index, or a stat of an absolute
 * path), NULL when there is none. */
char *sounds_engine_dup_path(SoundsEngine *engine, const char *name, const char *language);
const SoundsConf *sounds_engine_get_conf(const SoundsEngine *engine);
const SoundIndex *sounds_engine_get_index(const SoundsEngine *engine);
SoundCache *sounds_engine_get_cache(const SoundsEngine *engine);
const SoundsStats *sounds_engine_get_stats(const SoundsEngine *engine);
/* Requests not answered yet, and jobs on the loader. */
guint sounds_engine_get_pending(const SoundsEngine *engine);
guint sounds_engine_get_loader_busy(const SoundsEngine *engine);

/* ---------------------------------------------------------- cli.c */

gboolean sounds_cli_register(PbxModule *self, SoundsEngine *engine, GError **error);

G_END_DECLS
