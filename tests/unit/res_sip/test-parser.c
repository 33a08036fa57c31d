/* Carillon - unit tests of the SIP message parser, header-value parsers,
 * framing, multipart and the builder (modules/res_sip/sip_msg.h). */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/msg.h>

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static char *
load_file(const char *subdir, const char *name, gsize *len)
{
    g_autofree char *path = g_build_filename(data_dir(), subdir, name, NULL);
    g_autoptr(GError) error = NULL;
    char *data = NULL;

    g_file_get_contents(path, &data, len, &error);
    g_assert_no_error(error);
    return data;
}

/* Parse a corpus file into msg; the returned buffer backs the slices. */
static char *
parse_corpus(SipMsg *msg, const char *name, SipParseResult *result)
{
    gsize len;
    char *data = load_file("rfc4475", name, &len);

    *result = sip_msg_parse(msg, data, len, SIP_PARSE_DATAGRAM, NULL);
    return data;
}

static SipParseResult
parse_str(SipMsg *msg, const char *text)
{
    return sip_msg_parse(msg, text, strlen(text), SIP_PARSE_DATAGRAM, NULL);
}

/* Slices compared through a temporary copy (freed at once). */
static void
check_slice(SipSlice s, const char *expected)
{
    g_autofree char *copy = s.p ? g_strndup(s.p, s.len) : NULL;

    g_assert_cmpstr(copy, ==, expected);
}

/* ---------------------------------------------------------------- corpus */

/* Parse-level outcome expected for a MANIFEST row: the 400/505 the
 * parser or sip_msg_validate_request must produce, 0 for "parses fine"
 * (everything else is a UAS/transaction decision on good data), -1 for a
 * response to drop.  Our documented choice: baddate.dat is accepted. */
static int
expected_outcome(const char *file, const char *cls, const char *what)
{
    int code = atoi(what);

    if (strcmp(cls, "invalid-response") == 0)
        return -1;
    if (strcmp(file, "baddate.dat") == 0)
        return 0;
    if (code == 400 || code == 505)
        return code;
    return 0;
}

static void
test_rfc4475_corpus(void)
{
    g_autofree char *manifest = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(SipMsg) msg = sip_msg_new();
    gsize len;
    guint checked = 0;

    manifest = load_file("rfc4475", "MANIFEST.tsv", &len);
    lines = g_strsplit(manifest, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) f = NULL;
        g_autofree char *data = NULL;
        SipParseResult r;
        const char *reason = NULL;
        int expected, got;

        if (lines[i][0] == '#' || lines[i][0] == '\0')
            continue;
        f = g_strsplit(lines[i], "\t", 4);
        g_assert_cmpuint(g_strv_length(f), ==, 4);
        expected = expected_outcome(f[0], f[2], f[3]);
        data = parse_corpus(msg, f[0], &r);
        g_test_message("%s: result %d code %u reason %s", f[0], r, msg->error_code,
                       msg->error_reason ? msg->error_reason : "-");
        g_assert_cmpint(r, !=, SIP_PARSE_ERROR_GARBAGE);
        if (expected == -1) {
            g_assert_false(msg->is_request);
            g_assert_cmpint(r, ==, SIP_PARSE_ERROR_RESPONSE);
        } else if (g_str_has_suffix(f[2], "response")) {
            g_assert_false(msg->is_request);
            g_assert_cmpint(r, ==, SIP_PARSE_OK);
        } else {
            g_assert_true(msg->is_request);
            if (r == SIP_PARSE_OK)
                got = (int) sip_msg_validate_request(msg, &reason);
            else
                got = msg->error_code;
            if (got != expected)
                g_test_message("%s: expected %d got %d (%s)", f[0], expected, got,
                               reason ? reason : msg->error_reason);
            g_assert_cmpint(got, ==, expected);
            if (got != 0)
                g_assert_nonnull(r == SIP_PARSE_OK ? reason : msg->error_reason);
        }
        checked++;
    }
    g_assert_cmpuint(checked, ==, 49);
}

/* What the UAS needs from each semantic case is easy to get. */
static void
test_rfc4475_semantic(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    SipParseResult r;
    SipSlice tokens[8];
    SipContact contacts[4];
    SipDigestParams dp;
    SipUri uri;
    guint n;

    g_autofree char *unkscm = parse_corpus(msg, "unkscm.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->ruri.scheme, ==, SIP_URI_SCHEME_OTHER);
    check_slice(msg->ruri.scheme_name, "nobodyKnowsThisScheme");

    g_autofree char *novelsc = parse_corpus(msg, "novelsc.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->ruri.scheme, ==, SIP_URI_SCHEME_OTHER);

    g_autofree char *unksm2 = parse_corpus(msg, "unksm2.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_uri_parse(msg->to.uri, &uri));
    g_assert_cmpint(uri.scheme, ==, SIP_URI_SCHEME_OTHER);
    check_slice(uri.scheme_name, "isbn");
    g_assert_true(sip_uri_parse(msg->from.uri, &uri));
    check_slice(uri.scheme_name, "http");

    g_autofree char *bext = parse_corpus(msg, "bext01.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_token_list(msg, SIP_HDR_REQUIRE, tokens, 8, &n));
    g_assert_cmpuint(n, ==, 2);
    check_slice(tokens[0], "nothingSupportsThis");
    check_slice(tokens[1], "nothingSupportsThisEither");
    g_assert_true(sip_parse_token_list(msg, SIP_HDR_PROXY_REQUIRE, tokens, 8, &n));
    g_assert_cmpuint(n, ==, 2);

    g_autofree char *invut = parse_corpus(msg, "invut.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    check_slice(msg->content_type_parsed.type, "application");
    check_slice(msg->content_type_parsed.subtype, "unknownformat");
    g_assert_cmpuint(msg->body.len, ==, 40);

    g_autofree char *sdp01 = parse_corpus(msg, "sdp01.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_false(sip_msg_accepts(msg, "application", "sdp", TRUE));
    g_assert_true(sip_msg_accepts(msg, "text", "nobodyKnowsThis", FALSE));

    g_autofree char *zeromf = parse_corpus(msg, "zeromf.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->max_forwards, ==, 0);

    g_autofree char *regaut = parse_corpus(msg, "regaut01.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_digest(sip_msg_get_header(msg, SIP_HDR_AUTHORIZATION, 0)->value, &dp));
    g_assert_cmpint(dp.scheme, ==, SIP_AUTH_SCHEME_OTHER);
    check_slice(dp.scheme_name, "NoOneKnowsThisScheme");

    /* cparam01: unknownparam is a Contact param (addr-spec form) */
    g_autofree char *cparam01 = parse_corpus(msg, "cparam01.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_contact_list(msg, contacts, 4, &n));
    g_assert_cmpuint(n, ==, 1);
    check_slice(contacts[0].addr.uri, "sip:+19725552222@gw1.example.net");
    check_slice(contacts[0].addr.params, "unknownparam");
    g_assert_true(sip_uri_parse(contacts[0].addr.uri, &uri));
    g_assert_null(uri.params.p);

    /* cparam02: the same param is a URI param (name-addr form) */
    g_autofree char *cparam02 = parse_corpus(msg, "cparam02.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_contact_list(msg, contacts, 4, &n));
    g_assert_null(contacts[0].addr.params.p);
    g_assert_true(sip_uri_parse(contacts[0].addr.uri, &uri));
    check_slice(uri.params, "unknownparam");
    check_slice(uri.user, "+19725552222");

    /* regescrt: the escaped Route header is kept in the Contact URI */
    g_autofree char *regescrt = parse_corpus(msg, "regescrt.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_contact_list(msg, contacts, 4, &n));
    g_assert_true(sip_uri_parse(contacts[0].addr.uri, &uri));
    {
        SipSlice route;
        g_autoptr(GString) un = g_string_new(NULL);

        g_assert_true(sip_uri_get_header(&uri, "Route", &route));
        g_assert_true(sip_unescape(route, un));
        g_assert_cmpstr(un->str, ==, "<sip:sip.example.com>");
    }

    /* inv2543: no Max-Forwards, no From tag, no branch: accepted */
    g_autofree char *inv2543 = parse_corpus(msg, "inv2543.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->max_forwards, ==, -1);
    g_assert_null(msg->from.tag.p);
    g_assert_null(msg->via.branch.p);
    g_assert_cmpuint(sip_msg_validate_request(msg, NULL), ==, 0);

    /* badbranch: the branch is "z9hG4bK" alone */
    g_autofree char *badbranch = parse_corpus(msg, "badbranch.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    check_slice(msg->via.branch, "z9hG4bK");

    /* bcast: the second Via is 255.255.255.255 */
    g_autofree char *bcast = parse_corpus(msg, "bcast.dat", &r);
    {
        SipVia vias[4];

        g_assert_cmpint(r, ==, SIP_PARSE_OK);
        g_assert_true(sip_parse_via_list(msg, vias, 4, &n));
        g_assert_cmpuint(n, ==, 2);
        check_slice(vias[1].host, "255.255.255.255");
        g_assert_cmpint(vias[1].host_type, ==, SIP_HOST_IPV4);
    }

    /* dblreq: only the first message, trailing octets ignored */
    g_autofree char *dblreq = parse_corpus(msg, "dblreq.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->method, ==, SIP_METHOD_REGISTER);
    g_assert_cmpuint(msg->body.len, ==, 0);
    g_assert_cmpuint(msg->msg_len, <, strlen(dblreq));

    /* esc02: the method is an unknown token; C%6Fntact is not Contact */
    g_autofree char *esc02 = parse_corpus(msg, "esc02.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_cmpint(msg->method, ==, SIP_METHOD_UNKNOWN);
    check_slice(msg->method_name, "RE%47IST%45R");
    g_assert_cmpuint(sip_msg_count_headers(msg, SIP_HDR_CONTACT), ==, 2);
    g_assert_nonnull(sip_msg_find_header(msg, "C%6Fntact", 0));
}

/* ---------------------------------------------------------------- basics */

static const char *invite_text =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

static void
test_basic_request(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();

    g_assert_cmpint(parse_str(msg, invite_text), ==, SIP_PARSE_OK);
    g_assert_true(msg->is_request);
    g_assert_cmpint(msg->method, ==, SIP_METHOD_INVITE);
    g_assert_cmpint(msg->ruri.scheme, ==, SIP_URI_SCHEME_SIP);
    check_slice(msg->ruri.user, "bob");
    check_slice(msg->ruri.host, "biloxi.example.com");
    check_slice(msg->via.branch, "z9hG4bK776asdhds");
    check_slice(msg->via.host, "pc33.atlanta.example.com");
    g_assert_cmpint(msg->via.transport, ==, SIP_TRANSPORT_UDP);
    g_assert_nonnull(msg->via.rport.p);
    g_assert_cmpuint(msg->via.rport.len, ==, 0);
    g_assert_cmpint(msg->max_forwards, ==, 70);
    check_slice(msg->to.display, "Bob");
    g_assert_null(msg->to.tag.p);
    check_slice(msg->from.tag, "1928301774");
    check_slice(msg->call_id, "a84b4c76e66710@pc33.atlanta.example.com");
    g_assert_cmpuint(msg->cseq.number, ==, 314159);
    g_assert_cmpint(msg->cseq.method, ==, SIP_METHOD_INVITE);
    g_assert_cmpint(msg->content_length, ==, 4);
    check_slice(msg->content_type_parsed.subtype, "sdp");
    check_slice(msg->body, "v=0\n");
    g_assert_cmpuint(msg->msg_len, ==, strlen(invite_text));
    g_assert_cmpuint(msg->n_headers, ==, 9);
    g_assert_cmpuint(sip_msg_validate_request(msg, NULL), ==, 0);
}

static void
test_compact_headers(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *text =
        "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
        "v: SIP/2.0/TCP client.example.com:5061;branch=z9hG4bKx\r\n"
        "t: <sip:carol@chicago.example.com>\r\n"
        "f: <sip:a@example.com>;tag=1\r\n"
        "i: cid1\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "m: <sip:a@10.0.0.1>\r\n"
        "k: path, 100rel\r\n"
        "s: hello\r\n"
        "c: text/plain\r\n"
        "e: gzip\r\n"
        "o: dialog;id=5\r\n"
        "r: <sip:x@example.com>\r\n"
        "u: presence\r\n"
        "b: <sip:y@example.com>\r\n"
        "x: 1800;refresher=uac\r\n"
        "y: abc\r\n"
        "L: 0\r\n"
        "\r\n";
    SipEvent ev;

    g_assert_cmpint(parse_str(msg, text), ==, SIP_PARSE_OK);
    g_assert_cmpuint(msg->via.port, ==, 5061);
    g_assert_cmpint(msg->via.transport, ==, SIP_TRANSPORT_TCP);
    check_slice(msg->call_id, "cid1");
    check_slice(msg->from.tag, "1");
    g_assert_cmpint(msg->content_length, ==, 0);
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_CONTACT, 0));
    g_assert_true(sip_msg_has_token(msg, SIP_HDR_SUPPORTED, "100REL"));
    g_assert_true(sip_msg_has_token(msg, SIP_HDR_SUPPORTED, "path"));
    g_assert_false(sip_msg_has_token(msg, SIP_HDR_SUPPORTED, "timer"));
    check_slice(sip_msg_get_header(msg, SIP_HDR_SUBJECT, 0)->value, "hello");
    check_slice(sip_msg_get_header(msg, SIP_HDR_CONTENT_ENCODING, 0)->value, "gzip");
    g_assert_true(sip_parse_event(sip_msg_get_header(msg, SIP_HDR_EVENT, 0)->value, &ev));
    check_slice(ev.package, "dialog");
    check_slice(ev.id, "5");
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_REFER_TO, 0));
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_ALLOW_EVENTS, 0));
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_REFERRED_BY, 0));
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_SESSION_EXPIRES, 0));
    g_assert_nonnull(sip_msg_get_header(msg, SIP_HDR_IDENTITY, 0));
    g_assert_nonnull(sip_msg_find_header(msg, "Call-ID", 0));
    g_assert_nonnull(sip_msg_find_header(msg, "i", 0));
    g_assert_cmpuint(sip_msg_validate_request(msg, NULL), ==, 0);
}

static void
test_header_names(void)
{
    g_assert_cmpint(sip_header_lookup("via", 3), ==, SIP_HDR_VIA);
    g_assert_cmpint(sip_header_lookup("VIA", 3), ==, SIP_HDR_VIA);
    g_assert_cmpint(sip_header_lookup("V", 1), ==, SIP_HDR_VIA);
    g_assert_cmpint(sip_header_lookup("cAlL-iD", 7), ==, SIP_HDR_CALL_ID);
    g_assert_cmpint(sip_header_lookup("www-authenticate", 16), ==, SIP_HDR_WWW_AUTHENTICATE);
    g_assert_cmpint(sip_header_lookup("X-Foo", 5), ==, SIP_HDR_OTHER);
    g_assert_cmpint(sip_header_lookup("g", 1), ==, SIP_HDR_OTHER);
    g_assert_cmpint(sip_header_lookup("Contactx", 8), ==, SIP_HDR_OTHER);
    for (int id = 1; id < SIP_HDR__COUNT; id++) {
        const char *name = sip_header_name((SipHeaderId) id);

        g_assert_nonnull(name);
        g_assert_cmpint(sip_header_lookup(name, strlen(name)), ==, id);
    }
    g_assert_null(sip_header_name(SIP_HDR_OTHER));
    g_assert_cmpstr(sip_method_name(SIP_METHOD_REGISTER), ==, "REGISTER");
    g_assert_cmpint(sip_method_from_slice(sip_slice_from_str("invite")), ==, SIP_METHOD_UNKNOWN);
    g_assert_cmpint(sip_method_from_slice(sip_slice_from_str("PRACK")), ==, SIP_METHOD_PRACK);
}

/* wsinv.dat: folding everywhere, odd white space, compact forms. */
static void
test_folding(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    g_autoptr(GString) s = g_string_new(NULL);
    SipParseResult r;
    SipVia vias[4];
    SipContact contacts[2];
    guint n;
    g_autofree char *data = parse_corpus(msg, "wsinv.dat", &r);

    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    check_slice(msg->to.tag, "1918181833n");
    check_slice(msg->from.tag, "98asjd8");
    g_assert_true(msg->from.display_quoted);
    check_slice(msg->from.display, "J Rosenberg \\\\\\\"");
    g_assert_cmpint(msg->max_forwards, ==, 68);
    g_assert_cmpuint(msg->cseq.number, ==, 9);
    g_assert_cmpint(msg->cseq.method, ==, SIP_METHOD_INVITE);
    check_slice(msg->via.transport_name, "UDP");
    check_slice(msg->via.host, "192.0.2.2");
    check_slice(msg->via.branch, "390skdjuw");
    g_assert_true(sip_parse_via_list(msg, vias, 4, &n));
    g_assert_cmpuint(n, ==, 3);
    check_slice(vias[1].host, "spindle.example.com");
    check_slice(vias[1].branch, "z9hG4bK9ikj8");
    g_assert_cmpint(vias[1].transport, ==, SIP_TRANSPORT_TCP);
    check_slice(vias[2].branch, "z9hG4bK30239");
    g_assert_true(sip_parse_contact_list(msg, contacts, 2, &n));
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpint(contacts[0].q, ==, 330);
    g_assert_true(sip_params_find(contacts[0].addr.params, "newparam", NULL));
    g_assert_true(sip_msg_get_header(msg, SIP_HDR_CSEQ, 0)->folded);
    sip_slice_unfold(sip_msg_find_header(msg, "NewFangledHeader", 0)->value, s);
    g_assert_cmpstr(s->str, ==, "newfangled value continued newfangled value");
    check_slice(sip_msg_get_header(msg, SIP_HDR_SUBJECT, 0)->value, "");
    g_assert_cmpuint(msg->body.len, ==, 150);
    g_assert_cmpuint(sip_msg_validate_request(msg, NULL), ==, 0);
}

static void
test_repeated_headers(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *text =
        "BYE sip:x@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
        "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
        "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
        "Route: \"Proxy, three\" <sip:p3.example.com;lr>\r\n"
        "Route: <sip:p4.example.com;lr>\r\n"
        "Record-Route: <sip:rr.example.com;lr>\r\n"
        "Allow: INVITE, ACK,BYE , CANCEL\r\n"
        "Allow: OPTIONS\r\n"
        "To: <sip:x@example.com>;tag=a\r\n"
        "From: <sip:y@example.com>;tag=b\r\n"
        "Call-ID: c\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    SipNameAddr routes[8];
    SipSlice tokens[8];
    SipVia vias[8];
    SipValueIter it;
    SipSlice v;
    SipUri uri;
    guint n;

    g_assert_cmpint(parse_str(msg, text), ==, SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_count_headers(msg, SIP_HDR_ROUTE), ==, 3);
    g_assert_true(sip_parse_name_addr_list(msg, SIP_HDR_ROUTE, routes, 8, &n));
    g_assert_cmpuint(n, ==, 4);
    check_slice(routes[0].uri, "sip:p1.example.com;lr");
    check_slice(routes[2].display, "Proxy, three");
    check_slice(routes[3].uri, "sip:p4.example.com;lr");
    g_assert_true(sip_uri_parse(routes[1].uri, &uri));
    g_assert_true(uri.lr);
    g_assert_false(sip_parse_name_addr_list(msg, SIP_HDR_ROUTE, routes, 3, &n));
    g_assert_true(sip_parse_via_list(msg, vias, 8, &n));
    g_assert_cmpuint(n, ==, 3);
    check_slice(vias[2].branch, "z9hG4bK3");
    g_assert_true(sip_parse_token_list(msg, SIP_HDR_ALLOW, tokens, 8, &n));
    g_assert_cmpuint(n, ==, 5);
    check_slice(tokens[2], "BYE");
    check_slice(tokens[4], "OPTIONS");
    check_slice(sip_msg_get_header(msg, SIP_HDR_ROUTE, 2)->value, "<sip:p4.example.com;lr>");
    g_assert_null(sip_msg_get_header(msg, SIP_HDR_ROUTE, 3));
    sip_value_iter_init(&it, msg, SIP_HDR_RECORD_ROUTE);
    g_assert_cmpint(sip_value_iter_next(&it, &v), ==, 1);
    g_assert_cmpint(sip_value_iter_next(&it, &v), ==, 0);
    sip_value_iter_init(&it, msg, SIP_HDR_REPLACES);
    g_assert_cmpint(sip_value_iter_next(&it, &v), ==, 0);
}

static void
test_response(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *text =
        "SIP/2.0 180 Ringing\r\n"
        "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKa;received=2001:db8::1;rport=5070\r\n"
        "To: <sip:b@example.com>;tag=xyz\r\nFrom: <sip:a@example.com>;tag=abc\r\n"
        "Call-ID: k\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";

    g_assert_cmpint(parse_str(msg, text), ==, SIP_PARSE_OK);
    g_assert_false(msg->is_request);
    g_assert_cmpuint(msg->status_code, ==, 180);
    check_slice(msg->reason, "Ringing");
    g_assert_cmpint(msg->via.host_type, ==, SIP_HOST_IPV6);
    check_slice(msg->via.host, "[2001:db8::9]");
    g_assert_cmpuint(msg->via.port, ==, 5070);
    check_slice(msg->via.received, "2001:db8::1");
    check_slice(msg->via.rport, "5070");
    check_slice(msg->to.tag, "xyz");

    g_assert_cmpint(parse_str(msg, "SIP/2.0 200\r\nContent-Length: 0\r\n\r\n"), ==, SIP_PARSE_OK);
    g_assert_cmpuint(msg->reason.len, ==, 0);
    g_assert_cmpint(parse_str(msg, "SIP/2.0 20 OK\r\n\r\n"), ==, SIP_PARSE_ERROR_RESPONSE);
    g_assert_cmpint(parse_str(msg, "SIP/2.0 700 Huh\r\n\r\n"), ==, SIP_PARSE_ERROR_RESPONSE);
    g_assert_cmpint(parse_str(msg, "SIP/3.0 200 OK\r\n\r\n"), ==, SIP_PARSE_ERROR_RESPONSE);
    g_assert_cmpint(parse_str(msg, "SIP/2.0 2000 OK\r\n\r\n"), ==, SIP_PARSE_ERROR_RESPONSE);
}

/* ---------------------------------------------------------------- errors */

static void
expect_error(const char *text, SipParseMode mode, guint code, const char *reason)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    SipParseResult r = sip_msg_parse(msg, text, strlen(text), mode, NULL);

    g_assert_cmpint(r, ==, SIP_PARSE_ERROR_REQUEST);
    g_assert_cmpuint(msg->error_code, ==, code);
    if (reason)
        g_assert_cmpstr(msg->error_reason, ==, reason);
}

#define REQ_HEAD "OPTIONS sip:a@example.com SIP/2.0\r\n"
#define REQ_TAIL "To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\n" \
                 "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n" \
                 "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKq\r\n"

static void
test_errors(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    g_autoptr(GString) big = g_string_new(REQ_HEAD REQ_TAIL);

    expect_error("OPTIONS sip:a@example.com SIP/2.1\r\n" REQ_TAIL "\r\n", SIP_PARSE_DATAGRAM,
                 505, "Version Not Supported");
    expect_error(REQ_HEAD "Via: SIP/2.0/UDP ;branch=x\r\n" REQ_TAIL "\r\n", SIP_PARSE_DATAGRAM,
                 400, "Malformed Via header");
    expect_error(REQ_HEAD REQ_TAIL "Content-Length: 1\r\nl: 1\r\n\r\nx", SIP_PARSE_DATAGRAM,
                 400, "Multiple Content-Length values");
    expect_error(REQ_HEAD REQ_TAIL "Content-Length: 99\r\n\r\nabc", SIP_PARSE_DATAGRAM,
                 400, "Bad Request (Content-Length 99 exceeds datagram)");
    expect_error(REQ_HEAD REQ_TAIL "\r\n", SIP_PARSE_STREAM, 400, "Missing Content-Length");
    expect_error(REQ_HEAD REQ_TAIL "Max-Forwards: 256\r\n\r\n", SIP_PARSE_DATAGRAM, 400,
                 "Malformed Max-Forwards header");
    expect_error(REQ_HEAD REQ_TAIL "Content-Type: text\r\n\r\n", SIP_PARSE_DATAGRAM, 400,
                 "Malformed Content-Type header");
    expect_error(REQ_HEAD "Call-ID: a b\r\n\r\n", SIP_PARSE_DATAGRAM, 400,
                 "Malformed Call-ID header");
    expect_error(REQ_HEAD "CSeq: 4294967296 OPTIONS\r\n\r\n", SIP_PARSE_DATAGRAM, 400,
                 "Malformed CSeq header");
    expect_error(REQ_HEAD "NoColonHere\r\n\r\n", SIP_PARSE_DATAGRAM, 400, "Malformed header line");
    expect_error(REQ_HEAD " folded start\r\n\r\n", SIP_PARSE_DATAGRAM, 400, NULL);
    expect_error(REQ_HEAD REQ_TAIL, SIP_PARSE_DATAGRAM, 400, NULL);   /* no blank line */
    expect_error("OPTIONS sip:a@example.com?x=y SIP/2.0\r\n\r\n", SIP_PARSE_DATAGRAM, 400, NULL);
    expect_error("OPTIONS  sip:a@example.com SIP/2.0\r\n\r\n", SIP_PARSE_DATAGRAM, 400, NULL);
    expect_error("OPTIONS sip:a@example.com\r\n\r\n", SIP_PARSE_DATAGRAM, 400, NULL);

    /* too many headers */
    for (int i = 0; i < 120; i++)
        g_string_append_printf(big, "X-H%d: %d\r\n", i, i);
    g_string_append(big, "\r\n");
    expect_error(big->str, SIP_PARSE_DATAGRAM, 400, "Too many headers");

    /* a configured lower limit */
    {
        SipParseLimits lim;

        sip_parse_limits_init(&lim);
        lim.max_headers = 5;
        g_assert_cmpint(sip_msg_parse(msg, invite_text, strlen(invite_text), SIP_PARSE_DATAGRAM,
                                      &lim), ==, SIP_PARSE_ERROR_REQUEST);
        g_assert_cmpstr(msg->error_reason, ==, "Too many headers");
        sip_parse_limits_init(&lim);
        lim.max_line_length = 40;
        g_assert_cmpint(sip_msg_parse(msg, invite_text, strlen(invite_text), SIP_PARSE_DATAGRAM,
                                      &lim), ==, SIP_PARSE_ERROR_REQUEST);
        g_assert_cmpstr(msg->error_reason, ==, "Header line too long");
        sip_parse_limits_init(&lim);
        lim.max_message_size = 200;
        g_assert_cmpint(sip_msg_parse(msg, invite_text, strlen(invite_text), SIP_PARSE_DATAGRAM,
                                      &lim), ==, SIP_PARSE_ERROR_REQUEST);
        g_assert_cmpuint(msg->error_code, ==, 513);
        /* the Via before the cut is still there for the 513 */
        check_slice(msg->via.branch, "z9hG4bK776asdhds");
    }

    /* a long line over the default limit */
    g_string_assign(big, REQ_HEAD "X-Long: ");
    for (int i = 0; i < 9000; i++)
        g_string_append_c(big, 'a');
    g_string_append(big, "\r\n\r\n");
    expect_error(big->str, SIP_PARSE_DATAGRAM, 400, "Header line too long");

    /* garbage, keep-alives, empty */
    g_assert_cmpint(parse_str(msg, "\x16\x03\x01 hello"), ==, SIP_PARSE_ERROR_GARBAGE);
    g_assert_cmpint(parse_str(msg, "INVITE\r\n\r\n"), ==, SIP_PARSE_ERROR_GARBAGE);
    g_assert_cmpint(parse_str(msg, "\r\n\r\n"), ==, SIP_PARSE_KEEPALIVE);
    g_assert_cmpint(sip_msg_parse(msg, "", 0, SIP_PARSE_DATAGRAM, NULL), ==,
                    SIP_PARSE_ERROR_GARBAGE);
    /* leading CRLFs before a request are skipped */
    {
        g_autofree char *t = g_strconcat("\r\n\r\n", invite_text, NULL);

        g_assert_cmpint(parse_str(msg, t), ==, SIP_PARSE_OK);
        g_assert_cmpuint(msg->msg_len, ==, strlen(t));
    }
}

static void
test_validate(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *reason = NULL;

    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "\r\n"), ==, SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 0);
    g_assert_null(reason);
    g_assert_cmpint(parse_str(msg, REQ_HEAD "To: <sip:a@example.com>\r\n\r\n"), ==, SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 400);
    g_assert_cmpstr(reason, ==, "Missing From header");
    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "Max-Forwards: 1\r\nMax-Forwards: 2\r\n\r\n"),
                    ==, SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 400);
    g_assert_cmpstr(reason, ==, "Multiple Max-Forwards headers");
    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "Contact: *, <sip:a@b>\r\n\r\n"), ==,
                    SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 400);
    g_assert_cmpstr(reason, ==, "Malformed Contact header");
    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "Contact: <sip:a@b>;;\r\n\r\n"), ==,
                    SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 400);
    g_assert_cmpint(parse_str(msg, "SIP/2.0 200 OK\r\n\r\n"), ==, SIP_PARSE_OK);
    g_assert_cmpuint(sip_msg_validate_request(msg, &reason), ==, 400);
}

/* ---------------------------------------------------------------- framing */

static void
test_datagram_body(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();

    /* no Content-Length on UDP: the body is the rest of the datagram */
    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "\r\nhello"), ==, SIP_PARSE_OK);
    check_slice(msg->body, "hello");
    /* extra bytes after Content-Length are ignored */
    g_assert_cmpint(parse_str(msg, REQ_HEAD REQ_TAIL "l: 2\r\n\r\nhello"), ==, SIP_PARSE_OK);
    check_slice(msg->body, "he");
    /* bare LF line ends are tolerated */
    g_assert_cmpint(parse_str(msg, "OPTIONS sip:a@b.example SIP/2.0\nl: 1\n\nab"), ==,
                    SIP_PARSE_OK);
    check_slice(msg->body, "a");
    /* stream mode: Content-Length frames the body */
    g_assert_cmpint(sip_msg_parse(msg, REQ_HEAD "l: 3\r\n\r\nabcdef", strlen(REQ_HEAD) + 14,
                                  SIP_PARSE_STREAM, NULL), ==, SIP_PARSE_OK);
    check_slice(msg->body, "abc");
}

static void
test_framing(void)
{
    const char *two = REQ_HEAD "Content-Length: 3\r\n\r\nabc" REQ_HEAD "l:0\r\n\r\n";
    gsize first_len = strlen(REQ_HEAD "Content-Length: 3\r\n\r\nabc");
    const char *reason = NULL;
    gsize n = 0;

    g_assert_cmpint(sip_msg_frame(two, strlen(two), NULL, &n, &reason), ==, SIP_FRAME_OK);
    g_assert_cmpuint(n, ==, first_len);
    g_assert_cmpint(sip_msg_frame(two + n, strlen(two) - n, NULL, &n, &reason), ==, SIP_FRAME_OK);
    g_assert_cmpuint(n, ==, strlen(REQ_HEAD "l:0\r\n\r\n"));
    /* every proper prefix needs more */
    for (gsize i = 1; i < first_len; i++)
        g_assert_cmpint(sip_msg_frame(two, i, NULL, &n, &reason), ==, SIP_FRAME_NEED_MORE);
    g_assert_cmpint(sip_msg_frame("\r\n\r\nOPT", 7, NULL, &n, &reason), ==, SIP_FRAME_KEEPALIVE);
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpint(sip_msg_frame(REQ_HEAD "\r\n", strlen(REQ_HEAD) + 2, NULL, &n, &reason), ==,
                    SIP_FRAME_ERROR);
    g_assert_cmpstr(reason, ==, "Missing Content-Length");
    g_assert_cmpint(sip_msg_frame(REQ_HEAD "l: 1\r\nl: 1\r\n\r\nx", strlen(REQ_HEAD) + 17, NULL,
                                  &n, &reason), ==, SIP_FRAME_ERROR);
    g_assert_cmpint(sip_msg_frame(REQ_HEAD "l: -1\r\n\r\n", strlen(REQ_HEAD) + 9, NULL, &n,
                                  &reason), ==, SIP_FRAME_ERROR);
    /* folded Content-Length */
    g_assert_cmpint(sip_msg_frame(REQ_HEAD "Content-Length:\r\n 2\r\n\r\nab",
                                  strlen(REQ_HEAD) + 25, NULL, &n, &reason), ==, SIP_FRAME_OK);
    {
        SipParseLimits lim;
        g_autoptr(GString) s = g_string_new(REQ_HEAD);

        sip_parse_limits_init(&lim);
        lim.max_message_size = 200;
        for (int i = 0; i < 30; i++)
            g_string_append(s, "X-Pad: 0123456789\r\n");
        g_assert_cmpint(sip_msg_frame(s->str, s->len, &lim, &n, &reason), ==, SIP_FRAME_ERROR);
        g_string_assign(s, REQ_HEAD "l: 5000\r\n\r\n");
        g_assert_cmpint(sip_msg_frame(s->str, s->len, &lim, &n, &reason), ==, SIP_FRAME_ERROR);
    }
}

static void
test_reuse(void)
{
    SipMsg *msg = sip_msg_new();

    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(parse_str(msg, invite_text), ==, SIP_PARSE_OK);
        g_assert_cmpint(parse_str(msg, "SIP/2.0 100 Trying\r\nl: 0\r\n\r\n"), ==, SIP_PARSE_OK);
        g_assert_null(msg->via.branch.p);
        g_assert_null(sip_msg_get_header(msg, SIP_HDR_VIA, 0));
        g_assert_cmpint(msg->content_length, ==, 0);
        g_assert_cmpint(msg->max_forwards, ==, -1);
    }
    sip_msg_free(msg);
    sip_msg_free(NULL);
}

/* ---------------------------------------------------------------- values */

static void
test_name_addr(void)
{
    SipNameAddr na;

    g_assert_true(
        sip_parse_name_addr(sip_slice_from_str("\"A \\\"q\\\"\" <sip:a@b.c>;tag=x;foo"), &na));
    check_slice(na.display, "A \\\"q\\\"");
    g_assert_true(na.display_quoted);
    g_assert_true(na.bracketed);
    check_slice(na.uri, "sip:a@b.c");
    check_slice(na.tag, "x");
    check_slice(na.params, "tag=x;foo");
    {
        g_autoptr(GString) s = g_string_new(NULL);

        sip_unquote(na.display, s);
        g_assert_cmpstr(s->str, ==, "A \"q\"");
    }
    g_assert_true(sip_parse_name_addr(sip_slice_from_str("sip:a@b.c;tag=1"), &na));
    g_assert_false(na.bracketed);
    check_slice(na.uri, "sip:a@b.c");
    check_slice(na.tag, "1");
    g_assert_true(sip_parse_name_addr(sip_slice_from_str("Bob  Smith<sip:b@c.d>"), &na));
    check_slice(na.display, "Bob  Smith");
    g_assert_true(sip_parse_name_addr(sip_slice_from_str("<urn:service:sos>"), &na));
    check_slice(na.uri, "urn:service:sos");
    g_assert_true(sip_parse_name_addr(sip_slice_from_str("<sip:a@b> ; tag = \r\n z"), &na));
    check_slice(na.tag, "z");

    g_assert_false(sip_parse_name_addr(sip_slice_from_str("\"unbalanced <sip:a@b>"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("Bell, Alex <sip:a@b>"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("< sip:a@b >"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("<sip:a@b"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("<sip:a@b>;"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("<sip:a@b>;tag=1;tag=2"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("<sip:a@b> junk"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("sip:a@b?x=y"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str("\"x\" sip:a@b"), &na));
    g_assert_false(sip_parse_name_addr(sip_slice_from_str(""), &na));
    g_assert_false(sip_parse_name_addr(SIP_SLICE_NULL, &na));
}

static void
test_via(void)
{
    SipVia via;

    g_assert_true(sip_parse_via(
        sip_slice_from_str(
            "SIP / 2.0 / TLS [::1]:5061 ;branch=z9hG4bKa;maddr=224.0.0.1;ttl=16;received=192.0.2.1;rport=9;x"),
        &via));
    g_assert_cmpint(via.transport, ==, SIP_TRANSPORT_TLS);
    check_slice(via.host, "[::1]");
    g_assert_cmpuint(via.port, ==, 5061);
    check_slice(via.maddr, "224.0.0.1");
    check_slice(via.ttl, "16");
    check_slice(via.received, "192.0.2.1");
    check_slice(via.rport, "9");
    g_assert_true(sip_parse_via(
        sip_slice_from_str("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKx"), &via));
    g_assert_cmpint(via.transport, ==, SIP_TRANSPORT_WSS);
    g_assert_true(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP 10.0.0.1"), &via));
    g_assert_null(via.params.p);

    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0 UDP h"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h:0"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h:99999"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h;rport=x"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h;received=not..ip"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h;branch"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h;branch=a;branch=b"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP [::1;branch=a"), &via));
    g_assert_false(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP 1.2.3.999"), &via));
    /* fuzz find: a received= value just longer than an IPv6 literal */
    g_assert_false(sip_parse_via(sip_slice_from_str(
        "SIP/2.0/UDP h;received=10.0.0nnnnnnnnnnnnnnnnnnnnnnnnnnnnINVITEnnnnnnn0"), &via));
    g_assert_true(sip_parse_via(sip_slice_from_str(
        "SIP/2.0/UDP h;received=ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), &via));
    g_assert_true(sip_parse_via(sip_slice_from_str("SIP/2.0/UDP h;received=[2001:db8::1]"), &via));
    g_assert_cmpuint(via.received.len, ==, 13);
}

static void
test_contact(void)
{
    SipContact c;

    g_assert_true(sip_parse_contact(sip_slice_from_str(
        "<sip:a@10.0.0.1:5060;transport=tcp>;q=0.7;expires=3600;"
        "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1"), &c));
    g_assert_cmpint(c.q, ==, 700);
    g_assert_cmpint(c.expires, ==, 3600);
    g_assert_cmpint(c.reg_id, ==, 1);
    check_slice(c.instance, "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"");
    g_assert_true(sip_parse_contact(sip_slice_from_str(" * "), &c));
    g_assert_true(c.star);
    g_assert_true(sip_parse_contact(sip_slice_from_str("<sip:a@b>;expires=99999999999999"), &c));
    g_assert_cmpint(c.expires, ==, G_MAXUINT32);
    g_assert_true(sip_parse_contact(sip_slice_from_str("<sip:a@b>;q=1"), &c));
    g_assert_cmpint(c.q, ==, 1000);
    g_assert_true(sip_parse_contact(sip_slice_from_str("<sip:a@b>"), &c));
    g_assert_cmpint(c.q, ==, -1);
    g_assert_cmpint(c.expires, ==, -1);
    g_assert_false(sip_parse_contact(sip_slice_from_str("<sip:a@b>;q=1.5"), &c));
    g_assert_false(sip_parse_contact(sip_slice_from_str("<sip:a@b>;q=0.1234"), &c));
    g_assert_false(sip_parse_contact(sip_slice_from_str("<sip:a@b>;expires=soon"), &c));
    g_assert_false(sip_parse_contact(sip_slice_from_str("<sip:a@b>;reg-id=0"), &c));
    g_assert_false(sip_parse_contact(sip_slice_from_str("**"), &c));
}

static void
test_event_replaces(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *text =
        "REFER sip:b@example.com SIP/2.0\r\n" REQ_TAIL
        "Refer-To: <sip:c@example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>\r\n"
        "Event: refer;id=93809824\r\n"
        "Replaces: 425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only\r\n"
        "l: 0\r\n\r\n";
    SipNameAddr na;
    SipUri uri;
    SipSlice esc;
    SipReplaces rp;
    SipEvent ev;
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_cmpint(parse_str(msg, text), ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_name_addr(sip_msg_get_header(msg, SIP_HDR_REFER_TO, 0)->value, &na));
    g_assert_true(sip_uri_parse(na.uri, &uri));
    g_assert_true(sip_uri_get_header(&uri, "replaces", &esc));
    g_assert_true(sip_unescape(esc, s));
    g_assert_cmpstr(s->str, ==, "12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994");
    g_assert_true(sip_parse_replaces(sip_slice_from_str(s->str), &rp));
    check_slice(rp.call_id, "12345@192.168.118.3");
    check_slice(rp.to_tag, "12345");
    check_slice(rp.from_tag, "5FFE-3994");
    g_assert_false(rp.early_only);
    g_assert_true(sip_parse_replaces(sip_msg_get_header(msg, SIP_HDR_REPLACES, 0)->value, &rp));
    g_assert_true(rp.early_only);
    check_slice(rp.to_tag, "7743");
    g_assert_false(sip_parse_replaces(sip_slice_from_str("abc;to-tag=1"), &rp));
    g_assert_true(sip_parse_event(sip_msg_get_header(msg, SIP_HDR_EVENT, 0)->value, &ev));
    check_slice(ev.package, "refer");
    check_slice(ev.id, "93809824");
    g_assert_true(sip_parse_event(sip_slice_from_str("presence.winfo"), &ev));
    g_assert_null(ev.id.p);
    g_assert_false(sip_parse_event(sip_slice_from_str("a b"), &ev));
}

static void
test_params(void)
{
    SipSlice cur = sip_slice_from_str("a=1; b ;c=\"x;y\"; d = [::1]");
    SipParam p;
    guint32 d;
    guint64 v;

    g_assert_cmpint(sip_param_next(&cur, &p), ==, 1);
    check_slice(p.name, "a");
    check_slice(p.value, "1");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, 1);
    check_slice(p.name, "b");
    g_assert_null(p.value.p);
    g_assert_cmpint(sip_param_next(&cur, &p), ==, 1);
    check_slice(p.value, "\"x;y\"");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, 1);
    check_slice(p.value, "[::1]");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, 0);
    cur = sip_slice_from_str("a;");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, 1);
    g_assert_cmpint(sip_param_next(&cur, &p), ==, -1);
    cur = sip_slice_from_str("a=");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, -1);
    cur = sip_slice_from_str("a b");
    g_assert_cmpint(sip_param_next(&cur, &p), ==, -1);
    g_assert_true(sip_parse_delta_seconds(sip_slice_from_str(" 3600 "), &d));
    g_assert_cmpuint(d, ==, 3600);
    g_assert_false(sip_parse_delta_seconds(sip_slice_from_str("-1"), &d));
    g_assert_true(sip_slice_to_uint(sip_slice_from_str("18446744073709551615"), G_MAXUINT64, &v));
    g_assert_false(sip_slice_to_uint(sip_slice_from_str("18446744073709551616"), G_MAXUINT64, &v));
}

static void
test_accept(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    SipMediaType types[4];
    guint n;

    g_assert_cmpint(parse_str(msg, REQ_HEAD "Accept: application/sdp;level=1, text/*\r\n\r\n"),
                    ==, SIP_PARSE_OK);
    g_assert_true(sip_parse_accept_list(msg, types, 4, &n));
    g_assert_cmpuint(n, ==, 2);
    check_slice(types[0].params, "level=1");
    g_assert_true(sip_msg_accepts(msg, "text", "plain", FALSE));
    g_assert_false(sip_msg_accepts(msg, "message", "sipfrag", FALSE));
    g_assert_cmpint(parse_str(msg, REQ_HEAD "\r\n"), ==, SIP_PARSE_OK);
    g_assert_true(sip_msg_accepts(msg, "application", "sdp", FALSE));
    g_assert_false(sip_msg_accepts(msg, "text", "plain", FALSE));
    g_assert_true(sip_msg_accepts(msg, "text", "plain", TRUE));
    g_assert_cmpint(parse_str(msg, REQ_HEAD "Accept:\r\n\r\n"), ==, SIP_PARSE_OK);
    g_assert_false(sip_msg_accepts(msg, "application", "sdp", TRUE));
}

/* ---------------------------------------------------------------- multipart */

static void
test_multipart(void)
{
    g_autoptr(SipMsg) msg = sip_msg_new();
    SipBodyPart parts[4];
    SipSlice boundary, body;
    SipParseResult r;
    int n;
    g_autofree char *data = parse_corpus(msg, "mpart01.dat", &r);

    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    g_assert_true(sip_multipart_boundary(&msg->content_type_parsed, &boundary));
    check_slice(boundary, "7a9cbec02ceef655");
    n = sip_multipart_split(msg->body, boundary, parts, 4);
    g_assert_cmpint(n, ==, 2);
    check_slice(parts[0].content_type, "text/plain");
    check_slice(parts[0].body, "Hello");
    check_slice(parts[1].content_type, "application/octet-stream");
    g_assert_cmpuint(parts[1].body.len, >, 300);
    g_assert_cmpint(sip_multipart_split(msg->body, boundary, parts, 1), ==, -1);
    g_assert_true(sip_msg_find_body(msg, "text", "plain", &body));
    check_slice(body, "Hello");
    g_assert_false(sip_msg_find_body(msg, "application", "sdp", &body));

    {
        const char *text =
            "INVITE sip:a@example.com SIP/2.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"unique boundary\"\r\n\r\n"
            "preamble\r\n--unique boundary\r\nContent-Type: application/isup;version=itu-t92+\r\n\r\n"
            "\x01\x02\r\n--unique boundary\r\nc: application/sdp\r\n\r\nv=0\r\n\r\n"
            "--unique boundary--\r\nepilogue";

        g_assert_cmpint(parse_str(msg, text), ==, SIP_PARSE_OK);
        g_assert_true(sip_msg_find_body(msg, "application", "sdp", &body));
        check_slice(body, "v=0\r\n");
        g_assert_true(sip_msg_find_body(msg, "APPLICATION", "ISUP", &body));
        g_assert_cmpuint(body.len, ==, 2);
    }
    /* no close delimiter / no boundary at all */
    g_assert_cmpint(sip_multipart_split(sip_slice_from_str("--b\r\n\r\nx\r\n--b\r\n\r\ny"),
                                        sip_slice_from_str("b"), parts, 4), ==, -1);
    g_assert_cmpint(sip_multipart_split(sip_slice_from_str("nothing here"),
                                        sip_slice_from_str("b"), parts, 4), ==, -1);
    n = sip_multipart_split(sip_slice_from_str("--b\r\n\r\nx\r\n--b--"), sip_slice_from_str("b"),
                            parts, 4);
    g_assert_cmpint(n, ==, 1);
    check_slice(parts[0].body, "x");
    g_assert_null(parts[0].content_type.p);
}

/* ---------------------------------------------------------------- building */

static void
test_build_response(void)
{
    g_autoptr(SipMsg) req = sip_msg_new();
    g_autoptr(SipMsg) resp = sip_msg_new();
    g_autoptr(GString) out = g_string_new(NULL);
    SipParseResult r;
    SipVia vias[4];
    guint n;
    SipViaFixup fix = { "192.0.2.99", 5099 };
    g_autofree char *data = parse_corpus(req, "wsinv.dat", &r);

    g_assert_cmpint(r, ==, SIP_PARSE_OK);
    sip_msg_build_response(req, 486, NULL, "srv1", out);
    g_assert_true(g_str_has_prefix(out->str, "SIP/2.0 486 Busy Here\r\n"));
    g_assert_cmpint(sip_msg_parse(resp, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    g_assert_cmpuint(resp->status_code, ==, 486);
    check_slice(resp->to.tag, "1918181833n");   /* existing To tag kept */
    check_slice(resp->from.tag, "98asjd8");
    g_assert_true(sip_slice_equal(resp->call_id, req->call_id));
    g_assert_cmpuint(resp->cseq.number, ==, 9);
    g_assert_true(sip_parse_via_list(resp, vias, 4, &n));
    g_assert_cmpuint(n, ==, 3);
    check_slice(vias[0].branch, "390skdjuw");
    g_assert_null(strstr(out->str, "\r\n "));   /* unfolded */

    g_string_truncate(out, 0);
    g_assert_cmpint(parse_str(req, invite_text), ==, SIP_PARSE_OK);
    sip_msg_build_response_full(req, 200, "OK", "totag", &fix, "Allow: INVITE, ACK\r\n",
                                "application/sdp", "v=0\r\n", 5, out);
    g_assert_cmpint(sip_msg_parse(resp, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    check_slice(resp->to.tag, "totag");
    check_slice(resp->via.received, "192.0.2.99");
    check_slice(resp->via.rport, "5099");
    check_slice(resp->via.branch, "z9hG4bK776asdhds");
    check_slice(resp->body, "v=0\r\n");
    g_assert_true(sip_msg_has_token(resp, SIP_HDR_ALLOW, "ACK"));
    check_slice(resp->content_type, "application/sdp");

    /* a 400 to a request that failed to parse still copies what exists */
    g_string_truncate(out, 0);
    g_autofree char *bad = parse_corpus(req, "badinv01.dat", &r);
    g_assert_cmpint(r, ==, SIP_PARSE_ERROR_REQUEST);
    sip_msg_build_response_full(req, req->error_code, req->error_reason, NULL, &fix, NULL, NULL,
                                NULL, 0, out);
    g_assert_true(g_str_has_prefix(out->str, "SIP/2.0 400 Malformed Via header\r\n"));
    g_assert_nonnull(strstr(out->str, "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"));
    g_assert_nonnull(strstr(out->str, "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"));
}

static void
test_build_requests(void)
{
    g_autoptr(SipMsg) inv = sip_msg_new();
    g_autoptr(SipMsg) resp = sip_msg_new();
    g_autoptr(SipMsg) out_msg = sip_msg_new();
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) resp_text = g_string_new(NULL);
    SipMsgBuilder b;
    char small[40];

    g_assert_cmpint(parse_str(inv, invite_text), ==, SIP_PARSE_OK);
    sip_msg_build_cancel(inv, out);
    g_assert_cmpint(sip_msg_parse(out_msg, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    g_assert_cmpint(out_msg->method, ==, SIP_METHOD_CANCEL);
    g_assert_cmpint(out_msg->cseq.method, ==, SIP_METHOD_CANCEL);
    g_assert_cmpuint(out_msg->cseq.number, ==, 314159);
    g_assert_true(sip_slice_equal(out_msg->via.branch, inv->via.branch));
    g_assert_cmpuint(sip_msg_validate_request(out_msg, NULL), ==, 0);
    g_assert_null(sip_msg_get_header(out_msg, SIP_HDR_REASON, 0));

    /* with a Reason (RFC 3326); one with CR/LF is left out */
    g_string_truncate(out, 0);
    sip_msg_build_cancel_with_reason(inv, "SIP;cause=200;text=\"Call completed elsewhere\"",
                                     out);
    g_assert_nonnull(strstr(out->str, "\r\nReason: SIP;cause=200;text=\"Call completed "
                                      "elsewhere\"\r\n"));
    g_assert_cmpint(sip_msg_parse(out_msg, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    g_assert_nonnull(sip_msg_get_header(out_msg, SIP_HDR_REASON, 0));
    g_assert_cmpuint(sip_msg_validate_request(out_msg, NULL), ==, 0);
    g_string_truncate(out, 0);
    sip_msg_build_cancel_with_reason(inv, "SIP;cause=200\r\nX-Evil: 1", out);
    g_assert_null(strstr(out->str, "Reason:"));
    g_assert_null(strstr(out->str, "X-Evil"));

    sip_msg_build_response(inv, 404, NULL, "t404", resp_text);
    g_assert_cmpint(sip_msg_parse(resp, resp_text->str, resp_text->len, SIP_PARSE_STREAM, NULL),
                    ==, SIP_PARSE_OK);
    g_string_truncate(out, 0);
    sip_msg_build_ack(inv, resp, out);
    g_assert_cmpint(sip_msg_parse(out_msg, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    g_assert_cmpint(out_msg->method, ==, SIP_METHOD_ACK);
    check_slice(out_msg->to.tag, "t404");
    g_assert_cmpuint(sip_msg_validate_request(out_msg, NULL), ==, 0);

    /* OPTIONS from scratch */
    g_string_truncate(out, 0);
    sip_builder_init(&b, out);
    sip_builder_request_line(&b, "OPTIONS", sip_slice_from_str("sip:phone@192.0.2.7:5060"));
    sip_builder_header_printf(&b, "Via", "SIP/2.0/UDP %s;branch=z9hG4bK%u;rport", "192.0.2.1", 42u);
    sip_builder_header(&b, "Max-Forwards", "70");
    sip_builder_header(&b, "From", "<sip:pbx@192.0.2.1>;tag=q1");
    sip_builder_header(&b, "To", "<sip:phone@192.0.2.7>");
    sip_builder_header(&b, "Call-ID", "opt1@192.0.2.1");
    sip_builder_header(&b, "CSeq", "1 OPTIONS");
    g_assert_cmpuint(sip_builder_finish(&b, NULL, NULL, 0), ==, out->len);
    g_assert_cmpint(sip_msg_parse(out_msg, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                    SIP_PARSE_OK);
    check_slice(out_msg->via.branch, "z9hG4bK42");
    g_assert_cmpuint(sip_msg_validate_request(out_msg, NULL), ==, 0);

    /* caller buffer: overflow is reported, never written past */
    sip_builder_init_buf(&b, small, sizeof small);
    sip_builder_status_line(&b, 200, NULL);
    sip_builder_header(&b, "Call-ID", "a-rather-long-call-id-value");
    g_assert_cmpuint(sip_builder_finish(&b, NULL, NULL, 0), ==, 0);
    sip_builder_init_buf(&b, small, sizeof small);
    sip_builder_status_line(&b, 200, NULL);
    g_assert_cmpuint(sip_builder_finish(&b, NULL, NULL, 0), ==,
                     strlen("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
    g_assert_cmpstr(sip_status_reason(999), ==, "Unknown");
}

/* Every valid corpus message survives serialize + re-parse. */
static void
test_serialize_roundtrip(void)
{
    static const char *const files[] = {
        "wsinv.dat", "intmeth.dat", "esc01.dat", "escnull.dat", "esc02.dat", "lwsdisp.dat",
        "longreq.dat", "dblreq.dat", "semiuri.dat", "transports.dat", "mpart01.dat",
        "unreason.dat", "noreason.dat", "inv2543.dat", "unksm2.dat",
    };
    g_autoptr(SipMsg) a = sip_msg_new();
    g_autoptr(SipMsg) b = sip_msg_new();

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        SipParseResult r;
        g_autofree char *data = parse_corpus(a, files[i], &r);

        g_assert_cmpint(r, ==, SIP_PARSE_OK);
        sip_msg_serialize(a, out);
        g_assert_cmpint(sip_msg_parse(b, out->str, out->len, SIP_PARSE_STREAM, NULL), ==,
                        SIP_PARSE_OK);
        g_assert_cmpuint(a->n_headers + (a->content_length < 0 ? 1 : 0), ==, b->n_headers);
        g_assert_true(sip_slice_equal(a->body, b->body));
        g_assert_true(sip_slice_equal(a->call_id, b->call_id));
        g_assert_true(sip_slice_equal(a->from.tag, b->from.tag));
        g_assert_cmpuint(a->cseq.number, ==, b->cseq.number);
        g_assert_cmpuint(a->status_code, ==, b->status_code);
    }
}

/* ---------------------------------------------------------------- regressions */

/* Every input that once crashed a fuzzer still parses without harm. */
static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-sip-msg", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(SipMsg) msg = sip_msg_new();
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-sip-msg regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        gsize len, n;
        const char *reason;
        g_autoptr(GString) out = g_string_new(NULL);

        if (!g_file_get_contents(path, &data, &len, NULL))
            continue;
        g_test_message("regression %s", name);
        if (sip_msg_parse(msg, data, len, SIP_PARSE_DATAGRAM, NULL) == SIP_PARSE_OK
            && msg->is_request)
            sip_msg_validate_request(msg, &reason);
        if (msg->is_request)
            sip_msg_build_response(msg, 400, NULL, "x", out);
        sip_msg_frame(data, len, NULL, &n, &reason);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("SIP message parser, header values, framing, multipart and builder");

    g_test_add_func("/sip/parser/rfc4475-corpus", test_rfc4475_corpus);
    g_test_add_func("/sip/parser/rfc4475-semantic", test_rfc4475_semantic);
    g_test_add_func("/sip/parser/basic-request", test_basic_request);
    g_test_add_func("/sip/parser/compact-headers", test_compact_headers);
    g_test_add_func("/sip/parser/header-names", test_header_names);
    g_test_add_func("/sip/parser/folding", test_folding);
    g_test_add_func("/sip/parser/repeated-headers", test_repeated_headers);
    g_test_add_func("/sip/parser/response", test_response);
    g_test_add_func("/sip/parser/errors", test_errors);
    g_test_add_func("/sip/parser/validate", test_validate);
    g_test_add_func("/sip/parser/datagram-body", test_datagram_body);
    g_test_add_func("/sip/parser/framing", test_framing);
    g_test_add_func("/sip/parser/reuse", test_reuse);
    g_test_add_func("/sip/parser/name-addr", test_name_addr);
    g_test_add_func("/sip/parser/via", test_via);
    g_test_add_func("/sip/parser/contact", test_contact);
    g_test_add_func("/sip/parser/event-replaces", test_event_replaces);
    g_test_add_func("/sip/parser/params", test_params);
    g_test_add_func("/sip/parser/accept", test_accept);
    g_test_add_func("/sip/parser/multipart", test_multipart);
    g_test_add_func("/sip/parser/build-response", test_build_response);
    g_test_add_func("/sip/parser/build-requests", test_build_requests);
    g_test_add_func("/sip/parser/serialize-roundtrip", test_serialize_roundtrip);
    g_test_add_func("/sip/parser/fuzz-regressions", test_fuzz_regressions);

    return g_test_run();
}
