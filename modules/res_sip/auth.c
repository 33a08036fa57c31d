/* Carillon res_sip - digest authentication: stateless nonces, nonce-count
 * replay protection, constant-shape failures and source blocking.
 * See auth.h for the contract. */
#include <string.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <carillon/carillon.h>

#include "auth.h"
#include "siphash.h"

#define KEY_LEN 32               /* two SipHash keys */
#define MAC_LEN 16
#define SALT_LEN 8
#define NONCE_RAW_LEN (8 + SALT_LEN + MAC_LEN)
#define NONCE_B64_LEN 44
#define MAX_NC_ENTRIES 1000000   /* per generation */
#define MAX_FAILURE_ENTRIES 100000

typedef struct {
    guint failures;
    gint64 first;
    gint64 blocked_until;
} Failures;

struct _SipAuth {
    SipAuthConfig config;
    guint8 key[KEY_LEN];
    char dummy_secret[33];
    /* Highest nc per nonce, in two generations of nonce_lifetime each:
     * lookups see both, inserts go to the current one, and a rotation
     * drops the previous one whole (no scans, bounded memory). */
    GHashTable *nc_current;   /* nonce salt -> GUINT_TO_POINTER(nc) */
    GHashTable *nc_previous;
    gint64 generation_started;
    GHashTable *failures;     /* address string -> Failures */
    gint64 (*now)(void);
    gboolean md5_only_allowed;  /* some clients get MD5-only challenges */
    guint64 salt;             /* per nonce: random start, then counts */
};

static gint64
monotonic_seconds(void)
{
    return g_get_monotonic_time() / G_USEC_PER_SEC;
}

static const struct {
    const char *name;
    SipDigestAlgorithm alg;
} algorithm_names[] = {
    { "MD5", SIP_DIGEST_ALG_MD5 },
    { "SHA-256", SIP_DIGEST_ALG_SHA256 },
    { "SHA-512-256", SIP_DIGEST_ALG_SHA512_256 },
};

gboolean
sip_auth_algorithm_from_name(const char *name, SipDigestAlgorithm *alg)
{
    for (guint i = 0; i < G_N_ELEMENTS(algorithm_names); i++) {
        if (g_ascii_strcasecmp(name, algorithm_names[i].name) == 0) {
            *alg = algorithm_names[i].alg;
            return TRUE;
        }
    }
    return FALSE;
}

const char *
sip_auth_algorithm_name(SipDigestAlgorithm alg)
{
    for (guint i = 0; i < G_N_ELEMENTS(algorithm_names); i++) {
        if (algorithm_names[i].alg == alg)
            return algorithm_names[i].name;
    }
    return "MD5";
}

static void
config_copy(SipAuthConfig *dst, const SipAuthConfig *src)
{
    g_free(dst->realm);
    *dst = *src;
    dst->realm = g_strdup(src->realm ? src->realm : "carillon");
    if (dst->n_algorithms == 0 || dst->n_algorithms > SIP_AUTH_MAX_ALGORITHMS) {
        dst->algorithms[0] = SIP_DIGEST_ALG_SHA256;
        dst->algorithms[1] = SIP_DIGEST_ALG_MD5;
        dst->n_algorithms = 2;
    }
}

/* The -sess variants and an absent algorithm count as their base. */
static gboolean
algorithm_offered(const SipAuth *auth, SipDigestAlgorithm alg)
{
    SipDigestAlgorithm base = alg;

    if (alg == SIP_DIGEST_ALG_NONE || alg == SIP_DIGEST_ALG_MD5_SESS)
        base = SIP_DIGEST_ALG_MD5;
    else if (alg == SIP_DIGEST_ALG_SHA256_SESS)
        base = SIP_DIGEST_ALG_SHA256;
    else if (alg == SIP_DIGEST_ALG_SHA512_256_SESS)
        base = SIP_DIGEST_ALG_SHA512_256;
    for (guint i = 0; i < auth->config.n_algorithms; i++) {
        if (auth->config.algorithms[i] == base)
            return TRUE;
    }
    /* md5_only challenges (see sip_auth_append_challenge) */
    return base == SIP_DIGEST_ALG_MD5 && auth->md5_only_allowed;
}

SipAuth *
sip_auth_new(const SipAuthConfig *config)
{
    SipAuth *auth = g_new0(SipAuth, 1);
    guint8 raw[16];

    config_copy(&auth->config, config);
    if (RAND_bytes(auth->key, sizeof(auth->key)) != 1 ||
        RAND_bytes(raw, sizeof(raw)) != 1 ||
        RAND_bytes((guint8 *) &auth->salt, sizeof(auth->salt)) != 1)
        g_error("OpenSSL RAND_bytes failed");
    for (guint i = 0; i < sizeof(raw); i++)
        g_snprintf(auth->dummy_secret + 2 * i, 3, "%02x", raw[i]);
    auth->nc_current = g_hash_table_new(g_direct_hash, NULL);
    auth->nc_previous = g_hash_table_new(g_direct_hash, NULL);
    auth->failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           g_free);
    auth->now = monotonic_seconds;
    return auth;
}

void
sip_auth_free(SipAuth *auth)
{
    if (!auth)
        return;
    g_hash_table_unref(auth->nc_current);
    g_hash_table_unref(auth->nc_previous);
    g_hash_table_unref(auth->failures);
    g_free(auth->config.realm);
    OPENSSL_cleanse(auth->key, sizeof(auth->key));
    g_free(auth);
}

void
sip_auth_set_config(SipAuth *auth, const SipAuthConfig *config)
{
    config_copy(&auth->config, config);
}

const char *
sip_auth_get_realm(const SipAuth *auth)
{
    return auth->config.realm;
}

void
sip_auth_set_md5_only_allowed(SipAuth *auth, gboolean allowed)
{
    auth->md5_only_allowed = allowed;
}

void
sip_auth_set_clock(SipAuth *auth, gint64 (*now)(void))
{
    auth->now = now ? now : monotonic_seconds;
}

/* ------------------------------------------------------------------ */
/* Hashing                                                             */
/* ------------------------------------------------------------------ */

/* Digests fetched once: OpenSSL 3 looks an implicit EVP_md5() up in its
 * provider tables on every use, which showed up in REGISTER profiles. */
static EVP_MD *mds[3];
static EVP_MD_CTX *md_ctx;      /* main context only: reused */
static GString *verify_buf;     /* main context only: sip_auth_verify's fields */

static const EVP_MD *
fetched(int which)
{
    static const char *const names[3] = { "MD5", "SHA256", "SHA512-256" };

    if (!mds[which])
        mds[which] = EVP_MD_fetch(NULL, names[which], NULL);
    return mds[which];
}

void
sip_auth_release_globals(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(mds); i++)
        g_clear_pointer(&mds[i], EVP_MD_free);
    g_clear_pointer(&md_ctx, EVP_MD_CTX_free);
    if (verify_buf) {
        g_string_free(verify_buf, TRUE);
        verify_buf = NULL;
    }
}

static const EVP_MD *
algorithm_md(SipDigestAlgorithm alg)
{
    switch (alg) {
    case SIP_DIGEST_ALG_NONE:
    case SIP_DIGEST_ALG_MD5:
    case SIP_DIGEST_ALG_MD5_SESS:
        return fetched(0);
    case SIP_DIGEST_ALG_SHA256:
    case SIP_DIGEST_ALG_SHA256_SESS:
        return fetched(1);
    case SIP_DIGEST_ALG_SHA512_256:
    case SIP_DIGEST_ALG_SHA512_256_SESS:
        return fetched(2);
    default:
        return NULL;
    }
}

static gboolean
algorithm_is_sess(SipDigestAlgorithm alg)
{
    return alg == SIP_DIGEST_ALG_MD5_SESS || alg == SIP_DIGEST_ALG_SHA256_SESS ||
           alg == SIP_DIGEST_ALG_SHA512_256_SESS;
}

/* Hex digest of the ':'-joined NULL-terminated parts. */
static void
hash_hex(const EVP_MD *md, char *out, const char *const *parts)
{
    static const char hex[] = "0123456789abcdef";
    EVP_MD_CTX *ctx;
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!md_ctx)
        md_ctx = EVP_MD_CTX_new();
    ctx = md_ctx;
    EVP_DigestInit_ex(ctx, md, NULL);
    for (guint i = 0; parts[i]; i++) {
        if (i)
            EVP_DigestUpdate(ctx, ":", 1);
        EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
    }
    EVP_DigestFinal_ex(ctx, buf, &n);
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 0xf];
    }
    out[2 * n] = '\0';
}

/* The response digest in resp (hex); FALSE for an unknown algorithm. */
static gboolean
compute_response(SipDigestAlgorithm alg, const char *username, const char *realm,
                 const char *password, const char *method, const char *uri,
                 const char *nonce, const char *nc, const char *cnonce,
                 const char *qop, char resp[2 * EVP_MAX_MD_SIZE + 1])
{
    const EVP_MD *md = algorithm_md(alg);
    char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1];

    if (!md)
        return FALSE;
    hash_hex(md, ha1, (const char *const[]){ username, realm, password, NULL });
    if (algorithm_is_sess(alg)) {
        char base[sizeof(ha1)];
        memcpy(base, ha1, sizeof(base));
        hash_hex(md, ha1, (const char *const[]){ base, nonce, cnonce, NULL });
    }
    hash_hex(md, ha2, (const char *const[]){ method, uri, NULL });
    if (qop && *qop)
        hash_hex(md, resp, (const char *const[]){ ha1, nonce, nc, cnonce, qop,
                                                  ha2, NULL });
    else
        hash_hex(md, resp, (const char *const[]){ ha1, nonce, ha2, NULL });
    return TRUE;
}

char *
sip_auth_compute_response(SipDigestAlgorithm alg, const char *username,
                          const char *realm, const char *password,
                          const char *method, const char *uri,
                          const char *nonce, const char *nc, const char *cnonce,
                          const char *qop)
{
    char resp[2 * EVP_MAX_MD_SIZE + 1];

    if (!compute_response(alg, username, realm, password, method, uri, nonce, nc,
                          cnonce, qop, resp))
        return NULL;
    return g_strdup(resp);
}

/* ------------------------------------------------------------------ */
/* Nonces                                                              */
/* ------------------------------------------------------------------ */

/* MAC over time and salt (the first 16 bytes of the nonce), the source
 * address and the realm: SipHash-2-4 under the two halves of the key,
 * 2 x 64 bits (siphash.h). */
static void
nonce_mac(const SipAuth *auth, const guint8 head[8 + SALT_LEN], const SipAuthSource *source,
          guint8 mac[MAC_LEN])
{
    guint8 msg[8 + SALT_LEN + 16 + 256];
    guint64 tag[2];
    gsize addr_len = source->len;
    gsize realm_len = MIN(strlen(auth->config.realm), 256);
    gsize off = 8 + SALT_LEN;

    memcpy(msg, head, off);
    memcpy(msg + off, source->bytes, addr_len);
    memcpy(msg + off + addr_len, auth->config.realm, realm_len);
    tag[0] = sip_siphash24(auth->key, msg, off + addr_len + realm_len);
    tag[1] = sip_siphash24(auth->key + 16, msg, off + addr_len + realm_len);
    for (int i = 0; i < 8; i++) {
        mac[i] = (guint8) (tag[0] >> (8 * i));
        mac[8 + i] = (guint8) (tag[1] >> (8 * i));
    }
}

/* time (8 bytes, big endian) || salt || MAC, base64: unique per
 * challenge, so nonce counts of different clients never collide.  The
 * salt is a counter from a random start (unforgeable through the MAC,
 * never repeated within a process; a restart draws a new start). */
static void
nonce_new(SipAuth *auth, const SipAuthSource *source, char out[NONCE_B64_LEN + 1])
{
    guint8 raw[NONCE_RAW_LEN];
    gint state = 0, save = 0;
    gsize n;
    guint64 salt;
    guint64 now = (guint64) auth->now();

    for (int i = 7; i >= 0; i--, now >>= 8)
        raw[i] = now & 0xff;
    salt = auth->salt++;
    for (int i = 8 + SALT_LEN - 1; i >= 8; i--, salt >>= 8)
        raw[i] = salt & 0xff;
    nonce_mac(auth, raw, source, raw + 8 + SALT_LEN);
    G_STATIC_ASSERT((NONCE_RAW_LEN + 2) / 3 * 4 == NONCE_B64_LEN);
    n = g_base64_encode_step(raw, sizeof(raw), FALSE, out, &state, &save);
    n += g_base64_encode_close(FALSE, out + n, &state, &save);
    out[n] = '\0';
}

typedef enum { NONCE_GOOD, NONCE_EXPIRED, NONCE_FORGED } NonceCheck;

static NonceCheck
nonce_check(const SipAuth *auth, const char *nonce, const SipAuthSource *source,
            guint64 *salt)
{
    guint8 mac[MAC_LEN];
    guint8 raw[NONCE_B64_LEN];      /* decoding writes up to 3/4 of the text */
    gint state = 0;
    guint save = 0;
    gsize len;
    gint64 stamp = 0;

    if (strlen(nonce) != NONCE_B64_LEN)
        return NONCE_FORGED;
    len = g_base64_decode_step(nonce, NONCE_B64_LEN, raw, &state, &save);
    if (len != NONCE_RAW_LEN)
        return NONCE_FORGED;
    nonce_mac(auth, raw, source, mac);
    if (CRYPTO_memcmp(mac, raw + 8 + SALT_LEN, MAC_LEN) != 0)
        return NONCE_FORGED;
    for (int i = 0; i < 8; i++)
        stamp = (stamp << 8) | raw[i];
    *salt = 0;
    for (int i = 8; i < 8 + SALT_LEN; i++)
        *salt = (*salt << 8) | raw[i];
    if (auth->now() - stamp > (gint64) auth->config.nonce_lifetime ||
        stamp > auth->now())
        return NONCE_EXPIRED;
    return NONCE_GOOD;
}

static void
rotate_generations(SipAuth *auth, gint64 now)
{
    if (now - auth->generation_started <= (gint64) auth->config.nonce_lifetime + 1)
        return;
    g_hash_table_unref(auth->nc_previous);
    auth->nc_previous = auth->nc_current;
    auth->nc_current = g_hash_table_new(g_direct_hash, NULL);
    auth->generation_started = now;
}

/* TRUE when nc is higher than any seen with this (unexpired) nonce, and
 * records it.  A nonce is known by its salt: a counter, so no two nonces
 * of this process share one, and the MAC was checked (no allocation per
 * request for the key). */
G_STATIC_ASSERT(GLIB_SIZEOF_VOID_P >= 8);

static gboolean
nonce_count_fresh(SipAuth *auth, guint64 salt, guint32 nc)
{
    GHashTable *where = auth->nc_current;
    gpointer nonce = GSIZE_TO_POINTER(salt);
    gpointer last;

    rotate_generations(auth, auth->now());
    if (!g_hash_table_lookup_extended(where, nonce, NULL, &last)) {
        where = auth->nc_previous;
        if (!g_hash_table_lookup_extended(where, nonce, NULL, &last))
            where = NULL;
    }
    if (where) {
        if (nc <= GPOINTER_TO_UINT(last))
            return FALSE;
        g_hash_table_insert(where, nonce, GUINT_TO_POINTER(nc));
        return TRUE;
    }
    if (g_hash_table_size(auth->nc_current) >= MAX_NC_ENTRIES)
        return FALSE;   /* flooded: make the client fetch a new nonce */
    g_hash_table_insert(auth->nc_current, nonce, GUINT_TO_POINTER(nc));
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* Failures and blocking                                               */
/* ------------------------------------------------------------------ */

gboolean
sip_auth_source_parse(const char *ip, SipAuthSource *out)
{
    if (inet_pton(AF_INET, ip, out->bytes) == 1) {
        out->len = 4;
        return TRUE;
    }
    if (inet_pton(AF_INET6, ip, out->bytes) == 1) {
        out->len = 16;
        return TRUE;
    }
    return FALSE;
}

/* The canonical text of a source: the key of the failure table. */
static void
source_text(const SipAuthSource *source, char buf[INET6_ADDRSTRLEN])
{
    if (!inet_ntop(source->len == 4 ? AF_INET : AF_INET6, source->bytes, buf,
                   INET6_ADDRSTRLEN))
        buf[0] = '\0';
}

static void
count_failure(SipAuth *auth, const SipAuthSource *source)
{
    char addr[INET6_ADDRSTRLEN];
    Failures *f;

    source_text(source, addr);
    f = g_hash_table_lookup(auth->failures, addr);
    gint64 now = auth->now();

    if (!auth->config.max_failures)
        return;
    if (!f) {
        if (g_hash_table_size(auth->failures) >= MAX_FAILURE_ENTRIES)
            g_hash_table_remove_all(auth->failures);
        f = g_new0(Failures, 1);
        f->first = now;
        g_hash_table_insert(auth->failures, g_strdup(addr), f);
    }
    if (now - f->first > (gint64) auth->config.failure_window &&
        f->blocked_until <= now) {
        f->failures = 0;
        f->first = now;
    }
    f->failures++;
    if (f->failures >= auth->config.max_failures && f->blocked_until <= now) {
        f->blocked_until = now + auth->config.block_time;
        PbxEvent *ev = pbx_event_new("security/blocked");
        pbx_warning(pbx_log_domain("security"),
                    "blocking %s for %u s after %u failed authentications",
                    addr, auth->config.block_time, f->failures);
        pbx_event_set(ev, "address", addr);
        pbx_event_setf(ev, "failures", "%u", f->failures);
        pbx_event_publish(ev);
    }
}

gboolean
sip_auth_any_failures(const SipAuth *auth)
{
    return g_hash_table_size(auth->failures) > 0;
}

gboolean
sip_auth_is_blocked(SipAuth *auth, const SipAuthSource *source)
{
    char addr[INET6_ADDRSTRLEN];
    Failures *f;

    if (g_hash_table_size(auth->failures) == 0)
        return FALSE;
    source_text(source, addr);
    f = g_hash_table_lookup(auth->failures, addr);
    return f && f->blocked_until > auth->now();
}

gboolean
sip_auth_unblock(SipAuth *auth, const char *address)
{
    SipAuthSource a;
    char canon[INET6_ADDRSTRLEN];

    if (!sip_auth_source_parse(address, &a))
        return g_hash_table_remove(auth->failures, address);
    source_text(&a, canon);
    return g_hash_table_remove(auth->failures, canon);
}

void
sip_auth_foreach_blocked(SipAuth *auth, SipAuthBlockedFunc fn, gpointer data)
{
    GHashTableIter it;
    gpointer key, value;
    gint64 now = auth->now();

    g_hash_table_iter_init(&it, auth->failures);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        Failures *f = value;
        if (f->blocked_until > now)
            fn(key, f->failures, f->blocked_until - now, data);
    }
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */
/* ------------------------------------------------------------------ */

/* Appends the unquoted value and a NUL; returns its offset. */
static gsize
put_field(GString *buf, SipSlice s)
{
    gsize at = buf->len;

    sip_unquote(s, buf);
    g_string_append_c(buf, '\0');
    return at;
}

static gboolean
realm_matches(const SipAuth *auth, SipSlice realm)
{
    g_autoptr(GString) plain = NULL;

    if (!memchr(realm.p ? realm.p : "", '\\', realm.len))
        return sip_slice_eq(realm, auth->config.realm);
    plain = g_string_new(NULL);
    sip_unquote(realm, plain);
    return strcmp(plain->str, auth->config.realm) == 0;
}

/* Picks the first Digest credentials for our realm with an algorithm we
 * know.  Returns 1 found, 0 none, -1 malformed. */
static int
find_credentials(const SipAuth *auth, const SipMsg *msg, SipHeaderId id,
                 SipDigestParams *out)
{
    for (guint i = 0; i < sip_msg_count_headers(msg, id); i++) {
        const SipHeader *h = sip_msg_get_header(msg, id, i);

        if (!sip_parse_digest(h->value, out))
            return -1;
        if (out->scheme != SIP_AUTH_SCHEME_DIGEST)
            continue;
        if (!realm_matches(auth, out->realm) || !algorithm_md(out->algorithm) ||
            !algorithm_offered(auth, out->algorithm))
            continue;
        return 1;
    }
    return 0;
}

SipAuthResult
sip_auth_verify(SipAuth *auth, const SipMsg *msg, gboolean proxy,
                const SipAuthSource *source, SipAuthSecretFunc lookup, gpointer data,
                char **username)
{
    SipDigestParams d;
    char expected[2 * EVP_MAX_MD_SIZE + 1], response[2 * EVP_MAX_MD_SIZE + 1];
    gsize at_user, at_nonce, at_uri, at_cnonce, at_nc, at_method;
    const char *user, *nonce, *secret;
    GString *buf;
    NonceCheck nonce_state;
    int found;
    gboolean match, too_long;
    guint64 salt = 0;

    found = find_credentials(auth, msg, proxy ? SIP_HDR_PROXY_AUTHORIZATION
                                              : SIP_HDR_AUTHORIZATION, &d);
    if (found < 0)
        return SIP_AUTH_BAD_REQUEST;
    if (found == 0)
        return SIP_AUTH_CHALLENGE;
    if (!sip_slice_present(d.username) || !sip_slice_present(d.nonce) ||
        !sip_slice_present(d.uri) || !sip_slice_present(d.response) ||
        d.qop_mask != SIP_DIGEST_QOP_AUTH || !sip_slice_present(d.cnonce) ||
        !sip_slice_present(d.nc))
        return SIP_AUTH_BAD_REQUEST;
    too_long = d.response.len >= sizeof(response);    /* wrong, like any other */
    /* Every field as a C string in one reused buffer (offsets, since the
     * buffer may move while it grows). */
    if (!verify_buf)
        verify_buf = g_string_sized_new(512);
    buf = verify_buf;
    g_string_truncate(buf, 0);
    at_user = put_field(buf, d.username);
    at_nonce = put_field(buf, d.nonce);
    at_uri = put_field(buf, d.uri);
    at_cnonce = put_field(buf, d.cnonce);
    at_nc = buf->len;
    g_string_append_len(buf, d.nc.p, d.nc.len);
    g_string_append_c(buf, '\0');
    at_method = buf->len;
    g_string_append_len(buf, msg->method_name.p, msg->method_name.len);
    g_string_append_c(buf, '\0');
    user = buf->str + at_user;
    nonce = buf->str + at_nonce;
    for (guint i = 0; i < d.response.len && !too_long; i++)
        response[i] = g_ascii_tolower(d.response.p[i]);
    response[too_long ? 0 : d.response.len] = '\0';

    nonce_state = nonce_check(auth, nonce, source, &salt);
    if (nonce_state == NONCE_FORGED)
        return SIP_AUTH_CHALLENGE;   /* not ours, or from another address */
    secret = lookup(user, data);
    /* Unknown users take the same path with a secret nobody knows. */
    match = compute_response(d.algorithm, user, auth->config.realm,
                             secret ? secret : auth->dummy_secret,
                             buf->str + at_method, buf->str + at_uri, nonce,
                             buf->str + at_nc, buf->str + at_cnonce, "auth", expected);
    match = match && !too_long && strlen(expected) == d.response.len &&
            CRYPTO_memcmp(expected, response, d.response.len) == 0;
    if (!match || !secret) {
        count_failure(auth, source);
        return SIP_AUTH_FAILED;
    }
    if (nonce_state == NONCE_EXPIRED)
        return SIP_AUTH_STALE;
    if (!nonce_count_fresh(auth, salt, d.nc_value))
        return SIP_AUTH_CHALLENGE;   /* replayed: make it fetch a new nonce */
    *username = g_strdup(user);
    return SIP_AUTH_OK;
}

static void
append_one(const SipAuth *auth, const char *nonce, gboolean proxy, gboolean stale,
           SipDigestAlgorithm alg, GString *out)
{
    /* per challenge: appends, not printf */
    g_string_append(out, proxy ? "Proxy-Authenticate: Digest realm=\""
                               : "WWW-Authenticate: Digest realm=\"");
    g_string_append(out, auth->config.realm);
    g_string_append(out, "\", nonce=\"");
    g_string_append(out, nonce);
    g_string_append(out, "\", algorithm=");
    g_string_append(out, sip_auth_algorithm_name(alg));
    g_string_append(out, stale ? ", qop=\"auth\", stale=true\r\n" : ", qop=\"auth\"\r\n");
}

void
sip_auth_append_challenge(SipAuth *auth, const SipAuthSource *source, gboolean proxy,
                          gboolean stale, gboolean md5_only, GString *out)
{
    char nonce[NONCE_B64_LEN + 1];

    nonce_new(auth, source, nonce);
    if (md5_only) {
        append_one(auth, nonce, proxy, stale, SIP_DIGEST_ALG_MD5, out);
        return;
    }
    for (guint i = 0; i < auth->config.n_algorithms; i++)
        append_one(auth, nonce, proxy, stale, auth->config.algorithms[i], out);
}
