/* Carillon - the codec registry.
 *
 * Codec modules describe each codec they implement with a static PbxCodec
 * and register it under its owner; the core removes it when the owner
 * unloads.  Channels name codecs by PbxCodec.name ("ulaw", "alaw", ...),
 * the RTP side by static payload type.
 *
 * Thread affinity: the registry (register, unregister, the finds and the
 * list) on the main context, asserted.  A PbxCodec found stays valid
 * while its owner is loaded (take a use of the owner with
 * pbx_module_use() to hold it longer), so a media worker is handed the
 * PbxCodec by the main context rather than looking it up; its encode and
 * decode functions are stateless and may run on any thread.
 */
#pragma once

#include <carillon/defs.h>
#include <carillon/module.h>

G_BEGIN_DECLS

/* No static payload type: negotiated in SDP (rtpmap). */
#define PBX_CODEC_PT_DYNAMIC 0xffu

#define PBX_CODEC_ERROR (pbx_codec_error_quark())
typedef enum {
    PBX_CODEC_ERROR_EXISTS,     /* name or static payload type taken */
    PBX_CODEC_ERROR_INVALID,    /* incomplete descriptor */
} PbxCodecError;

PBX_API GQuark pbx_codec_error_quark(void);

typedef struct {
    const char *name;           /* "ulaw": lower case, as in endpoints.conf */
    const char *description;    /* "G.711 mu-law" */
    const char *rtp_name;       /* encoding name for SDP rtpmap: "PCMU" */
    guint payload_type;         /* static RTP payload type or PBX_CODEC_PT_DYNAMIC */
    guint clock_rate;           /* RTP clock rate, Hz */
    guint sample_rate;          /* signed linear rate of encode/decode, Hz */
    guint ptime;                /* default packetisation, ms */
    /* Encodes n samples of 16-bit signed linear into out; returns the
     * bytes written.  out must hold max_encoded_len(n) bytes. */
    gsize (*encode)(const gint16 *pcm, guint n, guint8 *out);
    /* Decodes len bytes into pcm; returns the samples written.  pcm must
     * hold max_decoded_samples(len) samples. */
    guint (*decode)(const guint8 *data, gsize len, gint16 *pcm);
    gsize (*max_encoded_len)(guint n_samples);
    guint (*max_decoded_samples)(gsize len);
} PbxCodec;

/* Registers codec (which must stay valid: use a static) for owner.  Fails
 * when the name or the static payload type is already registered. */
PBX_API gboolean pbx_codec_register(PbxModule *owner, const PbxCodec *codec,
                                    GError **error);
/* Removes codec; also done when the owner unloads.  Unknown codecs are
 * ignored. */
PBX_API void pbx_codec_unregister(const PbxCodec *codec);

/* Case-insensitive by name; NULL when not registered. */
PBX_API const PbxCodec *pbx_codec_find(const char *name);
/* By static RTP payload type; NULL for dynamic or unknown types. */
PBX_API const PbxCodec *pbx_codec_find_by_payload(guint payload_type);
/* Registered codecs in registration order.  Free the array only. */
PBX_API GPtrArray *pbx_codec_list(void);

G_END_DECLS
