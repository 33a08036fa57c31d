/* Carillon - unit tests of app_voicemail's email: template variables and
 * escapes, the MIME message (the attachment decoded back equals the WAV),
 * and the sendmail-compatible command (its input, its failure). */
#include <signal.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "../../../modules/app_voicemail/vm_mail.h"

static const VmMailVars vars = {
    .name = "Alice Anders", .mailbox = "1001", .context = "office", .msgnum = 3,
    .duration = 67, .callerid = "\"Bob Brown\" <1002>", .origtime = 1700000000,
};

static void
test_expand(void)
{
    g_autofree char *s = vm_mail_expand("Dear ${VM_NAME}:\\n\\t${VM_DUR} from ${VM_CIDNAME} "
                                        "(${VM_CIDNUM}) #${VM_MSGNUM} in ${VM_MAILBOX}@"
                                        "${VM_CONTEXT} ${VM_NOPE}\\\\ ${VM_DATE}", &vars);

    g_assert_cmpstr(s, ==, "Dear Alice Anders:\n\t1:07 from Bob Brown (1002) #3 in "
                    "1001@office \\ Tuesday, November 14, 2023 at 22:13:20 UTC");
}

static void
test_unterminated(void)
{
    g_autofree char *s = vm_mail_expand("x ${VM_NAME", &vars);

    g_assert_cmpstr(s, ==, "x ${VM_NAME");
}

static VmGeneral
general(void)
{
    VmGeneral g = {
        .serveremail = (char *) "vm@office.example", .fromstring = (char *) "Voicemail",
        .emailsubject = (char *) "New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}",
        .emailbody = (char *) "Dear ${VM_NAME}:\\n${VM_DUR} long\\n",
    };
    return g;
}

static char *
write_wav(guchar *bytes, gsize n)
{
    char *path = NULL;
    int fd = g_file_open_tmp("vm-mail-XXXXXX.wav", &path, NULL);

    for (gsize i = 0; i < n; i++)
        bytes[i] = (guchar) (i * 7 + 3);
    close(fd);
    g_assert_true(g_file_set_contents(path, (char *) bytes, (gssize) n, NULL));
    return path;
}

/* The base64 lines between the attachment's headers and the closing
 * boundary, decoded. */
static guchar *
attachment(const char *msg, gsize *len)
{
    const char *start = strstr(msg, "Content-Disposition: attachment");
    const char *end;
    g_autofree char *b64 = NULL;

    g_assert_nonnull(start);
    start = strstr(start, "\r\n\r\n") + 4;
    end = strstr(start, "\r\n--");
    g_assert_nonnull(end);
    b64 = g_strndup(start, (gsize) (end - start));
    for (char *p = b64; *p; p++)
        g_assert_true(g_ascii_isalnum(*p) || strchr("+/=\r\n", *p));
    return g_base64_decode(b64, len);
}

static void
test_build(void)
{
    VmGeneral g = general();
    guchar bytes[3000];
    g_autofree char *wav = write_wav(bytes, sizeof bytes);
    g_autoptr(GError) error = NULL;
    g_autofree char *msg = vm_mail_build(&g, "alice@example.com", &vars, wav, TRUE, &error);
    g_autofree guchar *data = NULL;
    gsize len;

    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(msg, "Date: "));
    g_assert_nonnull(strstr(msg, "\r\nFrom: \"Voicemail\" <vm@office.example>\r\n"));
    g_assert_nonnull(strstr(msg, "\r\nTo: <alice@example.com>\r\n"));
    g_assert_nonnull(strstr(msg, "\r\nSubject: New message 3 in mailbox 1001\r\n"));
    g_assert_nonnull(strstr(msg, "Content-Type: multipart/mixed; boundary="));
    g_assert_nonnull(strstr(msg, "Dear Alice Anders:\r\n1:07 long\r\n"));
    g_assert_nonnull(strstr(msg, "filename=\"msg0002.wav\""));
    data = attachment(msg, &len);
    g_assert_cmpmem(data, len, bytes, sizeof bytes);
    g_unlink(wav);
}

static void
test_link_only(void)
{
    VmGeneral g = general();
    g_autoptr(GError) error = NULL;
    g_autofree char *msg = vm_mail_build(&g, "a@b.c", &vars, "/spool/msg0002.wav", FALSE,
                                         &error);

    g_assert_no_error(error);
    g_assert_null(strstr(msg, "attachment"));
    g_assert_nonnull(strstr(msg, "The message is /spool/msg0002.wav"));
}

static void
test_send(void)
{
    g_autofree char *dir = g_dir_make_tmp("vm-send-XXXXXX", NULL);
    g_autofree char *out = g_build_filename(dir, "mail.txt", NULL);
    g_autofree char *cmd = g_strdup_printf("/bin/sh -c 'cat > %s'", out);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    g_assert_true(vm_mail_send(cmd, "To: x\r\n\r\nhello\r\n", &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(out, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, "To: x\r\n\r\nhello\r\n");
    g_unlink(out);
    g_rmdir(dir);
    g_assert_false(vm_mail_send("/bin/sh -c 'cat >/dev/null; exit 3'", "x", &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_false(vm_mail_send("/nonexistent/sendmail -t", "x", &error));
    g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_voicemail: email templates, MIME, the mail command");
    g_test_add_func("/voicemail/mail/expand", test_expand);
    g_test_add_func("/voicemail/mail/unterminated", test_unterminated);
    g_test_add_func("/voicemail/mail/build", test_build);
    g_test_add_func("/voicemail/mail/link-only", test_link_only);
    g_test_add_func("/voicemail/mail/send", test_send);
    return g_test_run();
}
