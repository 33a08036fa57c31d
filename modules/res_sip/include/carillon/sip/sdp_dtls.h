/* Carillon - the SDP attributes of DTLS-SRTP (RFC 5763, 8122, 4145,
 * 5761): a=fingerprint (hash function and certificate digest),
 * a=setup (who starts the DTLS handshake) and a=rtcp-mux.
 *
 * Part of libcarillon-sipmsg.  Plain data, no thread affinity.
 */
#pragma once

#include <glib.h>
#include <carillon/sip/sdp.h>

G_BEGIN_DECLS

#define SDP_DTLS_ERROR (sdp_dtls_error_quark())
SIP_EXPORT GQuark sdp_dtls_error_quark(void);

typedef enum {
    SDP_DTLS_ERROR_PARSE,       /* malformed attribute (the message says which) */
    SDP_DTLS_ERROR_MISSING,     /* no usable a=fingerprint */
} SdpDtlsError;

/* a=setup (RFC 4145 4). */
typedef enum {
    SDP_SETUP_NONE = 0,         /* absent */
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE,
    SDP_SETUP_HOLDCONN,
} SdpSetup;

#define SDP_FINGERPRINT_MAX 64  /* SHA-512 */

/* a=fingerprint (RFC 8122 5): hash-func SP 2HEX *(":" 2HEX). */
typedef struct {
    char hash[8];               /* lower case: "sha-256", "sha-1", ... */
    guint8 digest[SDP_FINGERPRINT_MAX];
    guint len;                  /* the hash function's length */
} SdpFingerprint;

/* The DTLS attributes in force for a stream: media level, else session
 * level (RFC 8122 5: either may carry them). */
typedef struct {
    SdpSetup setup;
    gboolean has_fingerprint;   /* a SHA-256 one (the only hash we use) */
    SdpFingerprint fingerprint;
    gboolean rtcp_mux;
} SdpDtlsAttrs;

/* "actpass", "active", ... (case-insensitive); FALSE with
 * SDP_DTLS_ERROR_PARSE for anything else. */
SIP_EXPORT gboolean sdp_setup_parse(const char *value, SdpSetup *out, GError **error);
SIP_EXPORT const char *sdp_setup_to_string(SdpSetup setup);

/* One a=fingerprint value: a known hash function (md5, sha-1, sha-224,
 * sha-256, sha-384, sha-512; case-insensitive) and exactly its number of
 * colon-separated hex pairs. */
SIP_EXPORT gboolean sdp_fingerprint_parse(const char *value, SdpFingerprint *out,
                                          GError **error);
/* "sha-256 AB:CD:..." (upper-case hex).  g_free. */
SIP_EXPORT char *sdp_fingerprint_to_value(const SdpFingerprint *fp);

/* The stream's attributes.  Malformed setup or fingerprint lines are an
 * error (SDP_DTLS_ERROR_PARSE); fingerprints with other hashes are
 * skipped; several setup lines must agree.  Absent attributes leave
 * the fields zero. */
SIP_EXPORT gboolean sdp_media_get_dtls(const SdpSession *session, const SdpMedia *media,
                                       SdpDtlsAttrs *out, GError **error);

/* Adds our a=setup, a=fingerprint (and a=rtcp-mux when mux) to media. */
SIP_EXPORT void sdp_media_add_dtls(SdpMedia *media, SdpSetup setup, const SdpFingerprint *fp,
                                   gboolean mux);

G_END_DECLS
