/* Carillon res_sip - digest credentials for our own requests (see
 * auth_client.h). */
#include <string.h>

#include "auth.h"
#include "auth_client.h"

static int
algorithm_rank(SipDigestAlgorithm alg)
{
    switch (alg) {
    case SIP_DIGEST_ALG_SHA512_256:
        return 4;
    case SIP_DIGEST_ALG_SHA256:
        return 3;
    case SIP_DIGEST_ALG_MD5:
    case SIP_DIGEST_ALG_NONE:
        return 2;
    case SIP_DIGEST_ALG_MD5_SESS:
    case SIP_DIGEST_ALG_SHA256_SESS:
    case SIP_DIGEST_ALG_SHA512_256_SESS:
        return 1;
    default:
        return 0;
    }
}

/* The best Digest challenge of resp; FALSE when there is none we know. */
static gboolean
pick_challenge(const SipMsg *resp, SipHeaderId id, SipDigestParams *best)
{
    int best_rank = 0;

    for (guint i = 0; i < sip_msg_count_headers(resp, id); i++) {
        const SipHeader *h = sip_msg_get_header(resp, id, i);
        SipDigestParams d;
        int rank;

        if (!sip_parse_digest(h->value, &d) || d.scheme != SIP_AUTH_SCHEME_DIGEST ||
            !sip_slice_present(d.nonce))
            continue;
        rank = algorithm_rank(d.algorithm);
        if (rank > best_rank) {
            best_rank = rank;
            *best = d;
        }
    }
    return best_rank > 0;
}

static char *
unquoted(SipSlice s)
{
    GString *out = g_string_new(NULL);

    if (sip_slice_present(s))
        sip_unquote(s, out);
    return g_string_free(out, FALSE);
}

static void
append_credentials(GString *out, const SipDigestParams *d, const char *user,
                   const char *realm, const char *nonce, const char *uri,
                   const char *cnonce, const char *response)
{
    g_string_append_printf(out, "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                           "uri=\"%s\", response=\"%s\"", user, realm, nonce, uri, response);
    if (d->algorithm != SIP_DIGEST_ALG_NONE)
        g_string_append_printf(out, ", algorithm=%.*s", (int) d->algorithm_name.len,
                               d->algorithm_name.p);
    if (cnonce)
        g_string_append_printf(out, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);
    if (sip_slice_present(d->opaque))
        g_string_append_printf(out, ", opaque=\"%.*s\"", (int) d->opaque.len, d->opaque.p);
    g_string_append(out, "\r\n");
}

char *
sip_auth_client_answer(const SipMsg *resp, const char *method, const char *uri,
                       const char *user, const char *password, GError **error)
{
    gboolean proxy = resp->status_code == 407;
    SipDigestParams d;
    g_autofree char *realm = NULL, *nonce = NULL, *response = NULL;
    char cnonce[17];
    const char *qop;
    GString *out;

    if (!pick_challenge(resp, proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE,
                        &d)) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID,
                    "%u without a Digest challenge we can answer", resp->status_code);
        return NULL;
    }
    realm = unquoted(d.realm);
    nonce = unquoted(d.nonce);
    qop = (d.qop_mask & SIP_DIGEST_QOP_AUTH) ? "auth" : NULL;
    g_snprintf(cnonce, sizeof cnonce, "%08x%08x", g_random_int(), g_random_int());
    response = sip_auth_compute_response(d.algorithm, user, realm, password, method, uri,
                                         nonce, "00000001", qop ? cnonce : NULL, qop);
    if (!response) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID, "digest algorithm not supported");
        return NULL;
    }
    out = g_string_new(proxy ? "Proxy-Authorization: " : "Authorization: ");
    append_credentials(out, &d, user, realm, nonce, uri, qop ? cnonce : NULL, response);
    return g_string_free(out, FALSE);
}
