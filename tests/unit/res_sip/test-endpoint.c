/* Unit tests: endpoints.conf parsing. */
#include <string.h>

#include "../../../modules/res_sip/endpoint_table.h"

static SipEndpointTable *
parse(const char *text, GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("endpoints.conf", text, -1,
                                                    error);
    return cfg ? sip_endpoint_table_new(cfg, error) : NULL;
}

static void
test_templates_and_defaults(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipEndpointTable) t = parse(
        "[office-phone](!)\n"
        "context = office\n"
        "codecs = ulaw, alaw\n"
        "max_contacts = 3\n"
        "qualify_frequency = 60\n"
        "[1001](office-phone)\n"
        "secret = pw1001\n"
        "callerid = \"Alice Anders\" <1001>\n"
        "mailbox = 1001\n"
        "[1002](office-phone)\n"
        "secret = pw1002\n"
        "nat = yes\n"
        "transports = udp\n"
        "dtmf_mode = INFO\n"
        "moh_class = jazz-2.1_b\n"
        "call_group = 5, 1-3\n"
        "pickup_group = 2,63\n"
        "[lobby]\n"
        "secret = x\n"
        "callerid = 200\n", &error);
    SipEndpoint *e;
    g_autofree char *tr = NULL;

    g_assert_no_error(error);
    g_assert_cmpuint(sip_endpoint_table_list(t)->len, ==, 3);
    e = sip_endpoint_table_lookup(t, "1001");
    g_assert_nonnull(e);
    g_assert_cmpstr(e->secret, ==, "pw1001");
    g_assert_cmpstr(e->context, ==, "office");
    g_assert_cmpstr(e->callerid_name, ==, "Alice Anders");
    g_assert_cmpstr(e->callerid_number, ==, "1001");
    g_assert_cmpstr(e->mailbox, ==, "1001");
    g_assert_cmpuint(e->max_contacts, ==, 3);
    g_assert_cmpuint(e->qualify_frequency, ==, 60);
    g_assert_cmpint(e->nat, ==, SIP_NAT_AUTO);
    g_assert_cmpstr(e->codecs[1], ==, "alaw");
    g_assert_cmpint(e->dtmf_mode, ==, SIP_DTMF_RFC4733);
    g_assert_cmpstr(e->moh_class, ==, "default");
    g_assert_cmpstr(e->call_group, ==, "");             /* none */
    g_assert_cmpstr(e->pickup_group, ==, "");
    e = sip_endpoint_table_lookup(t, "1002");
    g_assert_cmpstr(e->moh_class, ==, "jazz-2.1_b");
    g_assert_cmpstr(e->call_group, ==, "1-3,5");        /* canonical */
    g_assert_cmpstr(e->pickup_group, ==, "2,63");
    g_assert_cmpint(e->nat, ==, SIP_NAT_YES);
    g_assert_cmpint(e->dtmf_mode, ==, SIP_DTMF_INFO);
    g_assert_cmpstr(sip_dtmf_mode_to_string(e->dtmf_mode), ==, "info");
    g_assert_cmpuint(e->transports, ==, SIP_TRANSPORT_MASK_UDP);
    g_assert_null(e->callerid_name);
    g_assert_cmpstr(e->callerid_number, ==, "1002");
    e = sip_endpoint_table_lookup(t, "lobby");
    g_assert_cmpstr(e->context, ==, "default");
    g_assert_cmpstr(e->callerid_number, ==, "200");
    g_assert_cmpuint(e->max_contacts, ==, 1);
    tr = sip_transport_mask_to_string(e->transports);
    g_assert_cmpstr(tr, ==, "udp,tcp");
    g_assert_null(sip_endpoint_table_lookup(t, "office-phone"));
    g_assert_null(sip_endpoint_table_lookup(t, "9999"));
}

static void
test_errors(void)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "[1001]\ncontext = x\n", "endpoints.conf:1: [1001]: endpoint has no secret" },
        { "[1001]\nsecret = a\ncodecs = ulaw,g729\n",
          "endpoints.conf:3: [1001] codecs: unknown codec 'g729'" },
        { "[1001]\nsecret = a\nnat = maybe\n",
          "endpoints.conf:3: [1001] nat: 'maybe' is not no, yes or auto" },
        { "[1001]\nsecret = a\nmax_contacts = 0\n",
          "endpoints.conf:3: [1001] max_contacts: 0 is out of range 1..100" },
        { "[1001]\nsecret = a\ncallerid = \"Bob <12\n",
          "endpoints.conf:3: [1001] callerid: '\"Bob <12' is not" },
        { "[1001]\nsecret = a\ntransports = udp,carrier-pigeon\n",
          "endpoints.conf:3: [1001] transports: unknown transport 'carrier-pigeon'" },
        { "[1001]\nsecret = a\nmedia_encryption = rot13\n",
          "endpoints.conf:3: [1001] media_encryption: 'rot13' is not no, sdes or dtls" },
        { "[1001]\nsecret = a\ndtmf_mode = pulse\n",
          "endpoints.conf:3: [1001] dtmf_mode: 'pulse' is not rfc4733, info, inband or auto" },
        { "[1001]\nsecret = a\nmoh_class = my class\n",
          "endpoints.conf:3: [1001] moh_class: 'my class' is not a class name" },
        { "[1001]\nsecret = a\nmoh_class =\n",
          "endpoints.conf:3: [1001] moh_class: '' is not a class name" },
        { "[1001]\nsecret = a\ncall_group = 64\n",
          "endpoints.conf:3: [1001] call_group: '64' is not a list of groups 0-63" },
        { "[1001]\nsecret = a\npickup_group = 1 2\n",
          "endpoints.conf:3: [1001] pickup_group: '1 2' is not a list of groups 0-63" },
        { "[1001]\nsecret = a\ncolour = blue\n",
          "endpoints.conf:3: [1001] colour: unknown option" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SipEndpointTable) t = parse(cases[i].text, &error);
        g_assert_null(t);
        g_assert_nonnull(error);
        if (!g_str_has_prefix(error->message, cases[i].message))
            g_error("case %u: '%s' lacks '%s'", i, error->message, cases[i].message);
    }
}

/* type = anonymous: kept apart from the users (no lookup, not listed),
 * no secret, extensions required; at most one. */
static void
test_anonymous(void)
{
    static const struct {
        const char *text;
        const char *message;
    } bad[] = {
        { "[anonymous]\ntype = anonymous\ncontext = public\n",
          "endpoints.conf:1: [anonymous] extensions: the anonymous endpoint needs" },
        { "[anonymous]\ntype = anonymous\nextensions = 800\nsecret = x\n",
          "endpoints.conf:4: [anonymous] secret: the anonymous endpoint never" },
        { "[1001]\nsecret = a\nextensions = 800\n",
          "endpoints.conf:3: [1001] extensions: only a type = anonymous section" },
        { "[a]\ntype = anonymous\nextensions = 1\n[b]\ntype = anonymous\nextensions = 2\n",
          "endpoints.conf:5: [b] type: a second anonymous endpoint (the first is [a])" },
        { "[1001]\nsecret = a\ntype = guest\n",
          "endpoints.conf:3: [1001] type: 'guest' is not endpoint, anonymous or trunk" },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(SipEndpointTable) t = parse(
        "[1001]\nsecret = a\n"
        "[anonymous]\ntype = anonymous\ncontext = public\nextensions = 800, reception\n"
        "transports = udp\n", &error);
    SipEndpoint *e;

    g_assert_no_error(error);
    g_assert_cmpuint(sip_endpoint_table_list(t)->len, ==, 1);
    g_assert_null(sip_endpoint_table_lookup(t, "anonymous"));
    e = sip_endpoint_table_anonymous(t);
    g_assert_nonnull(e);
    g_assert_null(e->secret);
    g_assert_cmpstr(e->context, ==, "public");
    g_assert_cmpstr(e->anonymous_extensions[1], ==, "reception");
    g_assert_null(e->anonymous_extensions[2]);
    g_assert_cmpuint(e->transports, ==, SIP_TRANSPORT_MASK_UDP);
    g_assert_null(sip_endpoint_table_lookup(t, "1001")->anonymous_extensions);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SipEndpointTable) none = parse(bad[i].text, &err);
        g_assert_null(none);
        g_assert_nonnull(err);
        if (!g_str_has_prefix(err->message, bad[i].message))
            g_error("case %u: '%s' lacks '%s'", i, err->message, bad[i].message);
    }
}

static void
test_endpoint_outlives_table(void)
{
    g_autoptr(GError) error = NULL;
    SipEndpointTable *t = parse("[1001]\nsecret = s\n", &error);
    SipEndpoint *e = sip_endpoint_ref(sip_endpoint_table_lookup(t, "1001"));

    sip_endpoint_table_unref(t);
    g_assert_cmpstr(e->secret, ==, "s");
    sip_endpoint_unref(e);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("endpoints.conf parsing");
    g_test_add_func("/sip/endpoint/templates-and-defaults", test_templates_and_defaults);
    g_test_add_func("/sip/endpoint/errors", test_errors);
    g_test_add_func("/sip/endpoint/anonymous", test_anonymous);
    g_test_add_func("/sip/endpoint/outlives-table", test_endpoint_outlives_table);
    return g_test_run();
}
