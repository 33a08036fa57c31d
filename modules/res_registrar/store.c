/* Carillon res_registrar - persistence of bindings.
 *
 * The store is an interface so that a cluster can later keep bindings in
 * a database server; this file is its SQLite implementation on the core's
 * database thread.  Writes are queued (write-behind): the signalling
 * thread never waits for the disk.  Expiry is stored as wall-clock time,
 * so after a restart or crash each binding comes back with what remains
 * of its lifetime and no phone has to register again.  Writes are batched
 * (see FLUSH_DELAY_MS): a crash loses at most that much.
 */
#include <string.h>

#include "registrar.h"

typedef struct {
    void (*load)(RegStore *s, void (*fn)(RegBinding *b, gpointer data), gpointer data);
    void (*save)(RegStore *s, const RegBinding *b);
    void (*remove)(RegStore *s, const char *aor, const char *uri);
    void (*free)(RegStore *s);
} RegStoreOps;

struct _RegStore {
    const RegStoreOps *ops;
    GHashTable *dirty;        /* "aor\nuri" -> Write* (latest wins) */
    guint flush_source;
};

/* Writes are coalesced for this long and then go to the database thread
 * as one transaction: a phone refreshing twice is written once, and a
 * burst of registrations costs one commit. */
#define FLUSH_DELAY_MS 100

/* A job's own copy of what it writes. */
typedef struct {
    RegBinding *b;            /* NULL for a delete */
    char *aor;
    char *uri;
} Write;

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS registrar_bindings ("
    " aor TEXT NOT NULL, uri TEXT NOT NULL, call_id TEXT, cseq INTEGER,"
    " expires INTEGER, registered INTEGER, q INTEGER, instance TEXT,"
    " reg_id INTEGER, user_agent TEXT, transport INTEGER, source_ip TEXT,"
    " source_port INTEGER, behind_nat INTEGER, PRIMARY KEY (aor, uri))";

static void
log_db_error(sqlite3 *db, const char *what)
{
    pbx_error(pbx_log_domain("registrar"), "database: %s: %s", what,
              sqlite3_errmsg(db));
}

static void
write_free(Write *w)
{
    reg_binding_free(w->b);
    g_free(w->aor);
    g_free(w->uri);
    g_free(w);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void
save_row(sqlite3 *db, sqlite3_stmt *st, const RegBinding *b)
{
    sqlite3_reset(st);
    bind_text(st, 1, b->aor);
    bind_text(st, 2, b->uri);
    bind_text(st, 3, b->call_id);
    sqlite3_bind_int64(st, 4, b->cseq);
    sqlite3_bind_int64(st, 5, b->expires);
    sqlite3_bind_int64(st, 6, b->registered);
    sqlite3_bind_int(st, 7, b->q);
    bind_text(st, 8, b->instance);
    sqlite3_bind_int64(st, 9, b->reg_id);
    bind_text(st, 10, b->user_agent);
    sqlite3_bind_int(st, 11, b->transport);
    bind_text(st, 12, b->source_ip);
    sqlite3_bind_int(st, 13, b->source_port);
    sqlite3_bind_int(st, 14, b->behind_nat);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_db_error(db, "save binding");
}

static void
delete_row(sqlite3 *db, sqlite3_stmt *st, const Write *w)
{
    sqlite3_reset(st);
    bind_text(st, 1, w->aor);
    bind_text(st, 2, w->uri);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_db_error(db, "delete binding");
}

/* One transaction for a batch of coalesced writes (GPtrArray of Write*). */
static void
job_batch(sqlite3 *db, gpointer data)
{
    GPtrArray *batch = data;
    sqlite3_stmt *save = NULL, *del = NULL;

    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO registrar_bindings VALUES "
                           "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &save, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM registrar_bindings WHERE aor = ? AND uri = ?",
                           -1, &del, NULL) != SQLITE_OK) {
        log_db_error(db, "prepare");
    } else {
        pbx_db_exec(db, "BEGIN", NULL);
        for (guint i = 0; i < batch->len; i++) {
            Write *w = batch->pdata[i];
            if (w->b)
                save_row(db, save, w->b);
            else
                delete_row(db, del, w);
        }
        if (!pbx_db_exec(db, "COMMIT", NULL))
            log_db_error(db, "commit");
    }
    sqlite3_finalize(save);
    sqlite3_finalize(del);
    g_ptr_array_unref(batch);
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_strdup((const char *) t) : NULL;
}

typedef struct {
    GPtrArray *rows;
} LoadJob;

/* Reads every row that has not expired; expired rows are deleted. */
static void
job_load(sqlite3 *db, gpointer data)
{
    LoadJob *job = data;
    sqlite3_stmt *st = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *purge = g_strdup_printf(
        "DELETE FROM registrar_bindings WHERE expires <= %" G_GINT64_FORMAT, reg_now());

    if (!pbx_db_exec(db, schema, &error) || !pbx_db_exec(db, purge, &error)) {
        pbx_error(pbx_log_domain("registrar"), "database: %s", error->message);
        return;
    }
    if (sqlite3_prepare_v2(db, "SELECT aor, uri, call_id, cseq, expires, registered,"
                           " q, instance, reg_id, user_agent, transport, source_ip,"
                           " source_port, behind_nat FROM registrar_bindings",
                           -1, &st, NULL) != SQLITE_OK) {
        log_db_error(db, "prepare load");
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        RegBinding *b = reg_binding_new();
        b->aor = column_dup(st, 0);
        b->uri = column_dup(st, 1);
        b->call_id = column_dup(st, 2);
        b->cseq = (guint32) sqlite3_column_int64(st, 3);
        b->expires = sqlite3_column_int64(st, 4);
        b->registered = sqlite3_column_int64(st, 5);
        b->q = sqlite3_column_int(st, 6);
        b->instance = column_dup(st, 7);
        b->reg_id = sqlite3_column_int64(st, 8);
        b->user_agent = column_dup(st, 9);
        b->transport = sqlite3_column_int(st, 10);
        b->source_ip = column_dup(st, 11);
        b->source_port = (guint16) sqlite3_column_int(st, 12);
        b->behind_nat = sqlite3_column_int(st, 13);
        if (b->aor && b->uri && b->source_ip)
            g_ptr_array_add(job->rows, b);
        else
            reg_binding_free(b);
    }
    sqlite3_finalize(st);
}

static void
sqlite_load(RegStore *s, void (*fn)(RegBinding *b, gpointer data), gpointer data)
{
    LoadJob job = { g_ptr_array_new() };

    pbx_db_run_sync(job_load, &job);
    for (guint i = 0; i < job.rows->len; i++)
        fn(job.rows->pdata[i], data);
    g_ptr_array_unref(job.rows);
}

static RegBinding *
binding_copy(const RegBinding *b)
{
    RegBinding *c = reg_binding_new();

    c->aor = g_strdup(b->aor);
    c->uri = g_strdup(b->uri);
    c->call_id = g_strdup(b->call_id);
    c->cseq = b->cseq;
    c->expires = b->expires;
    c->registered = b->registered;
    c->q = b->q;
    c->instance = g_strdup(b->instance);
    c->reg_id = b->reg_id;
    c->user_agent = g_strdup(b->user_agent);
    c->transport = b->transport;
    c->source_ip = g_strdup(b->source_ip);
    c->source_port = b->source_port;
    c->behind_nat = b->behind_nat;
    return c;
}

static GPtrArray *
take_batch(RegStore *s)
{
    GPtrArray *batch = g_ptr_array_new_with_free_func((GDestroyNotify) write_free);
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init(&it, s->dirty);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_ptr_array_add(batch, value);
        g_hash_table_iter_steal(&it);   /* the value moves; the key goes */
        g_free(key);
    }
    return batch;
}

static gboolean
flush_now(gpointer data)
{
    RegStore *s = data;

    s->flush_source = 0;
    if (g_hash_table_size(s->dirty) > 0)
        pbx_db_submit(job_batch, NULL, take_batch(s));
    return G_SOURCE_REMOVE;
}

static void
queue_write(RegStore *s, Write *w, const char *aor, const char *uri)
{
    g_hash_table_replace(s->dirty, g_strconcat(aor, "\n", uri, NULL), w);
    if (!s->flush_source)
        s->flush_source = g_timeout_add(FLUSH_DELAY_MS, flush_now, s);
}

static void
sqlite_save(RegStore *s, const RegBinding *b)
{
    Write *w = g_new0(Write, 1);
    w->b = binding_copy(b);
    queue_write(s, w, b->aor, b->uri);
}

static void
sqlite_remove(RegStore *s, const char *aor, const char *uri)
{
    Write *w = g_new0(Write, 1);
    w->aor = g_strdup(aor);
    w->uri = g_strdup(uri);
    queue_write(s, w, aor, uri);
}

/* Writes what is pending and waits for it: nothing is lost on unload. */
static void
sqlite_free(RegStore *s)
{
    if (s->flush_source)
        g_source_remove(s->flush_source);
    if (g_hash_table_size(s->dirty) > 0)
        pbx_db_run_sync(job_batch, take_batch(s));
    g_hash_table_unref(s->dirty);
    g_free(s);
}

static const RegStoreOps sqlite_ops = {
    .load = sqlite_load,
    .save = sqlite_save,
    .remove = sqlite_remove,
    .free = sqlite_free,
};

RegStore *
reg_store_sqlite_new(void)
{
    RegStore *s = g_new0(RegStore, 1);
    s->ops = &sqlite_ops;
    s->dirty = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) write_free);
    return s;
}

void
reg_store_free(RegStore *s)
{
    if (s)
        s->ops->free(s);
}

void
reg_store_load(RegStore *s, void (*fn)(RegBinding *b, gpointer data), gpointer data)
{
    s->ops->load(s, fn, data);
}

void
reg_store_save(RegStore *s, const RegBinding *b)
{
    if (s)
        s->ops->save(s, b);
}

void
reg_store_delete(RegStore *s, const char *aor, const char *uri)
{
    if (s)
        s->ops->remove(s, aor, uri);
}
