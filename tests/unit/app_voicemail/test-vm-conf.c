/* Carillon - unit tests of app_voicemail's voicemail.conf reader and
 * message envelopes: Asterisk's forms, and bad lines reported with
 * file:line while the rest loads. */
#include "../../../modules/app_voicemail/vm_conf.h"
#include "../../../modules/app_voicemail/vm_spool.h"

static VmConf *
parse(const char *text, GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("voicemail.conf", text, -1, &error);

    g_assert_no_error(error);
    return vm_conf_parse(cfg, problems);
}

static void
test_asterisk_form(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
    g_autoptr(VmConf) conf = parse(
        "[general]\nmaxmsg = 50\nmaxsecs = 120\nattach = no\n"
        "emailsubject = New VM ${VM_MSGNUM} for ${VM_NAME}\nmailcmd = /bin/cat\n"
        "operator = 1003\n"
        "[office]\n"
        "1001 => 1234,Alice Anders,alice@example.com,,attach=yes|delete=no\n"
        "1002 => -4321,Bob Brown\n"
        "1003 => 9999,Carol,carol@example.com,pager@example.com,maxmsg=5|maxsecs=30\n"
        "[other]\n1001 => 1111\n", problems);
    const VmBox *a = vm_conf_find(conf, "1001");
    const VmBox *b = vm_conf_find(conf, "1002@office");
    const VmBox *c = vm_conf_find(conf, "1003");
    const VmBox *o = vm_conf_find(conf, "1001@other");

    g_assert_cmpuint(problems->len, ==, 0);
    g_assert_cmpuint(conf->boxes->len, ==, 4);
    g_assert_cmpuint(conf->general.maxmsg, ==, 50);
    g_assert_cmpuint(conf->general.maxsecs, ==, 120);
    g_assert_cmpuint(conf->general.minsecs, ==, 1);
    g_assert_false(conf->general.attach);
    g_assert_cmpstr(conf->general.mailcmd, ==, "/bin/cat");
    g_assert_cmpstr(conf->general.operator_exten, ==, "1003");
    g_assert_cmpstr(a->id, ==, "1001@office");
    g_assert_cmpstr(a->pin, ==, "1234");
    g_assert_cmpstr(a->fullname, ==, "Alice Anders");
    g_assert_cmpstr(a->email, ==, "alice@example.com");
    g_assert_cmpstr(a->pager, ==, "");
    g_assert_true(a->attach);
    g_assert_false(a->delete_after);
    g_assert_cmpstr(b->pin, ==, "4321");
    g_assert_true(b->pin_fixed);
    g_assert_false(b->attach);        /* [general]'s */
    g_assert_cmpstr(b->email, ==, "");
    g_assert_cmpuint(vm_box_maxmsg(conf, c), ==, 5);
    g_assert_cmpuint(vm_box_maxsecs(conf, c), ==, 30);
    g_assert_cmpuint(vm_box_maxmsg(conf, a), ==, 50);
    g_assert_cmpstr(c->pager, ==, "pager@example.com");
    g_assert_cmpstr(o->pin, ==, "1111");
    g_assert_cmpuint(a->line, ==, 9);
    g_assert_null(vm_conf_find(conf, "1004"));
}

static gboolean
has_problem(GPtrArray *problems, const char *text)
{
    for (guint i = 0; i < problems->len; i++)
        if (strstr(((GError *) g_ptr_array_index(problems, i))->message, text))
            return TRUE;
    return FALSE;
}

static void
test_bad_lines(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
    g_autoptr(VmConf) conf = parse(
        "[general]\nmaxmsg = lots\nbogus = 1\nmaxsecs = 60\n"
        "[office]\n"
        "1001 => 12a4,Alice\n"
        "1002 => 2222,Bob,not-an-email\n"
        "1003 => 3333,Carol,,,attach=maybe\n"
        "1004 => 4444,Dan,,,colour=blue\n"
        "1005 => ,Eve\n"
        "10/6 => 6666\n"
        "1007 => 7777,Grace\n", problems);

    g_assert_cmpuint(conf->boxes->len, ==, 1);
    g_assert_nonnull(vm_conf_find(conf, "1007"));
    g_assert_cmpuint(conf->general.maxmsg, ==, 100);  /* the bad value keeps the default */
    g_assert_cmpuint(conf->general.maxsecs, ==, 60);
    g_assert_cmpuint(problems->len, ==, 8);
    g_assert_true(has_problem(problems, "voicemail.conf:2:"));
    g_assert_true(has_problem(problems, "voicemail.conf:3:"));
    g_assert_true(has_problem(problems, "voicemail.conf:6:"));
    g_assert_true(has_problem(problems, "not digits"));
    g_assert_true(has_problem(problems, "voicemail.conf:7:"));
    g_assert_true(has_problem(problems, "not an email address"));
    g_assert_true(has_problem(problems, "voicemail.conf:8:"));
    g_assert_true(has_problem(problems, "voicemail.conf:9:"));
    g_assert_true(has_problem(problems, "colour is not supported"));
    g_assert_true(has_problem(problems, "voicemail.conf:10:"));
    g_assert_true(has_problem(problems, "voicemail.conf:11:"));
}

static void
test_repeated_box(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
    g_autoptr(VmConf) conf = parse("[general]\n[office]\n1001 => 1\n1001 => 2\n", problems);

    g_assert_cmpuint(problems->len, ==, 1);
    g_assert_true(has_problem(problems, "repeated"));
    g_assert_cmpstr(vm_conf_find(conf, "1001")->pin, ==, "2");
}

static void
test_envelope_round_trip(void)
{
    g_auto(VmEnvelope) env = { 0 };
    g_auto(VmEnvelope) back = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    env.origmailbox = g_strdup("1001");
    env.context = g_strdup("office");
    env.exten = g_strdup("1001");
    env.callerchan = g_strdup("SIP/1002-0001");
    env.callerid = g_strdup("\"Bob; the\nbuilder\" <1002>");
    env.origtime = 1700000000;
    env.duration = 7;
    env.msg_id = g_strdup("1700000000-abcd");
    env.flag = g_strdup("");
    text = vm_envelope_format(&env);
    g_assert_nonnull(strstr(text, "[message]\norigmailbox=1001\n"));
    g_assert_nonnull(strstr(text, "origtime=1700000000\n"));
    g_assert_nonnull(strstr(text, "duration=7\n"));
    g_assert_true(vm_envelope_parse("msg0000.txt", text, -1, &back, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(back.callerid, ==, "\"Bob  the builder\" <1002>");
    g_assert_cmpstr(back.callerchan, ==, "SIP/1002-0001");
    g_assert_cmpint(back.origtime, ==, 1700000000);
    g_assert_cmpuint(back.duration, ==, 7);
    g_assert_cmpstr(back.msg_id, ==, "1700000000-abcd");
}

static void
test_envelope_bad(void)
{
    g_auto(VmEnvelope) env = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_false(vm_envelope_parse("msg0001.txt", "[other]\nx=1\n", -1, &env, &error));
    g_assert_nonnull(strstr(error->message, "no [message]"));
    g_clear_error(&error);
    g_assert_false(vm_envelope_parse("msg0001.txt", "[message]\nduration=-4\n", -1, &env,
                                     &error));
    g_assert_nonnull(strstr(error->message, "msg0001.txt:2:"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_voicemail: voicemail.conf in Asterisk's form, envelopes");
    g_test_add_func("/voicemail/conf/asterisk-form", test_asterisk_form);
    g_test_add_func("/voicemail/conf/bad-lines", test_bad_lines);
    g_test_add_func("/voicemail/conf/repeated-box", test_repeated_box);
    g_test_add_func("/voicemail/envelope/round-trip", test_envelope_round_trip);
    g_test_add_func("/voicemail/envelope/bad", test_envelope_bad);
    return g_test_run();
}
