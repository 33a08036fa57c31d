/* Carillon - audio frames (see carillon/frame.h). */
#include <carillon/frame.h>

G_DEFINE_QUARK(pbx-audio-error-quark, pbx_audio_error)

gboolean
pbx_audio_rate_is_valid(guint rate)
{
    return rate == 8000 || rate == 16000 || rate == 48000;
}

void
pbx_audio_frame_init(PbxAudioFrame *frame, guint rate)
{
    frame->rate = rate;
    frame->n_samples = 0;
}

const char *
pbx_audio_status_to_string(gint status)
{
    switch (status) {
    case PBX_AUDIO_E_SPACE:
        return "output buffer too small";
    case PBX_AUDIO_E_INVALID:
        return "invalid payload or sample count";
    case PBX_AUDIO_E_RATE:
        return "unexpected sample rate";
    case PBX_AUDIO_E_UNSUPPORTED:
        return "not supported by the codec";
    default:
        return status >= 0 ? "ok" : "unknown error";
    }
}
