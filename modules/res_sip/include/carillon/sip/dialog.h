/* Carillon - res_sip dialogs (RFC 3261 section 12).
 *
 * A SipDialog holds the state RFC 3261 12 names: Call-ID, local and
 * remote tags, local and remote CSeq, local and remote URIs, the remote
 * target (from Contact) and the route set (from Record-Route), and the
 * secure flag; plus what res_sip needs to send in it: our Contact and
 * where requests go when the route set is empty (see `flow`).
 *
 * The functions are in the "sip" API (carillon/sip/api.h): creating a
 * UAS dialog from a request or a UAC dialog for one we send, learning
 * from responses (12.1.2), target refresh, building and sending
 * in-dialog requests (12.2.1.1, loose and strict routing), the ACK of a
 * 2xx, and the table: a dialog registered with a handler gets every
 * in-dialog request that matches it (Call-ID, To tag = local tag, From
 * tag = remote tag), after res_sip has checked its CSeq (12.2.2: 500
 * when out of order).
 *
 * Fields are read freely by the dialog's owner; the ones marked "set by
 * the owner" are written by it; res_sip maintains the rest.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/sip/msg.h>

G_BEGIN_DECLS

typedef enum {
    SIP_DIALOG_EARLY,           /* created by a provisional response */
    SIP_DIALOG_CONFIRMED,       /* 2xx sent or received */
    SIP_DIALOG_TERMINATED,
} SipDialogState;

/* Where a request goes: a host (IP literal, or DNS name looked up
 * asynchronously; IPv6 with or without brackets) and port. */
typedef struct {
    SipTransport transport;     /* UDP (also when OTHER) or TCP */
    const char *host;
    guint16 port;               /* 0: 5060 */
} SipTarget;

typedef struct _SipDialogPriv SipDialogPriv;

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

    /* Where in-dialog requests go: the first route when the route set is
     * not empty; else the remote target when follow_target is set (RFC
     * 3261 12.2.1.1, for a dialog with a peer that is not a registered
     * phone); else `flow`, the address the dialog was set up with: the
     * source of the INVITE, or where ours went.  A phone behind NAT is
     * reachable there and not at its Contact, as Asterisk's nat=yes
     * does.  Set by the owner (sip->dialog_set_flow). */
    gboolean follow_target;
    SipTarget flow;
    char flow_host[256];
    char *contact;              /* our Contact value "<sip:...>"; set by the owner */

    gpointer owner;             /* the owner's data */
    SipDialogPriv *priv;        /* res_sip's own */
} SipDialog;

/* What a dialog is made of, to save and restore it (dialog_restore). */
typedef struct {
    gboolean is_uas;
    const char *call_id, *local_tag, *remote_tag;
    const char *local_uri, *remote_uri, *remote_target;
    const char *const *route_set;   /* NULL-terminated, or NULL */
    guint32 local_cseq, remote_cseq;
    const char *contact;            /* ours */
    SipTransport flow_transport;
    const char *flow_host;          /* NULL: no flow */
    guint16 flow_port;
} SipDialogSnapshot;

G_END_DECLS
