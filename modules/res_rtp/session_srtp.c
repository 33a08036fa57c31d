/* res_rtp - SRTP of a session: contexts made on the main context and
 * swapped in on the worker (see srtp.h). */
#define _GNU_SOURCE
#include <string.h>

#include "rtp_private.h"

/* RFC 4568 7.1.4: a re-INVITE gives new keys, but one side may keep
 * its own.  A key given again keeps its context: a fresh one would
 * restart the rollover counter with the same key (the same keystream
 * again after 2^16 packets, or a far end whose counter went on no longer
 * decrypting).  TRUE when nothing changes at all. */
static gboolean
same_keys(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx, gboolean *keep_tx,
          gboolean *keep_rx)
{
    guint8 tx_id[32], rx_id[32];

    rtp_srtp_key_id(tx, tx_id);
    rtp_srtp_key_id(rx, rx_id);
    *keep_tx = s->srtp_on && memcmp(tx_id, s->srtp_tx_id, 32) == 0;
    *keep_rx = s->srtp_on && memcmp(rx_id, s->srtp_rx_id, 32) == 0;
    memcpy(s->srtp_tx_id, tx_id, 32);
    memcpy(s->srtp_rx_id, rx_id, 32);
    return *keep_tx && *keep_rx;
}

/* Main context. */
gboolean
rtp_session_set_srtp(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx, GError **error)
{
    RtpSrtp *srtp = NULL;
    RtpCmd *cmd;
    gboolean keep_tx = FALSE, keep_rx = FALSE;

    g_return_val_if_fail(s != NULL && !s->freed, FALSE);
    g_return_val_if_fail((tx == NULL) == (rx == NULL), FALSE);
    if (tx && same_keys(s, tx, rx, &keep_tx, &keep_rx))
        return TRUE;            /* the same keys: the same contexts go on */
    if (!tx && !s->srtp_on && !s->keys_expected)
        return TRUE;            /* plain, and plain it stays */
    if (tx && !(srtp = rtp_srtp_new(keep_tx ? NULL : tx, keep_rx ? NULL : rx, error))) {
        s->srtp_on = FALSE;     /* so the next keys are taken whole */
        return FALSE;
    }
    cmd = g_new0(RtpCmd, 1);
    cmd->type = CMD_SRTP;
    cmd->session = s;
    cmd->srtp = srtp;
    s->srtp_on = srtp != NULL;
    s->keys_expected = FALSE;   /* keys, or plain decided */
    rtp_session_command(s, cmd);
    return TRUE;
}

/* Worker: the new contexts in, the old ones back to the main context in
 * the same command. */
void
rtp_session_srtp_apply(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    RtpSrtp *old = s->srtp;

    if (cmd->srtp)
        rtp_srtp_keep(cmd->srtp, old);  /* a half given again stays */
    s->srtp = cmd->srtp;
    s->keys_pending = FALSE;    /* keyed, or plain by decision */
    cmd->srtp = old;
    cmd->type = EV_SRTP_RELEASED;
    rtp_engine_post(w->engine, cmd);
}

/* Main context: nothing passes in or out of s until keys (SDES or DTLS)
 * or an explicit plain decision follow.  Queued like every command, so
 * before a remote address given after it. */
void
rtp_session_expect_keys(RtpSession *s)
{
    RtpCmd *cmd;

    g_return_if_fail(s != NULL && !s->freed);
    if (s->srtp_on || s->dtls_on || s->keys_expected)
        return;                 /* keyed (or keying) already */
    cmd = g_new0(RtpCmd, 1);
    cmd->type = CMD_EXPECT_KEYS;
    cmd->session = s;
    s->keys_expected = TRUE;
    rtp_session_command(s, cmd);
}
