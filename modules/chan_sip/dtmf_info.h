/* chan_sip - DTMF in the bodies of SIP INFO requests.
 *
 * Two formats are in use (neither has an RFC; both come from vendors):
 *   application/dtmf-relay   "Signal=5\r\nDuration=160\r\n" (Cisco's, what
 *                            most phones send); Signal may also be an
 *                            RFC 4733 event code (10 is *, 11 is #)
 *   application/dtmf         "5", or an event code
 * We send application/dtmf-relay.  The calls that INFO DTMF belongs to
 * (in-dialog only, answered 200) are chan_sip's business; this file only
 * reads and writes bodies.
 *
 * Pure: no state, no logging.  Thread affinity: none.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SIP_DTMF_INFO_DEFAULT_MS 250 /* no Duration, or 0, or not a number */
#define SIP_DTMF_INFO_MIN_MS 40      /* shorter durations are raised to this */
#define SIP_DTMF_INFO_MAX_MS 5000    /* longer ones are cut to this */

#define SIP_DTMF_INFO_RELAY_TYPE "application/dtmf-relay"
#define SIP_DTMF_INFO_DTMF_TYPE "application/dtmf"

/* TRUE when a Content-Type value (parameters and case ignored) is one of
 * the two DTMF body types. */
gboolean sip_dtmf_info_is_dtmf_type(const char *content_type);

/* Reads the digit ('0'-'9', '*', '#', 'A'-'D', upper case) and its
 * duration (ms, SIP_DTMF_INFO_DEFAULT_MS when the body has none, clamped
 * to SIP_DTMF_INFO_MIN_MS..SIP_DTMF_INFO_MAX_MS) from the body of an
 * INFO: len bytes, not necessarily NUL-terminated.  dtmf-relay keys are
 * case-insensitive, spaces around keys, '=' and values are skipped, lines
 * end in CRLF or LF, unknown keys are ignored and the first Signal wins.
 * FALSE (digit and duration_ms untouched) for another content type, a
 * body without a digit, or a Signal that is not a DTMF digit (flash, 16,
 * included). */
gboolean sip_dtmf_info_parse(const char *content_type, const char *body, gsize len, char *digit,
                             guint *duration_ms);

/* The application/dtmf-relay body of digit for duration_ms (0: the
 * default; clamped as above), with *content_type set to its type; NULL
 * when digit is not a DTMF digit.  Free with g_free. */
char *sip_dtmf_info_body(char digit, guint duration_ms, const char **content_type);

G_END_DECLS
