/* res_rtp - SRTP of a session: contexts made on the main context and
 * swapped in on the worker (see srtp.h). */
#define _GNU_SOURCE
#include "rtp_private.h"

/* Main context. */
gboolean
rtp_session_set_srtp(RtpSession *s, const RtpSrtpKey *tx, const RtpSrtpKey *rx, GError **error)
{
    RtpSrtp *srtp = NULL;
    RtpCmd *cmd;

    g_return_val_if_fail(s != NULL && !s->freed, FALSE);
    g_return_val_if_fail((tx == NULL) == (rx == NULL), FALSE);
    if (tx && !(srtp = rtp_srtp_new(tx, rx, error)))
        return FALSE;
    if (!srtp && !s->srtp_on)
        return TRUE;            /* plain, and plain it stays */
    cmd = g_new0(RtpCmd, 1);
    cmd->type = CMD_SRTP;
    cmd->session = s;
    cmd->srtp = srtp;
    s->srtp_on = srtp != NULL;
    rtp_session_command(s, cmd);
    return TRUE;
}

/* Worker: the new contexts in, the old ones back to the main context in
 * the same command. */
void
rtp_session_srtp_apply(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    RtpSrtp *old = s->srtp;

    s->srtp = cmd->srtp;
    cmd->srtp = old;
    cmd->type = EV_SRTP_RELEASED;
    rtp_engine_post(w->engine, cmd);
}
