/* Carillon - res_sip server transactions (RFC 3261 17.2, RFC 6026).
 *
 * INVITE:  Proceeding -2xx-> Accepted -L-> Terminated
 *          Proceeding -3xx..6xx-> Completed -ACK-> Confirmed -I-> Terminated
 *          Completed -H-> Terminated (TU told: no ACK)
 * other:   Trying -1xx-> Proceeding -final-> Completed -J-> Terminated
 *
 * The table holds one reference; whoever else keeps a pointer takes one.
 */
#include <string.h>
#include "transaction_priv.h"
#include "sip_limits.h"

static GHashTable *table;       /* SipTxKey* -> SipServerTx* */
static GHashTable *merge;       /* SipTxKey* (merge part) -> SipServerTx* */

static void tx_terminate(SipServerTx *tx);

static guint
key_hash_fn(gconstpointer k)
{
    return ((const SipTxKey *) k)->hash;
}

/* RFC 3261 17.2.3, or the RFC 2543 rules with the To tag compared as
 * 17.2.3 says: a request's To tag against the creating request's, an
 * ACK's against the tag of our response. */
static gboolean
key_equal_fn(gconstpointer pa, gconstpointer pb)
{
    const SipTxKey *a = pa, *b = pb, *look, *stored;

    if (a->hash != b->hash || a->rfc2543 != b->rfc2543 || a->method != b->method)
        return FALSE;
    if (a->method == SIP_METHOD_UNKNOWN && !sip_slice_same(a->method_name, b->method_name))
        return FALSE;
    /* RFC 3261 matching, plus Call-ID and CSeq: a client that reuses a
     * branch for a different request (RFC 4475 cparam01/cparam02 share
     * one) sends a new request, not a retransmission, and must not get
     * the other request's response. */
    if (!a->rfc2543)
        return sip_slice_case_equal(a->branch, b->branch)
            && sip_slice_case_equal(a->host, b->host) && a->port == b->port
            && a->cseq == b->cseq && sip_slice_same(a->call_id, b->call_id);
    if (a->cseq != b->cseq || !sip_slice_same(a->call_id, b->call_id)
        || !sip_slice_same(a->from_tag, b->from_tag) || !sip_slice_same(a->ruri, b->ruri)
        || !sip_slice_equal_no_lws(a->via, b->via))
        return FALSE;
    look = a->is_lookup ? a : b->is_lookup ? b : NULL;
    if (!look)
        return sip_slice_same(a->to_tag, b->to_tag);
    stored = look == a ? b : a;
    if (look->lookup_ack && sip_slice_present(stored->ack_to_tag))
        return sip_slice_same(look->to_tag, stored->ack_to_tag);
    return sip_slice_same(look->to_tag, stored->to_tag);
}

static guint
merge_hash_fn(gconstpointer k)
{
    return ((const SipTxKey *) k)->merge_hash;
}

static gboolean
merge_equal_fn(gconstpointer pa, gconstpointer pb)
{
    const SipTxKey *a = pa, *b = pb;

    return a->merge_hash == b->merge_hash && a->method == b->method && a->cseq == b->cseq
        && (a->method != SIP_METHOD_UNKNOWN || sip_slice_same(a->method_name, b->method_name))
        && sip_slice_same(a->call_id, b->call_id) && sip_slice_same(a->from_tag, b->from_tag);
}

/* Completed non-INVITE transactions over UDP all wait the same 64*T1
 * (Timer J) to absorb retransmissions: at thousands of REGISTERs a second
 * that is hundreds of thousands of them.  They wait in a list in deadline
 * order - appended at the tail, so O(1) - under one timer for the head,
 * instead of one heap entry each. */
static struct {
    SipServerTx *head, *tail;
    SipTimer timer;
} linger;


static void
linger_arm(void)
{
    if (!linger.head) {
        sip_timer_stop(&linger.timer);
        return;
    }
    sip_timer_start(&linger.timer,
                    (guint) MAX(0, (linger.head->linger_until - sip_now() + 999) / 1000));
}

static void
linger_remove(SipServerTx *tx)
{
    gboolean was_head = linger.head == tx;

    if (!tx->lingering)
        return;
    if (tx->linger_prev)
        tx->linger_prev->linger_next = tx->linger_next;
    else
        linger.head = tx->linger_next;
    if (tx->linger_next)
        tx->linger_next->linger_prev = tx->linger_prev;
    else
        linger.tail = tx->linger_prev;
    tx->linger_prev = tx->linger_next = NULL;
    tx->lingering = FALSE;
    if (was_head)
        linger_arm();
}

/* Inserted from the tail: in order unless T1 changed in between. */
static void
linger_add(SipServerTx *tx, guint ms)
{
    SipServerTx *after = linger.tail;

    tx->linger_until = sip_now() + (gint64) ms * 1000;
    while (after && after->linger_until > tx->linger_until)
        after = after->linger_prev;
    tx->linger_prev = after;
    tx->linger_next = after ? after->linger_next : linger.head;
    if (tx->linger_next)
        tx->linger_next->linger_prev = tx;
    else
        linger.tail = tx;
    if (after)
        after->linger_next = tx;
    else
        linger.head = tx;
    tx->lingering = TRUE;
    if (linger.head == tx)
        linger_arm();
}

static void
linger_fired(SipTimer *t, gpointer data)
{
    gint64 now = sip_now();
    guint budget = 4096;    /* a burst of expiries cannot starve I/O */

    while (linger.head && linger.head->linger_until <= now && budget-- > 0)
        tx_terminate(linger.head);      /* unlinks it */
    linger_arm();
}

void
sip_server_tx_table_init(void)
{
    if (table)
        return;
    table = g_hash_table_new(key_hash_fn, key_equal_fn);
    merge = g_hash_table_new(merge_hash_fn, merge_equal_fn);
    sip_timer_init(&linger.timer, linger_fired, NULL);
}

void
sip_server_tx_table_shutdown(void)
{
    GHashTableIter it;
    gpointer value;
    g_autoptr(GPtrArray) all = g_ptr_array_new();

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(all, value);
    for (guint i = 0; i < all->len; i++) {
        SipServerTx *tx = all->pdata[i];
        tx->notify = NULL;
        tx_terminate(tx);
    }
    g_clear_pointer(&table, g_hash_table_unref);
    g_clear_pointer(&merge, g_hash_table_unref);
    sip_timer_stop(&linger.timer);
}

guint
sip_server_tx_count(void)
{
    return table ? g_hash_table_size(table) : 0;
}

void
sip_server_tx_count_states(SipTxStats *out)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const SipServerTx *tx = value;
        if (tx->invite)
            out->server_invite[tx->state]++;
        else
            out->server_other[tx->state]++;
    }
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

SipServerTx *
sip_server_tx_find(const SipMsg *req)
{
    SipTxKey k;

    if (!table || g_hash_table_size(table) == 0)
        return NULL;
    sip_tx_key_from_request(req, &k);
    k.is_lookup = TRUE;
    return g_hash_table_lookup(table, &k);
}

SipServerTx *
sip_server_tx_find_cancelled(const SipMsg *cancel)
{
    SipTxKey k;
    SipServerTx *tx;

    if (!table)
        return NULL;
    sip_tx_key_from_request(cancel, &k);
    k.method = SIP_METHOD_INVITE;
    k.method_name = SIP_SLICE_NULL;
    k.is_lookup = TRUE;
    sip_tx_key_rehash(&k);
    tx = g_hash_table_lookup(table, &k);
    return tx && tx->invite ? tx : NULL;
}

gboolean
sip_server_tx_is_merged(const SipMsg *req)
{
    SipTxKey k;

    if (!merge || g_hash_table_size(merge) == 0 || sip_slice_present(req->to.tag))
        return FALSE;
    sip_tx_key_from_request(req, &k);
    return g_hash_table_lookup(merge, &k) != NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

SipServerTx *
sip_server_tx_ref(SipServerTx *tx)
{
    tx->ref_count++;
    return tx;
}

void
sip_server_tx_unref(SipServerTx *tx)
{
    if (!tx || --tx->ref_count > 0)
        return;
    sip_timer_stop(&tx->timer_retx);
    sip_timer_stop(&tx->timer_end);
    if (tx->conn)
        sip_conn_unref(tx->conn);
    if (tx->listener)
        sip_listener_unref(tx->listener);
    if (tx->req_msg)
        sip_msg_free(tx->req_msg);
    g_free(tx->req);
    g_free(tx->resp);
    if (tx->to_tag != tx->own_tag)
        g_free(tx->to_tag);
    g_free(tx);
}

static void
notify(SipServerTx *tx, SipTxEvent ev)
{
    if (tx->notify)
        tx->notify(tx, ev, tx->notify_data);
}

/* Out of the concurrency count once it has its final response. */
static void
limit_release(SipServerTx *tx)
{
    if (!tx->limit_counted)
        return;
    tx->limit_counted = FALSE;
    sip_limits_tx_closed(&tx->src);
}

static void
tx_terminate(SipServerTx *tx)
{
    limit_release(tx);
    if (tx->state == SIP_TX_STATE_TERMINATED)
        return;
    tx->state = SIP_TX_STATE_TERMINATED;
    sip_timer_stop(&tx->timer_retx);
    sip_timer_stop(&tx->timer_end);
    linger_remove(tx);
    if (tx->in_merge) {
        g_hash_table_remove(merge, &tx->key);
        tx->in_merge = FALSE;
    }
    if (tx->in_table) {
        g_hash_table_remove(table, &tx->key);
        tx->in_table = FALSE;
    }
    notify(tx, SIP_TX_EVENT_TERMINATED);
    tx->notify = NULL;
    sip_server_tx_unref(tx);    /* the table's reference */
}

/* Sends bytes to where responses of tx go: its connection while it is
 * open, else (RFC 3261 18.2.2) the transport finds or opens one to the
 * fallback address. */
static gboolean
tx_send(SipServerTx *tx, const char *data, gsize len)
{
    SipConn *conn = tx->conn && sip_conn_is_open(tx->conn) ? tx->conn : NULL;

    if (sip_transport_send(tx->listener, conn, &tx->dest, data, len) == SIP_SEND_OK)
        return TRUE;
    pbx_debug(sip_log, "server transaction: response could not be sent");
    sip_server_tx_ref(tx);
    notify(tx, SIP_TX_EVENT_TRANSPORT_ERROR);
    tx_terminate(tx);
    sip_server_tx_unref(tx);
    return FALSE;
}

static gboolean
resend_last(SipServerTx *tx)
{
    if (!tx->resp)
        return TRUE;
    sip_tx_stats.retransmissions_sent++;
    return tx_send(tx, tx->resp, tx->resp_len);
}

static void timer_retx_fired(SipTimer *t, gpointer data);
static void timer_end_fired(SipTimer *t, gpointer data);

static const SipMsg *
request_msg(SipServerTx *tx)
{
    if (tx->cur_msg)
        return tx->cur_msg;
    if (!tx->req_msg && !tx->req)
        return NULL;            /* compacted: see keep_response() */
    if (!tx->req_msg) {
        tx->req_msg = sip_msg_new();
        sip_msg_parse(tx->req_msg, tx->req, tx->req_len,
                      tx->reliable ? SIP_PARSE_STREAM : SIP_PARSE_DATAGRAM, NULL);
    }
    return tx->req_msg;
}

/* The request to build a response from: the one being dispatched, the
 * TU's parsed copy, or (answering later, e.g. an INVITE) the copy parsed
 * into the scratch message, not kept: 6 KB less per transaction. */
static const SipMsg *
response_source(SipServerTx *tx)
{
    SipMsg *scratch;

    if (tx->cur_msg)
        return tx->cur_msg;
    if (tx->req_msg || !tx->req)
        return request_msg(tx);
    scratch = sip_scratch_msg();
    sip_msg_parse(scratch, tx->req, tx->req_len,
                  tx->reliable ? SIP_PARSE_STREAM : SIP_PARSE_DATAGRAM, NULL);
    return scratch;
}

/* Copies the request from its first byte to the end of its body. */
static void
copy_request(SipServerTx *tx, const SipMsg *req)
{
    const char *start = req->start_line.p;
    const char *end = req->headers_block.p
        ? req->headers_block.p + req->headers_block.len : start + req->start_line.len;

    if (req->body.p && req->body.p + req->body.len > end)
        end = req->body.p + req->body.len;
    tx->req_len = end - start;
    tx->req = g_malloc(tx->req_len + 1);
    memcpy(tx->req, start, tx->req_len);
    tx->req[tx->req_len] = '\0';
    sip_tx_key_rebase(&tx->key, start, tx->req);
}

static void
send_trying(SipServerTx *tx)
{
    SipResponse r = { .code = 100 };

    sip_server_tx_respond(tx, &r);
}

SipServerTx *
sip_server_tx_new(const SipMsg *req, const SipRx *rx)
{
    SipServerTx *tx;

    g_return_val_if_fail(req->method != SIP_METHOD_ACK, NULL);
    sip_server_tx_table_init();
    if (g_hash_table_size(table) >= sip_stack.settings.max_transactions)
        return NULL;
    tx = g_new0(SipServerTx, 1);
    tx->ref_count = 2;          /* the table's and the caller's */
    tx->invite = req->method == SIP_METHOD_INVITE;
    tx->state = tx->invite ? SIP_TX_STATE_PROCEEDING : SIP_TX_STATE_TRYING;
    tx->listener = sip_listener_ref(rx->listener);
    tx->conn = rx->conn ? sip_conn_ref(rx->conn) : NULL;
    tx->reliable = rx->listener->klass->reliable;
    tx->src = rx->src;
    sip_response_destination(rx, req, &tx->dest);
    tx->t1 = sip_stack.settings.t1;
    tx->t2 = sip_stack.settings.t2;
    tx->t4 = sip_stack.settings.t4;
    sip_response_tag(req, tx->own_tag, sizeof(tx->own_tag));
    tx->to_tag = tx->own_tag;
    sip_tx_key_from_request(req, &tx->key);
    copy_request(tx, req);
    sip_timer_init(&tx->timer_retx, timer_retx_fired, tx);
    sip_timer_init(&tx->timer_end, timer_end_fired, tx);
    g_hash_table_insert(table, &tx->key, tx);
    tx->in_table = TRUE;
    sip_limits_tx_opened(&tx->src);
    tx->limit_counted = TRUE;
    if (!sip_slice_present(req->to.tag) && !g_hash_table_contains(merge, &tx->key)) {
        g_hash_table_insert(merge, &tx->key, tx);
        tx->in_merge = TRUE;
    }
    if (tx->invite) {
        if (sip_stack.settings.trying_delay == 0) {
            tx->cur_msg = req;
            send_trying(tx);
            tx->cur_msg = NULL;
        } else {
            sip_timer_start(&tx->timer_retx, sip_stack.settings.trying_delay);
        }
    } else {
        /* Safety net for a TU that never answers: by 64*T1 the client
         * has given up (Timer F), so the transaction can go. */
        sip_timer_start(&tx->timer_end, 64 * tx->t1);
    }
    return tx;
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

/* Timer G in Completed (retransmit the final response, doubling up to
 * T2), or the 100 Trying delay in Proceeding. */
static void
timer_retx_fired(SipTimer *t, gpointer data)
{
    SipServerTx *tx = data;

    if (tx->state == SIP_TX_STATE_PROCEEDING) {
        if (!tx->provisional_sent)
            send_trying(tx);
        return;
    }
    if (tx->state != SIP_TX_STATE_COMPLETED || !tx->invite)
        return;
    if (!resend_last(tx))
        return;
    tx->retx_ms = MIN(tx->retx_ms * 2, tx->t2);
    sip_timer_start(&tx->timer_retx, tx->retx_ms);
}

/* H (no ACK), I, J, L, or the TU safety net: the transaction ends. */
static void
timer_end_fired(SipTimer *t, gpointer data)
{
    SipServerTx *tx = data;

    sip_server_tx_ref(tx);
    if (tx->invite && tx->state == SIP_TX_STATE_COMPLETED) {
        sip_tx_stats.timeouts++;
        pbx_debug(sip_log, "server INVITE transaction: no ACK for %u (Timer H)", tx->resp_code);
        notify(tx, SIP_TX_EVENT_NO_ACK);
    } else if (tx->state == SIP_TX_STATE_TRYING || tx->state == SIP_TX_STATE_PROCEEDING) {
        pbx_warning(sip_log, "server transaction dropped: the request was never answered");
    }
    tx_terminate(tx);
    sip_server_tx_unref(tx);
}

static void
start_end_timer(SipServerTx *tx, guint ms)
{
    if (ms == 0)
        tx_terminate(tx);
    else
        sip_timer_start(&tx->timer_end, ms);
}

/* ------------------------------------------------------------------ */
/* Responses from the TU                                               */
/* ------------------------------------------------------------------ */

static void
enter_final_state(SipServerTx *tx, guint code)
{
    limit_release(tx);
    sip_timer_stop(&tx->timer_retx);
    sip_timer_stop(&tx->timer_end);
    if (!tx->invite) {
        tx->state = SIP_TX_STATE_COMPLETED;
        if (tx->reliable)
            tx_terminate(tx);                                   /* J = 0 */
        else
            linger_add(tx, 64 * tx->t1);                        /* J */
        return;
    }
    if (code < 300) {
        tx->state = SIP_TX_STATE_ACCEPTED;
        sip_timer_start(&tx->timer_end, 64 * tx->t1);           /* L */
        return;
    }
    tx->state = SIP_TX_STATE_COMPLETED;
    if (!sip_slice_present(tx->key.to_tag))     /* else To was echoed as is */
        tx->key.ack_to_tag = sip_slice_from_str(tx->to_tag);
    if (!tx->reliable) {
        tx->retx_ms = tx->t1;
        sip_timer_start(&tx->timer_retx, tx->retx_ms);           /* G */
    }
    sip_timer_start(&tx->timer_end, 64 * tx->t1);               /* H */
}

static void
copy_slice(SipSlice *s, char **to)
{
    if (!s->p)
        return;
    memcpy(*to, s->p, s->len);
    s->p = *to;
    *to += s->len;
}

/* Keeps the last response to resend it.  A non-INVITE transaction whose
 * final response went over UDP only absorbs retransmissions for the 32 s
 * of Timer J: it keeps its key and the response in one block, and the
 * request copy goes.  Never while the parsed copy (req_msg) is out. */
static void
keep_response(SipServerTx *tx, const char *data, gsize len, gboolean compact)
{
    SipTxKey *k = &tx->key;
    SipSlice *slices[] = { &k->method_name, &k->branch, &k->host, &k->call_id,
                           &k->from_tag, &k->to_tag, &k->ruri, &k->via };
    gsize size = len + 1;
    char *block, *at;

    if (compact) {
        for (guint i = 0; i < G_N_ELEMENTS(slices); i++)
            size += slices[i]->p ? slices[i]->len : 0;
    }
    block = g_malloc(size);
    memcpy(block, data, len);
    block[len] = '\0';
    g_free(tx->resp);
    tx->resp = block;
    tx->resp_len = len;
    if (!compact)
        return;
    at = block + len + 1;
    for (guint i = 0; i < G_N_ELEMENTS(slices); i++)
        copy_slice(slices[i], &at);
    g_clear_pointer(&tx->req, g_free);
    tx->req_len = 0;
}

static gboolean
final_sent(const SipServerTx *tx)
{
    return tx->state != SIP_TX_STATE_TRYING && tx->state != SIP_TX_STATE_PROCEEDING;
}

gboolean
sip_server_tx_respond(SipServerTx *tx, const SipResponse *resp)
{
    GString *out;
    gboolean ok;

    g_return_val_if_fail(tx && resp && resp->code >= 100 && resp->code <= 699, FALSE);
    if (tx->state == SIP_TX_STATE_ACCEPTED && resp->code >= 200 && resp->code < 300)
        ;   /* RFC 6026: the TU's 2xx retransmissions pass through */
    else if (final_sent(tx))
        return FALSE;
    if (resp->to_tag && resp->code != 100 && g_strcmp0(resp->to_tag, tx->to_tag) != 0) {
        if (tx->to_tag != tx->own_tag)
            g_free(tx->to_tag);
        tx->to_tag = g_strdup(resp->to_tag);
    }
    out = sip_scratch_out();
    sip_response_build(response_source(tx), &tx->src, resp, tx->to_tag, out);
    keep_response(tx, out->str, out->len,
                  !tx->invite && !tx->reliable && resp->code >= 200 && !tx->req_msg);
    tx->resp_code = resp->code;
    if (resp->code < 200) {
        tx->provisional_sent = TRUE;
        if (tx->invite)
            sip_timer_stop(&tx->timer_retx);
        else
            tx->state = SIP_TX_STATE_PROCEEDING;
    }
    sip_server_tx_ref(tx);
    ok = tx_send(tx, tx->resp, tx->resp_len);
    if (ok && resp->code >= 200 && tx->state != SIP_TX_STATE_ACCEPTED)
        enter_final_state(tx, resp->code);
    sip_server_tx_unref(tx);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Requests for an existing transaction                                */
/* ------------------------------------------------------------------ */

static gboolean
receive_ack(SipServerTx *tx)
{
    switch (tx->state) {
    case SIP_TX_STATE_COMPLETED:
        sip_timer_stop(&tx->timer_retx);
        tx->state = SIP_TX_STATE_CONFIRMED;
        start_end_timer(tx, tx->reliable ? 0 : tx->t4);         /* I */
        return TRUE;
    case SIP_TX_STATE_CONFIRMED:
        sip_tx_stats.retransmissions_absorbed++;
        return TRUE;
    case SIP_TX_STATE_ACCEPTED:
        return FALSE;       /* RFC 2543 ACK for a 2xx: for the TU */
    default:
        return TRUE;        /* ACK before any final response: ignore */
    }
}

gboolean
sip_server_tx_receive(SipServerTx *tx, const SipMsg *req, const SipRx *rx)
{
    if (req->method == SIP_METHOD_ACK)
        return tx->invite ? receive_ack(tx) : TRUE;
    sip_tx_stats.retransmissions_absorbed++;
    switch (tx->state) {
    case SIP_TX_STATE_PROCEEDING:
        if (tx->invite && !tx->provisional_sent) {
            tx->cur_msg = req;
            send_trying(tx);
            tx->cur_msg = NULL;
        } else {
            resend_last(tx);
        }
        break;
    case SIP_TX_STATE_COMPLETED:
        resend_last(tx);
        break;
    default:
        break;      /* Trying, Accepted, Confirmed: absorb */
    }
    return TRUE;
}

void
sip_server_tx_cancel(SipServerTx *invite, const SipMsg *cancel, const SipRx *rx)
{
    SipServerTx *ctx = sip_server_tx_new(cancel, rx);
    SipResponse ok = { .code = 200, .to_tag = invite->to_tag };
    SipResponse terminated = { .code = 487 };

    sip_server_tx_ref(invite);
    if (ctx) {
        ctx->cur_msg = cancel;
        sip_server_tx_respond(ctx, &ok);
        ctx->cur_msg = NULL;
        sip_server_tx_unref(ctx);
    } else {
        sip_respond_stateless(cancel, rx, &ok);
    }
    if (invite->state == SIP_TX_STATE_PROCEEDING) {
        sip_server_tx_respond(invite, &terminated);
        notify(invite, SIP_TX_EVENT_CANCELLED);
    }
    sip_server_tx_unref(invite);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */
/* ------------------------------------------------------------------ */

void
sip_server_tx_set_current(SipServerTx *tx, const SipMsg *req)
{
    tx->cur_msg = req;
}

void
sip_server_tx_set_notify(SipServerTx *tx, SipServerTxFunc fn, gpointer data)
{
    tx->notify = fn;
    tx->notify_data = data;
}

void
sip_server_tx_set_owner(SipServerTx *tx, PbxModule *owner)
{
    tx->owner = owner;
}

const SipMsg *
sip_server_tx_get_request(SipServerTx *tx)
{
    return request_msg(tx);
}

void
sip_server_tx_get_peer(SipServerTx *tx, SipPeerInfo *out)
{
    memset(out, 0, sizeof(*out));
    out->transport = tx->listener->klass->proto;
    sip_addr_ip_string(&tx->src, out->remote_ip, sizeof(out->remote_ip));
    out->remote_port = sip_addr_port(&tx->src);
    sip_addr_ip_string(&tx->listener->local, out->local_ip, sizeof(out->local_ip));
    out->local_port = sip_addr_port(&tx->listener->local);
    out->listener = tx->listener->name;
}

const char *
sip_server_tx_get_to_tag(SipServerTx *tx)
{
    return tx->to_tag;
}

SipTxState
sip_server_tx_get_state(const SipServerTx *tx)
{
    return tx->state;
}

guint
sip_server_tx_get_last_code(const SipServerTx *tx)
{
    return tx->resp_code;
}

void
sip_server_tx_owner_gone(PbxModule *owner)
{
    g_autoptr(GPtrArray) mine =
        g_ptr_array_new_with_free_func((GDestroyNotify) sip_server_tx_unref);
    GHashTableIter it;
    gpointer value;
    SipResponse unavailable = { .code = 503 };

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SipServerTx *tx = value;
        if (tx->owner == owner)
            g_ptr_array_add(mine, sip_server_tx_ref(tx));
    }
    for (guint i = 0; i < mine->len; i++) {
        SipServerTx *tx = mine->pdata[i];
        tx->notify = NULL;
        tx->owner = NULL;
        if (!final_sent(tx))
            sip_server_tx_respond(tx, &unavailable);
    }
}
