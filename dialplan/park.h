/* Carillon - parked calls (park.c) and their Lua face (park_lua.c).
 *
 * Thread affinity: main context.
 */
#pragma once

#include "dialplan_private.h"
#include "park_lot.h"

G_BEGIN_DECLS

typedef struct _Parked Parked;

typedef struct {
    guint slot;                 /* 0: the lowest free one */
    guint timeout_ms;           /* before the parker is rung back */
    guint ring_ms;              /* how long the parker rings */
    gboolean announce;          /* say the slot to the parker, then hang it up */
} ParkOptions;

#define PARK_DEFAULT_TIMEOUT_MS 45000
#define PARK_DEFAULT_RING_MS 20000

ParkLot *dp_park_lot(void);
/* parker's call is bridged to parkee: takes a slot now (returned, or 0
 * with error) and parks parkee from the main loop (music on hold; the
 * parker hears the slot when announce is set, then is hung up). */
guint dp_park_request(Call *c, PbxChannel *parker, PbxChannel *parkee,
                      const ParkOptions *o, GError **error);
/* TRUE while a park of c's bridge is about to start. */
gboolean dp_park_pending(Call *c);
/* A REFER whose on_refer parked the other party: the park tells the
 * referrer how it went (a NOTIFY 200 once parked).  FALSE when no park
 * of chan's is pending. */
gboolean dp_park_take_refer(PbxChannel *chan, const PbxRefer *refer);
/* c (its own channel) takes the call in slot: c waits on the bridge
 * (WAIT_BRIDGE) from now on.  FALSE with error when the slot is empty. */
gboolean dp_park_retrieve(Call *c, guint slot, GError **error);
/* For `parking show`: every parked call, by slot. */
typedef struct {
    guint slot;
    const char *channel, *caller, *parker;
    guint parked_s;             /* seconds since it was parked */
    gint remaining_s;           /* before the parker is rung back; -1 ringing it */
} ParkInfo;
void dp_park_foreach(void (*fn)(const ParkInfo *info, gpointer data), gpointer data);
/* The dialplan shuts down: every parked call is hung up. */
void dp_park_shutdown(void);

/* park_lua.c */
int dp_call_park(lua_State *L);
int dp_call_unpark(lua_State *L);
int dp_lua_set_parking(lua_State *L);
void dp_park_register_cli(void);

G_END_DECLS
