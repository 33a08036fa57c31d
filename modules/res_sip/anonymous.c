/* Carillon res_sip - calls nobody authenticated (endpoints.conf
 * `type = anonymous`, the SIP API's anonymous_for).
 *
 * Default: no anonymous endpoint, every INVITE authenticates.  With one,
 * an INVITE that carries no credentials at all comes in as that endpoint
 * when its Request-URI user is one of the endpoint's `extensions` (the
 * numbers the office publishes) and the dialplan marks the endpoint's
 * context public (`context("public", {public = true, ...})`); both keys
 * must agree, so neither a config typo nor a dialplan edit alone opens
 * the PBX.  Everything else gets the usual challenge.
 *
 * The choice looks at the Request-URI only, never at who the From header
 * claims to be: whether a user exists still changes no answer (svwar
 * learns only the public extensions it could read off a business card).
 * A phone that dials a public extension without credentials therefore
 * comes in anonymous too; Asterisk's anonymous endpoint, which matches on
 * the From user instead, tells callers which users exist.
 */
#include "security.h"

/* The user part of the Request-URI, unescaped, in s; FALSE when none. */
static gboolean
ruri_user(const SipMsg *req, GString *s)
{
    return sip_slice_present(req->ruri.user) && req->ruri.user.len > 0 &&
           sip_unescape(req->ruri.user, s);
}

static gboolean
has_credentials(const SipMsg *req)
{
    return sip_msg_get_header(req, SIP_HDR_AUTHORIZATION, 0) != NULL ||
           sip_msg_get_header(req, SIP_HDR_PROXY_AUTHORIZATION, 0) != NULL;
}

/* The dialplan must mark the context public; a refusal for that reason is
 * logged at most once a minute (it is the admin's mistake, not the
 * caller's). */
static gboolean
context_public(const SipEndpoint *e)
{
    static gint64 last_warned;
    gint64 now = g_get_monotonic_time();

    if (pbx_dialplan_context_is_public(e->context))
        return TRUE;
    if (last_warned == 0 || now - last_warned > 60 * G_USEC_PER_SEC) {
        last_warned = now;
        pbx_warning(pbx_log_domain("security"),
                    "anonymous endpoint [%s]: context '%s' is not marked public in the "
                    "dialplan (public = true); anonymous calls are challenged",
                    e->name, e->context);
    }
    return FALSE;
}

SipEndpoint *
sip_anonymous_for(const SipMsg *req, const SipPeerInfo *peer)
{
    SipEndpoint *e = sip_security_anonymous_endpoint();
    g_autoptr(GString) user = g_string_new(NULL);

    PBX_ASSERT_MAIN_CONTEXT();
    if (!e || has_credentials(req) || !ruri_user(req, user))
        return NULL;
    if (!g_strv_contains((const char *const *) e->anonymous_extensions, user->str))
        return NULL;
    if (!(e->transports & sip_transport_mask(peer->transport)))
        return NULL;
    return context_public(e) ? e : NULL;
}
