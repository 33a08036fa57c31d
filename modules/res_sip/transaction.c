/* Carillon - res_sip transactions: matching keys, response building and
 * stateless answers shared by both sides. */
#include <string.h>
#include <arpa/inet.h>
#include "transaction_priv.h"

SipTxStats sip_tx_stats;

static guint64 tag_secret;
static GString *out_buf;     /* reused for stateless answers */
static SipMsg *scratch_msg;  /* reused for parses that end at once */

static const char *const state_names[SIP_TX_STATE__COUNT] = {
    [SIP_TX_STATE_CALLING] = "Calling",
    [SIP_TX_STATE_TRYING] = "Trying",
    [SIP_TX_STATE_PROCEEDING] = "Proceeding",
    [SIP_TX_STATE_ACCEPTED] = "Accepted",
    [SIP_TX_STATE_COMPLETED] = "Completed",
    [SIP_TX_STATE_CONFIRMED] = "Confirmed",
    [SIP_TX_STATE_TERMINATED] = "Terminated",
};

const char *
sip_tx_state_name(SipTxState state)
{
    return (guint) state < SIP_TX_STATE__COUNT ? state_names[state] : "?";
}

void
sip_transactions_init(void)
{
    if (!tag_secret)
        tag_secret = ((guint64) g_random_int() << 32) | g_random_int();
    sip_server_tx_table_init();
    sip_client_tx_table_init();
    sip_conns_set_closed_hook(sip_transactions_conn_closed);
}

void
sip_transactions_shutdown(void)
{
    sip_conns_set_closed_hook(NULL);
    sip_client_tx_table_shutdown();
    sip_server_tx_table_shutdown();
    memset(&sip_tx_stats, 0, sizeof(sip_tx_stats));
    if (out_buf) {
        g_string_free(out_buf, TRUE);
        out_buf = NULL;
    }
    g_clear_pointer(&scratch_msg, sip_msg_free);
}

SipMsg *
sip_scratch_msg(void)
{
    if (!scratch_msg)
        scratch_msg = sip_msg_new();
    return scratch_msg;
}

void
sip_transactions_get_stats(SipTxStats *out)
{
    *out = sip_tx_stats;
    memset(out->server_invite, 0, sizeof(out->server_invite));
    memset(out->server_other, 0, sizeof(out->server_other));
    memset(out->client_invite, 0, sizeof(out->client_invite));
    memset(out->client_other, 0, sizeof(out->client_other));
    sip_server_tx_count_states(out);
    sip_client_tx_count_states(out);
}

void
sip_random_token(char *buf, gsize size)
{
    guint64 r = ((guint64) g_random_int() << 32) | g_random_int();
    char hex[17];

    sip_format_hex64(hex, r);
    g_strlcpy(buf, hex, size);
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

gboolean
sip_slice_same(SipSlice a, SipSlice b)
{
    if (!a.p || !b.p)
        return !a.p && !b.p;
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static guint
hash_bytes(guint h, SipSlice s, gboolean fold_case)
{
    for (guint32 i = 0; i < s.len; i++) {
        guchar c = (guchar) s.p[i];
        if (fold_case)
            c = (guchar) g_ascii_tolower(c);
        h = (h ^ c) * 16777619u;
    }
    return (h ^ 0xff) * 16777619u;     /* field separator */
}

/* Hash ignoring LWS and case: an RFC 2543 top Via is compared as a
 * value, and a retransmission may be folded differently. */
static guint
hash_no_lws(guint h, SipSlice s)
{
    for (guint32 i = 0; i < s.len; i++) {
        guchar c = (guchar) s.p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        h = (h ^ (guchar) g_ascii_tolower(c)) * 16777619u;
    }
    return (h ^ 0xff) * 16777619u;
}

gboolean
sip_slice_equal_no_lws(SipSlice a, SipSlice b)
{
    guint32 i = 0, j = 0;

    if (!a.p || !b.p)
        return !a.p && !b.p;
    for (;;) {
        while (i < a.len && strchr(" \t\r\n", a.p[i]) && a.p[i])
            i++;
        while (j < b.len && strchr(" \t\r\n", b.p[j]) && b.p[j])
            j++;
        if (i == a.len || j == b.len)
            return i == a.len && j == b.len;
        if (g_ascii_tolower(a.p[i]) != g_ascii_tolower(b.p[j]))
            return FALSE;
        i++;
        j++;
    }
}

static guint
hash_uint(guint h, guint32 v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        h = (h ^ (v & 0xff)) * 16777619u;
    return h;
}

/* A branch that starts with the magic cookie and has more after it
 * follows RFC 3261; a bare "z9hG4bK" (RFC 4475 3.2.1) does not. */
static gboolean
branch_is_3261(SipSlice b)
{
    return b.p && b.len > 7 && memcmp(b.p, SIP_BRANCH_COOKIE, 7) == 0;
}

static SipSlice
trim(SipSlice s)
{
    if (!s.p)
        return s;
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.len--;
    }
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
                     s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
        s.len--;
    return s;
}

void
sip_tx_key_rehash(SipTxKey *k)
{
    guint h = 2166136261u;

    h = hash_uint(h, k->method);
    if (k->method == SIP_METHOD_UNKNOWN)
        h = hash_bytes(h, k->method_name, FALSE);
    if (!k->rfc2543) {
        h = hash_bytes(h, k->branch, TRUE);
        h = hash_bytes(h, k->host, TRUE);
        h = hash_uint(h, k->port);
    } else {
        h = hash_bytes(h, k->call_id, FALSE);
        h = hash_bytes(h, k->from_tag, FALSE);
        h = hash_uint(h, k->cseq);
        h = hash_bytes(h, k->ruri, FALSE);
        h = hash_no_lws(h, k->via);
    }
    k->hash = h;
    h = hash_uint(2166136261u, k->method);
    h = hash_bytes(h, k->call_id, FALSE);
    h = hash_bytes(h, k->from_tag, FALSE);
    k->merge_hash = hash_uint(h, k->cseq);
}

void
sip_tx_key_from_request(const SipMsg *req, SipTxKey *k)
{
    memset(k, 0, sizeof(*k));
    k->method = req->method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : req->method;
    if (k->method == SIP_METHOD_UNKNOWN)
        k->method_name = req->method_name;
    k->rfc2543 = !branch_is_3261(req->via.branch);
    k->branch = req->via.branch;
    k->host = req->via.host;
    k->port = req->via.port;
    k->call_id = req->call_id;
    k->from_tag = req->from.tag;
    k->to_tag = req->to.tag;
    k->ruri = req->ruri_text;
    k->via = trim(req->via.raw);
    k->cseq = req->cseq.number;
    k->lookup_ack = req->method == SIP_METHOD_ACK;
    sip_tx_key_rehash(k);
}

static void
rebase(SipSlice *s, const char *from, const char *to)
{
    if (s->p)
        s->p = to + (s->p - from);
}

/* Moves a key's slices from the received buffer to the copy. */
void
sip_tx_key_rebase(SipTxKey *k, const char *from, const char *to)
{
    rebase(&k->method_name, from, to);
    rebase(&k->branch, from, to);
    rebase(&k->host, from, to);
    rebase(&k->call_id, from, to);
    rebase(&k->from_tag, from, to);
    rebase(&k->to_tag, from, to);
    rebase(&k->ruri, from, to);
    rebase(&k->via, from, to);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

/* Is the Via sent-by host the IP the request came from? */
static gboolean
via_host_is_source(const SipVia *via, const SipAddr *src)
{
    SipAddr a;
    SipSlice h = via->host;

    if (via->host_type != SIP_HOST_IPV4 && via->host_type != SIP_HOST_IPV6)
        return FALSE;
    if (h.len >= 2 && h.p[0] == '[') {
        h.p++;
        h.len -= 2;
    }
    return sip_addr_from_ip(h.p, h.len, 0, &a) && sip_addr_ip_equal(&a, src);
}

void
sip_response_destination(const SipRx *rx, const SipMsg *req, SipAddr *dest)
{
    *dest = rx->src;
    if (!sip_slice_present(req->via.host))
        return;
    if (!rx->listener->klass->reliable
        && (sip_slice_present(req->via.rport) || sip_stack.settings.force_rport))
        return;
    sip_addr_set_port(dest, req->via.port ? req->via.port : 5060);
}

static guint64
mix64(guint64 h)
{
    h ^= h >> 33;
    h *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= G_GUINT64_CONSTANT(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 33);
}

static guint64
hash64(guint64 h, SipSlice s)
{
    for (guint32 i = 0; i < s.len; i++)
        h = (h ^ (guchar) s.p[i]) * G_GUINT64_CONSTANT(0x100000001b3);
    return (h ^ 0xff) * G_GUINT64_CONSTANT(0x100000001b3);
}

void
sip_response_tag(const SipMsg *req, char *buf, gsize size)
{
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325) ^ tag_secret;
    char hex[17];

    h = hash64(h, req->call_id);
    h = hash64(h, req->from.tag);
    h = hash64(h, req->via.branch);
    h = hash64(h, req->cseq.method_name);
    h ^= req->cseq.number;
    sip_format_hex64(hex, mix64(h ^ tag_secret));
    g_strlcpy(buf, hex, size);
}

static void
via_fixup(const SipMsg *req, const SipAddr *src, SipViaFixup *fix, char *ip, gsize size)
{
    gboolean rport = sip_slice_present(req->via.rport);

    fix->received = NULL;
    fix->rport = 0;
    if (!src || !sip_slice_present(req->via.host))
        return;
    /* RFC 3581 4: received= always with rport; else when sent-by
     * differs from the source (RFC 3261 18.2.1). */
    if (rport || !via_host_is_source(&req->via, src))
        fix->received = sip_addr_ip_string(src, ip, size);
    if (rport)
        fix->rport = sip_addr_port(src);
}

void
sip_response_build(const SipMsg *req, const SipAddr *src, const SipResponse *r,
                   const char *to_tag, GString *out)
{
    SipMsgBuilder b;
    SipViaFixup fix;
    char ip[SIP_ADDR_STRLEN];
    const char *ua = sip_stack.settings.user_agent;

    via_fixup(req, src, &fix, ip, sizeof(ip));
    sip_builder_init(&b, out);
    sip_builder_response(&b, req, r->code, r->reason, r->code == 100 ? NULL : to_tag, &fix);
    if (r->code == 100)
        sip_builder_copy_headers(&b, req, SIP_HDR_TIMESTAMP);
    /* RFC 3261 12.1.1: a response that may establish (or refresh) a
     * dialog carries the request's Record-Route values, in order, so the
     * peer's in-dialog requests cross the proxies that asked for it. */
    if (r->code > 100 && r->code < 300)
        sip_builder_copy_headers(&b, req, SIP_HDR_RECORD_ROUTE);
    if (ua && *ua)
        sip_builder_header(&b, "Server", ua);
    if (r->headers)
        sip_builder_raw(&b, r->headers, strlen(r->headers));
    sip_builder_finish(&b, r->content_type, r->body, r->body_len);
}

/* One reusable output buffer: a response is built in it and sent or
 * copied before anything else can run, so it is never shared. */
GString *
sip_scratch_out(void)
{
    GString *out = out_buf;

    if (!out)
        out = out_buf = g_string_sized_new(2048);
    g_string_truncate(out, 0);
    return out;
}

void
sip_respond_stateless(const SipMsg *req, const SipRx *rx, const SipResponse *resp)
{
    char tag[24];
    SipAddr dest;
    GString *out;

    if (req->is_request && req->method == SIP_METHOD_ACK)
        return;
    if (sip_msg_count_headers(req, SIP_HDR_VIA) == 0)
        return;     /* nowhere to send it (RFC 3261 18.2.2) */
    sip_response_tag(req, tag, sizeof(tag));
    out = sip_scratch_out();
    sip_response_build(req, &rx->src, resp, tag, out);
    sip_response_destination(rx, req, &dest);
    sip_transport_send(rx->listener, rx->conn, &dest, out->str, out->len);
}
