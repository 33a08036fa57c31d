/* rtpgen - the callee's registration, sent from the socket that answers
 * the calls (so its Contact is also its source address): first every
 * binding of the user is removed (Contact: *, left over by an earlier
 * run that did not end cleanly, would be rung too), then the Contact is
 * registered, and at the end unregistered. */
#define _GNU_SOURCE
#include "rtpgen.h"

static void
put_contact(Buf *b, const Gen *g, bool star)
{
    buf_put(b, "Contact: ");
    if (star) {
        buf_put(b, "*\r\n");
        return;
    }
    buf_put(b, "<sip:");
    buf_put(b, g->opt.callee);
    buf_put(b, "@");
    buf_put(b, g->local_ip);
    buf_put(b, ":");
    buf_put_uint(b, g->uas_port);
    buf_put(b, ">\r\n");
}

static void
reg_send(Gen *g, const Challenge *c)
{
    Registration *r = &g->reg;
    g_autofree char *ruri = g_strdup_printf("sip:%s:%u", g->opt.host, g->opt.port);
    g_autofree char *aor = g_strdup_printf("<sip:%s@%s>", g->opt.callee, g->opt.host);
    char mem[4096];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    r->cseq++;
    sip_put_request_line(&b, "REGISTER", ruri);
    sip_put_via(&b, g, g->uas_port, "r", r->cseq, 0);
    buf_put(&b, "From: ");
    buf_put(&b, aor);
    buf_put(&b, ";tag=");
    buf_put(&b, g->run_id);
    buf_put(&b, "\r\nTo: ");
    buf_put(&b, aor);
    buf_put(&b, "\r\nCall-ID: rg");
    buf_put(&b, g->run_id);
    buf_put(&b, "-reg@");
    buf_put(&b, g->local_ip);
    buf_put(&b, "\r\nCSeq: ");
    buf_put_uint(&b, r->cseq);
    buf_put(&b, " REGISTER\r\n");
    put_contact(&b, g, r->star);
    buf_put(&b, "Expires: ");
    buf_put_uint(&b, r->expires);
    buf_put(&b, "\r\n");
    if (c)
        digest_put_credentials(&b, c, g->opt.callee, g->opt.callee_pw, "REGISTER", ruri, 1);
    buf_put(&b, "User-Agent: rtpgen\r\nContent-Length: 0\r\n\r\n");
    retrans_set(&r->rt, g, g->uas_fd, &g->pbx, &b, true, true);
}

void
reg_start(Gen *g, const char *what, bool star, unsigned expires)
{
    Registration *r = &g->reg;

    r->what = what;
    r->star = star;
    r->expires = expires;
    r->state = REG_SENT;
    reg_send(g, NULL);
}

static void
reg_finish(Gen *g, RegState state, int status)
{
    Registration *r = &g->reg;

    retrans_clear(&r->rt);
    r->state = state;
    if (state == REG_FAILED)
        g_printerr("rtpgen: %s of %s failed (%s %d)\n", r->what, g->opt.callee,
                   status ? "status" : "timeout", status);
}

void
reg_on_response(Gen *g, const SipMsg *m)
{
    Registration *r = &g->reg;
    Challenge c;

    if (m->cseq != r->cseq || (r->state != REG_SENT && r->state != REG_AUTH_SENT) ||
        m->status < 200)
        return;
    if (m->status >= 300 && (m->status == 401 || m->status == 407) && r->state == REG_SENT &&
        digest_pick(m, &c)) {
        r->state = REG_AUTH_SENT;
        reg_send(g, &c);
        digest_clear(&c);
        return;
    }
    reg_finish(g, m->status < 300 ? REG_OK : REG_FAILED, m->status);
}

void
reg_tick(Gen *g, int64_t now_ms)
{
    Registration *r = &g->reg;

    if ((r->state == REG_SENT || r->state == REG_AUTH_SENT) && !retrans_tick(&r->rt, g, now_ms))
        reg_finish(g, REG_FAILED, 0);
}
