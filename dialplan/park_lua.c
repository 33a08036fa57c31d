/* Carillon - parking in the dialplan: leg:park{slot=, timeout=, ring=,
 * announce=}, call:unpark(slot), pbx.set_parking{first=, last=} and the
 * CLI's `parking show` (park.c does the parking).
 *
 * Thread affinity: main context.
 */
#include "park.h"

/* A number of seconds in (0, max] at opts[key], else `def` ms. */
static guint
opt_ms(lua_State *L, int idx, const char *key, guint max_s, guint def)
{
    guint ms = def;

    if (lua_getfield(L, idx, key) != LUA_TNIL) {
        lua_Number t = lua_tonumber(L, -1);
        if (!lua_isnumber(L, -1) || t <= 0 || t > max_s)
            luaL_error(L, "park option %s must be seconds (0-%u]", key, max_s);
        ms = (guint) (t * 1000);
    }
    lua_pop(L, 1);
    return ms;
}

static void
check_park_opts(lua_State *L, int idx, ParkOptions *o)
{
    *o = (ParkOptions) { .timeout_ms = PARK_DEFAULT_TIMEOUT_MS,
                         .ring_ms = PARK_DEFAULT_RING_MS, .announce = TRUE };
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    if (lua_getfield(L, idx, "slot") != LUA_TNIL) {
        lua_Integer s = lua_tointeger(L, -1);
        if (!lua_isinteger(L, -1) || !park_lot_has_slot(dp_park_lot(), (guint) MAX(s, 0)))
            luaL_error(L, "park option slot must be a parking slot");
        o->slot = (guint) s;
    }
    lua_pop(L, 1);
    o->timeout_ms = opt_ms(L, idx, "timeout", 86400, o->timeout_ms);
    o->ring_ms = opt_ms(L, idx, "ring", 600, o->ring_ms);
    if (lua_getfield(L, idx, "announce") != LUA_TNIL)
        o->announce = lua_toboolean(L, -1);
    lua_pop(L, 1);
}

/* leg:park(opts): the other party of leg's call:dial() bridge is parked;
 * returns the slot, or nil, message, code ("state", "busy", "taken",
 * "full"). */
int
dp_call_park(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = pbx_channel_get_dialplan_data(chan);
    g_autoptr(GError) error = NULL;
    ParkOptions o;
    guint slot;

    check_park_opts(L, 2, &o);
    if (!c || c->wait != WAIT_BRIDGE || !c->bridge || !c->peer || (chan != c->chan
                                                                     && chan != c->peer))
        return dp_push_fail(L, "the call is not bridged", "state");
    if (c->transfer || dp_park_pending(c))
        return dp_push_fail(L, "a transfer or park is under way", "busy");
    slot = dp_park_request(c, chan, chan == c->chan ? c->peer : c->chan, &o, &error);
    if (!slot)
        return dp_push_fail(L, error->message,
                            error->code == PARK_LOT_ERROR_FULL ? "full" : "taken");
    lua_pushinteger(L, slot);
    return 1;
}

/* call:unpark(slot): talks to the call parked there; returns like
 * call:dial() once that bridge is over ("answered", details), or nil,
 * message, "empty" at once. */
int
dp_call_unpark(lua_State *L)
{
    PbxChannel *chan = pbx_dialplan_check_channel(L, 1);
    Call *c = dp_check_own_call(L, chan);
    g_autoptr(GError) error = NULL;
    lua_Integer slot = luaL_checkinteger(L, 2);

    if (dp_hung_up(chan))
        return dp_push_fail(L, "the call has hung up", "hangup");
    if (slot < 1 || slot > PARK_LOT_MAX_NUMBER || !dp_park_retrieve(c, (guint) slot, &error))
        return dp_push_fail(L, error ? error->message : "not a parking slot", "empty");
    c->keep_caller = FALSE;
    return dp_wait(L, c, WAIT_BRIDGE);
}

/* pbx.set_parking{first=, last=}: the lot's slots. */
int
dp_lua_set_parking(lua_State *L)
{
    g_autoptr(GError) error = NULL;
    lua_Integer first, last;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "first");
    lua_getfield(L, 1, "last");
    first = luaL_checkinteger(L, -2);
    last = luaL_checkinteger(L, -1);
    if (first < 1 || last < 1 || last > PARK_LOT_MAX_NUMBER
        || !park_lot_set_range(dp_park_lot(), (guint) first, (guint) last, &error))
        return luaL_error(L, "pbx.set_parking: %s",
                          error ? error->message : "slots must be 1-99999999");
    return 0;
}

/* ------------------------------------------------ parking show */

static void
show_one(const ParkInfo *info, gpointer data)
{
    PbxCliContext *ctx = data;
    g_autofree char *left = info->remaining_s < 0 ? g_strdup("ringing parker")
                                                  : g_strdup_printf("%d s", info->remaining_s);

    pbx_cli_print(ctx, "%-6u %-28s %-12s %-12s %6u s  %s\n", info->slot, info->channel,
                  info->caller ? info->caller : "", info->parker ? info->parker : "",
                  info->parked_s, left);
}

static gboolean
parking_show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    guint first, last, n = park_lot_count(dp_park_lot());

    park_lot_get_range(dp_park_lot(), &first, &last);
    pbx_cli_print(ctx, "Parking slots %u-%u, %u parked\n", first, last, n);
    if (n == 0)
        return TRUE;
    pbx_cli_print(ctx, "%-6s %-28s %-12s %-12s %8s  %s\n", "Slot", "Channel", "Caller",
                  "Parker", "Parked", "Timeout in");
    dp_park_foreach(show_one, ctx);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "parking show", NULL, "Show the parking lot's slots and parked calls", parking_show,
      NULL },
};

void
dp_park_register_cli(void)
{
    static gboolean done;

    if (done)
        return;
    done = TRUE;
    pbx_cli_register(NULL, commands, G_N_ELEMENTS(commands), NULL, NULL);
}
