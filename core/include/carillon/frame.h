/* Carillon - audio frames: signed linear audio between codecs, resamplers
 * and mixers.
 *
 * A frame is mono, 16-bit in host byte order, at one of the rates the
 * media engine runs at (8, 16 or 48 kHz), and holds up to 120 ms (the
 * longest Opus packet) inline, so that a media worker keeps its frames in
 * session state allocated once: nothing that fills or reads a frame
 * allocates.
 *
 * Thread affinity: none; a frame belongs to whoever holds it.
 */
#pragma once

#include <carillon/defs.h>

G_BEGIN_DECLS

#define PBX_AUDIO_MAX_MS 120
#define PBX_AUDIO_MAX_RATE 48000
#define PBX_AUDIO_MAX_SAMPLES (PBX_AUDIO_MAX_RATE / 1000 * PBX_AUDIO_MAX_MS)

/* What the media hot paths (codecs, resamplers) return instead of a
 * count when they fail: an enum, not a GError, so that nothing is
 * allocated or formatted per packet. */
typedef enum {
    PBX_AUDIO_E_SPACE = -1,       /* the output buffer is too small */
    PBX_AUDIO_E_INVALID = -2,     /* corrupt payload, or a sample count the codec cannot take */
    PBX_AUDIO_E_RATE = -3,        /* a frame at another sample rate than expected */
    PBX_AUDIO_E_UNSUPPORTED = -4, /* the codec cannot do that (no concealment) */
} PbxAudioStatus;

/* Errors of setting things up (on the main context). */
#define PBX_AUDIO_ERROR (pbx_audio_error_quark())
typedef enum {
    PBX_AUDIO_ERROR_RATE,         /* a sample rate other than 8, 16 or 48 kHz */
    PBX_AUDIO_ERROR_FAILED,       /* the DSP library refused */
} PbxAudioError;

PBX_API GQuark pbx_audio_error_quark(void);

typedef struct {
    guint rate;                   /* Hz: 8000, 16000 or 48000 */
    guint n_samples;              /* valid samples at the start of samples[] */
    gint16 samples[PBX_AUDIO_MAX_SAMPLES];
} PbxAudioFrame;

/* TRUE for 8000, 16000 and 48000. */
PBX_API gboolean pbx_audio_rate_is_valid(guint rate);

/* An empty frame at rate. */
PBX_API void pbx_audio_frame_init(PbxAudioFrame *frame, guint rate);

/* Samples in ms milliseconds at rate. */
static inline guint
pbx_audio_samples_for_ms(guint rate, guint ms)
{
    return rate / 1000 * ms;
}

/* "output buffer too small", ... for logs (never on a hot path). */
PBX_API const char *pbx_audio_status_to_string(gint status);

G_END_DECLS
