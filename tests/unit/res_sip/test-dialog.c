/* Carillon - unit tests of res_sip's dialog layer (RFC 3261 section 12):
 * UAS/UAC creation, tags, CSeq rules, route sets (order, loose and strict
 * routing), the next hop (route, flow, remote target), target refresh,
 * the dialog table and the dispatch of in-dialog requests. */
#include <string.h>

#include "../../../modules/res_sip/dialogs.h"

static SipMsg *
parse(const char *text)
{
    SipMsg *msg = sip_msg_new();

    g_assert_cmpint(sip_msg_parse(msg, text, strlen(text), SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_OK);
    return msg;
}

static const char invite[] =
    "INVITE sip:1002@pbx.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:1001@pbx.example.com>;tag=alice1\r\n"
    "To: <sip:1002@pbx.example.com>\r\n"
    "Call-ID: call-1@10.0.0.1\r\n"
    "CSeq: 10 INVITE\r\n"
    "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Record-Route: <sip:p3.example.com;lr>\r\n"
    "Contact: <sip:alice@10.0.0.1:5062>\r\n"
    "Content-Length: 0\r\n\r\n";

static void
test_uas(void)
{
    g_autoptr(SipMsg) req = parse(invite);
    g_autoptr(SipDialog) d = sip_dialog_new_uas(req, "ours", FALSE);
    g_autoptr(GString) out = g_string_new(NULL);

    g_assert_true(d->is_uas);
    g_assert_cmpstr(d->call_id, ==, "call-1@10.0.0.1");
    g_assert_cmpstr(d->local_tag, ==, "ours");
    g_assert_cmpstr(d->remote_tag, ==, "alice1");
    g_assert_cmpstr(d->remote_uri, ==, "sip:1001@pbx.example.com");
    g_assert_cmpstr(d->local_uri, ==, "sip:1002@pbx.example.com");
    g_assert_cmpstr(d->remote_target, ==, "sip:alice@10.0.0.1:5062");
    g_assert_cmpuint(d->remote_cseq, ==, 10);
    /* UAS: Record-Route in order (12.1.1) */
    g_assert_cmpuint(d->route_set->len, ==, 3);
    g_assert_cmpstr(d->route_set->pdata[0], ==, "sip:p1.example.com;lr");
    g_assert_cmpstr(d->route_set->pdata[2], ==, "sip:p3.example.com;lr");

    /* loose routing: R-URI = remote target, Route = route set */
    guint32 before = d->local_cseq;
    sip_dialog_build_request(d, "BYE", 0, out);
    g_assert_cmpuint(d->local_cseq, ==, before + 1);
    g_assert_true(g_str_has_prefix(out->str, "BYE sip:alice@10.0.0.1:5062 SIP/2.0\r\n"
                                   "Route: <sip:p1.example.com;lr>\r\n"
                                   "Route: <sip:p2.example.com;lr>\r\n"
                                   "Route: <sip:p3.example.com;lr>\r\n"));
    g_assert_nonnull(strstr(out->str, "From: <sip:1002@pbx.example.com>;tag=ours\r\n"));
    g_assert_nonnull(strstr(out->str, "To: \"Alice\" <sip:1001@pbx.example.com>;tag=alice1\r\n"));

    char host[256];
    SipTarget t = { .port = 1 };
    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "p1.example.com");
    g_assert_cmpuint(t.port, ==, 0);
    g_assert_cmpint(t.transport, ==, SIP_TRANSPORT_UDP);
}

static void
test_cseq(void)
{
    g_autoptr(SipMsg) req = parse(invite);
    g_autoptr(SipDialog) d = sip_dialog_new_uas(req, "ours", FALSE);
    static const char bye_fmt[] =
        "%s sip:1002@10.0.0.2 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx%u\r\n"
        "From: <sip:1001@pbx.example.com>;tag=alice1\r\n"
        "To: <sip:1002@pbx.example.com>;tag=ours\r\n"
        "Call-ID: call-1@10.0.0.1\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n";
    struct { const char *method; guint cseq; gboolean ok; } cases[] = {
        { "ACK", 10, TRUE },        /* ACK keeps its INVITE's CSeq */
        { "BYE", 10, FALSE },       /* equal: out of order -> 500 */
        { "BYE", 9, FALSE },
        { "BYE", 11, TRUE },
        { "UPDATE", 11, FALSE },
        { "UPDATE", 20, TRUE },     /* gaps are fine */
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = g_strdup_printf(bye_fmt, cases[i].method, i, cases[i].cseq,
                                                cases[i].method);
        g_autoptr(SipMsg) m = parse(text);
        g_assert_cmpint(sip_dialog_check_cseq(d, m), ==, cases[i].ok);
    }
    g_assert_cmpuint(d->remote_cseq, ==, 20);
}

static const char ringing[] =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKq\r\n"
    "From: <sip:pbx@10.0.0.9>;tag=mine\r\n"
    "To: <sip:1002@10.0.0.2>;tag=bob1\r\n"
    "Call-ID: out-1\r\nCSeq: 1 INVITE\r\n"
    "Record-Route: <sip:pa.example.com;lr>, <sip:pb.example.com;lr>\r\n"
    "Contact: <sip:bob@10.0.0.2:5070>\r\nContent-Length: 0\r\n\r\n";

static const char ok_2xx[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKq\r\n"
    "From: <sip:pbx@10.0.0.9>;tag=mine\r\n"
    "To: <sip:1002@10.0.0.2>;tag=bob1\r\n"
    "Call-ID: out-1\r\nCSeq: 1 INVITE\r\n"
    "Record-Route: <sip:other.example.com;lr>\r\n"
    "Contact: <sip:bob@10.0.0.2:5080>\r\nContent-Length: 0\r\n\r\n";

static void
test_uac(void)
{
    g_autoptr(SipDialog) d = sip_dialog_new_uac("out-1", "mine", "sip:pbx@10.0.0.9",
                                                "sip:1002@10.0.0.2", 1);
    g_autoptr(SipMsg) r180 = parse(ringing);
    g_autoptr(SipMsg) r200 = parse(ok_2xx);
    g_autoptr(SipDialog) fork = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    g_assert_null(d->remote_tag);
    g_assert_true(sip_dialog_uac_update(d, r180));
    g_assert_cmpint(d->state, ==, SIP_DIALOG_EARLY);
    g_assert_cmpstr(d->remote_tag, ==, "bob1");
    /* UAC: Record-Route reversed (12.1.2) */
    g_assert_cmpuint(d->route_set->len, ==, 2);
    g_assert_cmpstr(d->route_set->pdata[0], ==, "sip:pb.example.com;lr");
    g_assert_cmpstr(d->remote_target, ==, "sip:bob@10.0.0.2:5070");

    g_assert_true(sip_dialog_uac_update(d, r200));
    g_assert_cmpint(d->state, ==, SIP_DIALOG_CONFIRMED);
    /* the 2xx's route set replaces the early one; its Contact refreshes */
    g_assert_cmpuint(d->route_set->len, ==, 1);
    g_assert_cmpstr(d->remote_target, ==, "sip:bob@10.0.0.2:5080");

    /* confirmed: a later response no longer changes the route set */
    g_assert_true(sip_dialog_uac_update(d, r180));
    g_assert_cmpuint(d->route_set->len, ==, 1);
    g_assert_cmpstr(d->route_set->pdata[0], ==, "sip:other.example.com;lr");

    /* a response from another fork (another To tag) is not this dialog */
    fork = sip_dialog_new_uac("out-1", "mine", "sip:pbx@10.0.0.9", "sip:1002@10.0.0.2", 1);
    g_assert_true(sip_dialog_uac_update(fork, r200));
    {
        g_autofree char *other = g_strdup(ok_2xx);
        char *tag = strstr(other, "bob1");
        g_autoptr(SipMsg) m = NULL;
        tag[3] = '2';
        m = parse(other);
        g_assert_false(sip_dialog_uac_update(fork, m));
    }

    sip_dialog_build_request(d, "ACK", 1, out);
    g_assert_true(g_str_has_prefix(out->str, "ACK sip:bob@10.0.0.2:5080 SIP/2.0\r\n"
                                   "Route: <sip:other.example.com;lr>\r\n"));
    g_assert_nonnull(strstr(out->str, "CSeq: 1 ACK\r\n"));
    g_assert_cmpuint(d->local_cseq, ==, 1);
}

static void
test_strict_route(void)
{
    g_autoptr(SipDialog) d = sip_dialog_new_uac("c", "a", "sip:a@h", "sip:b@h", 5);
    g_autoptr(GString) out = g_string_new(NULL);
    char host[256];
    SipTarget t;

    g_ptr_array_add(d->route_set, g_strdup("sip:strict.example.com:5099;transport=tcp"));
    g_ptr_array_add(d->route_set, g_strdup("sip:second.example.com;lr"));
    sip_dialog_build_request(d, "BYE", 0, out);
    /* 12.2.1.1: R-URI = first route, rest then the remote target as Routes */
    g_assert_true(g_str_has_prefix(out->str,
                                   "BYE sip:strict.example.com:5099;transport=tcp SIP/2.0\r\n"
                                   "Route: <sip:second.example.com;lr>\r\n"
                                   "Route: <sip:b@h>\r\n"));
    g_assert_nonnull(strstr(out->str, "CSeq: 6 BYE\r\n"));
    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "strict.example.com");
    g_assert_cmpuint(t.port, ==, 5099);
    g_assert_cmpint(t.transport, ==, SIP_TRANSPORT_TCP);
}

static void
test_target_refresh(void)
{
    g_autoptr(SipMsg) req = parse(invite);
    g_autoptr(SipDialog) d = sip_dialog_new_uas(req, "ours", FALSE);
    static const char reinvite[] =
        "INVITE sip:1002@10.0.0.2 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKre\r\n"
        "From: <sip:1001@pbx.example.com>;tag=alice1\r\n"
        "To: <sip:1002@pbx.example.com>;tag=ours\r\n"
        "Call-ID: call-1@10.0.0.1\r\nCSeq: 11 INVITE\r\n"
        "Record-Route: <sip:new-proxy.example.com;lr>\r\n"
        "Contact: <sip:alice@10.0.0.7:5062>\r\nContent-Length: 0\r\n\r\n";
    g_autoptr(SipMsg) re = parse(reinvite);

    g_assert_true(sip_dialog_check_cseq(d, re));
    sip_dialog_refresh_target(d, re);
    g_assert_cmpstr(d->remote_target, ==, "sip:alice@10.0.0.7:5062");
    /* the route set is not refreshed (12.2) */
    g_assert_cmpuint(d->route_set->len, ==, 3);
}

/* Without a route set, requests go to the flow the dialog was set up
 * with (NAT), or to the remote target when told to follow it. */
static void
test_next_hop_flow(void)
{
    g_autoptr(SipDialog) d = sip_dialog_new_uac("c", "a", "sip:a@h", "sip:b@10.0.0.9:5070", 1);
    g_autoptr(SipDialog) copy = NULL;
    char host[256];
    SipTarget t;

    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));   /* no flow yet */
    g_assert_cmpstr(t.host, ==, "10.0.0.9");
    g_assert_cmpuint(t.port, ==, 5070);
    sip_dialog_set_flow(d, SIP_TRANSPORT_TCP, "192.0.2.7", 40123);
    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "192.0.2.7");
    g_assert_cmpuint(t.port, ==, 40123);
    g_assert_cmpint(t.transport, ==, SIP_TRANSPORT_TCP);
    copy = sip_dialog_copy(d);                  /* the copy's flow is its own */
    sip_dialog_set_flow(d, SIP_TRANSPORT_UDP, "192.0.2.8", 5060);
    g_assert_true(sip_dialog_next_hop(copy, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "192.0.2.7");
    d->follow_target = TRUE;
    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "10.0.0.9");
    g_ptr_array_add(d->route_set, g_strdup("sip:proxy.example.com;lr"));
    g_assert_true(sip_dialog_next_hop(d, &t, host, sizeof(host)));
    g_assert_cmpstr(t.host, ==, "proxy.example.com");
}

static const char bye[] =
    "BYE sip:1002@10.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbye\r\n"
    "From: <sip:1001@pbx.example.com>;tag=alice1\r\n"
    "To: <sip:1002@pbx.example.com>;tag=%s\r\n"
    "Call-ID: call-1@10.0.0.1\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n";

static gboolean
count_request(SipDialog *d, SipServerTx *tx, const SipMsg *req, const SipPeerInfo *peer,
              gpointer data)
{
    (*(guint *) data)++;
    return TRUE;
}

static void
test_table(void)
{
    g_autoptr(SipMsg) req = parse(invite);
    SipDialog *d = sip_dialog_new_uas(req, "ours", FALSE);
    g_autofree char *good = g_strdup_printf(bye, "ours", 11, "BYE");
    g_autofree char *bad = g_strdup_printf(bye, "theirs", 11, "BYE");
    g_autoptr(SipMsg) m1 = parse(good);
    g_autoptr(SipMsg) m2 = parse(bad);
    guint seen = 0;

    sip_dialogs_register(NULL, d, count_request, &seen);
    g_assert_cmpuint(sip_dialogs_count(), ==, 1);
    g_assert_true(sip_dialogs_find_request(m1) == d);
    g_assert_true(sip_dialogs_find("call-1@10.0.0.1", "ours", "alice1") == d);
    g_assert_null(sip_dialogs_find_request(m2));     /* -> 481 */
    g_assert_null(sip_dialogs_find_request(req));    /* no To tag */
    g_assert_false(sip_dialogs_dispatch(NULL, m2, NULL));
    g_assert_cmpuint(seen, ==, 0);
    sip_dialog_free(d);                              /* leaves the table */
    g_assert_cmpuint(sip_dialogs_count(), ==, 0);
    g_assert_null(sip_dialogs_find_request(m1));
    sip_dialogs_shutdown();
}

/* An ACK (no transaction) reaches its dialog's handler; a dialog
 * registered again once its remote tag is known is found under the new
 * key only; an owner's dialogs leave with it. */
static void
test_dispatch_and_rekey(void)
{
    SipDialog *d = sip_dialog_new_uac("call-1@10.0.0.1", "ours", "sip:1002@h", "sip:1001@h", 1);
    g_autofree char *ack = g_strdup_printf(bye, "ours", 1, "ACK");
    g_autoptr(SipMsg) m = parse(ack);
    guint seen = 0;

    sip_dialogs_register(NULL, d, count_request, &seen);
    g_assert_true(sip_dialogs_find("call-1@10.0.0.1", "ours", NULL) == d);
    d->remote_tag = g_strdup("alice1");
    sip_dialogs_register(NULL, d, count_request, &seen);
    g_assert_null(sip_dialogs_find("call-1@10.0.0.1", "ours", NULL));
    g_assert_cmpuint(sip_dialogs_count(), ==, 1);
    g_assert_true(sip_dialogs_dispatch(NULL, m, NULL));
    g_assert_cmpuint(seen, ==, 1);
    sip_dialogs_owner_gone(NULL);
    g_assert_cmpuint(sip_dialogs_count(), ==, 0);
    g_assert_false(sip_dialogs_dispatch(NULL, m, NULL));
    sip_dialog_free(d);
    sip_dialogs_shutdown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sip/dialog/uas", test_uas);
    g_test_add_func("/sip/dialog/cseq", test_cseq);
    g_test_add_func("/sip/dialog/uac", test_uac);
    g_test_add_func("/sip/dialog/strict-route", test_strict_route);
    g_test_add_func("/sip/dialog/target-refresh", test_target_refresh);
    g_test_add_func("/sip/dialog/next-hop-flow", test_next_hop_flow);
    g_test_add_func("/sip/dialog/table", test_table);
    g_test_add_func("/sip/dialog/dispatch-and-rekey", test_dispatch_and_rekey);
    return g_test_run();
}
