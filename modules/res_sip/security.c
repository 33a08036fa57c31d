/* Carillon res_sip - endpoints, authentication and blocked sources.
 * See security.h; the digest mechanics are in auth.c. */
#include <string.h>

#include "auth.h"
#include "security.h"
#include "transaction.h"

typedef struct {
    char *realm;
    char **algorithms;
    char **md5_only_user_agents;
    guint nonce_lifetime;
    guint max_failures;
    guint failure_window;
    guint block_time;
} AuthConf;

static const PbxOption auth_opts[] = {
    { "realm", PBX_OPT_STRING, G_STRUCT_OFFSET(AuthConf, realm), "carillon", 0, 0 },
    { "digest_algorithms", PBX_OPT_STRV, G_STRUCT_OFFSET(AuthConf, algorithms), "md5,sha-256", 0,
      0 },
    { "md5_only_user_agents", PBX_OPT_STRV, G_STRUCT_OFFSET(AuthConf, md5_only_user_agents),
      "baresip v0.*,baresip v1.*", 0, 0 },
    { "nonce_lifetime", PBX_OPT_UINT, G_STRUCT_OFFSET(AuthConf, nonce_lifetime), "300", 10, 86400 },
    { "max_failures", PBX_OPT_UINT, G_STRUCT_OFFSET(AuthConf, max_failures), "10", 0, 100000 },
    { "failure_window", PBX_OPT_UINT, G_STRUCT_OFFSET(AuthConf, failure_window), "60", 1, 86400 },
    { "block_time", PBX_OPT_UINT, G_STRUCT_OFFSET(AuthConf, block_time), "600", 1, 604800 },
};

static SipAuth *auth;
static SipEndpointTable *endpoints;
static GPtrArray *md5_only_agents;   /* GPatternSpec* */
static GString *challenge_lines;      /* reused: see challenge_buf() */
static PbxLogDomain *dom;

static gboolean
valid_realm(const char *realm)
{
    if (!*realm || strlen(realm) > 128)
        return FALSE;
    for (const char *p = realm; *p; p++) {
        if ((guchar) *p < 0x21 || *p == '"' || *p == '\\' || (guchar) *p > 0x7e)
            return FALSE;
    }
    return TRUE;
}

/* Loads both files; nothing changes unless both are good. */
static GPtrArray *
compile_agents(char **globs)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) g_pattern_spec_free);

    for (guint i = 0; globs && globs[i]; i++)
        g_ptr_array_add(out, g_pattern_spec_new(globs[i]));
    return out;
}

static gboolean
read_all(SipAuthConfig *ac, SipEndpointTable **table, GPtrArray **agents,
         GError **error)
{
    g_autoptr(PbxConfig) sip = pbx_core_load_config("sip.conf", error);
    g_autoptr(PbxConfig) eps = NULL;
    g_autoptr(GError) local = NULL;
    AuthConf c = { 0 };
    gboolean ok = FALSE;

    if (!sip)
        return FALSE;
    if (!pbx_config_apply(sip, "auth", auth_opts, G_N_ELEMENTS(auth_opts), &c,
                          FALSE, error))
        goto out;
    if (!valid_realm(c.realm)) {
        pbx_config_set_error(sip, error, PBX_CONFIG_ERROR_VALUE, "auth", "realm",
                             "'%s' is not a valid realm (printable, no quotes)",
                             c.realm);
        goto out;
    }
    for (guint i = 0; c.algorithms[i]; i++) {
        if (i >= SIP_AUTH_MAX_ALGORITHMS ||
            !sip_auth_algorithm_from_name(c.algorithms[i], &ac->algorithms[i])) {
            pbx_config_set_error(sip, error, PBX_CONFIG_ERROR_VALUE, "auth",
                                 "digest_algorithms", "'%s': give up to %d of "
                                 "md5, sha-256, sha-512-256", c.algorithms[i],
                                 SIP_AUTH_MAX_ALGORITHMS);
            goto out;
        }
        ac->n_algorithms = i + 1;
    }
    if (ac->n_algorithms == 0) {
        pbx_config_set_error(sip, error, PBX_CONFIG_ERROR_VALUE, "auth",
                             "digest_algorithms", "at least one algorithm is needed");
        goto out;
    }
    eps = pbx_core_load_config("endpoints.conf", &local);
    if (!eps) {
        if (!g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
            g_propagate_error(error, g_steal_pointer(&local));
            goto out;
        }
        pbx_warning(dom, "no endpoints.conf: no phone can register or call");
        eps = pbx_config_load_data("endpoints.conf", "", 0, NULL);
    }
    *table = sip_endpoint_table_new(eps, error);
    if (!*table)
        goto out;
    *agents = compile_agents(c.md5_only_user_agents);
    ac->realm = g_steal_pointer(&c.realm);
    ac->nonce_lifetime = c.nonce_lifetime;
    ac->max_failures = c.max_failures;
    ac->failure_window = c.failure_window;
    ac->block_time = c.block_time;
    ok = TRUE;
out:
    pbx_config_options_clear(auth_opts, G_N_ELEMENTS(auth_opts), &c);
    return ok;
}

static void
print_blocked(const char *address, guint failures, gint64 left, gpointer data)
{
    pbx_cli_print(data, "%-40s %8u %8" G_GINT64_FORMAT "\n", address, failures, left);
}

static gboolean
show_blocked(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    pbx_cli_print(ctx, "%-40s %8s %8s\n", "Address", "Failures", "Left (s)");
    sip_auth_foreach_blocked(auth, print_blocked, ctx);
    return TRUE;
}

static gboolean
unblock(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    if (argc != 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    if (!sip_auth_unblock(auth, argv[0])) {
        pbx_cli_print(ctx, "%s is not blocked\n", argv[0]);
        return FALSE;
    }
    pbx_notice(pbx_log_domain("security"), "%s unblocked from the CLI", argv[0]);
    pbx_cli_print(ctx, "Unblocked %s\n", argv[0]);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "sip show blocked", NULL, "Sources blocked after failed authentication", show_blocked, NULL },
    { "sip unblock", "ADDRESS", "Let a blocked source in again", unblock, NULL },
};

gboolean
sip_security_load(PbxModule *self, GError **error)
{
    SipAuthConfig ac = { 0 };

    dom = pbx_log_domain("sip");
    if (!read_all(&ac, &endpoints, &md5_only_agents, error))
        return FALSE;
    auth = sip_auth_new(&ac);
    sip_auth_set_md5_only_allowed(auth, md5_only_agents->len > 0);
    g_free(ac.realm);
    pbx_info(dom, "%u endpoints, realm %s",
             sip_endpoint_table_list(endpoints)->len, sip_auth_get_realm(auth));
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}

gboolean
sip_security_reload(GError **error)
{
    SipAuthConfig ac = { 0 };
    SipEndpointTable *table = NULL;
    GPtrArray *agents = NULL;

    if (!read_all(&ac, &table, &agents, error))
        return FALSE;
    sip_auth_set_config(auth, &ac);
    g_ptr_array_unref(md5_only_agents);
    md5_only_agents = agents;
    sip_auth_set_md5_only_allowed(auth, md5_only_agents->len > 0);
    g_free(ac.realm);
    sip_endpoint_table_unref(endpoints);
    endpoints = table;
    pbx_event_publish(pbx_event_new("sip/endpoints-reloaded"));
    return TRUE;
}

void
sip_security_unload(void)
{
    g_clear_pointer(&auth, sip_auth_free);
    sip_auth_release_globals();
    g_clear_pointer(&endpoints, sip_endpoint_table_unref);
    g_clear_pointer(&md5_only_agents, g_ptr_array_unref);
    if (challenge_lines) {
        g_string_free(challenge_lines, TRUE);
        challenge_lines = NULL;
    }
}

SipEndpoint *
sip_security_endpoint_lookup(const char *name)
{
    return sip_endpoint_table_lookup(endpoints, name);
}

const GPtrArray *
sip_security_endpoint_list(void)
{
    return endpoints ? sip_endpoint_table_list(endpoints) : NULL;
}

const char *
sip_security_realm(void)
{
    return auth ? sip_auth_get_realm(auth) : "carillon";
}

gboolean
sip_security_is_blocked(const char *ip)
{
    SipAuthSource a;

    if (!auth || !sip_auth_any_failures(auth))
        return FALSE;
    return sip_auth_source_parse(ip, &a) && sip_auth_is_blocked(auth, &a);
}

static const char *
secret_of(const char *username, gpointer data)
{
    SipEndpoint *e = sip_endpoint_table_lookup(endpoints, username);
    return e ? e->secret : NULL;
}

/* Some clients (libre before 2.0: baresip 1.x) fail on any challenge
 * whose algorithm they do not know instead of skipping it.  The choice
 * depends on the User-Agent only, never on the user, so it reveals
 * nothing about which users exist. */
/* The source as the auth code keys it, straight from the socket address
 * (no text round trip on the per-request path). */
static gboolean
source_of(const SipAddr *a, SipAuthSource *out)
{
    if (a->u.sa.sa_family == AF_INET) {
        out->len = 4;
        memcpy(out->bytes, &a->u.sin.sin_addr, 4);
        return TRUE;
    }
    if (a->u.sa.sa_family == AF_INET6) {
        out->len = 16;
        memcpy(out->bytes, &a->u.sin6.sin6_addr, 16);
        return TRUE;
    }
    return FALSE;
}

static gboolean
wants_md5_only(const SipMsg *req)
{
    const SipHeader *ua = req ? sip_msg_get_header(req, SIP_HDR_USER_AGENT, 0) : NULL;
    char text[257];
    gsize n;

    if (!ua || !md5_only_agents || md5_only_agents->len == 0)
        return FALSE;
    n = MIN(ua->value.len, sizeof(text) - 1);
    memcpy(text, ua->value.p, n);
    text[n] = '\0';
    for (guint i = 0; i < md5_only_agents->len; i++) {
        if (g_pattern_spec_match_string(md5_only_agents->pdata[i], text))
            return TRUE;
    }
    return FALSE;
}

/* The challenge lines of one response, built and sent at once. */
static GString *
challenge_buf(void)
{
    if (!challenge_lines)
        challenge_lines = g_string_sized_new(512);
    g_string_truncate(challenge_lines, 0);
    return challenge_lines;
}

static void
challenge(SipServerTx *tx, const SipAuthSource *src, gboolean proxy, gboolean stale)
{
    GString *headers = challenge_buf();
    SipResponse r = { .code = proxy ? 407 : 401, .headers = NULL };

    sip_auth_append_challenge(auth, src, proxy, stale,
                              wants_md5_only(sip_server_tx_get_request(tx)), headers);
    r.headers = headers->str;
    sip_server_tx_respond(tx, &r);
}

gboolean
sip_security_challenge_stateless(const SipMsg *req, const SipRx *rx)
{
    SipAuthSource src;
    GString *headers;
    SipResponse r = { .code = 401 };

    if (!auth || req->method != SIP_METHOD_REGISTER ||
        sip_msg_count_headers(req, SIP_HDR_AUTHORIZATION) > 0)
        return FALSE;
    if (!source_of(&rx->src, &src))
        return FALSE;
    headers = challenge_buf();
    sip_auth_append_challenge(auth, &src, FALSE, FALSE, wants_md5_only(req), headers);
    r.headers = headers->str;
    sip_respond_stateless(req, rx, &r);
    return TRUE;
}

/* An endpoint's `transports=` holds for every request it authenticates:
 * a TLS-only phone that registers or calls over UDP or TCP gets 403.
 * Checked after the credentials, so the answer says nothing about the
 * user to someone without its password. */
static gboolean
transport_allowed(SipServerTx *tx, const SipEndpoint *e, const SipPeerInfo *peer)
{
    SipResponse r = { .code = 403, .reason = "Transport Not Allowed" };
    g_autofree char *allowed = NULL;

    if (e->transports & sip_transport_mask(peer->transport))
        return TRUE;
    allowed = sip_transport_mask_to_string(e->transports);
    pbx_notice(pbx_log_domain("security"), "%s from %s:%u over %s refused (transports = %s)",
               e->name, peer->remote_ip, peer->remote_port,
               sip_transport_to_string(peer->transport), allowed);
    sip_server_tx_respond(tx, &r);
    return FALSE;
}

gboolean
sip_security_authenticate(SipServerTx *tx, const SipPeerInfo *peer,
                          gboolean proxy, SipEndpoint **endpoint)
{
    const SipMsg *req = sip_server_tx_get_request(tx);
    SipAuthSource source;
    const SipAuthSource *src = sip_auth_source_parse(peer->remote_ip, &source) ? &source : NULL;
    g_autofree char *user = NULL;
    SipResponse bad = { .code = 400, .reason = "Malformed credentials" };
    SipEndpoint *e;

    if (!src || !req) {
        sip_server_tx_respond(tx, &bad);
        return FALSE;
    }
    switch (sip_auth_verify(auth, req, proxy, src, secret_of, NULL, &user)) {
    case SIP_AUTH_OK:
        break;
    case SIP_AUTH_STALE:
        challenge(tx, src, proxy, TRUE);
        return FALSE;
    case SIP_AUTH_BAD_REQUEST:
        sip_server_tx_respond(tx, &bad);
        return FALSE;
    case SIP_AUTH_FAILED:
        pbx_notice(pbx_log_domain("security"), "failed authentication from %s:%u",
                   peer->remote_ip, peer->remote_port);
        challenge(tx, src, proxy, FALSE);
        return FALSE;
    case SIP_AUTH_CHALLENGE:
    default:
        challenge(tx, src, proxy, FALSE);
        return FALSE;
    }
    e = sip_endpoint_table_lookup(endpoints, user);
    if (!e) {   /* removed by a reload between challenge and answer */
        challenge(tx, src, proxy, FALSE);
        return FALSE;
    }
    if (!transport_allowed(tx, e, peer))
        return FALSE;
    *endpoint = sip_endpoint_ref(e);
    return TRUE;
}
