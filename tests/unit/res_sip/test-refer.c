/* Carillon - unit tests of the transfer headers of the message layer:
 * Refer-To with an embedded Replaces, Referred-By, Refer-Sub and
 * message/sipfrag (carillon/sip/refer.h). */
#include <string.h>

#include <carillon/sip/refer.h>

static gboolean
parse(const char *text, SipReferTo *out, GError **error)
{
    return sip_refer_to_parse(sip_slice_from_str(text), out, error);
}

static void
check_slice(SipSlice s, const char *expected)
{
    g_autofree char *copy = s.p ? g_strndup(s.p, s.len) : NULL;

    g_assert_cmpstr(copy, ==, expected);
}

static void
test_blind(void)
{
    SipReferTo r;
    g_autoptr(GError) error = NULL;

    g_assert_true(parse("<sip:1003@127.0.0.1:5070;user=phone>", &r, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(r.uri, ==, "sip:1003@127.0.0.1:5070;user=phone");
    g_assert_cmpstr(r.user, ==, "1003");
    g_assert_cmpstr(r.host, ==, "127.0.0.1");
    g_assert_cmpint(r.scheme, ==, SIP_URI_SCHEME_SIP);
    g_assert_null(r.replaces);
    g_assert_null(r.display);
    sip_refer_to_clear(&r);

    g_assert_true(parse("sip:%31003@pbx", &r, &error));     /* addr-spec, escaped user */
    g_assert_cmpstr(r.user, ==, "1003");
    g_assert_cmpstr(r.uri, ==, "sip:%31003@pbx");
    sip_refer_to_clear(&r);

    g_assert_true(parse("\"Carol \\\"C\\\"\" <tel:+15551234>", &r, &error));
    g_assert_cmpint(r.scheme, ==, SIP_URI_SCHEME_TEL);
    g_assert_cmpstr(r.user, ==, "+15551234");
    g_assert_null(r.host);
    g_assert_cmpstr(r.display, ==, "Carol \"C\"");
    sip_refer_to_clear(&r);
}

static void
test_replaces(void)
{
    SipReferTo r;
    g_autoptr(GError) error = NULL;

    g_assert_true(parse("<sip:1003@pbx?Replaces=abc%40host%3Bto-tag%3D7743%3Bfrom-tag%3D6472"
                        "&Require=replaces>;x=y", &r, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(r.uri, ==, "sip:1003@pbx");
    g_assert_cmpstr(r.replaces, ==, "abc@host;to-tag=7743;from-tag=6472");
    check_slice(r.rep.call_id, "abc@host");
    check_slice(r.rep.to_tag, "7743");
    check_slice(r.rep.from_tag, "6472");
    g_assert_false(r.rep.early_only);
    sip_refer_to_clear(&r);

    /* header names are case-insensitive; early-only is kept */
    g_assert_true(parse("<sip:b@pbx?replaces=x%3Bfrom-tag%3D1%3Bto-tag%3D2%3Bearly-only>",
                        &r, &error));
    check_slice(r.rep.call_id, "x");
    g_assert_true(r.rep.early_only);
    sip_refer_to_clear(&r);
}

static void
test_invalid(void)
{
    static const char *const bad[] = {
        "",
        "<>",
        "<sip:1003@pbx",
        "<http://example.com/>",
        "<mailto:a@b>",
        "<sip:1003@pbx?Replaces=abc%3Bto-tag%3D1>",          /* no from-tag */
        "<sip:1003@pbx?Replaces=abc%2>",                     /* bad escape */
        "<sip:1003@pbx?Replaces=abc%00%3Bto-tag%3D1%3Bfrom-tag%3D2>",
        "<sip:%zz@pbx>",
        "sip:1003@pbx junk",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        SipReferTo r;
        g_autoptr(GError) error = NULL;

        g_test_message("bad Refer-To %s", bad[i]);
        g_assert_false(parse(bad[i], &r, &error));
        g_assert_error(error, SIP_ERROR, SIP_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(error->message, "Refer-To: "));
        g_assert_null(r.uri);
        g_assert_null(r.replaces);
    }
}

static SipMsg *
parse_msg(const char *text)
{
    SipMsg *msg = sip_msg_new();
    SipParseLimits limits;

    sip_parse_limits_init(&limits);
    g_assert_cmpint(sip_msg_parse(msg, text, strlen(text), SIP_PARSE_DATAGRAM, &limits),
                    ==, SIP_PARSE_OK);
    return msg;
}

#define REFER_HEAD "REFER sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" \
    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 REFER\r\n" \
    "Max-Forwards: 70\r\n"

static void
test_msg(void)
{
    g_autoptr(SipMsg) one = parse_msg(REFER_HEAD "r: <sip:1003@h>\r\nRefer-Sub: false\r\n"
                                      "b: \"B\" <sip:1002@h>;cid=x\r\nContent-Length: 0\r\n\r\n");
    g_autoptr(SipMsg) two = parse_msg(REFER_HEAD "Refer-To: <sip:1003@h>\r\n"
                                      "Refer-To: <sip:1004@h>\r\nRefer-Sub: true\r\n"
                                      "Content-Length: 0\r\n\r\n");
    g_autoptr(SipMsg) none = parse_msg(REFER_HEAD "Content-Length: 0\r\n\r\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *by = NULL;
    SipReferTo r;

    g_assert_true(sip_msg_get_refer_to(one, &r, &error));
    g_assert_cmpstr(r.user, ==, "1003");
    sip_refer_to_clear(&r);
    g_assert_true(sip_msg_refer_sub_false(one));
    by = sip_referred_by_uri(sip_msg_get_header(one, SIP_HDR_REFERRED_BY, 0)->value);
    g_assert_cmpstr(by, ==, "sip:1002@h");
    g_assert_false(sip_msg_get_refer_to(two, &r, &error));
    g_assert_error(error, SIP_ERROR, SIP_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(sip_msg_refer_sub_false(two));
    g_assert_false(sip_msg_get_refer_to(none, &r, &error));
    g_assert_error(error, SIP_ERROR, SIP_ERROR_INVALID);
    g_assert_false(sip_msg_refer_sub_false(none));
    g_assert_null(sip_referred_by_uri(sip_slice_from_str("<not a uri")));
}

static void
test_sipfrag(void)
{
    g_autofree char *ringing = sip_sipfrag_new(180, NULL);
    g_autofree char *busy = sip_sipfrag_new(486, "Busy Here");
    guint code = 0;

    g_assert_cmpstr(ringing, ==, "SIP/2.0 180 Ringing\r\n");
    g_assert_cmpstr(busy, ==, "SIP/2.0 486 Busy Here\r\n");
    g_assert_true(sip_sipfrag_parse_status(sip_slice_from_str(busy), &code));
    g_assert_cmpuint(code, ==, 486);
    g_assert_true(sip_sipfrag_parse_status(sip_slice_from_str("SIP/2.0 200 OK"), &code));
    g_assert_cmpuint(code, ==, 200);
    g_assert_false(sip_sipfrag_parse_status(sip_slice_from_str("SIP/2.0 99 x\r\n"), &code));
    g_assert_false(sip_sipfrag_parse_status(sip_slice_from_str("SIP/2.0 2000 x"), &code));
    g_assert_false(sip_sipfrag_parse_status(sip_slice_from_str("INVITE sip:a SIP/2.0"), &code));
    g_assert_false(sip_sipfrag_parse_status(sip_slice_from_str(""), &code));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("Refer-To with Replaces, Referred-By, Refer-Sub and message/sipfrag");

    g_test_add_func("/sip/refer/refer-to-blind", test_blind);
    g_test_add_func("/sip/refer/refer-to-replaces", test_replaces);
    g_test_add_func("/sip/refer/refer-to-invalid", test_invalid);
    g_test_add_func("/sip/refer/message", test_msg);
    g_test_add_func("/sip/refer/sipfrag", test_sipfrag);

    return g_test_run();
}
