/* Carillon - res_sip request handler registry. */
#include <string.h>
#include "handlers.h"
#include "transaction.h"
#include "sip_core.h"
#include "dialogs.h"
#include "resolve.h"
#include "rfc3263.h"

typedef struct {
    char *method;
    SipMethod id;               /* UNKNOWN for extension methods */
    SipRequestHandler fn;       /* NULL: only allowed, handled in dialogs */
    gpointer data;
    PbxModule *owner;
} Handler;

typedef struct {
    char *tag;
    PbxModule *owner;
} OptionTag;

static GPtrArray *handlers;     /* Handler*, registration order */
static GPtrArray *tags;         /* OptionTag* */
static GHashTable *owners;      /* PbxModule* -> cleanup handle */
static char *allow;
static char *supported;
static guint n_by_method[SIP_METHOD__COUNT];
static guint n_extension;

static const SipMethod core_methods[] = {
    SIP_METHOD_INVITE, SIP_METHOD_ACK, SIP_METHOD_CANCEL, SIP_METHOD_OPTIONS, SIP_METHOD_BYE,
};

static void
handler_free(gpointer p)
{
    Handler *h = p;

    g_free(h->method);
    g_free(h);
}

static void
tag_free(gpointer p)
{
    OptionTag *t = p;

    g_free(t->tag);
    g_free(t);
}

/* Rebuilds the Allow and Supported values and the per-method counts. */
static void
rebuild(void)
{
    GString *s = g_string_new(NULL);

    memset(n_by_method, 0, sizeof(n_by_method));
    n_extension = 0;
    for (guint i = 0; i < G_N_ELEMENTS(core_methods); i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", sip_method_name(core_methods[i]));
    for (guint i = 0; handlers && i < handlers->len; i++) {
        Handler *h = handlers->pdata[i];
        gboolean seen = FALSE;
        if (h->id != SIP_METHOD_UNKNOWN)
            n_by_method[h->id]++;
        else
            n_extension++;
        for (guint j = 0; j < G_N_ELEMENTS(core_methods); j++)
            seen |= h->id == core_methods[j];
        for (guint j = 0; j < i && !seen; j++)
            seen = g_str_equal(((Handler *) handlers->pdata[j])->method, h->method);
        if (!seen)
            g_string_append_printf(s, ", %s", h->method);
    }
    g_free(allow);
    allow = g_string_free(s, FALSE);
    s = g_string_new(NULL);
    for (guint i = 0; tags && i < tags->len; i++) {
        OptionTag *t = tags->pdata[i];
        gboolean seen = FALSE;
        for (guint j = 0; j < i && !seen; j++)
            seen = g_ascii_strcasecmp(((OptionTag *) tags->pdata[j])->tag, t->tag) == 0;
        if (!seen)
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", t->tag);
    }
    g_free(supported);
    supported = g_string_free(s, FALSE);
}

void
sip_handlers_init(void)
{
    if (!handlers) {
        handlers = g_ptr_array_new_with_free_func(handler_free);
        tags = g_ptr_array_new_with_free_func(tag_free);
        owners = g_hash_table_new(NULL, NULL);
    }
    rebuild();
}

void
sip_handlers_shutdown(void)
{
    GHashTableIter it;
    gpointer owner, handle;

    if (owners) {
        g_hash_table_iter_init(&it, owners);
        while (g_hash_table_iter_next(&it, &owner, &handle))
            pbx_module_forget(owner, handle);
    }
    g_clear_pointer(&handlers, g_ptr_array_unref);
    g_clear_pointer(&tags, g_ptr_array_unref);
    g_clear_pointer(&owners, g_hash_table_unref);
    g_clear_pointer(&allow, g_free);
    g_clear_pointer(&supported, g_free);
    memset(n_by_method, 0, sizeof(n_by_method));
    n_extension = 0;
}

/* Everything an unloading module registered goes: handlers, option-tags,
 * callbacks of its client transactions; its unanswered server
 * transactions get a 503. */
static void
owner_gone(gpointer data)
{
    PbxModule *owner = data;

    if (!handlers)
        return;
    for (guint i = handlers->len; i-- > 0;) {
        if (((Handler *) handlers->pdata[i])->owner == owner)
            g_ptr_array_remove_index(handlers, i);
    }
    for (guint i = tags->len; i-- > 0;) {
        if (((OptionTag *) tags->pdata[i])->owner == owner)
            g_ptr_array_remove_index(tags, i);
    }
    g_hash_table_remove(owners, owner);
    sip_client_tx_owner_gone(owner);
    sip_server_tx_owner_gone(owner);
    sip_dialogs_owner_gone(owner);
    sip_resolve_owner_gone(owner);
    sip_rfc3263_owner_gone(owner);
    rebuild();
}

void
sip_owner_track(PbxModule *owner)
{
    if (!owner || !owners || g_hash_table_contains(owners, owner))
        return;
    g_hash_table_insert(owners, owner, pbx_module_on_unload(owner, owner_gone, owner));
}

static gboolean
valid_method_name(const char *m)
{
    if (!m || !*m)
        return FALSE;
    for (const char *p = m; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-.!%*_+`'~", *p))
            return FALSE;
    }
    return TRUE;
}

static gboolean
add_handler(PbxModule *owner, const char *method, SipRequestHandler fn, gpointer data,
            GError **error)
{
    Handler *h;

    if (!valid_method_name(method) || g_str_equal(method, "CANCEL")) {
        g_set_error(error, PBX_MODULE_ERROR, PBX_MODULE_ERROR_LOAD,
                    "cannot register a SIP handler for method '%s'", method ? method : "");
        return FALSE;
    }
    sip_handlers_init();
    h = g_new0(Handler, 1);
    h->method = g_strdup(method);
    h->id = sip_method_from_slice(sip_slice_from_str(method));
    h->fn = fn;
    h->data = data;
    h->owner = owner;
    g_ptr_array_add(handlers, h);
    sip_owner_track(owner);
    rebuild();
    pbx_debug(sip_log, "%s handles SIP %s", owner ? pbx_module_get_name(owner) : "core", method);
    return TRUE;
}

gboolean
sip_handlers_register(PbxModule *owner, const char *method, SipRequestHandler fn,
                      gpointer data, GError **error)
{
    g_return_val_if_fail(fn != NULL, FALSE);
    return add_handler(owner, method, fn, data, error);
}

void
sip_handlers_unregister(PbxModule *owner, const char *method, SipRequestHandler fn)
{
    if (!handlers)
        return;
    for (guint i = handlers->len; i-- > 0;) {
        Handler *h = handlers->pdata[i];
        if (h->owner == owner && g_str_equal(h->method, method) && (!fn || h->fn == fn))
            g_ptr_array_remove_index(handlers, i);
    }
    rebuild();
}

void
sip_handlers_add_allowed(PbxModule *owner, const char *method)
{
    g_autoptr(GError) error = NULL;

    if (!add_handler(owner, method, NULL, NULL, &error))
        pbx_warning(sip_log, "%s", error->message);
}

void
sip_handlers_add_supported(PbxModule *owner, const char *option_tag)
{
    OptionTag *t;

    g_return_if_fail(option_tag && *option_tag);
    sip_handlers_init();
    t = g_new0(OptionTag, 1);
    t->tag = g_strdup(option_tag);
    t->owner = owner;
    g_ptr_array_add(tags, t);
    sip_owner_track(owner);
    rebuild();
}

static gboolean
handler_matches(const Handler *h, const SipMsg *req)
{
    if (h->id != SIP_METHOD_UNKNOWN)
        return h->id == req->method;
    return req->method == SIP_METHOD_UNKNOWN && sip_slice_eq(req->method_name, h->method);
}

gboolean
sip_handlers_exist(const SipMsg *req)
{
    if (!handlers)
        return FALSE;
    if (req->method != SIP_METHOD_UNKNOWN)
        return n_by_method[req->method] > 0;
    if (n_extension == 0)
        return FALSE;
    for (guint i = 0; i < handlers->len; i++) {
        if (handler_matches(handlers->pdata[i], req))
            return TRUE;
    }
    return FALSE;
}

/* Offers req to the handlers in snap[0..n). */
static gboolean
offer(const Handler *snap, guint n, SipServerTx *tx, const SipMsg *req,
      const SipPeerInfo *peer)
{
    for (guint i = 0; i < n; i++) {
        if (!snap[i].fn)
            continue;
        if (tx)
            sip_server_tx_set_owner(tx, snap[i].owner);
        if (snap[i].fn(tx, req, peer, snap[i].data) && tx)
            return TRUE;
    }
    if (tx)
        sip_server_tx_set_owner(tx, NULL);
    return FALSE;
}

gboolean
sip_handlers_dispatch(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer)
{
    /* A handler may unregister itself (or others) while running: walk a
     * snapshot of the matching handlers, on the stack unless there are
     * unusually many. */
    Handler stack[16];
    g_autofree Handler *heap = NULL;
    Handler *snap = stack;
    guint n = 0, max = G_N_ELEMENTS(stack);

    if (handlers && handlers->len > max)
        snap = heap = g_new(Handler, max = handlers->len);
    for (guint i = 0; handlers && i < handlers->len; i++) {
        if (handler_matches(handlers->pdata[i], req))
            snap[n++] = *(Handler *) handlers->pdata[i];
    }
    return offer(snap, n, tx, req, peer);
}

const char *
sip_handlers_allow(void)
{
    if (!allow)
        sip_handlers_init();
    return allow;
}

const char *
sip_handlers_supported(void)
{
    return supported ? supported : "";
}

gboolean
sip_handlers_tag_supported(SipSlice tag)
{
    for (guint i = 0; tags && i < tags->len; i++) {
        if (sip_slice_case_eq(tag, ((OptionTag *) tags->pdata[i])->tag))
            return TRUE;
    }
    return FALSE;
}

void
sip_handlers_foreach(void (*fn)(const char *method, const char *owner, gboolean handler,
                                gpointer data),
                     gpointer data)
{
    for (guint i = 0; handlers && i < handlers->len; i++) {
        Handler *h = handlers->pdata[i];
        fn(h->method, h->owner ? pbx_module_get_name(h->owner) : "core", h->fn != NULL, data);
    }
}
