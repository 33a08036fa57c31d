/* Carillon res_registrar - persistence of bindings.
 *
 * The store is an interface so that a cluster can later keep bindings in
 * a database server; this file is its SQLite implementation on the core's
 * database thread.  Writes are queued (write-behind): the signalling
 * thread never waits for the disk.  Expiry is stored as wall-clock time,
 * so after a restart or crash each binding comes back with what remains
 * of its lifetime and no phone has to register again.  Writes are batched
 * for registrar.conf `write_delay` ms (default 1 s): a crash loses at most
 * that much (Kamailio's usrloc write-back waits 60 s by default).
 */
#include <string.h>

#include "registrar.h"

typedef struct _Batch Batch;

typedef struct {
    void (*load)(RegStore *s, void (*fn)(RegBinding *b, gpointer data), gpointer data);
    void (*save)(RegStore *s, const RegBinding *b, gboolean full);
    void (*remove)(RegStore *s, const RegBinding *b);
    void (*free)(RegStore *s);
} RegStoreOps;

struct _RegStore {
    const RegStoreOps *ops;
    GHashTable *dirty;        /* live RegBinding* to write -> SAVE_* */
    Batch *pending;           /* deletes so far, then the saves at flush */
    guint flush_source;
};

/* Writes are coalesced for write_delay ms and then go to the database
 * thread as one transaction: a phone refreshing twice is written once, and
 * a burst of registrations costs one commit. */

/* What a batch writes, copied out of the bindings when it is flushed:
 * one text block and one array of rows, so that a flush costs a handful
 * of allocations however many bindings it carries.  Text fields are
 * offsets into `text`, -1 for NULL. */
/* What a dirty binding needs: its whole row, or (a refresh that changed
 * nothing else) only cseq and expires. */
enum { SAVE_TIMES = 1, SAVE_FULL = 2 };

typedef struct {
    gboolean del;             /* a delete: only aor and uri are set */
    gboolean times_only;      /* an UPDATE of cseq and expires will do */
    gint aor, uri, call_id, instance, user_agent, source_ip;
    guint32 cseq;
    gint q, transport, source_port, behind_nat;
    gint64 expires, registered, reg_id;
} Row;

struct _Batch {
    GString *text;
    GArray *rows;             /* of Row: the deletes first, then the saves */
};

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

static Batch *
batch_new(void)
{
    Batch *b = g_new(Batch, 1);
    b->text = g_string_sized_new(4096);
    b->rows = g_array_sized_new(FALSE, TRUE, sizeof(Row), 64);
    return b;
}

static void
batch_free(Batch *b)
{
    g_string_free(b->text, TRUE);
    g_array_unref(b->rows);
    g_free(b);
}

static gint
batch_text(Batch *b, const char *s)
{
    gint at = (gint) b->text->len;

    if (!s)
        return -1;
    g_string_append_len(b->text, s, strlen(s) + 1);
    return at;
}

static void
batch_add_save(Batch *batch, const RegBinding *b, gboolean times_only)
{
    Row r = {
        .del = FALSE,
        .times_only = times_only,
        .aor = batch_text(batch, b->aor),
        .uri = batch_text(batch, b->uri),
        .call_id = batch_text(batch, b->call_id),
        .instance = batch_text(batch, b->instance),
        .user_agent = batch_text(batch, b->user_agent),
        .source_ip = batch_text(batch, b->source_ip),
        .cseq = b->cseq,
        .q = b->q,
        .transport = b->transport,
        .source_port = b->source_port,
        .behind_nat = b->behind_nat,
        .expires = b->expires,
        .registered = b->registered,
        .reg_id = b->reg_id,
    };
    g_array_append_val(batch->rows, r);
}

static void
batch_add_delete(Batch *batch, const char *aor, const char *uri)
{
    Row r = { .del = TRUE };

    r.aor = batch_text(batch, aor);
    r.uri = batch_text(batch, uri);
    g_array_append_val(batch->rows, r);
}

static void
bind_text(sqlite3_stmt *st, int i, const Batch *batch, gint at)
{
    if (at >= 0)
        sqlite3_bind_text(st, i, batch->text->str + at, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void
save_row(sqlite3 *db, sqlite3_stmt *st, const Batch *batch, const Row *r)
{
    sqlite3_reset(st);
    bind_text(st, 1, batch, r->aor);
    bind_text(st, 2, batch, r->uri);
    bind_text(st, 3, batch, r->call_id);
    sqlite3_bind_int64(st, 4, r->cseq);
    sqlite3_bind_int64(st, 5, r->expires);
    sqlite3_bind_int64(st, 6, r->registered);
    sqlite3_bind_int(st, 7, r->q);
    bind_text(st, 8, batch, r->instance);
    sqlite3_bind_int64(st, 9, r->reg_id);
    bind_text(st, 10, batch, r->user_agent);
    sqlite3_bind_int(st, 11, r->transport);
    bind_text(st, 12, batch, r->source_ip);
    sqlite3_bind_int(st, 13, r->source_port);
    sqlite3_bind_int(st, 14, r->behind_nat);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_db_error(db, "save binding");
}

/* A refresh: cheaper than replacing the row (no index rewrite).  FALSE
 * when the row is not there (then the whole row is written). */
static gboolean
update_times(sqlite3 *db, sqlite3_stmt *st, const Batch *batch, const Row *r)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->cseq);
    sqlite3_bind_int64(st, 2, r->expires);
    bind_text(st, 3, batch, r->aor);
    bind_text(st, 4, batch, r->uri);
    if (sqlite3_step(st) != SQLITE_DONE) {
        log_db_error(db, "update binding");
        return FALSE;
    }
    return sqlite3_changes(db) > 0;
}

static void
delete_row(sqlite3 *db, sqlite3_stmt *st, const Batch *batch, const Row *r)
{
    sqlite3_reset(st);
    bind_text(st, 1, batch, r->aor);
    bind_text(st, 2, batch, r->uri);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_db_error(db, "delete binding");
}

/* One transaction for a batch. */
static void
job_batch(sqlite3 *db, gpointer data)
{
    Batch *batch = data;
    sqlite3_stmt *save = NULL, *del = NULL, *times = NULL;

    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO registrar_bindings VALUES "
                           "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &save, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE registrar_bindings SET cseq = ?, expires = ?"
                           " WHERE aor = ? AND uri = ?", -1, &times, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM registrar_bindings WHERE aor = ? AND uri = ?",
                           -1, &del, NULL) != SQLITE_OK) {
        log_db_error(db, "prepare");
    } else {
        pbx_db_exec(db, "BEGIN", NULL);
        for (guint i = 0; i < batch->rows->len; i++) {
            const Row *r = &g_array_index(batch->rows, Row, i);
            if (r->del)
                delete_row(db, del, batch, r);
            else if (!r->times_only || !update_times(db, times, batch, r))
                save_row(db, save, batch, r);
        }
        if (!pbx_db_exec(db, "COMMIT", NULL))
            log_db_error(db, "commit");
    }
    sqlite3_finalize(save);
    sqlite3_finalize(del);
    sqlite3_finalize(times);
    batch_free(batch);
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

/* The pending deletes plus a row per binding written since the last
 * flush; the store starts a new batch. */
static Batch *
take_batch(RegStore *s)
{
    Batch *batch = s->pending ? s->pending : batch_new();
    GHashTableIter it;
    gpointer key, value;

    s->pending = NULL;
    g_hash_table_iter_init(&it, s->dirty);
    while (g_hash_table_iter_next(&it, &key, &value))
        batch_add_save(batch, key, GPOINTER_TO_INT(value) == SAVE_TIMES);
    g_hash_table_remove_all(s->dirty);
    return batch;
}

static gboolean
flush_now(gpointer data)
{
    RegStore *s = data;

    s->flush_source = 0;
    if (s->pending || g_hash_table_size(s->dirty) > 0)
        pbx_db_submit(job_batch, NULL, take_batch(s));
    return G_SOURCE_REMOVE;
}

static void
schedule_flush(RegStore *s)
{
    if (!s->flush_source)
        s->flush_source = g_timeout_add(registrar.config.write_delay, flush_now, s);
}

static void
sqlite_save(RegStore *s, const RegBinding *b, gboolean full)
{
    gint was = GPOINTER_TO_INT(g_hash_table_lookup(s->dirty, b));

    g_hash_table_insert(s->dirty, (gpointer) b,
                        GINT_TO_POINTER(MAX(was, full ? SAVE_FULL : SAVE_TIMES)));
    schedule_flush(s);
}

/* Deletes go before the saves of the same batch: a binding removed and
 * added again (same aor and uri) ends up stored. */
static void
sqlite_remove(RegStore *s, const RegBinding *b)
{
    g_hash_table_remove(s->dirty, b);
    if (!s->pending)
        s->pending = batch_new();
    batch_add_delete(s->pending, b->aor, b->uri);
    schedule_flush(s);
}

/* Writes what is pending and waits for it: nothing is lost on unload.
 * Called while the bindings still exist. */
static void
sqlite_free(RegStore *s)
{
    if (s->flush_source)
        g_source_remove(s->flush_source);
    if (s->pending || g_hash_table_size(s->dirty) > 0)
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
    s->dirty = g_hash_table_new(g_direct_hash, g_direct_equal);
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
reg_store_save(RegStore *s, const RegBinding *b, gboolean full)
{
    if (s)
        s->ops->save(s, b, full);
}

void
reg_store_delete(RegStore *s, const RegBinding *b)
{
    if (s)
        s->ops->remove(s, b);
}
