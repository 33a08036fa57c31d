/* Carillon res_sip - abuse limits (sip.conf [limits]).
 *
 * Checked cheaply on the receive path, keyed by the source IP:
 *  - a request rate per source (token bucket: `rate` per second, `burst`
 *    at once).  Every message from the source costs a token, before it is
 *    parsed.  A source that runs dry is limited for `rate_block_time`
 *    seconds: its messages are dropped unparsed (`rate_answer = silence`)
 *    or its requests get 503 + Retry-After (`rate_answer = 503`);
 *  - concurrent server transactions per source (those without a final
 *    response yet) and in total (`max_transactions` of [general]);
 *  - concurrent dialogs peers opened to us, per source and in total;
 *  - TCP/TLS connections per source and in total (the tcp_max_* keys of
 *    [general], enforced by the connection table; trips are counted here).
 * Past a concurrency limit a new request gets `busy_answer` (503 with
 * Retry-After, or silence).  Every trip is counted (`sip show limits`),
 * logged and published as the event "sip/limit-tripped" (fields limit,
 * source, count) at most once per source and limit every 10 seconds.
 *
 * The per-source table allocates only when a new source appears; idle
 * entries are swept, and at most `max_sources` are kept (past that, new
 * sources share one overflow entry).
 *
 * Thread affinity: main context.
 */
#pragma once

#include "sip_core.h"
#include "transport.h"

G_BEGIN_DECLS

typedef enum {
    SIP_LIMIT_RATE,
    SIP_LIMIT_TX_SOURCE,
    SIP_LIMIT_TX_TOTAL,
    SIP_LIMIT_DIALOG_SOURCE,
    SIP_LIMIT_DIALOG_TOTAL,
    SIP_LIMIT_CONN_SOURCE,
    SIP_LIMIT_CONN_TOTAL,
    SIP_LIMIT_N
} SipLimitKind;

typedef struct {
    guint rate;                 /* messages per second per source; 0 = off */
    guint burst;                /* bucket size */
    guint rate_block_time;      /* s a source that ran dry stays limited */
    gboolean rate_silent;       /* rate_answer = silence (else 503) */
    guint max_transactions_per_source;
    guint max_dialogs_per_source;
    guint max_dialogs;
    gboolean busy_silent;       /* busy_answer = silence (else 503) */
    guint retry_after;          /* s, in 503s */
    guint max_sources;          /* entries in the per-source table */
    char **exempt;              /* ADDR[/PREFIX] list: no per-source limits */
} SipLimitsConf;

typedef enum {
    SIP_LIMIT_PASS,
    SIP_LIMIT_DROP,             /* say nothing */
    SIP_LIMIT_REFUSE,           /* 503 + Retry-After to a request */
} SipLimitVerdict;

/* Reads sip.conf [limits] (defaults when absent); errors name file:line. */
gboolean sip_limits_conf_parse(const PbxConfig *cfg, SipLimitsConf *out, GError **error);
void sip_limits_conf_clear(SipLimitsConf *conf);
/* "10.0.0.0/8", "::1", "192.0.2.7": len 4 or 16, address bytes, prefix
 * length; FALSE when it is none of these. */
gboolean sip_limits_parse_prefix(const char *text, guint8 *len, guint8 bytes[16],
                                 guint *prefix);
/* Puts a configuration in force (load, reload); counts are kept. */
void sip_limits_configure(const SipLimitsConf *conf);
const SipLimitsConf *sip_limits_conf(void);
void sip_limits_shutdown(void);

/* Receive path, before parsing: charges src one token. */
SipLimitVerdict sip_limits_on_message(const SipAddr *src, gint64 now_us);
/* Before a new server transaction / a dialog-creating request.  On
 * anything but PASS the trip is counted. */
SipLimitVerdict sip_limits_may_open_tx(const SipAddr *src, guint total, guint max_total);
SipLimitVerdict sip_limits_may_open_dialog(const SipAddr *src);
/* A server transaction from src started / got its final response. */
void sip_limits_tx_opened(const SipAddr *src);
void sip_limits_tx_closed(const SipAddr *src);
/* A dialog a peer at src opened started / ended. */
void sip_limits_dialog_opened(const SipAddr *src);
void sip_limits_dialog_closed(const SipAddr *src);
/* The connection table refused a connection from src. */
void sip_limits_conn_refused(const SipAddr *src, gboolean total);

/* The "Retry-After: N\r\n" header of our 503s. */
const char *sip_limits_retry_after_header(void);

/* For `sip show limits` and tests. */
guint64 sip_limits_trips(SipLimitKind kind);
const char *sip_limit_kind_name(SipLimitKind kind);
guint sip_limits_dialogs(void);
guint sip_limits_open_transactions(void);
guint sip_limits_sources(void);
typedef void (*SipLimitsSourceFunc)(const char *ip, guint tx, guint dialogs, guint64 trips,
                                    gint64 limited_for_s, gpointer data);
/* Lifts a source's rate limit; FALSE when it was not limited. */
gboolean sip_limits_unlimit(const char *ip);
void sip_limits_foreach_source(SipLimitsSourceFunc fn, gpointer data);
/* Registers `sip show limits` and `sip unlimit ADDRESS`. */
void sip_limits_cli_register(PbxModule *self);

G_END_DECLS
