/* Carillon - res_sip shared state: settings defaults, debug logging. */
#include "sip_core.h"
#include "transport.h"

SipStack sip_stack;

void
sip_settings_defaults(SipGeneralConf *s)
{
    memset(s, 0, sizeof(*s));
    s->t1 = 500;
    s->t2 = 4000;
    s->t4 = 5000;
    s->trying_delay = 200;
    s->max_message_size = 65535;
    s->max_transactions = 500000;
    s->force_rport = TRUE;
    s->user_agent = NULL;
    s->debug = FALSE;
    s->tcp_idle_timeout = 300;
    s->tcp_max_connections = 4096;
    s->tcp_max_connections_per_ip = 64;
    s->tcp_max_buffered = 1024 * 1024;
    s->session_expires = 1800;
    s->min_se = 90;
}

void
sip_stack_apply_settings(const SipGeneralConf *s)
{
    SipStreamLimits sl = {
        .max_message_size = s->max_message_size,
        .idle_timeout_s = s->tcp_idle_timeout,
        .max_connections = s->tcp_max_connections,
        .max_connections_per_ip = s->tcp_max_connections_per_ip,
        .max_buffered = s->tcp_max_buffered,
    };

    if (&sip_stack.settings != s) {
        g_free(sip_stack.settings.user_agent);
        sip_stack.settings = *s;
        sip_stack.settings.user_agent = g_strdup(s->user_agent);
    }
    sip_parse_limits_init(&sip_stack.limits);
    sip_stack.limits.max_message_size = s->max_message_size;
    sip_stream_set_limits(&sl);
}

void
sip_stack_init(void)
{
    SipGeneralConf s;

    sip_stack.log = pbx_log_domain("sip");
    sip_settings_defaults(&s);
    sip_stack_apply_settings(&s);
}

/* SDES keys (a=crypto "inline:<base64>") never reach the log: the key
 * is replaced; returns the bytes of data consumed at i. */
static gsize
hide_key(const char *data, gsize len, gsize i, GString *text)
{
    gsize n = i + 7;

    if (len - i < 7 || g_ascii_strncasecmp(data + i, "inline:", 7) != 0)
        return 0;
    while (n < len && (g_ascii_isalnum(data[n]) || data[n] == '+' || data[n] == '/' ||
                       data[n] == '='))
        n++;
    g_string_append(text, "inline:<key hidden>");
    return n - i;
}

/* Debug output is one log line per message, the message indented below
 * it; binary bytes are escaped so a hostile packet cannot mess up the
 * console; SDES keys are hidden. */
void
sip_debug_message(const char *dir, const char *proto, const char *peer,
                  const char *data, gsize len)
{
    g_autoptr(GString) text = NULL;

    if (!sip_stack.debug || !pbx_log_enabled(sip_log, PBX_LOG_DEBUG))
        return;
    text = g_string_sized_new(len + 64);
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar) data[i];
        gsize hidden = (c == 'i' || c == 'I') ? hide_key(data, len, i, text) : 0;
        if (hidden)
            i += hidden - 1;
        else if (c == '\n')
            g_string_append(text, "\n    ");
        else if (c == '\r')
            continue;
        else if (c < 0x20 && c != '\t')
            g_string_append_printf(text, "\\x%02x", c);
        else
            g_string_append_c(text, (char) c);
    }
    pbx_debug(sip_log, "%s %zu bytes %s %s %s:\n    %s", dir, len,
              g_str_equal(dir, "sent") ? "to" : "from", proto, peer, text->str);
}
