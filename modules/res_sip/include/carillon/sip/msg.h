/* Carillon - SIP message layer: zero-copy parser, header-value parsers,
 * URIs, digest parameters, multipart bodies and the message builder.
 *
 * The message layer is libcarillon-sipmsg, a shared library installed
 * beside the modules: res_sip, chan_sip, res_registrar and modules built
 * outside the tree link it (pkg-config carillon-sip) instead of carrying
 * a copy.  It keeps no state, so it needs no module to be loaded first.
 *
 * Everything here works on slices into the caller's buffer: a parsed
 * SipMsg never owns memory and never copies the message, so the buffer
 * must outlive every slice taken from it.  Nothing in this header blocks,
 * logs or touches global state; every function may be called from any
 * thread as long as one SipMsg is used by one thread at a time.
 *
 * Folded header values (CRLF followed by SP/HT) are kept as they are in
 * the buffer: a value slice may contain CR and LF bytes.  All value
 * parsers below treat CR, LF, SP and HT alike as linear white space, so
 * callers never have to unfold; sip_slice_unfold() makes a clean copy
 * when one is needed (e.g. for display or logging).
 *
 * Strings in slices are not NUL-terminated and may contain NUL bytes
 * (escaped %00 is decoded only by sip_unescape(); quoted-pair "\<NUL>" is
 * legal inside quoted strings).  Print with "%.*s" and SIP_SLICE_ARGS().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Marks the functions libcarillon-sipmsg exports (it is built with
 * -fvisibility=hidden, so its internal helpers stay private). */
#if defined(__GNUC__)
#define SIP_EXPORT __attribute__((visibility("default")))
#else
#define SIP_EXPORT
#endif

/* Errors of the SIP modules' GError-returning functions. */
#define SIP_ERROR (sip_error_quark())
typedef enum {
    SIP_ERROR_INVALID,          /* a request or argument that is not valid SIP */
    SIP_ERROR_TRANSPORT,        /* no transport fits, or sending failed */
    SIP_ERROR_ROUTE,            /* no next hop, or it does not resolve */
} SipError;

SIP_EXPORT GQuark sip_error_quark(void);

/* ------------------------------------------------------------------ */
/* Slices                                                              */
/* ------------------------------------------------------------------ */

/* A view into the caller's buffer.  p == NULL means "absent"; a present
 * but empty value has p != NULL and len == 0. */
typedef struct {
    const char *p;
    guint32 len;
} SipSlice;

#define SIP_SLICE_NULL ((SipSlice) { NULL, 0 })
#define SIP_SLICE_ARGS(s) (int) (s).len, ((s).p ? (s).p : "")
#define sip_slice_present(s) ((s).p != NULL)

/* Slice over a NUL-terminated string (for comparisons and tests). */
SIP_EXPORT SipSlice sip_slice_from_str(const char *str);

/* Exact (case-sensitive) comparison with a NUL-terminated string. */
SIP_EXPORT gboolean sip_slice_eq(SipSlice s, const char *str);

/* ASCII case-insensitive comparison with a NUL-terminated string. */
SIP_EXPORT gboolean sip_slice_case_eq(SipSlice s, const char *str);

/* Compare two slices; the _case_ variant ignores ASCII case. */
SIP_EXPORT gboolean sip_slice_equal(SipSlice a, SipSlice b);
SIP_EXPORT gboolean sip_slice_case_equal(SipSlice a, SipSlice b);

/* Copy a possibly folded value to out (appended), replacing every run of
 * CR/LF/SP/HT by one SP.  Returns out->str + old length. */
SIP_EXPORT const char *sip_slice_unfold(SipSlice s, GString *out);

/* Decimal text of v in buf (NUL-terminated); returns its length.  For
 * the per-message paths, instead of printf. */
SIP_EXPORT gsize sip_format_uint(char buf[24], guint64 v);
/* 16 lowercase hex digits of v and a NUL. */
SIP_EXPORT void sip_format_hex64(char buf[17], guint64 v);

/* Parse a decimal unsigned number that fills the whole slice (after
 * trimming LWS).  FALSE on empty input, non-digits or a value > max. */
SIP_EXPORT gboolean sip_slice_to_uint(SipSlice s, guint64 max, guint64 *value);

/* Decode %HH escapes of s and append the result to out (NUL bytes from
 * %00 included; out->len tells the length).  FALSE on a malformed escape
 * (out then holds a partial result). */
SIP_EXPORT gboolean sip_unescape(SipSlice s, GString *out);

/* Decode a quoted-string body (the bytes between the quotes, as found in
 * SipNameAddr.display or the digest slices): every "\x" becomes "x".
 * Appends to out. */
SIP_EXPORT void sip_unquote(SipSlice s, GString *out);

/* ------------------------------------------------------------------ */
/* Methods and header names                                            */
/* ------------------------------------------------------------------ */

typedef enum {
    SIP_METHOD_UNKNOWN = 0,     /* any other token: see method_name */
    SIP_METHOD_INVITE,
    SIP_METHOD_ACK,
    SIP_METHOD_BYE,
    SIP_METHOD_CANCEL,
    SIP_METHOD_OPTIONS,
    SIP_METHOD_REGISTER,
    SIP_METHOD_PRACK,
    SIP_METHOD_SUBSCRIBE,
    SIP_METHOD_NOTIFY,
    SIP_METHOD_PUBLISH,
    SIP_METHOD_INFO,
    SIP_METHOD_REFER,
    SIP_METHOD_MESSAGE,
    SIP_METHOD_UPDATE,
    SIP_METHOD__COUNT
} SipMethod;

/* Method names are case-sensitive (RFC 3261 7.1). */
SIP_EXPORT SipMethod sip_method_from_slice(SipSlice name);
SIP_EXPORT const char *sip_method_name(SipMethod method);   /* NULL for UNKNOWN */

/* Known headers.  Values are stable (append only). */
typedef enum {
    SIP_HDR_OTHER = 0,          /* unknown name: compare SipHeader.name */
    SIP_HDR_ACCEPT,
    SIP_HDR_ACCEPT_CONTACT,     /* a */
    SIP_HDR_ACCEPT_ENCODING,
    SIP_HDR_ACCEPT_LANGUAGE,
    SIP_HDR_ALERT_INFO,
    SIP_HDR_ALLOW,
    SIP_HDR_ALLOW_EVENTS,       /* u */
    SIP_HDR_AUTHENTICATION_INFO,
    SIP_HDR_AUTHORIZATION,
    SIP_HDR_CALL_ID,            /* i */
    SIP_HDR_CALL_INFO,
    SIP_HDR_CONTACT,            /* m */
    SIP_HDR_CONTENT_DISPOSITION,
    SIP_HDR_CONTENT_ENCODING,   /* e */
    SIP_HDR_CONTENT_LANGUAGE,
    SIP_HDR_CONTENT_LENGTH,     /* l */
    SIP_HDR_CONTENT_TYPE,       /* c */
    SIP_HDR_CSEQ,
    SIP_HDR_DATE,
    SIP_HDR_ERROR_INFO,
    SIP_HDR_EVENT,              /* o */
    SIP_HDR_EXPIRES,
    SIP_HDR_FROM,               /* f */
    SIP_HDR_IDENTITY,           /* y */
    SIP_HDR_IDENTITY_INFO,      /* n */
    SIP_HDR_IN_REPLY_TO,
    SIP_HDR_MAX_FORWARDS,
    SIP_HDR_MIME_VERSION,
    SIP_HDR_MIN_EXPIRES,
    SIP_HDR_MIN_SE,
    SIP_HDR_ORGANIZATION,
    SIP_HDR_P_ASSERTED_IDENTITY,
    SIP_HDR_P_PREFERRED_IDENTITY,
    SIP_HDR_PATH,
    SIP_HDR_PRIORITY,
    SIP_HDR_PRIVACY,
    SIP_HDR_PROXY_AUTHENTICATE,
    SIP_HDR_PROXY_AUTHORIZATION,
    SIP_HDR_PROXY_REQUIRE,
    SIP_HDR_RACK,
    SIP_HDR_REASON,
    SIP_HDR_RECORD_ROUTE,
    SIP_HDR_REFER_SUB,
    SIP_HDR_REFER_TO,           /* r */
    SIP_HDR_REFERRED_BY,        /* b */
    SIP_HDR_REJECT_CONTACT,     /* j */
    SIP_HDR_REPLACES,
    SIP_HDR_REPLY_TO,
    SIP_HDR_REQUEST_DISPOSITION, /* d */
    SIP_HDR_REQUIRE,
    SIP_HDR_RETRY_AFTER,
    SIP_HDR_ROUTE,
    SIP_HDR_RSEQ,
    SIP_HDR_SERVER,
    SIP_HDR_SERVICE_ROUTE,
    SIP_HDR_SESSION_EXPIRES,    /* x */
    SIP_HDR_SIP_ETAG,
    SIP_HDR_SIP_IF_MATCH,
    SIP_HDR_SUBJECT,            /* s */
    SIP_HDR_SUBSCRIPTION_STATE,
    SIP_HDR_SUPPORTED,          /* k */
    SIP_HDR_TIMESTAMP,
    SIP_HDR_TO,                 /* t */
    SIP_HDR_UNSUPPORTED,
    SIP_HDR_USER_AGENT,
    SIP_HDR_VIA,                /* v */
    SIP_HDR_WARNING,
    SIP_HDR_WWW_AUTHENTICATE,
    SIP_HDR__COUNT
} SipHeaderId;

/* Identify a header name (full or compact form, ASCII case-insensitive).
 * Returns SIP_HDR_OTHER for unknown names and for anything that is not a
 * token. */
SIP_EXPORT SipHeaderId sip_header_lookup(const char *name, gsize len);

/* Canonical full name ("Call-ID", "WWW-Authenticate"); NULL for OTHER. */
SIP_EXPORT const char *sip_header_name(SipHeaderId id);

/* ------------------------------------------------------------------ */
/* URIs                                                                */
/* ------------------------------------------------------------------ */

typedef enum {
    SIP_URI_SCHEME_NONE = 0,    /* not parsed / invalid */
    SIP_URI_SCHEME_SIP,
    SIP_URI_SCHEME_SIPS,
    SIP_URI_SCHEME_TEL,
    SIP_URI_SCHEME_OTHER        /* any other absoluteURI: see opaque */
} SipUriScheme;

typedef enum {
    SIP_HOST_NONE = 0,
    SIP_HOST_NAME,
    SIP_HOST_IPV4,
    SIP_HOST_IPV6               /* host slice includes the brackets */
} SipHostType;

/* A parsed URI.  Slices are as on the wire (still %-escaped); decode with
 * sip_unescape().  For tel: URIs the number is in user, its parameters in
 * params; for OTHER schemes only scheme_name and opaque are set. */
typedef struct {
    SipUriScheme scheme;
    SipHostType host_type;
    SipSlice scheme_name;
    SipSlice user;              /* absent when the URI has no userinfo */
    SipSlice password;          /* absent when there is no ':' in userinfo */
    SipSlice host;
    guint16 port;
    gboolean has_port;
    SipSlice params;            /* "a=b;lr" without the leading ';' */
    SipSlice headers;           /* "a=b&c=d" without the leading '?' */
    SipSlice opaque;            /* everything after "scheme:" */
    /* well-known uri-parameters, found in params (values still escaped) */
    SipSlice transport;
    SipSlice user_param;
    SipSlice maddr;
    SipSlice ttl;
    SipSlice method;
    gboolean lr;
} SipUri;

/* Parse one URI occupying the whole slice.  sip:/sips: per RFC 3261 25.1,
 * tel: per RFC 3966 (loosely: number + params), anything else as an
 * RFC 3261 absoluteURI.  Returns FALSE on any syntax error (uri->scheme is
 * then NONE). */
SIP_EXPORT gboolean sip_uri_parse(SipSlice text, SipUri *uri);

/* URI equivalence per RFC 3261 19.1.4 (sip/sips), RFC 3966 5 (tel, visual
 * separators ignored) or byte equality (other schemes).  Escapes of
 * unreserved characters compare equal to the characters themselves. */
SIP_EXPORT gboolean sip_uri_equal(const SipUri *a, const SipUri *b);

/* Find a URI parameter by name (case-insensitive).  value is absent for a
 * parameter without '='.  Returns FALSE when the parameter is missing. */
SIP_EXPORT gboolean sip_uri_get_param(const SipUri *uri, const char *name, SipSlice *value);

/* Find a URI header (?name=value) by name (case-insensitive). */
SIP_EXPORT gboolean sip_uri_get_header(const SipUri *uri, const char *name, SipSlice *value);

/* Append the URI in wire form (it is re-emitted from its slices). */
SIP_EXPORT void sip_uri_append(const SipUri *uri, GString *out);

/* ------------------------------------------------------------------ */
/* Generic parameters (";name=value" lists)                            */
/* ------------------------------------------------------------------ */

typedef struct {
    SipSlice name;
    SipSlice value;             /* absent if no '='; quotes kept */
} SipParam;

/* Iterate a parameter list such as SipNameAddr.params or SipVia.params.
 * *cursor starts as the list slice and is advanced; returns 1 with *param
 * filled, 0 at the end, -1 on a syntax error.  LWS around ';' and '=' is
 * allowed (folding included); quoted values are accepted. */
SIP_EXPORT int sip_param_next(SipSlice *cursor, SipParam *param);

/* Find a parameter by name (case-insensitive) in a list. */
SIP_EXPORT gboolean sip_params_find(SipSlice params, const char *name, SipSlice *value);

/* ------------------------------------------------------------------ */
/* Header value types                                                  */
/* ------------------------------------------------------------------ */

/* name-addr / addr-spec with header parameters (From, To, Contact,
 * Route, Record-Route, Refer-To, Reply-To, P-Asserted-Identity, ...). */
typedef struct {
    SipSlice display;           /* without quotes when quoted (escapes kept) */
    gboolean display_quoted;
    gboolean bracketed;         /* "<uri>" form */
    SipSlice uri;               /* the URI text; parse with sip_uri_parse() */
    SipSlice params;            /* header params after the URI, no leading ';' */
    SipSlice tag;               /* the tag param, absent if none */
} SipNameAddr;

typedef enum {
    SIP_TRANSPORT_OTHER = 0,
    SIP_TRANSPORT_UDP,
    SIP_TRANSPORT_TCP,
    SIP_TRANSPORT_TLS,
    SIP_TRANSPORT_SCTP,
    SIP_TRANSPORT_WS,
    SIP_TRANSPORT_WSS
} SipTransport;

typedef struct {
    SipSlice protocol_name;     /* "SIP" */
    SipSlice protocol_version;  /* "2.0" */
    SipSlice transport_name;    /* "UDP", as written */
    SipTransport transport;
    SipSlice host;              /* sent-by host (IPv6 with brackets) */
    SipHostType host_type;
    guint16 port;               /* 0 when absent */
    SipSlice params;            /* all via-params, no leading ';' */
    SipSlice branch;
    SipSlice received;
    SipSlice maddr;
    SipSlice ttl;
    SipSlice rport;             /* present (maybe empty) if "rport" given */
    SipSlice raw;               /* the whole via-parm */
} SipVia;

typedef struct {
    guint32 number;
    SipMethod method;
    SipSlice method_name;
} SipCSeq;

typedef struct {
    SipSlice type;              /* "application" */
    SipSlice subtype;           /* "sdp" */
    SipSlice params;            /* no leading ';' */
} SipMediaType;

typedef struct {
    SipNameAddr addr;
    gboolean star;              /* "Contact: *" */
    gint q;                     /* q * 1000, or -1 when absent */
    gint64 expires;             /* -1 when absent; saturates at G_MAXUINT32 */
    SipSlice instance;          /* +sip.instance value (quotes kept) */
    gint64 reg_id;              /* -1 when absent */
} SipContact;

typedef struct {
    SipSlice package;           /* event-type, e.g. "dialog" or "presence.winfo" */
    SipSlice id;
    SipSlice params;
} SipEvent;

typedef struct {
    SipSlice call_id;
    SipSlice to_tag;
    SipSlice from_tag;
    gboolean early_only;
    SipSlice params;
} SipReplaces;

/* Single-value parsers.  Each takes the header value slice (as found in
 * SipHeader.value, folding allowed) and returns FALSE on a syntax error,
 * leaving *out zeroed.  The whole slice must be consumed. */
SIP_EXPORT gboolean sip_parse_name_addr(SipSlice value, SipNameAddr *out);
SIP_EXPORT gboolean sip_parse_via(SipSlice value, SipVia *out);
SIP_EXPORT gboolean sip_parse_cseq(SipSlice value, SipCSeq *out);
SIP_EXPORT gboolean sip_parse_media_type(SipSlice value, SipMediaType *out);
SIP_EXPORT gboolean sip_parse_contact(SipSlice value, SipContact *out);
SIP_EXPORT gboolean sip_parse_event(SipSlice value, SipEvent *out);
SIP_EXPORT gboolean sip_parse_replaces(SipSlice value, SipReplaces *out);

/* Parse a "Expires"/"Min-Expires"/"Max-Forwards"-style delta; saturates
 * at G_MAXUINT32 for huge numbers (RFC 3261 20.19 lets a receiver treat an
 * out-of-range expiry as the default).  FALSE if not a number. */
SIP_EXPORT gboolean sip_parse_delta_seconds(SipSlice value, guint32 *out);

/* ------------------------------------------------------------------ */
/* The parsed message                                                  */
/* ------------------------------------------------------------------ */

#define SIP_MSG_MAX_HEADERS 96
#define SIP_MSG_REASON_MAX 96
#define SIP_HDR_INDEX_NONE 0xff

typedef struct {
    SipSlice name;              /* as written ("v", "VIA", "Via") */
    SipSlice value;             /* LWS-trimmed; may contain folds */
    SipSlice line;              /* whole header incl. folds, no final CRLF */
    guint8 id;                  /* SipHeaderId */
    guint8 next;                /* index of next header with the same id */
    guint8 folded;              /* value contains CR/LF */
    guint8 reserved;
} SipHeader;

typedef enum {
    SIP_PARSE_OK = 0,
    SIP_PARSE_KEEPALIVE,        /* only CR/LF bytes: ignore (RFC 5626 ping) */
    SIP_PARSE_ERROR_REQUEST,    /* bad request: reply msg->error_code/reason */
    SIP_PARSE_ERROR_RESPONSE,   /* bad response: drop silently */
    SIP_PARSE_ERROR_GARBAGE     /* not SIP at all: drop silently */
} SipParseResult;

typedef enum {
    SIP_PARSE_DATAGRAM = 0,     /* missing Content-Length: body = rest */
    SIP_PARSE_STREAM            /* buffer is one framed message; CL required */
} SipParseMode;

typedef struct {
    guint32 max_message_size;   /* larger -> 513 (default 65535) */
    guint32 max_headers;        /* more -> 400 "Too many headers" (96, <= SIP_MSG_MAX_HEADERS) */
    guint32 max_line_length; /* longer header (with folds) -> 400 "Header line too long" (8192) */
} SipParseLimits;

/* Fill limits with the defaults above. */
SIP_EXPORT void sip_parse_limits_init(SipParseLimits *limits);

/* A parsed message.  Large (~6.5 KB): allocate once and reuse; sip_msg_parse
 * resets it.  Do not copy it by value: error_reason may point into its
 * own reason_buf.  Fields after a failed parse are valid up to the error: all
 * header lines are split even when one eager value is malformed, so a 400
 * can still copy Via/From/To/Call-ID/CSeq (see sip_msg_build_response). */
typedef struct {
    /* outcome */
    guint16 error_code;         /* 0, 400, 505, 513 */
    guint8 error_header;        /* SipHeaderId of the offending header or 0 */
    const char *error_reason;   /* reason phrase to send, NULL if none */

    /* start line */
    gboolean is_request;
    SipSlice start_line;
    SipMethod method;           /* requests */
    SipSlice method_name;
    SipSlice ruri_text;
    SipUri ruri;                /* parsed; scheme OTHER -> 416 is for the UAS */
    guint status_code;          /* responses, 100..699 */
    SipSlice reason;            /* responses, may be empty */

    /* eagerly parsed headers (absent slices / -1 when the header is) */
    SipVia via;                 /* topmost via-parm */
    SipCSeq cseq;
    SipSlice call_id;
    SipNameAddr from;
    SipNameAddr to;
    gint max_forwards;          /* -1 absent */
    gint64 content_length;      /* -1 absent */
    SipSlice content_type;      /* raw value */
    SipMediaType content_type_parsed;

    /* framing */
    SipSlice headers_block;     /* from first header to the blank line */
    SipSlice body;              /* Content-Length bytes (or rest of datagram) */
    gsize msg_len;              /* bytes of this message in the buffer */

    guint n_headers;
    guint8 first[SIP_HDR__COUNT];   /* first index per id, SIP_HDR_INDEX_NONE */
    guint8 count[SIP_HDR__COUNT];   /* header lines per id */
    char reason_buf[SIP_MSG_REASON_MAX];
    SipHeader headers[SIP_MSG_MAX_HEADERS];
} SipMsg;

SIP_EXPORT SipMsg *sip_msg_new(void);
SIP_EXPORT void sip_msg_free(SipMsg *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipMsg, sip_msg_free)

/* Parse one message from buf.  limits may be NULL (defaults).  Never
 * allocates, never reads outside [buf, buf+len), never writes to buf.
 * On SIP_PARSE_ERROR_REQUEST, msg->error_code and msg->error_reason hold
 * the response to send (400 with a precise reason, 505 for an unknown
 * SIP version, 513 when the message is larger than the limit).  Leading
 * CRLFs are skipped (RFC 3261 7.5).  In datagram mode bytes after
 * Content-Length are ignored and a Content-Length larger than the
 * datagram is a 400; in stream mode a missing Content-Length is a 400. */
SIP_EXPORT SipParseResult sip_msg_parse(SipMsg *msg, const char *buf, gsize len,
                             SipParseMode mode, const SipParseLimits *limits);

/* What a UAS checks before acting on a request that parsed (RFC 3261 8.2):
 * To, From, CSeq, Call-ID and Via present (Max-Forwards is NOT required,
 * for RFC 2543 peers; a missing one counts as 70); From, To, Call-ID,
 * CSeq, Max-Forwards, Content-Length, Content-Type at most once; CSeq
 * method equal to the request method; every Contact well formed.
 * Returns 0 when fine, else the status code (400) with *reason set to a
 * static phrase.  Method/scheme/extension/body decisions (405, 416, 420,
 * 415, 406, 483) are left to the UAS. */
SIP_EXPORT guint sip_msg_validate_request(const SipMsg *msg, const char **reason);

/* The index-th header line (0-based) with this id, or NULL. */
SIP_EXPORT const SipHeader *sip_msg_get_header(const SipMsg *msg, SipHeaderId id, guint index);

/* Number of header lines with this id. */
SIP_EXPORT guint sip_msg_count_headers(const SipMsg *msg, SipHeaderId id);

/* The index-th header with this name (case-insensitive, compact forms of
 * known headers resolved), e.g. "X-Foo" or "Via". */
SIP_EXPORT const SipHeader *sip_msg_find_header(const SipMsg *msg, const char *name, guint index);

/* Iterate all comma-separated values of all header lines with one id, in
 * order (e.g. two Route lines each with two routes yield four values).
 * Commas inside quotes and <...> do not split.  Values are LWS-trimmed. */
typedef struct {
    const SipMsg *msg;
    guint8 id;
    guint8 index;               /* current header index */
    SipSlice rest;              /* rest of the current value */
} SipValueIter;

SIP_EXPORT void sip_value_iter_init(SipValueIter *iter, const SipMsg *msg, SipHeaderId id);
/* 1 with *value set, 0 at end, -1 on an unbalanced quote or bracket (or an
 * empty element such as "a,,b"). */
SIP_EXPORT int sip_value_iter_next(SipValueIter *iter, SipSlice *value);

/* List parsers over every header line with that id.  Each stores at most
 * max entries, sets *n to the number stored and returns FALSE on a syntax
 * error or when there are more than max entries. */
SIP_EXPORT gboolean sip_parse_via_list(const SipMsg *msg, SipVia *out, guint max, guint *n);
SIP_EXPORT gboolean sip_parse_contact_list(const SipMsg *msg, SipContact *out, guint max, guint *n);
/* Route, Record-Route, Path, Service-Route (any name-addr list id). */
SIP_EXPORT gboolean sip_parse_name_addr_list(const SipMsg *msg, SipHeaderId id,
                                  SipNameAddr *out, guint max, guint *n);
/* Require, Supported, Unsupported, Proxy-Require, Allow, Allow-Events,
 * Accept-Encoding, ...: each value must be a token. */
SIP_EXPORT gboolean sip_parse_token_list(const SipMsg *msg, SipHeaderId id,
                              SipSlice *out, guint max, guint *n);
/* Accept (media ranges "type/subtype;params"). */
SIP_EXPORT gboolean sip_parse_accept_list(const SipMsg *msg, SipMediaType *out, guint max,
                                          guint *n);

/* TRUE if the token list of header id contains token (case-insensitive),
 * e.g. sip_msg_has_token(msg, SIP_HDR_SUPPORTED, "100rel"). */
SIP_EXPORT gboolean sip_msg_has_token(const SipMsg *msg, SipHeaderId id, const char *token);

/* TRUE if the request accepts type/subtype: no Accept header means
 * application/sdp only (RFC 3261 20.1) unless accept_if_absent is TRUE;
 * wildcards "* / *" and "type/ *" match. */
SIP_EXPORT gboolean sip_msg_accepts(const SipMsg *msg, const char *type, const char *subtype,
                         gboolean accept_if_absent);

/* ------------------------------------------------------------------ */
/* Stream framing                                                      */
/* ------------------------------------------------------------------ */

typedef enum {
    SIP_FRAME_OK = 0,           /* *msg_len bytes are one message */
    SIP_FRAME_NEED_MORE,        /* read more and call again */
    SIP_FRAME_KEEPALIVE,        /* *msg_len bytes of CRLF keepalive to skip */
    SIP_FRAME_ERROR             /* *reason set; close the connection */
} SipFrameResult;

/* Find the next complete message in a stream buffer: headers up to the
 * blank line plus Content-Length bytes.  A missing, malformed or
 * duplicated Content-Length is an error on a stream; so is a message
 * larger than limits->max_message_size (limits may be NULL).  CR/LF bytes
 * at the start of the buffer (RFC 5626 CRLF keep-alives, or CRLFs before a
 * start line) come back first as SIP_FRAME_KEEPALIVE with *msg_len their
 * count; consume them and call again. */
SIP_EXPORT SipFrameResult sip_msg_frame(const char *buf, gsize len, const SipParseLimits *limits,
                             gsize *msg_len, const char **reason);

/* ------------------------------------------------------------------ */
/* Digest authentication headers                                       */
/* ------------------------------------------------------------------ */

typedef enum {
    SIP_AUTH_SCHEME_OTHER = 0,  /* not Digest: ignore (e.g. "NewAuth") */
    SIP_AUTH_SCHEME_DIGEST
} SipAuthScheme;

typedef enum {
    SIP_DIGEST_ALG_NONE = 0,    /* parameter absent (means MD5) */
    SIP_DIGEST_ALG_MD5,
    SIP_DIGEST_ALG_MD5_SESS,
    SIP_DIGEST_ALG_SHA256,
    SIP_DIGEST_ALG_SHA256_SESS,
    SIP_DIGEST_ALG_SHA512_256,
    SIP_DIGEST_ALG_SHA512_256_SESS,
    SIP_DIGEST_ALG_OTHER
} SipDigestAlgorithm;

#define SIP_DIGEST_QOP_AUTH     (1u << 0)
#define SIP_DIGEST_QOP_AUTH_INT (1u << 1)
#define SIP_DIGEST_QOP_OTHER    (1u << 2)

/* Parameters of one credentials or challenge value.  Quoted values are
 * given without their quotes (escapes kept: sip_unquote()). */
typedef struct {
    SipAuthScheme scheme;
    SipSlice scheme_name;
    SipSlice username;
    SipSlice realm;
    SipSlice nonce;
    SipSlice uri;
    SipSlice response;
    SipSlice algorithm_name;
    SipDigestAlgorithm algorithm;
    SipSlice cnonce;
    SipSlice opaque;
    SipSlice qop;               /* credentials: one value; challenge: list */
    guint qop_mask;             /* SIP_DIGEST_QOP_* found in qop */
    SipSlice nc;
    guint32 nc_value;           /* nc as hex, 0 if absent */
    SipSlice domain;
    gboolean stale;
    gboolean userhash;
    SipSlice params;            /* everything after the scheme name */
} SipDigestParams;

/* Parse an Authorization / Proxy-Authorization / WWW-Authenticate /
 * Proxy-Authenticate value.  Returns TRUE for a well-formed Digest value
 * and for any other scheme (out->scheme == SIP_AUTH_SCHEME_OTHER, params
 * not interpreted); FALSE for a malformed Digest value (duplicate
 * parameters, bad quoting, bad nc). */
SIP_EXPORT gboolean sip_parse_digest(SipSlice value, SipDigestParams *out);

/* ------------------------------------------------------------------ */
/* Multipart bodies (RFC 2046)                                         */
/* ------------------------------------------------------------------ */

typedef struct {
    SipSlice headers;           /* the part's header block (may be empty) */
    SipSlice content_type;      /* value of its Content-Type, absent if none */
    SipSlice body;
} SipBodyPart;

/* Boundary parameter of a multipart Content-Type (quotes removed). */
SIP_EXPORT gboolean sip_multipart_boundary(const SipMediaType *type, SipSlice *boundary);

/* Split a multipart body into parts.  Stores at most max parts; returns
 * the number of parts or -1 when the body is not a valid multipart with
 * that boundary (missing boundary or close delimiter, too many parts). */
SIP_EXPORT int sip_multipart_split(SipSlice body, SipSlice boundary, SipBodyPart *parts, guint max);

/* Find a body of type/subtype in the message: the body itself when the
 * Content-Type matches, else the first matching part of a multipart/ *
 * body (one level deep).  Returns FALSE if there is none. */
SIP_EXPORT gboolean sip_msg_find_body(const SipMsg *msg, const char *type, const char *subtype,
                           SipSlice *body);

/* ------------------------------------------------------------------ */
/* Building messages                                                   */
/* ------------------------------------------------------------------ */

/* Appends a message piece by piece to a GString (out != NULL) or to a
 * caller buffer (buf/size); in the buffer case overflow is sticky and
 * reported by sip_builder_finish().  Order: start line, headers, then
 * sip_builder_finish() which writes Content-Type (if given),
 * Content-Length, the blank line and the body. */
typedef struct {
    GString *out;
    char *buf;
    gsize size;
    gsize len;
    gboolean overflow;
} SipMsgBuilder;

SIP_EXPORT void sip_builder_init(SipMsgBuilder *b, GString *out);
SIP_EXPORT void sip_builder_init_buf(SipMsgBuilder *b, char *buf, gsize size);

SIP_EXPORT void sip_builder_request_line(SipMsgBuilder *b, const char *method, SipSlice ruri);
SIP_EXPORT void sip_builder_status_line(SipMsgBuilder *b, guint code, const char *reason);
/* "Name: value\r\n"; value may be NULL for an empty value. */
SIP_EXPORT void sip_builder_header(SipMsgBuilder *b, const char *name, const char *value);
SIP_EXPORT void sip_builder_header_slice(SipMsgBuilder *b, const char *name, SipSlice value);
SIP_EXPORT void sip_builder_header_printf(SipMsgBuilder *b, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Raw text appended verbatim (must be whole "Name: value\r\n" lines). */
SIP_EXPORT void sip_builder_raw(SipMsgBuilder *b, const char *text, gsize len);
/* Copy a parsed header (folds unfolded), under its canonical name when
 * known, else the name as written. */
SIP_EXPORT void sip_builder_copy_header(SipMsgBuilder *b, const SipHeader *h);
/* Copy every header line of msg with this id, in order. */
SIP_EXPORT void sip_builder_copy_headers(SipMsgBuilder *b, const SipMsg *msg, SipHeaderId id);
/* End the header section.  Returns the total length, or 0 on overflow
 * of a caller buffer. */
SIP_EXPORT gsize sip_builder_finish(SipMsgBuilder *b, const char *content_type,
                         const char *body, gsize body_len);

/* Values the server adds to the top Via of a response (RFC 3261 18.2.1,
 * RFC 3581): received= when given and not already there, rport=N filling
 * an empty "rport" when rport != 0. */
typedef struct {
    const char *received;
    guint16 rport;
} SipViaFixup;

/* Start a response to req: status line, all Via lines (top one fixed up),
 * From, To (with ";tag=to_tag" appended when to_tag != NULL and To has no
 * tag), Call-ID, CSeq.  Add more headers, then sip_builder_finish().
 * Works on requests that failed to parse (copies what exists).  reason
 * NULL uses sip_status_reason(code). */
SIP_EXPORT void sip_builder_response(SipMsgBuilder *b, const SipMsg *req, guint code,
                          const char *reason, const char *to_tag,
                          const SipViaFixup *fixup);

/* Complete response without body: sip_builder_response + finish. */
SIP_EXPORT void sip_msg_build_response(const SipMsg *req, guint code, const char *reason,
                            const char *to_tag, GString *out);

/* Complete response with extra header lines (whole "Name: v\r\n" lines,
 * may be NULL) and an optional body. */
SIP_EXPORT void sip_msg_build_response_full(const SipMsg *req, guint code, const char *reason,
                                 const char *to_tag, const SipViaFixup *fixup,
                                 const char *extra_headers, const char *content_type,
                                 const char *body, gsize body_len, GString *out);

/* CANCEL for a client INVITE (RFC 3261 9.1): same Request-URI, top Via,
 * Route set, From, To, Call-ID, CSeq number with method CANCEL. */
SIP_EXPORT void sip_msg_build_cancel(const SipMsg *invite, GString *out);
/* The same with a Reason header (RFC 3326), e.g. the one a forked call's
 * other branches get: SIP;cause=200;text="Call completed elsewhere";
 * NULL, empty or containing CR/LF: none. */
SIP_EXPORT void sip_msg_build_cancel_with_reason(const SipMsg *invite, const char *reason,
                                                 GString *out);

/* ACK for a non-2xx final response to a client INVITE (RFC 3261 17.1.1.3):
 * Request-URI, top Via, Route set, From, Call-ID from the INVITE; To from
 * the response; CSeq number with method ACK. */
SIP_EXPORT void sip_msg_build_ack(const SipMsg *invite, const SipMsg *response, GString *out);

/* Re-serialize a parsed message: start line, every header (unfolded,
 * canonical names for known headers), Content-Length recomputed from the
 * body, body. */
SIP_EXPORT void sip_msg_serialize(const SipMsg *msg, GString *out);

/* Default reason phrase of a status code ("Not Found"); "Unknown" if none. */
SIP_EXPORT const char *sip_status_reason(guint code);

G_END_DECLS
