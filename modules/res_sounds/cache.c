/* res_sounds - the cache of decoded sounds.
 *
 * Keyed by (file, rate): the same file asked for at 8 kHz and at 48 kHz
 * is two entries.  Bounded in bytes (sounds.conf cache_max_kb) and kept
 * in least-recently-used order; trimming evicts from the old end and
 * skips sounds that someone besides the cache holds (their memory would
 * not go, and the next call would decode a second copy), so while many
 * are in use the cache may stay over its bound until they are let go
 * and the next insert or load trims it.  An evicted sound is only
 * unreferenced: a holder keeps it.
 *
 * Thread affinity: main context.  Holders on other threads only ever
 * lower a sound's count, and only the main context hands out new
 * references, so a count of 1 read here means "idle" for good. */
#include "sounds_private.h"

typedef struct {
    char *key;                  /* "<rate>:<path>" */
    PbxSound *sound;            /* the cache's reference */
    SoundFileId id;
    gsize bytes;
    guint64 hits;
    GList link;                 /* in lru, data = the entry */
} Entry;

struct _SoundCache {
    GHashTable *entries;        /* key -> Entry */
    GQueue lru;                 /* head: most recently used */
    gsize bytes;
    gsize max_bytes;
    guint64 evictions;
};

static char *
make_key(const char *path, guint rate)
{
    return g_strdup_printf("%u:%s", rate, path);
}

static guint
users_of(const PbxSound *sound)
{
    return (guint) g_atomic_int_get(&sound->ref_count) - 1;
}

/* The table's value destroy: drops the cache's reference. */
static void
entry_free(gpointer p)
{
    Entry *e = p;

    pbx_sound_unref(e->sound);
    g_free(e->key);
    g_free(e);
}

SoundCache *
sound_cache_new(gsize max_bytes)
{
    SoundCache *cache = g_new0(SoundCache, 1);

    cache->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    g_queue_init(&cache->lru);
    cache->max_bytes = max_bytes;
    return cache;
}

void
sound_cache_free(SoundCache *cache)
{
    if (!cache)
        return;
    sound_cache_clear(cache);
    g_hash_table_unref(cache->entries);
    g_free(cache);
}

/* Unlinks e from the LRU and the byte count and frees it. */
static void
remove_entry(SoundCache *cache, Entry *e)
{
    g_queue_unlink(&cache->lru, &e->link);
    cache->bytes -= e->bytes;
    g_hash_table_remove(cache->entries, e->key);
}

void
sound_cache_clear(SoundCache *cache)
{
    while (cache->lru.head)
        remove_entry(cache, cache->lru.head->data);
}

void
sound_cache_set_max(SoundCache *cache, gsize max_bytes)
{
    cache->max_bytes = max_bytes;
    sound_cache_trim(cache);
}

gsize
sound_cache_get_max(const SoundCache *cache)
{
    return cache->max_bytes;
}

PbxSound *
sound_cache_lookup(SoundCache *cache, const char *path, guint rate, SoundFileId *id)
{
    g_autofree char *key = make_key(path, rate);
    Entry *e = g_hash_table_lookup(cache->entries, key);

    if (!e)
        return NULL;
    g_queue_unlink(&cache->lru, &e->link);
    g_queue_push_head_link(&cache->lru, &e->link);
    e->hits++;
    if (id)
        *id = e->id;
    return pbx_sound_ref(e->sound);
}

void
sound_cache_insert(SoundCache *cache, PbxSound *sound, const SoundFileId *id)
{
    Entry *e = g_new0(Entry, 1);
    Entry *old;

    e->key = make_key(sound->path, sound->rate);
    e->sound = sound;
    e->id = *id;
    e->bytes = sound_get_bytes(sound);
    e->link.data = e;
    if ((old = g_hash_table_lookup(cache->entries, e->key)))
        remove_entry(cache, old);
    g_hash_table_insert(cache->entries, e->key, e);
    g_queue_push_head_link(&cache->lru, &e->link);
    cache->bytes += e->bytes;
    sound_cache_trim(cache);
}

void
sound_cache_trim(SoundCache *cache)
{
    GList *l = cache->lru.tail;

    while (l && cache->bytes > cache->max_bytes) {
        Entry *e = l->data;
        l = l->prev;
        if (users_of(e->sound) > 0)
            continue;
        remove_entry(cache, e);
        cache->evictions++;
    }
}

gsize
sound_cache_get_bytes(const SoundCache *cache)
{
    return cache->bytes;
}

guint
sound_cache_get_count(const SoundCache *cache)
{
    return g_hash_table_size(cache->entries);
}

guint64
sound_cache_get_evictions(const SoundCache *cache)
{
    return cache->evictions;
}

void
sound_cache_foreach(const SoundCache *cache,
                    void (*fn)(const SoundCacheEntryInfo *info, gpointer data), gpointer data)
{
    for (GList *l = cache->lru.head; l; l = l->next) {
        Entry *e = l->data;
        SoundCacheEntryInfo info = { e->sound, users_of(e->sound), e->hits };
        fn(&info, data);
    }
}
