/* res_sip_message - SIP MESSAGE (RFC 3428 instant messages), an
 * out-of-tree Carillon module built on res_sip's public API.
 *
 * An out-of-dialog MESSAGE from an endpoint is authenticated (401: we
 * are the UAS the message ends at), checked (text/plain only, at most
 * MAX_BODY bytes), then handed to the dialplan: the context of the
 * sending endpoint may define on_message(msg), whose return value is the
 * answer.  Without one (or when it returns nil) the message is stored in
 * the core's database, table sip_messages, and answered 202 Accepted.
 * README.md has the details; docs/writing-modules.md walks through it.
 *
 * Build it against an installed Carillon (make: pkg-config carillon-sip)
 * and load it with `module load /path/to/res_sip_message.so`.
 *
 * Thread affinity: everything runs on the main context, the store's
 * writes on the database thread (store.c).
 */
#include <string.h>

#include <lua.h>

#include <carillon/carillon.h>
#include <carillon/sip/api.h>

#include "store.h"

#define MAX_BODY 4096           /* bytes; larger: 413 */

static const SipApi *sip;
static PbxLogDomain *dom;

/* What on_message gets, prepared before the dialplan runs: push_message
 * only pushes (it may be left by a Lua error). */
typedef struct {
    const SipMsg *req;
    const SipEndpoint *endpoint;
    char *to;                   /* Request-URI user, unescaped; may be NULL */
    char *from_uri;
    char *to_uri;
    char *content_type;
    GString *scratch;           /* for unfolding header values */
} Message;

static void
respond(SipServerTx *tx, guint code, const char *headers)
{
    SipResponse r = { .code = code, .headers = headers };

    sip->respond(tx, &r);
}

static char *
slice_dup(SipSlice s)
{
    GString *out = g_string_new(NULL);

    sip_slice_unfold(s, out);
    return g_string_free(out, FALSE);
}

static void
message_init(Message *m, const SipMsg *req, const SipEndpoint *endpoint)
{
    GString *user = g_string_new(NULL);

    m->req = req;
    m->endpoint = endpoint;
    if (sip_slice_present(req->ruri.user) && sip_unescape(req->ruri.user, user) &&
        strlen(user->str) == user->len)     /* no %00 inside */
        m->to = g_string_free(user, FALSE);
    else
        g_string_free(user, TRUE);
    m->from_uri = slice_dup(req->from.uri);
    m->to_uri = slice_dup(req->to.uri);
    m->content_type = slice_dup(req->content_type);
    m->scratch = g_string_new(NULL);
}

static void
message_clear(Message *m)
{
    g_free(m->to);
    g_free(m->from_uri);
    g_free(m->to_uri);
    g_free(m->content_type);
    g_string_free(m->scratch, TRUE);
}

static void
set_string(lua_State *L, const char *key, const char *value)
{
    lua_pushstring(L, value);       /* NULL pushes nil: the field stays absent */
    lua_setfield(L, -2, key);
}

/* headers = { ["Name"] = "value", ... }: canonical names, repeated
 * headers joined with ", ". */
static void
push_headers(lua_State *L, const Message *m)
{
    lua_createtable(L, 0, (int) m->req->n_headers);
    for (guint i = 0; i < m->req->n_headers; i++) {
        const SipHeader *h = &m->req->headers[i];
        const char *canonical = sip_header_name(h->id);
        if (canonical)
            lua_pushstring(L, canonical);
        else
            lua_pushlstring(L, h->name.p, h->name.len);
        g_string_truncate(m->scratch, 0);
        sip_slice_unfold(h->value, m->scratch);
        if (lua_getfield(L, -2, lua_tostring(L, -1)) == LUA_TSTRING) {
            lua_pushliteral(L, ", ");
            lua_pushlstring(L, m->scratch->str, m->scratch->len);
            lua_concat(L, 3);
        } else {
            lua_pop(L, 1);
            lua_pushlstring(L, m->scratch->str, m->scratch->len);
        }
        lua_settable(L, -3);
    }
}

/* on_message(msg): the fields dialplan/README.md lists. */
static int
push_message(lua_State *L, gconstpointer data)
{
    const Message *m = data;

    lua_createtable(L, 0, 10);
    set_string(L, "from", m->endpoint->callerid_number);
    set_string(L, "from_name", m->endpoint->callerid_name);
    set_string(L, "endpoint", m->endpoint->name);
    set_string(L, "to", m->to);
    set_string(L, "from_uri", m->from_uri);
    set_string(L, "to_uri", m->to_uri);
    set_string(L, "content_type", m->content_type);
    lua_pushlstring(L, m->req->body.p ? m->req->body.p : "", m->req->body.len);
    lua_setfield(L, -2, "body");
    push_headers(L, m);
    lua_setfield(L, -2, "headers");
    return 1;
}

static void
store(SipServerTx *tx, const Message *m)
{
    StoredMessage *s = g_new0(StoredMessage, 1);

    s->received = g_get_real_time() / G_USEC_PER_SEC;
    s->endpoint = g_strdup(m->endpoint->name);
    s->from_uri = g_strdup(m->from_uri);
    s->to_uri = g_strdup(m->to_uri);
    s->content_type = g_strdup(m->content_type);
    s->body = g_strndup(m->req->body.p ? m->req->body.p : "", m->req->body.len);
    message_store_add(s);
    respond(tx, 202, NULL);
}

/* What on_message returned -> our answer; 0: store it. */
static guint
status_from_value(const PbxDialplanValue *v, const char *endpoint)
{
    if (v->type == PBX_DIALPLAN_VALUE_NIL ||
        (v->type == PBX_DIALPLAN_VALUE_BOOLEAN && !v->boolean))
        return 0;
    if (v->type == PBX_DIALPLAN_VALUE_BOOLEAN)
        return 200;
    if (v->type == PBX_DIALPLAN_VALUE_NUMBER && v->number >= 200 && v->number <= 699 &&
        v->number == (guint) v->number)
        return (guint) v->number;
    pbx_warning(dom, "on_message for %s returned neither true, nil nor a status 200-699: 500",
                endpoint);
    return 500;
}

/* The dialplan first; without an on_message in the endpoint's context
 * (or when it returns nil), the store. */
static void
deliver(SipServerTx *tx, const SipMsg *req, const SipEndpoint *endpoint)
{
    g_auto(PbxDialplanValue) ret = { 0 };
    g_autoptr(GError) error = NULL;
    Message m = { 0 };
    guint code = 0;

    message_init(&m, req, endpoint);
    if (endpoint->context &&
        pbx_dialplan_run_handler(endpoint->context, "on_message", push_message, &m, &ret,
                                 &error))
        code = status_from_value(&ret, endpoint->name);
    else if (error && !g_error_matches(error, PBX_DIALPLAN_ERROR, PBX_DIALPLAN_ERROR_NO_HANDLER))
        code = 500;             /* the handler failed; the dialplan logged why */
    if (code)
        respond(tx, code, NULL);
    else
        store(tx, &m);
    pbx_info(dom, "MESSAGE from %s to %s: %u", endpoint->name, m.to_uri, code ? code : 202);
    message_clear(&m);
}

/* What we take: text/plain (any parameters), at most MAX_BODY bytes.
 * Returns 0 or the status to refuse with. */
static guint
check_body(const SipMsg *req, const char **headers)
{
    const SipMediaType *type = &req->content_type_parsed;

    if (!sip_slice_present(req->content_type) || !sip_slice_case_eq(type->type, "text") ||
        !sip_slice_case_eq(type->subtype, "plain")) {
        *headers = "Accept: text/plain\r\n";
        return 415;
    }
    return req->body.len > MAX_BODY ? 413 : 0;
}

/* The MESSAGE handler.  A MESSAGE with a To tag belongs to a dialog
 * (RFC 3428 lets one be sent inside an INVITE's): the dialog's owner
 * saw it first and passed it on, so we do too, and res_sip answers 481
 * when no dialog took it. */
static gboolean
on_message(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    SipEndpoint *endpoint = NULL;
    const char *headers = NULL;
    guint code;

    if (sip_slice_present(req->to.tag))
        return FALSE;
    if (!sip->authenticate(tx, peer, FALSE, &endpoint))
        return TRUE;            /* res_sip sent the 401 (or 400) */
    code = check_body(req, &headers);
    if (code)
        respond(tx, code, headers);
    else
        deliver(tx, req, endpoint);
    sip->endpoint_unref(endpoint);
    return TRUE;
}

static gboolean
message_load(PbxModule *self, GError **error)
{
    dom = pbx_log_domain("message");
    sip = sip_api_get(self, error);
    if (!sip)
        return FALSE;
    if (!message_store_init(self, error))
        return FALSE;
    return sip->register_handler(self, "MESSAGE", on_message, NULL, error);
}

/* The handler and the CLI command go by themselves (they name us as
 * owner); what is ours alone is the store. */
static void
message_unload(PbxModule *self)
{
    message_store_shutdown();
}

PBX_MODULE_DEFINE("res_sip_message", "SIP MESSAGE: on_message or store",
                  .requires = PBX_REQUIRES("res_sip"),
                  .load = message_load,
                  .unload = message_unload);
