/* res_sip_message - the message store: table sip_messages in the core's
 * database, written on the database thread, and the last messages kept
 * in memory for `message show recent`.
 *
 * Thread affinity: main context (the writes run on the database thread
 * with their own copy of the message). */
#pragma once

#include <carillon/carillon.h>

typedef struct {
    gint64 received;            /* unix time, seconds */
    char *endpoint;             /* the authenticated sender */
    char *from_uri;
    char *to_uri;
    char *content_type;
    char *body;                 /* NUL-terminated text */
} StoredMessage;

/* Creates the table (a database job) and registers `message show recent`. */
gboolean message_store_init(PbxModule *self, GError **error);
/* Waits until every write submitted has run: the jobs' code is in this
 * module, which is about to be closed. */
void message_store_shutdown(void);
/* Queues msg for writing (taking it) and keeps a copy for the CLI. */
void message_store_add(StoredMessage *msg);
void stored_message_free(StoredMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoredMessage, stored_message_free)
