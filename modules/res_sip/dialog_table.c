/* Carillon - res_sip's table of registered dialogs (see dialogs.h).
 *
 * A registered dialog is filed under "Call-ID\nlocal tag\nremote tag";
 * an in-dialog request finds it with its To tag as the local tag and its
 * From tag as the remote one.  A UAC dialog registered before it learned
 * the remote tag is found with an empty remote tag, and registering it
 * again once learned re-files it.  The table does not own dialogs.
 */
#include <string.h>
#include "dialogs.h"
#include "sip_core.h"
#include "transaction.h"
#include "handlers.h"

static GHashTable *table;       /* key -> SipDialog* */

static char *
make_key(const char *call_id, const char *local_tag, const char *remote_tag)
{
    return g_strconcat(call_id ? call_id : "", "\n", local_tag ? local_tag : "", "\n",
                       remote_tag ? remote_tag : "", NULL);
}

static void
unfile(SipDialog *d)
{
    if (!d->priv || !d->priv->key)
        return;
    if (table && g_hash_table_lookup(table, d->priv->key) == d)
        g_hash_table_remove(table, d->priv->key);
    g_clear_pointer(&d->priv->key, g_free);
}

void
sip_dialogs_register(PbxModule *owner, SipDialog *d, SipDialogHandler fn, gpointer data)
{
    if (!table)
        table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (!d->priv)
        d->priv = g_new0(SipDialogPriv, 1);
    unfile(d);
    d->priv->owner = owner;
    d->priv->fn = fn;
    d->priv->data = data;
    d->priv->key = make_key(d->call_id, d->local_tag, d->remote_tag);
    g_hash_table_replace(table, g_strdup(d->priv->key), d);
    sip_owner_track(owner);
}

void
sip_dialogs_unregister(SipDialog *d)
{
    unfile(d);
    if (d->priv) {
        d->priv->owner = NULL;
        d->priv->fn = NULL;
    }
}

SipDialog *
sip_dialogs_find(const char *call_id, const char *local_tag, const char *remote_tag)
{
    g_autofree char *k = NULL;

    if (!table)
        return NULL;
    k = make_key(call_id, local_tag, remote_tag);
    return g_hash_table_lookup(table, k);
}

static char *
put(char *p, SipSlice s, char sep)
{
    if (s.len)
        memcpy(p, s.p, s.len);
    p += s.len;
    *p++ = sep;
    return p;
}

/* The key of an in-dialog request, built in buf (no allocation, no
 * printf) when it fits; NULL for a request without To tag. */
static const char *
request_key(const SipMsg *req, char *buf, gsize size, char **heap)
{
    gsize need = (gsize) req->call_id.len + req->to.tag.len + req->from.tag.len + 3;
    char *k, *p;

    if (!sip_slice_present(req->to.tag))
        return NULL;
    k = need <= size ? buf : (*heap = g_malloc(need));
    p = put(k, req->call_id, '\n');
    p = put(p, req->to.tag, '\n');
    put(p, req->from.tag, '\0');
    return k;
}

SipDialog *
sip_dialogs_find_request(const SipMsg *req)
{
    char buf[512];
    g_autofree char *heap = NULL;
    const char *k;

    if (!table)
        return NULL;
    k = request_key(req, buf, sizeof(buf), &heap);
    return k ? g_hash_table_lookup(table, k) : NULL;
}

gboolean
sip_dialogs_dispatch(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer)
{
    SipDialog *d = sip_dialogs_find_request(req);

    if (!d || !d->priv->fn)
        return FALSE;
    if (tx && !sip_dialog_check_cseq(d, req)) {
        SipResponse r = { .code = 500, .reason = "CSeq Out of Order" };
        sip_server_tx_respond(tx, &r);
        return TRUE;
    }
    /* as for a method handler: what the owner takes is the owner's, and
     * gets a 503 if the owner unloads before answering */
    if (tx)
        sip_server_tx_set_owner(tx, d->priv->owner);
    if (d->priv->fn(d, tx, req, peer, d->priv->data))
        return TRUE;
    if (tx)
        sip_server_tx_set_owner(tx, NULL);
    return FALSE;
}

guint
sip_dialogs_count(void)
{
    return table ? g_hash_table_size(table) : 0;
}

void
sip_dialogs_owner_gone(PbxModule *owner)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SipDialog *d = value;
        if (d->priv->owner != owner)
            continue;
        g_clear_pointer(&d->priv->key, g_free);
        d->priv->owner = NULL;
        d->priv->fn = NULL;
        g_hash_table_iter_remove(&it);
    }
}

void
sip_dialogs_shutdown(void)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_clear_pointer(&((SipDialog *) value)->priv->key, g_free);
    g_clear_pointer(&table, g_hash_table_unref);
}
