/* Carillon - unit tests of res_sip_blf: channel events to the calls of
 * an endpoint, and the dialog-info (RFC 4235) and PIDF (RFC 3863/4480)
 * bodies made of them, with fake res_sip / pubsub / registrar APIs. */
#include <string.h>

#include "../../../modules/res_sip_blf/blf.h"

static SipEndpoint ep_1002 = { .name = (char *) "1002" };
static guint changes;
static guint registered;

static SipEndpoint *
fake_lookup(const char *name)
{
    return strcmp(name, "1002") == 0 ? &ep_1002 : NULL;
}

static void
fake_changed(const char *package, const char *resource)
{
    changes++;
}

static guint
fake_count(const SipSubscription *sub)
{
    return 7;
}

static const char *
fake_entity(const SipSubscription *sub)
{
    return "sip:1002@pbx.example.com";
}

static guint
fake_registered(const char *aor)
{
    return registered;
}

static const SipApi sip = { .endpoint_lookup = fake_lookup };
static const SipPubsubApi pubsub = {
    .resource_changed = fake_changed, .get_notify_count = fake_count,
    .get_entity = fake_entity,
};
static const RegistrarApi registrar = { .count = fake_registered };

static void
channel_event(const char *type, const char *id, const char *name, const char *state,
              const char *direction)
{
    g_autoptr(PbxEvent) ev = pbx_event_new(type);

    pbx_event_set(ev, "id", id);
    pbx_event_set(ev, "name", name);
    pbx_event_set(ev, "state", state);
    pbx_event_set(ev, "direction", direction);
    pbx_event_set(ev, "caller", "1001");
    pbx_event_set(ev, "callee", "1002");
    devstate_on_channel(ev, NULL);
}

static char *
dialog_body(void)
{
    return blf_dialog_package.body(NULL, "1002", NULL);
}

static void
setup(void)
{
    blf.sip = &sip;
    blf.pubsub = &pubsub;
    blf.registrar = &registrar;
    devstate_init();
    changes = 0;
}

static void
test_call_states(void)
{
    g_autofree char *idle = NULL, *early = NULL, *up = NULL, *over = NULL;

    setup();
    idle = dialog_body();
    g_assert_nonnull(strstr(idle, "<state>terminated</state>"));
    g_assert_nonnull(strstr(idle, "version=\"7\" state=\"full\""));
    g_assert_nonnull(strstr(idle, "entity=\"sip:1002@pbx.example.com\""));
    channel_event("channel/new", "c1", "SIP/1002-00000001", "DOWN", "outbound");
    channel_event("channel/state", "c1", "SIP/1002-00000001", "RINGING", "outbound");
    early = dialog_body();
    g_assert_nonnull(strstr(early, "<dialog id=\"c1\" direction=\"recipient\">"));
    g_assert_nonnull(strstr(early, "<state>early</state>"));
    g_assert_nonnull(strstr(early, "<identity>1001</identity>"));
    channel_event("channel/state", "c1", "SIP/1002-00000001", "UP", "outbound");
    channel_event("channel/state", "c1", "SIP/1002-00000001", "UP", "outbound");   /* no change */
    up = dialog_body();
    g_assert_nonnull(strstr(up, "<state>confirmed</state>"));
    g_assert_cmpuint(changes, ==, 3 * 2);      /* new, ringing, up; two packages each */
    channel_event("channel/hangup", "c1", "SIP/1002-00000001", "HANGUP", "outbound");
    over = dialog_body();
    g_assert_nonnull(strstr(over, "<state>terminated</state>"));
    g_assert_null(strstr(over, "c1"));
    g_assert_null(devstate_calls("1002"));
    devstate_shutdown();
}

/* Channels of unknown endpoints, of other techs and with odd names are
 * nobody's calls. */
static void
test_foreign_channels(void)
{
    setup();
    channel_event("channel/new", "c2", "SIP/9999-00000002", "RING", "inbound");
    channel_event("channel/new", "c3", "IAX/1002-00000003", "RING", "inbound");
    channel_event("channel/new", "c4", "SIP/-00000004", "RING", "inbound");
    channel_event("channel/new", "c5", "SIP/1002", "RING", "inbound");
    channel_event("channel/hangup", "c6", "SIP/1002-00000006", "HANGUP", "inbound");
    g_assert_null(devstate_calls("1002"));
    g_assert_cmpuint(changes, ==, 0);
    channel_event("channel/new", "c7", "SIP/1002-00000007", "RING", "inbound");
    g_assert_cmpuint(devstate_calls("1002")->len, ==, 1);
    g_assert_true(((BlfCall *) devstate_calls("1002")->pdata[0])->initiator);
    devstate_shutdown();
}

static void
test_presence(void)
{
    g_autofree char *offline = NULL, *available = NULL, *busy = NULL;

    setup();
    registered = 0;
    offline = blf_presence_package.body(NULL, "1002", NULL);
    g_assert_nonnull(strstr(offline, "<basic>closed</basic>"));
    registered = 1;
    available = blf_presence_package.body(NULL, "1002", NULL);
    g_assert_nonnull(strstr(available, "<basic>open</basic>"));
    g_assert_null(strstr(available, "on-the-phone"));
    channel_event("channel/new", "c8", "SIP/1002-00000008", "RING", "inbound");
    busy = blf_presence_package.body(NULL, "1002", NULL);
    g_assert_nonnull(strstr(busy, "<rpid:on-the-phone/>"));
    devstate_shutdown();
}

static void
test_escape(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    blf_xml_escape(out, "<a href=\"x\">&'</a>");
    g_assert_cmpstr(out->str, ==, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sip_blf: endpoint calls from channel events, dialog-info and PIDF");
    g_test_add_func("/blf/call-states", test_call_states);
    g_test_add_func("/blf/foreign-channels", test_foreign_channels);
    g_test_add_func("/blf/presence", test_presence);
    g_test_add_func("/blf/escape", test_escape);
    return g_test_run();
}
