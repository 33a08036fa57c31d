/* rtpgen - HTTP digest answers (RFC 7616, qop=auth) to the PBX's 401 and
 * 407 challenges, MD5 or SHA-256 through OpenSSL's EVP. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "rtpgen.h"

/* Moves *p past spaces, tabs and commas. */
static void
skip_separators(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == ','))
        (*p)++;
}

/* One `key=value` or `key="value"` of a challenge; FALSE at the end. */
static bool
next_param(const char **p, const char *end, Slice *key, Slice *val)
{
    const char *eq;

    skip_separators(p, end);
    eq = memchr(*p, '=', (size_t) (end - *p));
    if (*p >= end || !eq)
        return false;
    *key = slice_trim((Slice) { *p, (size_t) (eq - *p) });
    *p = eq + 1;
    if (*p < end && **p == '"') {
        const char *q = memchr(*p + 1, '"', (size_t) (end - *p - 1));

        if (!q)
            return false;
        *val = (Slice) { *p + 1, (size_t) (q - *p - 1) };
        *p = q + 1;
        return true;
    }
    eq = memchr(*p, ',', (size_t) (end - *p));
    *val = slice_trim((Slice) { *p, (size_t) ((eq ? eq : end) - *p) });
    *p = eq ? eq : end;
    return true;
}

static void
take_param(Challenge *c, Slice key, Slice val, bool *qop_auth)
{
    if (slice_eq(key, "realm"))
        c->realm = slice_dup(val);
    else if (slice_eq(key, "nonce"))
        c->nonce = slice_dup(val);
    else if (slice_eq(key, "opaque"))
        c->opaque = slice_dup(val);
    else if (slice_eq(key, "algorithm"))
        c->algorithm = slice_eq(val, "MD5") ? "MD5" : slice_eq(val, "SHA-256") ? "SHA-256" : NULL;
    else if (slice_eq(key, "qop"))
        *qop_auth = memmem(val.p, val.len, "auth", 4) != NULL;
}

/* Fills c from one challenge value; FALSE when rtpgen cannot answer it. */
static bool
parse_challenge(Slice value, Challenge *c)
{
    const char *p = value.p, *end = value.p + value.len;
    Slice key, val;
    bool qop_auth = true;

    if (!slice_has_prefix(value, "Digest "))
        return false;
    p += 7;
    c->algorithm = "MD5";
    while (next_param(&p, end, &key, &val))
        take_param(c, key, val, &qop_auth);
    if (c->realm && c->nonce && c->algorithm && qop_auth)
        return true;
    digest_clear(c);
    return false;
}

bool
digest_pick(const SipMsg *m, Challenge *c)
{
    for (int i = 0; i < m->n_challenge; i++) {
        memset(c, 0, sizeof(*c));
        if (parse_challenge(m->challenge[i], c)) {
            c->proxy = m->status == 407;
            return true;
        }
    }
    return false;
}

void
digest_clear(Challenge *c)
{
    g_free(c->realm);
    g_free(c->nonce);
    g_free(c->opaque);
    memset(c, 0, sizeof(*c));
}

/* Lower-case hex of the digest of s. */
static void
hash_hex(const char *algorithm, const char *s, char out[2 * EVP_MAX_MD_SIZE + 1])
{
    const EVP_MD *md = strcmp(algorithm, "MD5") == 0 ? EVP_md5() : EVP_sha256();
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(s, strlen(s), raw, &n, md, NULL);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    out[2 * n] = '\0';
}

static void
put_quoted(Buf *b, const char *key, const char *value)
{
    buf_put(b, key);
    buf_put(b, "=\"");
    buf_put(b, value);
    buf_put(b, "\"");
}

void
digest_put_credentials(Buf *b, const Challenge *c, const char *user, const char *password,
                       const char *method, const char *uri, unsigned nc)
{
    char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[sizeof(ha1)], resp[sizeof(ha1)];
    char cnonce[17], ncs[9];
    g_autofree char *a1 = g_strjoin(":", user, c->realm, password, NULL);
    g_autofree char *a2 = g_strjoin(":", method, uri, NULL);
    g_autofree char *kd = NULL;

    snprintf(cnonce, sizeof(cnonce), "%08x%08x", g_random_int(), g_random_int());
    snprintf(ncs, sizeof(ncs), "%08x", nc);
    hash_hex(c->algorithm, a1, ha1);
    hash_hex(c->algorithm, a2, ha2);
    kd = g_strjoin(":", ha1, c->nonce, ncs, cnonce, "auth", ha2, NULL);
    hash_hex(c->algorithm, kd, resp);

    buf_put(b, c->proxy ? "Proxy-Authorization: Digest " : "Authorization: Digest ");
    put_quoted(b, "username", user);
    put_quoted(b, ", realm", c->realm);
    put_quoted(b, ", nonce", c->nonce);
    put_quoted(b, ", uri", uri);
    put_quoted(b, ", response", resp);
    buf_put(b, ", algorithm=");
    buf_put(b, c->algorithm);
    put_quoted(b, ", cnonce", cnonce);
    buf_put(b, ", qop=auth, nc=");
    buf_put(b, ncs);
    if (c->opaque)
        put_quoted(b, ", opaque", c->opaque);
    buf_put(b, "\r\n");
}
