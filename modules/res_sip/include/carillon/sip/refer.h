/* Carillon - SIP message layer: the headers of call transfer.
 *
 * Refer-To (RFC 3515 2.1) with an embedded Replaces (RFC 3891 3),
 * Referred-By (RFC 3892), and the message/sipfrag status line a NOTIFY
 * of REFER progress carries (RFC 3515 2.4.5, RFC 3420).
 *
 * Part of libcarillon-sipmsg: no state, any thread (one value per thread
 * at a time).  Parsed values are copies; nothing points into the buffer.
 */
#pragma once

#include <carillon/sip/msg.h>

G_BEGIN_DECLS

/* A parsed Refer-To. */
typedef struct {
    char *uri;              /* the target URI without its ?headers, as on the wire */
    SipUriScheme scheme;    /* sip, sips or tel (nothing else is accepted) */
    char *user;             /* its user part unescaped, NULL when it has none */
    char *host;             /* its host (NULL for tel:) */
    char *display;          /* the display name unquoted, NULL when none */
    char *replaces;         /* the embedded Replaces value unescaped, or NULL */
    SipReplaces rep;        /* replaces parsed (slices into it), zero when absent */
} SipReferTo;

/* Parses one Refer-To value (name-addr or addr-spec).  FALSE with
 * SIP_ERROR set (the message names what is wrong) when it is not a
 * name-addr, its URI does not parse or is not sip:, sips: or tel:, or an
 * embedded Replaces is badly escaped or not a Replaces value; *out is
 * then zeroed.  Clear a parsed value with sip_refer_to_clear(). */
SIP_EXPORT gboolean sip_refer_to_parse(SipSlice value, SipReferTo *out, GError **error);
SIP_EXPORT void sip_refer_to_clear(SipReferTo *refer_to);

/* The Refer-To of a REFER: exactly one header (RFC 3515 2.4.1), parsed.
 * FALSE with SIP_ERROR when there is none, more than one, or it does not
 * parse. */
SIP_EXPORT gboolean sip_msg_get_refer_to(const SipMsg *msg, SipReferTo *out, GError **error);

/* The URI of a Referred-By value (a name-addr, RFC 3892 3), a new string
 * without the brackets; NULL when it does not parse. */
SIP_EXPORT char *sip_referred_by_uri(SipSlice value);

/* Refer-Sub: false (RFC 4488 4): the referrer asks for no implicit
 * subscription.  FALSE when absent or "true". */
SIP_EXPORT gboolean sip_msg_refer_sub_false(const SipMsg *msg);

/* A message/sipfrag body with only a status line: "SIP/2.0 180 Ringing\r\n"
 * (reason NULL: the code's default phrase).  A new string. */
SIP_EXPORT char *sip_sipfrag_new(guint code, const char *reason);
/* The status code of a sipfrag body's first line (100-699); FALSE when
 * it is not a status line. */
SIP_EXPORT gboolean sip_sipfrag_parse_status(SipSlice body, guint *code);

G_END_DECLS
