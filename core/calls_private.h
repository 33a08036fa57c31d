/* Carillon - call model internals shared by core/ and dialplan/ (not
 * installed). */
#pragma once

#include <carillon/carillon.h>
#include <carillon/timer.h>

G_BEGIN_DECLS

/* Bare dial targets ("1002", "sip:...") go to this tech. */
#define PBX_CHANNEL_DEFAULT_TECH "SIP"

/* channel.c */
guint pbx_channel_count(void);
/* The timer set of the call model (channels, dials, the dialplan's
 * calls): one heap behind one GSource instead of a GSource per call.
 * Made on first use; freed by pbx_calls_timers_shutdown() once no
 * channel is left (the daemon, after the modules). */
PbxTimers *pbx_calls_timers(void);
void pbx_calls_timers_shutdown(void);

/* bridge.c */
PbxBridge *pbx_bridge_find_by_channel(const PbxChannel *chan);
/* TRUE while the bridge's legs have their media connected. */
gboolean pbx_bridge_has_media(const PbxBridge *bridge);
/* chan (a leg of bridge) was held or resumed by its far end; TRUE when
 * the bridge took care of the other leg (music on hold). */
gboolean pbx_bridge_hold_leg(PbxBridge *bridge, PbxChannel *chan, gboolean held);

/* dial.c: ring one or more targets in parallel, first answer wins. */
typedef enum {
    PBX_DIAL_ANSWERED,
    PBX_DIAL_BUSY,
    PBX_DIAL_NOANSWER,
    PBX_DIAL_UNAVAILABLE,
    PBX_DIAL_CANCELLED,
    PBX_DIAL_FAILED,
} PbxDialOutcome;

typedef struct _PbxDial PbxDial;
/* Runs exactly once, never from inside pbx_dial_start().  `answered` is
 * the winning leg (borrowed; ref it to keep it) or NULL; `cause` the
 * cause behind the outcome.  The dial is freed after it returns. */
typedef void (*PbxDialDoneFunc)(PbxDial *dial, PbxDialOutcome outcome,
                                PbxChannel *answered, PbxCause cause,
                                gpointer data);

/* `caller` (may be NULL) is told about ringing/progress and, when it
 * hangs up, the dial ends as CANCELLED.  options->timeout_ms 0 = none. */
PbxDial *pbx_dial_start(PbxChannel *caller, const char *const *targets,
                        const PbxDialOptions *options, PbxDialDoneFunc done,
                        gpointer data);
/* Inside done, when the outcome is the failure of a leg (every leg
 * failed): that leg (borrowed), whose tech may have left details such as
 * the SIP status in its variables; NULL otherwise. */
PbxChannel *pbx_dial_get_failed_leg(PbxDial *dial);
/* Told when a leg of the dial rings (RINGING) or has early media
 * (PROGRESS); a transfer reports it to its referrer. */
typedef void (*PbxDialProgressFunc)(PbxDial *dial, PbxChannelState state, gpointer data);
void pbx_dial_set_progress_func(PbxDial *dial, PbxDialProgressFunc fn);
/* Hangs up every leg and ends the dial as CANCELLED (done runs). */
void pbx_dial_cancel(PbxDial *dial);
const char *pbx_dial_outcome_to_string(PbxDialOutcome outcome);
/* Pickup (pickup.c): the oldest dial under way with a leg ringing
 * (RINGING or PROGRESS) that match accepts; *leg is that leg (borrowed).
 * NULL when none. */
typedef gboolean (*PbxDialLegMatch)(PbxChannel *leg, gpointer data);
PbxDial *pbx_dial_find_ringing(PbxDialLegMatch match, gpointer data, PbxChannel **leg);
PbxChannel *pbx_dial_get_caller(PbxDial *dial);
/* Ends the dial as answered by `picker` (no leg of it, up): done runs
 * with answered = picker; the legs are hung up with ANSWERED_ELSEWHERE. */
void pbx_dial_take(PbxDial *dial, PbxChannel *picker);
PbxDialOutcome pbx_dial_outcome_from_cause(PbxCause cause);

/* cdr.c: one record per call leg pair, written through pbx_db_submit().
 * The store is an interface; SQLite is the one implementation. */
typedef struct {
    char *id;                   /* the channel id */
    char *caller, *callee;
    char *channel, *peer;       /* names; peer may be NULL */
    gint64 start, answer, end;  /* µs since the epoch; answer 0 if none */
    gint64 duration, billsec;   /* seconds */
    const char *disposition;    /* ANSWERED, NO ANSWER, BUSY, FAILED */
    PbxCause cause;
    char *codec;
    PbxRtpStats rtp;
    char *linked_id;            /* the call's (pbx_channel_get_linked_id) */
    char *transfer;             /* the variable TRANSFER: how it was transferred, or NULL */
} PbxCdr;

typedef struct {
    const char *name;
    /* Runs on the database thread. */
    void (*write)(sqlite3 *db, const PbxCdr *cdr);
} PbxCdrStore;

void pbx_cdr_channel_ended(PbxChannel *chan);
void pbx_cdr_set_store(const PbxCdrStore *store);
void pbx_cdr_register_cli(void);
/* Turns CDR writing on (the daemon does once the database is open). */
void pbx_cdr_enable(gboolean on);
/* Sends the records gathered so far to the database thread now. */
void pbx_cdr_flush(void);
const char *pbx_cdr_disposition(PbxCause cause, gboolean answered);

/* channel_cli.c */
void pbx_calls_register_cli(void);

/* dialplan/: start-up, reload and shutdown of the Lua engine. */
gboolean pbx_dialplan_init(GError **error);
gboolean pbx_dialplan_reload(GError **error);
void pbx_dialplan_shutdown(void);

G_END_DECLS
