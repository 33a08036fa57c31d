/* Carillon - unit tests of app_voicemail's PIN check and lockout. */
#include "../../../modules/app_voicemail/vm_login.h"

static void
test_lockout_after_maxlogins(void)
{
    g_autoptr(VmLogins) l = vm_logins_new();

    g_assert_cmpint(vm_logins_check(l, "1001@office", FALSE, 100, 3, 300), ==, VM_LOGIN_WRONG);
    g_assert_cmpint(vm_logins_check(l, "1001@office", FALSE, 101, 3, 300), ==, VM_LOGIN_WRONG);
    g_assert_cmpint(vm_logins_check(l, "1001@office", FALSE, 102, 3, 300), ==, VM_LOGIN_LOCKED);
    /* locked: the right PIN is refused too, another box is not affected */
    g_assert_cmpint(vm_logins_check(l, "1001@office", TRUE, 103, 3, 300), ==, VM_LOGIN_LOCKED);
    g_assert_cmpint(vm_logins_check(l, "1002@office", TRUE, 103, 3, 300), ==, VM_LOGIN_OK);
    g_assert_cmpint(vm_logins_check(l, "1001@office", TRUE, 401, 3, 300), ==, VM_LOGIN_LOCKED);
    /* over 300 s after the last failure: open again */
    g_assert_cmpint(vm_logins_check(l, "1001@office", TRUE, 402, 3, 300), ==, VM_LOGIN_OK);
    g_assert_cmpint(vm_logins_check(l, "1001@office", FALSE, 403, 3, 300), ==, VM_LOGIN_WRONG);
}

static void
test_wrong_pin_while_locked_restarts_it(void)
{
    g_autoptr(VmLogins) l = vm_logins_new();

    for (int i = 0; i < 3; i++)
        vm_logins_check(l, "b", FALSE, 0, 3, 60);
    g_assert_cmpint(vm_logins_check(l, "b", FALSE, 50, 3, 60), ==, VM_LOGIN_LOCKED);
    g_assert_cmpint(vm_logins_check(l, "b", TRUE, 100, 3, 60), ==, VM_LOGIN_LOCKED);
    g_assert_cmpint(vm_logins_check(l, "b", TRUE, 110, 3, 60), ==, VM_LOGIN_OK);
}

static void
test_success_resets_the_count(void)
{
    g_autoptr(VmLogins) l = vm_logins_new();

    vm_logins_check(l, "b", FALSE, 0, 3, 60);
    vm_logins_check(l, "b", FALSE, 1, 3, 60);
    g_assert_cmpint(vm_logins_check(l, "b", TRUE, 2, 3, 60), ==, VM_LOGIN_OK);
    g_assert_cmpint(vm_logins_check(l, "b", FALSE, 3, 3, 60), ==, VM_LOGIN_WRONG);
    g_assert_cmpint(vm_logins_check(l, "b", FALSE, 4, 3, 60), ==, VM_LOGIN_WRONG);
}

static void
test_no_lockout(void)
{
    g_autoptr(VmLogins) l = vm_logins_new();

    for (int i = 0; i < 50; i++)
        g_assert_cmpint(vm_logins_check(l, "b", FALSE, i, 0, 60), ==, VM_LOGIN_WRONG);
    g_assert_cmpint(vm_logins_check(l, "b", TRUE, 51, 0, 60), ==, VM_LOGIN_OK);
}

static void
test_pin_equal(void)
{
    g_assert_true(vm_pin_equal("1234", "1234"));
    g_assert_false(vm_pin_equal("1234", "123"));
    g_assert_false(vm_pin_equal("1234", "12345"));
    g_assert_false(vm_pin_equal("1234", "1235"));
    g_assert_false(vm_pin_equal("", ""));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/voicemail/login/lockout", test_lockout_after_maxlogins);
    g_test_add_func("/voicemail/login/locked-wrong", test_wrong_pin_while_locked_restarts_it);
    g_test_add_func("/voicemail/login/reset", test_success_resets_the_count);
    g_test_add_func("/voicemail/login/no-lockout", test_no_lockout);
    g_test_add_func("/voicemail/login/pin-equal", test_pin_equal);
    return g_test_run();
}
