/* Carillon - the chan_sip inter-module API ("sip").
 *
 * Other modules (res_registrar, the dialplan's call handling, ...) fetch
 * it with
 *
 *     const SipApi *sip = pbx_module_get_api(self, SIP_API_NAME, error);
 *
 * and include this header as "../chan_sip/sip_api.h".  The message types
 * (SipMsg, SipSlice, SipHeaderId, ...) come from sip_msg.h; since chan_sip
 * exports no symbols, the message-layer functions a consumer needs are
 * reached through the function pointers at the end of SipApi.
 *
 * Ownership: everything registered through this API names its owner
 * module and is removed when that module unloads: request handlers and
 * supported option-tags are dropped, client transactions of the owner stop
 * calling back (their destroy notify runs), and server transactions the
 * owner took but never answered get a 503.
 *
 * Thread affinity: every function runs on the main context only.
 */
#pragma once

#include <carillon/carillon.h>
#include "sip_msg.h"
#include "endpoint.h"

G_BEGIN_DECLS

#define SIP_API_NAME "sip"
#define SIP_API_VERSION 1u

typedef struct _SipServerTx SipServerTx;
typedef struct _SipClientTx SipClientTx;

/* A response for SipApi.respond().  Only code is required. */
typedef struct {
    guint code;                 /* 100..699 */
    const char *reason;         /* NULL: the default phrase */
    const char *to_tag;         /* NULL: the transaction's own tag */
    const char *headers;        /* extra whole "Name: value\r\n" lines, or NULL */
    const char *content_type;   /* with a body */
    const char *body;
    gsize body_len;
} SipResponse;

/* Where a request came from and on which of our transports. */
typedef struct {
    SipTransport transport;     /* SIP_TRANSPORT_UDP, SIP_TRANSPORT_TCP */
    char remote_ip[48];         /* no brackets */
    guint16 remote_port;
    char local_ip[48];          /* as bound (may be 0.0.0.0 / ::) */
    guint16 local_port;
    const char *listener;       /* sip.conf transport section */
} SipPeerInfo;

typedef enum {
    /* A CANCEL matched this INVITE transaction while no final response
     * had been sent: chan_sip answered 200 to the CANCEL and 487 to the
     * INVITE, then tells the TU to drop its call state. */
    SIP_TX_EVENT_CANCELLED,
    /* Timer H: our non-2xx final response to an INVITE was never
     * acknowledged. */
    SIP_TX_EVENT_NO_ACK,
    /* A response could not be sent (RFC 3261 17.2.4). */
    SIP_TX_EVENT_TRANSPORT_ERROR,
    /* Last event: the transaction left the tables. */
    SIP_TX_EVENT_TERMINATED,
} SipTxEvent;

typedef void (*SipServerTxFunc)(SipServerTx *tx, SipTxEvent event, gpointer data);

/* Called for each request of the method registered for, after the
 * transaction layer and the core checks (RFC 3261 8.2.1-8.2.3).  Returns
 * TRUE when it takes the request: it must then answer tx, now or later
 * (take a reference with server_tx_ref to answer later).  FALSE passes
 * the request to the next handler, then to chan_sip's default answer.
 * req and peer are valid during the call only (server_tx_get_request
 * gives the request later).  For "ACK" handlers (ACKs to 2xx, which have
 * no transaction) tx is NULL and the return value is ignored. */
typedef gboolean (*SipRequestHandler)(SipServerTx *tx, const SipMsg *req,
                                      const SipPeerInfo *peer, gpointer data);

/* Where to send a request. */
typedef struct {
    SipTransport transport;     /* UDP (also when OTHER) or TCP */
    const char *host;           /* IP literal or DNS name (A/AAAA, resolved
                                 * asynchronously; no NAPTR/SRV yet) */
    guint16 port;               /* 0: 5060 */
} SipTarget;

/* Called for every provisional response, the final response, and (for
 * INVITE) each further 2xx within 64*T1 (RFC 6026).  resp is NULL for
 * the locally generated 408 (timer B/F expired) and 503 (transport error,
 * RFC 3261 8.1.3.1); resp is valid during the call only.  After a final
 * response the transaction may call again only with further 2xx. */
typedef void (*SipResponseFunc)(SipClientTx *tx, const SipMsg *resp, guint code,
                                gpointer data);

typedef struct {
    guint version;              /* SIP_API_VERSION */

    /* ---- request handlers ---- */
    /* method: "REGISTER", "INVITE", an extension method, or "ACK". */
    gboolean (*register_handler)(PbxModule *owner, const char *method,
                                 SipRequestHandler fn, gpointer data, GError **error);
    void (*unregister_handler)(PbxModule *owner, const char *method,
                               SipRequestHandler fn);
    /* Adds an option-tag to Supported and to what Require may ask for. */
    void (*add_supported)(PbxModule *owner, const char *option_tag);

    /* ---- server transactions ---- */
    /* Sends a response; 1xx may repeat, one final response ends the
     * TU's part.  FALSE when a final response was already sent or the
     * transaction is gone. */
    gboolean (*respond)(SipServerTx *tx, const SipResponse *resp);
    SipServerTx *(*server_tx_ref)(SipServerTx *tx);
    void (*server_tx_unref)(SipServerTx *tx);
    void (*server_tx_set_notify)(SipServerTx *tx, SipServerTxFunc fn, gpointer data);
    /* The request (parsed from the transaction's own copy). */
    const SipMsg *(*server_tx_get_request)(SipServerTx *tx);
    void (*server_tx_get_peer)(SipServerTx *tx, SipPeerInfo *out);
    /* The To tag the transaction puts in responses. */
    const char *(*server_tx_get_to_tag)(SipServerTx *tx);

    /* ---- client transactions ---- */
    /* request: a whole request (request line, headers, blank line, body,
     * with Content-Length) WITHOUT our Via: the transaction adds the top
     * Via with a fresh branch and rport.  Returns a borrowed pointer
     * valid until the final callback (ref it to keep it longer), or NULL
     * with error set when the request does not parse or no transport
     * fits the target. */
    SipClientTx *(*send_request)(PbxModule *owner, const SipTarget *target,
                                 const char *request, gsize len,
                                 SipResponseFunc fn, gpointer data,
                                 GDestroyNotify destroy, GError **error);
    /* CANCEL an INVITE client transaction (RFC 3261 9.1): sent once a
     * provisional response has arrived. */
    gboolean (*cancel)(SipClientTx *tx);
    SipClientTx *(*client_tx_ref)(SipClientTx *tx);
    void (*client_tx_unref)(SipClientTx *tx);

    /* ---- endpoints and authentication (endpoints.conf, sip.conf [auth]) ---- */
    /* Borrowed; NULL when unknown.  Take a ref to keep it past a reload. */
    SipEndpoint *(*endpoint_lookup)(const char *name);
    const GPtrArray *(*endpoint_list)(void);    /* SipEndpoint*, file order */
    const char *(*realm)(void);
    /* Digest-checks tx's request (Authorization, or Proxy-Authorization
     * when proxy).  TRUE with *endpoint set (a new ref); FALSE when
     * chan_sip has answered tx itself (401/407 challenge, 400). */
    gboolean (*authenticate)(SipServerTx *tx, const SipPeerInfo *peer, gboolean proxy,
                             SipEndpoint **endpoint);

    /* ---- helpers ---- */
    /* Random token of 16 hex digits (tags, Call-ID parts).  size >= 17. */
    void (*random_token)(char *buf, gsize size);
    /* sip.conf user_agent ("" when disabled). */
    const char *(*user_agent)(void);

    /* ---- the message layer (see sip_msg.h) ---- */
    const SipHeader *(*msg_get_header)(const SipMsg *msg, SipHeaderId id, guint index);
    const SipHeader *(*msg_find_header)(const SipMsg *msg, const char *name, guint index);
    guint (*msg_count_headers)(const SipMsg *msg, SipHeaderId id);
    gboolean (*msg_has_token)(const SipMsg *msg, SipHeaderId id, const char *token);
    gboolean (*msg_find_body)(const SipMsg *msg, const char *type, const char *subtype,
                              SipSlice *body);
    gboolean (*uri_parse)(SipSlice text, SipUri *uri);
    gboolean (*uri_equal)(const SipUri *a, const SipUri *b);
    gboolean (*parse_name_addr)(SipSlice value, SipNameAddr *out);
    gboolean (*parse_contact_list)(const SipMsg *msg, SipContact *out, guint max, guint *n);
    gboolean (*parse_digest)(SipSlice value, SipDigestParams *out);
    gboolean (*parse_delta_seconds)(SipSlice value, guint32 *out);
    gboolean (*params_find)(SipSlice params, const char *name, SipSlice *value);
    const char *(*slice_unfold)(SipSlice s, GString *out);
    gboolean (*unescape)(SipSlice s, GString *out);
    void (*unquote)(SipSlice s, GString *out);
} SipApi;

G_END_DECLS
