/* res_sip_message - the message store (see store.h). */
#include <string.h>

#include "store.h"

#define RECENT_MAX 100          /* messages `message show recent` can show */
#define SHOW_BODY_CHARS 60

static PbxLogDomain *dom;
static GQueue recent = G_QUEUE_INIT;    /* StoredMessage, oldest first */
static guint64 total;

void
stored_message_free(StoredMessage *msg)
{
    if (!msg)
        return;
    g_free(msg->endpoint);
    g_free(msg->from_uri);
    g_free(msg->to_uri);
    g_free(msg->content_type);
    g_free(msg->body);
    g_free(msg);
}

static StoredMessage *
stored_message_copy(const StoredMessage *msg)
{
    StoredMessage *c = g_new0(StoredMessage, 1);

    c->received = msg->received;
    c->endpoint = g_strdup(msg->endpoint);
    c->from_uri = g_strdup(msg->from_uri);
    c->to_uri = g_strdup(msg->to_uri);
    c->content_type = g_strdup(msg->content_type);
    c->body = g_strdup(msg->body);
    return c;
}

/* ------------------------------------------------------------ database thread */

static void
create_job(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!pbx_db_exec(db,
                     "CREATE TABLE IF NOT EXISTS sip_messages ("
                     " id INTEGER PRIMARY KEY, received INTEGER NOT NULL,"
                     " endpoint TEXT, from_uri TEXT, to_uri TEXT,"
                     " content_type TEXT, body TEXT)", &error))
        pbx_error(dom, "%s", error->message);
}

static void
insert_job(sqlite3 *db, gpointer data)
{
    g_autoptr(StoredMessage) msg = data;
    g_autoptr(GError) error = NULL;
    sqlite3_stmt *st = pbx_db_prepare_cached(
        db, "INSERT INTO sip_messages (received, endpoint, from_uri, to_uri,"
        " content_type, body) VALUES (?, ?, ?, ?, ?, ?)", &error);

    if (!st) {
        pbx_error(dom, "message from %s lost: %s", msg->endpoint, error->message);
        return;
    }
    sqlite3_bind_int64(st, 1, msg->received);
    sqlite3_bind_text(st, 2, msg->endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, msg->from_uri, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, msg->to_uri, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, msg->content_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, msg->body, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        pbx_error(dom, "message from %s lost: %s", msg->endpoint, sqlite3_errmsg(db));
    sqlite3_reset(st);          /* the statement is cached: drop the bindings' use now */
    sqlite3_clear_bindings(st);
}

static void
nothing_job(sqlite3 *db, gpointer data)
{
}

/* ------------------------------------------------------------ main context */

void
message_store_add(StoredMessage *msg)
{
    g_queue_push_tail(&recent, stored_message_copy(msg));
    if (recent.length > RECENT_MAX)
        stored_message_free(g_queue_pop_head(&recent));
    total++;
    pbx_db_submit(insert_job, NULL, msg);
}

/* One line of text: control characters become spaces, long bodies are
 * cut (at a character, not inside one). */
static char *
body_preview(const char *body)
{
    g_autofree char *valid = g_utf8_make_valid(body, -1);
    char *line;

    for (char *p = valid; *p; p++) {
        if ((guchar) *p < 0x20)
            *p = ' ';
    }
    if (g_utf8_strlen(valid, -1) <= SHOW_BODY_CHARS)
        return g_steal_pointer(&valid);
    line = g_utf8_substring(valid, 0, SHOW_BODY_CHARS);
    return g_strconcat(line, "...", NULL);
}

static gboolean
show_recent(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    guint64 n = 20;
    guint skip;

    if (argc > 1 || (argc == 1 && !g_ascii_string_to_unsigned(argv[0], 10, 1, RECENT_MAX,
                                                               &n, NULL))) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    skip = recent.length > n ? recent.length - (guint) n : 0;
    for (GList *l = g_queue_peek_nth_link(&recent, skip); l; l = l->next) {
        const StoredMessage *m = l->data;
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(m->received);
        g_autofree char *when = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
        g_autofree char *preview = body_preview(m->body);
        pbx_cli_print(ctx, "%s %s %s -> %s: %s\n", when, m->endpoint, m->from_uri,
                      m->to_uri, preview);
    }
    pbx_cli_print(ctx, "Stored since the module loaded: %" G_GUINT64_FORMAT
                  " (all are in table sip_messages)\n", total);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "message show recent", "[N]", "Show the last messages stored (at most 100)",
      show_recent, NULL },
};

gboolean
message_store_init(PbxModule *self, GError **error)
{
    dom = pbx_log_domain("message");
    if (!pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error))
        return FALSE;
    pbx_db_submit(create_job, NULL, NULL);  /* jobs run in order: before any insert */
    return TRUE;
}

void
message_store_shutdown(void)
{
    pbx_db_run_sync(nothing_job, NULL);
    g_queue_clear_full(&recent, (GDestroyNotify) stored_message_free);
    total = 0;
}
