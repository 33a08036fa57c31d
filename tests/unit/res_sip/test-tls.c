/* Carillon - unit tests of res_sip's TLS contexts and memory-BIO sessions
 * (tls_context.c, tls_session.c): handshakes pumped in memory, peer
 * verification both ways, old protocol versions and garbage refused. */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "../../../modules/res_sip/tls.h"

static char *
data_file(const char *name)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return g_build_filename(dir && *dir ? dir : "tests/data", "tls", name, NULL);
}

/* A context with name.crt / name.key, trusting ca.crt. */
static SipTlsContext *
context(const char *name, gboolean verify_client, gboolean verify_server)
{
    g_autofree char *crt = g_strdup_printf("%s.crt", name);
    g_autofree char *key = g_strdup_printf("%s.key", name);
    SipTlsConf conf = {
        .cert_file = data_file(crt), .key_file = data_file(key), .ca_file = data_file("ca.crt"),
        .verify_client = verify_client, .verify_server = verify_server, .min_version = "1.2",
    };
    g_autoptr(GError) error = NULL;
    SipTlsContext *ctx = sip_tls_context_new(&conf, &error);

    g_assert_no_error(error);
    g_assert_nonnull(ctx);
    g_free(conf.cert_file);
    g_free(conf.key_file);
    g_free(conf.ca_file);
    return ctx;
}

/* Reads what b has (driving its handshake) into got; -1 once failed. */
static gssize
drain(SipTlsSession *b, GString *got)
{
    char buf[4096];
    gssize n, total = 0;

    while ((n = sip_tls_session_read(b, buf, sizeof(buf))) > 0) {
        g_string_append_len(got, buf, n);
        total += n;
    }
    return n < 0 ? -1 : total;
}

/* Moves records between two sessions until neither has any to send;
 * the plaintext each received goes to a_in / b_in. */
static void
pump(SipTlsSession *a, SipTlsSession *b, GString *a_in, GString *b_in)
{
    char buf[32768];

    for (int round = 0; round < 20; round++) {
        gsize na = sip_tls_session_take_output(a, buf, sizeof(buf));
        gsize nb;

        if (na)
            sip_tls_session_input(b, buf, na);
        drain(b, b_in);
        nb = sip_tls_session_take_output(b, buf, sizeof(buf));
        if (nb)
            sip_tls_session_input(a, buf, nb);
        drain(a, a_in);
        if (!na && !nb)
            return;
    }
}

static SipAddr
loopback(void)
{
    SipAddr a;

    g_assert_true(sip_addr_parse("127.0.0.1:5061", 5061, &a));
    return a;
}

static void
test_handshake_and_data(void)
{
    g_autoptr(SipTlsContext) sctx = context("server", FALSE, FALSE);
    g_autoptr(SipTlsContext) cctx = context("client", FALSE, TRUE);
    SipAddr peer = loopback();
    SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    SipTlsSession *c = sip_tls_session_new(cctx, FALSE, &peer, NULL);
    const char *msg = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n\r\n";
    g_autoptr(GString) d = g_string_new(NULL);
    g_autoptr(GString) c_in = g_string_new(NULL);
    g_autoptr(GString) s_in = g_string_new(NULL);

    /* Written before the handshake: held, then sent once it is done. */
    g_assert_cmpint(sip_tls_session_write(c, msg, strlen(msg)), ==, SIP_TLS_OK);
    g_assert_false(sip_tls_session_handshake_done(c));
    pump(c, s, c_in, s_in);
    g_assert_true(sip_tls_session_handshake_done(c));
    g_assert_true(sip_tls_session_handshake_done(s));
    g_assert_cmpstr(s_in->str, ==, msg);
    g_assert_cmpuint(c_in->len, ==, 0);
    /* And back. */
    g_assert_cmpint(sip_tls_session_write(s, "SIP/2.0 200 OK\r\n", 17), ==, SIP_TLS_OK);
    pump(s, c, s_in, c_in);
    g_assert_cmpstr(c_in->str, ==, "SIP/2.0 200 OK\r\n");
    sip_tls_session_describe(s, d);
    g_assert_true(g_str_has_prefix(d->str, "TLSv1.3 "));
    sip_tls_session_free(s);
    sip_tls_session_free(c);
}

static void
test_server_not_trusted(void)
{
    g_autoptr(SipTlsContext) sctx = context("rogue", FALSE, FALSE);
    g_autoptr(SipTlsContext) cctx = context("client", FALSE, TRUE);
    SipAddr peer = loopback();
    SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    SipTlsSession *c = sip_tls_session_new(cctx, FALSE, &peer, NULL);

    g_autoptr(GString) c_in = g_string_new(NULL);
    g_autoptr(GString) s_in = g_string_new(NULL);

    sip_tls_session_write(c, "x", 1);
    pump(c, s, c_in, s_in);
    g_assert_false(sip_tls_session_handshake_done(c));
    g_assert_nonnull(sip_tls_session_error(c));
    g_assert_nonnull(strstr(sip_tls_session_error(c), "certificate"));
    sip_tls_session_free(s);
    sip_tls_session_free(c);
}

/* The server certificate is for 127.0.0.1, not 192.0.2.1. */
static void
test_server_wrong_address(void)
{
    g_autoptr(SipTlsContext) sctx = context("server", FALSE, FALSE);
    g_autoptr(SipTlsContext) cctx = context("client", FALSE, TRUE);
    SipAddr peer;
    SipTlsSession *s, *c;

    g_autoptr(GString) c_in = g_string_new(NULL);
    g_autoptr(GString) s_in = g_string_new(NULL);

    g_assert_true(sip_addr_parse("192.0.2.1:5061", 5061, &peer));
    s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    c = sip_tls_session_new(cctx, FALSE, &peer, NULL);
    sip_tls_session_write(c, "x", 1);
    pump(c, s, c_in, s_in);
    g_assert_cmpuint(s_in->len, ==, 0);
    g_assert_nonnull(sip_tls_session_error(c));
    sip_tls_session_free(s);
    sip_tls_session_free(c);
}

static void
client_cert_case(const char *client, gboolean ok)
{
    g_autoptr(SipTlsContext) sctx = context("server", TRUE, FALSE);
    g_autoptr(SipTlsContext) cctx = context(client, FALSE, FALSE);
    SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    SipTlsSession *c = sip_tls_session_new(cctx, FALSE, NULL, NULL);
    g_autoptr(GString) c_in = g_string_new(NULL);
    g_autoptr(GString) s_in = g_string_new(NULL);

    sip_tls_session_write(c, "hello", 5);
    pump(c, s, c_in, s_in);
    if (ok) {
        g_assert_cmpstr(s_in->str, ==, "hello");
    } else {
        g_assert_cmpuint(s_in->len, ==, 0);
        g_assert_nonnull(sip_tls_session_error(s));
    }
    sip_tls_session_free(s);
    sip_tls_session_free(c);
}

static void
test_client_certificates(void)
{
    client_cert_case("client", TRUE);
    client_cert_case("rogue", FALSE);
}

/* A plain OpenSSL client with no certificate, or capped at TLS 1.1. */
static SSL *
raw_client(SSL_CTX **ctx_out, int max_version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl;

    if (max_version) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        SSL_CTX_set_max_proto_version(ctx, max_version);
        SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    }
    ssl = SSL_new(ctx);
    SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_connect_state(ssl);
    *ctx_out = ctx;
    return ssl;
}

/* Runs a raw client against a server session; the server's verdict. */
static gssize
raw_handshake(SipTlsSession *s, SSL *ssl)
{
    char buf[32768];
    gssize r = 0;

    for (int round = 0; round < 10; round++) {
        int n;

        SSL_do_handshake(ssl);
        n = BIO_read(SSL_get_wbio(ssl), buf, sizeof(buf));
        if (n > 0)
            sip_tls_session_input(s, buf, n);
        r = sip_tls_session_read(s, buf, sizeof(buf));
        if (r < 0)
            return r;
        n = (int) sip_tls_session_take_output(s, buf, sizeof(buf));
        if (n > 0)
            BIO_write(SSL_get_rbio(ssl), buf, n);
    }
    return r;
}

static void
test_no_client_certificate(void)
{
    g_autoptr(SipTlsContext) sctx = context("server", TRUE, FALSE);
    SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    SSL_CTX *ctx;
    SSL *ssl = raw_client(&ctx, 0);

    g_assert_cmpint(raw_handshake(s, ssl), ==, -1);
    g_assert_nonnull(strstr(sip_tls_session_error(s), "certificate"));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    sip_tls_session_free(s);
}

static void
test_old_versions_refused(void)
{
    static const int versions[] = { TLS1_VERSION, TLS1_1_VERSION };

    for (guint i = 0; i < G_N_ELEMENTS(versions); i++) {
        g_autoptr(SipTlsContext) sctx = context("server", FALSE, FALSE);
        SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
        SSL_CTX *ctx;
        SSL *ssl = raw_client(&ctx, versions[i]);

        g_assert_cmpint(raw_handshake(s, ssl), ==, -1);
        g_assert_nonnull(strstr(sip_tls_session_error(s), "protocol"));
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        sip_tls_session_free(s);
    }
}

/* Plain SIP (or anything else) sent to a TLS port fails the session. */
static void
test_garbage_refused(void)
{
    g_autoptr(SipTlsContext) sctx = context("server", FALSE, FALSE);
    SipTlsSession *s = sip_tls_session_new(sctx, TRUE, NULL, NULL);
    const char *plain = "REGISTER sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
    char buf[64];

    g_assert_cmpint(sip_tls_session_input(s, plain, strlen(plain)), ==, SIP_TLS_OK);
    g_assert_cmpint(sip_tls_session_read(s, buf, sizeof(buf)), ==, -1);
    g_assert_nonnull(sip_tls_session_error(s));
    g_assert_cmpint(sip_tls_session_write(s, "x", 1), ==, SIP_TLS_FAILED);
    sip_tls_session_free(s);
}

static void
expect_context_error(SipTlsConf *conf, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SipTlsContext) ctx = sip_tls_context_new(conf, &error);

    g_assert_null(ctx);
    g_assert_nonnull(error);
    if (!strstr(error->message, needle))
        g_error("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_context_errors(void)
{
    g_autofree char *crt = data_file("server.crt");
    g_autofree char *key = data_file("server.key");
    g_autofree char *other_key = data_file("client.key");
    SipTlsConf conf = { .cert_file = "/nonexistent/x.crt", .key_file = key };

    expect_context_error(&conf, "/nonexistent/x.crt");
    conf.cert_file = crt;
    conf.key_file = other_key;
    expect_context_error(&conf, "client.key");
    conf.key_file = key;
    conf.min_version = "1.0";
    expect_context_error(&conf, "min_version");
    conf.min_version = NULL;
    conf.verify_client = TRUE;
    expect_context_error(&conf, "ca_file");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("TLS sessions over memory BIOs: handshake, verification, refusals");
    g_test_add_func("/sip/tls/handshake-and-data", test_handshake_and_data);
    g_test_add_func("/sip/tls/server-not-trusted", test_server_not_trusted);
    g_test_add_func("/sip/tls/server-wrong-address", test_server_wrong_address);
    g_test_add_func("/sip/tls/client-certificates", test_client_certificates);
    g_test_add_func("/sip/tls/no-client-certificate", test_no_client_certificate);
    g_test_add_func("/sip/tls/old-versions-refused", test_old_versions_refused);
    g_test_add_func("/sip/tls/garbage-refused", test_garbage_refused);
    g_test_add_func("/sip/tls/context-errors", test_context_errors);
    return g_test_run();
}
