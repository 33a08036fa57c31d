/* Carillon - chan_sip: who an INVITE that did not authenticate (from a
 * trunk, or anonymous) is from and for (see sip_trunk.h). */
#include "sip_trunk.h"

/* The unescaped user of a URI slice, NULL when it has none. */
static char *
uri_user(SipSlice text)
{
    SipUri u;
    GString *s;

    if (!sip_slice_present(text) || !sip_uri_parse(text, &u) || !sip_slice_present(u.user))
        return NULL;
    s = g_string_new(NULL);
    if (!sip_unescape(u.user, s)) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

static char *
display_name(const SipNameAddr *na)
{
    GString *s;

    if (!sip_slice_present(na->display) || na->display.len == 0)
        return NULL;
    s = g_string_new(NULL);
    if (na->display_quoted)
        sip_unquote(na->display, s);
    else
        g_string_append_len(s, na->display.p, na->display.len);
    return g_string_free(s, FALSE);
}

void
sip_trunk_in_identity(const SipEndpoint *trunk, const SipMsg *req, char **number,
                      char **name, char **callee)
{
    char *did = trunk->trunk->did_source == SIP_DID_FROM_TO ? uri_user(req->to.uri) : NULL;

    if (!did && req->ruri.user.len) {
        GString *s = g_string_new(NULL);
        if (sip_unescape(req->ruri.user, s))
            did = g_string_free(s, FALSE);
        else
            g_string_free(s, TRUE);
    }
    *callee = did ? did : g_strdup("s");
    *number = uri_user(req->from.uri);
    if (!*number)
        *number = g_strdup("anonymous");
    *name = display_name(&req->from);
}

void
sip_anonymous_in_identity(const SipMsg *req, char **number, char **name, char **callee)
{
    GString *s = g_string_new(NULL);

    if (req->ruri.user.len && sip_unescape(req->ruri.user, s))
        *callee = g_string_free(s, FALSE);
    else
        *callee = (g_string_free(s, TRUE), g_strdup("s"));
    *number = uri_user(req->from.uri);
    if (!*number)
        *number = g_strdup("anonymous");
    *name = display_name(&req->from);
}
