/* Carillon - SDES a=crypto values (RFC 4568 section 9.1 grammar):
 * strict parsing of the tag, suite and one inline: key parameter, and
 * writing our own.  See carillon/sip/sdp_crypto.h. */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/sdp_crypto.h>

G_DEFINE_QUARK(sdp-crypto-error-quark, sdp_crypto_error)

#define MAX_B64 64              /* base64 of the longest key, with padding: 60 */

static const struct {
    const char *name;
    guint key_len;
} suites[SDP_SRTP_N_SUITES] = {
    [SDP_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 30 },
    [SDP_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 30 },
    [SDP_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 28 },
    [SDP_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 44 },
};

const char *
sdp_srtp_suite_name(SdpSrtpSuite suite)
{
    return suite < SDP_SRTP_N_SUITES ? suites[suite].name : "unknown";
}

guint
sdp_srtp_suite_key_len(SdpSrtpSuite suite)
{
    return suite < SDP_SRTP_N_SUITES ? suites[suite].key_len : 0;
}

gboolean
sdp_srtp_suite_from_name(const char *name, gsize len, SdpSrtpSuite *suite)
{
    for (guint i = 0; i < SDP_SRTP_N_SUITES; i++) {
        if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0) {
            *suite = (SdpSrtpSuite) i;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
fail(GError **error, SdpCryptoError code, const char *what)
{
    g_set_error(error, SDP_CRYPTO_ERROR, code, "a=crypto: %s", what);
    return FALSE;
}

/* A decimal number of 1..max_digits digits, up to `max`. */
static gboolean
parse_number(const char *s, gsize len, guint max_digits, guint64 max, guint64 *out)
{
    guint64 v = 0;

    if (len == 0 || len > max_digits)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
        v = v * 10 + (guint64) (s[i] - '0');
    }
    *out = v;
    return v <= max;
}

static gboolean
is_b64(char c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '/';
}

/* Strict base64 (RFC 4648 alphabet, padding optional) of exactly
 * key_len bytes. */
static gboolean
decode_key(const char *s, gsize len, guint8 *key, guint key_len)
{
    char buf[MAX_B64 + 4];
    gsize n = 0, pad = 0;
    gint state = 0;
    guint save = 0;

    if (len > MAX_B64)
        return FALSE;
    while (n < len && is_b64(s[n]))
        n++;
    while (n + pad < len && s[n + pad] == '=' && pad < 2)
        pad++;
    if (n + pad != len || (pad && (n + pad) % 4) || n % 4 == 1)
        return FALSE;
    memcpy(buf, s, n);
    while (n % 4)
        buf[n++] = '=';
    if (n / 4 * 3 > sizeof(buf) || n / 4 * 3 < key_len)
        return FALSE;
    guint8 out[MAX_B64];
    gsize got = g_base64_decode_step(buf, n, out, &state, &save);
    gboolean ok = got == key_len;
    if (ok)
        memcpy(key, out, key_len);
    explicit_bzero(out, sizeof(out));
    explicit_bzero(buf, sizeof(buf));
    return ok;
}

/* "2^n" (n 1..64) or a decimal count. */
static gboolean
parse_lifetime(const char *s, gsize len, guint64 *out)
{
    guint64 exp;

    if (len > 2 && s[0] == '2' && s[1] == '^') {
        if (!parse_number(s + 2, len - 2, 2, 63, &exp) || exp == 0)
            return FALSE;
        *out = G_GUINT64_CONSTANT(1) << exp;
        return TRUE;
    }
    return parse_number(s, len, 19, G_MAXUINT64 / 10, out) && *out > 0;
}

/* "<value>:<length>", length 1..128 bytes, value fitting 32 bits here. */
static gboolean
parse_mki(const char *s, gsize len, SdpCrypto *c)
{
    const char *colon = memchr(s, ':', len);
    guint64 v, l;

    if (!colon || !parse_number(s, (gsize) (colon - s), 10, G_MAXUINT32, &v) ||
        !parse_number(colon + 1, len - (gsize) (colon - s) - 1, 3, 128, &l) || l == 0)
        return FALSE;
    c->mki = (guint32) v;
    c->mki_len = (guint) l;
    return TRUE;
}

/* The optional "|lifetime" and "|MKI:len" after the key; a field with
 * ':' is the MKI. */
static gboolean
parse_key_extras(const char *s, gsize len, SdpCrypto *c)
{
    while (len > 0) {
        const char *bar;
        gsize n;

        if (s[0] != '|')
            return FALSE;
        s++, len--;
        bar = memchr(s, '|', len);
        n = bar ? (gsize) (bar - s) : len;
        if (memchr(s, ':', n) ? (c->mki_len || !parse_mki(s, n, c))
                              : (c->lifetime || c->mki_len || !parse_lifetime(s, n, &c->lifetime)))
            return FALSE;
        s += n, len -= n;
    }
    return TRUE;
}

/* "inline:<key||salt>[|lifetime][|MKI:len]", only one of them. */
static gboolean
parse_key_params(const char *s, gsize len, SdpCrypto *c, GError **error)
{
    gsize b64 = 0;

    if (memchr(s, ';', len))
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "more than one key parameter");
    if (len < 7 || memcmp(s, "inline:", 7) != 0)
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "key method is not inline");
    s += 7, len -= 7;
    while (b64 < len && s[b64] != '|')
        b64++;
    if (!decode_key(s, b64, c->key, c->key_len))
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "bad key (base64, or not the suite's length)");
    if (!parse_key_extras(s + b64, len - b64, c))
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "bad lifetime or MKI");
    return TRUE;
}

/* The next space-separated field of *p (spaces and tabs skipped). */
static gsize
next_field(const char **p, const char **field)
{
    const char *s = *p;
    gsize n = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    *field = s;
    *p = s + n;
    return n;
}

static gboolean
parse_fields(const char *value, SdpCrypto *out, GError **error)
{
    const char *p = value, *f;
    gsize n;
    guint64 tag;

    n = next_field(&p, &f);
    if (!parse_number(f, n, 9, 999999999, &tag))
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "tag is not a number of 1-9 digits");
    out->tag = (guint) tag;
    n = next_field(&p, &f);
    if (n == 0)
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "no crypto suite");
    if (!sdp_srtp_suite_from_name(f, n, &out->suite))
        return fail(error, SDP_CRYPTO_ERROR_SUITE, "crypto suite not supported");
    out->key_len = sdp_srtp_suite_key_len(out->suite);
    n = next_field(&p, &f);
    if (n == 0)
        return fail(error, SDP_CRYPTO_ERROR_PARSE, "no key parameter");
    if (!parse_key_params(f, n, out, error))
        return FALSE;
    out->session_params = next_field(&p, &f) > 0;
    return TRUE;
}

gboolean
sdp_crypto_parse(const char *value, SdpCrypto *out, GError **error)
{
    g_return_val_if_fail(value != NULL && out != NULL, FALSE);
    memset(out, 0, sizeof(*out));
    if (!parse_fields(value, out, error)) {
        sdp_crypto_clear(out);
        return FALSE;
    }
    return TRUE;
}

char *
sdp_crypto_to_value(const SdpCrypto *crypto)
{
    g_autofree char *b64 = NULL;
    char *value;

    g_return_val_if_fail(crypto != NULL && crypto->suite < SDP_SRTP_N_SUITES, NULL);
    g_return_val_if_fail(crypto->key_len == sdp_srtp_suite_key_len(crypto->suite), NULL);
    b64 = g_base64_encode(crypto->key, crypto->key_len);
    value = g_strdup_printf("%u %s inline:%s", crypto->tag, sdp_srtp_suite_name(crypto->suite),
                            b64);
    explicit_bzero(b64, strlen(b64));
    return value;
}

void
sdp_crypto_free_value(char *value)
{
    if (value) {
        explicit_bzero(value, strlen(value));
        g_free(value);
    }
}

void
sdp_crypto_clear(SdpCrypto *crypto)
{
    if (crypto)
        explicit_bzero(crypto, sizeof(*crypto));
}
