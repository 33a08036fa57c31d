/* Carillon - DTLS-SRTP SDP attributes; see carillon/sip/sdp_dtls.h. */
#include <string.h>
#include <carillon/sip/sdp_dtls.h>

G_DEFINE_QUARK(carillon-sdp-dtls-error, sdp_dtls_error)

static const char *const setup_names[] = {
    [SDP_SETUP_ACTPASS] = "actpass",
    [SDP_SETUP_ACTIVE] = "active",
    [SDP_SETUP_PASSIVE] = "passive",
    [SDP_SETUP_HOLDCONN] = "holdconn",
};

static const struct {
    const char *name;
    guint len;
} hashes[] = {
    { "md5", 16 }, { "sha-1", 20 }, { "sha-224", 28 },
    { "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
};

static gboolean
parse_error(GError **error, const char *what)
{
    g_set_error(error, SDP_DTLS_ERROR, SDP_DTLS_ERROR_PARSE, "%s", what);
    return FALSE;
}

gboolean
sdp_setup_parse(const char *value, SdpSetup *out, GError **error)
{
    for (guint i = SDP_SETUP_ACTPASS; value && i < G_N_ELEMENTS(setup_names); i++) {
        if (g_ascii_strcasecmp(value, setup_names[i]) == 0) {
            *out = (SdpSetup) i;
            return TRUE;
        }
    }
    return parse_error(error, "a=setup is not actpass, active, passive or holdconn");
}

const char *
sdp_setup_to_string(SdpSetup setup)
{
    if (setup <= SDP_SETUP_NONE || setup > SDP_SETUP_HOLDCONN)
        return NULL;
    return setup_names[setup];
}

/* The hash function named by the len bytes at s, or -1. */
static gint
hash_index(const char *s, gsize len)
{
    for (guint i = 0; i < G_N_ELEMENTS(hashes); i++)
        if (strlen(hashes[i].name) == len && g_ascii_strncasecmp(s, hashes[i].name, len) == 0)
            return (gint) i;
    return -1;
}

/* "AB:CD:..." of exactly n pairs. */
static gboolean
parse_digest(const char *s, guint8 *out, guint n)
{
    for (guint i = 0; i < n; i++) {
        gint hi = g_ascii_xdigit_value(s[0]), lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);
        if (lo < 0)
            return FALSE;
        out[i] = (guint8) (hi << 4 | lo);
        s += 2;
        if (*s != (i + 1 < n ? ':' : '\0'))
            return FALSE;
        if (*s)
            s++;
    }
    return TRUE;
}

gboolean
sdp_fingerprint_parse(const char *value, SdpFingerprint *out, GError **error)
{
    const char *sp = value ? strchr(value, ' ') : NULL;
    gint h;

    memset(out, 0, sizeof(*out));
    if (!sp)
        return parse_error(error, "a=fingerprint needs a hash function and a digest");
    h = hash_index(value, (gsize) (sp - value));
    if (h < 0)
        return parse_error(error, "a=fingerprint: unknown hash function");
    while (*sp == ' ')
        sp++;
    if (!parse_digest(sp, out->digest, hashes[h].len))
        return parse_error(error, "a=fingerprint: the digest is not the hash's hex pairs");
    g_strlcpy(out->hash, hashes[h].name, sizeof(out->hash));
    out->len = hashes[h].len;
    return TRUE;
}

char *
sdp_fingerprint_to_value(const SdpFingerprint *fp)
{
    GString *s = g_string_new(fp->hash);

    for (guint i = 0; i < fp->len; i++)
        g_string_append_printf(s, "%c%02X", i ? ':' : ' ', fp->digest[i]);
    return g_string_free(s, FALSE);
}

/* One attribute into out; FALSE on a malformed one. */
static gboolean
take_attribute(const SdpAttribute *a, SdpDtlsAttrs *out, GError **error)
{
    if (g_ascii_strcasecmp(a->name, "rtcp-mux") == 0) {
        out->rtcp_mux = TRUE;
    } else if (g_ascii_strcasecmp(a->name, "setup") == 0) {
        SdpSetup setup;
        if (!sdp_setup_parse(a->value, &setup, error))
            return FALSE;
        if (out->setup && out->setup != setup)
            return parse_error(error, "a=setup lines disagree");
        out->setup = setup;
    } else if (g_ascii_strcasecmp(a->name, "fingerprint") == 0) {
        SdpFingerprint fp;
        if (!sdp_fingerprint_parse(a->value, &fp, error))
            return FALSE;
        if (!out->has_fingerprint && fp.len == 32 && strcmp(fp.hash, "sha-256") == 0) {
            out->fingerprint = fp;
            out->has_fingerprint = TRUE;
        }
    }
    return TRUE;
}

static gboolean
take_level(const GPtrArray *attrs, SdpDtlsAttrs *out, GError **error)
{
    for (guint i = 0; attrs && i < attrs->len; i++)
        if (!take_attribute(attrs->pdata[i], out, error))
            return FALSE;
    return TRUE;
}

gboolean
sdp_media_get_dtls(const SdpSession *session, const SdpMedia *media, SdpDtlsAttrs *out,
                   GError **error)
{
    SdpDtlsAttrs level = { 0 };

    memset(out, 0, sizeof(*out));
    if (!take_level(media->attributes, out, error) ||
        !take_level(session ? session->attributes : NULL, &level, error))
        return FALSE;
    if (!out->setup)
        out->setup = level.setup;
    if (!out->has_fingerprint && level.has_fingerprint) {
        out->fingerprint = level.fingerprint;
        out->has_fingerprint = TRUE;
    }
    return TRUE;        /* rtcp-mux is a media attribute only (RFC 5761 5.1.1) */
}

void
sdp_media_add_dtls(SdpMedia *media, SdpSetup setup, const SdpFingerprint *fp, gboolean mux)
{
    g_autofree char *value = sdp_fingerprint_to_value(fp);

    sdp_media_add_attribute(media, "setup", sdp_setup_to_string(setup));
    sdp_media_add_attribute(media, "fingerprint", value);
    if (mux)
        sdp_media_add_attribute(media, "rtcp-mux", NULL);
}
