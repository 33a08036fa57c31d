/* Carillon - res_sip's dialog layer (RFC 3261 section 12); the public
 * side is carillon/sip/dialog.h and the dialog_* entries of the API.
 *
 *   dialog.c       the data of a dialog: creation from a request or for
 *                  our own, learning from responses, CSeq checks, target
 *                  refresh, building in-dialog requests, the next hop;
 *   dialog_table.c registered dialogs and the dispatch of in-dialog
 *                  requests to their handlers;
 *   dialog_send.c  sending in a dialog, and the ACK of a 2xx.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/sip/api.h>

G_BEGIN_DECLS

/* res_sip's part of a SipDialog. */
struct _SipDialogPriv {
    PbxModule *owner;           /* registered: the owner and its handler */
    SipDialogHandler fn;
    gpointer data;
    char *key;                  /* the table key it is filed under, or NULL */
    GSList *acks;               /* ACKs under way (dialog_send.c) */
    gboolean limit_counted;     /* opened by the peer at limit_src (sip_limits.h) */
    SipAddr limit_src;
};

/* ---- dialog.c ---- */

/* A UAS dialog from a dialog-creating request (12.1.1): remote tag =
 * From tag (NULL for an RFC 2543 request without one), Call-ID, remote
 * CSeq = the request's, remote target = its Contact, route set = its
 * Record-Route values in order; local_tag is our To tag. */
SipDialog *sip_dialog_new_uas(const SipMsg *req, const char *local_tag, gboolean secure);
/* A UAC dialog as our request creates it: nothing learned from the peer
 * yet (remote tag NULL, route set empty, remote target = remote_uri). */
SipDialog *sip_dialog_new_uac(const char *call_id, const char *local_tag,
                              const char *local_uri, const char *remote_uri,
                              guint32 local_cseq);
SipDialog *sip_dialog_copy(const SipDialog *d);
/* See SipApi.dialog_fork and dialog_restore. */
SipDialog *sip_dialog_fork(const SipDialog *d);
SipDialog *sip_dialog_restore(const SipDialogSnapshot *snapshot);
void sip_dialog_free(SipDialog *d);
/* Counts d among the dialogs the peer at ip opened, until it is freed. */
void sip_dialog_count_source(SipDialog *d, const char *ip, guint16 port);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipDialog, sip_dialog_free)

/* See SipApi.dialog_uac_update. */
gboolean sip_dialog_uac_update(SipDialog *d, const SipMsg *resp);
/* Checks an incoming in-dialog request against the remote CSeq (12.2.2):
 * FALSE when its CSeq is lower than (or, other than for ACK and CANCEL,
 * equal to) the last one, which gets a 500.  Otherwise records it. */
gboolean sip_dialog_check_cseq(SipDialog *d, const SipMsg *req);
void sip_dialog_refresh_target(SipDialog *d, const SipMsg *msg);
guint32 sip_dialog_next_cseq(SipDialog *d);
void sip_dialog_set_flow(SipDialog *d, SipTransport transport, const char *host,
                         guint16 port);
/* Appends an in-dialog request's start line and the dialog headers
 * (12.2.1.1): Request-URI and Route per the route set (loose routing
 * when the first route has lr, else strict), Max-Forwards: 70, From, To,
 * Call-ID, CSeq (cseq with method; 0: the next CSeq).  The caller adds
 * Contact, other headers, Content-Length and the body. */
void sip_dialog_build_request(SipDialog *d, const char *method, guint32 cseq,
                              GString *out);
/* Where an in-dialog request goes (see SipDialog): host written to buf
 * (size >= 256).  FALSE when the URI to use does not parse. */
gboolean sip_dialog_next_hop(const SipDialog *d, SipTarget *out, char *buf, gsize size);

/* ---- dialog_table.c ---- */

void sip_dialogs_register(PbxModule *owner, SipDialog *d, SipDialogHandler fn,
                          gpointer data);
void sip_dialogs_unregister(SipDialog *d);
SipDialog *sip_dialogs_find(const char *call_id, const char *local_tag,
                            const char *remote_tag);
/* The registered dialog an in-dialog request (To tag present) belongs
 * to, or NULL. */
SipDialog *sip_dialogs_find_request(const SipMsg *req);
/* Offers req to its dialog's handler after the CSeq check (500 when out
 * of order).  TRUE when the request was answered or taken. */
gboolean sip_dialogs_dispatch(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer);
guint sip_dialogs_count(void);
/* Unregisters every dialog of owner (owner unloading). */
void sip_dialogs_owner_gone(PbxModule *owner);
/* Empties the table (module unload); dialogs are not freed. */
void sip_dialogs_shutdown(void);

/* ---- dialog_send.c ---- */

SipClientTx *sip_dialog_send(PbxModule *owner, SipDialog *d, const SipRequest *request,
                             SipResponseFunc fn, gpointer data, GDestroyNotify destroy,
                             GError **error);
void sip_dialog_send_ack(SipDialog *d, const SipRequest *request, SipAckFailedFunc failed,
                         gpointer data);
/* The dialog is being freed: its ACKs still go out, but report nothing. */
void sip_dialog_forget_acks(SipDialog *d);

G_END_DECLS
