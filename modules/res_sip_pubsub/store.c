/* Carillon res_sip_pubsub - subscriptions kept across restarts.
 *
 * Each subscription is a row of pubsub_subscriptions, written on the
 * core's database thread when it starts, is refreshed or ends: the
 * signalling thread never waits for the disk.  A restart restores what
 * has not expired (subscriptions_restore(), when its package registers)
 * and NOTIFYs it, so phones keep their lamps without subscribing again.
 * Reading happens on the database thread too: the rows come back to the
 * main context through a completion (the loader drains those before it
 * closes the module).
 */
#include <string.h>
#include <carillon/db.h>
#include "pubsub_private.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS pubsub_subscriptions ("
    " call_id TEXT NOT NULL, local_tag TEXT NOT NULL, remote_tag TEXT,"
    " event TEXT NOT NULL, event_id TEXT, resource TEXT NOT NULL, subscriber TEXT,"
    " local_uri TEXT, remote_uri TEXT, remote_target TEXT, route_set TEXT, contact TEXT,"
    " local_cseq INTEGER, remote_cseq INTEGER, transport INTEGER, flow_host TEXT,"
    " flow_port INTEGER, expires INTEGER, notifies INTEGER,"
    " PRIMARY KEY (call_id, local_tag))";

static void
log_error(GError *error)
{
    pbx_error(pbx_log_domain("pubsub"), "database: %s", error->message);
}

/* An older table (without notifies) is brought up to date. */
static void
create_table(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!pbx_db_exec(db, schema, &error))
        log_error(error);
    sqlite3_exec(db, "ALTER TABLE pubsub_subscriptions ADD COLUMN notifies INTEGER",
                 NULL, NULL, NULL);
}

void
store_init(void)
{
    pubsub.store = pbx_db_get_path() != NULL;
    if (pubsub.store)
        pbx_db_submit(create_table, NULL, NULL);
}

void
stored_sub_free(StoredSub *s)
{
    g_free(s->event);
    g_free(s->event_id);
    g_free(s->resource);
    g_free(s->subscriber);
    g_free(s->call_id);
    g_free(s->local_tag);
    g_free(s->remote_tag);
    g_free(s->local_uri);
    g_free(s->remote_uri);
    g_free(s->remote_target);
    g_free(s->route_set);
    g_free(s->contact);
    g_free(s->flow_host);
    g_free(s);
}

static char *
join_routes(const GPtrArray *routes)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < routes->len; i++) {
        if (i)
            g_string_append_c(s, '\n');
        g_string_append(s, routes->pdata[i]);
    }
    return g_string_free(s, FALSE);
}

static StoredSub *
copy_out(const SipSubscription *sub)
{
    const SipDialog *d = sub->dialog;
    StoredSub *s = g_new0(StoredSub, 1);

    s->event = g_strdup(sub->event);
    s->event_id = g_strdup(sub->event_id);
    s->resource = g_strdup(sub->resource);
    s->subscriber = g_strdup(sub->subscriber);
    s->call_id = g_strdup(d->call_id);
    s->local_tag = g_strdup(d->local_tag);
    s->remote_tag = g_strdup(d->remote_tag);
    s->local_uri = g_strdup(d->local_uri);
    s->remote_uri = g_strdup(d->remote_uri);
    s->remote_target = g_strdup(d->remote_target);
    s->route_set = join_routes(d->route_set);
    s->contact = g_strdup(d->contact);
    s->local_cseq = d->local_cseq;
    s->remote_cseq = d->remote_cseq;
    s->transport = d->flow.transport;
    s->flow_host = g_strdup(d->flow.host);
    s->flow_port = d->flow.port;
    s->expires = sub->expires;
    s->notifies = sub->notifies;
    return s;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void
save_job(sqlite3 *db, gpointer data)
{
    StoredSub *s = data;
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st = pbx_db_prepare_cached(db,
        "INSERT OR REPLACE INTO pubsub_subscriptions VALUES"
        " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &error);
    const char *text[] = { s->call_id, s->local_tag, s->remote_tag, s->event, s->event_id,
                           s->resource, s->subscriber, s->local_uri, s->remote_uri,
                           s->remote_target, s->route_set, s->contact };

    if (!st) {
        log_error(error);
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(text); i++)
        bind_text(st, (int) i + 1, text[i]);
    sqlite3_bind_int64(st, 13, s->local_cseq);
    sqlite3_bind_int64(st, 14, s->remote_cseq);
    sqlite3_bind_int(st, 15, s->transport);
    bind_text(st, 16, s->flow_host);
    sqlite3_bind_int(st, 17, (int) s->flow_port);
    sqlite3_bind_int64(st, 18, s->expires);
    sqlite3_bind_int64(st, 19, s->notifies);
    if (sqlite3_step(st) != SQLITE_DONE)
        pbx_error(pbx_log_domain("pubsub"), "database: %s", sqlite3_errmsg(db));
}

static void
delete_job(sqlite3 *db, gpointer data)
{
    StoredSub *s = data;
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st = pbx_db_prepare_cached(db,
        "DELETE FROM pubsub_subscriptions WHERE call_id = ? AND local_tag = ?", &error);

    if (!st) {
        log_error(error);
        return;
    }
    bind_text(st, 1, s->call_id);
    bind_text(st, 2, s->local_tag);
    if (sqlite3_step(st) != SQLITE_DONE)
        pbx_error(pbx_log_domain("pubsub"), "database: %s", sqlite3_errmsg(db));
}

static void
free_after(gpointer data)
{
    stored_sub_free(data);
}

void
store_save(const SipSubscription *sub)
{
    if (pubsub.store)
        pbx_db_submit(save_job, free_after, copy_out(sub));
}

void
store_delete(const SipSubscription *sub)
{
    if (pubsub.store)
        pbx_db_submit(delete_job, free_after, copy_out(sub));
}

static void
purge_job(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st = pbx_db_prepare_cached(db,
        "DELETE FROM pubsub_subscriptions WHERE expires <= ?", &error);

    if (!st) {
        log_error(error);
        return;
    }
    sqlite3_bind_int64(st, 1, *(gint64 *) data);
    if (sqlite3_step(st) != SQLITE_DONE)
        pbx_error(pbx_log_domain("pubsub"), "database: %s", sqlite3_errmsg(db));
}

void
store_purge_expired(gint64 now)
{
    if (pubsub.store)
        pbx_db_submit(purge_job, g_free, g_memdup2(&now, sizeof(now)));
}

typedef struct {
    char *event;
    GPtrArray *out;
    StoreLoadFunc fn;
    gpointer data;
} LoadJob;

static char *
column_text(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);

    return v ? g_strdup((const char *) v) : NULL;
}

static StoredSub *
read_row(sqlite3_stmt *st)
{
    StoredSub *s = g_new0(StoredSub, 1);
    char **text[] = { &s->call_id, &s->local_tag, &s->remote_tag, &s->event, &s->event_id,
                      &s->resource, &s->subscriber, &s->local_uri, &s->remote_uri,
                      &s->remote_target, &s->route_set, &s->contact };

    for (guint i = 0; i < G_N_ELEMENTS(text); i++)
        *text[i] = column_text(st, (int) i);
    s->local_cseq = (guint32) sqlite3_column_int64(st, 12);
    s->remote_cseq = (guint32) sqlite3_column_int64(st, 13);
    s->transport = sqlite3_column_int(st, 14);
    s->flow_host = column_text(st, 15);
    s->flow_port = (guint) sqlite3_column_int(st, 16);
    s->expires = sqlite3_column_int64(st, 17);
    s->notifies = (guint) sqlite3_column_int64(st, 18);
    return s;
}

static void
load_job(sqlite3 *db, gpointer data)
{
    LoadJob *job = data;
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st;

    create_table(db, NULL);
    st = pbx_db_prepare_cached(db, "SELECT * FROM pubsub_subscriptions WHERE event = ?",
                               &error);
    if (!st) {
        log_error(error);
        return;
    }
    bind_text(st, 1, job->event);
    while (sqlite3_step(st) == SQLITE_ROW) {
        StoredSub *s = read_row(st);
        if (s->call_id && s->local_tag && s->resource && s->local_uri && s->remote_uri)
            g_ptr_array_add(job->out, s);
        else
            stored_sub_free(s);
    }
}

static void
load_done(gpointer data)
{
    LoadJob *job = data;

    job->fn(job->event, job->out, job->data);
    g_ptr_array_unref(job->out);
    g_free(job->event);
    g_free(job);
}

void
store_load(const char *event, StoreLoadFunc fn, gpointer data)
{
    LoadJob *job = g_new0(LoadJob, 1);

    job->event = g_strdup(event);
    job->out = g_ptr_array_new_with_free_func((GDestroyNotify) stored_sub_free);
    job->fn = fn;
    job->data = data;
    if (pubsub.store)
        pbx_db_submit(load_job, load_done, job);
    else
        load_done(job);
}
