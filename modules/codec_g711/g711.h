/* codec_g711 - ITU-T G.711 companding, one sample at a time.
 *
 * Written for Carillon from the G.711 segment definitions: µ-law adds a
 * bias of 33 (in 14-bit units) so that every segment starts at a power
 * of two, A-law uses a linear first segment; both store sign, a 3-bit
 * segment and a 4-bit step, inverted (µ-law) or with even bits toggled
 * (A-law) as transmitted.  Input is 16-bit linear; the low bits G.711
 * does not carry are dropped.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint8 g711_ulaw_encode(gint16 pcm);
gint16 g711_ulaw_decode(guint8 code);
guint8 g711_alaw_encode(gint16 pcm);
gint16 g711_alaw_decode(guint8 code);

G_END_DECLS
