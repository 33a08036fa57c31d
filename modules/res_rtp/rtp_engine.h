/* res_rtp - the relay engine: media workers and sessions (internal).
 *
 * An RtpEngine owns N worker threads, each with an epoll loop, a command
 * queue and an eventfd that wakes it.  Sessions are created on the main
 * context, which allocates their ports, and are then owned by one worker:
 * every change to a session's media state is a command queued to that
 * worker, and what the workers have to say (a remote latched, a session
 * moved or closed) comes back through an event queue drained on the main
 * context.  Counters are written by the owning worker with relaxed atomic
 * stores and read from anywhere, so statistics need neither a lock nor a
 * round trip.
 *
 * Thread affinity: everything declared here runs on the main context,
 * except rtp_session_get_stats() / rtp_session_get_relayed(), which may be
 * called from any thread.
 */
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <carillon/carillon.h>
#include <carillon/rtp.h>

G_BEGIN_DECLS

typedef struct {
    guint port_start;
    guint port_end;
    guint workers;             /* 0: one per CPU */
    char *bind;                /* IPv4 address sessions bind to */
    char *bind6;               /* IPv6 address */
    guint tos;                 /* IP TOS / IPv6 traffic class of media */
} RtpConf;

/* Parses [general] of rtp.conf (cfg may be NULL: defaults).  Errors name
 * the file and line.  Free with rtp_conf_free(). */
RtpConf *rtp_conf_parse(const PbxConfig *cfg, GError **error);
/* Loads rtp.conf from the config directory; a missing file means the
 * defaults. */
RtpConf *rtp_conf_load(GError **error);
void rtp_conf_free(RtpConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RtpConf, rtp_conf_free)

typedef struct _RtpEngine RtpEngine;

/* Starts the workers.  Takes a copy of conf. */
RtpEngine *rtp_engine_new(const RtpConf *conf, GError **error);
/* Stops the workers and closes every session still open. */
void rtp_engine_free(RtpEngine *e);
/* New sessions use the new port range and addresses; the worker count
 * only changes when the engine is re-created. */
void rtp_engine_set_conf(RtpEngine *e, const RtpConf *conf);
const RtpConf *rtp_engine_get_conf(const RtpEngine *e);
guint rtp_engine_get_n_workers(const RtpEngine *e);
/* In the daemon: the commands of one main-loop iteration (a call's two
 * sessions, their remotes, their relay) wake each worker once, just
 * before the loop polls, instead of once per command. */
void rtp_engine_defer_wakes(RtpEngine *e);
/* Live sessions (not yet freed), oldest first.  Free the array only. */
GPtrArray *rtp_engine_list_sessions(RtpEngine *e);
/* Processes what the workers reported; the engine's GSource does this by
 * itself when the main loop runs. */
void rtp_engine_dispatch(RtpEngine *e);

/* Waits (dispatching events) until every worker has applied every
 * command queued so far, moves included.  Blocks: for tests and tools. */
void rtp_engine_sync(RtpEngine *e);

RtpSession *rtp_session_new(RtpEngine *e, int family, GError **error);
void rtp_session_free(RtpSession *s);
const char *rtp_session_get_local(const RtpSession *s, guint16 *rtp_port);
gboolean rtp_session_set_remote(RtpSession *s, const char *addr, guint16 port,
                                GError **error);
gboolean rtp_session_set_format(RtpSession *s, const RtpFormat *fmt, GError **error);
void rtp_session_set_events(RtpSession *s, const RtpSessionEvents *events, gpointer data);
RtpBridgeMode rtp_session_get_bridge_mode(const RtpSession *s);
gboolean rtp_session_send_dtmf(RtpSession *s, char digit, guint duration_ms, GError **error);
gboolean rtp_session_set_srtp(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx,
                              GError **error);
gboolean rtp_session_set_dtls(RtpSession *s, const RtpDtlsParams *params, GError **error);
void rtp_session_expect_keys(RtpSession *s);
gboolean rtp_session_set_port(RtpSession *s, const PbxAudioPortFuncs *port, gpointer data,
                              GError **error);
const RtpFormat *rtp_session_get_format(const RtpSession *s);
void rtp_session_relay(RtpSession *a, RtpSession *b);
void rtp_session_unrelay(RtpSession *s);
void rtp_session_get_stats(const RtpSession *s, RtpStats *stats);
guint64 rtp_session_get_relayed(const RtpSession *s);

/* For the CLI: id, family, the worker it is (or will be) on, the peer's
 * id (0: none) and the remote as "addr:port" (latched or from SDP; NULL
 * when unknown). */
guint rtp_session_get_id(const RtpSession *s);
guint rtp_session_get_worker(const RtpSession *s);
guint rtp_session_get_peer_id(const RtpSession *s);
const char *rtp_session_get_remote(const RtpSession *s);

/* cli.c: the rtp CLI commands, for the module's life. */
gboolean rtp_cli_register(PbxModule *self, RtpEngine *engine, GError **error);

G_END_DECLS
