/* Carillon - res_sip internals shared by the stack's files: the settings
 * from sip.conf [general], the "sip" log domain and the debug switch.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sip/msg.h>

G_BEGIN_DECLS

/* sip.conf [general]; see README.md for the meaning of each key. */
typedef struct {
    guint t1;                   /* ms */
    guint t2;                   /* ms */
    guint t4;                   /* ms */
    guint trying_delay;         /* ms before an automatic 100 Trying; 0 = at once */
    guint max_message_size;     /* bytes */
    guint max_transactions;
    gboolean force_rport;
    char *user_agent;           /* Server / User-Agent value; "" = none */
    gboolean debug;
    guint tcp_idle_timeout;     /* s */
    guint tcp_max_connections;
    guint tcp_max_connections_per_ip;
    guint tcp_max_buffered;     /* bytes */
    guint session_expires;      /* s, RFC 4028 interval we ask for / insert */
    guint min_se;               /* s, smallest interval we accept (422 below) */
    char **dns_servers;         /* RFC 3263 lookups (dns.c); NULL: the system's */
} SipGeneralConf;

typedef struct {
    PbxModule *module;          /* NULL in unit tests */
    PbxLogDomain *log;
    gboolean debug;             /* `sip set debug on`: log every message */
    SipGeneralConf settings;
    SipParseLimits limits;
} SipStack;

extern SipStack sip_stack;

#define sip_log (sip_stack.log)

/* Fills the settings with the built-in defaults (also used by tests). */
void sip_settings_defaults(SipGeneralConf *s);
/* Applies settings to the stack (limits, timers for new transactions). */
void sip_stack_apply_settings(const SipGeneralConf *s);
/* Initialises sip_stack for tests and the module (log domain, defaults). */
void sip_stack_init(void);

/* cli.c: the `sip show ...` commands. */
void sip_cli_register(PbxModule *self);
/* receive.c: frees the receive path's scratch buffers (unload). */
void sip_receive_shutdown(void);

/* Logs a whole message at debug level when debug is on. */
void sip_debug_message(const char *dir, const char *proto, const char *peer,
                       const char *data, gsize len);

G_END_DECLS
