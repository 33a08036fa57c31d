/* Carillon - unit tests of SIP/SIPS/tel/absolute URI parsing and RFC 3261
 * 19.1.4 comparison (modules/res_sip/sip_msg.h). */
#include <string.h>

#include <carillon/sip/msg.h>

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static void
check_slice(SipSlice s, const char *expected)
{
    g_autofree char *copy = s.p ? g_strndup(s.p, s.len) : NULL;

    g_assert_cmpstr(copy, ==, expected);
}

static gboolean
parse(const char *text, SipUri *uri)
{
    return sip_uri_parse(sip_slice_from_str(text), uri);
}

static void
test_sip_uri(void)
{
    SipUri u;
    SipSlice v;

    g_assert_true(parse("sip:alice@atlanta.com", &u));
    g_assert_cmpint(u.scheme, ==, SIP_URI_SCHEME_SIP);
    check_slice(u.user, "alice");
    g_assert_null(u.password.p);
    check_slice(u.host, "atlanta.com");
    g_assert_cmpint(u.host_type, ==, SIP_HOST_NAME);
    g_assert_false(u.has_port);
    g_assert_null(u.params.p);
    g_assert_null(u.headers.p);

    g_assert_true(parse("sips:bob:secret@[2001:db8::1]:5061;transport=tls;lr;maddr=239.1.1.1;"
                        "ttl=15;user=phone;method=INVITE;x-y?subject=project&priority=urgent", &u));
    g_assert_cmpint(u.scheme, ==, SIP_URI_SCHEME_SIPS);
    check_slice(u.user, "bob");
    check_slice(u.password, "secret");
    check_slice(u.host, "[2001:db8::1]");
    g_assert_cmpint(u.host_type, ==, SIP_HOST_IPV6);
    g_assert_true(u.has_port);
    g_assert_cmpuint(u.port, ==, 5061);
    check_slice(u.transport, "tls");
    g_assert_true(u.lr);
    check_slice(u.maddr, "239.1.1.1");
    check_slice(u.ttl, "15");
    check_slice(u.user_param, "phone");
    check_slice(u.method, "INVITE");
    check_slice(u.headers, "subject=project&priority=urgent");
    g_assert_true(sip_uri_get_param(&u, "X-Y", &v));
    g_assert_null(v.p);
    g_assert_true(sip_uri_get_param(&u, "transport", &v));
    check_slice(v, "tls");
    g_assert_false(sip_uri_get_param(&u, "nope", &v));
    g_assert_true(sip_uri_get_header(&u, "Priority", &v));
    check_slice(v, "urgent");

    g_assert_true(parse("sip:192.0.2.4", &u));
    g_assert_cmpint(u.host_type, ==, SIP_HOST_IPV4);
    g_assert_null(u.user.p);
    g_assert_true(parse("SIP:host.example.com.:0", &u));
    g_assert_true(u.has_port);
    g_assert_cmpuint(u.port, ==, 0);
    g_assert_true(parse("sip:+1-212-555-1212:1234@gateway.com;user=phone", &u));
    check_slice(u.user, "+1-212-555-1212");
    check_slice(u.password, "1234");
    g_assert_true(parse("sip:alice;day=tuesday@atlanta.com", &u));
    check_slice(u.user, "alice;day=tuesday");
    g_assert_true(parse("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", &u));
    check_slice(u.headers, "to=alice%40atlanta.com");
    /* RFC 4475 intmeth.dat Request-URI */
    g_assert_true(parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$"
                        "wo~d_too.(doesn't-it)@example.com", &u));
    check_slice(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    check_slice(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    /* semiuri.dat */
    g_assert_true(parse("sip:user;par=u%40example.net@example.com", &u));
    check_slice(u.user, "user;par=u%40example.net");
}

static void
test_escapes(void)
{
    g_autoptr(GString) s = g_string_new(NULL);
    SipUri u;

    g_assert_true(parse("sip:null-%00-null@example.com", &u));
    g_assert_true(sip_unescape(u.user, s));
    g_assert_cmpuint(s->len, ==, 11);
    g_assert_cmpint(s->str[5], ==, '\0');
    g_assert_cmpmem(s->str, 11, "null-\0-null", 11);
    g_assert_true(parse("sip:sips%3Auser%40example.com@example.net", &u));
    g_string_truncate(s, 0);
    g_assert_true(sip_unescape(u.user, s));
    g_assert_cmpstr(s->str, ==, "sips:user@example.com");
    g_assert_true(parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", &u));
    check_slice(u.params, "%6C%72;n%61me=v%61lue%25%34%31");
    g_assert_false(u.lr);   /* escaped names are not decoded for well-known params */
    g_assert_false(sip_unescape(sip_slice_from_str("%4"), s));
    g_assert_false(sip_unescape(sip_slice_from_str("%zz"), s));

    g_assert_false(parse("sip:%zzuser@example.com", &u));
    g_assert_false(parse("sip:user%4@example.com", &u));
    g_assert_false(parse("sip:a@b;x=%g0", &u));
}

static void
test_tel_and_other(void)
{
    SipUri u;

    g_assert_true(parse("tel:+1-201-555-0123", &u));
    g_assert_cmpint(u.scheme, ==, SIP_URI_SCHEME_TEL);
    check_slice(u.user, "+1-201-555-0123");
    g_assert_true(parse("tel:7042;phone-context=example.com", &u));
    check_slice(u.params, "phone-context=example.com");
    g_assert_true(parse("TEL:*67#", &u));
    g_assert_false(parse("tel:", &u));
    g_assert_false(parse("tel:+1 555", &u));

    g_assert_true(parse("urn:service:sos", &u));
    g_assert_cmpint(u.scheme, ==, SIP_URI_SCHEME_OTHER);
    check_slice(u.scheme_name, "urn");
    check_slice(u.opaque, "service:sos");
    g_assert_true(parse("http://www.example.com/a?b=c", &u));
    g_assert_true(parse("soap.beep://192.0.2.103:3002", &u));
    g_assert_true(parse("nobodyKnowsThisScheme:totallyopaquecontent", &u));
    g_assert_true(parse("isbn:2983792873", &u));
    g_assert_true(parse("http://[2001:db8::1]:80/", &u));
    g_assert_false(parse("foo:", &u));
    g_assert_false(parse("foo:a b", &u));
    g_assert_false(parse("foo:<x>", &u));
    g_assert_false(parse("9foo:x", &u));
}

static void
test_invalid(void)
{
    static const char *const bad[] = {
        "", "sip", "sip:", "<sip:user@example.com>", "sip:user@example.com>", "sip:@example.com",
        "sip:user@", "sip:user@example.com; lr", "sip:user@example.com;", "sip:user@example.com;;x",
        "sip:user@example.com;=x", "sip:user@example.com;x=", "sip:user@example.com?",
        "sip:user@example.com?a", "sip:user@example.com?=b", "sip:user@example.com:",
        "sip:user@example.com:65536", "sip:user@example.com:5x", "sip:a@b@c", "sip:a b@c",
        "sip:user@[::1", "sip:user@[zz::1]", "sip:user@::1", "sip:user@1.2.3", "sip:user@1.2.3.256",
        "sip:user@-host.com", "sip:user@host-.com", "sip:user@ho_st.com", "sip:user@a..b",
        "sip:user:pa:ss@host", "sip:user@host;lr>", "sip:user@host\r\n",
    };
    SipUri u;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("%s", bad[i]);
        g_assert_false(parse(bad[i], &u));
        g_assert_cmpint(u.scheme, ==, SIP_URI_SCHEME_NONE);
    }
    g_assert_false(sip_uri_parse(SIP_SLICE_NULL, &u));
}

static gboolean
equal(const char *a, const char *b)
{
    SipUri ua, ub;

    g_assert_true(parse(a, &ua));
    g_assert_true(parse(b, &ub));
    g_assert_cmpint(sip_uri_equal(&ua, &ub), ==, sip_uri_equal(&ub, &ua));
    return sip_uri_equal(&ua, &ub);
}

/* The examples of RFC 3261 19.1.4. */
static void
test_equal(void)
{
    g_assert_true(
        equal("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
    g_assert_true(equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
    g_assert_true(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
    g_assert_true(equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
    g_assert_true(equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
    g_assert_true(equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                        "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));

    g_assert_false(
        equal("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
    g_assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
    g_assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
    g_assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
    g_assert_false(equal("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
    g_assert_false(equal("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    g_assert_false(
        equal("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));

    g_assert_false(equal("sip:a@b", "sips:a@b"));
    g_assert_false(equal("sip:a:x@b", "sip:a@b"));
    g_assert_false(equal("sip:a@b;user=phone", "sip:a@b"));
    g_assert_false(equal("sip:a%3bb@h", "sip:a;b@h"));   /* escaped reserved char differs */
    g_assert_true(equal("sip:a@b;maddr=1.2.3.4", "sip:a@b;MADDR=1.2.3.4"));
    g_assert_true(equal("tel:+1-201-555-0123", "tel:+1.201.555.0123"));
    g_assert_false(equal("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
    g_assert_false(equal("tel:7042;phone-context=a.com", "tel:7042"));
    g_assert_true(equal("urn:service:sos", "URN:service:sos"));
    g_assert_false(equal("urn:service:sos", "urn:service:SOS"));
    g_assert_false(equal("urn:service:sos", "sip:sos@example.com"));
}

static void
test_append(void)
{
    static const char *const uris[] = {
        "sip:alice@atlanta.com", "sips:bob:pw@[::1]:5061;lr;transport=tls?a=b&c=d",
        "tel:+1-201-555-0123;phone-context=x", "urn:service:sos", "sip:192.0.2.1:5060",
    };

    for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        SipUri u;

        g_assert_true(parse(uris[i], &u));
        sip_uri_append(&u, out);
        g_assert_cmpstr(out->str, ==, uris[i]);
    }
}

static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-uri", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-uri regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        gsize len;
        SipUri u, copy;
        SipNameAddr na;

        if (!g_file_get_contents(path, &data, &len, NULL))
            continue;
        g_test_message("regression %s", name);
        if (sip_uri_parse((SipSlice) { data, (guint32) len }, &u)) {
            g_autoptr(GString) out = g_string_new(NULL);

            g_assert_true(sip_uri_equal(&u, &u));
            sip_uri_append(&u, out);
            g_assert_true(sip_uri_parse((SipSlice) { out->str, (guint32) out->len }, &copy));
            g_assert_true(sip_uri_equal(&u, &copy));
        }
        sip_parse_name_addr((SipSlice) { data, (guint32) len }, &na);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("SIP, SIPS, tel and absolute URIs: parsing and comparison");

    g_test_add_func("/sip/uri/sip", test_sip_uri);
    g_test_add_func("/sip/uri/escapes", test_escapes);
    g_test_add_func("/sip/uri/tel-and-other", test_tel_and_other);
    g_test_add_func("/sip/uri/invalid", test_invalid);
    g_test_add_func("/sip/uri/equal", test_equal);
    g_test_add_func("/sip/uri/append", test_append);
    g_test_add_func("/sip/uri/fuzz-regressions", test_fuzz_regressions);

    return g_test_run();
}
