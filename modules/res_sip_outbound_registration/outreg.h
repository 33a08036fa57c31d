/* Carillon res_sip_outbound_registration - Carillon registers to its
 * providers (RFC 3261 10 as a client), one registration per trunk with
 * `register = yes` (endpoints.conf, carillon/sip/trunk.h).
 *
 * Each registration is a small state machine (outreg.c):
 *
 *   UNREGISTERED -> REGISTERING -> REGISTERED --refresh--> REGISTERING
 *                        |  401/407: once more with credentials
 *                        |  423: once more with its Min-Expires
 *                        |  3xx: to the first Contact (at most 5 times)
 *                        v
 *                 FAILED / REJECTED --backoff--> REGISTERING
 *
 * A registration is refreshed at 90% of what the registrar granted
 * (and at least 5 s before expiry); a failure is retried after
 * `register_retry` seconds, doubling each time up to
 * `register_retry_max`.  A host is looked up with RFC 3263 (NAPTR, SRV,
 * A/AAAA); a REGISTER that gets no answer (408) or cannot be sent (503)
 * moves on at once to the host's next address, and when none is left
 * the failure moves on to the trunk's next host.  When the module
 * unloads, each registered trunk's binding is removed (Expires: 0, with
 * the last challenge answered again).
 * Every state change publishes "sip/outbound-registration" (trunk,
 * state, code, expires).  `sip show registrations outbound` lists them.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/cli.h>
#include <carillon/event.h>
#include <carillon/timer.h>
#include <carillon/sip/api.h>

G_BEGIN_DECLS

typedef enum {
    OUTREG_UNREGISTERED,
    OUTREG_REGISTERING,
    OUTREG_REGISTERED,
    OUTREG_FAILED,          /* no answer, or an error: retrying */
    OUTREG_REJECTED,        /* our credentials were refused: retrying */
} OutregState;

typedef struct {
    gint refs;                  /* the list's, a lookup's, a transaction's */
    gboolean gone;              /* left the list: callbacks do nothing */
    SipEndpoint *trunk;         /* a reference */
    OutregState state;
    guint host_index;
    char *host;                 /* where REGISTER goes (trunk host, or a 3xx's) */
    guint16 port;
    char *call_id;              /* one Call-ID for all of it (RFC 3261 10.2.4) */
    char tag[24];
    guint32 cseq;
    guint expires;              /* asked for */
    guint granted;              /* s, by the last 2xx */
    gint64 expires_at;          /* monotonic us of the binding's end, 0 none */
    guint failures;
    guint last_code;
    guint redirects;
    char *auth;                 /* credentials for the next REGISTER, or NULL */
    char *challenge;            /* the last credentials sent, for the unregister */
    gboolean auth_tried;        /* the current REGISTER carried credentials */
    gboolean lookup_pending;
    GArray *addrs;              /* SipAddr: reg->host looked up (RFC 3263) */
    guint addr_index;           /* the one REGISTER goes to */
    SipClientTx *tx;            /* borrowed, while one is out */
    char *ruri;                 /* Request-URI of the REGISTER (digest uri) */
    char *contact;              /* our Contact URI, to find it in the 2xx */
    PbxTimer timer;             /* refresh or retry */
    PbxTimer stop_timer;        /* daemon stopping: deadline of the unregister */
    gboolean stop_use;          /* holds a module use until unregistered */
    gboolean stop_challenged;   /* the unregister answered a challenge */
} Outreg;

typedef struct {
    PbxModule *module;
    const SipApi *sip;
    PbxTimers *timers;
    PbxLogDomain *log;
    GPtrArray *regs;            /* Outreg *, trunk file order */
    gboolean stopping;          /* the daemon stops: no refresh, no retry */
} OutregModule;

extern OutregModule outreg;

/* outreg.c */
Outreg *outreg_new(SipEndpoint *trunk);
/* Takes reg out of service (timer stopped, callbacks ignored) and drops
 * the list's reference. */
void outreg_free(Outreg *reg);
void outreg_start(Outreg *reg);
/* Sends a REGISTER with Expires: 0 for a registered reg, not waiting for
 * the answer (module unload). */
void outreg_unregister(Outreg *reg);
const char *outreg_state_name(OutregState state);
/* outreg.c's pieces for stop.c: references held by transactions, the
 * state (an event on change), the REGISTER text for reg->addrs[addr_index]. */
Outreg *outreg_ref(Outreg *reg);
void outreg_unref(gpointer data);
void outreg_set_state(Outreg *reg, OutregState state);
gboolean outreg_build_to_current(Outreg *reg, SipTarget *target, char *ip, GString *out);

/* stop.c: on core/stopping each Registered trunk removes its binding
 * (REGISTER Expires: 0, one 401/407 answered with fresh credentials),
 * holding a module use until the answer or OUTREG_STOP_DEADLINE_MS, so
 * the daemon's stop waits for it.  Main context. */
#define OUTREG_STOP_DEADLINE_MS 1500
void outreg_stop_subscribe(PbxModule *self);
void outreg_stop_timer_fired(PbxTimer *timer, gpointer data);
/* Seconds left of the binding, 0 when none. */
guint outreg_remaining(const Outreg *reg);

/* cli.c */
gboolean outreg_cli_register(PbxModule *self, GError **error);

G_END_DECLS
