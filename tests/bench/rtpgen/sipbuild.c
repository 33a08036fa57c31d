/* rtpgen - pieces of the SIP messages it sends, written with the bounded
 * buffer writer (no printf per message). */
#define _GNU_SOURCE
#include <string.h>

#include "rtpgen.h"

void
sip_put_request_line(Buf *b, const char *method, const char *uri)
{
    buf_put(b, method);
    buf_put(b, " ");
    buf_put(b, uri);
    buf_put(b, " SIP/2.0\r\n");
}

/* Via with a branch unique to this run: z9hG4bK-RUN-KIND<a>-<b2>. */
void
sip_put_via(Buf *b, const Gen *g, unsigned port, const char *kind, unsigned a, unsigned b2)
{
    buf_put(b, "Via: SIP/2.0/UDP ");
    buf_put(b, g->local_ip);
    buf_put(b, ":");
    buf_put_uint(b, port);
    buf_put(b, ";branch=z9hG4bK-");
    buf_put(b, g->run_id);
    buf_put(b, "-");
    buf_put(b, kind);
    buf_put_uint(b, a);
    buf_put(b, "-");
    buf_put_uint(b, b2);
    buf_put(b, ";rport\r\nMax-Forwards: 70\r\n");
}

/* Content-Type, Content-Length, the empty line and an SDP offering (or
 * answering with) one codec, as payload type pt, on rtp_port. */
void
sip_put_sdp_body(Buf *b, const Gen *g, unsigned id, unsigned rtp_port, const Codec *codec,
                 unsigned pt)
{
    char mem[512];
    Buf sdp;

    buf_init(&sdp, mem, sizeof(mem));
    buf_put(&sdp, "v=0\r\no=rtpgen ");
    buf_put_uint(&sdp, id);
    buf_put(&sdp, " 1 IN IP4 ");
    buf_put(&sdp, g->local_ip);
    buf_put(&sdp, "\r\ns=-\r\nc=IN IP4 ");
    buf_put(&sdp, g->local_ip);
    buf_put(&sdp, "\r\nt=0 0\r\nm=audio ");
    buf_put_uint(&sdp, rtp_port);
    buf_put(&sdp, " RTP/AVP ");
    buf_put_uint(&sdp, pt);
    buf_put(&sdp, "\r\na=rtpmap:");
    buf_put_uint(&sdp, pt);
    buf_put(&sdp, " ");
    buf_put(&sdp, codec->rtp_name);
    buf_put(&sdp, "/");
    buf_put_uint(&sdp, codec->clock);
    if (codec->channels) {
        buf_put(&sdp, "/");
        buf_put_uint(&sdp, codec->channels);
    }
    buf_put(&sdp, "\r\na=ptime:20\r\na=sendrecv\r\n");
    buf_put(b, "Content-Type: application/sdp\r\nContent-Length: ");
    buf_put_uint(b, sdp.len);
    buf_put(b, "\r\n\r\n");
    buf_putn(b, sdp.p, sdp.len);
    b->full = b->full || sdp.full;
}

/* Status line and the headers a response copies from its request (Via,
 * From, To, Call-ID, CSeq); to_tag is added when To has no tag yet. */
void
sip_put_response_head(Buf *b, const SipMsg *req, int status, const char *reason,
                      const char *to_tag)
{
    buf_put(b, "SIP/2.0 ");
    buf_put_uint(b, (uint64_t) status);
    buf_put(b, " ");
    buf_put(b, reason);
    buf_put(b, "\r\n");
    for (int i = 0; i < req->n_via; i++) {
        buf_put(b, "Via: ");
        buf_put_slice(b, req->via[i]);
        buf_put(b, "\r\n");
    }
    buf_put(b, "From: ");
    buf_put_slice(b, req->from);
    buf_put(b, "\r\nTo: ");
    buf_put_slice(b, req->to);
    if (to_tag && sip_header_param(req->to, "tag").len == 0) {
        buf_put(b, ";tag=");
        buf_put(b, to_tag);
    }
    buf_put(b, "\r\nCall-ID: ");
    buf_put_slice(b, req->call_id);
    buf_put(b, "\r\nCSeq: ");
    buf_put_uint(b, req->cseq);
    buf_put(b, " ");
    buf_put_slice(b, req->method);
    buf_put(b, "\r\nServer: rtpgen\r\n");
}

/* A response without body, sent once (stateless). */
void
sip_reply(Gen *g, int fd, const struct sockaddr_in *to, const SipMsg *req, int status,
          const char *reason)
{
    char mem[4096];
    Buf b;

    buf_init(&b, mem, sizeof(mem));
    sip_put_response_head(&b, req, status, reason, g->run_id);
    buf_put(&b, "Content-Length: 0\r\n\r\n");
    if (!b.full)
        gen_send(g, fd, to, b.p, b.len);
}
