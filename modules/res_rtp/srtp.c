/* res_rtp - SRTP/SRTCP contexts of a session (libsrtp2); see srtp.h. */
#include <string.h>
#include <srtp2/srtp.h>

#include "srtp.h"

struct _RtpSrtp {
    srtp_t tx;                  /* protects what the session sends */
    srtp_t rx;                  /* unprotects what it receives */
};

gboolean
rtp_srtp_init(GError **error)
{
    static gsize done;
    static srtp_err_status_t status;

    if (g_once_init_enter(&done)) {
        status = srtp_init();
        g_once_init_leave(&done, 1);
    }
    if (status != srtp_err_status_ok) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "libsrtp2 init failed (%d)", status);
        return FALSE;
    }
    return TRUE;
}

static guint
suite_key_len(RtpSrtpSuite suite)
{
    switch (suite) {
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_80:
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_32:
        return 30;
    case RTP_SRTP_AEAD_AES_128_GCM:
        return 28;
    case RTP_SRTP_AEAD_AES_256_GCM:
        return 44;
    }
    return 0;
}

static void
set_policies(srtp_policy_t *p, RtpSrtpSuite suite)
{
    switch (suite) {
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);   /* RFC 4568 6.2.2 */
        break;
    case RTP_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
        break;
    case RTP_SRTP_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
        break;
    }
}

/* One libsrtp session for any outbound or any inbound SSRC. */
static srtp_t
context_new(const RtpSrtpKey *k, srtp_ssrc_type_t type, GError **error)
{
    srtp_policy_t p;
    guint8 key[RTP_SRTP_MAX_KEY];
    srtp_t ctx = NULL;
    srtp_err_status_t status;

    if (k->key_len != suite_key_len(k->suite)) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "SRTP key of %u bytes for suite %d",
                    k->key_len, k->suite);
        return NULL;
    }
    memset(&p, 0, sizeof(p));
    set_policies(&p, k->suite);
    memcpy(key, k->key, k->key_len);
    p.key = key;
    p.ssrc.type = type;
    p.window_size = 1024;
    p.allow_repeat_tx = 1;      /* a relayed duplicate is passed on, not dropped */
    status = srtp_create(&ctx, &p);
    explicit_bzero(key, sizeof(key));
    if (status != srtp_err_status_ok) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "libsrtp2 refused the suite (%d)",
                    status);
        return NULL;
    }
    return ctx;
}

RtpSrtp *
rtp_srtp_new(const RtpSrtpKey *tx, const RtpSrtpKey *rx, GError **error)
{
    RtpSrtp *srtp;

    g_return_val_if_fail(tx != NULL && rx != NULL, NULL);
    if (!rtp_srtp_init(error))
        return NULL;
    srtp = g_new0(RtpSrtp, 1);
    srtp->tx = context_new(tx, ssrc_any_outbound, error);
    if (srtp->tx)
        srtp->rx = context_new(rx, ssrc_any_inbound, error);
    if (!srtp->rx) {
        rtp_srtp_free(srtp);
        return NULL;
    }
    return srtp;
}

void
rtp_srtp_free(RtpSrtp *srtp)
{
    if (!srtp)
        return;
    if (srtp->tx)
        srtp_dealloc(srtp->tx);
    if (srtp->rx)
        srtp_dealloc(srtp->rx);
    g_free(srtp);
}

gboolean
rtp_srtp_protect(RtpSrtp *srtp, guint8 *pkt, guint *len)
{
    int n = (int) *len;

    if (n < 12 || srtp_protect(srtp->tx, pkt, &n) != srtp_err_status_ok)
        return FALSE;
    *len = (guint) n;
    return TRUE;
}

gboolean
rtp_srtp_unprotect(RtpSrtp *srtp, guint8 *pkt, guint *len)
{
    int n = (int) *len;

    if (n < 12 || srtp_unprotect(srtp->rx, pkt, &n) != srtp_err_status_ok)
        return FALSE;
    *len = (guint) n;
    return TRUE;
}

gboolean
rtp_srtp_protect_rtcp(RtpSrtp *srtp, guint8 *pkt, guint *len)
{
    int n = (int) *len;

    if (n < 8 || srtp_protect_rtcp(srtp->tx, pkt, &n) != srtp_err_status_ok)
        return FALSE;
    *len = (guint) n;
    return TRUE;
}

gboolean
rtp_srtp_unprotect_rtcp(RtpSrtp *srtp, guint8 *pkt, guint *len)
{
    int n = (int) *len;

    if (n < 8 || srtp_unprotect_rtcp(srtp->rx, pkt, &n) != srtp_err_status_ok)
        return FALSE;
    *len = (guint) n;
    return TRUE;
}
