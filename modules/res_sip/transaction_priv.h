/* Carillon - res_sip transaction internals shared by transaction.c,
 * transaction_server.c and transaction_client.c. */
#pragma once

#include "transaction.h"
#include "sip_core.h"
#include "timer.h"

G_BEGIN_DECLS

/* Matching key of a server transaction.  Every field is filled for every
 * request; the hash and comparison use the RFC 3261 subset (branch,
 * sent-by, method) or the RFC 2543 one (Request-URI, From tag, Call-ID,
 * CSeq, top Via, To tag rule) depending on rfc2543. */
typedef struct {
    guint hash;
    guint merge_hash;
    gboolean rfc2543;
    gboolean is_lookup;         /* a key built for a lookup, not stored */
    gboolean lookup_ack;        /* lookup for an ACK (2543 To tag rule) */
    SipMethod method;           /* INVITE for an ACK */
    SipSlice method_name;       /* compared when method is UNKNOWN */
    SipSlice branch;
    SipSlice host;
    guint16 port;
    SipSlice call_id;
    SipSlice from_tag;
    SipSlice to_tag;
    SipSlice ruri;
    SipSlice via;
    guint32 cseq;
    SipSlice ack_to_tag;        /* stored keys: To tag of our final response */
} SipTxKey;

struct _SipServerTx {
    gint ref_count;
    SipTxKey key;
    gboolean invite;
    gboolean reliable;
    gboolean in_table;
    gboolean in_merge;
    gboolean provisional_sent;
    gboolean limit_counted;     /* in the per-source count until final (sip_limits.h) */
    SipTxState state;
    char *req;                  /* copy of the request */
    gsize req_len;
    SipMsg *req_msg;            /* lazily parsed copy */
    const SipMsg *cur_msg;      /* request being dispatched (borrowed) */
    SipListener *listener;
    SipConn *conn;
    SipAddr src;
    SipAddr dest;               /* UDP destination / stream fallback */
    char *resp;                 /* last response sent */
    gsize resp_len;
    guint resp_code;
    char *to_tag;               /* own_tag, or the TU's (g_malloc'ed) */
    char own_tag[24];
    guint t1, t2, t4;
    guint retx_ms;
    SipTimer timer_retx;        /* G, or the 100 Trying delay */
    SipTimer timer_end;         /* H, I, L, J over streams, or the TU safety net */
    /* Timer J over UDP: completed non-INVITE transactions wait in one
     * list ordered by deadline (transaction_server.c), not in the heap. */
    gboolean lingering;
    gint64 linger_until;
    SipServerTx *linger_prev, *linger_next;
    PbxModule *owner;
    SipServerTxFunc notify;
    gpointer notify_data;
};

struct _SipClientTx {
    gint ref_count;
    char *key;                  /* "branch METHOD" */
    char branch[48];
    gboolean invite;
    gboolean reliable;
    gboolean started;           /* Via added and first copy sent */
    gboolean failed;            /* transport error to report */
    gboolean cancel_pending;
    char *cancel_reason;        /* Reason header of our CANCEL, or NULL */
    gboolean got_provisional;
    SipTxState state;
    char *text;                 /* request without our Via (until started) */
    gsize text_len;
    char *req;                  /* request as sent */
    gsize req_len;
    SipMsg *req_msg;
    char *ack;                  /* ACK for a non-2xx final response */
    gsize ack_len;
    SipListener *listener;
    SipConn *conn;
    SipAddr dest;
    SipTransport want;          /* transport asked for */
    GCancellable *resolving;
    guint t1, t2, t4;
    guint retx_ms;
    SipTimer timer_retx;        /* A, E */
    SipTimer timer_end;         /* B, D, F, K, M, or the failure report */
    PbxModule *owner;
    SipResponseFunc fn;
    gpointer data;
    GDestroyNotify destroy;
};

/* Shared counters (transaction.c). */
extern SipTxStats sip_tx_stats;

void sip_server_tx_table_init(void);
void sip_server_tx_table_shutdown(void);
void sip_server_tx_count_states(SipTxStats *out);
void sip_client_tx_table_init(void);
void sip_client_tx_table_shutdown(void);
void sip_client_tx_count_states(SipTxStats *out);

/* Keys (transaction.c). */
void sip_tx_key_from_request(const SipMsg *req, SipTxKey *key);
/* Recomputes the hashes after a field changed. */
void sip_tx_key_rehash(SipTxKey *key);
void sip_tx_key_rebase(SipTxKey *key, const char *from, const char *to);
gboolean sip_slice_same(SipSlice a, SipSlice b);
/* Equal ignoring LWS and ASCII case. */
gboolean sip_slice_equal_no_lws(SipSlice a, SipSlice b);

G_END_DECLS
