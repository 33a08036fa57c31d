/* rtpgen - messages kept for retransmission over UDP: requests until a
 * response (RFC 3261 timers A/B, E/F), a 2xx until its ACK (timer G).
 * Intervals double from T1, capped at T2 for non-INVITE requests and 2xx
 * responses; the transaction times out after 64 * T1. */
#define _GNU_SOURCE
#include "rtpgen.h"

void
retrans_clear(Retrans *rt)
{
    g_free(rt->msg);
    *rt = (Retrans) { 0 };
}

/* Sends msg and keeps it: retransmitted when `retransmit`, else only
 * resent on demand (the ACK of a 2xx whose 200 comes again). */
void
retrans_set(Retrans *rt, Gen *g, int fd, const struct sockaddr_in *to, const Buf *msg,
            bool cap_t2, bool retransmit)
{
    int64_t now = gen_now_ms(g);

    retrans_clear(rt);
    if (msg->full) {
        g_printerr("rtpgen: a message did not fit its buffer; not sent\n");
        return;
    }
    rt->msg = g_memdup2(msg->p, msg->len);
    rt->len = msg->len;
    rt->fd = fd;
    rt->to = *to;
    rt->cap_t2 = cap_t2;
    if (retransmit) {
        rt->interval_ms = RTPGEN_T1_MS;
        rt->next_ms = now + RTPGEN_T1_MS;
        rt->deadline_ms = now + RTPGEN_TX_TIMEOUT_MS;
    }
    gen_send(g, fd, to, rt->msg, rt->len);
}

void
retrans_resend(Retrans *rt, Gen *g)
{
    if (rt->msg)
        gen_send(g, rt->fd, &rt->to, rt->msg, rt->len);
}

bool
retrans_tick(Retrans *rt, Gen *g, int64_t now_ms)
{
    if (!rt->deadline_ms)
        return true;
    if (now_ms >= rt->deadline_ms)
        return false;
    if (rt->next_ms && now_ms >= rt->next_ms) {
        retrans_resend(rt, g);
        rt->interval_ms *= 2;
        if (rt->cap_t2 && rt->interval_ms > RTPGEN_T2_MS)
            rt->interval_ms = RTPGEN_T2_MS;
        rt->next_ms = now_ms + rt->interval_ms;
    }
    return true;
}
