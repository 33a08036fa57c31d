/* Carillon - extending the Lua dialplan.
 *
 * The dialplan (extensions.lua) runs each inbound call's on_invite(call)
 * as a coroutine on the main context.  Modules extend it in three ways:
 *
 *  - methods on the call object, declared once in a static table:
 *
 *        static const PbxDialplanMethodDesc vm_methods[] = {
 *            { "voicemail",  vm_record, TRUE  },   -- waits for the caller
 *            { "has_mail",   vm_check,  FALSE },
 *        };
 *        pbx_dialplan_register_methods(self, vm_methods,
 *                                      G_N_ELEMENTS(vm_methods), &error);
 *
 *    makes `call:voicemail(...)` call vm_record with the call userdata at
 *    index 1.  A method that waits for something (a prompt to finish,
 *    digits) is declared may_yield and returns pbx_dialplan_yield(L); when
 *    the wait is over the module pushes the results onto
 *    pbx_dialplan_call_get_thread() and calls pbx_dialplan_wake(), and the
 *    script carries on with those results as the method's return values.
 *  - endpoint information for pbx.endpoint(name): providers
 *    (chan_sip knows the endpoint and its context, res_registrar whether
 *    it is registered) each fill in what they know.
 *  - handlers for events that are not calls: a module runs a context's
 *    handler, say contexts.office.on_message(msg), with
 *    pbx_dialplan_run_handler() and acts on what it returns.
 *
 * Lua conventions (STYLE.md): expected failures return nil, message,
 * code; misuse raises an error.  Methods must check their arguments
 * before doing C work, since a Lua error longjmps past g_auto cleanups.
 *
 * Thread affinity: main context.  Everything a module registers here is
 * removed when it unloads.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/module.h>
#include <carillon/channel.h>

G_BEGIN_DECLS

typedef struct lua_State lua_State;
typedef int (*PbxDialplanMethod)(lua_State *L);

/* A running script's call (one per inbound channel in the dialplan). */
typedef struct _PbxDialplanCall PbxDialplanCall;

/* One method of the call object added by a module. */
typedef struct {
    const char *name;          /* call:<name>(...) */
    PbxDialplanMethod fn;      /* the call userdata at index 1 */
    gboolean may_yield;        /* it may return pbx_dialplan_yield(L) */
} PbxDialplanMethodDesc;

/* Adds call:<name>() for each of the `n` descriptors to every loaded
 * script and every script loaded later (a dialplan reload).  `descs` must
 * stay valid while registered (use a static table).  All or nothing: fails
 * when a name is taken (by a built-in method or field, or another module)
 * or repeated.  The methods go away when `owner` unloads; a script that
 * kept one in a variable then gets an error calling it.
 *
 * What the binding enforces: a method declared may_yield is refused (Lua
 * error) unless it runs in its own call's on_invite coroutine, where it
 * can wait, so never from on_dtmf/on_refer or another call's script.  A
 * method not declared may_yield runs where Lua cannot suspend: calling
 * pbx_dialplan_yield() (or lua_yield) from it raises an error. */
PBX_API gboolean pbx_dialplan_register_methods(PbxModule *owner,
                                               const PbxDialplanMethodDesc *descs,
                                               guint n, GError **error);
/* Removes the methods registered with `descs` before the owner unloads. */
PBX_API void pbx_dialplan_unregister_methods(const PbxDialplanMethodDesc *descs,
                                             guint n);

/* The channel of the "pbx.call" userdata at `idx`; raises a Lua error
 * when it is not a call or the call has ended. */
PBX_API PbxChannel *pbx_dialplan_check_channel(lua_State *L, int idx);
/* The call whose on_invite coroutine is the running thread L, or NULL
 * (e.g. inside on_dtmf, which runs on the script's main thread and cannot
 * wait, or in a coroutine the script created). */
PBX_API PbxDialplanCall *pbx_dialplan_get_running_call(lua_State *L);
/* From a may_yield method: suspend the running call until
 * pbx_dialplan_wake().  Raises an error when the running code cannot
 * wait. */
PBX_API int pbx_dialplan_yield(lua_State *L);
/* Where to push the results before waking. */
PBX_API lua_State *pbx_dialplan_call_get_thread(PbxDialplanCall *call);
/* Resumes the call (from a main-loop callback) with the `nresults` values
 * pushed on its thread as the results of the waiting method. */
PBX_API void pbx_dialplan_wake(PbxDialplanCall *call, int nresults);

/* ---- libraries in the `pbx` table ---- */

/* One function of a library: pbx.<library>.<name>(...). */
typedef struct {
    const char *name;
    PbxDialplanMethod fn;       /* cannot wait (pbx_dialplan_yield raises) */
} PbxDialplanFuncDesc;

/* Adds pbx.<name> = { <descs[i].name> = function ... } to every loaded
 * script and every one loaded later, liolib style (each function checks
 * its own arguments).  `descs` must stay valid while registered (a static
 * table).  Fails when pbx.<name> is built in or taken by another module.
 * The table goes away when `owner` unloads; a function a script kept in
 * a variable then raises an error. */
PBX_API gboolean pbx_dialplan_register_library(PbxModule *owner, const char *name,
                                               const PbxDialplanFuncDesc *descs, guint n,
                                               GError **error);

/* pbx.endpoint(name) */
typedef struct {
    char *name;          /* g_malloc'ed by whoever sets it */
    char *context;
    gboolean known;      /* some provider knows this endpoint */
    gboolean registered;
    guint contacts;
} PbxEndpointInfo;
/* Fill in what you know about `name` (leave other fields alone).
 * pbx.endpoint(name) returns {name=, context=, registered=, contacts=}
 * when some provider set `known`, else nil. */
typedef void (*PbxEndpointProvider)(const char *name, PbxEndpointInfo *info,
                                    gpointer data);
PBX_API void pbx_dialplan_add_endpoint_provider(PbxModule *owner,
                                                PbxEndpointProvider fn,
                                                gpointer data);
PBX_API void pbx_dialplan_remove_endpoint_provider(PbxEndpointProvider fn,
                                                   gpointer data);

/* TRUE when the current dialplan's contexts[context].public is true
 * (`context("public", {public = true, ...})`): the admin lets calls that
 * nobody authenticated in there.  FALSE when no dialplan is loaded, the
 * context is missing, or `public` is anything but true.  Reads the table
 * raw: no script code runs.  Main context. */
PBX_API gboolean pbx_dialplan_context_is_public(const char *context);

/* ---- handlers for events that are not calls ---- */

#define PBX_DIALPLAN_ERROR (pbx_dialplan_error_quark())
typedef enum {
    /* No dialplan is loaded, it has no such context, or the context has
     * no function of that name: the module decides what happens then. */
    PBX_DIALPLAN_ERROR_NO_HANDLER,
    /* The handler raised an error, ran over its budget or tried to wait.
     * Already logged with file:line and traceback and published as a
     * "dialplan/error" event; the message repeats it. */
    PBX_DIALPLAN_ERROR_FAILED,
} PbxDialplanError;

PBX_API GQuark pbx_dialplan_error_quark(void);

typedef enum {
    PBX_DIALPLAN_VALUE_NIL,     /* nil, or the handler returned nothing */
    PBX_DIALPLAN_VALUE_BOOLEAN,
    PBX_DIALPLAN_VALUE_NUMBER,
    PBX_DIALPLAN_VALUE_STRING,
    PBX_DIALPLAN_VALUE_OTHER,   /* a table, function, userdata, ... */
} PbxDialplanValueType;

/* The first value a handler returned (the others are dropped). */
typedef struct {
    PbxDialplanValueType type;
    gboolean boolean;           /* BOOLEAN */
    double number;              /* NUMBER */
    char *string;               /* STRING: a copy, freed by _clear() */
} PbxDialplanValue;

PBX_API void pbx_dialplan_value_clear(PbxDialplanValue *value);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PbxDialplanValue, pbx_dialplan_value_clear)

/* Pushes the handler's arguments onto L and returns how many (at most
 * LUA_MINSTACK, 20).  It runs in protected mode: a Lua error in it (out
 * of memory) is reported like one of the handler, so it should only
 * push, from data the caller keeps; no g_auto variables. */
typedef int (*PbxDialplanPushFunc)(lua_State *L, gconstpointer data);

/* Runs contexts[context][handler](args...) of the current dialplan to
 * completion, now, and stores its first return value in *result (clear
 * it with pbx_dialplan_value_clear()).  It runs on the script's main
 * thread with the budget of a call's slice (dialplan.conf
 * max_instructions, max_slice_ms), like on_dtmf: it cannot wait, so
 * pbx.sleep(), call:answer() and the like raise an error there, and so
 * does coroutine.yield() outside a coroutine of its own.  No call is
 * running: call methods that need their own call refuse.
 *
 * FALSE with PBX_DIALPLAN_ERROR_NO_HANDLER when there is nothing to run
 * (push is not called), PBX_DIALPLAN_ERROR_FAILED when the handler
 * failed; *result is then NIL.  Meant for main-loop callbacks (a SIP
 * request handler, a timer); a dialplan reload meanwhile does not
 * matter, the handler runs to the end on the script it started in. */
PBX_API gboolean pbx_dialplan_run_handler(const char *context, const char *handler,
                                          PbxDialplanPushFunc push, gconstpointer data,
                                          PbxDialplanValue *result, GError **error);

G_END_DECLS
