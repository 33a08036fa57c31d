/* res_rtp - DTLS-SRTP of a session (RFC 5763/5764; see dtls.h).
 *
 * The associations are made on the main context (rtp_session_set_dtls)
 * and handed to the session's worker with CMD_DTLS; from then on the
 * handshake is driven there only: the worker passes each DTLS record it
 * receives on the session's sockets (first byte 20-63, RFC 7983) to
 * rtp_session_dtls_receive, the media tick retransmits, and the records
 * go out of the same socket to the session's remote.  The main thread
 * never waits for a handshake.  Once over, the SRTP contexts made from
 * the exported keys are installed on the worker and EV_DTLS tells the
 * main context.  Until the RTP component is keyed nothing passes in or
 * out of the session (worker.c, media.c look at keys_pending).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "rtp_private.h"

static gboolean
same_params(const RtpDtlsParams *a, const RtpDtlsParams *b)
{
    return a->role == b->role && a->rtcp_mux == b->rtcp_mux &&
           memcmp(a->fingerprint, b->fingerprint, sizeof(a->fingerprint)) == 0;
}

/* Main context: one association per component (one with rtcp-mux). */
static gboolean
make_associations(RtpCmd *cmd, const RtpDtlsParams *p, GError **error)
{
    RtpDtlsCert *cert = rtp_dtls_global();

    if (!cert) {
        g_set_error(error, RTP_ERROR, RTP_ERROR_FAILED, "no DTLS certificate");
        return FALSE;
    }
    for (guint c = 0; c < (p->rtcp_mux ? 1u : 2u); c++) {
        cmd->dtls[c] = rtp_dtls_new(cert, p->role == RTP_DTLS_ROLE_ACTIVE, p->fingerprint, error);
        if (!cmd->dtls[c])
            return FALSE;
    }
    cmd->rtcp_mux = p->rtcp_mux;
    return TRUE;
}

gboolean
rtp_session_set_dtls(RtpSession *s, const RtpDtlsParams *p, GError **error)
{
    RtpCmd *cmd;

    g_return_val_if_fail(s != NULL && !s->freed, FALSE);
    if (!p && !s->dtls_on && !s->keys_expected)
        return TRUE;
    if (p && s->dtls_on && same_params(p, &s->dtls_params))
        return TRUE;            /* a re-INVITE that keeps the association */
    cmd = g_new0(RtpCmd, 1);
    cmd->type = CMD_DTLS;
    cmd->session = s;
    if (p && !make_associations(cmd, p, error)) {
        rtp_cmd_free(cmd);
        return FALSE;
    }
    if (p)
        s->dtls_params = *p;
    s->dtls_on = p != NULL;
    s->keys_expected = FALSE;   /* the worker decides on keys_pending afresh */
    s->srtp_on = FALSE;         /* SDES keys, if any, are gone with it */
    rtp_session_command(s, cmd);
    return TRUE;
}

void
rtp_cmd_free_crypto(RtpCmd *cmd)
{
    rtp_srtp_free(g_steal_pointer(&cmd->srtp));
    rtp_srtp_free(g_steal_pointer(&cmd->srtcp));
    for (guint c = 0; c < 2; c++)
        rtp_dtls_free(g_steal_pointer(&cmd->dtls[c]));
}

/* Worker: records out of the component's socket to its remote. */
static void
dtls_send(const guint8 *data, gsize len, gpointer user)
{
    RtpEndpoint *ep = user;
    RtpSession *s = ep->session;
    const RtpAddr *dest = ep->rtcp ? &s->rtcp_dest : &s->rtp_dest;

    if (dest->len)
        sendto(s->fd[ep->rtcp ? 1 : 0], data, len, MSG_DONTWAIT,
               (const struct sockaddr *) &dest->ss, dest->len);
}

static void
report(RtpSession *s, gboolean ok, const char *detail)
{
    RtpCmd *ev = g_new0(RtpCmd, 1);

    ev->type = EV_DTLS;
    ev->session = s;
    ev->ok = ok;
    ev->detail = detail;
    rtp_engine_post(s->engine, ev);
}

static void
keyed(RtpSession *s, guint c)
{
    RtpSrtp *srtp = rtp_dtls_take_srtp(s->dtls[c], NULL);

    if (!srtp) {
        RTP_PUB_SET(s, dtls, RTP_DTLS_BROKEN);
        report(s, FALSE, "libsrtp refused the exported keys");
        return;
    }
    if (c == 1) {
        s->srtcp = srtp;
        return;
    }
    s->srtp = srtp;
    s->keys_pending = FALSE;
    RTP_PUB_SET(s, dtls, RTP_DTLS_CONNECTED);
    report(s, TRUE, rtp_dtls_profile(s->dtls[c]));
}

/* A handshake step's outcome. */
static void
settle(RtpSession *s, guint c, RtpDtlsState before, RtpDtlsState now)
{
    if (before != RTP_DTLS_HANDSHAKE || now == RTP_DTLS_HANDSHAKE)
        return;
    if (now == RTP_DTLS_DONE) {
        keyed(s, c);
        return;
    }
    RTP_PUB_SET(s, dtls, RTP_DTLS_BROKEN);
    report(s, FALSE, rtp_dtls_error(s->dtls[c]));
}

void
rtp_session_dtls_apply(RtpWorker *w, RtpSession *s, RtpCmd *cmd)
{
    RtpDtls *in[2] = { cmd->dtls[0], cmd->dtls[1] };
    gint64 now = g_get_monotonic_time();

    cmd->dtls[0] = s->dtls[0];
    cmd->dtls[1] = s->dtls[1];
    cmd->srtp = g_steal_pointer(&s->srtp);
    cmd->srtcp = g_steal_pointer(&s->srtcp);
    s->dtls[0] = in[0];
    s->dtls[1] = in[1];
    s->keys_pending = in[0] != NULL;
    s->rtcp_mux = cmd->rtcp_mux;
    rtp_session_update_dest(s);
    RTP_PUB_SET(s, dtls, in[0] ? RTP_DTLS_CONNECTING : RTP_DTLS_OFF);
    cmd->type = EV_SRTP_RELEASED;
    rtp_engine_post(w->engine, cmd);
    for (guint c = 0; c < 2; c++)
        if (s->dtls[c])
            settle(s, c, RTP_DTLS_HANDSHAKE,
                   rtp_dtls_start(s->dtls[c], now, dtls_send, &s->ep[c]));
    rtp_media_update_tick(w, s);
}

void
rtp_session_dtls_receive(RtpSession *s, guint c, const guint8 *pkt, gsize len, gint64 now_us)
{
    RtpDtls *d = s->dtls[c];
    RtpDtlsState before;

    if (!d)
        return;
    before = rtp_dtls_state(d);
    settle(s, c, before, rtp_dtls_receive(d, pkt, len, now_us, dtls_send, &s->ep[c]));
}

void
rtp_session_dtls_tick(RtpSession *s, gint64 now_us)
{
    for (guint c = 0; c < 2; c++) {
        RtpDtls *d = s->dtls[c];
        RtpDtlsState before;

        if (!d)
            continue;
        before = rtp_dtls_state(d);
        settle(s, c, before, rtp_dtls_tick(d, now_us, dtls_send, &s->ep[c]));
    }
}

gboolean
rtp_session_dtls_busy(const RtpSession *s)
{
    for (guint c = 0; c < 2; c++)
        if (s->dtls[c] && rtp_dtls_state(s->dtls[c]) == RTP_DTLS_HANDSHAKE)
            return TRUE;
    return FALSE;
}
