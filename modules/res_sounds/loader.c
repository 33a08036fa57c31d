/* res_sounds - the loader threads: disk and decoding off the main
 * context.
 *
 * A job is pushed with its functions: `run` on one of the threads (a
 * GThreadPool of sounds.conf loader_threads), then `done` on the main
 * context.  Finished jobs wait on a queue; one GSource of the loader,
 * attached to the default context, is made ready (its ready time set,
 * which is thread-safe and wakes the context) and runs their `done` in
 * order.  Freeing the loader stops it cleanly: queued jobs are skipped,
 * running ones are waited for, and every job left gets `drop` instead
 * of `done`, so no code of the module runs after its unload. */
#include "sounds_private.h"

typedef struct {
    const SoundJobFuncs *funcs;
    gpointer job;
    gboolean ran;
} Item;

typedef struct {
    GSource source;
    SoundLoader *loader;
} FinishedSource;

struct _SoundLoader {
    GThreadPool *pool;
    GAsyncQueue *finished;      /* Item*, for the main context */
    GSource *source;
    gint stopping;              /* atomic */
    gint busy;                  /* atomic: pushed and not yet finished */
};

static void
item_finish(SoundLoader *loader, Item *item)
{
    if (item->ran)
        item->funcs->done(item->job);
    else
        item->funcs->drop(item->job);
    g_free(item);
}

static gboolean
finished_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    SoundLoader *loader = ((FinishedSource *) source)->loader;
    Item *item;

    g_source_set_ready_time(source, -1);
    while ((item = g_async_queue_try_pop(loader->finished)))
        item_finish(loader, item);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs finished_funcs = { .dispatch = finished_dispatch };

/* A loader thread. */
static void
run_item(gpointer data, gpointer user_data)
{
    SoundLoader *loader = user_data;
    Item *item = data;

    if (!g_atomic_int_get(&loader->stopping)) {
        item->funcs->run(item->job);
        item->ran = TRUE;
    }
    g_async_queue_push(loader->finished, item);
    g_atomic_int_dec_and_test(&loader->busy);
    g_source_set_ready_time(loader->source, 0);
}

SoundLoader *
sound_loader_new(guint threads, GError **error)
{
    SoundLoader *loader = g_new0(SoundLoader, 1);

    loader->finished = g_async_queue_new();
    loader->source = g_source_new(&finished_funcs, sizeof(FinishedSource));
    ((FinishedSource *) loader->source)->loader = loader;
    g_source_set_name(loader->source, "res_sounds loader");
    g_source_attach(loader->source, NULL);
    loader->pool = g_thread_pool_new(run_item, loader, (gint) threads, FALSE, error);
    if (!loader->pool) {
        sound_loader_free(loader);
        return NULL;
    }
    return loader;
}

void
sound_loader_set_threads(SoundLoader *loader, guint threads)
{
    g_thread_pool_set_max_threads(loader->pool, (gint) threads, NULL);
}

void
sound_loader_push(SoundLoader *loader, const SoundJobFuncs *funcs, gpointer job)
{
    Item *item = g_new0(Item, 1);

    item->funcs = funcs;
    item->job = job;
    g_atomic_int_inc(&loader->busy);
    g_thread_pool_push(loader->pool, item, NULL);
}

guint
sound_loader_get_busy(const SoundLoader *loader)
{
    return (guint) g_atomic_int_get(&loader->busy);
}

void
sound_loader_free(SoundLoader *loader)
{
    Item *item;

    if (!loader)
        return;
    g_atomic_int_set(&loader->stopping, 1);
    if (loader->pool)
        g_thread_pool_free(loader->pool, FALSE, TRUE);
    g_source_destroy(loader->source);
    g_source_unref(loader->source);
    while ((item = g_async_queue_try_pop(loader->finished))) {
        item->ran = FALSE;
        item_finish(loader, item);
    }
    g_async_queue_unref(loader->finished);
    g_free(loader);
}
