/* Carillon - DTMF digits as the core passes them between legs.
 *
 * A tech reports a digit it received with pbx_channel_dtmf() (channel.h)
 * once, when the digit ends, with its duration and how it came (RTP
 * telephone-event, SIP INFO, tones in the audio); the core sends digits
 * with the tech's send_dtmf in whatever form the far end takes.
 *
 * Thread affinity: pure functions and values, any thread.
 */
#pragma once

#include <carillon/defs.h>

G_BEGIN_DECLS

typedef enum {
    PBX_DTMF_RFC4733,           /* RTP telephone-event (RFC 4733) */
    PBX_DTMF_INFO,              /* SIP INFO (dtmf-relay or dtmf) */
    PBX_DTMF_INBAND,            /* tones in the audio */
    PBX_DTMF_API,               /* sent by the dialplan or a module */
} PbxDtmfSource;

typedef struct {
    char digit;                 /* 0-9 * # A-D */
    guint duration_ms;
    PbxDtmfSource source;
} PbxDtmf;

/* What a digit lasts when its source says nothing (an INFO without
 * Duration), and the bounds a duration is clamped to when sent. */
#define PBX_DTMF_DEFAULT_MS 100u
#define PBX_DTMF_MIN_MS 40u
#define PBX_DTMF_MAX_MS 5000u

/* "rfc4733", "info", "inband", "api". */
PBX_API const char *pbx_dtmf_source_to_string(PbxDtmfSource source);
/* TRUE for 0-9 * # A-D (upper case only). */
PBX_API gboolean pbx_dtmf_digit_is_valid(char digit);
/* duration_ms clamped to [PBX_DTMF_MIN_MS, PBX_DTMF_MAX_MS]; 0 gives
 * PBX_DTMF_DEFAULT_MS. */
PBX_API guint pbx_dtmf_clamp_duration(guint duration_ms);

G_END_DECLS
