/* Carillon - unit tests of SRTP/SRTCP in res_rtp (srtp.c, session_srtp.c):
 * a phone speaking SRTP (libsrtp2 in the test) relayed to a plain RTP
 * phone and back, for each suite; tampered and unkeyed packets dropped
 * and counted; SRTCP relayed as plain RTCP; SRTP to SRTP with two keys.
 * The socket helpers are those of test-relay.c. */
#include <srtp2/srtp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../../modules/res_rtp/rtp_engine.h"
#include "../../../modules/res_rtp/srtp.h"

#include "rtp_sockets.h"

/* Phone X -> session A relayed to B -> phone Y, and back. */

/* The phone's side: libsrtp contexts keyed like the session's far end. */
typedef struct {
    srtp_t tx, rx;
} PhoneSrtp;

static const guint key_lens[] = { 30, 30, 28, 44 };

static void
make_key(RtpSrtpKey *k, RtpSrtpSuite suite, guint8 seed)
{
    k->suite = suite;
    k->key_len = key_lens[suite];
    for (guint i = 0; i < k->key_len; i++)
        k->key[i] = (guint8) (seed + i * 13);
}

static srtp_t
phone_context(const RtpSrtpKey *k, srtp_ssrc_type_t type)
{
    srtp_policy_t p = { 0 };
    srtp_t ctx = NULL;
    guint8 key[RTP_SRTP_MAX_KEY];

    switch (k->suite) {
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        break;
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
        break;
    case RTP_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        break;
    case RTP_SRTP_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        break;
    }
    p.rtcp = p.rtp;
    if (k->suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    memcpy(key, k->key, k->key_len);
    p.key = key;
    p.ssrc.type = type;
    p.window_size = 1024;
    g_assert_cmpint(srtp_create(&ctx, &p), ==, srtp_err_status_ok);
    return ctx;
}

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

/* X (SRTP, keys kx -> A, A -> ka) through A relayed to B -> Y (plain). */
static void
srtp_to_plain(RtpSrtpSuite suite)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    RtpSrtpKey kx, ka;
    PhoneSrtp px;
    g_autoptr(GError) error = NULL;
    guint8 buf[2048];
    RtpStats st;
    int len;

    make_key(&kx, suite, 1);
    make_key(&ka, suite, 101);
    g_assert_true(rtp_session_set_srtp(a, &ka, &kx, &error));
    g_assert_no_error(error);
    px.tx = phone_context(&kx, ssrc_any_outbound);
    px.rx = phone_context(&ka, ssrc_any_inbound);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);

    /* X -> Y: decrypted on the way, the audio as X had it. */
    for (guint16 i = 0; i < 10; i++) {
        fill_rtp(buf, i, 0x1234);
        len = 172;
        g_assert_cmpint(srtp_protect(px.tx, buf, &len), ==, srtp_err_status_ok);
        g_assert_cmpint(len, >, 172);
        send_to(x.fd, AF_INET, session_port(a), buf, (gsize) len);
        g_assert_cmpint(receive(y.fd, buf, sizeof(buf), NULL), ==, 172);
        g_assert_true(is_audio(buf, i));
    }
    /* Y -> X: encrypted for X, which alone can read it. */
    for (guint16 i = 0; i < 10; i++) {
        fill_rtp(buf, (guint16) (100 + i), 0x5678);
        send_to(y.fd, AF_INET, session_port(b), buf, 172);
        len = (int) receive(x.fd, buf, sizeof(buf), NULL);
        g_assert_cmpint(len, >, 172);
        g_assert_false(is_audio(buf, (guint16) (100 + i)));
        g_assert_cmpint(srtp_unprotect(px.rx, buf, &len), ==, srtp_err_status_ok);
        g_assert_cmpint(len, ==, 172);
        g_assert_true(is_audio(buf, (guint16) (100 + i)));
    }
    /* A tampered packet, and a plain one, do not pass. */
    fill_rtp(buf, 50, 0x1234);
    len = 172;
    g_assert_cmpint(srtp_protect(px.tx, buf, &len), ==, srtp_err_status_ok);
    buf[20] ^= 1;
    send_to(x.fd, AF_INET, session_port(a), buf, (gsize) len);
    fill_rtp(buf, 51, 0x1234);
    send_to(x.fd, AF_INET, session_port(a), buf, 172);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, srtp_failed), 2);
    rtp_session_get_stats(a, &st);
    g_assert_true(st.srtp);
    g_assert_cmpuint(st.rx_packets, ==, 10);
    g_assert_cmpuint(rtp_session_get_relayed(a), ==, 10);

    srtp_dealloc(px.tx);
    srtp_dealloc(px.rx);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

static void
test_suite(gconstpointer data)
{
    g_assert_true(rtp_srtp_init(NULL));
    srtp_to_plain((RtpSrtpSuite) GPOINTER_TO_INT(data));
}

/* A minimal RTCP receiver report (SSRC 0x1234, no blocks). */
static void
fill_rtcp(guint8 *buf)
{
    static const guint8 rr[8] = { 0x80, 201, 0, 1, 0, 0, 0x12, 0x34 };

    memcpy(buf, rr, sizeof(rr));
}

/* SRTCP from X arrives at Y as RTCP; Y's RTCP reaches X as SRTCP. */
static void
test_srtcp(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    RtpSrtpKey kx, ka;
    srtp_t tx, rx;
    guint8 buf[2048];
    int len;

    make_key(&kx, RTP_SRTP_AES_CM_128_HMAC_SHA1_32, 3);
    make_key(&ka, RTP_SRTP_AES_CM_128_HMAC_SHA1_32, 7);
    g_assert_true(rtp_session_set_srtp(a, &ka, &kx, NULL));
    tx = phone_context(&kx, ssrc_any_outbound);
    rx = phone_context(&ka, ssrc_any_inbound);
    set_remote(a, "127.0.0.1", x.port);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);

    fill_rtcp(buf);
    len = 8;
    g_assert_cmpint(srtp_protect_rtcp(tx, buf, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(len, ==, 8 + 4 + 10);      /* index and an 80-bit tag */
    send_to(x.rtcp_fd, AF_INET, (guint16) (session_port(a) + 1), buf, (gsize) len);
    g_assert_cmpint(receive(y.rtcp_fd, buf, sizeof(buf), NULL), ==, 8);
    g_assert_cmpuint(buf[1], ==, 201);

    fill_rtcp(buf);
    send_to(y.rtcp_fd, AF_INET, (guint16) (session_port(b) + 1), buf, 8);
    len = (int) receive(x.rtcp_fd, buf, sizeof(buf), NULL);
    g_assert_cmpint(len, ==, 22);
    g_assert_cmpint(srtp_unprotect_rtcp(rx, buf, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(len, ==, 8);

    srtp_dealloc(tx);
    srtp_dealloc(rx);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* A key of the wrong length for its suite is refused; keys off again. */
static void
test_bad_key(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET);
    RtpSrtpKey k;
    g_autoptr(GError) error = NULL;
    RtpStats st;

    make_key(&k, RTP_SRTP_AEAD_AES_256_GCM, 1);
    k.key_len = 30;
    g_assert_false(rtp_session_set_srtp(a, &k, &k, &error));
    g_assert_error(error, RTP_ERROR, RTP_ERROR_FAILED);
    make_key(&k, RTP_SRTP_AEAD_AES_256_GCM, 1);
    g_assert_true(rtp_session_set_srtp(a, &k, &k, NULL));
    g_assert_true(rtp_session_set_srtp(a, NULL, NULL, NULL));
    rtp_engine_sync(e);
    rtp_session_get_stats(a, &st);
    g_assert_false(st.srtp);
    rtp_session_free(a);
    rtp_engine_free(e);
}

/* Sends X's packet `seq` (protected with tx) to A; TRUE when Y got it. */
static gboolean
x_to_y(srtp_t tx, const Phone *x, const Phone *y, RtpSession *a, guint16 seq,
       guint8 *replay, int *replay_len)
{
    guint8 buf[2048];
    int len = 172;

    fill_rtp(buf, seq, 0x1234);
    g_assert_cmpint(srtp_protect(tx, buf, &len), ==, srtp_err_status_ok);
    if (replay) {
        memcpy(replay, buf, (gsize) len);
        *replay_len = len;
    }
    send_to(x->fd, AF_INET, session_port(a), buf, (gsize) len);
    return receive(y->fd, buf, sizeof(buf), NULL) == 172 && is_audio(buf, seq);
}

/* Y's packet `seq` reaches X under A's tx key; TRUE when rx decrypts it. */
static gboolean
y_to_x(srtp_t rx, const Phone *x, const Phone *y, RtpSession *b, guint16 seq)
{
    guint8 buf[2048];
    int len;

    fill_rtp(buf, seq, 0x5678);
    send_to(y->fd, AF_INET, session_port(b), buf, 172);
    len = (int) receive(x->fd, buf, sizeof(buf), NULL);
    return len > 172 && srtp_unprotect(rx, buf, &len) == srtp_err_status_ok &&
           is_audio(buf, seq);
}

/* RFC 4568 7.1.4 re-INVITEs: the same keys again keep the contexts (an
 * old packet replayed is still refused: the replay window, and with it
 * the rollover counter, went on); a new tx key with the old rx key
 * rekeys what A sends at once and keeps the rx context; new keys both
 * ways take over both. */
static void
test_rekey(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    RtpSrtpKey kx, ka, ka2, kx2;
    srtp_t xtx, xrx, xrx2, xtx2;
    guint8 old[2048];
    int old_len;

    make_key(&kx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
    make_key(&ka, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, 2);
    make_key(&ka2, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, 3);
    make_key(&kx2, RTP_SRTP_AEAD_AES_128_GCM, 4);
    xtx = phone_context(&kx, ssrc_any_outbound);
    xrx = phone_context(&ka, ssrc_any_inbound);
    xrx2 = phone_context(&ka2, ssrc_any_inbound);
    xtx2 = phone_context(&kx2, ssrc_any_outbound);
    g_assert_true(rtp_session_set_srtp(a, &ka, &kx, NULL));
    set_remote(a, "127.0.0.1", x.port);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    g_assert_true(x_to_y(xtx, &x, &y, a, 1, old, &old_len));
    g_assert_true(y_to_x(xrx, &x, &y, b, 100));

    /* the same keys (a session refresh): nothing restarts */
    g_assert_true(rtp_session_set_srtp(a, &ka, &kx, NULL));
    rtp_engine_sync(e);
    send_to(x.fd, AF_INET, session_port(a), old, (gsize) old_len);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, srtp_failed), 1);
    g_assert_true(x_to_y(xtx, &x, &y, a, 2, NULL, NULL));
    g_assert_true(y_to_x(xrx, &x, &y, b, 101));

    /* a new key of ours, theirs unchanged: A sends under ka2 at once,
     * and the replay is still refused (the rx context stayed) */
    g_assert_true(rtp_session_set_srtp(a, &ka2, &kx, NULL));
    rtp_engine_sync(e);
    g_assert_true(y_to_x(xrx2, &x, &y, b, 102));
    send_to(x.fd, AF_INET, session_port(a), old, (gsize) old_len);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, srtp_failed), 2);
    g_assert_true(x_to_y(xtx, &x, &y, a, 3, NULL, NULL));

    /* their new key and suite too: the old one no longer passes */
    g_assert_true(rtp_session_set_srtp(a, &ka2, &kx2, NULL));
    rtp_engine_sync(e);
    g_assert_true(x_to_y(xtx2, &x, &y, a, 4, NULL, NULL));
    g_assert_false(x_to_y(xtx, &x, &y, a, 5, NULL, NULL));
    g_assert_true(y_to_x(xrx2, &x, &y, b, 103));

    srtp_dealloc(xtx);
    srtp_dealloc(xrx);
    srtp_dealloc(xrx2);
    srtp_dealloc(xtx2);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

/* Nothing arrived on fd (the worker counted the drop before). */
static gboolean
nothing_on(int fd)
{
    guint8 buf[2048];

    return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0;
}

static void
send_plain(const Phone *x, const Phone *y, RtpSession *a, RtpSession *b, guint16 seq)
{
    guint8 buf[256];

    fill_rtp(buf, seq, 0x1234);
    send_to(x->fd, AF_INET, session_port(a), buf, 172);
    fill_rtp(buf, (guint16) (seq + 1), 0x5678);
    send_to(y->fd, AF_INET, session_port(b), buf, 172);
}

/* Plain packets X -> A and Y -> B: both dropped (X's on A, where it
 * came in; Y's on B, as A would send it out), nothing reached X or Y. */
static void
plain_dropped(RtpEngine *e, RtpSession *a, RtpSession *b, const Phone *x, const Phone *y,
              guint16 seq)
{
    RtpStats sa, sb;

    rtp_session_get_stats(a, &sa);
    rtp_session_get_stats(b, &sb);
    send_plain(x, y, a, b, seq);
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, dropped), sa.dropped + 1);
    wait_counter(e, b, G_STRUCT_OFFSET(RtpStats, dropped), sb.dropped + 1);
    g_assert_true(nothing_on(x->fd));
    g_assert_true(nothing_on(y->fd));
}

/* ... both relayed as they are. */
static void
plain_relayed(const Phone *x, const Phone *y, RtpSession *a, RtpSession *b, guint16 seq)
{
    guint8 buf[2048];

    send_plain(x, y, a, b, seq);
    g_assert_cmpint(receive(y->fd, buf, sizeof(buf), NULL), ==, 172);
    g_assert_true(is_audio(buf, seq));
    g_assert_cmpint(receive(x->fd, buf, sizeof(buf), NULL), ==, 172);
    g_assert_true(is_audio(buf, (guint16) (seq + 1)));
}

/* A leg that will be SRTP, its remote known before its keys (chan_sip
 * takes an INVITE's offer at once and answers with our key at the
 * 200): nothing plain passes either way until the keys come; then SRTP
 * does.  An explicit plain decision (set_srtp NULL, set_dtls NULL)
 * opens it. */
static void
test_expect_keys(void)
{
    RtpEngine *e = engine_new(1, random_base(), 65535);
    RtpSession *a = session_new(e, AF_INET), *b = session_new(e, AF_INET);
    Phone x = phone_new(AF_INET), y = phone_new(AF_INET);
    RtpSrtpKey kx, ka;
    srtp_t xtx, xrx;
    guint8 old[256];

    make_key(&kx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, 3);
    make_key(&ka, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, 77);
    xtx = phone_context(&kx, ssrc_any_outbound);
    xrx = phone_context(&ka, ssrc_any_inbound);
    rtp_session_expect_keys(a);
    set_remote(a, "127.0.0.1", x.port);
    set_remote(b, "127.0.0.1", y.port);
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    plain_dropped(e, a, b, &x, &y, 1);
    plain_dropped(e, a, b, &x, &y, 3);
    g_assert_true(rtp_session_set_srtp(a, &ka, &kx, NULL));
    rtp_engine_sync(e);
    g_assert_true(x_to_y(xtx, &x, &y, a, 10, NULL, NULL));
    g_assert_true(y_to_x(xrx, &x, &y, b, 11));
    fill_rtp(old, 12, 0x1234);
    send_to(x.fd, AF_INET, session_port(a), old, 172);      /* plain into A: refused */
    wait_counter(e, a, G_STRUCT_OFFSET(RtpStats, srtp_failed), 1);
    g_assert_true(nothing_on(y.fd));
    /* plain decided: SDES... */
    g_assert_true(rtp_session_set_srtp(a, NULL, NULL, NULL));
    rtp_session_expect_keys(a);
    rtp_engine_sync(e);
    plain_dropped(e, a, b, &x, &y, 20);
    g_assert_true(rtp_session_set_srtp(a, NULL, NULL, NULL));
    rtp_engine_sync(e);
    plain_relayed(&x, &y, a, b, 22);
    /* ... and DTLS */
    rtp_session_expect_keys(a);
    rtp_engine_sync(e);
    plain_dropped(e, a, b, &x, &y, 30);
    g_assert_true(rtp_session_set_dtls(a, NULL, NULL));
    rtp_engine_sync(e);
    plain_relayed(&x, &y, a, b, 32);

    srtp_dealloc(xtx);
    srtp_dealloc(xrx);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    phone_close(&x);
    phone_close(&y);
}

int
main(int argc, char **argv)
{
    static const char *const names[] = { "aes-cm-80", "aes-cm-32", "aes-gcm-128", "aes-gcm-256" };

    g_test_init(&argc, &argv, NULL);
    g_assert_true(rtp_srtp_init(NULL));
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_strdup_printf("/rtp/srtp/to-plain/%s", names[i]);
        g_test_add_data_func(path, GINT_TO_POINTER(i), test_suite);
    }
    g_test_add_func("/rtp/srtp/srtcp", test_srtcp);
    g_test_add_func("/rtp/srtp/rekey", test_rekey);
    g_test_add_func("/rtp/srtp/bad-key", test_bad_key);
    g_test_add_func("/rtp/srtp/expect-keys", test_expect_keys);
    return g_test_run();
}
