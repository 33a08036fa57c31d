/* rtpgen - the callee's side: the PBX's INVITEs are answered at once with
 * 200 and an SDP (retransmitted until the ACK, which starts the media),
 * its BYEs with 200.  The answer takes --callee-codec with the payload
 * type the offer gives it (488 when the offer lacks it).  Legs are found
 * by the PBX's Call-ID.  Responses to the registration arrive on this
 * socket too. */
#define _GNU_SOURCE
#include <string.h>

#include "rtpgen.h"

static void
leg_free(gpointer data)
{
    Leg *leg = data;

    retrans_clear(&leg->rt);
    g_free(leg->call_id);
    g_free(leg);
}

static Leg *
leg_of(Gen *g, Slice call_id)
{
    if (!g->legs)
        g->legs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, leg_free);
    return g_hash_table_lookup(g->legs, strndupa(call_id.p, call_id.len));
}

/* 200 with our SDP; kept and retransmitted until the ACK when `keep`. */
static void
answer(Gen *g, Leg *leg, const SipMsg *m, const struct sockaddr_in *from, bool keep)
{
    g_autofree char *tag = g_strdup_printf("%s-u%u", g->run_id, leg->number);
    char mem[8192];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    sip_put_response_head(&b, m, 200, "OK", tag);
    buf_put(&b, "Contact: <sip:");
    buf_put(&b, g->opt.callee);
    buf_put(&b, "@");
    buf_put(&b, g->local_ip);
    buf_put(&b, ":");
    buf_put_uint(&b, g->uas_port);
    buf_put(&b, ">\r\n");
    sip_put_sdp_body(&b, g, leg->number, g->streams[leg->stream].port, g->opt.callee_codec,
                     g->streams[leg->stream].pt);
    if (keep)
        retrans_set(&leg->rt, g, g->uas_fd, from, &b, true, true);
    else if (!b.full)
        gen_send(g, g->uas_fd, from, b.p, b.len);
}

static void
new_leg(Gen *g, const SipMsg *m, const struct sockaddr_in *from)
{
    g_autoptr(GError) error = NULL;
    struct sockaddr_in dest;
    Leg *leg;
    int stream;
    unsigned pt;

    if (!sdp_audio_dest(m->body, &dest) || !sdp_payload_type(m->body, g->opt.callee_codec, &pt)) {
        sip_reply(g, g->uas_fd, from, m, 488, "Not Acceptable Here");
        g->n_legs_failed++;
        return;
    }
    stream = media_open_stream(g, g->opt.callee_codec, pt, &error);
    if (stream < 0) {
        g_printerr("rtpgen: callee: %s\n", error->message);
        sip_reply(g, g->uas_fd, from, m, 503, "Service Unavailable");
        g->n_legs_failed++;
        return;
    }
    leg = g_new0(Leg, 1);
    leg->call_id = slice_dup(m->call_id);
    leg->number = g->n_legs++;
    leg->cseq = m->cseq;
    leg->stream = stream;
    leg->dest = dest;
    leg->state = LEG_ANSWERING;
    g_hash_table_insert(g->legs, leg->call_id, leg);
    answer(g, leg, m, from, true);
}

static void
on_invite(Gen *g, Leg *leg, const SipMsg *m, const struct sockaddr_in *from)
{
    if (!leg)
        new_leg(g, m, from);
    else if (m->cseq == leg->cseq && leg->state == LEG_ANSWERING)
        retrans_resend(&leg->rt, g);
    else if (m->cseq > leg->cseq && leg->state == LEG_UP)
        answer(g, leg, m, from, false);         /* a refresh: same media */
}

static void
on_ack(Gen *g, Leg *leg)
{
    if (!leg || leg->state != LEG_ANSWERING)
        return;
    retrans_clear(&leg->rt);
    leg->state = LEG_UP;
    g->n_legs_up++;
    media_arm(g, leg->stream, &leg->dest);
}

static void
on_bye(Gen *g, Leg *leg, const SipMsg *m, const struct sockaddr_in *from)
{
    if (leg && (leg->state == LEG_UP || leg->state == LEG_ANSWERING)) {
        retrans_clear(&leg->rt);
        media_stop_stream(g, leg->stream);
        leg->state = LEG_DONE;
    }
    if (leg)
        sip_reply(g, g->uas_fd, from, m, 200, "OK");
    else
        sip_reply(g, g->uas_fd, from, m, 481, "Call Does Not Exist");
}

void
uas_on_message(Gen *g, const SipMsg *m, const struct sockaddr_in *from)
{
    Leg *leg;

    if (m->response) {
        reg_on_response(g, m);
        return;
    }
    leg = leg_of(g, m->call_id);
    if (slice_eq(m->method, "INVITE"))
        on_invite(g, leg, m, from);
    else if (slice_eq(m->method, "ACK"))
        on_ack(g, leg);
    else if (slice_eq(m->method, "BYE"))
        on_bye(g, leg, m, from);
    else if (slice_eq(m->method, "OPTIONS") || slice_eq(m->method, "CANCEL"))
        sip_reply(g, g->uas_fd, from, m, 200, "OK");
    else
        sip_reply(g, g->uas_fd, from, m, 501, "Not Implemented");
}

void
uas_tick(Gen *g, int64_t now_ms)
{
    GHashTableIter it;
    gpointer v;

    if (!g->legs)
        return;
    g_hash_table_iter_init(&it, g->legs);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Leg *leg = v;

        if (leg->state != LEG_ANSWERING || retrans_tick(&leg->rt, g, now_ms))
            continue;
        retrans_clear(&leg->rt);
        leg->state = LEG_FAILED;
        g->n_legs_failed++;
        media_stop_stream(g, leg->stream);
    }
}

/* Legs still up (no BYE from the PBX yet). */
unsigned
uas_legs_up(Gen *g)
{
    GHashTableIter it;
    gpointer v;
    unsigned n = 0;

    if (!g->legs)
        return 0;
    g_hash_table_iter_init(&it, g->legs);
    while (g_hash_table_iter_next(&it, NULL, &v))
        n += ((Leg *) v)->state == LEG_UP || ((Leg *) v)->state == LEG_ANSWERING;
    return n;
}

void
uas_free(Gen *g)
{
    g_clear_pointer(&g->legs, g_hash_table_destroy);
}
