/* Carillon - sample rate conversion between 8, 16 and 48 kHz (speexdsp).
 *
 * One resampler converts one stream: it keeps the filter history between
 * calls, so consecutive frames of a call join without clicks.  The
 * filter quality is fixed (speexdsp's VoIP setting) so that every path
 * costs what `core show translation` says.
 *
 * Thread affinity: new, free and the cost table on the main context (new
 * allocates); process and reset on one thread at a time, the media
 * worker that owns the stream, and they never allocate, lock or log.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/frame.h>

G_BEGIN_DECLS

typedef struct _PbxResampler PbxResampler;

/* A resampler from from_rate to to_rate (both valid and different), or
 * NULL with PBX_AUDIO_ERROR set. */
PBX_API PbxResampler *pbx_resampler_new(guint from_rate, guint to_rate, GError **error);
PBX_API void pbx_resampler_free(PbxResampler *self);

PBX_API guint pbx_resampler_get_from_rate(const PbxResampler *self);
PBX_API guint pbx_resampler_get_to_rate(const PbxResampler *self);
/* The filter's delay in output samples: a tone comes out this late. */
PBX_API guint pbx_resampler_get_delay(const PbxResampler *self);

/* Converts n_in samples into out; returns the samples written, or
 * PBX_AUDIO_E_SPACE (nothing consumed) when max_out cannot take
 * n_in * to / from rounded up. */
PBX_API gint pbx_resampler_process(PbxResampler *self, const gint16 *in, guint n_in,
                                   gint16 *out, guint max_out);
/* The same for frames: in must be at the from rate (else
 * PBX_AUDIO_E_RATE); out gets the to rate and the samples. */
PBX_API gint pbx_resampler_process_frame(PbxResampler *self, const PbxAudioFrame *in,
                                         PbxAudioFrame *out);
/* Forgets the history: the next frame starts a new stream. */
PBX_API void pbx_resampler_reset(PbxResampler *self);

/* Microseconds of CPU that converting one second of audio from from_rate
 * to to_rate takes on this machine; 0 for equal rates.  Timed once per
 * pair of rates, on first request.  Main context. */
PBX_API guint pbx_resampler_get_cost(guint from_rate, guint to_rate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxResampler, pbx_resampler_free)

G_END_DECLS
