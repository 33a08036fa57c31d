/* Carillon - chan_sip session timers (RFC 4028).
 *
 * Every call leg may carry a session interval N (seconds).  The side
 * named by refresher sends a refresh (re-INVITE with the same SDP) at
 * N/2; the other side hangs the leg up with a BYE when no refresh
 * arrived within N - min(32, N/3) (RFC 4028 10).  Inbound requests
 * whose Session-Expires is below our min_se get 422 with Min-SE; a
 * request with Supported: timer but no Session-Expires gets our
 * session_expires with refresher=uac.  See README.md, "Session timers".
 */
#include <stdlib.h>
#include <string.h>
#include "sip_channel.h"

void
sip_se_parse(const SipMsg *msg, SipSessionExpires *se)
{
    const SipHeader *h;

    memset(se, 0, sizeof(*se));
    se->supported = sip_msg_has_token(msg, SIP_HDR_SUPPORTED, "timer")
        || sip_msg_has_token(msg, SIP_HDR_REQUIRE, "timer");
    h = sip_msg_get_header(msg, SIP_HDR_SESSION_EXPIRES, 0);
    if (h && h->value.len) {
        g_autofree char *v = g_strndup(h->value.p, h->value.len);
        char *semi = strchr(v, ';');
        gulong n = strtoul(v, NULL, 10);

        se->interval = n > G_MAXUINT ? G_MAXUINT : (guint) n;
        for (char *p = semi; p && *p; p = strchr(p + 1, ';')) {
            char *q = p + 1;
            while (*q == ' ' || *q == '\t')
                q++;
            if (g_ascii_strncasecmp(q, "refresher", 9))
                continue;
            q += 9;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q != '=')
                continue;
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            if (!g_ascii_strncasecmp(q, "uac", 3))
                se->refresher = 1;
            else if (!g_ascii_strncasecmp(q, "uas", 3))
                se->refresher = 2;
        }
    }
    h = sip_msg_get_header(msg, SIP_HDR_MIN_SE, 0);
    if (h && h->value.len) {
        g_autofree char *v = g_strndup(h->value.p, h->value.len);
        gulong n = strtoul(v, NULL, 10);
        se->min_se = n > G_MAXUINT ? G_MAXUINT : (guint) n;
    }
}

/* A request we are the UAS of (INVITE, re-INVITE, UPDATE): FALSE when
 * it got 422; else the leg's interval and refresher are set for the
 * 2xx (sip_se_append_response) and sip_se_start(). */
gboolean
sip_se_on_request(SipCall *call, SipServerTx *tx, const SipMsg *req)
{
    SipSessionExpires se;
    const SipSettings *settings = sip->settings();
    guint min_se = settings->min_se;

    sip_se_parse(req, &se);
    call->se_peer_timer = se.supported;
    if (se.interval) {
        if (se.interval < min_se) {
            g_autofree char *hdr = g_strdup_printf("Min-SE: %u\r\n", min_se);
            SipResponse r = { .code = 422, .headers = hdr };
            sip->respond(tx, &r);
            return FALSE;
        }
        call->se_interval = se.interval;
        if (se.refresher == 2)
            call->se_we_refresh = TRUE;
        else if (se.refresher == 1)
            call->se_we_refresh = FALSE;
        else                            /* RFC 4028 9: the UAS chooses */
            call->se_we_refresh = !se.supported;
    } else if (se.supported) {
        call->se_interval = MAX(settings->session_expires, MAX(se.min_se, min_se));
        call->se_we_refresh = FALSE;
    } else {
        call->se_interval = 0;
    }
    return TRUE;
}

/* Session-Expires (and Require: timer when the UAC supports it) for a
 * 2xx we send. */
void
sip_se_append_response(const SipCall *call, GString *hdrs)
{
    g_string_append(hdrs, "Supported: timer\r\n");
    if (!call->se_interval)
        return;
    g_string_append_printf(hdrs, "Session-Expires: %u;refresher=%s\r\n", call->se_interval,
                           call->se_we_refresh ? "uas" : "uac");
    if (call->se_peer_timer)
        g_string_append(hdrs, "Require: timer\r\n");
}

/* Supported / Session-Expires / Min-SE for an INVITE or UPDATE we send:
 * the initial INVITE asks for session_expires and lets the UAS choose
 * the refresher; a refresh names the current one. */
void
sip_se_append_request(const SipCall *call, GString *hdrs)
{
    const SipSettings *settings = sip->settings();
    guint min_se = MAX(settings->min_se, call->se_min);

    g_string_append(hdrs, "Supported: timer\r\n");
    if (call->se_interval)
        g_string_append_printf(hdrs, "Session-Expires: %u;refresher=%s\r\n",
                               MAX(call->se_interval, min_se),
                               call->se_we_refresh ? "uac" : "uas");
    else
        g_string_append_printf(hdrs, "Session-Expires: %u\r\n",
                               MAX(settings->session_expires, min_se));
    g_string_append_printf(hdrs, "Min-SE: %u\r\n", min_se);
}

/* The 2xx of an INVITE / UPDATE we sent: its Session-Expires decides
 * (none: no session timer, RFC 4028 8). */
void
sip_se_on_uac_2xx(SipCall *call, const SipMsg *resp)
{
    SipSessionExpires se;

    sip_se_parse(resp, &se);
    call->se_peer_timer = se.supported;
    call->se_interval = se.interval;
    call->se_we_refresh = se.refresher != 2;    /* uac (or none): us */
    sip_se_start(call);
}

/* The one timer of the leg, for a refresh or for the expiry. */
static void
se_arm(SipCall *call, PbxTimerFunc fn, guint ms)
{
    pbx_timer_stop(&call->se_timer);
    sip_call_timer_init(&call->se_timer, fn, call);
    pbx_timer_start(&call->se_timer, ms);
}

static void
se_expired(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;
    PbxChannel *chan;

    if (call->ended)
        return;
    pbx_notice(sip_log, "session timer expired on %s (%u s without a refresh): hanging up",
               call->dialog ? call->dialog->call_id : "?", call->se_interval);
    sip_channel_send_bye(call);
    chan = call->chan ? pbx_channel_ref(call->chan) : NULL;
    sip_call_end(call);
    if (chan) {
        pbx_channel_hangup_from_tech(chan, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE);
        pbx_channel_unref(chan);
    }
}

static void
se_refresh(PbxTimer *timer, gpointer data)
{
    SipCall *call = data;

    if (call->ended)
        return;
    if (!sip_call_refresh_session(call)) {
        /* a re-INVITE of ours is in progress: try again shortly */
        se_arm(call, se_refresh, 1000);
        return;
    }
    /* the 2xx restarts the timer; without one, expire as the watcher would */
    se_arm(call, se_expired, (guint) MIN((guint64) call->se_interval * 500, G_MAXUINT));
}

void
sip_se_init(SipCall *call)
{
    sip_call_timer_init(&call->se_timer, se_refresh, call);
}

/* (Re)arms the leg's timer after a 2xx that set the interval. */
void
sip_se_start(SipCall *call)
{
    guint64 n = (guint64) call->se_interval * 1000;

    sip_se_stop(call);
    if (!call->se_interval || call->ended)
        return;
    if (call->se_we_refresh)
        se_arm(call, se_refresh, (guint) MIN(n / 2, G_MAXUINT));
    else
        se_arm(call, se_expired, (guint) MIN(n - MIN(32000, n / 3), G_MAXUINT));
}

void
sip_se_stop(SipCall *call)
{
    pbx_timer_stop(&call->se_timer);
}
