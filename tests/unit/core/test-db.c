/* Unit tests: the database thread. */
#include <string.h>

#include <glib/gstdio.h>

#include "../../../core/core_private.h"

static GString *trace;

static void
create_table(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(pbx_db_exec(db, "CREATE TABLE t (n INTEGER)", &error));
    g_assert_no_error(error);
}

static void
insert(sqlite3 *db, gpointer data)
{
    g_autofree char *sql = g_strdup_printf("INSERT INTO t VALUES (%d)",
                                           GPOINTER_TO_INT(data));
    g_assert_true(pbx_db_exec(db, sql, NULL));
    /* Jobs run on the database thread, never the caller's. */
    g_assert_false(g_main_context_is_owner(g_main_context_default()));
}

static void
inserted(gpointer data)
{
    g_string_append_printf(trace, "%d;", GPOINTER_TO_INT(data));
}

static void
read_back(sqlite3 *db, gpointer data)
{
    sqlite3_stmt *st;
    GString *out = data;

    g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT n FROM t ORDER BY rowid", -1,
                                       &st, NULL), ==, SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_string_append_printf(out, "%d,", sqlite3_column_int(st, 0));
    sqlite3_finalize(st);
}

static void
journal_mode(sqlite3 *db, gpointer data)
{
    sqlite3_stmt *st;

    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_string_append(data, (const char *) sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static void
bad_sql(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;
    g_assert_false(pbx_db_exec(db, "INSERT INTO nowhere VALUES (1)", &error));
    g_assert_error(error, PBX_DB_ERROR, 0);
    g_assert_nonnull(strstr(error->message, "no such table: nowhere"));
}

/* The same statement comes back, reset and without bindings. */
static void
insert_cached(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;
    sqlite3_stmt **first = data;
    sqlite3_stmt *st = pbx_db_prepare_cached(db, "INSERT INTO t VALUES (?)", &error);

    g_assert_no_error(error);
    g_assert_nonnull(st);
    if (*first)
        g_assert_true(st == *first);
    *first = st;
    sqlite3_bind_int(st, 1, 6);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_DONE);
}

static void
prepare_error(sqlite3 *db, gpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(pbx_db_prepare_cached(db, "SELECT * FROM nowhere", &error));
    g_assert_error(error, PBX_DB_ERROR, 0);
    g_assert_nonnull(strstr(error->message, "no such table: nowhere"));
}

static void
test_jobs_in_order(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("carillon-db-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "carillon.db", NULL);
    g_autoptr(GString) rows = g_string_new(NULL);
    g_autoptr(GString) mode = g_string_new(NULL);
    gint64 deadline;

    trace = g_string_new(NULL);
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(pbx_db_init(path, &error));
    g_assert_no_error(error);
    pbx_db_submit(create_table, NULL, NULL);
    for (int i = 1; i <= 5; i++)
        pbx_db_submit(insert, inserted, GINT_TO_POINTER(i));
    pbx_db_run_sync(read_back, rows);
    g_assert_cmpstr(rows->str, ==, "1,2,3,4,5,");
    pbx_db_run_sync(journal_mode, mode);
    g_assert_cmpstr(mode->str, ==, "wal");
    pbx_db_run_sync(bad_sql, NULL);

    /* A cached statement: the same one the second time, reset so that it
     * steps again. */
    {
        sqlite3_stmt *first = NULL;
        g_autoptr(GString) more = g_string_new(NULL);
        pbx_db_run_sync(insert_cached, &first);
        pbx_db_run_sync(insert_cached, &first);
        pbx_db_run_sync(prepare_error, NULL);
        pbx_db_run_sync(read_back, more);
        g_assert_cmpstr(more->str, ==, "1,2,3,4,5,6,6,");
    }

    /* Completions arrive on the main context, in order. */
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (trace->len < 10 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpstr(trace->str, ==, "1;2;3;4;5;");

    pbx_db_shutdown();
    g_main_context_release(g_main_context_default());
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_remove(path);
    g_autofree char *wal = g_strconcat(path, "-wal", NULL);
    g_autofree char *shm = g_strconcat(path, "-shm", NULL);
    g_remove(wal);
    g_remove(shm);
    g_rmdir(dir);
    g_string_free(trace, TRUE);
}

static void
test_open_failure(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(pbx_db_init("/nonexistent-dir/x/carillon.db", &error));
    g_assert_error(error, PBX_DB_ERROR, 0);
    g_assert_nonnull(strstr(error->message, "cannot open database"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("The SQLite database thread");
    g_test_add_func("/core/db/jobs-in-order", test_jobs_in_order);
    g_test_add_func("/core/db/open-failure", test_open_failure);
    return g_test_run();
}
