/* Carillon - codecs: descriptors, the registry, instances and costs.
 *
 * A codec module describes each codec it implements with a static
 * PbxCodec and registers it under its owner module; the core removes it
 * when the owner unloads.  Endpoints name codecs by PbxCodec.name ("ulaw",
 * "g722", "opus", ...), SDP by rtpmap ("opus/48000/2") or static payload
 * type.
 *
 * Media runs through codec INSTANCES: the state of one stream (encoder and
 * decoder history, the parameters the far end asked for).  An instance is
 * created and freed on the main context, where it may allocate, and holds
 * a use of the codec's owner module, so `module unload codec_opus` is
 * refused while a call uses Opus.  In between, one thread at a time (the
 * media worker that owns the stream) encodes, decodes and conceals; those
 * calls never allocate, lock or log, and return a count or a
 * PbxAudioStatus (< 0).
 *
 * Parameters: a codec's fmtp (RFC 4566 a=fmtp, "key=value;key=value")
 * maps to a PbxCodecParams.  The far end's fmtp says how to encode for it
 * (Opus: maxplaybackrate, maxaveragebitrate, useinbandfec); PbxCodec.fmtp
 * is what we offer.  Hostile fmtp text never fails: what cannot be used is
 * left at its default and reported.
 *
 * Costs: when a codec registers, the core times its encoder and decoder
 * over a second of synthetic audio (as Asterisk's translate.c does), so
 * paths compare as microseconds of CPU per second of audio: a path A -> B
 * costs decode A + resample (when the rates differ) + encode B.
 *
 * Thread affinity: everything here belongs to the main context (the
 * registry asserts it) except pbx_codec_encode, _decode, _conceal,
 * _decode_fec and the _frame variants, which run on the thread that owns
 * the instance.  A media worker is handed its instances by the main
 * context rather than looking anything up.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/frame.h>
#include <carillon/module.h>

G_BEGIN_DECLS

/* No static payload type: negotiated in SDP (rtpmap). */
#define PBX_CODEC_PT_DYNAMIC 0xffu
/* Codec-specific slots in PbxCodecParams. */
#define PBX_CODEC_N_OPTIONS 8
/* The largest payload an encoder is asked for: an Ethernet MTU less the
 * IPv6, UDP, RTP headers and an SRTP tag. */
#define PBX_CODEC_MAX_PAYLOAD 1400
/* Allowed packet times, ascending: .ptimes = PBX_CODEC_PTIMES(10, 20, 40) */
#define PBX_CODEC_PTIMES(...) ((const guint16[]){ __VA_ARGS__, 0 })

#define PBX_CODEC_ERROR (pbx_codec_error_quark())
typedef enum {
    PBX_CODEC_ERROR_EXISTS,     /* name or static payload type taken */
    PBX_CODEC_ERROR_INVALID,    /* incomplete descriptor, or it fails its self-test */
    PBX_CODEC_ERROR_NOT_FOUND,  /* not registered */
    PBX_CODEC_ERROR_PARAM,      /* an fmtp parameter that was not used */
    PBX_CODEC_ERROR_FAILED,     /* the codec library refused */
} PbxCodecError;

PBX_API GQuark pbx_codec_error_quark(void);

/* Negotiated parameters of one stream: plain values, copied freely. */
typedef struct {
    guint ptime;                       /* ms of audio per packet we send */
    guint32 opt[PBX_CODEC_N_OPTIONS];  /* codec-specific, indexed by the codec's enum */
} PbxCodecParams;

typedef struct {
    const char *name;           /* "ulaw": lower case, as in endpoints.conf */
    const char *description;    /* "ITU-T G.711 mu-law" */
    const char *rtp_name;       /* SDP encoding name: "PCMU", "G722", "opus" */
    guint clock_rate;           /* RTP clock rate, Hz (G.722: 8000) */
    guint channels;             /* rtpmap encoding parameters, 0: none (Opus: 2) */
    guint payload_type;         /* static RTP payload type or PBX_CODEC_PT_DYNAMIC */
    guint sample_rate;          /* signed linear rate of encode/decode: 8000, 16000, 48000 */
    guint ptime;                /* default ms per packet; one of ptimes */
    const guint16 *ptimes;      /* allowed ms per packet: PBX_CODEC_PTIMES(...) */
    const char *fmtp;           /* what we offer in a=fmtp; NULL: none */

    /* fmtp, all three NULL for codecs without parameters.  init_params
     * sets what applies when the far end's fmtp says nothing; set_param
     * applies one key (lower case) and value: unknown keys are ignored
     * (TRUE), a value it cannot use leaves params as they were and
     * returns FALSE with error; write_fmtp appends the fmtp text that
     * describes params. */
    void (*init_params)(PbxCodecParams *params);
    gboolean (*set_param)(PbxCodecParams *params, const char *key, const char *value,
                          GError **error);
    void (*write_fmtp)(const PbxCodecParams *params, GString *out);

    /* Per-stream state, both NULL for stateless codecs (state is then
     * NULL below).  state_new runs on the main context and may allocate. */
    gpointer (*state_new)(const PbxCodecParams *params, GError **error);
    void (*state_free)(gpointer state);

    /* The hot path: no allocation, lock or log.  encode takes a whole
     * number of the codec's frames and returns the bytes written;
     * decode returns the samples written (sample_rate). */
    gint (*encode)(gpointer state, const gint16 *pcm, guint n_samples, guint8 *out,
                   gsize out_size);
    gint (*decode)(gpointer state, const guint8 *payload, gsize len, gint16 *pcm,
                   guint max_samples);
    /* Packet loss concealment: n_samples of plausible audio in place of a
     * lost packet.  NULL when the codec has none. */
    gint (*conceal)(gpointer state, gint16 *pcm, guint n_samples);
    /* Recovers a lost packet of n_samples from the forward error
     * correction data that the next packet carries.  NULL: none. */
    gint (*decode_fec)(gpointer state, const guint8 *next, gsize len, gint16 *pcm,
                       guint n_samples);
} PbxCodec;

/* What the registry knows about a registered codec. */
typedef struct {
    PbxModule *owner;           /* NULL when the core or a test registered it */
    guint instances;            /* instances alive */
    guint encode_cost;          /* microseconds of CPU per second of audio */
    guint decode_cost;
} PbxCodecInfo;

typedef struct _PbxCodecInstance PbxCodecInstance;

/* ---- registry ---------------------------------------------------------- */

/* Registers codec (which must stay valid: use a static) for owner, after
 * timing it (which also checks that it round-trips).  Fails when the name
 * or the static payload type is taken or the descriptor is incomplete. */
PBX_API gboolean pbx_codec_register(PbxModule *owner, const PbxCodec *codec, GError **error);
/* Removes codec; also done when the owner unloads.  Unknown codecs are
 * ignored. */
PBX_API void pbx_codec_unregister(const PbxCodec *codec);

/* Case-insensitive by name; NULL when not registered. */
PBX_API const PbxCodec *pbx_codec_find(const char *name);
/* By static RTP payload type; NULL for dynamic or unknown types. */
PBX_API const PbxCodec *pbx_codec_find_by_payload(guint payload_type);
/* Registered codecs in registration order.  Free the array only. */
PBX_API GPtrArray *pbx_codec_list(void);
/* FALSE when codec is not registered. */
PBX_API gboolean pbx_codec_get_info(const PbxCodec *codec, PbxCodecInfo *info);
/* CPU of translating a second of audio from one codec to another
 * (decode + resample + encode), microseconds; 0 from a codec to itself
 * (relayed, not translated); G_MAXUINT when either is not registered. */
PBX_API guint pbx_codec_get_translation_cost(const PbxCodec *from, const PbxCodec *to);

/* ---- description and parameters --------------------------------------- */

/* The rtpmap text: "PCMU/8000", "G722/8000", "opus/48000/2". */
PBX_API char *pbx_codec_dup_rtpmap(const PbxCodec *codec);
/* The allowed ptime nearest to ms: the largest allowed one not above it,
 * or the smallest allowed one. */
PBX_API guint pbx_codec_choose_ptime(const PbxCodec *codec, guint ms);

/* Defaults: the codec's ptime and what its init_params sets. */
PBX_API void pbx_codec_params_init(const PbxCodec *codec, PbxCodecParams *params);
/* Defaults, then each "key=value" of fmtp (may be NULL) in order; "ptime"
 * is understood for every codec.  Always leaves usable params; returns
 * FALSE with PBX_CODEC_ERROR_PARAM naming the first parameter that was
 * malformed or out of range (and so left at its default). */
PBX_API gboolean pbx_codec_params_parse(const PbxCodec *codec, const char *fmtp,
                                        PbxCodecParams *params, GError **error);
/* For set_param: value as a decimal number in [min, max], or FALSE with
 * PBX_CODEC_ERROR_PARAM naming key (garbage, sign, overflow, range). */
PBX_API gboolean pbx_codec_param_parse_uint(const char *key, const char *value, guint min,
                                            guint max, guint *out, GError **error);
/* The fmtp describing params, NULL for codecs without fmtp. */
PBX_API char *pbx_codec_params_to_fmtp(const PbxCodec *codec, const PbxCodecParams *params);

/* ---- instances ---------------------------------------------------------- */

/* A stream of codec (registered) encoding as params say (NULL: defaults).
 * Takes a use of the codec's owner module until freed. */
PBX_API PbxCodecInstance *pbx_codec_instance_new(const PbxCodec *codec,
                                                 const PbxCodecParams *params,
                                                 GError **error);
PBX_API void pbx_codec_instance_free(PbxCodecInstance *inst);
PBX_API const PbxCodec *pbx_codec_instance_get_codec(const PbxCodecInstance *inst);
PBX_API const PbxCodecParams *pbx_codec_instance_get_params(const PbxCodecInstance *inst);
/* Samples per packet at the codec's sample rate for the params' ptime. */
PBX_API guint pbx_codec_instance_get_frame_samples(const PbxCodecInstance *inst);

/* Media worker side: see PbxCodec for each.  Each returns a count, or a
 * PbxAudioStatus: PBX_AUDIO_E_SPACE when out/pcm is too small,
 * PBX_AUDIO_E_INVALID for a payload or sample count the codec cannot
 * take, PBX_AUDIO_E_UNSUPPORTED for concealment the codec lacks. */
PBX_API gint pbx_codec_encode(PbxCodecInstance *inst, const gint16 *pcm, guint n_samples,
                              guint8 *out, gsize out_size);
PBX_API gint pbx_codec_decode(PbxCodecInstance *inst, const guint8 *payload, gsize len,
                              gint16 *pcm, guint max_samples);
PBX_API gint pbx_codec_conceal(PbxCodecInstance *inst, gint16 *pcm, guint n_samples);
/* Recovers a lost packet from the next one's FEC; codecs without FEC
 * conceal instead. */
PBX_API gint pbx_codec_decode_fec(PbxCodecInstance *inst, const guint8 *next, gsize len,
                                  gint16 *pcm, guint n_samples);
/* Frames: encode checks the frame's rate (PBX_AUDIO_E_RATE), decode sets
 * it and the sample count. */
PBX_API gint pbx_codec_encode_frame(PbxCodecInstance *inst, const PbxAudioFrame *frame,
                                    guint8 *out, gsize out_size);
PBX_API gint pbx_codec_decode_frame(PbxCodecInstance *inst, const guint8 *payload, gsize len,
                                    PbxAudioFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PbxCodecInstance, pbx_codec_instance_free)

G_END_DECLS
