/* Carillon - SDES (RFC 4568): the value of an SDP a=crypto attribute,
 *
 *     <tag> <crypto-suite> inline:<key||salt base64>[|lifetime][|MKI:len] [session params]
 *
 * parsed into a suite and its master key and salt, and written back.
 * The suites are those of RFC 4568 / RFC 7714 that res_rtp keys
 * libsrtp2 with: AES_CM_128_HMAC_SHA1_80 and _32, AEAD_AES_128_GCM,
 * AEAD_AES_256_GCM.  Only one key (one inline: parameter) is taken, as
 * every phone sends; MKI and session parameters are parsed and reported
 * so that the caller can skip a line it cannot honour.
 *
 * The master key is secret: nothing here logs it, and the error
 * messages never quote the key parameter.  SdpCrypto is plain data (no
 * thread affinity); sdp_crypto_clear() wipes it.
 *
 * Part of libcarillon-sipmsg.
 */
#pragma once

#include <glib.h>
#include <carillon/sip/msg.h>

G_BEGIN_DECLS

#define SDP_CRYPTO_ERROR (sdp_crypto_error_quark())
SIP_EXPORT GQuark sdp_crypto_error_quark(void);

typedef enum {
    SDP_CRYPTO_ERROR_PARSE,     /* malformed value (message says which part) */
    SDP_CRYPTO_ERROR_SUITE,     /* well formed, but a suite we do not support */
} SdpCryptoError;

typedef enum {
    SDP_SRTP_AES_CM_128_HMAC_SHA1_80 = 0,
    SDP_SRTP_AES_CM_128_HMAC_SHA1_32,
    SDP_SRTP_AEAD_AES_128_GCM,
    SDP_SRTP_AEAD_AES_256_GCM,
    SDP_SRTP_N_SUITES
} SdpSrtpSuite;

/* The longest master key + salt of the suites: 32 + 12 (AES-256-GCM). */
#define SDP_CRYPTO_MAX_KEY 46

typedef struct {
    guint tag;                  /* 1..999999999 */
    SdpSrtpSuite suite;
    guint8 key[SDP_CRYPTO_MAX_KEY];     /* master key, then master salt */
    guint key_len;              /* == sdp_srtp_suite_key_len(suite) */
    guint64 lifetime;           /* packets; 0: not given */
    guint mki_len;              /* 0: no MKI */
    guint32 mki;
    gboolean session_params;    /* session parameters follow the key (KDR, UNENCRYPTED_SRTP...) */
} SdpCrypto;

/* "AES_CM_128_HMAC_SHA1_80" etc. */
SIP_EXPORT const char *sdp_srtp_suite_name(SdpSrtpSuite suite);
/* FALSE for a name not in the list (case-sensitive, as RFC 4568 says). */
SIP_EXPORT gboolean sdp_srtp_suite_from_name(const char *name, gsize len, SdpSrtpSuite *suite);
/* Master key + master salt length in bytes: 30, 30, 28, 44. */
SIP_EXPORT guint sdp_srtp_suite_key_len(SdpSrtpSuite suite);

/* Parses an a=crypto value (without "a=crypto:").  FALSE with
 * SDP_CRYPTO_ERROR_PARSE for bad syntax, a key of the wrong length or
 * bad base64, a lifetime or MKI out of range; SDP_CRYPTO_ERROR_SUITE
 * for an unknown suite.  *out is wiped on failure. */
SIP_EXPORT gboolean sdp_crypto_parse(const char *value, SdpCrypto *out, GError **error);

/* "<tag> <suite> inline:<base64>" (no lifetime, MKI or session
 * parameters): the value of our own a=crypto.  A new string, which
 * holds the key: free it with sdp_crypto_free_value(). */
SIP_EXPORT char *sdp_crypto_to_value(const SdpCrypto *crypto);
/* Wipes and frees a string from sdp_crypto_to_value() (NULL ok). */
SIP_EXPORT void sdp_crypto_free_value(char *value);
/* Wipes the key. */
SIP_EXPORT void sdp_crypto_clear(SdpCrypto *crypto);

G_END_DECLS
