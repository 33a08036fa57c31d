/* Carillon - res_sip client transactions (RFC 3261 17.1, RFC 6026).
 *
 * INVITE:  Calling -1xx-> Proceeding -2xx-> Accepted -M-> Terminated
 *          Calling/Proceeding -3xx..6xx-> Completed (ACK sent) -D-> Terminated
 *          Calling -B-> Terminated (TU gets 408)
 * other:   Trying -1xx-> Proceeding -final-> Completed -K-> Terminated
 *          Trying/Proceeding -F-> Terminated (TU gets 408)
 *
 * The TU gives a request without our Via; the transaction adds the top Via
 * (sent-by of the chosen transport, rport, a fresh branch) once the
 * destination is known, which for a DNS name is after an asynchronous
 * GResolver lookup.  A transport error is reported to the TU from a
 * zero-delay timer, never from inside send_request().
 */
#include <string.h>
#include "transaction_priv.h"
#include "resolve.h"

#define UDP_MTU_LIMIT 1300      /* RFC 3261 18.1.1: larger requests use TCP */

static GHashTable *table;       /* key string -> SipClientTx* */

static void tx_terminate(SipClientTx *tx);

void
sip_client_tx_table_init(void)
{
    if (!table)
        table = g_hash_table_new(g_str_hash, g_str_equal);
}

void
sip_client_tx_table_shutdown(void)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(all, value);
    for (guint i = 0; i < all->len; i++) {
        SipClientTx *tx = all->pdata[i];
        tx->fn = NULL;
        tx_terminate(tx);
    }
    g_clear_pointer(&table, g_hash_table_unref);
}

guint
sip_client_tx_count(void)
{
    return table ? g_hash_table_size(table) : 0;
}

void
sip_client_tx_count_states(SipTxStats *out)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const SipClientTx *tx = value;
        if (tx->invite)
            out->client_invite[tx->state]++;
        else
            out->client_other[tx->state]++;
    }
}

SipClientTx *
sip_client_tx_ref(SipClientTx *tx)
{
    tx->ref_count++;
    return tx;
}

static void
drop_tu(SipClientTx *tx)
{
    GDestroyNotify destroy = tx->destroy;
    gpointer data = tx->data;

    tx->fn = NULL;
    tx->destroy = NULL;
    tx->data = NULL;
    if (destroy)
        destroy(data);
}

void
sip_client_tx_unref(SipClientTx *tx)
{
    if (!tx || --tx->ref_count > 0)
        return;
    sip_timer_stop(&tx->timer_retx);
    sip_timer_stop(&tx->timer_end);
    drop_tu(tx);
    if (tx->resolving) {
        g_cancellable_cancel(tx->resolving);
        g_object_unref(tx->resolving);
    }
    if (tx->conn)
        sip_conn_unref(tx->conn);
    if (tx->listener)
        sip_listener_unref(tx->listener);
    if (tx->req_msg)
        sip_msg_free(tx->req_msg);
    g_free(tx->key);
    g_free(tx->text);
    g_free(tx->req);
    g_free(tx->ack);
    g_free(tx->cancel_reason);
    g_free(tx);
}

static void
tx_terminate(SipClientTx *tx)
{
    if (tx->state == SIP_TX_STATE_TERMINATED)
        return;
    tx->state = SIP_TX_STATE_TERMINATED;
    sip_timer_stop(&tx->timer_retx);
    sip_timer_stop(&tx->timer_end);
    if (tx->resolving)
        g_cancellable_cancel(tx->resolving);
    g_hash_table_remove(table, tx->key);
    drop_tu(tx);
    sip_client_tx_unref(tx);    /* the table's reference */
}

static void
deliver(SipClientTx *tx, const SipMsg *resp, guint code)
{
    if (tx->fn)
        tx->fn(tx, resp, code, tx->data);
}

/* Reports a locally generated final response (408, 503) and ends. */
static void
fail(SipClientTx *tx, guint code)
{
    sip_client_tx_ref(tx);
    if (tx->state != SIP_TX_STATE_COMPLETED && tx->state != SIP_TX_STATE_ACCEPTED)
        deliver(tx, NULL, code);
    tx_terminate(tx);
    sip_client_tx_unref(tx);
}

static gboolean
tx_send(SipClientTx *tx, const char *data, gsize len)
{
    SipConn *conn = tx->conn && sip_conn_is_open(tx->conn) ? tx->conn : NULL;

    if (sip_transport_send(tx->listener, conn, &tx->dest, data, len) != SIP_SEND_OK)
        return FALSE;
    if (tx->reliable && !tx->conn) {
        SipConn *c = sip_conns_find(tx->listener, &tx->dest);
        tx->conn = c ? sip_conn_ref(c) : NULL;
    }
    return TRUE;
}

/* Transport errors surface from a zero-delay timer so the TU is never
 * called back from inside its own send_request(). */
static void
report_failure_later(SipClientTx *tx)
{
    tx->failed = TRUE;
    sip_timer_stop(&tx->timer_retx);
    sip_timer_start(&tx->timer_end, 0);
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

/* A (INVITE, doubling) or E (non-INVITE, doubling up to T2; T2 once
 * Proceeding). */
static void
timer_retx_fired(SipTimer *t, gpointer data)
{
    SipClientTx *tx = data;

    if (tx->state != SIP_TX_STATE_CALLING && tx->state != SIP_TX_STATE_TRYING
        && !(tx->state == SIP_TX_STATE_PROCEEDING && !tx->invite))
        return;
    sip_tx_stats.retransmissions_sent++;
    if (!tx_send(tx, tx->req, tx->req_len)) {
        fail(tx, 503);
        return;
    }
    if (tx->invite)
        tx->retx_ms *= 2;
    else if (tx->state == SIP_TX_STATE_TRYING)
        tx->retx_ms = MIN(tx->retx_ms * 2, tx->t2);
    else
        tx->retx_ms = tx->t2;
    sip_timer_start(&tx->timer_retx, tx->retx_ms);
}

/* B, F (timeout: 408 to the TU), D, K, M (quiet end), or a transport
 * failure to report (503). */
static void
timer_end_fired(SipTimer *t, gpointer data)
{
    SipClientTx *tx = data;

    if (tx->failed) {
        fail(tx, 503);
        return;
    }
    if (tx->state == SIP_TX_STATE_CALLING || tx->state == SIP_TX_STATE_TRYING
        || tx->state == SIP_TX_STATE_PROCEEDING) {
        sip_tx_stats.timeouts++;
        fail(tx, 408);
        return;
    }
    tx_terminate(tx);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */
/* ------------------------------------------------------------------ */

static gboolean
parse_request(SipMsg *msg, const char *text, gsize len, GError **error)
{
    if (sip_msg_parse(msg, text, len, SIP_PARSE_DATAGRAM, NULL) != SIP_PARSE_OK
        || !msg->is_request) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID,
                    "cannot send an invalid SIP request: %s",
                    msg->error_reason ? msg->error_reason : "not a request");
        return FALSE;
    }
    if (msg->method == SIP_METHOD_ACK || msg->method == SIP_METHOD_CANCEL) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID,
                    "ACK and CANCEL are not sent through send_request");
        return FALSE;
    }
    return TRUE;
}

static SipClientTx *
tx_new(PbxModule *owner, const char *request, gsize len, SipResponseFunc fn,
       gpointer data, GDestroyNotify destroy, GError **error)
{
    SipClientTx *tx;
    SipMsg *msg = sip_scratch_msg();    /* checked, then dropped */
    char token[24];

    if (!parse_request(msg, request, len, error))
        return NULL;
    sip_client_tx_table_init();
    tx = g_new0(SipClientTx, 1);
    tx->ref_count = 1;          /* the table's */
    tx->invite = msg->method == SIP_METHOD_INVITE;
    tx->state = tx->invite ? SIP_TX_STATE_CALLING : SIP_TX_STATE_TRYING;
    tx->text = g_memdup2(request, len);
    tx->text_len = len;
    sip_random_token(token, sizeof(token));
    g_snprintf(tx->branch, sizeof(tx->branch), SIP_BRANCH_COOKIE "%s%x", token, g_random_int());
    tx->key = g_strdup_printf("%s %.*s", tx->branch, SIP_SLICE_ARGS(msg->method_name));
    tx->t1 = sip_stack.settings.t1;
    tx->t2 = sip_stack.settings.t2;
    tx->t4 = sip_stack.settings.t4;
    tx->owner = owner;
    tx->fn = fn;
    tx->data = data;
    tx->destroy = destroy;
    sip_timer_init(&tx->timer_retx, timer_retx_fired, tx);
    sip_timer_init(&tx->timer_end, timer_end_fired, tx);
    g_hash_table_insert(table, tx->key, tx);
    /* B / F run from creation, DNS time included. */
    sip_timer_start(&tx->timer_end, 64 * tx->t1);
    return tx;
}

/* The request as sent, parsed when first needed (CANCEL, ACK): most
 * transactions never need it. */
static const SipMsg *
request_msg(SipClientTx *tx)
{
    if (!tx->req_msg) {
        tx->req_msg = sip_msg_new();
        sip_msg_parse(tx->req_msg, tx->req, tx->req_len, SIP_PARSE_DATAGRAM, NULL);
    }
    return tx->req_msg;
}

/* Inserts our Via after the request line. */
static void
add_via(SipClientTx *tx)
{
    const char *eol = g_strstr_len(tx->text, tx->text_len, "\r\n");
    gsize head = eol ? (gsize) (eol - tx->text) + 2 : tx->text_len;
    char host[SIP_ADDR_STRLEN];
    GString *s = g_string_sized_new(tx->text_len + 128);

    g_string_append_len(s, tx->text, head);
    g_string_append_printf(s, "Via: SIP/2.0/%s %s:%u;rport;branch=%s\r\n",
                           tx->listener->klass->via_name,
                           sip_listener_sent_by_host(tx->listener, &tx->dest, host, sizeof(host)),
                           sip_addr_port(&tx->listener->local), tx->branch);
    g_string_append_len(s, tx->text + head, tx->text_len - head);
    g_free(tx->req);
    tx->req_len = s->len;
    tx->req = g_string_free(s, FALSE);
    g_clear_pointer(&tx->text, g_free);
}

/* Sends the first copy on l to dest and starts A/E. */
static void
tx_start(SipClientTx *tx, SipListener *l, const SipAddr *dest)
{
    tx->listener = sip_listener_ref(l);
    tx->dest = *dest;
    tx->reliable = l->klass->reliable;
    add_via(tx);
    tx->started = TRUE;
    if (!tx_send(tx, tx->req, tx->req_len)) {
        report_failure_later(tx);
        return;
    }
    if (!tx->reliable) {
        tx->retx_ms = tx->t1;
        sip_timer_start(&tx->timer_retx, tx->retx_ms);
    }
}

/* The transport for a request to dest: the one asked for, switched to
 * TCP for a large request that would go over UDP (RFC 3261 18.1.1). */
static SipListener *
choose_listener(SipTransport want, gsize len, const SipAddr *dest)
{
    gboolean v6 = sip_addr_is_v6(dest);
    SipListener *l;

    if (sip_transport_usable(want) == SIP_TRANSPORT_UDP && len + 100 > UDP_MTU_LIMIT) {
        l = sip_listeners_pick(SIP_TRANSPORT_TCP, v6);
        if (l)
            return l;
    }
    return sip_listeners_pick(sip_transport_usable(want), v6);
}

SipClientTx *
sip_client_tx_send_to(PbxModule *owner, SipListener *l, const SipAddr *dest,
                      const char *request, gsize len, SipResponseFunc fn, gpointer data,
                      GDestroyNotify destroy, GError **error)
{
    SipClientTx *tx = tx_new(owner, request, len, fn, data, destroy, error);

    if (!tx)
        return NULL;
    tx_start(tx, l, dest);
    return tx;
}

static void
resolved(const SipAddr *dest, const char *why, gpointer data)
{
    SipClientTx *tx = data;

    if (tx->state != SIP_TX_STATE_TERMINATED && !tx->started) {
        SipListener *l = dest ? choose_listener(tx->want, tx->text_len, dest) : NULL;
        if (l) {
            tx_start(tx, l, dest);
        } else {
            pbx_debug(sip_log, "client transaction: cannot reach host: %s",
                      why ? why : "no usable transport");
            report_failure_later(tx);
        }
    }
    sip_client_tx_unref(tx);
}

/* RFC 3261 19.1.2: 5061 for TLS when the target names no port. */
static guint16
target_port(const SipTarget *target)
{
    if (target->port)
        return target->port;
    return sip_transport_usable(target->transport) == SIP_TRANSPORT_TLS ? 5061 : 5060;
}

SipClientTx *
sip_client_tx_send(PbxModule *owner, const SipTarget *target, const char *request, gsize len,
                   SipResponseFunc fn, gpointer data, GDestroyNotify destroy, GError **error)
{
    SipAddr dest;
    SipListener *l;
    SipClientTx *tx;

    g_return_val_if_fail(target && target->host, NULL);
    if (sip_resolve_literal(target->host, target_port(target), &dest)) {
        l = choose_listener(target->transport, len, &dest);
        if (!l) {
            g_set_error(error, SIP_ERROR, SIP_ERROR_TRANSPORT,
                        "no %s transport for %s", sip_transport_to_string(target->transport),
                        target->host);
            return NULL;
        }
        return sip_client_tx_send_to(owner, l, &dest, request, len, fn, data, destroy, error);
    }
    tx = tx_new(owner, request, len, fn, data, destroy, error);
    if (!tx)
        return NULL;
    tx->want = target->transport;
    tx->resolving = g_cancellable_new();
    sip_resolve_async(NULL, target->host, target_port(target), target->transport, tx->resolving,
                      resolved, sip_client_tx_ref(tx));
    return tx;
}

/* ------------------------------------------------------------------ */
/* CANCEL and ACK                                                      */
/* ------------------------------------------------------------------ */

/* The CANCEL goes out as its own non-INVITE transaction with the
 * INVITE's Via (same branch, RFC 3261 9.1) and no TU callback. */
static void
send_cancel(SipClientTx *tx)
{
    g_autoptr(GString) out = g_string_sized_new(512);
    SipClientTx *ctx;

    tx->cancel_pending = FALSE;
    sip_msg_build_cancel_with_reason(request_msg(tx), tx->cancel_reason, out);
    sip_client_tx_table_init();
    ctx = g_new0(SipClientTx, 1);
    ctx->ref_count = 1;
    ctx->state = SIP_TX_STATE_TRYING;
    g_strlcpy(ctx->branch, tx->branch, sizeof(ctx->branch));
    ctx->key = g_strdup_printf("%s CANCEL", tx->branch);
    if (g_hash_table_contains(table, ctx->key)) {
        g_free(ctx->key);
        g_free(ctx);
        return;
    }
    ctx->t1 = tx->t1;
    ctx->t2 = tx->t2;
    ctx->t4 = tx->t4;
    ctx->listener = sip_listener_ref(tx->listener);
    ctx->conn = tx->conn ? sip_conn_ref(tx->conn) : NULL;
    ctx->dest = tx->dest;
    ctx->reliable = tx->reliable;
    ctx->req_len = out->len;
    ctx->req = g_string_free(g_steal_pointer(&out), FALSE);
    ctx->started = TRUE;
    sip_timer_init(&ctx->timer_retx, timer_retx_fired, ctx);
    sip_timer_init(&ctx->timer_end, timer_end_fired, ctx);
    g_hash_table_insert(table, ctx->key, ctx);
    sip_timer_start(&ctx->timer_end, 64 * ctx->t1);
    if (!tx_send(ctx, ctx->req, ctx->req_len)) {
        report_failure_later(ctx);
        return;
    }
    if (!ctx->reliable) {
        ctx->retx_ms = ctx->t1;
        sip_timer_start(&ctx->timer_retx, ctx->retx_ms);
    }
}

gboolean
sip_client_tx_cancel_with_reason(SipClientTx *tx, const char *reason)
{
    g_return_val_if_fail(tx, FALSE);
    if (reason && !tx->cancel_reason)
        tx->cancel_reason = g_strdup(reason);
    return sip_client_tx_cancel(tx);
}

gboolean
sip_client_tx_cancel(SipClientTx *tx)
{
    g_return_val_if_fail(tx, FALSE);
    if (!tx->invite)
        return FALSE;
    if (tx->state == SIP_TX_STATE_CALLING) {
        tx->cancel_pending = TRUE;  /* sent when a 1xx arrives */
        return TRUE;
    }
    if (tx->state != SIP_TX_STATE_PROCEEDING)
        return FALSE;
    send_cancel(tx);
    return TRUE;
}

static void
send_ack(SipClientTx *tx, const SipMsg *resp)
{
    if (!tx->ack) {
        g_autoptr(GString) out = g_string_sized_new(512);
        sip_msg_build_ack(request_msg(tx), resp, out);
        tx->ack_len = out->len;
        tx->ack = g_string_free(g_steal_pointer(&out), FALSE);
    }
    tx_send(tx, tx->ack, tx->ack_len);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

static void
invite_response(SipClientTx *tx, const SipMsg *resp, guint code)
{
    if (tx->state == SIP_TX_STATE_COMPLETED) {
        if (code >= 300)
            send_ack(tx, resp);     /* retransmitted final: ACK again */
        return;
    }
    if (tx->state == SIP_TX_STATE_ACCEPTED) {
        if (code >= 200 && code < 300)
            deliver(tx, resp, code);
        return;
    }
    sip_timer_stop(&tx->timer_retx);
    if (code < 200) {
        tx->state = SIP_TX_STATE_PROCEEDING;
        tx->got_provisional = TRUE;
        sip_timer_stop(&tx->timer_end);     /* B applies to Calling only */
        if (tx->cancel_pending)
            send_cancel(tx);
    } else if (code < 300) {
        tx->state = SIP_TX_STATE_ACCEPTED;
        sip_timer_start(&tx->timer_end, 64 * tx->t1);             /* M */
    } else {
        tx->state = SIP_TX_STATE_COMPLETED;
        send_ack(tx, resp);
        if (!tx->reliable)
            sip_timer_start(&tx->timer_end, 32000);                 /* D */
    }
    deliver(tx, resp, code);
    if (tx->state == SIP_TX_STATE_COMPLETED && tx->reliable)
        tx_terminate(tx);                                           /* D = 0 */
}

static void
non_invite_response(SipClientTx *tx, const SipMsg *resp, guint code)
{
    if (tx->state == SIP_TX_STATE_COMPLETED)
        return;
    if (code < 200) {
        tx->state = SIP_TX_STATE_PROCEEDING;
        deliver(tx, resp, code);
        return;
    }
    sip_timer_stop(&tx->timer_retx);
    tx->state = SIP_TX_STATE_COMPLETED;
    if (tx->reliable)
        sip_timer_stop(&tx->timer_end);
    else
        sip_timer_start(&tx->timer_end, tx->t4);                    /* K */
    deliver(tx, resp, code);
    if (tx->reliable)
        tx_terminate(tx);                                           /* K = 0 */
}

gboolean
sip_client_tx_receive(const SipMsg *resp, const SipRx *rx)
{
    char key[160];
    SipClientTx *tx;

    if (!table || !resp->via.branch.p || resp->via.branch.len > 100 || !resp->cseq.method_name.p
        || resp->cseq.method_name.len > 40)
        return FALSE;
    g_snprintf(key, sizeof(key), "%.*s %.*s", SIP_SLICE_ARGS(resp->via.branch),
               SIP_SLICE_ARGS(resp->cseq.method_name));
    tx = g_hash_table_lookup(table, key);
    if (!tx || !tx->started)
        return FALSE;
    sip_client_tx_ref(tx);
    if (tx->invite)
        invite_response(tx, resp, resp->status_code);
    else
        non_invite_response(tx, resp, resp->status_code);
    sip_client_tx_unref(tx);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */
/* ------------------------------------------------------------------ */

SipTxState
sip_client_tx_get_state(const SipClientTx *tx)
{
    return tx->state;
}

const char *
sip_client_tx_get_branch(const SipClientTx *tx)
{
    return tx->branch;
}

void
sip_client_tx_owner_gone(PbxModule *owner)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SipClientTx *tx = value;
        if (tx->owner == owner) {
            tx->owner = NULL;
            drop_tu(tx);
        }
    }
}

void
sip_transactions_conn_closed(SipConn *conn)
{
    GHashTableIter it;
    gpointer value;

    if (!table)
        return;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SipClientTx *tx = value;
        if (tx->conn == conn && !tx->failed && (tx->state == SIP_TX_STATE_CALLING
            || tx->state == SIP_TX_STATE_TRYING || tx->state == SIP_TX_STATE_PROCEEDING))
            report_failure_later(tx);
    }
}

/* ------------------------------------------------------------------ */
/* Requests outside transactions (the ACK of a 2xx)                  */
/* ------------------------------------------------------------------ */

/* The ACK for a 2xx is not part of the INVITE transaction (RFC 3261
 * 13.2.2.4, 17.1.1.3): the TU sends it itself, with a new branch, and
 * resends it for each retransmitted 2xx.  This adds our Via and sends the
 * request once; the target must be an IP literal (the dialog's next hop
 * is one in practice: a Contact or a registered source address). */
gboolean
sip_send_stateless(const SipTarget *target, const char *request, gsize len)
{
    SipAddr dest;

    return sip_resolve_literal(target->host, target->port, &dest)
        && sip_send_stateless_to(target->transport, &dest, request, len);
}

gboolean
sip_send_stateless_to(SipTransport transport, const SipAddr *dest, const char *request,
                      gsize len)
{
    const char *eol = g_strstr_len(request, len, "\r\n");
    gsize head = eol ? (gsize) (eol - request) + 2 : len;
    char sent_by[SIP_ADDR_STRLEN], token[24];
    SipListener *l;
    GString *s;
    SipSendResult r;

    l = choose_listener(transport, len, dest);
    if (!l)
        return FALSE;
    sip_random_token(token, sizeof(token));
    s = g_string_sized_new(len + 128);
    g_string_append_len(s, request, head);
    g_string_append_printf(s, "Via: SIP/2.0/%s %s:%u;rport;branch=" SIP_BRANCH_COOKIE "%s\r\n",
                           l->klass->via_name,
                           sip_listener_sent_by_host(l, dest, sent_by, sizeof(sent_by)),
                           sip_addr_port(&l->local), token);
    g_string_append_len(s, request + head, len - head);
    r = sip_transport_send(l, sip_conns_find(l, dest), dest, s->str, s->len);
    g_string_free(s, TRUE);
    return r == SIP_SEND_OK;
}
