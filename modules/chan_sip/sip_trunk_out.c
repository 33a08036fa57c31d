/* Carillon - chan_sip: outbound calls through a trunk (see sip_trunk.h).
 *
 * One INVITE at a time: the trunk's hosts are alternatives, not forks.
 * A 401/407 is answered once per INVITE with the trunk's credentials, in
 * a new INVITE with the same Call-ID and From tag and the next CSeq
 * (RFC 3261 22.2, 8.1.3.5); an address that does not answer (408) or
 * cannot be reached (503 made up by the transaction, or the server's own)
 * makes the leg move on to the next address of the trunk's hosts
 * (sip_trunk_resolve.c).  What the last one says ends
 * the leg, its status kept as SIP_HANGUP_STATUS and its Q.850 cause as
 * the hangup cause (detail.cause in the dialplan).
 */
#include <string.h>

#include "sip_trunk.h"

SipEndpoint *
sip_trunk_target(const char *target, char **number)
{
    SipUri u;
    g_autofree char *host = NULL;
    SipEndpoint *ep;
    GString *user;

    if (!g_str_has_prefix(target, "sip:") ||
        !sip_uri_parse(sip_slice_from_str(target), &u) || !sip_slice_present(u.host) ||
        !sip_slice_present(u.user) || u.has_port)
        return NULL;
    host = g_strndup(u.host.p, u.host.len);
    ep = sip->endpoint_lookup(host);
    if (!ep || !ep->trunk)
        return NULL;
    user = g_string_new(NULL);
    if (!sip_unescape(u.user, user)) {
        g_string_free(user, TRUE);
        return NULL;
    }
    *number = g_string_free(user, FALSE);
    return ep;
}

static char *
host_uri(const SipTrunk *t, const char *user, const char *host)
{
    gboolean v6 = strchr(host, ':') != NULL;
    g_autofree char *u = g_uri_escape_string(user, "&=+$,;?/", FALSE);
    g_autofree char *port = t->port ? g_strdup_printf(":%u", t->port) : g_strdup("");

    return g_strdup_printf("sip:%s@%s%s%s%s%s", u, v6 ? "[" : "", host, v6 ? "]" : "", port,
                           t->transport == SIP_TRANSPORT_TCP ? ";transport=tcp" : "");
}

/* Points fork at the leg's current address; before the lookup, at the
 * first host by name. */
void
sip_trunk_out_aim(SipTrunkLeg *leg, SipFork *fork)
{
    const SipTrunk *t = leg->trunk->trunk;
    gboolean resolved = leg->addr_index < leg->addrs->len;
    guint host_index = resolved ? g_array_index(leg->addr_host, guint, leg->addr_index) : 0;
    const char *host = t->hosts[host_index];

    g_free(fork->uri);
    fork->uri = host_uri(t, leg->number, host);
    fork->target.port = t->port;
    fork->target.transport = t->transport;
    if (resolved) {
        const SipAddr *a = &g_array_index(leg->addrs, SipAddr, leg->addr_index);
        sip_addr_ip_string(a, fork->host, sizeof fork->host);
        fork->target.port = sip_addr_port(a);
        return;
    }
    g_strlcpy(fork->host, host[0] == '[' ? host + 1 : host, sizeof fork->host);
    if (host[0] == '[' && strchr(fork->host, ']'))
        *strchr(fork->host, ']') = '\0';
}

static void
set_identity(SipTrunkLeg *leg, PbxChannel *requester, const PbxDialOptions *options)
{
    const char *own = requester ? pbx_channel_get_caller_number(requester) : NULL;
    const char *own_name = requester ? pbx_channel_get_caller_name(requester) : NULL;
    const char *num = options && options->caller_number ? options->caller_number : own;
    const char *name = options && options->caller_name ? options->caller_name : own_name;

    leg->privacy = num && g_ascii_strcasecmp(num, "anonymous") == 0;
    if (leg->privacy) {
        num = own;          /* asserted to the trusted provider, hidden from the callee */
        name = own_name;
    }
    leg->asserted_number = g_strdup(num && *num ? num : leg->trunk->callerid_number);
    leg->asserted_name = g_strdup(name);
}

gboolean
sip_trunk_out_prepare(SipCall *call, SipEndpoint *trunk, const char *number,
                      PbxChannel *requester, const PbxDialOptions *options, GError **error)
{
    SipTrunkLeg *leg = g_new0(SipTrunkLeg, 1);
    SipFork *fork;

    leg->trunk = sip->endpoint_ref(trunk);
    leg->number = g_strdup(number);
    leg->cseq = 1;
    leg->addrs = g_array_new(FALSE, FALSE, sizeof(SipAddr));
    leg->addr_host = g_array_new(FALSE, FALSE, sizeof(guint));
    call->trunk_leg = leg;
    if (!sip_trunk_guard_admit(leg, requester, error))
        return FALSE;
    set_identity(leg, requester, options);
    call->endpoint = sip->endpoint_ref(trunk);
    call->callee = g_strdup(number);
    fork = sip_channel_out_fork_add(call, "", "", 0, trunk->trunk->transport);
    sip_trunk_out_aim(leg, fork);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* The INVITE                                                          */
/* ------------------------------------------------------------------ */

static const char *
domain_of(const SipTrunkLeg *leg, const SipFork *fork)
{
    const char *d = leg->trunk->trunk->from_domain;

    return d ? d : fork->host;
}

static void
append_name_addr(GString *out, const char *name, const char *uri)
{
    if (name && *name) {
        g_string_append_c(out, '"');
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(out, '\\');
            if ((guchar) *p >= 0x20 && *p != 0x7f)
                g_string_append_c(out, *p);
        }
        g_string_append(out, "\" ");
    }
    g_string_append_printf(out, "<%s>", uri);
}

/* P-Asserted-Identity / Remote-Party-ID and Privacy (RFC 3325, 3323). */
static void
append_identity(const SipTrunkLeg *leg, const SipFork *fork, GString *out)
{
    const SipTrunk *t = leg->trunk->trunk;
    g_autofree char *esc = g_uri_escape_string(leg->asserted_number, "&=+$,;?/", FALSE);
    g_autofree char *uri = g_strdup_printf("sip:%s@%s", esc, domain_of(leg, fork));

    if (t->send_pai) {
        g_string_append(out, "P-Asserted-Identity: ");
        append_name_addr(out, leg->asserted_name, uri);
        g_string_append(out, "\r\n");
    }
    if (t->send_rpid) {
        g_string_append(out, "Remote-Party-ID: ");
        append_name_addr(out, leg->asserted_name, uri);
        g_string_append_printf(out, ";party=calling;screen=yes;privacy=%s\r\n",
                               leg->privacy ? "full" : "off");
    }
    if (leg->privacy)
        g_string_append(out, "Privacy: id\r\n");
}

/* Our Contact towards the trunk carries the trunk's contact user, so a
 * provider that routes by it (the registered one) finds us. */
static void
set_contact(SipCall *call, const SipTrunk *t)
{
    gboolean v6 = strchr(call->local_host, ':') != NULL;

    g_free(call->contact);
    call->contact = g_strdup_printf("<sip:%s@%s%s%s:%u%s>", t->contact_user, v6 ? "[" : "",
                                    call->local_host, v6 ? "]" : "", call->local_port,
                                    call->transport == SIP_TRANSPORT_TCP ? ";transport=tcp"
                                                                         : "");
}

static SipDialog *
fork_dialog(SipCall *call, SipTrunkLeg *leg, SipFork *fork, const char *local_uri,
            const char *remote_uri)
{
    SipDialog *d = sip->dialog_new_uac(leg->call_id, leg->tag, local_uri, remote_uri,
                                       leg->cseq);

    d->contact = g_strdup(call->contact);
    d->follow_target = TRUE;
    sip->dialog_set_flow(d, fork->target.transport, fork->host, fork->target.port);
    return d;
}

static void
ensure_ids(SipCall *call, SipTrunkLeg *leg)
{
    char token[24];

    if (leg->call_id)
        return;
    sip->random_token(token, sizeof token);
    leg->call_id = g_strdup_printf("%s@%s", token, call->local_host);
    sip->random_token(token, sizeof token);
    leg->tag = g_strdup(token);
}

static void
append_from(GString *out, const SipTrunkLeg *leg, const char *local_uri)
{
    g_string_append(out, "From: ");
    append_name_addr(out, leg->privacy ? "Anonymous" : leg->asserted_name, local_uri);
    g_string_append_printf(out, ";tag=%s\r\n", leg->tag);
}

static char *
local_uri_of(const SipTrunkLeg *leg, const SipFork *fork)
{
    const SipTrunk *t = leg->trunk->trunk;
    const char *user = t->from_user ? t->from_user : leg->asserted_number;
    g_autofree char *esc = NULL;

    if (leg->privacy)
        return g_strdup("sip:anonymous@anonymous.invalid");
    esc = g_uri_escape_string(user, "&=+$,;?/", FALSE);
    return g_strdup_printf("sip:%s@%s", esc, domain_of(leg, fork));
}

void
sip_trunk_out_build_invite(SipCall *call, SipFork *fork, const char *sdp, GString *out)
{
    SipTrunkLeg *leg = call->trunk_leg;
    const char *ua = sip->settings()->user_agent;
    g_autofree char *local_uri = local_uri_of(leg, fork);

    ensure_ids(call, leg);
    set_contact(call, leg->trunk->trunk);
    sip->dialog_free(fork->dialog);
    fork->dialog = fork_dialog(call, leg, fork, local_uri, fork->uri);
    g_string_append_printf(out, "INVITE %s SIP/2.0\r\nMax-Forwards: %d\r\n", fork->uri,
                           call->max_forwards);
    append_from(out, leg, local_uri);
    g_string_append_printf(out, "To: <%s>\r\nCall-ID: %s\r\nCSeq: %u INVITE\r\n", fork->uri,
                           leg->call_id, leg->cseq);
    append_identity(leg, fork, out);
    sip_call_append_contact(call, out);
    g_string_append_printf(out, "Allow: %s\r\n", sip->allow());
    sip_se_append_request(call, out);
    g_string_append(out, "Supported: 100rel\r\n");
    if (ua && *ua)
        g_string_append_printf(out, "User-Agent: %s\r\n", ua);
    if (fork->auth)
        g_string_append(out, fork->auth);
    g_string_append_printf(out, "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                           strlen(sdp), sdp);
}

/* ------------------------------------------------------------------ */
/* Challenges and failover                                             */
/* ------------------------------------------------------------------ */

static gboolean
resend(SipCall *call, SipFork *old, char *auth)
{
    SipTrunkLeg *leg = call->trunk_leg;
    SipFork *fork = sip_channel_out_fork_add(call, "", "", 0, old->target.transport);
    g_autoptr(GString) req = g_string_sized_new(1800);

    sip_trunk_out_aim(leg, fork);
    fork->auth = auth;
    leg->cseq++;
    sip_trunk_out_build_invite(call, fork, call->local_sdp, req);
    return sip_channel_out_send_fork(call, fork, req);
}

static gboolean
answer_challenge(SipFork *fork, const SipMsg *resp, guint code)
{
    SipCall *call = fork->call;
    const SipTrunk *t = call->trunk_leg->trunk->trunk;
    g_autoptr(GError) error = NULL;
    char *auth;

    if (fork->auth || !t->username) {
        pbx_notice(sip_log, "trunk %s: INVITE %s refused with %u (%s)",
                   call->trunk_leg->trunk->name, fork->uri, code,
                   fork->auth ? "wrong credentials" : "no credentials configured");
        return FALSE;
    }
    auth = sip->digest_answer(resp, "INVITE", fork->uri, t->username, t->password, &error);
    if (!auth) {
        pbx_notice(sip_log, "trunk %s: %s", call->trunk_leg->trunk->name, error->message);
        return FALSE;
    }
    fork->code = code;
    return resend(call, fork, auth);
}

gboolean
sip_trunk_out_retry(SipFork *fork, const SipMsg *resp, guint code)
{
    SipCall *call = fork->call;
    SipTrunkLeg *leg = call->trunk_leg;

    if ((code == 401 || code == 407) && resp)
        return answer_challenge(fork, resp, code);
    if (code != 408 && code != 502 && code != 503)
        return FALSE;
    if (leg->addr_index + 1 >= leg->addrs->len || !call->local_sdp)
        return FALSE;
    leg->addr_index++;
    pbx_notice(sip_log, "trunk %s: %s at %s:%u failed with %u, trying the next address",
               leg->trunk->name, fork->uri, fork->host, fork->target.port, code);
    fork->code = code;
    return resend(call, fork, NULL);
}

/* ------------------------------------------------------------------ */
/* The end                                                             */
/* ------------------------------------------------------------------ */

void
sip_trunk_leg_end(SipCall *call)
{
    if (call->trunk_leg)
        sip_trunk_guard_release(call->trunk_leg);
}

void
sip_trunk_leg_free(SipTrunkLeg *leg)
{
    if (!leg)
        return;
    sip_trunk_guard_release(leg);
    sip->endpoint_unref(leg->trunk);
    g_array_unref(leg->addrs);
    g_array_unref(leg->addr_host);
    g_free(leg->number);
    g_free(leg->asserted_number);
    g_free(leg->asserted_name);
    g_free(leg->call_id);
    g_free(leg->tag);
    g_free(leg->guard_endpoint);
    g_free(leg);
}
