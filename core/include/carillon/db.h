/* Carillon - the embedded database.
 *
 * One SQLite database (WAL mode) in the var directory, `carillon.db`,
 * shared by modules (registrations, CDRs, voicemail index).  The
 * connection belongs to a dedicated database thread: modules submit jobs
 * that run there with the sqlite3 handle, and optional completions that
 * run back on the main context.  Nothing on the signalling thread waits
 * for the disk, except pbx_db_run_sync(), which is meant for start-up,
 * shutdown and tests.
 *
 * Each module creates its own tables (CREATE TABLE IF NOT EXISTS) in its
 * first job; table names start with the module's name.
 *
 * Thread affinity: pbx_db_submit() and pbx_db_run_sync() on the main
 * context, asserted (jobs run in the order the main context submitted
 * them, and a run_sync from the database thread would wait for itself).
 * Jobs, and so pbx_db_exec() and pbx_db_prepare_cached(), run on the
 * database thread; pbx_db_prepare_cached() checks it.  pbx_db_get_path()
 * may be called from any thread.
 */
#pragma once

#include <sqlite3.h>

#include <carillon/defs.h>

G_BEGIN_DECLS

#define PBX_DB_ERROR (pbx_db_error_quark())
PBX_API GQuark pbx_db_error_quark(void);

/* Runs on the database thread. */
typedef void (*PbxDbJobFunc)(sqlite3 *db, gpointer data);
/* Runs on the main context after the job. */
typedef void (*PbxDbDoneFunc)(gpointer data);

/* Queues a job; `done` (may be NULL) runs on the main context afterwards.
 * Jobs run in submission order. */
PBX_API void pbx_db_submit(PbxDbJobFunc job, PbxDbDoneFunc done, gpointer data);

/* Runs a job and waits for it (and for every job queued before it). */
PBX_API void pbx_db_run_sync(PbxDbJobFunc job, gpointer data);

/* Helpers for jobs: execute SQL without results, with a GError naming the
 * statement on failure. */
PBX_API gboolean pbx_db_exec(sqlite3 *db, const char *sql, GError **error);

/* For jobs that run the same statement again and again (a CDR per call):
 * the statement of `sql`, prepared once and kept by the database until
 * it closes, reset and with its bindings cleared.  Borrowed: bind, step,
 * never finalize.  NULL with error set when it does not prepare. */
PBX_API sqlite3_stmt *pbx_db_prepare_cached(sqlite3 *db, const char *sql, GError **error);

/* Path of the database file. */
PBX_API const char *pbx_db_get_path(void);

G_END_DECLS
