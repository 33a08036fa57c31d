/* Carillon - SipHash-2-4, written from the paper's description
 * ("SipHash: a fast short-input PRF", section 2). */
#include <string.h>

#include "siphash.h"

#define ROTL(x, b) (guint64) (((x) << (b)) | ((x) >> (64 - (b))))

static inline guint64
load64_le(const guint8 *p)
{
    guint64 v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

typedef struct {
    guint64 v0, v1, v2, v3;
} State;

static inline void
sip_round(State *s)
{
    s->v0 += s->v1;
    s->v1 = ROTL(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = ROTL(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = ROTL(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = ROTL(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = ROTL(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = ROTL(s->v2, 32);
}

static inline void
compress(State *s, guint64 m)
{
    s->v3 ^= m;
    sip_round(s);       /* c = 2 rounds per block */
    sip_round(s);
    s->v0 ^= m;
}

guint64
sip_siphash24(const guint8 key[16], const void *data, gsize len)
{
    const guint8 *p = data;
    guint64 k0 = load64_le(key), k1 = load64_le(key + 8);
    State s = {
        k0 ^ G_GUINT64_CONSTANT(0x736f6d6570736575),    /* "somepseu" */
        k1 ^ G_GUINT64_CONSTANT(0x646f72616e646f6d),    /* "dorandom" */
        k0 ^ G_GUINT64_CONSTANT(0x6c7967656e657261),    /* "lygenera" */
        k1 ^ G_GUINT64_CONSTANT(0x7465646279746573),    /* "tedbytes" */
    };
    gsize full = len & ~(gsize) 7;
    guint8 last[8] = { 0 };

    for (gsize i = 0; i < full; i += 8)
        compress(&s, load64_le(p + i));
    /* the final block: the remaining bytes, the length mod 256 on top */
    memcpy(last, p + full, len - full);
    last[7] = (guint8) len;
    compress(&s, load64_le(last));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)     /* d = 4 finalisation rounds */
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
