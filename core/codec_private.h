/* Carillon - codec internals shared between core files (not installed). */
#pragma once

#include <carillon/codec.h>

G_BEGIN_DECLS

/* codec.c: an instance of codec is being created: counts it and takes a
 * use of the owner.  Fails when codec is not registered. */
gboolean pbx_codec_registry_acquire(const PbxCodec *codec, GError **error);
/* The instance is gone.  FALSE when codec is no longer registered (its
 * module was unloaded by force): its code may be gone too. */
gboolean pbx_codec_registry_release(const PbxCodec *codec);

/* codec_cli.c */
void pbx_codec_register_cli(void);

/* cost.c: timing for translation costs. */
#define PBX_COST_AUDIO_MS 1000  /* audio timed per pass */
/* Fast paths (G.711 takes microseconds) are timed over repeated passes
 * until the clock has this much CPU time to measure, or enough passes. */
#define PBX_COST_MIN_NS (2 * 1000 * 1000)
#define PBX_COST_MAX_PASSES 50

/* A speech-like test signal at rate: tones under 4 kHz (every rate
 * carries them) with a syllable-rate envelope and a little noise. */
void pbx_cost_signal(gint16 *pcm, guint n, guint rate);
/* This thread's CPU time, ns. */
gint64 pbx_cost_cpu_ns(void);
/* Encodes and decodes PBX_COST_AUDIO_MS of the test signal at the
 * codec's default ptime; FALSE with error when the codec does not
 * round-trip (a packet that does not decode to its samples). */
gboolean pbx_cost_measure_codec(const PbxCodec *codec, guint *encode_us, guint *decode_us,
                                GError **error);

G_END_DECLS
