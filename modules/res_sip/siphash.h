/* Carillon - SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed 64-bit
 * pseudo-random function for short inputs.  The digest nonces are
 * authenticated with it (two independent keys give a 128-bit tag): a few
 * dozen nanoseconds where HMAC-SHA256 through OpenSSL costs microseconds,
 * and the nonce path runs twice per authenticated request. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint64 sip_siphash24(const guint8 key[16], const void *data, gsize len);

G_END_DECLS
