/* rtpgen - the bounded buffer writer and slices of received data. */
#define _GNU_SOURCE
#include <string.h>

#include "rtpgen.h"

void
buf_init(Buf *b, char *mem, size_t cap)
{
    b->p = mem;
    b->len = 0;
    b->cap = cap;
    b->full = false;
}

void
buf_putn(Buf *b, const char *s, size_t n)
{
    if (b->full || n > b->cap - b->len) {
        b->full = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void
buf_put(Buf *b, const char *s)
{
    buf_putn(b, s, strlen(s));
}

void
buf_put_slice(Buf *b, Slice s)
{
    buf_putn(b, s.p, s.len);
}

void
buf_put_uint(Buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    buf_putn(b, tmp + i, sizeof(tmp) - i);
}

bool
slice_eq(Slice s, const char *lit)
{
    size_t n = strlen(lit);

    return s.len == n && g_ascii_strncasecmp(s.p, lit, n) == 0;
}

bool
slice_has_prefix(Slice s, const char *lit)
{
    size_t n = strlen(lit);

    return s.len >= n && g_ascii_strncasecmp(s.p, lit, n) == 0;
}

char *
slice_dup(Slice s)
{
    return g_strndup(s.p, s.len);
}

Slice
slice_trim(Slice s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.len--;
    }
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}
