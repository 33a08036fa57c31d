/* Carillon - call detail records.
 *
 * One record per call, made when its inbound leg ends: caller, callee,
 * times, disposition, cause, codec and RTP statistics.  Records go to a
 * PbxCdrStore on the database thread (pbx_db_submit), so the main thread
 * never waits for the disk; the SQLite store writes table `cdr`.  Records
 * are gathered for BATCH_MS and written in one transaction (one commit
 * per batch, not per call); shutting down writes what is gathered.  The
 * last RECENT_MAX records are also kept in memory for `cdr show recent`.
 */
#include <string.h>

#include "calls_private.h"

#define RECENT_MAX 100
#define BATCH_MS 200

static void sqlite_write(sqlite3 *db, const PbxCdr *cdr);

static const PbxCdrStore sqlite_store = { "sqlite", sqlite_write };
static const PbxCdrStore *store = &sqlite_store;
static gboolean enabled;
static GQueue recent = G_QUEUE_INIT;     /* PbxCdr, newest first */
static GPtrArray *pending;               /* PbxCdr to write */
static guint flush_id;

static void
cdr_free(PbxCdr *cdr)
{
    g_free(cdr->id);
    g_free(cdr->caller);
    g_free(cdr->callee);
    g_free(cdr->channel);
    g_free(cdr->peer);
    g_free(cdr->codec);
    g_free(cdr->linked_id);
    g_free(cdr->transfer);
    g_free(cdr);
}

static PbxCdr *
cdr_copy(const PbxCdr *src)
{
    PbxCdr *c = g_memdup2(src, sizeof *src);

    c->id = g_strdup(src->id);
    c->caller = g_strdup(src->caller);
    c->callee = g_strdup(src->callee);
    c->channel = g_strdup(src->channel);
    c->peer = g_strdup(src->peer);
    c->codec = g_strdup(src->codec);
    c->linked_id = g_strdup(src->linked_id);
    c->transfer = g_strdup(src->transfer);
    return c;
}

void
pbx_cdr_set_store(const PbxCdrStore *s)
{
    store = s ? s : &sqlite_store;
}

static void create_job(sqlite3 *db, gpointer data);

void
pbx_cdr_enable(gboolean on)
{
    if (!on)
        pbx_cdr_flush();
    else if (!enabled && store == &sqlite_store)
        pbx_db_submit(create_job, NULL, NULL);  /* the table is there from the start */
    enabled = on;
    if (!on) {
        g_queue_clear_full(&recent, (GDestroyNotify) cdr_free);
    }
}

const char *
pbx_cdr_disposition(PbxCause cause, gboolean answered)
{
    if (answered)
        return "ANSWERED";
    switch (cause) {
    case PBX_CAUSE_USER_BUSY:
    case PBX_CAUSE_CALL_REJECTED:
        return "BUSY";
    case PBX_CAUSE_NO_ANSWER:
    case PBX_CAUSE_NO_USER_RESPONSE:
    case PBX_CAUSE_ORIGINATOR_CANCEL:
    case PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE:
    case PBX_CAUSE_NORMAL_CLEARING:
        return "NO ANSWER";
    default:
        return "FAILED";
    }
}

/* Fills a record from an ended inbound leg and what it is bridged to
 * (the bridge still exists while the leg's hangup is being handled). */
static void
fill(PbxCdr *cdr, PbxChannel *chan)
{
    PbxBridge *br = pbx_bridge_find_by_channel(chan);
    PbxChannel *peer = br ? pbx_bridge_get_peer(br, chan) : NULL;
    const char *codec = pbx_channel_get_codec(chan);

    cdr->id = g_strdup(pbx_channel_get_id(chan));
    cdr->caller = g_strdup(pbx_channel_get_caller_number(chan));
    cdr->callee = g_strdup(pbx_channel_get_callee(chan));
    cdr->channel = g_strdup(pbx_channel_get_name(chan));
    cdr->peer = peer ? g_strdup(pbx_channel_get_name(peer)) : NULL;
    cdr->start = pbx_channel_get_created(chan);
    cdr->answer = pbx_channel_get_answered(chan);
    cdr->end = pbx_channel_get_ended(chan);
    cdr->duration = (cdr->end - cdr->start) / G_USEC_PER_SEC;
    cdr->billsec = cdr->answer ? (cdr->end - cdr->answer) / G_USEC_PER_SEC : 0;
    cdr->cause = pbx_channel_get_hangup_cause(chan);
    cdr->disposition = pbx_cdr_disposition(cdr->cause, cdr->answer != 0);
    if (!codec && peer)
        codec = pbx_channel_get_codec(peer);
    cdr->codec = g_strdup(codec);
    cdr->rtp = *pbx_channel_get_rtp_stats(chan);
    cdr->linked_id = g_strdup(pbx_channel_get_linked_id(chan));
    cdr->transfer = g_strdup(pbx_channel_get_var(chan, "TRANSFER"));
}

/* One transaction for a batch (a GPtrArray of PbxCdr). */
static void
write_job(sqlite3 *db, gpointer data)
{
    GPtrArray *batch = data;

    pbx_db_exec(db, "BEGIN", NULL);
    for (guint i = 0; i < batch->len; i++)
        store->write(db, batch->pdata[i]);
    pbx_db_exec(db, "COMMIT", NULL);
}

static void
batch_free(gpointer data)
{
    g_ptr_array_unref(data);
}

void
pbx_cdr_flush(void)
{
    if (flush_id) {
        g_source_remove(flush_id);
        flush_id = 0;
    }
    if (pending && pending->len > 0)
        pbx_db_submit(write_job, batch_free, g_steal_pointer(&pending));
    g_clear_pointer(&pending, g_ptr_array_unref);
}

static gboolean
flush_due(gpointer data)
{
    flush_id = 0;
    pbx_cdr_flush();
    return G_SOURCE_REMOVE;
}

void
pbx_cdr_channel_ended(PbxChannel *chan)
{
    PbxCdr cdr = { 0 };

    if (!enabled || pbx_channel_get_direction(chan) != PBX_CHANNEL_INBOUND)
        return;
    fill(&cdr, chan);
    g_queue_push_head(&recent, cdr_copy(&cdr));
    while (recent.length > RECENT_MAX)
        cdr_free(g_queue_pop_tail(&recent));
    if (!pending)
        pending = g_ptr_array_new_with_free_func((GDestroyNotify) cdr_free);
    g_ptr_array_add(pending, cdr_copy(&cdr));
    if (!flush_id)
        flush_id = g_timeout_add(BATCH_MS, flush_due, NULL);
    g_free(cdr.id);
    g_free(cdr.caller);
    g_free(cdr.callee);
    g_free(cdr.channel);
    g_free(cdr.peer);
    g_free(cdr.codec);
    g_free(cdr.linked_id);
    g_free(cdr.transfer);
}

/* ------------------------------------------------------------ SQLite */

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS cdr ("
    " id TEXT PRIMARY KEY, caller TEXT, callee TEXT, channel TEXT,"
    " peer TEXT, start INTEGER, answer INTEGER, end INTEGER,"
    " duration INTEGER, billsec INTEGER, disposition TEXT, cause TEXT,"
    " cause_code INTEGER, codec TEXT, rtp_packets_sent INTEGER,"
    " rtp_packets_received INTEGER, rtp_packets_lost INTEGER,"
    " rtp_jitter_ms REAL, rtp_rtt_ms REAL,"
    " jb_delay_ms INTEGER, jb_late INTEGER, jb_concealed INTEGER,"
    " linked_id TEXT, transfer TEXT)";

/* Columns added since the first release: a database made before gets
 * them (its rows NULL there). */
static const char *const added_columns[] = {
    "jb_delay_ms INTEGER", "jb_late INTEGER", "jb_concealed INTEGER",
    "linked_id TEXT", "transfer TEXT",
};

static const char insert_sql[] =
    "INSERT OR REPLACE INTO cdr (id, caller, callee, channel, peer, start, answer, end,"
    " duration, billsec, disposition, cause, cause_code, codec, rtp_packets_sent,"
    " rtp_packets_received, rtp_packets_lost, rtp_jitter_ms, rtp_rtt_ms, jb_delay_ms,"
    " jb_late, jb_concealed, linked_id, transfer) VALUES"
    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
    " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)";

static void
bind_row(sqlite3_stmt *st, const PbxCdr *c)
{
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->caller, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->callee, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, c->peer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->start / G_USEC_PER_SEC);
    if (c->answer)
        sqlite3_bind_int64(st, 7, c->answer / G_USEC_PER_SEC);
    sqlite3_bind_int64(st, 8, c->end / G_USEC_PER_SEC);
    sqlite3_bind_int64(st, 9, c->duration);
    sqlite3_bind_int64(st, 10, c->billsec);
    sqlite3_bind_text(st, 11, c->disposition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, pbx_cause_to_string(c->cause), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, (int) c->cause);
    sqlite3_bind_text(st, 14, c->codec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 15, (sqlite3_int64) c->rtp.packets_sent);
    sqlite3_bind_int64(st, 16, (sqlite3_int64) c->rtp.packets_received);
    sqlite3_bind_int64(st, 17, (sqlite3_int64) c->rtp.packets_lost);
    sqlite3_bind_double(st, 18, c->rtp.jitter_ms);
    sqlite3_bind_double(st, 19, c->rtp.rtt_ms);
    sqlite3_bind_int64(st, 20, c->rtp.jb_delay_ms);
    sqlite3_bind_int64(st, 21, (sqlite3_int64) c->rtp.jb_late);
    sqlite3_bind_int64(st, 22, (sqlite3_int64) c->rtp.jb_concealed);
    sqlite3_bind_text(st, 23, c->linked_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 24, c->transfer, -1, SQLITE_STATIC);
}

/* The table, and the columns an older one lacks. */
static gboolean
create_table(sqlite3 *db, GError **error)
{
    if (!pbx_db_exec(db, create_sql, error))
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(added_columns); i++) {
        g_autofree char *sql = g_strdup_printf("ALTER TABLE cdr ADD COLUMN %s", added_columns[i]);
        g_autoptr(GError) e = NULL;

        if (!pbx_db_exec(db, sql, &e) && !strstr(e->message, "duplicate column")) {
            g_propagate_error(error, g_steal_pointer(&e));
            return FALSE;
        }
    }
    return TRUE;
}

static void
create_job(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (db && !create_table(db, &error))
        g_warning("cdr: %s", error->message);
}

/* Runs on the database thread; creates the table on first use. */
static void
sqlite_write(sqlite3 *db, const PbxCdr *cdr)
{
    static gboolean created;
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st;

    if (!created && !create_table(db, &error)) {
        g_warning("cdr: %s", error->message);
        return;
    }
    created = TRUE;
    st = pbx_db_prepare_cached(db, insert_sql, &error);   /* not parsed per call */
    if (!st) {
        g_warning("cdr: %s", error->message);
        return;
    }
    bind_row(st, cdr);
    if (sqlite3_step(st) != SQLITE_DONE)
        g_warning("cdr: insert: %s", sqlite3_errmsg(db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);     /* they point into cdr */
}

/* ------------------------------------------------------------ CLI */

static gboolean
show_recent(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    guint n = 10;
    guint i = 0;

    if (argc > 1 || (argc == 1 && !(n = (guint) g_ascii_strtoull(argv[0], NULL, 10)))) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%-20s %-12s %-12s %-10s %-8s %-8s %-10s %s\n", "Start",
                  "Caller", "Callee", "Disposition", "Duration", "Billsec",
                  "Codec", "Cause");
    for (GList *l = recent.head; l && i < n; l = l->next, i++) {
        PbxCdr *c = l->data;
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(c->start / G_USEC_PER_SEC);
        g_autofree char *ts = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
        pbx_cli_print(ctx, "%-20s %-12s %-12s %-10s %-8" G_GINT64_FORMAT
                      " %-8" G_GINT64_FORMAT " %-10s %s\n", ts, c->caller,
                      c->callee, c->disposition, c->duration, c->billsec,
                      c->codec ? c->codec : "-", pbx_cause_to_string(c->cause));
    }
    pbx_cli_print(ctx, "%u records shown (the database table cdr has all)\n", i);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "cdr show recent", "[N]", "Show the last N call records (default 10)", show_recent, NULL },
};

void
pbx_cdr_register_cli(void)
{
    pbx_cli_register(NULL, commands, G_N_ELEMENTS(commands), NULL, NULL);
}
