/* Carillon - SDP (RFC 8866, formerly 4566) parsing and writing, and the
 * offer/answer helpers of RFC 3264 that a PBX needs: codec lists with
 * rtpmap/fmtp, payload types, direction attributes, c= (IPv4 and IPv6),
 * m= lines, and a=crypto kept opaque for the SRTP code.
 *
 * Part of libcarillon-sipmsg.  Unlike the SIP parser, a parsed SdpSession owns copies of its
 * strings: a session description outlives the message that carried it.  Objects are plain data, not
 * thread-affine; one owner at a time.
 */
#pragma once

#include <glib.h>
#include <carillon/sip/msg.h>

G_BEGIN_DECLS

#define SDP_ERROR (sdp_error_quark())
SIP_EXPORT GQuark sdp_error_quark(void);

typedef enum {
    SDP_ERROR_PARSE,            /* malformed description (message names the line) */
    SDP_ERROR_NO_COMMON_MEDIA   /* offer/answer: nothing acceptable (send 488) */
} SdpError;

typedef enum {
    SDP_DIR_SENDRECV = 0,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE
} SdpDirection;

typedef enum {
    SDP_ADDR_OTHER = 0,         /* unknown addrtype: see addrtype string */
    SDP_ADDR_IP4,
    SDP_ADDR_IP6
} SdpAddrType;

/* c= line (also the address part of o=).  address == NULL: absent. */
typedef struct {
    char *nettype;              /* "IN" */
    char *addrtype;             /* "IP4", "IP6" as written */
    SdpAddrType type;
    char *address;              /* without /ttl and /count */
    guint ttl;                  /* IPv4 multicast TTL, 0 if none */
    guint num_addresses;        /* 1 unless "/n" given */
} SdpConnection;

typedef struct {
    char *username;             /* "-" when none */
    char *sess_id;              /* numeric string as written */
    guint64 sess_version;
    SdpConnection address;
} SdpOrigin;

typedef struct {
    guint payload_type;         /* 0..127 */
    char *encoding;             /* "PCMU", "opus"; NULL for an unknown dynamic PT */
    guint clock_rate;
    guint channels;             /* 1 unless given */
    char *fmtp;                 /* a=fmtp parameters, NULL if none */
    gboolean has_rtpmap;        /* encoding came from a=rtpmap (else static table) */
} SdpCodec;

typedef struct {
    char *name;
    char *value;                /* NULL for a property attribute (a=rtcp-mux) */
} SdpAttribute;

typedef struct {
    char *media;                /* "audio", "video", "image", ... */
    guint port;                 /* 0: stream rejected / disabled */
    guint num_ports;            /* 1 unless "port/n" */
    char *proto;                /* "RTP/AVP", "RTP/SAVP", "udptl", ... */
    GPtrArray *formats;         /* char *, as listed on the m= line */
    GArray *codecs;             /* SdpCodec, m= order; RTP profiles only */
    char *info;                 /* i=, NULL if none */
    SdpConnection connection;   /* media-level c=, address NULL if none */
    GPtrArray *bandwidths;      /* char *, "AS:64" */
    SdpDirection direction;
    gboolean has_direction;     /* a direction attribute at media level */
    guint ptime;                /* a=ptime, 0 if none */
    guint maxptime;             /* a=maxptime, 0 if none */
    GPtrArray *crypto;          /* char *, a=crypto values (opaque) */
    GPtrArray *attributes;      /* SdpAttribute *, every other a= line in order */
} SdpMedia;

typedef struct {
    guint version;              /* v=, always 0 */
    SdpOrigin origin;
    char *session_name;         /* s=, "-" when absent */
    GPtrArray *extra_lines;     /* char *, raw "i=", "u=", "e=", "p=", "z=", "k=" lines */
    SdpConnection connection;   /* session-level c= */
    GPtrArray *bandwidths;      /* char * */
    GPtrArray *time_lines;      /* char *, raw "t=" and "r=" lines; "t=0 0" if none */
    SdpDirection direction;
    gboolean has_direction;
    GPtrArray *attributes;      /* SdpAttribute *, session level */
    GPtrArray *media;           /* SdpMedia * */
} SdpSession;

SIP_EXPORT SdpSession *sdp_session_new(void);
SIP_EXPORT void sdp_session_free(SdpSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdpSession, sdp_session_free)

SIP_EXPORT SdpMedia *sdp_media_new(const char *media, guint port, const char *proto);
SIP_EXPORT void sdp_media_free(SdpMedia *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdpMedia, sdp_media_free)

/* Parse a session description (CRLF or LF line ends).  Tolerant of what
 * real phones send (missing s= or t=, unknown line types, attributes it
 * does not know) but not of broken structure: the first line must be
 * v=0, every line must be "<letter>=<value>", m=/c=/o=/rtpmap/fmtp must
 * be well formed.  NULL with SDP_ERROR_PARSE naming the line otherwise. */
SIP_EXPORT SdpSession *sdp_session_parse(const char *buf, gsize len, GError **error);

/* Append the description in RFC 8866 line order with CRLF line ends. */
SIP_EXPORT void sdp_session_write(const SdpSession *session, GString *out);

/* Convenience: sdp_session_write into a new string. */
SIP_EXPORT char *sdp_session_to_string(const SdpSession *session);

/* The direction in force for a stream: its own attribute, else the
 * session's, else sendrecv. */
SIP_EXPORT SdpDirection sdp_media_get_direction(const SdpSession *session, const SdpMedia *media);

/* The c= in force for a stream: media level, else session level; NULL
 * when neither exists. */
SIP_EXPORT const SdpConnection *sdp_media_get_connection(const SdpSession *session,
                                              const SdpMedia *media);

/* The codec with this payload type, or NULL. */
SIP_EXPORT const SdpCodec *sdp_media_find_codec(const SdpMedia *media, guint payload_type);

/* Append a codec (copies strings); channels 0 means 1. */
SIP_EXPORT void sdp_media_add_codec(SdpMedia *media, guint payload_type, const char *encoding,
                         guint clock_rate, guint channels, const char *fmtp);

/* Append a generic attribute (value NULL for a property). */
SIP_EXPORT void sdp_media_add_attribute(SdpMedia *media, const char *name, const char *value);

/* The first attribute with this name at media level, or NULL. */
SIP_EXPORT const SdpAttribute *sdp_media_find_attribute(const SdpMedia *media, const char *name);

SIP_EXPORT const char *sdp_direction_to_string(SdpDirection direction);
/* "sendrecv" etc.; FALSE for anything else. */
SIP_EXPORT gboolean sdp_direction_from_string(const char *s, SdpDirection *direction);

/* The direction an answerer uses given the offer's and its own wish
 * (RFC 3264 6.1): sendonly <-> recvonly, inactive stays inactive. */
SIP_EXPORT SdpDirection sdp_direction_answer(SdpDirection offered, SdpDirection local);

/* RFC 3551 static payload types: encoding/clock/channels of pt 0..34;
 * FALSE for dynamic or unassigned ones. */
SIP_EXPORT gboolean sdp_static_payload(guint payload_type, const char **encoding, guint *clock_rate,
                            guint *channels);

/* ------------------------------------------------------------------ */
/* Offer / answer                                                      */
/* ------------------------------------------------------------------ */

/* One codec we support, in preference order.  payload_type is used in
 * offers (a static PT, or a dynamic 96..127); answers reuse the offer's
 * payload type numbers (RFC 3264 6.1). */
typedef struct {
    const char *encoding;       /* "PCMU", "telephone-event" (case-insensitive match) */
    guint clock_rate;
    guint channels;             /* 0 or 1: mono */
    guint payload_type;
    const char *fmtp;           /* our fmtp; NULL: echo the offer's in answers */
} SdpCodecPref;

/* What we can do for one media type. */
typedef struct {
    const char *media;          /* "audio" */
    guint port;                 /* local RTP port */
    const SdpCodecPref *codecs;
    guint n_codecs;
    SdpDirection direction;     /* our wish: sendrecv, or sendonly when holding */
    const char *const *protos;  /* accepted transport protos, NULL-terminated; NULL = RTP/AVP */
    const char *const *crypto;  /* a=crypto values to add (SAVP), NULL-terminated, or NULL */
    guint ptime;                /* 0: none */
} SdpMediaPref;

typedef struct {
    const char *username;       /* o= username; NULL = "-" */
    guint64 session_id;
    guint64 session_version;
    const char *address;        /* our IP for o= and c= (IPv6 if it has ':') */
    const char *session_name;   /* NULL = "-" */
    const SdpMediaPref *media;
    guint n_media;
} SdpLocalParams;

/* A new offer with one m= line per media pref, codecs in preference
 * order with rtpmap (and fmtp) lines. */
SIP_EXPORT SdpSession *sdp_offer_create(const SdpLocalParams *local);

/* An answer to offer (RFC 3264 6): one m= line per offered stream in the
 * same order; each media pref accepts the first offered stream of its
 * type with an accepted proto and at least one common codec other than
 * telephone-event/CN; codecs are those common to both in our preference
 * order, with the offer's payload types; direction per
 * sdp_direction_answer(); every other stream is rejected (port 0).
 * NULL with SDP_ERROR_NO_COMMON_MEDIA if nothing was accepted. */
SIP_EXPORT SdpSession *sdp_answer_create(const SdpSession *offer, const SdpLocalParams *local,
                              GError **error);

G_END_DECLS
