/* Carillon - unit tests of res_sip's core UAS behaviour and request
 * handlers: messages go through sip_receive() from a fake UDP transport
 * and the responses it sends are checked. */
#include <string.h>
#include "../../../modules/res_sip/transaction.h"
#include "../../../modules/res_sip/handlers.h"
#include "../../../modules/res_sip/sip_core.h"
#include "../../../modules/res_sip/timer.h"

static GPtrArray *sent;

static SipSendResult
fake_send(SipListener *l, SipConn *conn, const SipAddr *dest, const char *data, gsize len)
{
    g_ptr_array_add(sent, g_strndup(data, len));
    return SIP_SEND_OK;
}

static const SipTransportClass fake_udp = {
    .name = "fake-udp", .via_name = "UDP", .proto = SIP_TRANSPORT_UDP,
    .reliable = FALSE, .send = fake_send,
};

typedef struct {
    SipListener *listener;
    SipRx rx;
    GString *log;
    SipServerTx *held;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
    SipAddr addr;

    sip_stack_init();
    sip_stack.settings.trying_delay = 200;
    sip_timers_use_fake_clock();
    sip_transactions_init();
    sip_handlers_init();
    sent = g_ptr_array_new_with_free_func(g_free);
    g_assert_true(sip_addr_parse("127.0.0.1:5060", 5060, &addr));
    f->listener = sip_listener_new(&fake_udp, "fake", &addr, "x");
    g_assert_true(sip_listener_open(f->listener, NULL));
    f->rx.listener = f->listener;
    g_assert_true(sip_addr_parse("192.0.2.1:5062", 5060, &f->rx.src));
    f->log = g_string_new(NULL);
    f->held = NULL;
}

static void
teardown(Fixture *f, gconstpointer data)
{
    if (f->held)
        sip_server_tx_unref(f->held);
    sip_handlers_shutdown();
    sip_transactions_shutdown();
    g_assert_cmpuint(sip_timers_count(), ==, 0);
    sip_listener_unref(f->listener);
    g_string_free(f->log, TRUE);
    g_ptr_array_unref(sent);
}

/* Delivers text (\n -> CRLF) as one datagram; returns the number of
 * messages sent in reply. */
static guint
deliver(Fixture *f, const char *text)
{
    GString *buf = g_string_new(NULL);
    guint before = sent->len;

    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            g_string_append_c(buf, '\r');
        g_string_append_c(buf, *p);
    }
    sip_receive(&f->rx, buf->str, buf->len);
    g_string_free(buf, TRUE);
    return sent->len - before;
}

static const char *
last(void)
{
    g_assert_cmpuint(sent->len, >, 0);
    return sent->pdata[sent->len - 1];
}

#define REQ(method, ruri, extra, body)                                      \
    method " " ruri " SIP/2.0\n"                                            \
    "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK" method "1\n"           \
    "From: <sip:alice@example.com>;tag=a1\n"                                \
    "To: <sip:bob@example.com>\n"                                           \
    "Call-ID: uas-" method "@example.com\n"                                 \
    "CSeq: 1 " method "\n"                                                  \
    extra                                                                   \
    "Content-Length: " G_STRINGIFY(0) "\n\n" body

#define SDP \
    "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n"

static void
assert_status(const char *resp, const char *status)
{
    if (!g_str_has_prefix(resp, status))
        g_error("expected \"%s\", got:\n%s", status, resp);
}

static void
test_options(Fixture *f, gconstpointer data)
{
    g_assert_cmpuint(deliver(f, REQ("OPTIONS", "sip:bob@example.com", "", "")), ==, 1);
    assert_status(last(), "SIP/2.0 200 OK\r\n");
    g_assert_nonnull(strstr(last(), "\r\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"));
    g_assert_nonnull(strstr(last(), "\r\nAccept: application/sdp\r\n"));
    g_assert_nonnull(strstr(last(), "\r\nTo: <sip:bob@example.com>;tag="));
    g_assert_null(strstr(last(), "Supported:"));
    /* answered statelessly: no transaction, same bytes for a copy */
    g_assert_cmpuint(sip_server_tx_count(), ==, 0);
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "", ""));
    g_assert_cmpstr(sent->pdata[0], ==, sent->pdata[1]);
}

static void
test_methods(Fixture *f, gconstpointer data)
{
    deliver(f, REQ("FOO", "sip:bob@example.com", "", ""));
    assert_status(last(), "SIP/2.0 501 ");
    deliver(f, REQ("SUBSCRIBE", "sip:bob@example.com", "Event: presence\n", ""));
    assert_status(last(), "SIP/2.0 405 ");
    g_assert_nonnull(strstr(last(), "\r\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"));
    deliver(f, REQ("BYE", "sip:bob@example.com", "", ""));
    assert_status(last(), "SIP/2.0 481 ");
}

static void
test_scheme(Fixture *f, gconstpointer data)
{
    deliver(f, REQ("OPTIONS", "mailto:bob@example.com", "", ""));
    assert_status(last(), "SIP/2.0 416 ");
    deliver(f, REQ("OPTIONS", "tel:+15551234567", "", ""));
    assert_status(last(), "SIP/2.0 200 ");
}

static void
test_require(Fixture *f, gconstpointer data)
{
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "Require: foo, 100rel\n", ""));
    assert_status(last(), "SIP/2.0 420 ");
    g_assert_nonnull(strstr(last(), "\r\nUnsupported: foo, 100rel\r\n"));
    sip_handlers_add_supported(NULL, "foo");
    sip_handlers_add_supported(NULL, "100rel");
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "Require: foo, 100rel\n", ""));
    assert_status(last(), "SIP/2.0 200 ");
    g_assert_nonnull(strstr(last(), "\r\nSupported: foo, 100rel\r\n"));
    /* Proxy-Require is for proxies: ignored */
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "Proxy-Require: bar\n", ""));
    assert_status(last(), "SIP/2.0 200 ");
}

static void
test_max_forwards(Fixture *f, gconstpointer data)
{
    deliver(f, REQ("INVITE", "sip:bob@example.com", "Max-Forwards: 0\n", ""));
    assert_status(last(), "SIP/2.0 483 ");
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "Max-Forwards: 0\n", ""));
    assert_status(last(), "SIP/2.0 200 ");
}

static void
test_body(Fixture *f, gconstpointer data)
{
    static const char plain[] =
        "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKb1\n"
        "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\nCall-ID: body1\n"
        "CSeq: 1 INVITE\nContent-Type: text/plain\nContent-Length: 6\n\nhello\n";
    static const char gzip[] =
        "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKb2\n"
        "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\nCall-ID: body2\n"
        "CSeq: 1 INVITE\nContent-Type: application/sdp\nContent-Encoding: gzip\n"
        "Content-Length: 6\n\nhello\n";
    static const char accept[] =
        "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKb3\n"
        "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\nCall-ID: body3\n"
        "CSeq: 1 INVITE\nAccept: text/plain\nContent-Length: 0\n\n";

    deliver(f, plain);
    assert_status(last(), "SIP/2.0 415 ");
    g_assert_nonnull(strstr(last(), "\r\nAccept: application/sdp\r\n"));
    deliver(f, gzip);
    assert_status(last(), "SIP/2.0 415 ");
    g_assert_nonnull(strstr(last(), "\r\nAccept-Encoding: identity\r\n"));
    deliver(f, accept);
    assert_status(last(), "SIP/2.0 406 ");
}

static void
test_invite_default(Fixture *f, gconstpointer data)
{
    const char *inv = REQ("INVITE", "sip:bob@example.com", "", "");

    g_assert_cmpuint(deliver(f, inv), ==, 1);
    assert_status(last(), "SIP/2.0 480 ");
    g_assert_cmpuint(sip_server_tx_count(), ==, 1);
    deliver(f, inv);                /* retransmission: the same 480 */
    g_assert_cmpstr(sent->pdata[0], ==, sent->pdata[1]);
    sip_timers_advance(500);        /* Timer G */
    g_assert_cmpuint(sent->len, ==, 3);
}

static void
test_bad_request(Fixture *f, gconstpointer data)
{
    g_assert_cmpuint(deliver(f, "OPTIONS sip:bob@example.com SIP/2.0\n"
                                "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKbad\n"
                                "From: <sip:alice@example.com>;tag=a1\n"
                                "Call-ID: bad\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"), ==, 1);
    assert_status(last(), "SIP/2.0 400 ");
    g_assert_cmpuint(deliver(f, "\x01\x02garbage\xff\n\n"), ==, 0);
    g_assert_cmpuint(deliver(f, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnone\n"
                                "From: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\n"
                                "CSeq: 1 OPTIONS\nContent-Length: 0\n\n"), ==, 0);
    g_assert_cmpuint(deliver(f, "\n\n"), ==, 0);
}

static void
test_rport(Fixture *f, gconstpointer data)
{
    deliver(f, "OPTIONS sip:bob@example.com SIP/2.0\n"
               "Via: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKnat\n"
               "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\n"
               "Call-ID: nat\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
    if (!strstr(last(), "Via: SIP/2.0/UDP 10.0.0.5:5060;rport=5062;branch=z9hG4bKnat;"
                        "received=192.0.2.1\r\n"))
        g_error("Via not fixed up:\n%s", last());
}

/* ---- handlers ---- */

static gboolean
reject_busy(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    Fixture *f = data;
    SipResponse r = { .code = 486, .headers = "X-Handled: yes\r\n" };

    g_string_append_printf(f->log, "busy:%s:%u;", peer->remote_ip, peer->remote_port);
    return sip_server_tx_respond(tx, &r);
}

static gboolean
decline(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    Fixture *f = data;

    g_string_append(f->log, "decline;");
    return FALSE;
}

static void
on_event(SipServerTx *tx, SipTxEvent ev, gpointer data)
{
    Fixture *f = data;

    g_string_append_printf(f->log, "event%d;", ev);
}

static gboolean
hold(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    Fixture *f = data;

    f->held = sip_server_tx_ref(tx);
    sip_server_tx_set_notify(tx, on_event, f);
    return TRUE;
}

static gboolean
log_ack(SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer, gpointer data)
{
    Fixture *f = data;

    g_assert_null(tx);
    g_string_append(f->log, "ack;");
    return TRUE;
}

static void
test_handler_sync(Fixture *f, gconstpointer data)
{
    g_assert_true(sip_handlers_register(NULL, "INVITE", decline, f, NULL));
    g_assert_true(sip_handlers_register(NULL, "INVITE", reject_busy, f, NULL));
    deliver(f, REQ("INVITE", "sip:bob@example.com", "", ""));
    g_assert_cmpstr(f->log->str, ==, "decline;busy:192.0.2.1:5062;");
    assert_status(last(), "SIP/2.0 486 ");
    g_assert_nonnull(strstr(last(), "\r\nX-Handled: yes\r\n"));
    sip_handlers_unregister(NULL, "INVITE", reject_busy);
    deliver(f, "INVITE sip:carol@example.com SIP/2.0\n"
               "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKcarol\n"
               "From: <sip:alice@example.com>;tag=a2\nTo: <sip:carol@example.com>\n"
               "Call-ID: carol\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
    assert_status(last(), "SIP/2.0 480 ");      /* declined: default answer */
}

static void
test_handler_async(Fixture *f, gconstpointer data)
{
    const SipMsg *req;
    SipResponse ringing = { .code = 180 }, ok = { .code = 200, .content_type = "application/sdp",
                                                  .body = "v=0\r\n", .body_len = 5 };

    g_assert_true(sip_handlers_register(NULL, "INVITE", hold, f, NULL));
    deliver(f, REQ("INVITE", "sip:bob@example.com", "", ""));
    g_assert_nonnull(f->held);
    g_assert_cmpuint(sent->len, ==, 0);
    sip_timers_advance(200);
    assert_status(last(), "SIP/2.0 100 Trying\r\n");
    req = sip_server_tx_get_request(f->held);      /* re-parsed from the copy */
    g_assert_cmpint(req->method, ==, SIP_METHOD_INVITE);
    g_assert_true(sip_slice_eq(req->call_id, "uas-INVITE@example.com"));
    g_assert_true(sip_server_tx_respond(f->held, &ringing));
    assert_status(last(), "SIP/2.0 180 ");
    g_assert_true(sip_server_tx_respond(f->held, &ok));
    assert_status(last(), "SIP/2.0 200 ");
    g_assert_nonnull(strstr(last(), "\r\nContent-Type: application/sdp\r\n"));
    g_assert_nonnull(strstr(last(), sip_server_tx_get_to_tag(f->held)));
    g_assert_false(sip_server_tx_respond(f->held, &ringing));   /* after a final */
}

static void
test_handler_cancel(Fixture *f, gconstpointer data)
{
    g_assert_true(sip_handlers_register(NULL, "INVITE", hold, f, NULL));
    deliver(f, REQ("INVITE", "sip:bob@example.com", "", ""));
    g_assert_cmpuint(deliver(f, "CANCEL sip:bob@example.com SIP/2.0\n"
                                "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKINVITE1\n"
                                "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\n"
                                "Call-ID: uas-INVITE@example.com\nCSeq: 1 CANCEL\n"
                                "Content-Length: 0\n\n"), ==, 2);
    assert_status(sent->pdata[0], "SIP/2.0 200 ");
    g_assert_nonnull(strstr(sent->pdata[0], "CSeq: 1 CANCEL"));
    assert_status(sent->pdata[1], "SIP/2.0 487 ");
    g_assert_cmpstr(f->log->str, ==, "event0;");
}

static void
test_handler_extension(Fixture *f, gconstpointer data)
{
    GError *error = NULL;

    g_assert_true(sip_handlers_register(NULL, "MESSAGE", reject_busy, f, NULL));
    g_assert_true(sip_handlers_register(NULL, "FOO", reject_busy, f, NULL));
    g_assert_false(sip_handlers_register(NULL, "BAD METHOD", reject_busy, f, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_cmpstr(sip_handlers_allow(), ==, "INVITE, ACK, CANCEL, OPTIONS, BYE, MESSAGE, FOO");
    deliver(f, REQ("FOO", "sip:bob@example.com", "", ""));
    assert_status(last(), "SIP/2.0 486 ");
    deliver(f, REQ("OPTIONS", "sip:bob@example.com", "", ""));
    g_assert_nonnull(strstr(last(), "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, MESSAGE, FOO\r\n"));
}

static void
test_handler_ack(Fixture *f, gconstpointer data)
{
    g_assert_true(sip_handlers_register(NULL, "ACK", log_ack, f, NULL));
    g_assert_cmpuint(deliver(f, "ACK sip:bob@example.com SIP/2.0\n"
                                "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKack2xx\n"
                                "From: <sip:alice@example.com>;tag=a1\n"
                                "To: <sip:bob@example.com>;tag=b1\n"
                                "Call-ID: dialog\nCSeq: 1 ACK\nContent-Length: 0\n\n"), ==, 0);
    g_assert_cmpstr(f->log->str, ==, "ack;");
}

static void
test_merged(Fixture *f, gconstpointer data)
{
    g_assert_true(sip_handlers_register(NULL, "INVITE", hold, f, NULL));
    deliver(f, REQ("INVITE", "sip:bob@example.com", "", ""));
    /* the same request forked back to us on another branch */
    deliver(f, "INVITE sip:bob@example.com SIP/2.0\n"
               "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKfork2\n"
               "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\n"
               "Call-ID: uas-INVITE@example.com\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
    assert_status(last(), "SIP/2.0 482 ");
}

/* The source address as text (received=, the peer): IPv4 is formatted
 * by hand, so check it against inet_ntop's forms. */
static void
test_addr_text(void)
{
    const char *ips[] = { "0.0.0.0", "127.0.0.1", "10.20.255.1", "192.168.100.9",
                          "255.255.255.255", "1.10.100.99", "::1", "2001:db8::5" };

    for (guint i = 0; i < G_N_ELEMENTS(ips); i++) {
        SipAddr a;
        char buf[64];
        g_assert_true(sip_addr_from_ip(ips[i], strlen(ips[i]), 5060, &a));
        g_assert_cmpstr(sip_addr_ip_string(&a, buf, sizeof(buf)), ==, ips[i]);
    }
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sip UAS checks (RFC 3261 8.2) and request handlers");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    ADD("/sip/uas/options", test_options);
    ADD("/sip/uas/methods", test_methods);
    ADD("/sip/uas/scheme", test_scheme);
    ADD("/sip/uas/require", test_require);
    ADD("/sip/uas/max-forwards", test_max_forwards);
    ADD("/sip/uas/body", test_body);
    ADD("/sip/uas/invite-default", test_invite_default);
    ADD("/sip/uas/bad-request", test_bad_request);
    ADD("/sip/uas/rport", test_rport);
    ADD("/sip/uas/merged", test_merged);
    ADD("/sip/handlers/sync", test_handler_sync);
    ADD("/sip/handlers/async", test_handler_async);
    ADD("/sip/handlers/cancel", test_handler_cancel);
    ADD("/sip/handlers/extension", test_handler_extension);
    ADD("/sip/handlers/ack", test_handler_ack);
    g_test_add_func("/sip/transport/addr-text", test_addr_text);
    return g_test_run();
}
