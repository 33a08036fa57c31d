/* Carillon - the embedded SQLite database and its thread.
 *
 * Jobs are queued on a GAsyncQueue and run in order by one thread that
 * owns the connection, so SQLite needs no locking and the signalling
 * thread never waits for fsync.  Completions are posted back to the main
 * context: the database thread queues them and one idle source runs
 * what is queued.  Because a job and its completion are a module's code,
 * the loader calls pbx_db_drain() before it closes a module: every job
 * queued so far runs and every completion is run at once, so none is
 * left to call into a module that is gone.
 */
#include <string.h>

#include "core_private.h"

typedef struct {
    PbxDbJobFunc job;
    PbxDbDoneFunc done;
    gpointer data;
    /* for pbx_db_run_sync */
    GMutex *lock;
    GCond *cond;
    gboolean *finished;
} Job;

static GAsyncQueue *queue;
static GThread *thread;
static sqlite3 *conn;
static char *db_path;
static PbxLogDomain *dom;
static Job stop_marker;
static GAsyncQueue *completions;   /* Job*, done on the main context */
static gint completions_armed;     /* atomic: an idle source will drain them */
static GHashTable *cached;      /* SQL text -> sqlite3_stmt, database thread only */

G_DEFINE_QUARK(pbx-db-error-quark, pbx_db_error)

gboolean
pbx_db_exec(sqlite3 *db, const char *sql, GError **error)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        g_set_error(error, PBX_DB_ERROR, 0, "%s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return FALSE;
    }
    return TRUE;
}

static void
finalize_stmt(gpointer st)
{
    sqlite3_finalize(st);
}

sqlite3_stmt *
pbx_db_prepare_cached(sqlite3 *db, const char *sql, GError **error)
{
    sqlite3_stmt *st;

    g_return_val_if_fail(db == conn && g_thread_self() == thread, NULL);
    if (!cached)
        cached = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       finalize_stmt);
    st = g_hash_table_lookup(cached, sql);
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        g_set_error(error, PBX_DB_ERROR, 0, "%s: %s", sql, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    g_hash_table_insert(cached, g_strdup(sql), st);
    return st;
}

const char *
pbx_db_get_path(void)
{
    return db_path;
}

static void
run_completions(void)
{
    Job *j;

    while ((j = g_async_queue_try_pop(completions))) {
        j->done(j->data);
        g_free(j);
    }
}

static gboolean
completions_idle(gpointer data)
{
    g_atomic_int_set(&completions_armed, 0);
    run_completions();
    return G_SOURCE_REMOVE;
}

/* Database thread: a completion for the main context. */
static void
post_completion(Job *j)
{
    g_async_queue_push(completions, j);
    if (g_atomic_int_compare_and_exchange(&completions_armed, 0, 1))
        g_idle_add(completions_idle, NULL);
}

static gpointer
db_thread(gpointer unused)
{
    for (;;) {
        Job *j = g_async_queue_pop(queue);
        if (j == &stop_marker)
            break;
        if (conn)
            j->job(conn, j->data);
        if (j->finished) {
            g_mutex_lock(j->lock);
            *j->finished = TRUE;
            g_cond_signal(j->cond);
            g_mutex_unlock(j->lock);
            g_free(j);
        } else if (j->done) {
            post_completion(j);
        } else {
            g_free(j);
        }
    }
    return NULL;
}

/* Opens (creating) the database; WAL keeps readers and the writer apart
 * and makes a crash lose at most the last transaction. */
gboolean
pbx_db_init(const char *path, GError **error)
{
    dom = pbx_log_domain("db");
    if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        g_set_error(error, PBX_DB_ERROR, 0, "cannot open database %s: %s", path,
                    conn ? sqlite3_errmsg(conn) : "out of memory");
        sqlite3_close(conn);
        conn = NULL;
        return FALSE;
    }
    sqlite3_busy_timeout(conn, 5000);
    if (!pbx_db_exec(conn, "PRAGMA journal_mode=WAL", error) ||
        !pbx_db_exec(conn, "PRAGMA synchronous=NORMAL", error)) {
        g_prefix_error(error, "%s: ", path);
        sqlite3_close(conn);
        conn = NULL;
        return FALSE;
    }
    db_path = g_strdup(path);
    queue = g_async_queue_new();
    completions = g_async_queue_new();
    thread = g_thread_new("carillon-db", db_thread, NULL);
    pbx_info(dom, "database %s open", path);
    return TRUE;
}

void
pbx_db_submit(PbxDbJobFunc job, PbxDbDoneFunc done, gpointer data)
{
    Job *j;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(job != NULL);
    if (!queue) {
        /* No database (unit tests): run inline with no connection. */
        if (done)
            done(data);
        return;
    }
    j = g_new0(Job, 1);
    j->job = job;
    j->done = done;
    j->data = data;
    g_async_queue_push(queue, j);
}

void
pbx_db_run_sync(PbxDbJobFunc job, gpointer data)
{
    GMutex lock;
    GCond cond;
    gboolean finished = FALSE;
    Job *j;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!queue)
        return;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    j = g_new0(Job, 1);
    j->job = job;
    j->data = data;
    j->lock = &lock;
    j->cond = &cond;
    j->finished = &finished;
    g_mutex_lock(&lock);
    g_async_queue_push(queue, j);
    while (!finished)
        g_cond_wait(&cond, &lock);
    g_mutex_unlock(&lock);
    g_mutex_clear(&lock);
    g_cond_clear(&cond);
}

static void
nothing(sqlite3 *db, gpointer data)
{
}

void
pbx_db_drain(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!queue)
        return;
    pbx_db_run_sync(nothing, NULL);
    run_completions();
}

/* Runs every queued job, stops the thread and closes the database.
 * Completions still pending on the main context are dropped with the
 * loop; jobs must not depend on them for durability. */
void
pbx_db_shutdown(void)
{
    if (!queue)
        return;
    g_async_queue_push(queue, &stop_marker);
    g_thread_join(thread);
    thread = NULL;
    g_clear_pointer(&cached, g_hash_table_destroy);    /* finalizes them */
    sqlite3_close(conn);
    conn = NULL;
    g_async_queue_unref(queue);
    queue = NULL;
    run_completions();
    g_clear_pointer(&completions, g_async_queue_unref);
    g_clear_pointer(&db_path, g_free);
}
