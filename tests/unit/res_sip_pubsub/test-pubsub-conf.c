/* Carillon - unit tests of res_sip_pubsub's subscription lengths:
 * pubsub.conf [general], a package's own values and a [<package>]
 * section, in that order of strength; hostile files refused. */
#include <string.h>

#include "../../../modules/res_sip_pubsub/pubsub_private.h"

static char *
no_body(SipSubscription *sub, const char *resource, gpointer data)
{
    return NULL;
}

static const SipEventPackage plain = {
    .name = "dialog", .content_type = "application/dialog-info+xml", .body = no_body,
};
static const SipEventPackage own = {
    .name = "presence", .content_type = "application/pidf+xml", .body = no_body,
    .default_expires = 600,
};

static void
use_conf(const char *text)
{
    g_clear_pointer(&pubsub.conf, pbx_config_unref);
    pubsub.conf = pbx_config_load_data("pubsub.conf", text, -1, NULL);
    g_assert_nonnull(pubsub.conf);
}

static void
test_defaults(void)
{
    Package p = { .pkg = &plain }, q = { .pkg = &own };
    guint min = 0;

    use_conf("");
    g_assert_cmpuint(package_expires(&p, 0, FALSE, &min), ==, 3600);
    g_assert_cmpuint(min, ==, 60);
    g_assert_cmpuint(package_expires(&p, 99999, TRUE, &min), ==, 7200);   /* cut */
    g_assert_cmpuint(package_expires(&p, 0, TRUE, &min), ==, 0);          /* fetch */
    g_assert_cmpuint(package_expires(&p, 30, TRUE, &min), ==, 30);        /* caller: 423 */
    g_assert_cmpuint(package_expires(&q, 0, FALSE, &min), ==, 600);       /* its own */
}

static void
test_layers(void)
{
    Package p = { .pkg = &plain }, q = { .pkg = &own };
    guint min = 0;

    use_conf("[general]\ndefault_expires = 1800\nmin_expires = 10\nmax_expires = 3600\n"
             "[presence]\ndefault_expires = 120\n[dialog]\nmax_expires = 900\n");
    g_assert_cmpuint(package_expires(&p, 0, FALSE, &min), ==, 900);   /* dflt cut to max */
    g_assert_cmpuint(min, ==, 10);
    g_assert_cmpuint(package_expires(&q, 0, FALSE, &min), ==, 120);   /* section wins */
    g_assert_cmpuint(package_expires(&q, 5000, TRUE, &min), ==, 3600);
}

static void
test_hostile(void)
{
    static const char *const bad[] = {
        "[general]\nmin_expires = 100\nmax_expires = 50\n",
        "[general]\nmin_expires = lots\n",
        "[general]\nmax_expires = -1\n",
        "[general]\nsurprise = 1\n",
        "[dialog]\nmin_expires = 99999999999999999999\n",
        "[dialog]\ndefault_expires = 900\nmax_expires = 60\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(PbxConfig) cfg = pbx_config_load_data("pubsub.conf", bad[i], -1, NULL);
        g_autoptr(GError) error = NULL;
        if (!cfg)
            continue;               /* the INI reader refused it already */
        g_clear_pointer(&pubsub.conf, pbx_config_unref);
        pubsub.conf = pbx_config_ref(cfg);
        g_assert_false(conf_check(cfg, &error));
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error->message, "pubsub.conf:"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_sip_pubsub: subscription lengths from pubsub.conf");
    g_test_add_func("/pubsub/conf/defaults", test_defaults);
    g_test_add_func("/pubsub/conf/layers", test_layers);
    g_test_add_func("/pubsub/conf/hostile", test_hostile);
    return g_test_run();
}
