/* Carillon res_registrar - internals shared by its files.
 *
 * Thread affinity: main context for everything, except the store jobs,
 * which run on the database thread with their own copies of the data.
 */
#pragma once

#include <carillon/carillon.h>

#include <carillon/sip/api.h>
#include <carillon/registrar.h>

G_BEGIN_DECLS

/* registrar.conf [general] */
typedef struct {
    guint min_expiry;         /* shorter non-zero requests get 423 */
    guint max_expiry;         /* longer requests are cut to this */
    guint default_expiry;     /* when the request gives none */
    guint qualify_timeout;    /* ms to wait for an OPTIONS answer */
    guint write_delay;        /* ms binding writes are coalesced (store.c) */
} RegConfig;

/* One binding of an address of record to a contact. */
typedef struct {
    char *aor;
    char *uri;
    char *call_id;
    guint32 cseq;
    gint64 expires;           /* wall clock, unix seconds */
    gint64 registered;        /* wall clock of the first registration */
    gint q;                   /* q * 1000, -1 absent */
    char *instance;           /* +sip.instance, NULL when absent */
    gint64 reg_id;            /* -1 absent */
    char *user_agent;
    SipTransport transport;   /* where the REGISTER came from ... */
    char *source_ip;
    guint16 source_port;
    gboolean behind_nat;      /* ... and whether to send there */
    /* run-time state, not stored */
    SipUri parsed;            /* uri parsed (slices into uri, which never changes) */
    gint parse_state;         /* 0 not yet, 1 parsed, -1 unparsable */
    RegStatus status;
    gint64 rtt_us;
    PbxTimer expiry_timer;    /* armed while in the location service */
    PbxTimer qualify_timer;
    gpointer probe;           /* qualify.c's probe in flight */
    gint64 qualify_sent;
} RegBinding;

typedef struct {
    PbxModule *module;
    const SipApi *sip;
    RegConfig config;
    GHashTable *aors;         /* aor -> GPtrArray of RegBinding* */
    PbxTimers *timers;        /* expiry and qualify of every binding */
    GString *scratch;         /* 200 OK headers, built and sent at once */
    struct _RegStore *store;
    PbxLogDomain *log;
} Registrar;

extern Registrar registrar;

/* location.c: the in-memory location service */
void location_init(void);
void location_shutdown(void);
GPtrArray *location_get(const char *aor);            /* borrowed, may be NULL */
void location_add(RegBinding *b, gboolean restored); /* takes ownership */
void location_remove(RegBinding *b, const char *event); /* frees b */
void location_remove_aor(const char *aor, const char *event);
/* After a refresh; `changed`: more than cseq and expires changed. */
void location_updated(RegBinding *b, gboolean changed);
RegBinding *reg_binding_new(void);
void reg_binding_free(RegBinding *b);
gint64 reg_now(void);
extern const RegistrarApi registrar_api;
void location_set_status(RegBinding *b, RegStatus status, gint64 rtt_us);
void reg_contact_free(RegContact *c);

/* store.c: persistence (SQLite through the core's database thread) */
typedef struct _RegStore RegStore;
RegStore *reg_store_sqlite_new(void);
void reg_store_free(RegStore *s);
/* Loads every stored binding (synchronously, at start-up). */
void reg_store_load(RegStore *s, void (*fn)(RegBinding *b, gpointer data),
                    gpointer data);
/* full: every field may have changed; else only cseq and expires. */
void reg_store_save(RegStore *s, const RegBinding *b, gboolean full);
/* Deletes b's row; call before b is freed (the store keeps pointers to
 * bindings written since its last flush). */
void reg_store_delete(RegStore *s, const RegBinding *b);

/* register.c */
gboolean reg_handle_register(SipServerTx *tx, const SipMsg *req,
                             const SipPeerInfo *peer, gpointer data);

/* qualify.c */
void qualify_start(RegBinding *b);
void qualify_tick(PbxTimer *t, gpointer data);
void qualify_stop(RegBinding *b);

/* cli.c */
gboolean reg_cli_register(PbxModule *self, GError **error);

G_END_DECLS
