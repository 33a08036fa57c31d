/* rtpgen - the caller's side of each call: INVITE, the PBX's 407 (ACK, and
 * the INVITE again with credentials), 200 (ACK, media starts), and BYE at
 * the end.  Calls are found by their Call-ID, rg<run>-c<index>@<ip>. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "rtpgen.h"

bool
uac_call_id_is_ours(const Gen *g, Slice call_id)
{
    g_autofree char *prefix = g_strdup_printf("rg%s-c", g->run_id);

    return slice_has_prefix(call_id, prefix);
}

static Call *
call_of(Gen *g, Slice call_id)
{
    size_t skip = 2 + strlen(g->run_id) + 2;
    unsigned long idx;
    char *end;

    if (!uac_call_id_is_ours(g, call_id))
        return NULL;
    idx = strtoul(strndupa(call_id.p + skip, call_id.len - skip), &end, 10);
    if (*end != '@' || idx >= g->opt.calls)
        return NULL;
    return &g->calls[idx];
}

static char *
request_uri(const Gen *g)
{
    return g_strdup_printf("sip:%s@%s:%u", g->opt.callee, g->opt.host, g->opt.port);
}

/* From, Call-ID and CSeq of every request of the call. */
static void
put_dialog_headers(Buf *b, const Gen *g, const Call *c, const char *method)
{
    buf_put(b, "From: <sip:");
    buf_put(b, g->opt.caller);
    buf_put(b, "@");
    buf_put(b, g->opt.host);
    buf_put(b, ">;tag=");
    buf_put(b, g->run_id);
    buf_put(b, "-");
    buf_put_uint(b, c->idx);
    buf_put(b, "\r\nCall-ID: rg");
    buf_put(b, g->run_id);
    buf_put(b, "-c");
    buf_put_uint(b, c->idx);
    buf_put(b, "@");
    buf_put(b, g->local_ip);
    buf_put(b, "\r\nCSeq: ");
    buf_put_uint(b, c->cseq);
    buf_put(b, " ");
    buf_put(b, method);
    buf_put(b, "\r\n");
}

static void
send_invite(Gen *g, Call *c, const Challenge *ch)
{
    g_autofree char *ruri = request_uri(g);
    char mem[4096];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    c->cseq++;
    c->branch_n++;
    sip_put_request_line(&b, "INVITE", ruri);
    sip_put_via(&b, g, g->uac_port, "c", c->idx, c->branch_n);
    put_dialog_headers(&b, g, c, "INVITE");
    buf_put(&b, "To: <sip:");
    buf_put(&b, g->opt.callee);
    buf_put(&b, "@");
    buf_put(&b, g->opt.host);
    buf_put(&b, ">\r\nContact: <sip:");
    buf_put(&b, g->opt.caller);
    buf_put(&b, "@");
    buf_put(&b, g->local_ip);
    buf_put(&b, ":");
    buf_put_uint(&b, g->uac_port);
    buf_put(&b, ">\r\n");
    if (ch)
        digest_put_credentials(&b, ch, g->opt.caller, g->opt.caller_pw, "INVITE", ruri, 1);
    buf_put(&b, "User-Agent: rtpgen\r\n");
    sip_put_sdp_body(&b, g, c->idx, g->streams[c->stream].port, codec_get(CODEC_ULAW), 0);
    retrans_set(&c->rt, g, g->uac_fd, &g->pbx, &b, false, true);
}

void
uac_start_call(Gen *g, unsigned idx)
{
    Call *c = &g->calls[idx];
    g_autoptr(GError) error = NULL;

    c->idx = idx;
    c->started_ms = gen_now_ms(g);
    g->n_started++;
    c->stream = media_open_stream(g, codec_get(CODEC_ULAW), 0, &error);
    if (c->stream < 0) {
        g_printerr("rtpgen: call %u: %s\n", idx, error->message);
        c->state = CALL_FAILED;
        gen_fail(g, 1);
        return;
    }
    c->state = CALL_INVITING;
    send_invite(g, c, NULL);
}

/* ACK of a non-2xx final response: the INVITE's branch and request URI. */
static void
ack_failure(Gen *g, Call *c, const SipMsg *m)
{
    g_autofree char *ruri = request_uri(g);
    char mem[2048];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    sip_put_request_line(&b, "ACK", ruri);
    sip_put_via(&b, g, g->uac_port, "c", c->idx, c->branch_n);
    put_dialog_headers(&b, g, c, "ACK");
    buf_put(&b, "To: ");
    buf_put_slice(&b, m->to);
    buf_put(&b, "\r\nContent-Length: 0\r\n\r\n");
    if (!b.full)
        gen_send(g, g->uac_fd, &g->pbx, b.p, b.len);
}

/* An in-dialog request (ACK of the 2xx, BYE) to the PBX's Contact. */
static void
send_in_dialog(Gen *g, Call *c, const char *method, bool keep)
{
    char mem[2048];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    c->branch_n++;
    sip_put_request_line(&b, method, c->target);
    sip_put_via(&b, g, g->uac_port, "c", c->idx, c->branch_n);
    put_dialog_headers(&b, g, c, method);
    buf_put(&b, "To: ");
    buf_put(&b, c->to_hdr);
    buf_put(&b, "\r\nContent-Length: 0\r\n\r\n");
    if (keep)
        retrans_set(&c->rt, g, g->uac_fd, &g->pbx, &b, true, true);
    else if (!b.full)
        gen_send(g, g->uac_fd, &g->pbx, b.p, b.len);
}

static void
call_failed(Gen *g, Call *c, int status)
{
    retrans_clear(&c->rt);
    c->state = CALL_FAILED;
    gen_fail(g, status);
    media_stop_stream(g, c->stream);
}

void
uac_hangup(Gen *g, Call *c)
{
    c->cseq++;
    c->state = CALL_HANGING_UP;
    g->n_bye_sent++;
    send_in_dialog(g, c, "BYE", true);
}

/* 200 to the INVITE: the dialog's To and target, ACK, media. */
static void
on_answer(Gen *g, Call *c, const SipMsg *m)
{
    struct sockaddr_in dest;
    bool media = sdp_audio_dest(m->body, &dest);

    retrans_clear(&c->rt);
    c->to_hdr = slice_dup(m->to);
    c->target = m->contact.len ? slice_dup(sip_uri(m->contact)) : request_uri(g);
    send_in_dialog(g, c, "ACK", false);
    if (c->state == CALL_FAILED || !media) {
        if (c->state != CALL_FAILED)
            call_failed(g, c, 1);
        uac_hangup(g, c);   /* answered too late, or without media */
        return;
    }
    c->state = CALL_UP;
    c->answered_ms = gen_now_ms(g);
    g->n_up++;
    media_arm(g, c->stream, &dest);
}

static void
on_challenge(Gen *g, Call *c, const SipMsg *m)
{
    Challenge ch;

    ack_failure(g, c, m);
    if (!digest_pick(m, &ch)) {
        call_failed(g, c, m->status);
        return;
    }
    c->state = CALL_AUTHENTICATING;
    send_invite(g, c, &ch);
    digest_clear(&ch);
}

static void
on_invite_response(Gen *g, Call *c, const SipMsg *m)
{
    bool pending = c->state == CALL_INVITING || c->state == CALL_AUTHENTICATING;

    if (m->cseq != c->cseq)
        return;
    if (m->status < 200) {
        if (pending)
            c->rt.next_ms = 0;      /* provisional: no more retransmissions */
    } else if (m->status < 300) {
        if (pending || (c->state == CALL_FAILED && !c->to_hdr))
            on_answer(g, c, m);
        else if (c->target)
            send_in_dialog(g, c, "ACK", false);     /* the 200 again */
    } else if (pending) {
        if ((m->status == 401 || m->status == 407) && c->state == CALL_INVITING)
            on_challenge(g, c, m);
        else {
            ack_failure(g, c, m);
            call_failed(g, c, m->status);
        }
    } else {
        ack_failure(g, c, m);
    }
}

static void
on_bye_response(Gen *g, Call *c, const SipMsg *m)
{
    if (m->cseq != c->cseq || c->state != CALL_HANGING_UP || m->status < 200)
        return;
    retrans_clear(&c->rt);
    c->state = CALL_DONE;
    g->n_done++;
    if (m->status >= 300 && m->status != 481)
        g->n_bye_failed++;
}

/* A request of the PBX on the caller's socket: its BYE ends the call. */
static void
on_request(Gen *g, Call *c, const SipMsg *m, const struct sockaddr_in *from)
{
    if (slice_eq(m->method, "ACK"))
        return;
    if (slice_eq(m->method, "OPTIONS")) {
        sip_reply(g, g->uac_fd, from, m, 200, "OK");
    } else if (!slice_eq(m->method, "BYE")) {
        sip_reply(g, g->uac_fd, from, m, 501, "Not Implemented");
    } else if (!c) {
        sip_reply(g, g->uac_fd, from, m, 481, "Call Does Not Exist");
    } else {
        if (c->state == CALL_UP) {
            media_stop_stream(g, c->stream);
            c->state = CALL_DONE;
            g->n_done++;
        }
        sip_reply(g, g->uac_fd, from, m, 200, "OK");
    }
}

void
uac_on_message(Gen *g, const SipMsg *m, const struct sockaddr_in *from)
{
    Call *c = call_of(g, m->call_id);

    if (!m->response) {
        on_request(g, c, m, from);
        return;
    }
    if (!c || c->state == CALL_IDLE)
        return;
    if (slice_eq(m->cseq_method, "INVITE"))
        on_invite_response(g, c, m);
    else if (slice_eq(m->cseq_method, "BYE"))
        on_bye_response(g, c, m);
}

void
uac_tick(Gen *g, int64_t now_ms)
{
    for (unsigned i = 0; i < g->n_started; i++) {
        Call *c = &g->calls[i];

        if (retrans_tick(&c->rt, g, now_ms))
            continue;
        if (c->state == CALL_HANGING_UP) {
            retrans_clear(&c->rt);
            c->state = CALL_DONE;
            g->n_done++;
            g->n_bye_failed++;
        } else {
            call_failed(g, c, 0);
        }
    }
}
