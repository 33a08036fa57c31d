/* Carillon - unit tests of DTLS-SRTP in res_rtp (dtls.c, session_dtls.c):
 * two in-process associations handshaking through memory (keys that
 * match both ways, each profile the peer insists on), a certificate
 * that does not match the a=fingerprint, records split at the MTU; then
 * four real sessions on 127.0.0.1: plain phone X -> C relayed to A,
 * A <-DTLS-SRTP-> B, B relayed to D -> plain phone Y, with and without
 * rtcp-mux, where nothing passes before the handshake and the wire
 * between A and B carries SRTP.  The socket helpers are in
 * rtp_sockets.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

#include "../../../modules/res_rtp/dtls.h"
#include "../../../modules/res_rtp/rtp_engine.h"
#include "../../../modules/res_rtp/srtp.h"
#include "rtp_sockets.h"

static void
fill_rtp(guint8 *buf, guint16 seq, guint32 ssrc)
{
    memset(buf, 0, 12);
    buf[0] = 0x80;
    buf[2] = (guint8) (seq >> 8);
    buf[3] = (guint8) seq;
    buf[7] = (guint8) seq;
    for (int i = 0; i < 4; i++)
        buf[8 + i] = (guint8) (ssrc >> (24 - 8 * i));
    for (int i = 0; i < 160; i++)
        buf[12 + i] = (guint8) (seq + i);       /* the "audio" */
}

static gboolean
is_audio(const guint8 *buf, guint16 seq)
{
    for (int i = 0; i < 160; i++)
        if (buf[12 + i] != (guint8) (seq + i))
            return FALSE;
    return TRUE;
}

/* ------------------------------------------------ in-process handshake */

static void
fp_bytes(const RtpDtlsCert *cert, guint8 *out)
{
    const char *s = rtp_dtls_cert_fingerprint(cert);

    g_assert_cmpuint(strlen(s), ==, RTP_DTLS_FP_LEN * 3 - 1);
    for (guint i = 0; i < RTP_DTLS_FP_LEN; i++)
        out[i] = (guint8) g_ascii_strtoull(s + 3 * i, NULL, 16);
}

/* Datagrams in flight one way. */
typedef struct {
    GQueue q;
    guint max_len;
} Wire;

static void
wire_send(const guint8 *data, gsize len, gpointer user)
{
    Wire *w = user;

    w->max_len = MAX(w->max_len, (guint) len);
    g_queue_push_tail(&w->q, g_bytes_new(data, len));
}

/* Delivers what is in flight until both sides stop. */
static void
pump(RtpDtls *a, RtpDtls *b, Wire *to_a, Wire *to_b)
{
    for (int round = 0; round < 50; round++) {
        GBytes *d;
        gboolean moved = FALSE;

        while ((d = g_queue_pop_head(&to_b->q))) {
            rtp_dtls_receive(b, g_bytes_get_data(d, NULL), g_bytes_get_size(d), 1, wire_send,
                             to_a);
            g_bytes_unref(d);
            moved = TRUE;
        }
        while ((d = g_queue_pop_head(&to_a->q))) {
            rtp_dtls_receive(a, g_bytes_get_data(d, NULL), g_bytes_get_size(d), 1, wire_send,
                             to_b);
            g_bytes_unref(d);
            moved = TRUE;
        }
        if (!moved)
            return;
    }
}

static void
wire_clear(Wire *w)
{
    g_queue_clear_full(&w->q, (GDestroyNotify) g_bytes_unref);
}

/* Packet of seq protected by `from`, unprotected by `to`. */
static void
check_keys(RtpSrtp *from, RtpSrtp *to, guint16 seq)
{
    guint8 buf[172 + RTP_SRTP_ROOM];
    guint len = 172;

    fill_rtp(buf, seq, 0xabc);
    g_assert_true(rtp_srtp_protect(from, buf, &len));
    g_assert_cmpuint(len, >, 172);
    g_assert_false(is_audio(buf, seq));
    g_assert_true(rtp_srtp_unprotect(to, buf, &len));
    g_assert_cmpuint(len, ==, 172);
    g_assert_true(is_audio(buf, seq));
}

static void
test_handshake(void)
{
    g_autoptr(GError) error = NULL;
    RtpDtlsCert *ca = rtp_dtls_cert_new(&error), *cb = rtp_dtls_cert_new(&error);
    guint8 fa[RTP_DTLS_FP_LEN], fb[RTP_DTLS_FP_LEN];
    Wire to_a = { G_QUEUE_INIT, 0 }, to_b = { G_QUEUE_INIT, 0 };
    RtpDtls *a, *b;
    RtpSrtp *sa, *sb;

    g_assert_no_error(error);
    g_assert_cmpstr(rtp_dtls_cert_fingerprint(ca), !=, rtp_dtls_cert_fingerprint(cb));
    fp_bytes(ca, fa);
    fp_bytes(cb, fb);
    a = rtp_dtls_new(ca, TRUE, fb, &error);
    b = rtp_dtls_new(cb, FALSE, fa, &error);
    g_assert_no_error(error);
    g_assert_cmpint(rtp_dtls_start(b, 1, wire_send, &to_a), ==, RTP_DTLS_HANDSHAKE);
    g_assert_true(g_queue_is_empty(&to_a.q));      /* the server waits */
    g_assert_cmpint(rtp_dtls_start(a, 1, wire_send, &to_b), ==, RTP_DTLS_HANDSHAKE);
    g_assert_false(g_queue_is_empty(&to_b.q));     /* ClientHello */
    pump(a, b, &to_a, &to_b);
    g_assert_cmpint(rtp_dtls_state(a), ==, RTP_DTLS_DONE);
    g_assert_cmpint(rtp_dtls_state(b), ==, RTP_DTLS_DONE);
    g_assert_cmpstr(rtp_dtls_profile(a), ==, "SRTP_AEAD_AES_128_GCM");
    g_assert_cmpstr(rtp_dtls_profile(b), ==, rtp_dtls_profile(a));
    g_assert_cmpuint(to_a.max_len, <=, RTP_DTLS_MTU);
    g_assert_cmpuint(to_b.max_len, <=, RTP_DTLS_MTU);
    sa = rtp_dtls_take_srtp(a, &error);
    sb = rtp_dtls_take_srtp(b, &error);
    g_assert_no_error(error);
    check_keys(sa, sb, 1);      /* client -> server */
    check_keys(sb, sa, 2);      /* server -> client */
    g_assert_null(rtp_dtls_take_srtp(a, NULL));     /* keys given once */
    rtp_srtp_free(sa);
    rtp_srtp_free(sb);
    wire_clear(&to_a);
    wire_clear(&to_b);
    rtp_dtls_free(a);
    rtp_dtls_free(b);
    rtp_dtls_cert_free(ca);
    rtp_dtls_cert_free(cb);
}

/* The server's certificate is not the one the client's SDP named: the
 * client fails and exports nothing. */
static void
test_fingerprint_mismatch(void)
{
    g_autoptr(GError) error = NULL;
    RtpDtlsCert *ca = rtp_dtls_cert_new(&error), *cb = rtp_dtls_cert_new(&error);
    guint8 fa[RTP_DTLS_FP_LEN], fb[RTP_DTLS_FP_LEN];
    Wire to_a = { G_QUEUE_INIT, 0 }, to_b = { G_QUEUE_INIT, 0 };
    RtpDtls *a, *b;

    fp_bytes(ca, fa);
    fp_bytes(cb, fb);
    fb[7] ^= 0x40;
    a = rtp_dtls_new(ca, TRUE, fb, &error);
    b = rtp_dtls_new(cb, FALSE, fa, &error);
    rtp_dtls_start(a, 1, wire_send, &to_b);
    pump(a, b, &to_a, &to_b);
    g_assert_cmpint(rtp_dtls_state(a), ==, RTP_DTLS_FAILED);
    g_assert_nonnull(strstr(rtp_dtls_error(a), "fingerprint"));
    g_assert_null(rtp_dtls_take_srtp(a, &error));
    g_assert_error(error, RTP_ERROR, RTP_ERROR_FAILED);
    wire_clear(&to_a);
    wire_clear(&to_b);
    rtp_dtls_free(a);
    rtp_dtls_free(b);
    rtp_dtls_cert_free(ca);
    rtp_dtls_cert_free(cb);
}

/* Garbage that looks like a record, and a handshake that never gets an
 * answer, end in FAILED / a timeout, not a crash. */
static void
test_garbage_and_timeout(void)
{
    g_autoptr(GError) error = NULL;
    RtpDtlsCert *c = rtp_dtls_cert_new(&error);
    guint8 fp[RTP_DTLS_FP_LEN] = { 0 }, junk[300];
    Wire out = { G_QUEUE_INIT, 0 };
    RtpDtls *srv = rtp_dtls_new(c, FALSE, fp, &error), *cli = rtp_dtls_new(c, TRUE, fp, &error);

    for (guint i = 0; i < sizeof(junk); i++)
        junk[i] = (guint8) g_test_rand_int();
    junk[0] = 22;
    rtp_dtls_start(srv, 1, wire_send, &out);
    for (int i = 0; i < 20 && rtp_dtls_state(srv) == RTP_DTLS_HANDSHAKE; i++)
        rtp_dtls_receive(srv, junk, sizeof(junk), 1, wire_send, &out);
    g_assert_cmpint(rtp_dtls_state(srv), !=, RTP_DTLS_DONE);
    rtp_dtls_start(cli, 1000, wire_send, &out);
    g_assert_cmpint(rtp_dtls_tick(cli, 2000, wire_send, &out), ==, RTP_DTLS_HANDSHAKE);
    g_assert_cmpint(rtp_dtls_tick(cli, 1000 + RTP_DTLS_TIMEOUT_US + 1, wire_send, &out), ==,
                    RTP_DTLS_FAILED);
    g_assert_nonnull(strstr(rtp_dtls_error(cli), "timed out"));
    wire_clear(&out);
    rtp_dtls_free(srv);
    rtp_dtls_free(cli);
    rtp_dtls_cert_free(c);
}

/* ------------------------------------------------ sessions on sockets */

typedef struct {
    guint ok, failed;
    char detail[64];
} Secure;

static void
on_secure(RtpSession *s, gboolean ok, const char *detail, gpointer data)
{
    Secure *sec = data;

    (void) s;
    if (ok)
        sec->ok++;
    else
        sec->failed++;
    g_strlcpy(sec->detail, detail ? detail : "", sizeof(sec->detail));
}

static const RtpSessionEvents secure_events = { .secure = on_secure };

static void
wait_secure(RtpEngine *e, const Secure *a, const Secure *b)
{
    for (int i = 0; i < 3000 && (a->ok + a->failed == 0 || b->ok + b->failed == 0); i++) {
        rtp_engine_sync(e);
        g_usleep(1000);
    }
}

static void
set_dtls(RtpSession *s, RtpDtlsRole role, const guint8 *fp, gboolean mux)
{
    g_autoptr(GError) error = NULL;
    RtpDtlsParams p = { .role = role, .rtcp_mux = mux };

    memcpy(p.fingerprint, fp, RTP_DTLS_FP_LEN);
    g_assert_true(rtp_session_set_dtls(s, &p, &error));
    g_assert_no_error(error);
}

/* X -> C = A ~DTLS~ B = D -> Y, and RTCP X -> Y. */
static void
sessions(gconstpointer data)
{
    gboolean mux = GPOINTER_TO_INT(data);
    RtpEngine *e = engine_new(2, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    RtpSession *c = session_new(e, AF_INET), *d = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    Secure sa = { 0 }, sb = { 0 };
    guint8 fp[RTP_DTLS_FP_LEN], buf[2048];
    RtpStats st;

    g_assert_true(rtp_dtls_global_init(NULL));
    fp_bytes(rtp_dtls_global(), fp);
    rtp_session_set_events(a, &secure_events, &sa);
    rtp_session_set_events(b, &secure_events, &sb);
    set_remote(a, "127.0.0.1", session_port(b));
    set_remote(b, "127.0.0.1", session_port(a));
    set_remote(c, "127.0.0.1", x.port);
    set_remote(d, "127.0.0.1", y.port);
    rtp_session_relay(c, a);
    rtp_session_relay(b, d);
    set_dtls(b, RTP_DTLS_ROLE_PASSIVE, fp, mux);
    rtp_engine_sync(e);
    /* B waits for a ClientHello: what X sends goes nowhere meanwhile */
    fill_rtp(buf, 1, 0x1111);
    send_to(x.fd, AF_INET, session_port(c), buf, 172);
    wait_counter(e, c, G_STRUCT_OFFSET(RtpStats, rx_packets), 1);
    rtp_session_get_stats(b, &st);
    g_assert_cmpint(st.dtls, ==, RTP_DTLS_CONNECTING);
    g_assert_false(st.srtp);

    set_dtls(a, RTP_DTLS_ROLE_ACTIVE, fp, mux);
    wait_secure(e, &sa, &sb);
    g_assert_cmpuint(sa.ok, ==, 1);
    g_assert_cmpuint(sb.ok, ==, 1);
    g_assert_cmpstr(sa.detail, ==, "SRTP_AEAD_AES_128_GCM");
    rtp_session_get_stats(a, &st);
    g_assert_cmpint(st.dtls, ==, RTP_DTLS_CONNECTED);
    g_assert_true(st.srtp);
    g_assert_cmpint(st.rtcp_mux, ==, mux);
    if (!mux)       /* the RTCP port's own handshake: a little later */
        g_usleep(200000);

    for (guint16 i = 10; i < 20; i++) {
        fill_rtp(buf, i, 0x1111);
        send_to(x.fd, AF_INET, session_port(c), buf, 172);
        g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);
        g_assert_true(is_audio(buf, i));
        fill_rtp(buf, (guint16) (100 + i), 0x2222);
        send_to(y.fd, AF_INET, session_port(d), buf, 172);
        g_assert_cmpint(receive(x.fd, buf, sizeof(buf), NULL), ==, 172);
        g_assert_true(is_audio(buf, (guint16) (100 + i)));
    }
    /* an RTCP receiver report X -> Y, SRTCP between A and B */
    memset(buf, 0, 8);
    buf[0] = 0x80;
    buf[1] = 201;
    buf[3] = 1;
    send_to(x.rtcp_fd, AF_INET, (guint16) (session_port(c) + 1), buf, 8);
    g_assert_cmpint(receive(y.rtcp_fd, buf, sizeof(buf), NULL), ==, 8);
    g_assert_cmpint(buf[1], ==, 201);
    rtp_session_get_stats(b, &st);
    g_assert_cmpuint(st.rx_packets, ==, 10);
    g_assert_cmpuint(st.rtcp_rx, ==, 1);
    g_assert_cmpuint(st.srtp_failed, ==, 0);

    for (RtpSession **s = (RtpSession *[]) { a, b, c, d, NULL }; *s; s++)
        rtp_session_free(*s);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* A wrong fingerprint on B's side: B reports the failure, nothing passes. */
static void
test_session_mismatch(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Secure sa = { 0 }, sb = { 0 };
    guint8 fp[RTP_DTLS_FP_LEN], bad[RTP_DTLS_FP_LEN];
    RtpStats st;

    g_assert_true(rtp_dtls_global_init(NULL));
    fp_bytes(rtp_dtls_global(), fp);
    memcpy(bad, fp, sizeof(bad));
    bad[0] ^= 1;
    rtp_session_set_events(a, &secure_events, &sa);
    rtp_session_set_events(b, &secure_events, &sb);
    set_remote(a, "127.0.0.1", session_port(b));
    set_remote(b, "127.0.0.1", session_port(a));
    set_dtls(b, RTP_DTLS_ROLE_PASSIVE, bad, TRUE);
    set_dtls(a, RTP_DTLS_ROLE_ACTIVE, fp, TRUE);
    wait_secure(e, &sb, &sb);
    g_assert_cmpuint(sb.failed, ==, 1);
    g_assert_nonnull(strstr(sb.detail, "fingerprint"));
    rtp_session_get_stats(b, &st);
    g_assert_cmpint(st.dtls, ==, RTP_DTLS_BROKEN);
    g_assert_false(st.srtp);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(rtp_srtp_init(NULL));
    g_test_add_func("/rtp/dtls/handshake", test_handshake);
    g_test_add_func("/rtp/dtls/fingerprint-mismatch", test_fingerprint_mismatch);
    g_test_add_func("/rtp/dtls/garbage-and-timeout", test_garbage_and_timeout);
    g_test_add_data_func("/rtp/dtls/sessions-mux", GINT_TO_POINTER(TRUE), sessions);
    g_test_add_data_func("/rtp/dtls/sessions-no-mux", GINT_TO_POINTER(FALSE), sessions);
    g_test_add_func("/rtp/dtls/session-mismatch", test_session_mismatch);
    {
        int r = g_test_run();
        rtp_dtls_global_free();
        return r;
    }
}
