/* Carillon - chan_sip dialogs (RFC 3261 section 12).
 *
 * A SipDialog holds the state RFC 3261 12 names: Call-ID, local and
 * remote tags, local and remote CSeq, local and remote URIs, the remote
 * target (from Contact) and the route set (from Record-Route), and the
 * secure flag.  It knows how to build in-dialog requests (12.2.1.1,
 * loose and strict routing), where they go (the first route or the
 * remote target), and checks incoming in-dialog requests (12.2.2: CSeq
 * order, target refresh).
 *
 * Dialogs that chan_sip's call handling owns sit in one table keyed by
 * Call-ID + local tag + remote tag; an in-dialog request (To tag present)
 * is matched with sip_dialogs_find_request(): To tag = local tag, From
 * tag = remote tag.  The table does not own dialogs: the owner adds and
 * removes them.
 *
 * Everything here is plain data over parsed messages (no network), so it
 * is unit-tested directly.  Thread affinity: main context only.
 */
#pragma once

#include <glib.h>
#include "sip_msg.h"

G_BEGIN_DECLS

typedef enum {
    SIP_DIALOG_EARLY,           /* created by a provisional response */
    SIP_DIALOG_CONFIRMED,       /* 2xx sent or received */
    SIP_DIALOG_TERMINATED,
} SipDialogState;

typedef struct {
    gboolean is_uas;
    SipDialogState state;
    char *call_id;
    char *local_tag;
    char *remote_tag;           /* NULL until the UAC learns it */
    char *local_uri;            /* From (UAC) / To (UAS) URI, no tag */
    char *remote_uri;
    char *remote_display;       /* display name of the remote URI, or NULL */
    guint32 local_cseq;         /* last CSeq we used */
    guint32 remote_cseq;        /* last CSeq received */
    gboolean remote_cseq_set;   /* remote_cseq is meaningful */
    char *remote_target;        /* URI from the Contact */
    GPtrArray *route_set;       /* char *, route URIs in the order used */
    gboolean secure;            /* sips Request-URI over TLS (12.1.1) */
    gpointer owner;             /* the call handling's data */
} SipDialog;

/* A UAS dialog from a dialog-creating request (12.1.1): remote tag =
 * From tag, Call-ID, remote CSeq = the request's, remote target = its
 * Contact, route set = its Record-Route values in order; local_tag is our
 * To tag.  NULL when the request has no From tag... no: a request without
 * From tag (RFC 2543) gets a NULL remote tag.  Never NULL. */
SipDialog *sip_dialog_new_uas(const SipMsg *req, const char *local_tag, gboolean secure);

/* A UAC dialog as our request creates it: nothing learned from the peer
 * yet (remote tag NULL, route set empty, remote target = remote_uri).
 * local_cseq is the CSeq of the dialog-creating request. */
SipDialog *sip_dialog_new_uac(const char *call_id, const char *local_tag,
                              const char *local_uri, const char *remote_uri,
                              guint32 local_cseq);

/* A copy (forking: one dialog per remote tag). */
SipDialog *sip_dialog_copy(const SipDialog *d);

void sip_dialog_free(SipDialog *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipDialog, sip_dialog_free)

/* A UAC dialog learns from a response to its dialog-creating request
 * (12.1.2): remote tag from To, route set from Record-Route in reverse
 * order, remote target from Contact; state EARLY for 101-199, CONFIRMED
 * for 2xx.  The route set is only taken while the dialog is not
 * CONFIRMED (it is fixed from then on, 12.2.1.2); the remote target is
 * refreshed by every 1xx/2xx with a Contact (only by a 2xx once
 * confirmed).  FALSE when the response
 * has no To tag (no dialog) or a different To tag than the one already
 * learned. */
gboolean sip_dialog_uac_update(SipDialog *d, const SipMsg *resp);

/* Checks an incoming in-dialog request against the remote CSeq (12.2.2):
 * FALSE when its CSeq is lower than (or, other than for ACK and CANCEL,
 * equal to) the last one, which gets a 500.  Otherwise records it.  ACK
 * and CANCEL carry the CSeq of their INVITE and never update. */
gboolean sip_dialog_check_cseq(SipDialog *d, const SipMsg *req);

/* Target refresh (12.2.2): a re-INVITE or UPDATE (or a 2xx to ours)
 * with a Contact replaces the remote target. */
void sip_dialog_refresh_target(SipDialog *d, const SipMsg *msg);

/* The next local CSeq (local_cseq + 1, stored). */
guint32 sip_dialog_next_cseq(SipDialog *d);

/* Appends an in-dialog request's start line and the dialog headers
 * (12.2.1.1): Request-URI and Route per the route set (loose routing
 * when the first route has lr, else strict: the first route becomes the
 * Request-URI and the remote target the last Route), Max-Forwards: 70,
 * From, To, Call-ID, CSeq (cseq with method; 0: the next CSeq).  The
 * caller adds Contact, other headers, Content-Length and the body. */
void sip_dialog_build_request(SipDialog *d, const char *method, guint32 cseq,
                              GString *out);

/* Where an in-dialog request goes: the first route when there is one,
 * else the remote target (host as written, IPv6 with brackets; port 0 =
 * default; transport from ;transport=).  FALSE when the URI does not
 * parse.  host is written to buf (size >= 256). */
gboolean sip_dialog_next_hop(const SipDialog *d, char *host, gsize size,
                             guint16 *port, SipTransport *transport);

/* ---- the table ---- */

void sip_dialogs_add(SipDialog *d);
void sip_dialogs_remove(SipDialog *d);
SipDialog *sip_dialogs_find(const char *call_id, const char *local_tag,
                            const char *remote_tag);
/* The dialog an in-dialog request (To tag present) belongs to, or NULL
 * (the request then gets a 481). */
SipDialog *sip_dialogs_find_request(const SipMsg *req);
guint sip_dialogs_count(void);
/* Empties the table (module unload); dialogs are not freed. */
void sip_dialogs_shutdown(void);

G_END_DECLS
