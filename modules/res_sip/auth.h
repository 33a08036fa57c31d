/* Carillon res_sip - digest authentication (RFC 7616 / RFC 8760 / RFC 3261 22).
 *
 * Challenges offer the configured algorithms together (one header each,
 * in the configured order; SHA-256 and MD5 by default), qop="auth".
 * Nonces are stateless: base64(time || salt || MAC(key, time || salt ||
 * source address || realm)), the MAC being SipHash-2-4 under two random
 * 128-bit keys (siphash.h), so a nonce is only good from the address it
 * was issued to and for `nonce_lifetime` seconds; an expired nonce with a
 * good MAC gets stale=true.  Nonce-count replay protection
 * keeps the highest nc per nonce (bounded table, entries die with their
 * nonce).  An unknown user is verified against a random secret, so the
 * response, its timing and the challenge that follows are the same as for
 * a known user with a wrong password.  Failed attempts are counted per
 * source address; past `max_failures` within `failure_window` the address
 * is blocked for `block_time` and its requests are dropped.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <gio/gio.h>

#include <carillon/sip/msg.h>

G_BEGIN_DECLS

#define SIP_AUTH_MAX_ALGORITHMS 3

typedef struct {
    char *realm;
    /* Offered in this order, one challenge header each; none = SHA-256
     * then MD5.  Credentials must use one of them. */
    SipDigestAlgorithm algorithms[SIP_AUTH_MAX_ALGORITHMS];
    guint n_algorithms;
    guint nonce_lifetime;   /* seconds */
    guint max_failures;     /* 0 = never block */
    guint failure_window;   /* seconds */
    guint block_time;       /* seconds */
} SipAuthConfig;

typedef struct _SipAuth SipAuth;

typedef enum {
    SIP_AUTH_OK,
    SIP_AUTH_CHALLENGE,     /* no (usable) credentials: send a challenge */
    SIP_AUTH_STALE,         /* good credentials, expired nonce: stale=true */
    SIP_AUTH_FAILED,        /* wrong credentials or unknown user */
    SIP_AUTH_BAD_REQUEST,   /* malformed credentials */
} SipAuthResult;

SipAuth *sip_auth_new(const SipAuthConfig *config);
void sip_auth_free(SipAuth *auth);
/* Applies a new config (reload); counters and blocks are kept. */
void sip_auth_set_config(SipAuth *auth, const SipAuthConfig *config);
const char *sip_auth_get_realm(const SipAuth *auth);
/* "MD5", "SHA-256", "SHA-512-256" <-> algorithm; FALSE when unknown. */
gboolean sip_auth_algorithm_from_name(const char *name, SipDigestAlgorithm *alg);
const char *sip_auth_algorithm_name(SipDigestAlgorithm alg);

/* The address a request came from, as the nonces and the failure count
 * see it: 4 or 16 bytes. */
typedef struct {
    guint8 len;
    guint8 bytes[16];
} SipAuthSource;

/* FALSE when `ip` is not an IPv4/IPv6 address (no brackets). */
gboolean sip_auth_source_parse(const char *ip, SipAuthSource *out);

/* Looks up the secret of an authentication user name; NULL = unknown. */
typedef const char *(*SipAuthSecretFunc)(const char *username, gpointer data);

/* Checks the credentials of `msg` (Authorization when `proxy` is FALSE,
 * Proxy-Authorization otherwise) for our realm.  On SIP_AUTH_OK
 * *username is set (g_free it).  Counts failures for `source`. */
SipAuthResult sip_auth_verify(SipAuth *auth, const SipMsg *msg, gboolean proxy,
                              const SipAuthSource *source, SipAuthSecretFunc lookup,
                              gpointer data, char **username);

/* Appends the challenge header lines (WWW-Authenticate, or
 * Proxy-Authenticate when `proxy`), each ending in CRLF, with a fresh
 * nonce for `source`: one per configured algorithm, or only MD5 when
 * `md5_only` (for clients that reject a challenge they cannot use). */
void sip_auth_append_challenge(SipAuth *auth, const SipAuthSource *source, gboolean proxy,
                               gboolean stale, gboolean md5_only, GString *out);

/* Blocking of sources that fail too often.  sip_auth_any_failures() is
 * a cheap first check for the per-request path. */
gboolean sip_auth_any_failures(const SipAuth *auth);
gboolean sip_auth_is_blocked(SipAuth *auth, const SipAuthSource *source);
gboolean sip_auth_unblock(SipAuth *auth, const char *address);
typedef void (*SipAuthBlockedFunc)(const char *address, guint failures,
                                   gint64 seconds_left, gpointer data);
void sip_auth_foreach_blocked(SipAuth *auth, SipAuthBlockedFunc fn, gpointer data);

/* Accept MD5 credentials even when MD5 is not among the configured
 * algorithms (because md5_only challenges are sent to some clients). */
void sip_auth_set_md5_only_allowed(SipAuth *auth, gboolean allowed);

/* Frees the digests and context kept between uses (call before the
 * module's code is unloaded). */
void sip_auth_release_globals(void);

/* For tests: the clock in seconds (monotonic by default). */
void sip_auth_set_clock(SipAuth *auth, gint64 (*now)(void));
/* Computes a digest response as a client would (tests, and outgoing
 * authentication later).  Returns a newly allocated hex string. */
char *sip_auth_compute_response(SipDigestAlgorithm alg, const char *username,
                                const char *realm, const char *password,
                                const char *method, const char *uri,
                                const char *nonce, const char *nc,
                                const char *cnonce, const char *qop);

G_END_DECLS
