/* app_voicemail - the dialplan's pbx.voicemail library:
 *
 *     local new, old = pbx.voicemail.count("1001")      -- or "1001@office"
 *     for _, m in ipairs(pbx.voicemail.messages("1001", "Old")) do
 *         -- m.number (1-based), m.callerid, m.origtime, m.duration, m.path, m.msg_id
 *     end
 *
 * Both answer from memory (the counts and the index the storage thread
 * refreshes after every change), so they never block the main context
 * and may be called anywhere in a script.  An unknown box is nil,
 * "no mailbox 4711"; folders are INBOX (default) and Old.
 *
 * Thread affinity: main context. */
#include <lua.h>
#include <lauxlib.h>

#include "vm.h"

typedef struct {
    GPtrArray *folders[2];      /* INBOX, Old: VmMessage* */
} BoxIndex;

static GHashTable *index_by_box;    /* box id -> BoxIndex* */

static void
box_index_free(gpointer data)
{
    BoxIndex *bi = data;

    for (guint i = 0; i < G_N_ELEMENTS(bi->folders); i++)
        g_clear_pointer(&bi->folders[i], g_ptr_array_unref);
    g_free(bi);
}

void
vm_index_set(const char *box_id, GPtrArray *inbox, GPtrArray *old)
{
    BoxIndex *bi = g_new0(BoxIndex, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    if (!index_by_box)
        index_by_box = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, box_index_free);
    bi->folders[0] = inbox;
    bi->folders[1] = old;
    g_hash_table_replace(index_by_box, g_strdup(box_id), bi);
}

void
vm_index_clear(void)
{
    g_clear_pointer(&index_by_box, g_hash_table_unref);
}

static int
no_box(lua_State *L, int idx)
{
    lua_pushnil(L);
    lua_pushfstring(L, "no mailbox %s", lua_tostring(L, idx));
    return 2;
}

static int
vm_lua_count(lua_State *L)
{
    const VmBox *box = vm.conf ? vm_conf_find(vm.conf, luaL_checkstring(L, 1)) : NULL;
    const VmCounts *c = box ? vm_counts_get(box->id) : NULL;

    if (!box)
        return no_box(L, 1);
    lua_pushinteger(L, c ? c->new_count : 0);
    lua_pushinteger(L, c ? c->old_count : 0);
    return 2;
}

static void
push_message(lua_State *L, const VmMessage *m, guint number)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, number);
    lua_setfield(L, -2, "number");
    lua_pushstring(L, m->env.callerid ? m->env.callerid : "");
    lua_setfield(L, -2, "callerid");
    lua_pushinteger(L, m->env.origtime);
    lua_setfield(L, -2, "origtime");
    lua_pushinteger(L, m->env.duration);
    lua_setfield(L, -2, "duration");
    lua_pushstring(L, m->path);
    lua_setfield(L, -2, "path");
    lua_pushstring(L, m->env.msg_id ? m->env.msg_id : "");
    lua_setfield(L, -2, "msg_id");
}

static int
vm_lua_messages(lua_State *L)
{
    static const char *const folders[] = { "INBOX", "Old", NULL };
    const VmBox *box = vm.conf ? vm_conf_find(vm.conf, luaL_checkstring(L, 1)) : NULL;
    int folder = luaL_checkoption(L, 2, "INBOX", folders);
    const BoxIndex *bi;
    const GPtrArray *list;

    if (!box)
        return no_box(L, 1);
    bi = index_by_box ? g_hash_table_lookup(index_by_box, box->id) : NULL;
    list = bi ? bi->folders[folder] : NULL;
    lua_createtable(L, list ? (int) list->len : 0, 0);
    for (guint i = 0; list && i < list->len; i++) {
        push_message(L, g_ptr_array_index(list, i), i + 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static const PbxDialplanFuncDesc vm_lua_funcs[] = {
    { "count", vm_lua_count },
    { "messages", vm_lua_messages },
};

gboolean
vm_register_lua_api(PbxModule *self, GError **error)
{
    return pbx_dialplan_register_library(self, "voicemail", vm_lua_funcs,
                                         G_N_ELEMENTS(vm_lua_funcs), error);
}
