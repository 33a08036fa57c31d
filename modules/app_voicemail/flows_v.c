/* app_voicemail - the V table of flows.lua (flows.h).
 *
 *   V.general                 maxlogins, lockout, minsecs, maxsilence,
 *                             silence_dbm0, operator ("" none)
 *   V.box(number)             {id, number, context, dir, fullname,
 *                             pin_fixed, maxmsg, maxsecs} or nil
 *   V.counts(id)              new, old
 *   V.tmp_path(id)            <box>/tmp/<new message id>.wav
 *   V.login(number, pin)      "ok", box | "wrong" | "locked" (vm_login.h)
 *   V.discard(path)           removes a recording kept from nobody
 *   V.date(origtime)          {wday, mon, mday, hour, min, ago} (flows_date.c)
 * and, waiting for the storage thread (nil, message on failure):
 *   V.list(id, folder)        {{path=, callerid=, origtime=, duration=}...}
 *   V.greetings(id)           {unavail=, busy=, greet=}: which are recorded
 *   V.leave(id, path, secs, call)  the message's number (0-based)
 *   V.delete(id, folder, i), V.move(id, folder, i, to),
 *   V.forward(id, folder, i, number), V.install(id, path, name),
 *   V.set_pin(id, pin)        true
 *
 * A box id given back by the flows is looked up again each time: a
 * reload may have removed it meanwhile ("no mailbox").  Paths the flows
 * pass must lie in the box's tmp/ (they come from V.tmp_path). */
#include <math.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "flows.h"

static const VmBox *
check_box(lua_State *L, int idx)
{
    const VmBox *box = vm.conf ? vm_conf_find(vm.conf, luaL_checkstring(L, idx)) : NULL;

    if (!box)
        luaL_error(L, "voicemail: no mailbox %s", lua_tostring(L, idx));
    return box;
}

static void
push_box(lua_State *L, const VmBox *box)
{
    g_autofree char *dir = vm_box_dir(box);

    lua_createtable(L, 0, 8);
    lua_pushstring(L, box->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, box->number);
    lua_setfield(L, -2, "number");
    lua_pushstring(L, box->context);
    lua_setfield(L, -2, "context");
    lua_pushstring(L, dir);
    lua_setfield(L, -2, "dir");
    lua_pushstring(L, box->fullname);
    lua_setfield(L, -2, "fullname");
    lua_pushboolean(L, box->pin_fixed);
    lua_setfield(L, -2, "pin_fixed");
    lua_pushinteger(L, vm_box_maxmsg(vm.conf, box));
    lua_setfield(L, -2, "maxmsg");
    lua_pushinteger(L, vm_box_maxsecs(vm.conf, box));
    lua_setfield(L, -2, "maxsecs");
}

static int
v_box(lua_State *L)
{
    const VmBox *box = vm.conf ? vm_conf_find(vm.conf, luaL_checkstring(L, 1)) : NULL;

    if (!box)
        return 0;
    push_box(L, box);
    return 1;
}

static int
v_counts(lua_State *L)
{
    const VmCounts *c = vm_counts_get(check_box(L, 1)->id);

    lua_pushinteger(L, c ? c->new_count : 0);
    lua_pushinteger(L, c ? c->old_count : 0);
    return 2;
}

static int
v_tmp_path(lua_State *L)
{
    g_autofree char *dir = vm_box_dir(check_box(L, 1));
    g_autofree char *id = vm_envelope_new_id();
    g_autofree char *name = g_strdup_printf("%s.wav", id);
    g_autofree char *path = g_build_filename(dir, "tmp", name, NULL);

    lua_pushstring(L, path);
    return 1;
}

static void
log_login(const VmBox *box, VmLoginResult r, gboolean pin_ok)
{
    if (r == VM_LOGIN_WRONG)
        pbx_notice(vm.log, "%s: wrong PIN", box->id);
    else if (r == VM_LOGIN_LOCKED && !pin_ok)
        pbx_warning(vm.log, "%s: wrong PIN: the box is locked for %u s", box->id,
                    vm.conf->general.lockout);
    else if (r == VM_LOGIN_LOCKED)
        pbx_warning(vm.log, "%s: login refused, the box is locked", box->id);
    else
        pbx_notice(vm.log, "%s: logged in", box->id);
}

static int
v_login(lua_State *L)
{
    const char *number = luaL_checkstring(L, 1);
    const char *pin = luaL_checkstring(L, 2);
    const VmBox *box = vm.conf ? vm_conf_find(vm.conf, number) : NULL;
    const VmGeneral *g = &vm.conf->general;
    gboolean pin_ok;
    VmLoginResult r;

    if (!box) {
        pbx_notice(vm.log, "login to unknown box %s", number);
        lua_pushliteral(L, "wrong");
        return 1;
    }
    pin_ok = vm_pin_equal(vm_pin_get(box), pin);
    r = vm_logins_check(vm.logins, box->id, pin_ok, g_get_monotonic_time() / G_USEC_PER_SEC,
                        g->maxlogins, g->lockout);
    log_login(box, r, pin_ok);
    lua_pushstring(L, r == VM_LOGIN_OK ? "ok" : r == VM_LOGIN_LOCKED ? "locked" : "wrong");
    if (r != VM_LOGIN_OK)
        return 1;
    push_box(L, box);
    return 2;
}

/* A path of the box's tmp/, as V.tmp_path made it. */
static const char *
check_tmp_path(lua_State *L, int idx, const VmBox *box)
{
    const char *path = luaL_checkstring(L, idx);
    g_autofree char *dir = vm_box_dir(box);
    g_autofree char *tmp = g_strconcat(dir, "/tmp/", NULL);
    gboolean ok = g_str_has_prefix(path, tmp) && !strstr(path, "/..")
                  && !strchr(path + strlen(tmp), '/');

    if (!ok)
        luaL_argerror(L, idx, "not a recording of the box's tmp/");
    return path;
}

static int
v_discard(lua_State *L)
{
    const VmBox *box = check_box(L, 1);

    vm_op_discard(box, check_tmp_path(L, 2, box));
    return 0;
}

/* ---------------------------------------------------------- waiting */

static void
push_message(lua_State *T, const VmMessage *m)
{
    lua_createtable(T, 0, 4);
    lua_pushstring(T, m->path);
    lua_setfield(T, -2, "path");
    lua_pushstring(T, m->env.callerid ? m->env.callerid : "");
    lua_setfield(T, -2, "callerid");
    lua_pushinteger(T, m->env.origtime);
    lua_setfield(T, -2, "origtime");
    lua_pushinteger(T, m->env.duration);
    lua_setfield(T, -2, "duration");
}

static void
woken(const VmOpResult *r, gpointer data)
{
    PbxDialplanCall *call = data;
    lua_State *T = pbx_dialplan_call_get_thread(call);

    if (!r->ok) {
        lua_pushnil(T);
        lua_pushstring(T, r->error ? r->error->message : "failed");
        pbx_dialplan_wake(call, 2);
        return;
    }
    if (!r->messages) {
        lua_pushinteger(T, r->new_index);
        pbx_dialplan_wake(call, 1);
        return;
    }
    lua_createtable(T, (int) r->messages->len, 0);
    for (guint i = 0; i < r->messages->len; i++) {
        push_message(T, g_ptr_array_index(r->messages, i));
        lua_rawseti(T, -2, i + 1);
    }
    pbx_dialplan_wake(call, 1);
}

static PbxDialplanCall *
running_call(lua_State *L)
{
    PbxDialplanCall *call = pbx_dialplan_get_running_call(L);

    if (!call || !lua_isyieldable(L))
        luaL_error(L, "voicemail: the flows run only in a call's on_invite");
    return call;
}

static VmFolder
check_folder(lua_State *L, int idx)
{
    int f = vm_folder_from_name(luaL_checkstring(L, idx));

    if (f < 0)
        luaL_argerror(L, idx, "unknown folder");
    return (VmFolder) f;
}

static guint
check_index(lua_State *L, int idx)
{
    lua_Integer i = luaL_checkinteger(L, idx);

    luaL_argcheck(L, i >= 0 && i < VM_MAX_MESSAGES, idx, "no such message");
    return (guint) i;
}

static int
v_list(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    VmFolder folder = check_folder(L, 2);

    vm_op_list(box, folder, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static void
greetings_woken(const VmOpResult *r, gpointer data)
{
    PbxDialplanCall *call = data;
    lua_State *T = pbx_dialplan_call_get_thread(call);

    lua_createtable(T, 0, 3);
    lua_pushboolean(T, (r->new_index & VM_GREETING_UNAVAIL) != 0);
    lua_setfield(T, -2, "unavail");
    lua_pushboolean(T, (r->new_index & VM_GREETING_BUSY) != 0);
    lua_setfield(T, -2, "busy");
    lua_pushboolean(T, (r->new_index & VM_GREETING_NAME) != 0);
    lua_setfield(T, -2, "greet");
    pbx_dialplan_wake(call, 1);
}

static int
v_greetings(lua_State *L)
{
    vm_op_greetings(check_box(L, 1), greetings_woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static int
v_leave(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    const char *path = check_tmp_path(L, 2, box);
    lua_Number secs = luaL_checknumber(L, 3);
    PbxChannel *chan = pbx_dialplan_check_channel(L, 4);
    PbxDialplanCall *call = running_call(L);
    VmEnvelope env = { 0 };

    env.origmailbox = g_strdup(box->number);
    env.context = g_strdup(box->context);
    env.exten = g_strdup(box->number);
    env.callerchan = g_strdup(pbx_channel_get_name(chan));
    env.callerid = g_strdup_printf("\"%s\" <%s>", pbx_channel_get_caller_name(chan),
                                   pbx_channel_get_caller_number(chan));
    env.origtime = g_get_real_time() / G_USEC_PER_SEC;
    env.duration = (guint) lrint(secs < 0 ? 0 : secs);
    env.msg_id = g_path_get_basename(path);
    *strrchr(env.msg_id, '.') = '\0';
    env.flag = g_strdup("");
    vm_op_leave_r(box, path, &env, woken, call);
    vm_envelope_clear(&env);
    return pbx_dialplan_yield(L);
}

static int
v_delete(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    VmFolder folder = check_folder(L, 2);
    guint index = check_index(L, 3);

    vm_op_delete_r(box, folder, index, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static int
v_move(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    VmFolder folder = check_folder(L, 2);
    guint index = check_index(L, 3);
    VmFolder to = check_folder(L, 4);

    vm_op_move_r(box, folder, index, to, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static int
v_forward(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    VmFolder folder = check_folder(L, 2);
    guint index = check_index(L, 3);
    const VmBox *to = vm_conf_find(vm.conf, luaL_checkstring(L, 4));

    if (!to) {
        lua_pushnil(L);
        lua_pushfstring(L, "no mailbox %s", lua_tostring(L, 4));
        return 2;
    }
    vm_op_forward(box, folder, index, to, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static int
v_install(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    const char *path = check_tmp_path(L, 2, box);
    const char *name = luaL_checkstring(L, 3);

    luaL_argcheck(L, strcmp(name, "unavail") == 0 || strcmp(name, "busy") == 0
                     || strcmp(name, "greet") == 0, 3, "not a greeting");
    vm_op_install(box, path, name, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

static int
v_set_pin(lua_State *L)
{
    const VmBox *box = check_box(L, 1);
    const char *pin = luaL_checkstring(L, 2);

    luaL_argcheck(L, strlen(pin) > 0 && strlen(pin) <= 20 && strspn(pin, "0123456789")
                     == strlen(pin), 2, "a PIN is 1 to 20 digits");
    luaL_argcheck(L, !box->pin_fixed, 1, "the box's PIN is fixed");
    vm_op_set_pin(box, pin, woken, running_call(L));
    return pbx_dialplan_yield(L);
}

/* ---------------------------------------------------------- the table */

/* Asterisk's silencethreshold is an average amplitude (128 by default);
 * app_media takes dBm0 (0 dBm0: RMS 16141). */
static double
threshold_dbm0(guint amplitude)
{
    double dbm0 = 20.0 * log10((amplitude ? amplitude : 1) / 16141.0);

    return CLAMP(dbm0, -90.0, -1.0);
}

static void
push_general(lua_State *L)
{
    const VmGeneral *g = &vm.conf->general;

    lua_createtable(L, 0, 6);
    lua_pushinteger(L, g->maxlogins);
    lua_setfield(L, -2, "maxlogins");
    lua_pushinteger(L, g->lockout);
    lua_setfield(L, -2, "lockout");
    lua_pushinteger(L, g->minsecs);
    lua_setfield(L, -2, "minsecs");
    lua_pushinteger(L, g->maxsilence);
    lua_setfield(L, -2, "maxsilence");
    lua_pushnumber(L, threshold_dbm0(g->silencethreshold));
    lua_setfield(L, -2, "silence_dbm0");
    lua_pushstring(L, g->operator_exten ? g->operator_exten : "");
    lua_setfield(L, -2, "operator");
}

static const luaL_Reg v_funcs[] = {
    { "box", v_box },         { "counts", v_counts },   { "tmp_path", v_tmp_path },
    { "login", v_login },     { "discard", v_discard }, { "list", v_list },
    { "leave", v_leave },     { "delete", v_delete },   { "move", v_move },
    { "forward", v_forward }, { "install", v_install }, { "set_pin", v_set_pin },
    { "greetings", v_greetings }, { "date", vm_flows_v_date },
    { NULL, NULL },
};

void
vm_flows_push_v(lua_State *L)
{
    PBX_ASSERT_MAIN_CONTEXT();
    luaL_newlib(L, v_funcs);
    push_general(L);
    lua_setfield(L, -2, "general");
}
