/* Carillon - extending the Lua dialplan.
 *
 * The dialplan (extensions.lua) runs each inbound call's on_invite(call)
 * as a coroutine on the main context.  Modules extend it in two ways:
 *
 *  - methods on the call object: pbx_dialplan_add_method(self,
 *    "voicemail", fn) makes `call:voicemail(...)` call fn with the call
 *    userdata at index 1.  A method that waits for something (a prompt to
 *    finish, digits) returns pbx_dialplan_yield(L); when the wait is over
 *    the module pushes the results onto pbx_dialplan_call_get_thread()
 *    and calls pbx_dialplan_wake(), and the script carries on with those
 *    results as the method's return values.
 *  - endpoint information for pbx.endpoint(name): providers
 *    (chan_sip knows the endpoint and its context, res_registrar whether
 *    it is registered) each fill in what they know.
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

/* Adds call:<name>().  Fails when the name is taken (built-in methods
 * included). */
PBX_API gboolean pbx_dialplan_add_method(PbxModule *owner, const char *name,
                                         PbxDialplanMethod fn,
                                         GError **error);
PBX_API void pbx_dialplan_remove_method(const char *name);

/* The channel of the "pbx.call" userdata at `idx`; raises a Lua error
 * when it is not a call or the call has ended. */
PBX_API PbxChannel *pbx_dialplan_check_channel(lua_State *L, int idx);
/* The call whose coroutine is running in L, or NULL (e.g. inside
 * on_dtmf, which cannot wait). */
PBX_API PbxDialplanCall *pbx_dialplan_get_running_call(lua_State *L);
/* From a method: suspend the running call until pbx_dialplan_wake().
 * Raises an error when the running code cannot wait. */
PBX_API int pbx_dialplan_yield(lua_State *L);
/* Where to push the results before waking. */
PBX_API lua_State *pbx_dialplan_call_get_thread(PbxDialplanCall *call);
/* Resumes the call (from an idle callback) with the `nresults` values
 * pushed on its thread as the results of the waiting method. */
PBX_API void pbx_dialplan_wake(PbxDialplanCall *call, int nresults);

/* pbx.endpoint(name) */
typedef struct {
    char *name;          /* g_malloc'ed by whoever sets it */
    char *context;
    gboolean known;      /* some provider knows this endpoint */
    gboolean registered;
    guint contacts;
} PbxEndpointInfo;
/* Fill in what you know about `name` (leave other fields alone). */
typedef void (*PbxEndpointProvider)(const char *name, PbxEndpointInfo *info,
                                    gpointer data);
PBX_API void pbx_dialplan_add_endpoint_provider(PbxModule *owner,
                                                PbxEndpointProvider fn,
                                                gpointer data);
PBX_API void pbx_dialplan_remove_endpoint_provider(PbxEndpointProvider fn,
                                                   gpointer data);

G_END_DECLS
