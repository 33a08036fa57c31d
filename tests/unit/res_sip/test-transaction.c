/* Carillon - unit tests of the SIP transaction state machines, driven with
 * a fake transport (records what is sent) and a fake clock. */
#include <string.h>
#include "../../../modules/res_sip/transaction.h"
#include "../../../modules/res_sip/sip_core.h"
#include "../../../modules/res_sip/timer.h"

static GPtrArray *sent;         /* char* copies of what the fake sent */
static SipAddr last_dest;       /* where the last of them went */

static SipSendResult
fake_send(SipListener *l, SipConn *conn, const SipAddr *dest, const char *data, gsize len)
{
    last_dest = *dest;
    g_ptr_array_add(sent, g_strndup(data, len));
    return SIP_SEND_OK;
}

static const SipTransportClass fake_udp = {
    .name = "fake-udp", .via_name = "UDP", .proto = SIP_TRANSPORT_UDP,
    .reliable = FALSE, .send = fake_send,
};

static const SipTransportClass fake_tcp = {
    .name = "fake-tcp", .via_name = "TCP", .proto = SIP_TRANSPORT_TCP,
    .reliable = TRUE, .send = fake_send,
};

typedef struct {
    SipListener *listener;
    SipRx rx;
    SipMsg *msg;
    GString *events;
    guint codes[16];
    guint n_codes;
    gboolean resp_null;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer reliable)
{
    SipAddr addr;

    sip_stack_init();
    sip_stack.settings.t1 = 500;
    sip_stack.settings.t2 = 4000;
    sip_stack.settings.t4 = 5000;
    sip_stack.settings.trying_delay = 200;
    sip_timers_use_fake_clock();
    sip_transactions_init();
    sent = g_ptr_array_new_with_free_func(g_free);
    g_assert_true(sip_addr_parse("127.0.0.1:5060", 5060, &addr));
    f->listener = sip_listener_new(reliable ? &fake_tcp : &fake_udp, "fake", &addr, "x");
    g_assert_true(sip_listener_open(f->listener, NULL));
    f->rx.listener = f->listener;
    f->rx.conn = NULL;
    g_assert_true(sip_addr_parse("192.0.2.1:5062", 5060, &f->rx.src));
    f->msg = sip_msg_new();
    f->events = g_string_new(NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    sip_transactions_shutdown();
    g_assert_cmpuint(sip_timers_count(), ==, 0);
    sip_listener_unref(f->listener);
    sip_msg_free(f->msg);
    g_string_free(f->events, TRUE);
    g_ptr_array_unref(sent);
}

/* Parses text (\n turned into CRLF) into f->msg. */
static const SipMsg *
parse(Fixture *f, const char *text)
{
    static char buf[4096];
    gsize n = 0;

    for (const char *p = text; *p && n + 2 < sizeof(buf); p++) {
        if (*p == '\n')
            buf[n++] = '\r';
        buf[n++] = *p;
    }
    g_assert_cmpint(sip_msg_parse(f->msg, buf, n, SIP_PARSE_DATAGRAM, NULL), ==, SIP_PARSE_OK);
    return f->msg;
}

#define HEADERS(method, branch, cseq)                                       \
    "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=" branch "\n"                   \
    "From: <sip:alice@example.com>;tag=a1\n"                                \
    "To: <sip:bob@example.com>\n"                                           \
    "Call-ID: call-1@example.com\n"                                         \
    "CSeq: " cseq " " method "\n"                                           \
    "Max-Forwards: 70\n"                                                    \
    "Content-Length: 0\n\n"

static const char invite_text[] =
    "INVITE sip:bob@example.com SIP/2.0\n" HEADERS("INVITE", "z9hG4bKinv1", "1");
static const char options_text[] =
    "OPTIONS sip:bob@example.com SIP/2.0\n" HEADERS("OPTIONS", "z9hG4bKopt1", "1");
static const char cancel_text[] =
    "CANCEL sip:bob@example.com SIP/2.0\n" HEADERS("CANCEL", "z9hG4bKinv1", "1");

static guint
count_sent(const char *prefix)
{
    guint n = 0;

    for (guint i = 0; i < sent->len; i++)
        n += g_str_has_prefix(sent->pdata[i], prefix);
    return n;
}

static const char *
last_sent(void)
{
    g_assert_cmpuint(sent->len, >, 0);
    return sent->pdata[sent->len - 1];
}

/* An ACK for the last response sent (To copied from it). */
static const SipMsg *
parse_ack(Fixture *f, const char *branch)
{
    const char *resp = last_sent();
    const char *to = strstr(resp, "\r\nTo: ");
    g_autofree char *to_line = g_strndup(to + 2, strstr(to + 2, "\r\n") - (to + 2));
    g_autofree char *text = g_strdup_printf(
        "ACK sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5062;branch=%s\n"
        "From: <sip:alice@example.com>;tag=a1\n%s\nCall-ID: call-1@example.com\n"
        "CSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0\n\n", branch, to_line);
    return parse(f, text);
}

static void
on_server_event(SipServerTx *tx, SipTxEvent ev, gpointer data)
{
    Fixture *f = data;
    static const char *const names[] = { "cancelled", "no-ack", "transport-error", "terminated" };

    g_string_append_printf(f->events, "%s;", names[ev]);
}

static SipServerTx *
new_server_tx(Fixture *f, const char *text)
{
    SipServerTx *tx = sip_server_tx_new(parse(f, text), &f->rx);

    g_assert_nonnull(tx);
    sip_server_tx_set_notify(tx, on_server_event, f);
    sip_server_tx_set_current(tx, f->msg);
    return tx;
}

static void
respond(SipServerTx *tx, guint code)
{
    SipResponse r = { .code = code };

    g_assert_true(sip_server_tx_respond(tx, &r));
}

/* ---- server, non-INVITE ---- */

static void
test_server_non_invite_udp(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, options_text);

    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TRYING);
    /* a retransmission in Trying is absorbed without a response */
    g_assert_true(sip_server_tx_find(parse(f, options_text)) == tx);
    sip_server_tx_receive(tx, f->msg, &f->rx);
    g_assert_cmpuint(sent->len, ==, 0);
    sip_server_tx_set_current(tx, parse(f, options_text));
    respond(tx, 200);
    sip_server_tx_set_current(tx, NULL);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    g_assert_cmpuint(count_sent("SIP/2.0 200 OK"), ==, 1);
    /* Completed: a retransmission gets the same response again */
    sip_server_tx_receive(tx, parse(f, options_text), &f->rx);
    g_assert_cmpuint(count_sent("SIP/2.0 200 OK"), ==, 2);
    g_assert_cmpstr(sent->pdata[0], ==, sent->pdata[1]);
    /* Timer J = 64*T1 */
    sip_timers_advance(64 * 500 - 1);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    sip_timers_advance(1);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpstr(f->events->str, ==, "terminated;");
    g_assert_null(sip_server_tx_find(parse(f, options_text)));
    g_assert_cmpuint(sip_server_tx_count(), ==, 0);
    sip_server_tx_unref(tx);
}

/* Completed non-INVITE transactions wait out Timer J in deadline order:
 * each ends 64*T1 after its own final response, and a retransmission of
 * any of them still gets its response (from the compacted copy). */
static void
test_server_non_invite_linger(Fixture *f, gconstpointer data)
{
    static const char *texts[] = {
        "OPTIONS sip:bob@example.com SIP/2.0\n" HEADERS("OPTIONS", "z9hG4bKl1", "1"),
        "OPTIONS sip:bob@example.com SIP/2.0\n" HEADERS("OPTIONS", "z9hG4bKl2", "2"),
        "OPTIONS sip:bob@example.com SIP/2.0\n" HEADERS("OPTIONS", "z9hG4bKl3", "3"),
    };
    SipServerTx *tx[3];

    for (guint i = 0; i < 3; i++) {
        tx[i] = new_server_tx(f, texts[i]);
        respond(tx[i], 200);
        sip_server_tx_set_current(tx[i], NULL);
        sip_timers_advance(1000);
    }
    g_assert_cmpuint(sip_server_tx_count(), ==, 3);
    g_ptr_array_set_size(sent, 0);
    sip_server_tx_receive(tx[1], parse(f, texts[1]), &f->rx);
    g_assert_cmpuint(count_sent("SIP/2.0 200 OK"), ==, 1);
    g_assert_nonnull(strstr(sent->pdata[0], "CSeq: 2 OPTIONS"));
    /* the first completed at 0 s, now is 3 s: J ends it at 32 s */
    sip_timers_advance(32000 - 3000 - 1);
    g_assert_cmpuint(sip_server_tx_count(), ==, 3);
    sip_timers_advance(1);
    g_assert_cmpint(sip_server_tx_get_state(tx[0]), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpint(sip_server_tx_get_state(tx[1]), ==, SIP_TX_STATE_COMPLETED);
    sip_timers_advance(1000);
    g_assert_cmpint(sip_server_tx_get_state(tx[1]), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpint(sip_server_tx_get_state(tx[2]), ==, SIP_TX_STATE_COMPLETED);
    sip_timers_advance(1000);
    g_assert_cmpuint(sip_server_tx_count(), ==, 0);
    for (guint i = 0; i < 3; i++)
        sip_server_tx_unref(tx[i]);
}

static void
test_server_non_invite_tcp(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, options_text);

    respond(tx, 100);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_PROCEEDING);
    respond(tx, 404);
    /* Timer J is 0 on a reliable transport */
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpuint(sent->len, ==, 2);
    sip_server_tx_unref(tx);
}

/* ---- server, INVITE ---- */

static void
test_server_invite_trying(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);

    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_PROCEEDING);
    sip_server_tx_set_current(tx, NULL);
    sip_timers_advance(199);
    g_assert_cmpuint(sent->len, ==, 0);
    sip_timers_advance(1);
    g_assert_cmpuint(count_sent("SIP/2.0 100 Trying"), ==, 1);
    /* 100 Trying carries no To tag (RFC 3261 8.2.6.2 allows either) */
    g_assert_null(strstr(strstr(last_sent(), "\r\nTo:"), ";tag="));
    /* a retransmission in Proceeding gets the last provisional */
    sip_server_tx_receive(tx, parse(f, invite_text), &f->rx);
    g_assert_cmpuint(count_sent("SIP/2.0 100 Trying"), ==, 2);
    sip_server_tx_unref(tx);
}

static void
test_server_invite_fast_answer(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);

    respond(tx, 486);
    sip_server_tx_set_current(tx, NULL);
    sip_timers_advance(200);
    /* answered within 200 ms: no 100 Trying, one G retransmission at T1 */
    g_assert_cmpuint(count_sent("SIP/2.0 100"), ==, 0);
    g_assert_cmpuint(count_sent("SIP/2.0 486"), ==, 1);
    sip_server_tx_unref(tx);
}

static void
test_server_invite_no_ack(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);

    respond(tx, 486);
    sip_server_tx_set_current(tx, NULL);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    /* G: 0.5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s (doubling, capped at T2),
     * then H at 32 s */
    sip_timers_advance(31999);
    g_assert_cmpuint(count_sent("SIP/2.0 486"), ==, 11);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    sip_timers_advance(1);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpstr(f->events->str, ==, "no-ack;terminated;");
    sip_timers_advance(10000);
    g_assert_cmpuint(count_sent("SIP/2.0 486"), ==, 11);
    sip_server_tx_unref(tx);
}

static void
test_server_invite_ack(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);
    SipServerTx *found;

    respond(tx, 486);
    sip_server_tx_set_current(tx, NULL);
    sip_timers_advance(600);
    g_assert_cmpuint(count_sent("SIP/2.0 486"), ==, 2);
    found = sip_server_tx_find(parse_ack(f, "z9hG4bKinv1"));
    g_assert_true(found == tx);
    g_assert_true(sip_server_tx_receive(tx, f->msg, &f->rx));
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_CONFIRMED);
    /* ACK retransmissions are absorbed; no more 486 */
    sip_server_tx_receive(tx, f->msg, &f->rx);
    sip_timers_advance(4999);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_CONFIRMED);
    sip_timers_advance(1);      /* Timer I = T4 */
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpuint(count_sent("SIP/2.0 486"), ==, 2);
    g_assert_cmpuint(sip_timers_count(), ==, 0);
    sip_server_tx_unref(tx);
}

static void
test_server_invite_tcp(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);

    respond(tx, 603);
    sip_server_tx_set_current(tx, NULL);
    sip_timers_advance(10000);
    g_assert_cmpuint(count_sent("SIP/2.0 603"), ==, 1);     /* no Timer G */
    sip_server_tx_receive(tx, parse_ack(f, "z9hG4bKinv1"), &f->rx);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED); /* I = 0 */
    sip_server_tx_unref(tx);
}

static void
test_server_invite_2xx(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);

    respond(tx, 200);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_ACCEPTED);
    /* RFC 6026: the TU's 2xx retransmissions pass; INVITE copies are absorbed */
    respond(tx, 200);
    sip_server_tx_receive(tx, parse(f, invite_text), &f->rx);
    g_assert_cmpuint(count_sent("SIP/2.0 200"), ==, 2);
    sip_timers_advance(64 * 500);   /* Timer L */
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    sip_server_tx_unref(tx);
}

static void
test_server_cancel(Fixture *f, gconstpointer data)
{
    SipServerTx *tx = new_server_tx(f, invite_text);
    SipServerTx *invite;

    sip_server_tx_set_current(tx, NULL);
    invite = sip_server_tx_find_cancelled(parse(f, cancel_text));
    g_assert_true(invite == tx);
    g_assert_null(sip_server_tx_find(f->msg));     /* a CANCEL is its own transaction */
    sip_server_tx_cancel(invite, f->msg, &f->rx);
    g_assert_cmpuint(count_sent("SIP/2.0 200 OK"), ==, 1);
    g_assert_nonnull(strstr(sent->pdata[0], "CSeq: 1 CANCEL"));
    g_assert_cmpuint(count_sent("SIP/2.0 487"), ==, 1);
    g_assert_cmpstr(f->events->str, ==, "cancelled;");
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    /* the To tags of the 200 (CANCEL) and the 487 (INVITE) agree */
    g_assert_nonnull(strstr(sent->pdata[0], sip_server_tx_get_to_tag(tx)));
    g_assert_nonnull(strstr(sent->pdata[1], sip_server_tx_get_to_tag(tx)));
    sip_server_tx_unref(tx);
}

static void
test_server_rfc2543(Fixture *f, gconstpointer data)
{
    static const char old_invite[] =
        "INVITE sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5062\n"
        "From: <sip:alice@example.com>\nTo: <sip:bob@example.com>\n"
        "Call-ID: old-1@example.com\nCSeq: 5 INVITE\nContent-Length: 0\n\n";
    static const char old_other[] =
        "INVITE sip:carol@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5062\n"
        "From: <sip:alice@example.com>\nTo: <sip:bob@example.com>\n"
        "Call-ID: old-1@example.com\nCSeq: 5 INVITE\nContent-Length: 0\n\n";
    SipServerTx *tx = new_server_tx(f, old_invite);
    g_autofree char *ack = NULL;

    respond(tx, 480);
    sip_server_tx_set_current(tx, NULL);
    g_assert_true(sip_server_tx_find(parse(f, old_invite)) == tx);
    g_assert_null(sip_server_tx_find(parse(f, old_other)));    /* other Request-URI */
    ack = g_strdup_printf("ACK sip:bob@example.com SIP/2.0\nVia:   SIP/2.0/UDP\n  192.0.2.1:5062\n"
                          "From: <sip:alice@example.com>\nTo: <sip:bob@example.com>;tag=%s\n"
                          "Call-ID: old-1@example.com\nCSeq: 5 ACK\nContent-Length: 0\n\n",
                          sip_server_tx_get_to_tag(tx));
    g_assert_true(sip_server_tx_find(parse(f, ack)) == tx);
    sip_server_tx_receive(tx, f->msg, &f->rx);
    g_assert_cmpint(sip_server_tx_get_state(tx), ==, SIP_TX_STATE_CONFIRMED);
    /* an ACK with another To tag is not ours */
    g_free(ack);
    ack = g_strdup("ACK sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5062\n"
                   "From: <sip:alice@example.com>\nTo: <sip:bob@example.com>;tag=zzz\n"
                   "Call-ID: old-1@example.com\nCSeq: 5 ACK\nContent-Length: 0\n\n");
    g_assert_null(sip_server_tx_find(parse(f, ack)));
    sip_server_tx_unref(tx);
}

static void
test_server_merged(Fixture *f, gconstpointer data)
{
    static const char forked[] =
        "OPTIONS sip:bob@example.com SIP/2.0\n" HEADERS("OPTIONS", "z9hG4bKother", "1");
    SipServerTx *tx = new_server_tx(f, options_text);

    sip_server_tx_set_current(tx, NULL);
    g_assert_null(sip_server_tx_find(parse(f, forked)));
    g_assert_true(sip_server_tx_is_merged(f->msg));
    g_assert_false(sip_server_tx_is_merged(parse(f, invite_text)));
    sip_server_tx_unref(tx);
}

static void
test_stateless_tag(Fixture *f, gconstpointer data)
{
    char a[24], b[24], c[24];

    sip_response_tag(parse(f, options_text), a, sizeof(a));
    sip_response_tag(parse(f, options_text), b, sizeof(b));
    sip_response_tag(parse(f, invite_text), c, sizeof(c));
    g_assert_cmpstr(a, ==, b);
    g_assert_cmpstr(a, !=, c);
    g_assert_cmpuint(strlen(a), ==, 16);
}

/* ---- client ---- */

static void
on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    Fixture *f = data;

    if (f->n_codes < G_N_ELEMENTS(f->codes))
        f->codes[f->n_codes++] = code;
    f->resp_null = resp == NULL;
}

static SipClientTx *
send_request(Fixture *f, const char *method)
{
    g_autofree char *text = g_strdup_printf(
        "%s sip:bob@192.0.2.1 SIP/2.0\r\nFrom: <sip:pbx@example.com>;tag=p1\r\n"
        "To: <sip:bob@192.0.2.1>\r\nCall-ID: out-1\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
        "Content-Length: 0\r\n\r\n", method, method);
    g_autoptr(GError) error = NULL;
    SipClientTx *tx = sip_client_tx_send_to(NULL, f->listener, &f->rx.src, text, strlen(text),
                                            on_response, f, NULL, &error);

    g_assert_no_error(error);
    g_assert_nonnull(tx);
    return tx;
}

/* Feeds a response to the last request sent. */
static void
answer(Fixture *f, SipClientTx *tx, guint code, const char *method)
{
    g_autofree char *text = g_strdup_printf(
        "SIP/2.0 %u X\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"
        "From: <sip:pbx@example.com>;tag=p1\r\nTo: <sip:bob@192.0.2.1>;tag=b1\r\n"
        "Call-ID: out-1\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
        code, sip_client_tx_get_branch(tx), method);
    SipMsg *m = sip_msg_new();

    g_assert_cmpint(sip_msg_parse(m, text, strlen(text), SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    g_assert_true(sip_client_tx_receive(m, &f->rx));
    sip_msg_free(m);
}

/* A target given by host name is looked up without blocking (resolve.c)
 * and the request goes to an address of a bound listener's family. */
static void
test_client_host_name(Fixture *f, gconstpointer data)
{
    static const char text[] =
        "OPTIONS sip:bob@localhost:5070 SIP/2.0\r\nFrom: <sip:pbx@example.com>;tag=p1\r\n"
        "To: <sip:bob@localhost>\r\nCall-ID: out-2\r\nCSeq: 1 OPTIONS\r\n"
        "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    SipTarget target = { .transport = SIP_TRANSPORT_UDP, .host = "localhost", .port = 5070 };
    g_autoptr(GError) error = NULL;
    gint64 give_up = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    SipClientTx *tx;
    char ip[SIP_ADDR_STRLEN];

    sip_listeners_add(f->listener);             /* the one transport bound */
    tx = sip_client_tx_send(NULL, &target, text, strlen(text), on_response, f,
                                         NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(tx);
    g_assert_cmpuint(sent->len, ==, 0);         /* nothing before the lookup ends */
    while (sent->len == 0 && g_get_monotonic_time() < give_up)
        g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmpstr(sip_addr_ip_string(&last_dest, ip, sizeof(ip)), ==, "127.0.0.1");
    g_assert_cmpuint(sip_addr_port(&last_dest), ==, 5070);
    g_assert_true(g_str_has_prefix(sent->pdata[0], "OPTIONS sip:bob@localhost:5070 SIP/2.0\r\n"
                                                   "Via: SIP/2.0/UDP "));
    sip_transactions_shutdown();
    sip_listeners_shutdown();
}

static void
test_client_non_invite_timeout(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "OPTIONS"));

    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_nonnull(strstr(last_sent(), "Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bK"));
    /* E: 0.5, 1.5, 3.5, 7.5, then every T2 to 31.5 s; F at 32 s */
    sip_timers_advance(31999);
    g_assert_cmpuint(sent->len, ==, 11);
    g_assert_cmpuint(f->n_codes, ==, 0);
    sip_timers_advance(1);
    g_assert_cmpuint(f->n_codes, ==, 1);
    g_assert_cmpuint(f->codes[0], ==, 408);
    g_assert_true(f->resp_null);
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpuint(sip_client_tx_count(), ==, 0);
    sip_client_tx_unref(tx);
}

static void
test_client_non_invite_proceeding(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "OPTIONS"));

    answer(f, tx, 100, "OPTIONS");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_PROCEEDING);
    /* E fires at 0.5 s, then every T2 in Proceeding */
    sip_timers_advance(500);
    g_assert_cmpuint(sent->len, ==, 2);
    sip_timers_advance(4000);
    g_assert_cmpuint(sent->len, ==, 3);
    answer(f, tx, 200, "OPTIONS");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    answer(f, tx, 200, "OPTIONS");      /* absorbed */
    g_assert_cmpuint(f->n_codes, ==, 2);
    g_assert_cmpuint(f->codes[1], ==, 200);
    sip_timers_advance(5000);           /* K = T4 */
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    g_assert_cmpuint(sent->len, ==, 3);
    sip_client_tx_unref(tx);
}

static void
test_client_invite_timeout(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "INVITE"));

    /* A: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (doubling, no cap); B at 32 s */
    sip_timers_advance(32000);
    g_assert_cmpuint(sent->len, ==, 7);
    g_assert_cmpuint(f->n_codes, ==, 1);
    g_assert_cmpuint(f->codes[0], ==, 408);
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    sip_client_tx_unref(tx);
}

static void
test_client_invite_rejected(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "INVITE"));

    answer(f, tx, 180, "INVITE");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_PROCEEDING);
    sip_timers_advance(10000);
    g_assert_cmpuint(sent->len, ==, 1);     /* A stops in Proceeding */
    answer(f, tx, 486, "INVITE");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_COMPLETED);
    g_assert_true(g_str_has_prefix(last_sent(), "ACK sip:bob@192.0.2.1 SIP/2.0"));
    g_assert_nonnull(strstr(last_sent(), sip_client_tx_get_branch(tx)));
    g_assert_nonnull(strstr(last_sent(), "tag=b1"));
    answer(f, tx, 486, "INVITE");           /* retransmission: ACK again, TU not told */
    g_assert_cmpuint(count_sent("ACK "), ==, 2);
    g_assert_cmpuint(f->n_codes, ==, 2);
    sip_timers_advance(32000);              /* Timer D */
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    sip_client_tx_unref(tx);
}

static void
test_client_invite_accepted(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "INVITE"));

    answer(f, tx, 200, "INVITE");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_ACCEPTED);
    answer(f, tx, 200, "INVITE");           /* RFC 6026: 2xx copies go to the TU */
    g_assert_cmpuint(f->n_codes, ==, 2);
    g_assert_cmpuint(count_sent("ACK "), ==, 0);  /* the TU ACKs a 2xx */
    sip_timers_advance(32000);              /* Timer M */
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED);
    sip_client_tx_unref(tx);
}

static void
test_client_cancel(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "INVITE"));

    g_assert_true(sip_client_tx_cancel(tx));
    g_assert_cmpuint(count_sent("CANCEL "), ==, 0);     /* waits for a 1xx */
    answer(f, tx, 100, "INVITE");
    g_assert_cmpuint(count_sent("CANCEL "), ==, 1);
    g_assert_nonnull(strstr(last_sent(), sip_client_tx_get_branch(tx)));
    g_assert_nonnull(strstr(last_sent(), "CSeq: 1 CANCEL"));
    answer(f, tx, 200, "CANCEL");
    answer(f, tx, 487, "INVITE");
    g_assert_cmpuint(f->codes[f->n_codes - 1], ==, 487);
    sip_timers_advance(40000);
    g_assert_cmpuint(sip_client_tx_count(), ==, 0);
    sip_client_tx_unref(tx);
}

static void
test_client_tcp(Fixture *f, gconstpointer data)
{
    SipClientTx *tx = sip_client_tx_ref(send_request(f, "OPTIONS"));

    g_assert_nonnull(strstr(last_sent(), "Via: SIP/2.0/TCP "));
    sip_timers_advance(20000);
    g_assert_cmpuint(sent->len, ==, 1);     /* no retransmissions */
    answer(f, tx, 200, "OPTIONS");
    g_assert_cmpint(sip_client_tx_get_state(tx), ==, SIP_TX_STATE_TERMINATED); /* K = 0 */
    sip_client_tx_unref(tx);
}

static void
test_client_bad_request(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const char junk[] = "this is not SIP\r\n\r\n";

    g_assert_null(sip_client_tx_send_to(NULL, f->listener, &f->rx.src, junk, strlen(junk),
                                        on_response, f, NULL, &error));
    g_assert_nonnull(error);
}

static gint64 last_fire;
static guint n_fired;

static void
check_monotonic(SipTimer *t, gpointer data)
{
    g_assert_cmpint(sip_now(), >=, last_fire);
    g_assert_cmpint(sip_now(), ==, t->deadline);
    last_fire = sip_now();
    n_fired++;
}

/* Many timers, some stopped or re-armed: the rest fire in deadline order. */
static void
test_timer_heap(void)
{
    SipTimer t[500];
    guint stopped = 0;

    sip_timers_use_fake_clock();
    last_fire = 0;
    n_fired = 0;
    for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
        sip_timer_init(&t[i], check_monotonic, NULL);
        sip_timer_start(&t[i], g_test_rand_int_range(0, 10000));
    }
    for (guint i = 0; i < G_N_ELEMENTS(t); i += 7) {
        sip_timer_stop(&t[i]);
        stopped++;
    }
    for (guint i = 3; i < G_N_ELEMENTS(t); i += 11) {
        if (sip_timer_armed(&t[i]))
            sip_timer_start(&t[i], g_test_rand_int_range(0, 10000));
    }
    g_assert_cmpuint(sip_timers_count(), ==, G_N_ELEMENTS(t) - stopped);
    sip_timers_advance(20000);
    g_assert_cmpuint(n_fired, ==, G_N_ELEMENTS(t) - stopped);
    g_assert_cmpuint(sip_timers_count(), ==, 0);
}

static guint order[8];
static guint n_order;

static void
record_fire(SipTimer *t, gpointer data)
{
    order[n_order++] = GPOINTER_TO_UINT(data);
}

static void
test_timer_order(void)
{
    SipTimer t[5];
    const guint ms[5] = { 300, 100, 200, 100, 50 };

    sip_timers_use_fake_clock();
    n_order = 0;
    for (guint i = 0; i < 5; i++) {
        sip_timer_init(&t[i], record_fire, GUINT_TO_POINTER(i));
        sip_timer_start(&t[i], ms[i]);
    }
    sip_timer_stop(&t[2]);
    sip_timers_advance(1000);
    g_assert_cmpuint(n_order, ==, 4);
    g_assert_cmpuint(order[0], ==, 4);
    g_assert_cmpuint(order[1], ==, 1);     /* equal deadlines fire in start order */
    g_assert_cmpuint(order[2], ==, 3);
    g_assert_cmpuint(order[3], ==, 0);
    g_assert_cmpuint(sip_timers_count(), ==, 0);
}

#define ADD(path, fn, reliable) \
    g_test_add(path, Fixture, GINT_TO_POINTER(reliable), fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("RFC 3261 transaction state machines with a fake transport and clock");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/sip/timer/heap", test_timer_heap);
    g_test_add_func("/sip/timer/order", test_timer_order);
    ADD("/sip/transaction/server/non-invite-udp", test_server_non_invite_udp, FALSE);
    ADD("/sip/transaction/server/non-invite-linger", test_server_non_invite_linger, FALSE);
    ADD("/sip/transaction/server/non-invite-tcp", test_server_non_invite_tcp, TRUE);
    ADD("/sip/transaction/server/invite-100-trying", test_server_invite_trying, FALSE);
    ADD("/sip/transaction/server/invite-fast-answer", test_server_invite_fast_answer, FALSE);
    ADD("/sip/transaction/server/invite-no-ack", test_server_invite_no_ack, FALSE);
    ADD("/sip/transaction/server/invite-ack", test_server_invite_ack, FALSE);
    ADD("/sip/transaction/server/invite-tcp", test_server_invite_tcp, TRUE);
    ADD("/sip/transaction/server/invite-2xx", test_server_invite_2xx, FALSE);
    ADD("/sip/transaction/server/cancel", test_server_cancel, FALSE);
    ADD("/sip/transaction/server/rfc2543", test_server_rfc2543, FALSE);
    ADD("/sip/transaction/server/merged", test_server_merged, FALSE);
    ADD("/sip/transaction/stateless-tag", test_stateless_tag, FALSE);
    ADD("/sip/transaction/client/host-name", test_client_host_name, FALSE);
    ADD("/sip/transaction/client/non-invite-timeout", test_client_non_invite_timeout, FALSE);
    ADD("/sip/transaction/client/non-invite-proceeding", test_client_non_invite_proceeding, FALSE);
    ADD("/sip/transaction/client/invite-timeout", test_client_invite_timeout, FALSE);
    ADD("/sip/transaction/client/invite-rejected", test_client_invite_rejected, FALSE);
    ADD("/sip/transaction/client/invite-accepted", test_client_invite_accepted, FALSE);
    ADD("/sip/transaction/client/cancel", test_client_cancel, FALSE);
    ADD("/sip/transaction/client/tcp", test_client_tcp, TRUE);
    ADD("/sip/transaction/client/bad-request", test_client_bad_request, FALSE);
    return g_test_run();
}
