/* Carillon - dialplan handlers for events that are not calls
 * (pbx_dialplan_run_handler): a module runs contexts[ctx].on_<event>
 * to completion and gets its return value. */
#include <string.h>

#include "dialplan_private.h"

G_DEFINE_QUARK(pbx-dialplan-error-quark, pbx_dialplan_error)

void
pbx_dialplan_value_clear(PbxDialplanValue *value)
{
    if (!value)
        return;
    g_free(value->string);
    *value = (PbxDialplanValue) { PBX_DIALPLAN_VALUE_NIL };
}

/* Takes the value at the top of L's stack (and pops it). */
static void
take_value(lua_State *L, PbxDialplanValue *out)
{
    switch (lua_type(L, -1)) {
    case LUA_TNIL:
    case LUA_TNONE:
        out->type = PBX_DIALPLAN_VALUE_NIL;
        break;
    case LUA_TBOOLEAN:
        out->type = PBX_DIALPLAN_VALUE_BOOLEAN;
        out->boolean = lua_toboolean(L, -1);
        break;
    case LUA_TNUMBER:
        out->type = PBX_DIALPLAN_VALUE_NUMBER;
        out->number = lua_tonumber(L, -1);
        break;
    case LUA_TSTRING:
        out->type = PBX_DIALPLAN_VALUE_STRING;
        out->string = g_strdup(lua_tostring(L, -1));
        break;
    default:
        out->type = PBX_DIALPLAN_VALUE_OTHER;
        break;
    }
    lua_pop(L, 1);
}

static int
push_nothing(lua_State *L, gconstpointer data)
{
    return 0;
}

gboolean
pbx_dialplan_run_handler(const char *context, const char *handler, PbxDialplanPushFunc push,
                         gconstpointer data, PbxDialplanValue *result, GError **error)
{
    Script *s = dp_current_script();
    g_autofree char *what = NULL;
    g_autofree char *msg = NULL;
    DpBudget budget = { 0 };
    DpRunResult r;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(context != NULL && handler != NULL && result != NULL, FALSE);
    *result = (PbxDialplanValue) { PBX_DIALPLAN_VALUE_NIL };
    what = g_strdup_printf("%s in context %s", handler, context);
    if (!s) {
        g_set_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER,
                    "no dialplan is loaded");
        return FALSE;
    }
    dp_script_ref(s);
    r = dp_run_to_completion(s, context, handler, NULL, &budget, push ? push : push_nothing,
                             data, what);
    g_free(budget.kill_reason);
    if (r == DP_RUN_OK) {
        take_value(s->L, result);
    } else if (r == DP_RUN_FAILED) {
        /* the first line of the report: "extensions.lua:12: message" */
        msg = g_strdup(lua_tostring(s->L, -1));
        lua_pop(s->L, 1);
        if (msg)
            msg[strcspn(msg, "\n")] = '\0';
        g_set_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_FAILED, "%s: %s", what,
                    msg ? msg : "(error object is not a string)");
    } else {
        g_set_error(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER,
                    "the dialplan has no %s", what);
    }
    dp_script_unref(s);
    return r == DP_RUN_OK;
}
