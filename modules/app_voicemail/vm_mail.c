/* app_voicemail - building the notification email and running the
 * sendmail-compatible command.  See vm_mail.h. */
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>

#include "vm_mail.h"

/* "Bob" <1002> -> name Bob, number 1002; a bare number has no name. */
static void
split_callerid(const char *cid, char **name, char **number)
{
    const char *lt = strchr(cid, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;

    if (!lt || !gt) {
        *name = g_strdup("");
        *number = g_strdup(cid);
        return;
    }
    *number = g_strndup(lt + 1, (gsize) (gt - lt - 1));
    *name = g_strstrip(g_strdelimit(g_strndup(cid, (gsize) (lt - cid)), "\"", ' '));
}

static char *
var_value(const char *var, const VmMailVars *v)
{
    g_autofree char *cname = NULL, *cnum = NULL;

    split_callerid(v->callerid ? v->callerid : "", &cname, &cnum);
    if (strcmp(var, "VM_NAME") == 0)
        return g_strdup(v->name);
    if (strcmp(var, "VM_MAILBOX") == 0)
        return g_strdup(v->mailbox);
    if (strcmp(var, "VM_CONTEXT") == 0)
        return g_strdup(v->context);
    if (strcmp(var, "VM_MSGNUM") == 0)
        return g_strdup_printf("%u", v->msgnum);
    if (strcmp(var, "VM_DUR") == 0)
        return g_strdup_printf("%u:%02u", v->duration / 60, v->duration % 60);
    if (strcmp(var, "VM_CALLERID") == 0)
        return g_strdup(v->callerid);
    if (strcmp(var, "VM_CIDNAME") == 0)
        return g_steal_pointer(&cname);
    if (strcmp(var, "VM_CIDNUM") == 0)
        return g_steal_pointer(&cnum);
    if (strcmp(var, "VM_DATE") == 0) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(v->origtime);

        return dt ? g_date_time_format(dt, "%A, %B %d, %Y at %H:%M:%S UTC") : g_strdup("");
    }
    return g_strdup("");
}

static const char *
expand_var(GString *out, const char *p, const VmMailVars *vars)
{
    const char *end = strchr(p + 2, '}');
    g_autofree char *name = NULL, *value = NULL;

    if (!end) {
        g_string_append(out, p);
        return p + strlen(p);
    }
    name = g_strndup(p + 2, (gsize) (end - p - 2));
    value = var_value(name, vars);
    g_string_append(out, value ? value : "");
    return end + 1;
}

static const char *
expand_escape(GString *out, const char *p)
{
    switch (p[1]) {
    case 'n': g_string_append_c(out, '\n'); return p + 2;
    case 't': g_string_append_c(out, '\t'); return p + 2;
    case '\\': g_string_append_c(out, '\\'); return p + 2;
    default: g_string_append_c(out, '\\'); return p + 1;
    }
}

char *
vm_mail_expand(const char *tmpl, const VmMailVars *vars)
{
    GString *out = g_string_new(NULL);
    const char *p = tmpl ? tmpl : "";

    while (*p) {
        if (p[0] == '$' && p[1] == '{')
            p = expand_var(out, p, vars);
        else if (p[0] == '\\')
            p = expand_escape(out, p);
        else
            g_string_append_c(out, *p++);
    }
    return g_string_free(out, FALSE);
}

/* A header value on one line: line breaks become spaces. */
static char *
header_safe(const char *s)
{
    return g_strdelimit(g_strdup(s ? s : ""), "\r\n", ' ');
}

/* RFC 2047 for a header text that is not plain ASCII. */
static char *
encode_header(const char *s)
{
    g_autofree char *clean = header_safe(s);
    g_autofree char *b64 = NULL;

    for (const char *p = clean; *p; p++)
        if ((guchar) *p >= 0x80)
            return g_strdup_printf("=?UTF-8?B?%s?=",
                                   (b64 = g_base64_encode((guchar *) clean, strlen(clean))));
    return g_steal_pointer(&clean);
}

static void
append_headers(GString *m, const VmGeneral *g, const char *to, const char *subject,
               const char *boundary)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *date = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");
    g_autofree char *from_name = encode_header(g->fromstring);
    g_autofree char *from = header_safe(g->serveremail);
    g_autofree char *rcpt = header_safe(to);
    g_autofree char *subj = encode_header(subject);

    g_string_append_printf(m, "Date: %s\r\nFrom: \"%s\" <%s>\r\nTo: <%s>\r\nSubject: %s\r\n",
                           date, from_name, from, rcpt, subj);
    g_string_append_printf(m, "Message-ID: <voicemail-%08x%08x@%s>\r\nMIME-Version: 1.0\r\n",
                           g_random_int(), g_random_int(), strchr(from, '@') ? strchr(from, '@') + 1
                                                                        : "localhost");
    g_string_append_printf(m, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
                           boundary);
    g_string_append(m, "This is a multi-part message in MIME format.\r\n\r\n");
}

/* The body text with CRLF line ends. */
static void
append_text(GString *m, const char *boundary, const char *body)
{
    g_string_append_printf(m, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n\r\n", boundary);
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            g_string_append_c(m, '\r');
        g_string_append_c(m, *p);
    }
    g_string_append(m, "\r\n");
}

static void
append_attachment(GString *m, const char *boundary, const guchar *data, gsize len,
                  guint msgnum)
{
    g_autofree char *b64 = g_base64_encode(data, len);
    gsize n = strlen(b64);

    g_string_append_printf(m, "--%s\r\nContent-Type: audio/x-wav; name=\"msg%04u.wav\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n"
                           "Content-Disposition: attachment; filename=\"msg%04u.wav\"\r\n\r\n",
                           boundary, msgnum - 1, msgnum - 1);
    for (gsize i = 0; i < n; i += 76) {
        g_string_append_len(m, b64 + i, (gssize) MIN(76, n - i));
        g_string_append(m, "\r\n");
    }
}

char *
vm_mail_build(const VmGeneral *general, const char *to, const VmMailVars *vars,
              const char *wav, gboolean attach, GError **error)
{
    g_autofree char *subject = vm_mail_expand(general->emailsubject, vars);
    g_autofree char *body = vm_mail_expand(general->emailbody, vars);
    g_autofree char *boundary = g_strdup_printf("----voicemail-%08x%08x", g_random_int(),
                                                g_random_int());
    g_autofree guchar *data = NULL;
    gsize len = 0;
    GString *m;

    if (attach && !g_file_get_contents(wav, (char **) &data, &len, error))
        return NULL;
    m = g_string_new(NULL);
    append_headers(m, general, to, subject, boundary);
    if (!attach) {
        g_autofree char *with_path = g_strdup_printf("%s\nThe message is %s\n", body, wav);

        append_text(m, boundary, with_path);
    } else {
        append_text(m, boundary, body);
        append_attachment(m, boundary, data, len, vars->msgnum);
    }
    g_string_append_printf(m, "--%s--\r\n", boundary);
    return g_string_free(m, FALSE);
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        gssize n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize) n;
    }
    return TRUE;
}

static gboolean
wait_child(GPid pid, const char *command, GError **error)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: waitpid: %s", command,
                        g_strerror(errno));
            return FALSE;
        }
    g_spawn_close_pid(pid);
    return g_spawn_check_wait_status(status, error);
}

gboolean
vm_mail_send(const char *command, const char *message, GError **error)
{
    g_auto(GStrv) argv = NULL;
    GPid pid;
    int in_fd;
    gboolean written;

    if (!g_shell_parse_argv(command, NULL, &argv, error))
        return FALSE;
    if (!g_spawn_async_with_pipes(NULL, argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                  NULL, NULL, &pid, &in_fd, NULL, NULL, error))
        return FALSE;
    written = write_all(in_fd, message, strlen(message));
    close(in_fd);
    if (!wait_child(pid, command, error))
        return FALSE;
    if (!written) {
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s did not read the message",
                    command);
        return FALSE;
    }
    return TRUE;
}
