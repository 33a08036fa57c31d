/* Carillon - res_sip transactions (RFC 3261 section 17, RFC 6026).
 *
 * Server transactions are found with the RFC 3261 17.2.3 rules (branch
 * with the "z9hG4bK" cookie + sent-by + method, ACK matching its INVITE),
 * or with the RFC 2543 rules when the branch lacks the cookie
 * (Request-URI, To tag, From tag, Call-ID, CSeq, top Via; an ACK's To tag
 * must equal the tag of our final response).  Client transactions are
 * found by branch + CSeq method (17.1.3).  Both live in hash tables; every
 * timer is a SipTimer (one heap, one GSource).
 *
 * Timers: A, E, G double from T1 (E and G capped at T2) and run on
 * unreliable transports only; B, F, H = 64*T1; D = 32 s (unreliable) or
 * 0; I, K = T4 (unreliable) or 0; J = 64*T1 (unreliable) or 0; L and M =
 * 64*T1 (RFC 6026 Accepted state).  T1/T2/T4 are read from the settings
 * when a transaction starts, so a reload changes new transactions only.
 *
 * An INVITE server transaction sends 100 Trying itself when the TU has
 * not sent a response within trying_delay ms (default 200, RFC 3261
 * 17.2.1), and at once when the INVITE is retransmitted before that.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/sip/api.h>
#include "transport.h"

G_BEGIN_DECLS

typedef enum {
    SIP_TX_STATE_CALLING,       /* client INVITE */
    SIP_TX_STATE_TRYING,        /* non-INVITE */
    SIP_TX_STATE_PROCEEDING,
    SIP_TX_STATE_ACCEPTED,      /* RFC 6026 */
    SIP_TX_STATE_COMPLETED,
    SIP_TX_STATE_CONFIRMED,     /* server INVITE */
    SIP_TX_STATE_TERMINATED,
    SIP_TX_STATE__COUNT
} SipTxState;

const char *sip_tx_state_name(SipTxState state);

void sip_transactions_init(void);
/* Terminates every transaction without callbacks (module unload). */
void sip_transactions_shutdown(void);

/* Counts per state for `sip show transactions`. */
typedef struct {
    guint server_invite[SIP_TX_STATE__COUNT];
    guint server_other[SIP_TX_STATE__COUNT];
    guint client_invite[SIP_TX_STATE__COUNT];
    guint client_other[SIP_TX_STATE__COUNT];
    guint64 retransmissions_sent;
    guint64 retransmissions_absorbed;
    guint64 timeouts;
} SipTxStats;

void sip_transactions_get_stats(SipTxStats *out);
guint sip_server_tx_count(void);
guint sip_client_tx_count(void);

/* ---- responses shared by stateful and stateless sending ---- */

/* Where a response to req goes (RFC 3261 18.2.2, RFC 3581): on a stream
 * transport the request's connection; on UDP the source address and
 * port when the Via has rport or force_rport is set, else the source IP
 * and the Via sent-by port (5060 when absent). maddr is ignored. */
void sip_response_destination(const SipRx *rx, const SipMsg *req, SipAddr *dest);

/* A deterministic To tag for a request (keyed hash of Call-ID, From tag,
 * CSeq and branch with a per-process secret), so a stateless answer to a
 * retransmission is byte-identical (RFC 3261 8.2.7).  buf >= 17 bytes. */
void sip_response_tag(const SipMsg *req, char *buf, gsize size);

/* Builds a response: Via fixed up for rx (received/rport, RFC 3261
 * 18.2.1, RFC 3581), To tag added except on 100, Timestamp copied into
 * 100 (8.2.6.1), Server header, extra headers and body. */
void sip_response_build(const SipMsg *req, const SipAddr *src, const SipResponse *resp,
                        const char *to_tag, GString *out);

/* Answers req statelessly (8.2.7) with a deterministic To tag.  Never
 * answers an ACK. */
void sip_respond_stateless(const SipMsg *req, const SipRx *rx, const SipResponse *resp);
/* The shared buffer responses are built in (emptied): use it and copy out
 * before anything else can run. */
GString *sip_scratch_out(void);
/* A SipMsg (6 KB) to parse into when the result is used and dropped
 * before anything else can run: no allocation and zeroing per parse. */
SipMsg *sip_scratch_msg(void);

/* Random hex token (RFC 3261 19.3: >= 32 random bits); size >= 17. */
void sip_random_token(char *buf, gsize size);

/* ---- server transactions ---- */

/* The transaction req belongs to (a retransmission, or an ACK for our
 * non-2xx response), or NULL. */
SipServerTx *sip_server_tx_find(const SipMsg *req);
/* The INVITE transaction a CANCEL refers to (RFC 3261 9.2), or NULL. */
SipServerTx *sip_server_tx_find_cancelled(const SipMsg *cancel);
/* TRUE if req (no To tag) has the From tag, Call-ID and CSeq of another
 * ongoing transaction it does not match: a merged request (8.2.2.2). */
gboolean sip_server_tx_is_merged(const SipMsg *req);

/* Creates the transaction for a new request (not ACK) and returns a
 * reference to it (the tables hold their own).  The request bytes are
 * copied.  NULL when max_transactions is reached. */
SipServerTx *sip_server_tx_new(const SipMsg *req, const SipRx *rx);

/* Feeds a retransmission or an ACK to its transaction (absorbs it,
 * resends the last response, moves Completed -> Confirmed on ACK).
 * FALSE for an ACK the transaction does not absorb (an RFC 2543 ACK for
 * a 2xx): the caller hands it to the TU. */
gboolean sip_server_tx_receive(SipServerTx *tx, const SipMsg *req, const SipRx *rx);

/* Handles a CANCEL whose INVITE transaction is `invite`: answers 200 on
 * a new CANCEL transaction, 487 to the INVITE if still proceeding, and
 * tells the TU. */
void sip_server_tx_cancel(SipServerTx *invite, const SipMsg *cancel, const SipRx *rx);

/* The request being dispatched right now (borrowed, valid during the
 * handler call); NULL outside of it. */
void sip_server_tx_set_current(SipServerTx *tx, const SipMsg *req);

gboolean sip_server_tx_respond(SipServerTx *tx, const SipResponse *resp);
SipServerTx *sip_server_tx_ref(SipServerTx *tx);
void sip_server_tx_unref(SipServerTx *tx);
void sip_server_tx_set_notify(SipServerTx *tx, SipServerTxFunc fn, gpointer data);
void sip_server_tx_set_owner(SipServerTx *tx, PbxModule *owner);
const SipMsg *sip_server_tx_get_request(SipServerTx *tx);
void sip_server_tx_get_peer(SipServerTx *tx, SipPeerInfo *out);
const char *sip_server_tx_get_to_tag(SipServerTx *tx);
SipTxState sip_server_tx_get_state(const SipServerTx *tx);
guint sip_server_tx_get_last_code(const SipServerTx *tx);
/* Answers 503 on every transaction owned by `owner` that has no final
 * response yet and detaches its callback (owner unloading). */
void sip_server_tx_owner_gone(PbxModule *owner);

/* ---- client transactions ---- */

/* Sends a request (see SipApi.send_request).  fn may be NULL. */
SipClientTx *sip_client_tx_send(PbxModule *owner, const SipTarget *target,
                                const char *request, gsize len,
                                SipResponseFunc fn, gpointer data,
                                GDestroyNotify destroy, GError **error);
/* Same with an already resolved destination on a given listener (tests,
 * and requests that must go out on one transport). */
SipClientTx *sip_client_tx_send_to(PbxModule *owner, SipListener *l, const SipAddr *dest,
                                   const char *request, gsize len,
                                   SipResponseFunc fn, gpointer data,
                                   GDestroyNotify destroy, GError **error);
/* Feeds a response; FALSE when no transaction matches (caller drops it). */
gboolean sip_client_tx_receive(const SipMsg *resp, const SipRx *rx);
gboolean sip_client_tx_cancel(SipClientTx *tx);
/* reason: the CANCEL's Reason header (RFC 3326), or NULL. */
gboolean sip_client_tx_cancel_with_reason(SipClientTx *tx, const char *reason);
SipClientTx *sip_client_tx_ref(SipClientTx *tx);
void sip_client_tx_unref(SipClientTx *tx);
SipTxState sip_client_tx_get_state(const SipClientTx *tx);
const char *sip_client_tx_get_branch(const SipClientTx *tx);
/* Detaches callbacks of owner's transactions (owner unloading). */
void sip_client_tx_owner_gone(PbxModule *owner);

/* Sends a request outside any transaction, once (the ACK for a 2xx,
 * RFC 3261 13.2.2.4): request is whole but WITHOUT our Via, which is
 * added with a fresh branch.  target->host must be an IP literal (no
 * DNS).  FALSE when it cannot be sent. */
gboolean sip_send_stateless(const SipTarget *target, const char *request, gsize len);
/* The same to an address. */
gboolean sip_send_stateless_to(SipTransport transport, const SipAddr *dest,
                               const char *request, gsize len);

/* Connection closed: fail client transactions waiting on it. */
void sip_transactions_conn_closed(SipConn *conn);

#define SIP_BRANCH_COOKIE "z9hG4bK"

G_END_DECLS
