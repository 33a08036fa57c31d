/* Carillon - channels: one call leg each.
 *
 * A PbxChannel is one leg of a call (a SIP dialog on the SIP side).  Every
 * call through the PBX is two channels joined by a PbxBridge.  Channels
 * are created by channel technologies (PbxChannelTech, registered by
 * modules such as chan_sip): inbound ones when a call arrives, outbound
 * ones when the core asks the tech to `request` a leg to a target.
 *
 * The tech drives a channel with pbx_channel_set_state(),
 * pbx_channel_hangup_from_tech(), pbx_channel_dtmf() and
 * pbx_channel_refer(); the core (dialplan, bridges, dial) drives the tech
 * through the callbacks of PbxChannelTech.  Every state change publishes a
 * "channel/state" event (fields id, name, state, direction, caller,
 * callee, and cause on hangup); a channel's creation publishes
 * "channel/new" and its hangup "channel/hangup".
 *
 * Lifetime: the core keeps its own reference from a channel's creation
 * until it is hung up.  pbx_channel_new_*() and pbx_channel_request()
 * return a reference the caller owns (a tech typically keeps it in its
 * dialog and drops it when the dialog is gone); take a reference to keep
 * a channel found by pbx_channel_find() longer.  While a channel exists,
 * its tech's module has a use (pbx_module_use), so the module cannot be
 * unloaded under a live call.
 *
 * Thread affinity: everything here belongs to the main context
 * (asserted on the public entry points), except the cause helpers, which
 * are pure functions.
 */
#pragma once

#include <carillon/audio_port.h>
#include <carillon/defs.h>
#include <carillon/dtmf.h>
#include <carillon/module.h>

G_BEGIN_DECLS

typedef enum {
    PBX_CHANNEL_DOWN,       /* created, nothing sent yet */
    PBX_CHANNEL_RING,       /* inbound: offered to us, not answered */
    PBX_CHANNEL_RINGING,    /* outbound: the remote end is ringing */
    PBX_CHANNEL_PROGRESS,   /* early media */
    PBX_CHANNEL_UP,         /* answered */
    PBX_CHANNEL_HANGUP,     /* ended; no more state changes */
} PbxChannelState;

typedef enum {
    PBX_CHANNEL_INBOUND,
    PBX_CHANNEL_OUTBOUND,
} PbxChannelDirection;

/* Hangup causes, Q.850 numbering.  ORIGINATOR_CANCEL is not Q.850 (it is
 * numbered after the SIP 487 it stands for, as FreeSWITCH does). */
typedef enum {
    PBX_CAUSE_NONE = 0,
    PBX_CAUSE_UNALLOCATED = 1,
    PBX_CAUSE_NO_ROUTE_DESTINATION = 3,
    PBX_CAUSE_NORMAL_CLEARING = 16,
    PBX_CAUSE_USER_BUSY = 17,
    PBX_CAUSE_NO_USER_RESPONSE = 18,
    PBX_CAUSE_NO_ANSWER = 19,
    PBX_CAUSE_SUBSCRIBER_ABSENT = 20,
    PBX_CAUSE_CALL_REJECTED = 21,
    PBX_CAUSE_NUMBER_CHANGED = 22,
    PBX_CAUSE_ANSWERED_ELSEWHERE = 26,      /* non-selected user clearing */
    PBX_CAUSE_DESTINATION_OUT_OF_ORDER = 27,
    PBX_CAUSE_INVALID_NUMBER_FORMAT = 28,
    PBX_CAUSE_FACILITY_REJECTED = 29,
    PBX_CAUSE_NORMAL_UNSPECIFIED = 31,
    PBX_CAUSE_NORMAL_CIRCUIT_CONGESTION = 34,
    PBX_CAUSE_NETWORK_OUT_OF_ORDER = 38,
    PBX_CAUSE_TEMPORARY_FAILURE = 41,
    PBX_CAUSE_SWITCH_CONGESTION = 42,
    PBX_CAUSE_OUTGOING_CALL_BARRED = 52,
    PBX_CAUSE_SERVICE_UNAVAILABLE = 63,
    PBX_CAUSE_BEARERCAPABILITY_NOTAVAIL = 58,
    PBX_CAUSE_INCOMPATIBLE_DESTINATION = 88,
    PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE = 102,
    PBX_CAUSE_INTERWORKING = 127,
    PBX_CAUSE_ORIGINATOR_CANCEL = 487,
} PbxCause;

/* The SIP <-> cause table (core/cause.c, after RFC 3398).
 * pbx_cause_from_sip() maps any status: 2xx -> NORMAL_CLEARING (a BYE
 * ends an answered call normally), unknown codes by class.
 * pbx_cause_to_sip() gives the final status to reject an unanswered
 * INVITE with (400-699); causes without a failure meaning
 * (NORMAL_CLEARING, NONE) give 480, ANSWERED_ELSEWHERE and
 * ORIGINATOR_CANCEL give 487. */
PBX_API PbxCause pbx_cause_from_sip(guint status);
PBX_API guint pbx_cause_to_sip(PbxCause cause);
/* "USER_BUSY"; "UNKNOWN" for values not in the enum. */
PBX_API const char *pbx_cause_to_string(PbxCause cause);
/* Accepts a name ("USER_BUSY", case-insensitive) or a Q.850 number. */
PBX_API gboolean pbx_cause_from_string(const char *s, PbxCause *out);

PBX_API const char *pbx_channel_state_to_string(PbxChannelState state);

typedef struct _PbxChannel PbxChannel;
typedef struct _PbxChannelTech PbxChannelTech;

/* What pbx_channel_indicate() asks the tech to signal. */
typedef enum {
    PBX_INDICATE_HOLD,
    PBX_INDICATE_UNHOLD,
    PBX_INDICATE_RINGING,
    PBX_INDICATE_PROGRESS,
    PBX_INDICATE_BUSY,
    PBX_INDICATE_CONGESTION,
} PbxIndication;

/* Options for an outbound leg, given to the tech's request(). */
typedef struct {
    const char *caller_number;   /* NULL: the requester's caller */
    const char *caller_name;
    guint timeout_ms;            /* 0: no limit from the core */
    GHashTable *headers;         /* extra headers (char* -> char*) or NULL */
    const char *const *codecs;   /* the leg's codecs, best first ("opus", "ulaw");
                                  * NULL: the target's own (endpoints.conf) */
} PbxDialOptions;

/* A channel technology.  A module registers a static instance with
 * pbx_channel_tech_register(); the callbacks run on the main context.
 * Callbacks marked optional may be NULL. */
struct _PbxChannelTech {
    const char *name;           /* "SIP"; dial targets "SIP/1002" */
    const char *description;
    /* Creates an outbound channel to `target` (the part after "TECH/", or
     * a URI) with pbx_channel_new_outbound(); nothing is sent yet.
     * `requester` (may be NULL) is the inbound leg asking.  Returns NULL
     * with error set when the target cannot be reached at all (unknown
     * endpoint: PBX_CHANNEL_ERROR_UNAVAILABLE). */
    PbxChannel *(*request)(const PbxChannelTech *tech, const char *target,
                           PbxChannel *requester,
                           const PbxDialOptions *options, GError **error);
    /* Starts dialing (sends the INVITE).  The tech then reports
     * RINGING/PROGRESS/UP with pbx_channel_set_state() and failure with
     * pbx_channel_hangup_from_tech(chan, cause). */
    gboolean (*call)(PbxChannel *chan, guint timeout_ms, GError **error);
    /* Inbound: answer (send 200 OK); the tech then sets state UP (it may
     * do so from inside answer). */
    gboolean (*answer)(PbxChannel *chan, GError **error);
    /* Inbound: 180 Ringing / 183 Session Progress.  Optional. */
    gboolean (*ring)(PbxChannel *chan);
    gboolean (*progress)(PbxChannel *chan);
    /* The core ends the leg: BYE, CANCEL or a final error response per
     * state, with pbx_cause_to_sip(cause).  The core has already marked
     * the channel HANGUP when this runs. */
    void (*hangup)(PbxChannel *chan, PbxCause cause);
    /* Hold, unhold, ... Optional. */
    gboolean (*indicate)(PbxChannel *chan, PbxIndication what);
    /* Connect / disconnect the media of two legs of this tech (chan_sip
     * with res_rtp relays RTP between them).  Optional. */
    gboolean (*bridge_media)(PbxChannel *a, PbxChannel *b, GError **error);
    void (*unbridge_media)(PbxChannel *a, PbxChannel *b);
    /* Frees the tech private data when the last reference goes.
     * Optional. */
    void (*destroy)(PbxChannel *chan);
    /* Sends a DTMF digit to the far end in the form it takes (RTP
     * telephone-event, SIP INFO, tones), lasting duration_ms (already
     * clamped).  Digits sent in a row are sent one after the other.
     * Optional: without it, pbx_channel_send_dtmf() fails. */
    gboolean (*send_dtmf)(PbxChannel *chan, char digit, guint duration_ms, GError **error);
    /* Terminates the leg's media with an audio port (audio_port.h), or
     * (port NULL) goes back to no port; the previous port's `released`
     * runs once the media thread lets go, and so does this one's when
     * the leg ends.  Called only while the leg's media is not bridged.
     * Optional: without it, pbx_channel_set_audio_port() fails. */
    gboolean (*set_audio_port)(PbxChannel *chan, const PbxAudioPortFuncs *port, gpointer data,
                               GError **error);
};

#define PBX_CHANNEL_ERROR (pbx_channel_error_quark())
typedef enum {
    PBX_CHANNEL_ERROR_NO_TECH,       /* no such technology */
    PBX_CHANNEL_ERROR_UNAVAILABLE,   /* target unknown / not registered */
    PBX_CHANNEL_ERROR_STATE,         /* not possible in this state */
    PBX_CHANNEL_ERROR_FAILED,        /* the tech failed */
    PBX_CHANNEL_ERROR_BARRED,        /* policy refuses the call (toll-fraud guard) */
} PbxChannelError;
PBX_API GQuark pbx_channel_error_quark(void);

/* Technologies.  The registration ends when `owner` unloads.  `tech` must
 * stay valid while registered (a static). */
PBX_API gboolean pbx_channel_tech_register(PbxModule *owner,
                                           const PbxChannelTech *tech,
                                           GError **error);
PBX_API void pbx_channel_tech_unregister(const PbxChannelTech *tech);
/* Case-insensitive; NULL when absent. */
PBX_API const PbxChannelTech *pbx_channel_tech_find(const char *name);

/* ---- for techs ---- */

/* A new inbound channel in state RING, owned by `tech`, with `pvt` as
 * tech private data (returns a reference).  The tech fills in headers and variables and then
 * calls pbx_channel_dispatch() to hand it to the dialplan. */
PBX_API PbxChannel *pbx_channel_new_inbound(const PbxChannelTech *tech,
                                            gpointer pvt,
                                            const char *caller_number,
                                            const char *caller_name,
                                            const char *callee,
                                            const char *context);
/* A new outbound channel in state DOWN (called from the tech's
 * request(), which hands the returned reference to its caller). */
PBX_API PbxChannel *pbx_channel_new_outbound(const PbxChannelTech *tech,
                                             gpointer pvt,
                                             const char *callee,
                                             const char *caller_number,
                                             const char *caller_name);
/* Hands an inbound channel to the new-channel handler (the dialplan) from
 * an idle callback, so the handler never runs inside the tech's own
 * stack.  Without a handler the call is rejected with UNALLOCATED. */
PBX_API void pbx_channel_dispatch(PbxChannel *chan);
/* Records a state change reported by the tech and publishes it. */
PBX_API void pbx_channel_set_state(PbxChannel *chan, PbxChannelState state);
/* The remote end hung up (BYE, CANCEL, error response, timeout). */
PBX_API void pbx_channel_hangup_from_tech(PbxChannel *chan, PbxCause cause);
/* A DTMF digit received on the channel, reported once when it ends.
 * The channel's DTMF hook (the dialplan's on_dtmf) sees it first and
 * may swallow it; otherwise it is published ("channel/dtmf") and
 * watchers get it (a bridge sends it on to the other leg).  Invalid
 * digits are ignored. */
PBX_API void pbx_channel_dtmf(PbxChannel *chan, const PbxDtmf *dtmf);
/* The far end put the call on hold (held: its SDP went sendonly or
 * inactive) or took it off hold.  Published as "channel/hold" (held=yes
 * or no).  Returns TRUE when the core takes care of the other leg of the
 * channel's bridge (music on hold), FALSE when the tech should pass the
 * hold on to the other leg itself. */
PBX_API gboolean pbx_channel_hold(PbxChannel *chan, gboolean held);
PBX_API gboolean pbx_channel_is_held(const PbxChannel *chan);
/* The remote asked to transfer the call (SIP REFER, RFC 3515): what
 * the tech found in the request, and how it hears the outcome.  With
 * `replaces` (attended transfer, RFC 3891) the other party is joined to
 * that channel's peer instead of dialing `target`. */
typedef struct {
    const char *target;          /* where to: the Refer-To user (or its URI) */
    const char *target_uri;      /* the Refer-To URI, without headers */
    const char *referred_by;     /* the Referred-By URI, or NULL */
    PbxChannel *replaces;        /* the channel the Replaces names, or NULL */
    /* Progress of an accepted transfer: 100, 180, then one final status
     * (200 when the other party talks to the target, >= 300 when it
     * failed); destroy(data) follows the final one.  Runs on the main
     * context, never from inside pbx_channel_refer(). */
    void (*progress)(PbxChannel *chan, guint status, gpointer data);
    gpointer data;
    GDestroyNotify destroy;
} PbxRefer;
/* Asks the refer handler (the dialplan's on_refer).  Returns 202 when the
 * transfer was accepted: progress then reports it.  Otherwise the status
 * to refuse the REFER with (403, 603, ...; 501 when nobody handles
 * transfers) and destroy(data) has run. */
PBX_API guint pbx_channel_refer(PbxChannel *chan, const PbxRefer *refer);
/* An inbound channel whose request asks to take over an established call
 * (SIP INVITE with Replaces, RFC 3891): set by the tech before
 * pbx_channel_dispatch(); the dialplan then joins it to `replaced`'s peer
 * and hangs `replaced` up instead of running on_invite.  Holds a
 * reference; NULL clears it.  Main context. */
PBX_API void pbx_channel_set_replaces(PbxChannel *chan, PbxChannel *replaced);
PBX_API PbxChannel *pbx_channel_get_replaces(const PbxChannel *chan);

PBX_API gpointer pbx_channel_get_tech_pvt(const PbxChannel *chan);
PBX_API void pbx_channel_set_tech_pvt(PbxChannel *chan, gpointer pvt);
PBX_API const PbxChannelTech *pbx_channel_get_tech(const PbxChannel *chan);

/* ---- for the core, dialplan and applications ---- */

PBX_API PbxChannel *pbx_channel_ref(PbxChannel *chan);
PBX_API void pbx_channel_unref(PbxChannel *chan);

/* Looks up a live channel by id ("1700000000.3") or name (borrowed:
 * ref it to keep it past the next main-loop iteration). */
PBX_API PbxChannel *pbx_channel_find(const char *id_or_name);
/* Live channels, oldest first; each entry is a new reference. */
PBX_API GPtrArray *pbx_channel_list(void);

/* "TECH/target" (or a bare target for the default tech "SIP") becomes a
 * new outbound channel through the tech's request(); returns a reference. */
PBX_API PbxChannel *pbx_channel_request(const char *target,
                                        PbxChannel *requester,
                                        const PbxDialOptions *options,
                                        GError **error);
PBX_API gboolean pbx_channel_call(PbxChannel *chan, guint timeout_ms,
                                  GError **error);
PBX_API gboolean pbx_channel_answer(PbxChannel *chan, GError **error);
PBX_API gboolean pbx_channel_ring(PbxChannel *chan);
PBX_API gboolean pbx_channel_progress(PbxChannel *chan);
PBX_API gboolean pbx_channel_indicate(PbxChannel *chan, PbxIndication what);
/* Ends the channel from our side (no-op when already hung up). */
PBX_API void pbx_channel_hangup(PbxChannel *chan, PbxCause cause);

PBX_API const char *pbx_channel_get_id(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_name(const PbxChannel *chan);
PBX_API PbxChannelState pbx_channel_get_state(const PbxChannel *chan);
PBX_API PbxChannelDirection pbx_channel_get_direction(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_caller_number(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_caller_name(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_callee(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_context(const PbxChannel *chan);
PBX_API void pbx_channel_set_context(PbxChannel *chan, const char *context);
PBX_API PbxCause pbx_channel_get_hangup_cause(const PbxChannel *chan);
/* The id of the call the channel belongs to (Asterisk's linkedid, the
 * CDR column linked_id): its own id for a channel that starts a call, the
 * requester's for one made by pbx_channel_request(); a transfer gives
 * the legs it joins the transferee's.  Main context. */
PBX_API const char *pbx_channel_get_linked_id(const PbxChannel *chan);
PBX_API void pbx_channel_set_linked_id(PbxChannel *chan, const char *linked_id);
/* Wall-clock times (g_get_real_time(), µs); 0 when not reached yet. */
PBX_API gint64 pbx_channel_get_created(const PbxChannel *chan);
PBX_API gint64 pbx_channel_get_answered(const PbxChannel *chan);
PBX_API gint64 pbx_channel_get_ended(const PbxChannel *chan);
PBX_API const char *pbx_channel_get_codec(const PbxChannel *chan);
PBX_API void pbx_channel_set_codec(PbxChannel *chan, const char *codec);

/* Variables: a string map (dialplan `call.vars`).  value NULL deletes. */
PBX_API void pbx_channel_set_var(PbxChannel *chan, const char *name,
                                 const char *value);
PBX_API const char *pbx_channel_get_var(const PbxChannel *chan,
                                        const char *name);
PBX_API GHashTable *pbx_channel_get_vars(const PbxChannel *chan);

/* Headers of the request that created an inbound channel (set by the
 * tech; names as received, looked up case-insensitively). */
PBX_API void pbx_channel_set_request_header(PbxChannel *chan,
                                            const char *name,
                                            const char *value);
PBX_API GHashTable *pbx_channel_get_request_headers(const PbxChannel *chan);
/* Headers the dialplan wants on the next message the tech sends on this
 * leg (its answer or final response); value NULL deletes. */
PBX_API void pbx_channel_set_header(PbxChannel *chan, const char *name,
                                    const char *value);
PBX_API GHashTable *pbx_channel_get_headers(const PbxChannel *chan);

/* RTP statistics for the CDR, filled by the media side at hangup. */
typedef struct {
    guint64 packets_sent, packets_received;
    guint64 packets_lost;
    double jitter_ms;
    double rtt_ms;
    /* The jitter buffer, when the leg was decoded (transcoded). */
    guint jb_delay_ms;          /* playout delay at the end */
    guint64 jb_late;            /* packets too late to play */
    guint64 jb_concealed;       /* 20 ms frames made up for lost audio */
} PbxRtpStats;
PBX_API void pbx_channel_set_rtp_stats(PbxChannel *chan,
                                       const PbxRtpStats *stats);
PBX_API const PbxRtpStats *pbx_channel_get_rtp_stats(const PbxChannel *chan);

/* The dialplan's per-channel data (opaque to everyone else). */
PBX_API gpointer pbx_channel_get_dialplan_data(const PbxChannel *chan);
PBX_API void pbx_channel_set_dialplan_data(PbxChannel *chan, gpointer data);

/* Watchers: C callbacks told about one channel's changes (used by
 * bridges and dials; cheaper and more direct than the event bus). */
typedef enum {
    PBX_CHANNEL_EVENT_STATE,    /* new state: pbx_channel_get_state() */
    PBX_CHANNEL_EVENT_HANGUP,   /* cause: pbx_channel_get_hangup_cause() */
    PBX_CHANNEL_EVENT_DTMF,     /* `detail` is the digit as a string; the
                                 * whole of it: pbx_channel_get_dtmf() */
} PbxChannelEventKind;
typedef void (*PbxChannelWatchFunc)(PbxChannel *chan, PbxChannelEventKind kind,
                                    const char *detail, gpointer data);
PBX_API guint pbx_channel_watch(PbxChannel *chan, PbxChannelWatchFunc fn,
                                gpointer data);
PBX_API void pbx_channel_unwatch(PbxChannel *chan, guint id);

/* The handler for new inbound channels (the dialplan installs one).
 * Setting NULL removes it. */
typedef void (*PbxChannelHandler)(PbxChannel *chan, gpointer data);
PBX_API void pbx_channel_set_new_handler(PbxChannelHandler fn, gpointer data);
/* Sends digits to the far end of chan (tech send_dtmf; the duration is
 * clamped by pbx_dtmf_clamp_duration()).  FALSE with error when the tech
 * cannot, the channel has no media (only UP and PROGRESS have), or the
 * digit is invalid. */
PBX_API gboolean pbx_channel_send_dtmf(PbxChannel *chan, char digit, guint duration_ms,
                                       GError **error);
/* Plays and hears the channel's audio through `port` (audio_port.h)
 * instead of a bridge: for prompts, recordings, music, conferences.
 * port NULL removes the one attached.  FALSE with error when the channel
 * has no media (not UP or PROGRESS), its media is bridged to another leg
 * (PBX_CHANNEL_ERROR_STATE), or its tech cannot.  On success the port's
 * `released` runs later, exactly once, on the main context. */
PBX_API gboolean pbx_channel_set_audio_port(PbxChannel *chan, const PbxAudioPortFuncs *port,
                                            gpointer data, GError **error);
/* The digit being reported, inside a PBX_CHANNEL_EVENT_DTMF watcher or
 * the DTMF hook; NULL elsewhere. */
PBX_API const PbxDtmf *pbx_channel_get_dtmf(const PbxChannel *chan);
/* The channel's one DTMF hook: sees each digit the channel receives
 * before anyone else; returns TRUE to swallow it (no event, no watcher,
 * the other leg never hears it).  fn NULL removes it. */
typedef gboolean (*PbxChannelDtmfHook)(PbxChannel *chan, const PbxDtmf *dtmf, gpointer data);
PBX_API void pbx_channel_set_dtmf_hook(PbxChannel *chan, PbxChannelDtmfHook fn, gpointer data);

/* Hook for REFER (the dialplan installs it): returns 202 when it took
 * the transfer (it then owns refer->progress/data/destroy), else the
 * status to refuse it with (the core calls destroy). */
typedef guint (*PbxChannelReferHandler)(PbxChannel *chan, const PbxRefer *refer,
                                        gpointer data);
PBX_API void pbx_channel_set_refer_handler(PbxChannelReferHandler fn,
                                           gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxChannel, pbx_channel_unref)

G_END_DECLS
