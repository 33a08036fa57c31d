/* res_sounds - requests: from a name to a decoded sound, asynchronously.
 *
 * load() checks the request, finds the file in the index and answers
 * from the cache when it can; otherwise the request waits on a job: one
 * per (file, rate) in flight, shared by every request for it, run on a
 * loader thread.  A name the index does not know is looked for on the
 * disk by its job (a prompt added since the listing), and added to the
 * index when found.  A file given by absolute path is revalidated by its
 * job (stat: same inode, size and time) before its cached copy is used.
 *
 * Every answer goes through the `ready` queue and is called back from
 * there: from an idle source for what load() answered at once, at the
 * end of a job's completion for its waiters.  So `done` never runs
 * inside load(), and a callback may load or cancel anything.
 *
 * A reload bumps the generation: jobs started before it still answer
 * their waiters, but what they read is neither cached nor indexed.
 *
 * Thread affinity: main context, except the jobs' run functions, which
 * touch only their job's own fields. */
#include <string.h>

#include "sounds_private.h"

typedef struct _LoadJob LoadJob;

typedef struct {
    guint id;
    SoundsLoadFunc done;
    gpointer data;
    PbxSound *sound;            /* the answer: the caller's reference */
    GError *error;              /* or this */
    LoadJob *job;               /* waiting for it; NULL once answered */
} Request;

struct _LoadJob {
    SoundsEngine *engine;
    /* Set on the main context before the push, read by the loader. */
    char *name;
    char *language;             /* asked for (or the default), for messages */
    char *dir;                  /* where names are looked up */
    GPtrArray *languages;       /* the chain; NULL for an absolute path */
    guint rate, max_seconds, generation;
    PbxSound *cached;           /* revalidate: use it if the file is unchanged */
    SoundFileId cached_id;
    char *key;                  /* in engine->inflight, or NULL */
    /* Set by the loader. */
    char *path;                 /* the file (set before the push when known) */
    char *found_language;       /* an index miss found on the disk in it */
    PbxSound *sound;
    SoundFileId id;
    gboolean unchanged;         /* sound is `cached` */
    GError *error;
    /* Main context. */
    GList *waiters;             /* Request* */
};

typedef struct {
    SoundsEngine *engine;
    char *dir;
    guint generation;
    SoundIndex *index;
    GError *error;
} IndexJob;

struct _SoundsEngine {
    SoundsConf *conf;
    SoundIndex *index;
    SoundCache *cache;
    SoundLoader *loader;
    GHashTable *requests;       /* id -> Request */
    GHashTable *inflight;       /* "<rate>:<path>" -> LoadJob */
    GQueue ready;               /* answered Requests, to call back */
    guint ready_idle;
    guint next_id;
    guint generation;
    PbxLogDomain *log;
    SoundsStats stats;
};

/* ---------------------------------------------------------- requests */

static void
request_free(gpointer p)
{
    Request *req = p;

    pbx_sound_unref(req->sound);
    g_clear_error(&req->error);
    g_free(req);
}

static Request *
request_new(SoundsEngine *engine, SoundsLoadFunc done, gpointer data)
{
    Request *req = g_new0(Request, 1);

    do {
        req->id = ++engine->next_id;
    } while (req->id == 0 ||
             g_hash_table_contains(engine->requests, GUINT_TO_POINTER(req->id)));
    req->done = done;
    req->data = data;
    g_hash_table_insert(engine->requests, GUINT_TO_POINTER(req->id), req);
    return req;
}

/* Calls back every answered request, one at a time: a callback may
 * cancel those still queued. */
static void
deliver_ready(SoundsEngine *engine)
{
    Request *req;

    while ((req = g_queue_pop_head(&engine->ready))) {
        g_hash_table_steal(engine->requests, GUINT_TO_POINTER(req->id));
        req->done(g_steal_pointer(&req->sound), req->error, req->data);
        request_free(req);
    }
}

static gboolean
ready_idle(gpointer data)
{
    SoundsEngine *engine = data;

    engine->ready_idle = 0;
    deliver_ready(engine);
    return G_SOURCE_REMOVE;
}

/* Queues the answer (taking sound or error); called back later. */
static void
answer(SoundsEngine *engine, Request *req, PbxSound *sound, GError *error)
{
    req->sound = sound;
    req->error = error;
    req->job = NULL;
    g_queue_push_tail(&engine->ready, req);
    if (!engine->ready_idle)
        engine->ready_idle = g_idle_add_full(G_PRIORITY_DEFAULT, ready_idle, engine, NULL);
}

/* ---------------------------------------------------------- load jobs */

static char *
inflight_key(const char *path, guint rate)
{
    return g_strdup_printf("%u:%s", rate, path);
}

static void
load_job_free(LoadJob *job)
{
    g_free(job->name);
    g_free(job->language);
    g_free(job->dir);
    g_clear_pointer(&job->languages, g_ptr_array_unref);
    pbx_sound_unref(job->cached);
    g_free(job->key);
    g_free(job->path);
    g_free(job->found_language);
    pbx_sound_unref(job->sound);
    g_clear_error(&job->error);
    g_list_free(job->waiters);
    g_free(job);
}

static void
set_not_found(LoadJob *job)
{
    g_autoptr(GString) where = g_string_new(NULL);

    for (guint i = 0; i < job->languages->len; i++) {
        g_autofree char *d = g_build_filename(job->dir, job->languages->pdata[i], NULL);
        g_string_append_printf(where, "%s%s", i ? ", " : "", d);
    }
    g_set_error(&job->error, SOUNDS_ERROR, SOUNDS_ERROR_NOT_FOUND,
                "sound '%s' (language %s) not found in %s", job->name, job->language,
                where->str);
}

/* Loader thread: a name the index did not have, tried on the disk. */
static gboolean
find_on_disk(LoadJob *job)
{
    for (guint i = 0; i < job->languages->len; i++) {
        const char *lang = job->languages->pdata[i];
        g_autofree char *path = sound_file_path(job->dir, lang, job->name);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            job->path = g_steal_pointer(&path);
            job->found_language = g_strdup(lang);
            return TRUE;
        }
    }
    set_not_found(job);
    return FALSE;
}

/* Loader thread. */
static void
load_job_run(gpointer p)
{
    LoadJob *job = p;

    if (!job->path && !find_on_disk(job))
        return;
    if (job->cached && sound_file_id_get(job->path, &job->id) &&
        sound_file_id_equal(&job->id, &job->cached_id)) {
        job->sound = g_steal_pointer(&job->cached);
        job->unchanged = TRUE;
        return;
    }
    job->sound = sound_decode_file(job->path, job->name, job->rate, job->max_seconds,
                                   &job->id, &job->error);
}

/* What a finished job leaves behind: the cache and the index learn
 * from it, unless a reload came in between. */
static void
load_job_record(SoundsEngine *engine, LoadJob *job)
{
    gboolean current = job->generation == engine->generation;

    if (!job->sound) {
        engine->stats.failed++;
        pbx_warning(engine->log, "%s", job->error->message);
        return;
    }
    if (job->unchanged) {
        engine->stats.hits++;
        return;
    }
    engine->stats.decoded++;
    pbx_debug(engine->log, "decoded %s at %u Hz: %u ms", job->path, job->rate,
              pbx_sound_get_duration_ms(job->sound));
    if (current && job->found_language)
        sound_index_add(engine->index, job->found_language, job->name);
    if (current)
        sound_cache_insert(engine->cache, pbx_sound_ref(job->sound), &job->id);
}

static void
load_job_done(gpointer p)
{
    LoadJob *job = p;
    SoundsEngine *engine = job->engine;

    if (job->key && g_hash_table_lookup(engine->inflight, job->key) == job)
        g_hash_table_remove(engine->inflight, job->key);
    load_job_record(engine, job);
    for (GList *l = job->waiters; l; l = l->next) {
        PbxSound *sound = job->sound ? pbx_sound_ref(job->sound) : NULL;
        answer(engine, l->data, sound, sound ? NULL : g_error_copy(job->error));
    }
    load_job_free(job);
    deliver_ready(engine);
}

/* The loader is going away: its waiters are dropped with the engine. */
static void
load_job_drop(gpointer p)
{
    load_job_free(p);
}

static const SoundJobFuncs load_job_funcs = {
    .run = load_job_run, .done = load_job_done, .drop = load_job_drop,
};

/* A job for name (path: the file when known), pushed to the loader. */
static LoadJob *
load_job_start(SoundsEngine *engine, const char *name, const char *language,
               GPtrArray *languages, const char *path, guint rate)
{
    LoadJob *job = g_new0(LoadJob, 1);

    job->engine = engine;
    job->name = g_strdup(name);
    job->language = g_strdup(language);
    job->dir = g_strdup(sound_index_get_dir(engine->index));
    job->languages = languages ? g_ptr_array_ref(languages) : NULL;
    job->rate = rate;
    job->max_seconds = engine->conf->max_seconds;
    job->generation = engine->generation;
    job->path = g_strdup(path);
    if (path) {
        job->key = inflight_key(path, rate);
        g_hash_table_insert(engine->inflight, job->key, job);
    }
    if (!languages)
        job->cached = sound_cache_lookup(engine->cache, path, rate, &job->cached_id);
    sound_loader_push(engine->loader, &load_job_funcs, job);
    return job;
}

/* ---------------------------------------------------------- index jobs */

static void
index_job_free(gpointer p)
{
    IndexJob *job = p;

    sound_index_free(job->index);
    g_clear_error(&job->error);
    g_free(job->dir);
    g_free(job);
}

/* Loader thread. */
static void
index_job_run(gpointer p)
{
    IndexJob *job = p;

    job->index = sound_index_build(job->dir, &job->error);
}

static SoundIndex *
index_or_empty(SoundsEngine *engine, const char *dir, SoundIndex *index, const GError *error)
{
    if (index) {
        pbx_info(engine->log, "%s: %u sounds", dir, sound_index_get_size(index));
        return index;
    }
    pbx_warning(engine->log, "sounds_dir %s: %s: no prompts until it exists (Debian: "
                "asterisk-core-sounds-en-wav)", dir, error->message);
    return sound_index_new(dir);
}

static void
index_job_done(gpointer p)
{
    IndexJob *job = p;
    SoundsEngine *engine = job->engine;

    if (job->generation == engine->generation) {
        sound_index_free(engine->index);
        engine->index = index_or_empty(engine, job->dir, g_steal_pointer(&job->index),
                                       job->error);
    }
    index_job_free(job);
}

static const SoundJobFuncs index_job_funcs = {
    .run = index_job_run, .done = index_job_done, .drop = index_job_free,
};

/* ---------------------------------------------------------- the engine */

SoundsEngine *
sounds_engine_new(SoundsConf *conf, GError **error)
{
    g_autoptr(SoundsEngine) engine = g_new0(SoundsEngine, 1);
    g_autoptr(GError) local = NULL;
    SoundIndex *index;

    engine->conf = conf;
    engine->log = pbx_log_domain("sounds");
    engine->requests = g_hash_table_new_full(NULL, NULL, NULL, request_free);
    engine->inflight = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&engine->ready);
    engine->cache = sound_cache_new((gsize) conf->cache_max_kb * 1024);
    /* Start-up: listed now, so that exists() answers from the first call. */
    index = sound_index_build(conf->sounds_dir, &local);
    engine->index = index_or_empty(engine, conf->sounds_dir, index, local);
    engine->loader = sound_loader_new(conf->loader_threads, error);
    if (!engine->loader)
        return NULL;
    return g_steal_pointer(&engine);
}

void
sounds_engine_free(SoundsEngine *engine)
{
    if (!engine)
        return;
    sound_loader_free(engine->loader);      /* drops the jobs */
    if (engine->ready_idle)
        g_source_remove(engine->ready_idle);
    g_queue_clear(&engine->ready);
    g_hash_table_unref(engine->requests);   /* frees the requests */
    g_hash_table_unref(engine->inflight);
    sound_cache_free(engine->cache);
    sound_index_free(engine->index);
    sounds_conf_free(engine->conf);
    g_free(engine);
}

void
sounds_engine_reconfigure(SoundsEngine *engine, SoundsConf *conf)
{
    IndexJob *job = g_new0(IndexJob, 1);

    sounds_conf_free(engine->conf);
    engine->conf = conf;
    engine->generation++;
    /* Loads started before go on for their waiters; new ones start anew. */
    g_hash_table_remove_all(engine->inflight);
    sound_cache_clear(engine->cache);
    sound_cache_set_max(engine->cache, (gsize) conf->cache_max_kb * 1024);
    sound_loader_set_threads(engine->loader, conf->loader_threads);
    job->engine = engine;
    job->dir = g_strdup(conf->sounds_dir);
    job->generation = engine->generation;
    sound_loader_push(engine->loader, &index_job_funcs, job);
}

static gboolean
check_request(const char *name, const char *language, guint rate, GError **error)
{
    if (!sound_name_check(name, error))
        return FALSE;
    if (language && !pbx_core_language_is_valid(language)) {
        g_set_error(error, SOUNDS_ERROR, SOUNDS_ERROR_INVALID,
                    "sound '%s': '%s' is not a language name", name, language);
        return FALSE;
    }
    if (!pbx_audio_rate_is_valid(rate)) {
        g_set_error(error, SOUNDS_ERROR, SOUNDS_ERROR_INVALID,
                    "sound '%s': cannot load at %u Hz (8000, 16000 or 48000)", name, rate);
        return FALSE;
    }
    return TRUE;
}

/* The file of name in the first language of the chain the index has. */
static char *
index_path(const SoundsEngine *engine, const char *name, const GPtrArray *languages)
{
    for (guint i = 0; i < languages->len; i++) {
        if (sound_index_has(engine->index, languages->pdata[i], name))
            return sound_file_path(sound_index_get_dir(engine->index),
                                   languages->pdata[i], name);
    }
    return NULL;
}

/* A checked request: answered from the cache, or waiting on a job. */
static void
start(SoundsEngine *engine, Request *req, const char *name, const char *language,
      guint rate)
{
    gboolean absolute = g_path_is_absolute(name);
    g_autoptr(GPtrArray) chain = absolute ? NULL
                                          : sound_language_chain(language, engine->conf->language);
    g_autofree char *path = absolute ? sound_absolute_path(name)
                                     : index_path(engine, name, chain);
    g_autofree char *key = path ? inflight_key(path, rate) : NULL;
    PbxSound *sound = path && !absolute ? sound_cache_lookup(engine->cache, path, rate, NULL)
                                        : NULL;
    LoadJob *job;

    if (sound) {
        engine->stats.hits++;
        answer(engine, req, sound, NULL);
        return;
    }
    job = key ? g_hash_table_lookup(engine->inflight, key) : NULL;
    if (!job)
        job = load_job_start(engine, name, language ? language : engine->conf->language,
                             chain, path, rate);
    job->waiters = g_list_append(job->waiters, req);
    req->job = job;
}

guint
sounds_engine_load(SoundsEngine *engine, const char *name, const char *language, guint rate,
                   SoundsLoadFunc done, gpointer data)
{
    Request *req = request_new(engine, done, data);
    GError *error = NULL;

    engine->stats.requests++;
    sound_cache_trim(engine->cache);
    if (check_request(name, language, rate, &error)) {
        start(engine, req, name, language, rate);
    } else {
        engine->stats.failed++;
        pbx_warning(engine->log, "%s", error->message);
        answer(engine, req, NULL, error);
    }
    return req->id;
}

void
sounds_engine_cancel(SoundsEngine *engine, guint request)
{
    Request *req = g_hash_table_lookup(engine->requests, GUINT_TO_POINTER(request));

    if (!req)
        return;
    if (req->job)
        req->job->waiters = g_list_remove(req->job->waiters, req);
    else
        g_queue_remove(&engine->ready, req);
    g_hash_table_remove(engine->requests, GUINT_TO_POINTER(request));
}

char *
sounds_engine_dup_path(SoundsEngine *engine, const char *name, const char *language)
{
    g_autoptr(GPtrArray) chain = NULL;
    g_autofree char *path = NULL;

    if (!check_request(name, language, 8000, NULL))
        return NULL;
    if (g_path_is_absolute(name)) {
        path = sound_absolute_path(name);
        return g_file_test(path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer(&path) : NULL;
    }
    chain = sound_language_chain(language, engine->conf->language);
    return index_path(engine, name, chain);
}

gboolean
sounds_engine_exists(SoundsEngine *engine, const char *name, const char *language)
{
    g_autofree char *path = sounds_engine_dup_path(engine, name, language);

    return path != NULL;
}

const SoundsConf *
sounds_engine_get_conf(const SoundsEngine *engine)
{
    return engine->conf;
}

const SoundIndex *
sounds_engine_get_index(const SoundsEngine *engine)
{
    return engine->index;
}

SoundCache *
sounds_engine_get_cache(const SoundsEngine *engine)
{
    return engine->cache;
}

const SoundsStats *
sounds_engine_get_stats(const SoundsEngine *engine)
{
    return &engine->stats;
}

guint
sounds_engine_get_pending(const SoundsEngine *engine)
{
    return g_hash_table_size(engine->requests);
}

guint
sounds_engine_get_loader_busy(const SoundsEngine *engine)
{
    return sound_loader_get_busy(engine->loader);
}
