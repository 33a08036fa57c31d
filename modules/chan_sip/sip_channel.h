/* Carillon - chan_sip: the SIP channel technology, calls as channels of
 * the core call model (carillon/channel.h), built on res_sip's API.
 *
 * One SipCall is the tech private data of one PbxChannel (one call leg):
 *   - inbound (sip_channel_in.c): an out-of-dialog INVITE from an
 *     endpoint, authenticated with 407, becomes a UAS dialog, an RTP
 *     session and an inbound channel handed to the dialplan;
 *   - outbound (sip_channel_out.c): request() finds the target's
 *     contacts (registrar) and call() sends an INVITE to each of them in
 *     parallel; the first 2xx wins;
 *   - media (sip_media.c): SDP offers/answers with G.711 and
 *     telephone-event, RTP sessions from res_rtp and their relay when two
 *     legs are bridged;
 *   - sip_channel.c: the tech, the INVITE handler, the requests of a
 *     call's dialog (BYE, ACK, re-INVITE, UPDATE, PRACK) and the common
 *     end of a call;
 *   - session_timer.c: RFC 4028;
 *   - sip_dtmf.c: DTMF received as INFO, and sent in the leg's mode;
 *   - sip_refer.c: REFER (transfers) and the NOTIFYs of its progress;
 *   - sip_replaces.c: the call a Replaces names (REFER, INVITE);
 *   - module.c: the module, and the APIs it uses.
 *
 * chan_sip requires res_sip (the stack), res_rtp (media) and
 * res_registrar (where endpoints are); their APIs are fetched at load,
 * so the loader knows chan_sip depends on them.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/channel.h>
#include <carillon/timer.h>
#include <carillon/sip/api.h>
#include <carillon/sip/sdp.h>
#include <carillon/rtp.h>
#include <carillon/registrar.h>

G_BEGIN_DECLS

/* What chan_sip is built on, set up at load (module.c): the module, its
 * timer set and log domain ("sip", shared with res_sip), and the APIs of
 * the modules it requires. */
typedef struct {
    PbxModule *module;
    PbxTimers *timers;          /* every per-call timer */
    PbxLogDomain *log;
} ChanSip;

extern ChanSip chan_sip;
extern const SipApi *sip;
extern const RtpApi *rtp;
extern const RegistrarApi *registrar;

#define sip_log (chan_sip.log)

typedef struct _SipCall SipCall;
typedef struct _SipSrtp SipSrtp;
typedef struct _SipFork SipFork;
typedef struct _SipTrunkLeg SipTrunkLeg;

/* One INVITE of an outbound leg to one contact. */
struct _SipFork {
    SipCall *call;              /* its transaction holds a reference */
    SipClientTx *tx;            /* borrowed; NULL once final */
    SipDialog *dialog;          /* UAC dialog, registered when it wins */
    SipTarget target;
    char host[256];
    char *uri;                  /* Request-URI (the registered Contact) */
    guint code;                 /* final status, 0 while pending */
    gboolean winner;
    gboolean se_retry;          /* the retry after a 422 (RFC 4028 7.3) */
    guint32 rseq_acked;         /* RSeq of the last 18x we PRACKed, 0 none */
    char *auth;                 /* credentials line it carries (trunks), or NULL */
};

struct _SipCall {
    gint refs;
    PbxChannel *chan;           /* a reference while the call lives */
    gboolean outbound;
    gboolean ended;             /* signalling over, dialog out of the table */
    gboolean answered;          /* 2xx sent (inbound) or received (outbound) */
    SipEndpoint *endpoint;      /* NULL for a sip: URI target */
    SipDialog *dialog;          /* the dialog of this leg (registered) */
    GCancellable *resolving;    /* DNS lookups of the forks; cancelled at the end */
    char local_host[SIP_ADDR_STRLEN];   /* our IP for Contact, o= and c= */
    guint16 local_port;
    SipTransport transport;
    char *contact;              /* our Contact value, "<sip:carillon@...>" */

    /* media */
    RtpSession *rtp;
    guint64 sdp_id, sdp_version;
    SdpDirection local_dir;     /* what we offer/answer (hold) */
    SdpDirection remote_dir;    /* what the far end's last SDP said */
    char **codecs;              /* this leg's codecs (a dial's), NULL: the endpoint's */
    char **prefer;              /* of those, offered first: what the caller can take */
    const PbxCodec *codec;      /* negotiated, NULL until then */
    guint8 payload_type;        /* its payload type on this leg */
    guint8 te_payload_type;     /* telephone-event, 0: none */
    char *codec_fmtp;           /* the far end's fmtp for it */
    gboolean answer_sent;       /* the INVITE's offer was answered (1xx or 2xx) */
    gboolean offerless;         /* the INVITE had no SDP: we offered */
    char *remote_media_ip;      /* from the far end's SDP */
    guint16 remote_media_port;
    SdpSession *remote_sdp;     /* last offer/answer received */
    char *local_sdp;            /* last SDP we sent */
    SipCall *peer;              /* bridged leg (borrowed; cleared on unbridge) */
    SipSrtp *srtp;              /* our SDES keys (sip_srtp.c), NULL: none */
    gboolean srtp_active;       /* the media is SRTP now (DTLS: keyed or keying) */
    guint8 dtls_setup;          /* our a=setup (SdpSetup), 0: no DTLS attributes */
    gboolean dtls_mux;          /* a=rtcp-mux in our SDP */
    gboolean reinvite_pending;  /* our re-INVITE is in progress */

    /* DTMF sent as INFO (sip_dtmf.c) */
    GQueue info_queue;          /* digit << 16 | duration ms, waiting */
    gboolean info_busy;         /* an INFO is out, or its digit still plays */
    gint64 info_due;            /* monotonic us: when the next may go */
    PbxTimer info_timer;

    /* session timer (RFC 4028) */
    guint se_interval;          /* s; 0 = no session timer */
    gboolean se_we_refresh;     /* we are the refresher, else we watch */
    gboolean se_peer_timer;     /* the far end supports timer */
    PbxTimer se_timer;          /* refresh (N/2) or expiry timer */
    guint se_min;               /* Min-SE to ask for (after a 422) */

    /* inbound */
    SipServerTx *invite_tx;     /* a reference until the final response */
    gboolean acked;
    PbxTimer retx_timer;        /* 2xx retransmission (RFC 3261 13.3.1.4) */
    guint retx_ms;
    gint64 retx_deadline;
    gint max_forwards;          /* of the INVITE, for the outbound leg */
    gboolean rel_supported;     /* the INVITE had Supported: 100rel */
    gboolean rel_required;      /* the INVITE had Require: 100rel */
    guint32 rseq;               /* RSeq of the last reliable 18x */
    guint32 invite_cseq;
    guint rel_code;             /* the 18x awaiting PRACK, 0 if none */
    gboolean rel_sdp;           /* ... and it carried our SDP */
    PbxTimer rel_timer;         /* its retransmission (RFC 3262 3) */
    guint rel_ms;
    gint64 rel_deadline;
    gboolean answer_pending;    /* answered before the PRACK came */

    /* outbound */
    GPtrArray *forks;           /* SipFork *, owned by their transactions */
    SipFork *winner;
    PbxTimer timeout_timer;     /* the dial timeout */
    guint best_code;
    guint lookups;              /* forks whose host is being resolved */
    char *caller_number, *caller_name;
    char *callee;               /* the target endpoint / URI user */
    guint32 ack_cseq;           /* CSeq of the winning 2xx, for its ACK */
    SipTrunkLeg *trunk_leg;     /* a leg through a trunk (sip_trunk.h), else NULL */
};

extern const PbxChannelTech sip_channel_tech;

/* Per-call timers live in chan_sip's timer set, embedded here;
 * sip_call_end() and the last unref stop them. */
static inline void
sip_call_timer_init(PbxTimer *timer, PbxTimerFunc fn, SipCall *call)
{
    pbx_timer_init(timer, chan_sip.timers, fn, call);
}

/* ---- sip_channel.c ---- */
gboolean sip_channel_load(PbxModule *self, GError **error);
SipCall *sip_call_new(gboolean outbound);
SipCall *sip_call_ref(SipCall *call);
void sip_call_unref(SipCall *call);
/* The signalling of the call is over: dialog out of the table, timers
 * stopped, RTP stats copied to the channel and the session closed, the
 * channel reference dropped. */
void sip_call_end(SipCall *call);
/* Our IP and port for Contact and SDP when talking to ip (a literal),
 * and the Contact value made of them. */
void sip_call_set_local(SipCall *call, SipTransport transport, const char *ip);
/* "Contact: <sip:carillon@host:port>\r\n". */
void sip_call_append_contact(const SipCall *call, GString *out);
/* The leg's dialog from now on: registered with the call's handler, with
 * our Contact. */
void sip_call_take_dialog(SipCall *call, SipDialog *dialog);
/* Sends an in-dialog request (BYE, re-INVITE) with extra header lines
 * (CRLF-terminated, or NULL) and an optional SDP body. */
SipClientTx *sip_call_send_in_dialog(SipCall *call, const char *method, const char *headers,
                                     const char *sdp, SipResponseFunc fn, gpointer data,
                                     GDestroyNotify destroy);
/* BYE on the leg's dialog (no response handling). */
/* Any request in the leg's dialog; NULL (destroy(data) called, logged)
 * when it cannot be sent. */
SipClientTx *sip_call_send_request(SipCall *call, const SipRequest *request,
                                   SipResponseFunc fn, gpointer data, GDestroyNotify destroy);
void sip_channel_send_bye(SipCall *call);

/* Session timers (RFC 4028, session_timer.c) */
typedef struct {
    guint interval;             /* 0: no Session-Expires */
    int refresher;              /* 0 none, 1 uac, 2 uas */
    guint min_se;               /* Min-SE of the message, 0 if absent */
    gboolean supported;         /* Supported: timer */
} SipSessionExpires;

void sip_se_parse(const SipMsg *msg, SipSessionExpires *se);
gboolean sip_se_on_request(SipCall *call, SipServerTx *tx, const SipMsg *req);
void sip_se_append_response(const SipCall *call, GString *hdrs);
void sip_se_append_request(const SipCall *call, GString *hdrs);
void sip_se_on_uac_2xx(SipCall *call, const SipMsg *resp);
void sip_se_init(SipCall *call);
void sip_se_start(SipCall *call);
void sip_se_stop(SipCall *call);
gboolean sip_call_refresh_session(SipCall *call);

/* ---- sip_channel_in.c ---- */
gboolean sip_channel_on_invite(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer);
void sip_channel_on_ack(SipCall *call, const SipMsg *req);
void sip_channel_on_prack(SipCall *call, SipServerTx *tx, const SipMsg *req);
void sip_channel_in_init(SipCall *call);
gboolean sip_channel_in_ring(PbxChannel *chan);
gboolean sip_channel_in_progress(PbxChannel *chan);
gboolean sip_channel_in_answer(PbxChannel *chan, GError **error);
void sip_channel_in_hangup(SipCall *call, PbxCause cause);

/* ---- sip_channel_out.c ---- */
PbxChannel *sip_channel_request(const PbxChannelTech *tech, const char *target,
                                PbxChannel *requester, const PbxDialOptions *options,
                                GError **error);
void sip_channel_out_init(SipCall *call);
gboolean sip_channel_call(PbxChannel *chan, guint timeout_ms, GError **error);
void sip_channel_out_hangup(SipCall *call, PbxCause cause);
/* A fork's host is looked up (a SipResolveFunc, data the fork): the
 * fork goes to addr, or is over with 502; the last lookup sends the
 * INVITEs.  Ends one of call->lookups and drops its call reference. */
void sip_channel_out_fork_resolved(const SipAddr *addr, const char *error, gpointer data);
/* Adds a fork to the call (not sent). */
SipFork *sip_channel_out_fork_add(SipCall *call, const char *uri, const char *host,
                                  guint16 port, SipTransport tp);
/* Sends request as fork's INVITE, its responses going to the fork's
 * handler.  FALSE (logged) when it cannot be sent. */
gboolean sip_channel_out_send_fork(SipCall *call, SipFork *fork, const GString *request);

/* ---- sip_srtp.c: SDES-SRTP (RFC 4568) ---- */
typedef enum {
    SIP_SRTP_OFF,               /* plain RTP (SAVP offers get 488) */
    SIP_SRTP_OPTIONAL,          /* SRTP when the far end takes it (over TLS) */
    SIP_SRTP_REQUIRED,          /* SRTP or 488 (over TLS) */
    SIP_SRTP_NEEDS_TLS,         /* required, but the signalling is not TLS: refused */
} SipSrtpPolicy;
SipSrtpPolicy sip_srtp_policy(const SipCall *call);
/* Our a=crypto lines (and RTP/SAVP when required) into an offer. */
void sip_srtp_offer(SipCall *call, SdpMediaPref *media);
/* FALSE with SDP_ERROR_NO_COMMON_MEDIA (488) when the offered stream
 * does not meet the policy. */
gboolean sip_srtp_check_offer(SipCall *call, const SdpMedia *offer, GError **error);
/* Our answer's a=crypto (the far end's tag and suite, our key) and the
 * keys to res_rtp; FALSE as sip_srtp_check_offer. */
gboolean sip_srtp_answer(SipCall *call, const SdpMedia *offer, SdpMediaPref *media,
                         GError **error);
/* The far end's answer to our offer: keys to res_rtp; FALSE when SRTP
 * is required and the answer has none of our tags. */
gboolean sip_srtp_take_answer(SipCall *call, const SdpMedia *answer, GError **error);
void sip_srtp_free(SipCall *call);

/* ---- sip_dtls.c: DTLS-SRTP (RFC 5763/5764) ---- */
/* media_encryption = dtls (required unless optimistic, any transport). */
gboolean sip_dtls_enabled(const SipCall *call);
/* UDP/TLS/RTP/SAVP when required; a=setup:actpass and a=rtcp-mux. */
void sip_dtls_offer(SipCall *call, SdpMediaPref *media);
/* Our a=setup, a=fingerprint, a=rtcp-mux into the SDP just made. */
void sip_dtls_decorate(SipCall *call, SdpSession *sdp);
/* FALSE with SDP_ERROR_NO_COMMON_MEDIA (488) when the stream does not
 * meet the policy or its attributes are malformed. */
gboolean sip_dtls_check_offer(SipCall *call, const SdpSession *sdp, const SdpMedia *m,
                              GError **error);
/* Our role for the offer and the association to res_rtp. */
gboolean sip_dtls_answer(SipCall *call, const SdpSession *sdp, const SdpMedia *offer,
                         SdpMediaPref *media, GError **error);
/* The answer to our offer: the association to res_rtp; FALSE when DTLS
 * is required and the answer has no fingerprint. */
gboolean sip_dtls_take_answer(SipCall *call, const SdpSession *sdp, const SdpMedia *m,
                              GError **error);
/* res_rtp's events->secure for the call's session. */
void sip_dtls_secure(SipCall *call, gboolean ok, const char *detail);

/* ---- sip_media.c ---- */
/* Frees our SDP text after wiping it (it may hold an SDES key). */
void sip_media_wipe(char **sdp);
/* A new RTP session for the family of ip (NULL: IPv4). */
gboolean sip_media_open(SipCall *call, const char *ip, GError **error);
/* Our offer (a new string): the leg's codecs with their fmtp and
 * telephone-event, c= our address, call->local_dir. */
char *sip_media_offer(SipCall *call);
/* Takes an offer and checks that one of our codecs is in it; the answer
 * is made when first sent (sip_media_invite_answer).  FALSE with
 * SDP_ERROR when the SDP is unusable or has no common codec (488). */
gboolean sip_media_check_offer(SipCall *call, const char *sdp, gsize len, GError **error);
/* The SDP for the INVITE's 1xx/2xx: the answer (made now from the held
 * offer, the bridged leg's codec preferred), or our offer; borrowed. */
const char *sip_media_invite_answer(SipCall *call);
/* Answers an offer at once (re-INVITE, UPDATE): a new string, NULL with
 * SDP_ERROR set when unusable (488). */
char *sip_media_answer(SipCall *call, const char *sdp, gsize len, GError **error);
/* The call hears its RTP session's events (DTMF). */
void sip_media_listen(SipCall *call);
/* Takes the far end's answer to our offer. */
gboolean sip_media_take_answer(SipCall *call, const char *sdp, gsize len, GError **error);
/* Relay / unrelay two legs' sessions. */
gboolean sip_media_bridge(PbxChannel *a, PbxChannel *b, GError **error);
void sip_media_unbridge(PbxChannel *a, PbxChannel *b);
/* Copies the session's counters to the channel for the CDR. */
void sip_media_save_stats(SipCall *call);
/* The tech's set_audio_port: the leg's RTP session plays and hears the
 * port (res_rtp decodes it). */
gboolean sip_media_set_audio_port(PbxChannel *chan, const PbxAudioPortFuncs *port,
                                  gpointer data, GError **error);
/* An outbound leg dialed for the inbound leg `in` offers first the codecs
 * `in` can be answered with, so that the two likely share one and the
 * bridge relays instead of transcoding. */
void sip_media_prefer_peer(SipCall *out, const SipCall *in);

/* ---- sip_replaces.c ---- */
/* The live channel of the dialog a Replaces names, or NULL. */
PbxChannel *sip_replaces_find(const SipReplaces *rep);
/* An INVITE's Replaces header: TRUE with *replaced (borrowed) the call it
 * takes over, or NULL without one; FALSE when refused (400, 481, 486
 * sent). */
gboolean sip_replaces_check(SipServerTx *tx, const SipMsg *req, PbxChannel **replaced);

/* ---- sip_refer.c ---- */
/* A REFER in the call's dialog: 202 and NOTIFYs, or refused. */
void sip_refer_on_request(SipCall *call, SipServerTx *tx, const SipMsg *req);
/* The "REFER" request handler: 403 to a REFER outside a dialog. */
gboolean sip_refer_out_of_dialog(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
                                 gpointer data);

/* ---- sip_pickup.c ---- */
/* The endpoint's call_group/pickup_group as CALL_GROUP/PICKUP_GROUP. */
void sip_channel_set_groups(PbxChannel *chan, const SipEndpoint *ep);

/* ---- sip_dtmf.c ---- */
/* What the leg's RTP carries of DTMF, as its endpoint's dtmf_mode and
 * the SDP settle it (RTP_DTMF_NONE: digits go as SIP INFO, or, in
 * rfc4733 mode without telephone-event negotiated, not at all). */
RtpDtmfMode sip_dtmf_media_mode(const SipCall *call);
/* TRUE when our SDP offers telephone-event (dtmf_mode auto or rfc4733). */
gboolean sip_dtmf_offers_events(const SipCall *call);
/* An INFO in the leg's dialog: a digit is answered 200 and reported. */
void sip_dtmf_on_info(SipCall *call, SipServerTx *tx, const SipMsg *req);
/* The tech's send_dtmf. */
gboolean sip_dtmf_send(PbxChannel *chan, char digit, guint duration_ms, GError **error);
/* Drops the INFO digits still waiting (the call ends). */
void sip_dtmf_clear(SipCall *call);

G_END_DECLS
