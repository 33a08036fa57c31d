/* app_voicemail - the Lua side of the call flows: flows.c runs
 * flows.lua; flows_v.c is the `V` table it is given (boxes, the PIN
 * check, spool changes that wait for the storage thread).
 *
 * Thread affinity: main context.
 */
#pragma once

#include "vm.h"

typedef struct lua_State lua_State;

/* Pushes the table flows.lua returns ({leave=, main=, ...}); raises a
 * Lua error when the chunk does not load (a build problem). */
void vm_flows_push(lua_State *L);
/* Pushes a fresh V table. */
void vm_flows_push_v(lua_State *L);
/* V.date(origtime) (flows_date.c). */
int vm_flows_v_date(lua_State *L);
