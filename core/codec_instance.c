/* Carillon - codec instances (see carillon/codec.h).
 *
 * The wrappers below are the media hot path: one indirect call each, no
 * checks that could log.  Everything that can fail for a reason other
 * than the packet at hand is settled in pbx_codec_instance_new().
 */
#include <carillon/core.h>

#include "codec_private.h"

struct _PbxCodecInstance {
    const PbxCodec *codec;
    gpointer state;             /* the codec's, NULL for stateless codecs */
    guint frame_samples;        /* per packet at params.ptime */
    PbxCodecParams params;
};

PbxCodecInstance *
pbx_codec_instance_new(const PbxCodec *codec, const PbxCodecParams *params, GError **error)
{
    PbxCodecInstance *inst;
    PbxCodecParams p;
    gpointer state = NULL;

    g_return_val_if_fail(codec != NULL, NULL);
    PBX_ASSERT_MAIN_CONTEXT();
    if (params)
        p = *params;
    else
        pbx_codec_params_init(codec, &p);
    p.ptime = pbx_codec_choose_ptime(codec, p.ptime);
    if (!pbx_codec_registry_acquire(codec, error))
        return NULL;
    if (codec->state_new && !(state = codec->state_new(&p, error))) {
        pbx_codec_registry_release(codec);
        return NULL;
    }
    inst = g_new0(PbxCodecInstance, 1);
    inst->codec = codec;
    inst->state = state;
    inst->params = p;
    inst->frame_samples = pbx_audio_samples_for_ms(codec->sample_rate, p.ptime);
    return inst;
}

/* After a forced unload of the codec's module its code may be gone:
 * the state is then left alone rather than freed through it. */
void
pbx_codec_instance_free(PbxCodecInstance *inst)
{
    if (!inst)
        return;
    PBX_ASSERT_MAIN_CONTEXT();
    if (pbx_codec_registry_release(inst->codec) && inst->state)
        inst->codec->state_free(inst->state);
    g_free(inst);
}

const PbxCodec *
pbx_codec_instance_get_codec(const PbxCodecInstance *inst)
{
    return inst->codec;
}

const PbxCodecParams *
pbx_codec_instance_get_params(const PbxCodecInstance *inst)
{
    return &inst->params;
}

guint
pbx_codec_instance_get_frame_samples(const PbxCodecInstance *inst)
{
    return inst->frame_samples;
}

gint
pbx_codec_encode(PbxCodecInstance *inst, const gint16 *pcm, guint n_samples, guint8 *out,
                 gsize out_size)
{
    return inst->codec->encode(inst->state, pcm, n_samples, out, out_size);
}

gint
pbx_codec_decode(PbxCodecInstance *inst, const guint8 *payload, gsize len, gint16 *pcm,
                 guint max_samples)
{
    return inst->codec->decode(inst->state, payload, len, pcm, max_samples);
}

gint
pbx_codec_conceal(PbxCodecInstance *inst, gint16 *pcm, guint n_samples)
{
    if (!inst->codec->conceal)
        return PBX_AUDIO_E_UNSUPPORTED;
    return inst->codec->conceal(inst->state, pcm, n_samples);
}

gint
pbx_codec_decode_fec(PbxCodecInstance *inst, const guint8 *next, gsize len, gint16 *pcm,
                     guint n_samples)
{
    if (!inst->codec->decode_fec)
        return pbx_codec_conceal(inst, pcm, n_samples);
    return inst->codec->decode_fec(inst->state, next, len, pcm, n_samples);
}

gint
pbx_codec_encode_frame(PbxCodecInstance *inst, const PbxAudioFrame *frame, guint8 *out,
                       gsize out_size)
{
    if (frame->rate != inst->codec->sample_rate)
        return PBX_AUDIO_E_RATE;
    return pbx_codec_encode(inst, frame->samples, frame->n_samples, out, out_size);
}

gint
pbx_codec_decode_frame(PbxCodecInstance *inst, const guint8 *payload, gsize len,
                       PbxAudioFrame *frame)
{
    gint n = pbx_codec_decode(inst, payload, len, frame->samples, PBX_AUDIO_MAX_SAMPLES);

    if (n >= 0) {
        frame->rate = inst->codec->sample_rate;
        frame->n_samples = (guint) n;
    }
    return n;
}
