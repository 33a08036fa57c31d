/* Carillon - the SIP stack's API ("sip"), provided by res_sip.
 *
 * res_sip is the SIP stack: transports, transactions, the core UAS
 * checks (RFC 3261 8.2), dialogs, endpoints with digest authentication
 * and source blocking, the resolver and its timers.  Modules build SIP
 * features on it (chan_sip for calls, res_registrar, res_sip_pubsub,
 * modules written outside the tree) through this struct:
 *
 *     static const SipApi *sip;
 *
 *     static gboolean
 *     load(PbxModule *self, GError **error)
 *     {
 *         sip = sip_api_get(self, error);     // checks SIP_API_VERSION
 *         if (!sip)
 *             return FALSE;
 *         return sip->register_handler(self, "MESSAGE", on_message, NULL, error);
 *     }
 *
 *     PBX_MODULE_DEFINE("res_sip_message", "SIP MESSAGE",
 *                       .requires = PBX_REQUIRES("res_sip"), .load = load);
 *
 * Fetching the API records the consumer as a dependent of res_sip, so
 * res_sip is never unloaded under it.  The message types and functions
 * (SipMsg, SipSlice, sip_msg_get_header(), SDP, SipAddr) are not in the
 * struct: they are the stateless message layer, libcarillon-sipmsg
 * (carillon/sip/msg.h, sdp.h, addr.h), which consumers link directly.
 *
 * Ownership: everything registered through this API names its owner
 * module and is removed when that module unloads: request handlers and
 * supported option-tags are dropped, registered dialogs leave the table,
 * client transactions of the owner stop calling back (their destroy
 * notify runs), and server transactions the owner took but never
 * answered get a 503.
 *
 * Thread affinity: every function runs on the main context only, and
 * asserts it (random_token excepted); every callback is called there.
 */
#pragma once

#include <gio/gio.h>
#include <carillon/carillon.h>
#include <carillon/sip/msg.h>
#include <carillon/sip/addr.h>
#include <carillon/sip/dialog.h>
#include <carillon/sip/endpoint.h>

G_BEGIN_DECLS

#define SIP_API_NAME "sip"
/* The Reason of a CANCEL to a branch another one (or a pickup) answered,
 * as Asterisk/pjsip send it: phones then log no missed call. */
#define SIP_REASON_ELSEWHERE "SIP;cause=200;text=\"Call completed elsewhere\""
/* Bumped whenever this header, dialog.h, endpoint.h or the message
 * layer's types (msg.h, sdp.h, addr.h: modules embed them) change in a
 * way a module built against the old ones would misuse.  Functions the
 * message library loses or changes also bump its SONAME
 * (libcarillon-sipmsg.so.1). */
#define SIP_API_VERSION 4u

typedef struct _SipServerTx SipServerTx;
typedef struct _SipClientTx SipClientTx;

/* sip.conf [general] values other modules use.  Valid until the next
 * reload: read them where they are used, never keep the pointer. */
typedef struct {
    guint t1, t2, t4;           /* RFC 3261 timers, ms */
    const char *user_agent;     /* User-Agent / Server value; "" = none */
    const char *realm;          /* digest realm and our domain */
    guint session_expires;      /* RFC 4028 interval to ask for, s */
    guint min_se;               /* smallest interval accepted (422 below), s */
} SipSettings;

/* A response for respond().  Only code is required. */
typedef struct {
    guint code;                 /* 100..699 */
    const char *reason;         /* NULL: the default phrase */
    const char *to_tag;         /* NULL: the transaction's own tag */
    const char *headers;        /* extra whole "Name: value\r\n" lines, or NULL */
    const char *content_type;   /* with a body */
    const char *body;
    gsize body_len;
} SipResponse;

/* An in-dialog request for dialog_send() / dialog_send_ack(). */
typedef struct {
    const char *method;
    guint32 cseq;               /* 0: the dialog's next local CSeq */
    const char *headers;        /* extra whole "Name: value\r\n" lines, or NULL */
    const char *content_type;   /* with a body */
    const char *body;
    gsize body_len;
} SipRequest;

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
     * had been sent: res_sip answered 200 to the CANCEL and 487 to the
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
 * transaction layer, the core checks (RFC 3261 8.2.1-8.2.3) and the
 * dialog handler of a matching dialog (which comes first).  Returns
 * TRUE when it takes the request: it must then answer tx, now or later
 * (take a reference with server_tx_ref to answer later).  FALSE passes
 * the request to the next handler, then to res_sip's default answer
 * (OPTIONS 200, in-dialog 481, INVITE 480, else 404).  req and peer are
 * valid during the call only (server_tx_get_request gives the request
 * later).  For "ACK" handlers (ACKs to 2xx, which have no transaction)
 * tx is NULL and the return value is ignored. */
typedef gboolean (*SipRequestHandler)(SipServerTx *tx, const SipMsg *req,
                                      const SipPeerInfo *peer, gpointer data);

/* A registered dialog's handler: every request that matches the dialog,
 * its CSeq already checked.  Same contract as SipRequestHandler (ACK:
 * tx NULL); FALSE passes the request on to the method handlers. */
typedef gboolean (*SipDialogHandler)(SipDialog *dialog, SipServerTx *tx, const SipMsg *req,
                                     const SipPeerInfo *peer, gpointer data);

/* Called for every provisional response, the final response, and (for
 * INVITE) each further 2xx within 64*T1 (RFC 6026).  resp is NULL for
 * the locally generated 408 (timer B/F expired), 503 (transport error,
 * RFC 3261 8.1.3.1) and 502 (the target's host does not resolve); resp
 * is valid during the call only.  After a final response the
 * transaction may call again only with further 2xx. */
typedef void (*SipResponseFunc)(SipClientTx *tx, const SipMsg *resp, guint code,
                                gpointer data);

/* The end of a lookup: addr NULL when host does not resolve to an
 * address a bound transport can reach (error says why). */
typedef void (*SipResolveFunc)(const SipAddr *addr, const char *error, gpointer data);

/* The end of an RFC 3263 lookup: every address (with its port) in the
 * order to try them, n 0 when none (error says why). */
typedef void (*SipResolveAllFunc)(const SipAddr *addrs, guint n, const char *error,
                                  gpointer data);

/* A 2xx's ACK could not be sent (its next hop does not resolve). */
typedef void (*SipAckFailedFunc)(SipDialog *dialog, const char *error, gpointer data);

typedef struct {
    guint version;              /* SIP_API_VERSION */

    const SipSettings *(*settings)(void);

    /* ---- request handlers ---- */
    /* method: "REGISTER", "INVITE", an extension method, or "ACK". */
    gboolean (*register_handler)(PbxModule *owner, const char *method,
                                 SipRequestHandler fn, gpointer data, GError **error);
    void (*unregister_handler)(PbxModule *owner, const char *method,
                               SipRequestHandler fn);
    /* Adds an option-tag to Supported and to what Require may ask for. */
    void (*add_supported)(PbxModule *owner, const char *option_tag);
    /* Lists a method in Allow that the module handles only in its
     * dialogs (a request of it outside a known dialog then gets 481, not
     * 405). */
    void (*add_allowed)(PbxModule *owner, const char *method);
    /* The Allow value ("INVITE, ACK, ..."), for a module's own responses;
     * borrowed until the next registration. */
    const char *(*allow)(void);

    /* ---- server transactions ---- */
    /* Sends a response; 1xx may repeat, one final response ends the
     * TU's part, except that an INVITE's 2xx may be sent again (the TU
     * retransmits it until the ACK, RFC 6026 Accepted state).  FALSE
     * when a final response was already sent or the transaction is
     * gone. */
    gboolean (*respond)(SipServerTx *tx, const SipResponse *resp);
    SipServerTx *(*server_tx_ref)(SipServerTx *tx);
    void (*server_tx_unref)(SipServerTx *tx);
    void (*server_tx_set_notify)(SipServerTx *tx, SipServerTxFunc fn, gpointer data);
    /* The To tag the transaction puts in responses. */
    const char *(*server_tx_get_to_tag)(SipServerTx *tx);

    /* ---- client transactions ---- */
    /* request: a whole request (request line, headers, blank line, body,
     * with Content-Length) WITHOUT our Via: the transaction adds the top
     * Via with a fresh branch and rport.  A DNS name in target->host is
     * looked up first (A/AAAA).  Returns a borrowed pointer valid until
     * the final callback (ref it to keep it longer), or NULL with error
     * set when the request does not parse or no transport fits; destroy
     * is then not called (data stays the caller's). */
    SipClientTx *(*send_request)(PbxModule *owner, const SipTarget *target,
                                 const char *request, gsize len,
                                 SipResponseFunc fn, gpointer data,
                                 GDestroyNotify destroy, GError **error);
    /* CANCEL an INVITE client transaction (RFC 3261 9.1): sent once a
     * provisional response has arrived. */
    gboolean (*cancel)(SipClientTx *tx);
    /* The same with a Reason header (RFC 3326), e.g. SIP_REASON_ELSEWHERE
     * for the branches that lost to an answer or a pickup. */
    gboolean (*cancel_with_reason)(SipClientTx *tx, const char *reason);

    /* ---- dialogs (carillon/sip/dialog.h) ---- */
    /* A UAS dialog from a dialog-creating request (12.1.1); local_tag is
     * our To tag.  flow is set to where req came from, contact to our
     * address towards it. */
    SipDialog *(*dialog_new_uas)(const SipMsg *req, const SipPeerInfo *peer,
                                 const char *local_tag);
    /* A UAC dialog as our request creates it (nothing learned yet);
     * local_cseq is the CSeq of the dialog-creating request. */
    SipDialog *(*dialog_new_uac)(const char *call_id, const char *local_tag,
                                 const char *local_uri, const char *remote_uri,
                                 guint32 local_cseq);
    /* The dialog another branch of the same request makes (forking,
     * RFC 3261 12.1.2): a copy with the remote tag, route set and remote
     * target forgotten, ready for dialog_uac_update.  Not registered. */
    SipDialog *(*dialog_fork)(const SipDialog *dialog);
    /* A dialog as it was, from its saved fields (a restart):
     * registered by the caller as usual. */
    SipDialog *(*dialog_restore)(const SipDialogSnapshot *snapshot);
    /* Unregisters the dialog if needed; NULL is ignored. */
    void (*dialog_free)(SipDialog *dialog);
    /* A UAC dialog learns from a response (12.1.2): remote tag, route
     * set (until confirmed), remote target, state.  FALSE when the
     * response has no To tag or another one than already learned. */
    gboolean (*dialog_uac_update)(SipDialog *dialog, const SipMsg *resp);
    /* Target refresh (12.2.2): a re-INVITE, UPDATE or their 2xx with a
     * Contact replaces the remote target. */
    void (*dialog_refresh_target)(SipDialog *dialog, const SipMsg *msg);
    void (*dialog_set_flow)(SipDialog *dialog, SipTransport transport, const char *host,
                            guint16 port);
    /* CONFIRMED once a UAS sent its 2xx; TERMINATED at the end. */
    void (*dialog_set_state)(SipDialog *dialog, SipDialogState state);
    /* Puts the dialog in the table: matching requests go to fn first.
     * Registering again (after the remote tag was learned) re-keys it. */
    void (*dialog_register)(PbxModule *owner, SipDialog *dialog, SipDialogHandler fn,
                            gpointer data);
    void (*dialog_unregister)(SipDialog *dialog);
    /* A registered dialog by its identifiers (Replaces, RFC 3891). */
    SipDialog *(*dialog_find)(const char *call_id, const char *local_tag,
                              const char *remote_tag);
    /* Sends an in-dialog request: the request line and dialog headers
     * (12.2.1.1), the dialog's Contact, User-Agent, request->headers and
     * the body, to the dialog's next hop.  As send_request otherwise. */
    SipClientTx *(*dialog_send)(PbxModule *owner, SipDialog *dialog,
                                const SipRequest *request, SipResponseFunc fn,
                                gpointer data, GDestroyNotify destroy, GError **error);
    /* The ACK of a 2xx (13.2.2.4), outside any transaction, to the
     * dialog's next hop once its address is known; request->method is
     * ignored and request->cseq must be the INVITE's.  failed (may be
     * NULL) runs when the next hop does not resolve; a lookup still
     * under way when the dialog is freed is dropped. */
    void (*dialog_send_ack)(SipDialog *dialog, const SipRequest *request,
                            SipAckFailedFunc failed, gpointer data);

    /* ---- endpoints and authentication (endpoints.conf, sip.conf [auth]) ---- */
    /* Borrowed; NULL when unknown.  Take a ref to keep it past a reload. */
    SipEndpoint *(*endpoint_lookup)(const char *name);
    const GPtrArray *(*endpoint_list)(void);    /* SipEndpoint*, file order */
    SipEndpoint *(*endpoint_ref)(SipEndpoint *endpoint);
    void (*endpoint_unref)(SipEndpoint *endpoint);
    /* Digest-checks tx's request (Authorization, or Proxy-Authorization
     * when proxy).  TRUE with *endpoint set (a new ref); FALSE when
     * res_sip has answered tx itself (401/407 challenge, 400), or the
     * source is blocked after too many failures. */
    gboolean (*authenticate)(SipServerTx *tx, const SipPeerInfo *peer, gboolean proxy,
                             SipEndpoint **endpoint);

    /* ---- addresses ---- */
    /* Looks host up (A/AAAA; an IP literal at once) and calls fn once,
     * from the main context, never from inside this call.  Answers are
     * cached for a minute.  When cancellable is cancelled first, fn still
     * runs, with addr NULL; when owner unloads first, fn is not called
     * (data is the owner's to free in its own unload). */
    void (*resolve)(PbxModule *owner, const char *host, guint16 port,
                    SipTransport transport, GCancellable *cancellable,
                    SipResolveFunc fn, gpointer data);
    /* Our address for Contact, Via and SDP when talking to remote_ip (a
     * literal) over transport: the bound IP of the listener that would be
     * used, or the local address the kernel routes from; ip gets no
     * brackets (size >= SIP_ADDR_STRLEN).  FALSE when no listener of the
     * transport and family is bound. */
    gboolean (*local_address)(SipTransport transport, const char *remote_ip, char *ip,
                              gsize size, guint16 *port);
    /* Our Contact value towards remote_ip over transport, made of
     * local_address: "<sip:carillon@ip:port>" (";transport=tcp" over
     * TCP).  A new string. */
    char *(*contact_for)(SipTransport transport, const char *remote_ip);
    /* TRUE when one of req's Vias names one of our transports: a request
     * we sent came back to us (a B2BUA's 482 Loop Detected, as RFC 3261
     * 16.3 item 4 has proxies do).  peer is where req came from. */
    gboolean (*request_is_looped)(const SipMsg *req, const SipPeerInfo *peer);
    /* Random token of 16 hex digits (tags, Call-ID parts).  size >= 17.
     * The one entry that may be called from any thread. */
    void (*random_token)(char *buf, gsize size);

    /* ---- trunks (carillon/sip/trunk.h) ---- */
    /* The trunk whose `match` holds ip and port (first in file order),
     * borrowed; NULL when none.  Calls from it are the trunk's, without
     * digest. */
    SipEndpoint *(*trunk_for_source)(const char *ip, guint16 port);
    /* Answers the 401/407 resp to our request method/uri with user and
     * password: the whole "Authorization: Digest ...\r\n" line (or
     * Proxy-Authorization), a new string; the strongest algorithm
     * offered wins (SHA-256 before MD5).  NULL with error when resp has
     * no Digest challenge we can answer. */
    char *(*digest_answer)(const SipMsg *resp, const char *method, const char *uri,
                           const char *user, const char *password, GError **error);
    /* RFC 3263 (NAPTR, SRV by priority and weight, A/AAAA) for a server
     * such as a trunk's host: port 0 means "from SRV" (then 5060); the
     * addresses a bound transport can reach, in the order to fail over
     * through.  Queries go to sip.conf dns_servers (default: the
     * system's).  fn runs once, from the main context, never from inside
     * this call; as resolve for cancellable and owner. */
    void (*resolve_all)(PbxModule *owner, const char *host, guint16 port,
                        SipTransport transport, GCancellable *cancellable,
                        SipResolveAllFunc fn, gpointer data);

    /* ---- calls nobody authenticated (endpoints.conf type = anonymous) ---- */
    /* The anonymous endpoint (borrowed) when req, an out-of-dialog
     * request from peer, may come in without digest: it carries no
     * Authorization/Proxy-Authorization, its Request-URI user is one of
     * the endpoint's `extensions`, peer's transport is in its
     * `transports`, and the dialplan marks its context public
     * (pbx_dialplan_context_is_public).  NULL otherwise (and always when
     * there is no anonymous endpoint, the default): authenticate as
     * usual.  Decided on the Request-URI alone, so it tells nobody
     * which users exist. */
    SipEndpoint *(*anonymous_for)(const SipMsg *req, const SipPeerInfo *peer);
} SipApi;

/* Fetches the API for `self` (recording the dependency on res_sip),
 * refusing a res_sip of another SIP_API_VERSION. */
#define sip_api_get(self, error) \
    ((const SipApi *) pbx_module_get_api_version((self), SIP_API_NAME, SIP_API_VERSION, (error)))

G_END_DECLS
