/* Carillon - chan_sip SDES-SRTP (RFC 4568): the endpoint's policy, our
 * a=crypto lines, the far end's, and the keys handed to res_rtp.
 *
 * media_encryption = sdes keys a leg's media only when its signalling
 * is TLS (the keys travel in the SDP).  Required (the default): we offer
 * RTP/SAVP, a plain offer gets 488, and a leg whose signalling is not
 * TLS is refused.  media_encryption_optimistic = yes: we offer RTP/AVP
 * with a=crypto (best effort) and take SRTP when the other side does,
 * plain RTP otherwise; over UDP/TCP no key is offered or accepted.
 * The two legs of a bridge are keyed separately; res_rtp decrypts and
 * re-encrypts (or passes plain RTP to the plain leg) on its worker.
 * Keys are never logged.  Main context only.
 */
#include <string.h>
#include <sys/random.h>
#include <carillon/sip/sdp_crypto.h>
#include "sip_channel.h"

struct _SipSrtp {
    SdpCrypto ours[SDP_SRTP_N_SUITES];  /* offered (all suites) or answered (ours[0]) */
    guint n_ours;
    char *values[SDP_SRTP_N_SUITES + 1];    /* our a=crypto values, NULL-terminated */
};

static const char *const savp[] = { "RTP/SAVP", NULL };
static const char *const avp_or_savp[] = { "RTP/AVP", "RTP/SAVP", NULL };

SipSrtpPolicy
sip_srtp_policy(const SipCall *call)
{
    const SipEndpoint *e = call->endpoint;

    if (!e || g_strcmp0(e->media_encryption, "sdes") != 0)
        return SIP_SRTP_OFF;
    if (call->transport != SIP_TRANSPORT_TLS)
        return e->media_encryption_optimistic ? SIP_SRTP_OFF : SIP_SRTP_NEEDS_TLS;
    return e->media_encryption_optimistic ? SIP_SRTP_OPTIONAL : SIP_SRTP_REQUIRED;
}

static void
values_clear(SipSrtp *srtp)
{
    for (guint i = 0; i < srtp->n_ours; i++) {
        sdp_crypto_free_value(srtp->values[i]);
        srtp->values[i] = NULL;
        sdp_crypto_clear(&srtp->ours[i]);
    }
    srtp->n_ours = 0;
}

void
sip_srtp_free(SipCall *call)
{
    if (!call->srtp)
        return;
    values_clear(call->srtp);
    g_free(call->srtp);
    call->srtp = NULL;
}

static SipSrtp *
srtp_of(SipCall *call)
{
    if (!call->srtp)
        call->srtp = g_new0(SipSrtp, 1);
    return call->srtp;
}

/* A fresh key from the kernel's CSPRNG. */
static gboolean
add_ours(SipSrtp *srtp, guint tag, SdpSrtpSuite suite)
{
    SdpCrypto *c = &srtp->ours[srtp->n_ours];

    c->tag = tag;
    c->suite = suite;
    c->key_len = sdp_srtp_suite_key_len(suite);
    if (getrandom(c->key, c->key_len, 0) != (ssize_t) c->key_len)
        return FALSE;
    srtp->values[srtp->n_ours++] = sdp_crypto_to_value(c);
    return TRUE;
}

/* Our offer: one line per suite, tags 1..4; the keys are made once per
 * call and offered again in re-INVITEs. */
void
sip_srtp_offer(SipCall *call, SdpMediaPref *media)
{
    SipSrtpPolicy policy = sip_srtp_policy(call);
    SipSrtp *srtp;

    if (policy != SIP_SRTP_REQUIRED && policy != SIP_SRTP_OPTIONAL)
        return;
    srtp = srtp_of(call);
    if (srtp->n_ours != SDP_SRTP_N_SUITES) {
        values_clear(srtp);
        for (guint s = 0; s < SDP_SRTP_N_SUITES; s++)
            if (!add_ours(srtp, s + 1, (SdpSrtpSuite) s))
                return;
    }
    media->protos = policy == SIP_SRTP_REQUIRED ? savp : NULL;
    media->crypto = (const char *const *) srtp->values;
}

/* The first a=crypto line of m we can honour: a suite we know, no MKI,
 * no session parameters.  Bad lines are skipped (logged without keys). */
static gboolean
pick_theirs(const SdpMedia *m, SdpCrypto *out)
{
    for (guint i = 0; i < m->crypto->len; i++) {
        g_autoptr(GError) error = NULL;

        if (!sdp_crypto_parse(m->crypto->pdata[i], out, &error)) {
            pbx_notice(sip_log, "skipping a=crypto line %u: %s", i + 1, error->message);
            continue;
        }
        if (out->mki_len == 0 && !out->session_params)
            return TRUE;
        pbx_debug(sip_log, "skipping a=crypto tag %u: MKI or session parameters", out->tag);
        sdp_crypto_clear(out);
    }
    return FALSE;
}

static gboolean
is_savp(const SdpMedia *m)
{
    return m->proto && strstr(m->proto, "SAVP") != NULL;
}

static gboolean
refuse(GError **error, const char *why)
{
    g_set_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA, "%s", why);
    return FALSE;
}

/* Whether an offer's stream m is acceptable under the policy (FALSE:
 * 488), and the key we take from it (*theirs, tag 0: plain RTP). */
static gboolean
check_offer(SipCall *call, const SdpMedia *m, SdpCrypto *theirs, GError **error)
{
    SipSrtpPolicy policy = sip_srtp_policy(call);
    gboolean keyed;

    memset(theirs, 0, sizeof(*theirs));
    if (policy == SIP_SRTP_NEEDS_TLS)
        return refuse(error, "SRTP is required and SDES needs TLS signalling");
    if (policy == SIP_SRTP_OFF)
        return is_savp(m) ? refuse(error, "SRTP offered, media_encryption is off") : TRUE;
    keyed = pick_theirs(m, theirs);
    if (!keyed && (policy == SIP_SRTP_REQUIRED || is_savp(m)))
        return refuse(error, m->crypto->len ? "no usable a=crypto line"
                                            : "SRTP is required: no a=crypto offered");
    return TRUE;
}

gboolean
sip_srtp_check_offer(SipCall *call, const SdpMedia *m, GError **error)
{
    SdpCrypto theirs;
    gboolean ok = check_offer(call, m, &theirs, error);

    sdp_crypto_clear(&theirs);
    return ok;
}

/* Keys both ways to res_rtp (NULL: plain). */
static void
apply_keys(SipCall *call, const SdpCrypto *tx, const SdpCrypto *rx)
{
    RtpSrtpKey k_tx = { 0 }, k_rx = { 0 };
    g_autoptr(GError) error = NULL;

    if (tx) {
        k_tx.suite = (RtpSrtpSuite) tx->suite;
        k_tx.key_len = tx->key_len;
        memcpy(k_tx.key, tx->key, tx->key_len);
        k_rx.suite = (RtpSrtpSuite) rx->suite;
        k_rx.key_len = rx->key_len;
        memcpy(k_rx.key, rx->key, rx->key_len);
    }
    if (!rtp->session_set_srtp(call->rtp, tx ? &k_tx : NULL, tx ? &k_rx : NULL, &error))
        pbx_warning(sip_log, "SRTP: %s", error->message);
    call->srtp_active = tx != NULL;
    explicit_bzero(&k_tx, sizeof(k_tx));
    explicit_bzero(&k_rx, sizeof(k_rx));
}

gboolean
sip_srtp_answer(SipCall *call, const SdpMedia *offer, SdpMediaPref *media, GError **error)
{
    SdpCrypto theirs;
    SipSrtp *srtp;

    if (!check_offer(call, offer, &theirs, error))
        return FALSE;
    if (theirs.tag == 0) {
        if (call->rtp)
            apply_keys(call, NULL, NULL);
        return TRUE;
    }
    srtp = srtp_of(call);
    values_clear(srtp);
    if (!add_ours(srtp, theirs.tag, theirs.suite)) {
        sdp_crypto_clear(&theirs);
        return refuse(error, "no random bytes for an SRTP key");
    }
    media->protos = avp_or_savp;
    media->crypto = (const char *const *) srtp->values;
    if (call->rtp)
        apply_keys(call, &srtp->ours[0], &theirs);
    sdp_crypto_clear(&theirs);
    return TRUE;
}

/* The answer's line must carry one of the tags we offered, with its
 * suite. */
static const SdpCrypto *
answered(const SipSrtp *srtp, const SdpCrypto *theirs)
{
    for (guint i = 0; srtp && i < srtp->n_ours; i++)
        if (srtp->ours[i].tag == theirs->tag && srtp->ours[i].suite == theirs->suite)
            return &srtp->ours[i];
    return NULL;
}

gboolean
sip_srtp_take_answer(SipCall *call, const SdpMedia *m, GError **error)
{
    SipSrtpPolicy policy = sip_srtp_policy(call);
    SdpCrypto theirs;
    const SdpCrypto *ours = NULL;

    if (policy != SIP_SRTP_REQUIRED && policy != SIP_SRTP_OPTIONAL)
        return TRUE;
    if (pick_theirs(m, &theirs))
        ours = answered(call->srtp, &theirs);
    if (ours)
        apply_keys(call, ours, &theirs);
    else if (policy == SIP_SRTP_OPTIONAL)
        apply_keys(call, NULL, NULL);
    else if (call->srtp && call->srtp->n_ours)     /* nothing plain passes until the BYE */
        apply_keys(call, &call->srtp->ours[0], &call->srtp->ours[0]);
    sdp_crypto_clear(&theirs);
    if (!ours && policy == SIP_SRTP_REQUIRED)
        return refuse(error, "SRTP is required: the answer has no a=crypto we offered");
    return TRUE;
}
