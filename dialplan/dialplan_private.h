/* Carillon - Lua dialplan engine internals. */
#pragma once

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "../core/calls_private.h"

G_BEGIN_DECLS

typedef struct _PbxDialplanCall Call;

/* What one run of Lua code (a call's slice between waits, a handler run
 * to completion) has used of the budget; the count hook charges it. */
typedef struct {
    guint64 instructions;       /* since the run started */
    gint64 slice_start;         /* monotonic, us */
    gboolean killed;            /* over budget: stop it */
    char *kill_reason;
} DpBudget;

/* One loaded extensions.lua in its own lua_State.  Calls hold a
 * reference; a reload swaps in a new Script and the old one closes when
 * its last call ends.  Every thread of L reaches its Script through
 * dp_script_of(). */
typedef struct {
    gint refs;
    lua_State *L;
    char *path;
    guint generation;
    gint64 loaded_at;
    guint calls;
    /* The call whose Lua code runs in L now: its on_invite coroutine, a
     * coroutine that code created, or its on_dtmf/on_refer handler on L's
     * main thread; NULL for a module's handler (pbx_dialplan_run_handler).
     * A property of this state, since one lua_State runs one piece of Lua
     * at a time. */
    Call *running;
    /* What the budget hook charges: the running call's, or a handler
     * run's own; NULL when no Lua code runs. */
    DpBudget *budget;
} Script;

typedef enum {
    WAIT_NONE,
    WAIT_SLEEP,
    WAIT_ANSWER,
    WAIT_DIAL,
    WAIT_BRIDGE,
    WAIT_MODULE,
    WAIT_PICKUP,                /* call:pickup(): until the picker hangs up */
} WaitKind;

/* One inbound channel in the dialplan: its on_invite coroutine and what
 * it waits for. */
struct _PbxDialplanCall {
    GList link;                 /* in the engine's list of calls */
    Script *script;
    PbxChannel *chan;
    lua_State *co;
    int co_ref;                 /* registry ref keeping co alive */
    int call_ref;               /* registry ref of the "pbx.call" userdata */
    guint chan_watch;
    WaitKind wait;
    PbxTimer timer;             /* answer timeout or sleep */
    PbxDial *dial;
    PbxBridge *bridge;
    PbxChannel *peer;           /* the bridged leg, whose digits we hear too */
    int peer_ref;               /* registry ref of its call object, or LUA_NOREF */
    gboolean keep_caller;
    char *dial_target;          /* what call:pickup() wants (NULL: by group) */
    struct _DpTransfer *transfer;   /* a transfer of the bridge under way, or NULL */
    PbxTimer wake;              /* armed: a resume is pending */
    int wake_nargs;
    DpBudget budget;            /* of the slice since the last resume */
};

/* engine.c */
extern PbxLogDomain *dp_dom;
Script *dp_current_script(void);
/* The Script owning L (any of its threads): kept in the state's extra
 * space, which every thread inherits from the main one. */
Script *dp_script_of(lua_State *L);
/* Calls fn on the lua_State of every loaded script (the current one and
 * older ones still running calls). */
void dp_foreach_state(void (*fn)(lua_State *L, gconstpointer data),
                      gconstpointer data);
void dp_script_ref(Script *s);
void dp_script_unref(Script *s);
/* Logs a script error with its traceback and publishes "dialplan/error". */
void dp_report_error(const char *what, const char *msg);
guint dp_old_script_calls(void);
guint dp_active_calls(void);
guint dp_get_max_instructions(void);
const char *dp_get_script_path(void);
/* The DTMF hook of a call's channel and its bridged peer: runs
 * contexts[ctx].on_dtmf(leg, digit, info) to completion; TRUE swallows. */
gboolean dp_dtmf_hook(PbxChannel *chan, const PbxDtmf *dtmf, gpointer data);

typedef enum {
    DP_RUN_OK,                  /* its first result left on the stack */
    DP_RUN_NO_HANDLER,          /* nothing pushed */
    DP_RUN_FAILED,              /* reported; the message left on the stack */
} DpRunResult;

/* Runs contexts[context][handler](...) in s to completion on the
 * state's main thread, where it cannot wait: `push` pushes the arguments
 * (in protected mode) and returns how many.  `running` (may be NULL) is
 * the call it runs for, `budget` what it is charged to (reset first);
 * `what` names it in error reports.  The caller pops what it leaves
 * and holds a reference on s meanwhile if s may be replaced. */
DpRunResult dp_run_to_completion(Script *s, const char *context, const char *handler,
                                 Call *running, DpBudget *budget,
                                 int (*push)(lua_State *L, gconstpointer data),
                                 gconstpointer data, const char *what);

/* call.c: the "pbx.call" class */
/* Registry field holding the class's methods table, where modules'
 * methods go too. */
#define DP_CALL_METHODS "pbx.call.methods"
/* Creates the "pbx.call" and "pbx.vars" metatables in L. */
void dp_call_open_class(lua_State *L);
/* TRUE when `name` is a built-in method or field of the call object. */
gboolean dp_call_has_member(const char *name);
/* Pushes a new call userdata for chan (holding a reference). */
void dp_push_call(lua_State *L, PbxChannel *chan);
/* Drops the userdata's channel reference (the call has ended). */
void dp_close_call(lua_State *L, int idx);
/* The bridged peer's digits reach on_dtmf (with its own call object)
 * until dp_forget_peer(). */
void dp_hear_peer(Call *c, PbxChannel *peer);
void dp_forget_peer(Call *c);
/* The running call, which must own `chan` (only a call's own coroutine
 * can wait on it); raises otherwise. */
Call *dp_check_own_call(lua_State *L, PbxChannel *chan);
/* nil, msg, code: an expected failure. */
int dp_push_fail(lua_State *L, const char *msg, const char *code);
gboolean dp_hung_up(PbxChannel *chan);
/* pickup.c: call:pickup([target]); the picker hung up */
int dp_call_pickup(lua_State *L);
void dp_pickup_hangup(Call *c);
/* dial.c: call:dial(target, opts) */
int dp_call_dial(lua_State *L);
/* The end of a call:dial() bridge: the script resumes with "answered". */
void dp_bridge_ended(PbxBridge *bridge, PbxChannel *gone, PbxCause cause, gpointer data);
/* detail.code of a failed dial: the leg's SIP status, else the cause's. */
guint dp_failure_code(PbxCause cause, PbxChannel *failed);
/* Resumes a call:dial() with outcome, {cause=, code=, channel=peer}. */
void dp_dial_resume(Call *c, const char *outcome, PbxCause cause, guint code, PbxChannel *peer);

/* Runs contexts[ctx][handler](call, args...) for c to completion on the
 * script's main thread (it cannot wait); `call_ref` is the call object
 * passed (c's own or its peer's).  DP_RUN_OK leaves one result on the
 * stack, for the caller to pop. */
DpRunResult dp_run_sync(Call *c, int call_ref, const char *handler,
                        int (*push_args)(lua_State *, gconstpointer), gconstpointer arg);

/* transfer.c: REFER through on_refer, blind and attended transfers */
typedef struct _DpTransfer DpTransfer;
/* The core's refer handler (pbx_channel_set_refer_handler). */
guint dp_transfer_on_refer(PbxChannel *chan, const PbxRefer *refer, gpointer data);
/* The call ends or the dialplan shuts down: the transfer is dropped
 * (its dial cancelled, the referrer told 503). */
void dp_transfer_abort(Call *c);
/* A new channel with pbx_channel_get_replaces() (INVITE with Replaces)
 * takes over that call instead of running on_invite. */
void dp_transfer_replace(PbxChannel *chan);
/* call:transfer(target): a blind transfer of the call's bridged peer...
 * of the call itself to target, from the dialplan. */
int dp_call_transfer(lua_State *L);

/* transfer.c, for transfer_consult.c: the transfer's ends */
/* T and `to` talk, the referrer is released. */
void dp_transfer_complete(DpTransfer *t, PbxChannel *to);
/* T and the referrer talk again (on_transfer_failed not asked). */
void dp_transfer_back(DpTransfer *t, guint code);
/* The target failed: on_transfer_failed, else T and the referrer again. */
void dp_transfer_fail(DpTransfer *t, guint code, PbxCause cause);
/* The call whose bridge this is (the dialplan call of one of its legs),
 * or NULL. */
Call *dp_call_of_bridge(PbxBridge *bridge);
/* leg.bridged */
int dp_call_get_bridged(lua_State *L);
/* leg:attended_transfer(number[, {complete=, abort=}]) */
int dp_call_attended_transfer(lua_State *L);

/* transfer_consult.c: the consultation of an attended transfer from the
 * dialplan (X talks to the target while T waits with music) */
typedef struct _DpConsult DpConsult;
/* keys: the completion and abort digits of X. */
DpConsult *dp_consult_start(DpTransfer *t, Call *c, PbxChannel *x, PbxChannel *tee,
                            const char *target, const char keys[2], const PbxDialOptions *o);
/* Ends it where it is (the dial cancelled, a consulted target hung up). */
void dp_consult_free(DpConsult *k);

/* transfer_failed.c: the context's on_transfer_failed(call, failure) */
typedef struct {
    const char *target;         /* what failed (a number, or the replaced call's name) */
    guint code;                 /* its SIP status */
    PbxChannel *transferee;
    PbxChannel *referrer;
} DpTransferFailure;
/* Where the transferee goes instead (a new string), or NULL: the default. */
char *dp_transfer_failed_target(Call *c, const DpTransferFailure *f);

/* ringback.c: the tone a transferred party hears meanwhile */
typedef struct _DpRingback DpRingback;
/* Starts it on chan; *owner is cleared when it ends.  NULL with error
 * when chan has no media. */
DpRingback *dp_ringback_start(PbxChannel *chan, DpRingback **owner, GError **error);
void dp_ringback_stop(DpRingback *rb);

/* waiting.c: what a waiting party hears: music on hold when a provider
 * is loaded (unless its TRANSFER_WAIT is "ringback"), else ringback */
typedef struct _DpWaiting DpWaiting;
/* *owner is cleared when the sound ends.  NULL with error when chan has
 * no media. */
DpWaiting *dp_waiting_start(PbxChannel *chan, DpWaiting **owner, GError **error);
/* "music" or "ringback" */
const char *dp_waiting_kind(const DpWaiting *w);
void dp_waiting_stop(DpWaiting *w);
/* Suspends the running call for `kind`; returns what lua_yieldk gives. */
int dp_wait(lua_State *L, Call *c, WaitKind kind);
/* Arms the call's one wait timer (answer timeout, sleep). */
void dp_start_timer(Call *c, PbxTimerFunc fn, guint ms);
void dp_wake(Call *c, int nargs);
/* pbx.sleep(seconds) */
int dp_lua_sleep(lua_State *L);

/* lib.c: the "pbx" table, module methods, endpoint providers */
void dp_open_pbx_lib(lua_State *L);
/* Adds every method modules registered to L's call class (a new state). */
void dp_install_module_methods(lua_State *L);
/* libs.c: adds the libraries modules registered to L's `pbx` (a new state). */
void dp_install_module_libraries(lua_State *L);

/* cli.c */
void dp_register_cli(void);

G_END_DECLS
