/* Carillon - unit tests of RTP/RTCP parsing and receive statistics
 * (res_rtp/rtp_stats.c) with crafted packets, and of rtp.conf. */
#include <string.h>

#include "../../../modules/res_rtp/rtp_engine.h"
#include "../../../modules/res_rtp/rtp_stats.h"

static gsize
make_rtp(guint8 *buf, guint16 seq, guint32 ts, guint32 ssrc)
{
    memset(buf, 0, 172);
    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = seq >> 8;
    buf[3] = seq & 0xff;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (ts >> (24 - 8 * i)) & 0xff;
        buf[8 + i] = (ssrc >> (24 - 8 * i)) & 0xff;
    }
    return 172;
}

static RtpHeader
header(guint16 seq, guint32 ts, guint32 ssrc)
{
    guint8 buf[172];
    RtpHeader h;

    g_assert_true(rtp_header_parse(buf, make_rtp(buf, seq, ts, ssrc), &h));
    return h;
}

static void
test_header(void)
{
    guint8 buf[172];
    RtpHeader h;
    gsize len = make_rtp(buf, 0x1234, 0xdeadbeef, 0x01020304);

    g_assert_true(rtp_header_parse(buf, len, &h));
    g_assert_cmpuint(h.seq, ==, 0x1234);
    g_assert_cmpuint(h.timestamp, ==, 0xdeadbeef);
    g_assert_cmpuint(h.ssrc, ==, 0x01020304);
    g_assert_cmpuint(h.header_len, ==, 12);
    g_assert_false(rtp_header_parse(buf, 11, &h));
    buf[0] = 0x40;   /* version 1 */
    g_assert_false(rtp_header_parse(buf, len, &h));
    buf[0] = 0x8f;   /* 15 CSRCs: 72 bytes of header */
    g_assert_true(rtp_header_parse(buf, len, &h));
    g_assert_cmpuint(h.header_len, ==, 72);
    g_assert_false(rtp_header_parse(buf, 70, &h));
    buf[0] = 0x90;   /* extension of 0x0102 words: too long */
    buf[12 + 2] = 0x01;
    buf[12 + 3] = 0x02;
    g_assert_false(rtp_header_parse(buf, len, &h));
    buf[0] = 0x80;
    buf[1] = 0x80 | 72;   /* RTCP SR sent to the RTP port */
    g_assert_false(rtp_header_parse(buf, len, &h));
    buf[1] = 0;
    buf[0] = 0xa0;   /* padding count larger than the payload */
    buf[len - 1] = 200;
    g_assert_false(rtp_header_parse(buf, len, &h));
}

static void
test_loss(void)
{
    RtpRxState st = { 0 };
    RtpHeader h;

    for (guint16 seq = 100; seq < 110; seq++) {
        if (seq == 103 || seq == 107)
            continue;
        h = header(seq, seq * 160u, 42);
        rtp_rx_update(&st, &h, seq * 160u);
    }
    g_assert_cmpuint(rtp_rx_expected(&st), ==, 10);
    g_assert_cmpint(rtp_rx_lost(&st), ==, 2);
    /* A late packet fills the gap. */
    h = header(103, 103 * 160u, 42);
    g_assert_cmpint(rtp_rx_update(&st, &h, 110 * 160u), ==, RTP_RX_LATE);
    g_assert_cmpint(rtp_rx_lost(&st), ==, 1);
    /* A duplicate makes loss negative, as RFC 3550 allows. */
    h = header(104, 104 * 160u, 42);
    rtp_rx_update(&st, &h, 111 * 160u);
    h = header(105, 105 * 160u, 42);
    rtp_rx_update(&st, &h, 111 * 160u);
    g_assert_cmpint(rtp_rx_lost(&st), ==, -1);
}

static void
test_wrap(void)
{
    RtpRxState st = { 0 };
    RtpHeader h;

    for (guint32 i = 0; i < 20; i++) {
        guint16 seq = (guint16) (65530 + i);
        if (seq == 2)
            continue;
        h = header(seq, i * 160, 7);
        rtp_rx_update(&st, &h, i * 160);
    }
    g_assert_cmpuint(st.cycles, ==, 65536);
    g_assert_cmpuint(rtp_rx_expected(&st), ==, 20);
    g_assert_cmpint(rtp_rx_lost(&st), ==, 1);
}

static void
test_ssrc_change_and_restart(void)
{
    RtpRxState st = { 0 };
    RtpHeader h = header(1, 0, 1);

    g_assert_cmpint(rtp_rx_update(&st, &h, 0), ==, RTP_RX_NEW_SSRC);
    h = header(2, 160, 1);
    g_assert_cmpint(rtp_rx_update(&st, &h, 160), ==, RTP_RX_OK);
    h = header(5000, 320, 2);
    g_assert_cmpint(rtp_rx_update(&st, &h, 320), ==, RTP_RX_NEW_SSRC);
    g_assert_cmpuint(st.ssrc_changes, ==, 1);
    g_assert_cmpuint(rtp_rx_expected(&st), ==, 1);
    g_assert_cmpint(rtp_rx_lost(&st), ==, 0);
    /* A jump beyond MAX_DROPOUT is believed on the second packet. */
    h = header(40000, 480, 2);
    g_assert_cmpint(rtp_rx_update(&st, &h, 480), ==, RTP_RX_BAD_SEQ);
    h = header(40001, 640, 2);
    g_assert_cmpint(rtp_rx_update(&st, &h, 640), ==, RTP_RX_RESTART);
    h = header(40002, 800, 2);
    g_assert_cmpint(rtp_rx_update(&st, &h, 800), ==, RTP_RX_OK);
    g_assert_cmpuint(rtp_rx_expected(&st), ==, 2);
    g_assert_cmpint(rtp_rx_lost(&st), ==, 0);
}

/* Perfect pacing gives zero jitter; one packet 80 units late gives
 * J = 80/16 = 5; back on time, D = 80 again: J = 5 + (80 - 5)/16 = 9. */
static void
test_jitter(void)
{
    RtpRxState st = { 0 };
    RtpHeader h;
    guint32 j;

    for (guint i = 0; i < 50; i++) {
        h = header((guint16) i, i * 160, 9);
        rtp_rx_update(&st, &h, 1000 + i * 160);
    }
    g_assert_cmpuint(rtp_rx_jitter(&st), ==, 0);
    h = header(50, 50 * 160, 9);
    rtp_rx_update(&st, &h, 1000 + 50 * 160 + 80);
    g_assert_cmpuint(rtp_rx_jitter(&st), ==, 5);
    h = header(51, 51 * 160, 9);
    rtp_rx_update(&st, &h, 1000 + 51 * 160);
    j = rtp_rx_jitter(&st);
    g_assert_cmpuint(j, ==, 9);   /* 16J: 80, then 80 + 80 - 5 = 155 */
    /* Constant 20 ms jitter converges to 160 units. */
    for (guint i = 52; i < 400; i++) {
        h = header((guint16) i, i * 160, 9);
        rtp_rx_update(&st, &h, 1000 + i * 160 + (i % 2 ? 160 : 0));
    }
    g_assert_cmpuint(rtp_rx_jitter(&st), >=, 150);
    g_assert_cmpuint(rtp_rx_jitter(&st), <=, 160);
}

static gsize
put32(guint8 *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = (v >> 16) & 0xff;
    p[2] = (v >> 8) & 0xff;
    p[3] = v & 0xff;
    return 4;
}

static void
test_rtcp(void)
{
    guint8 buf[128] = { 0 };
    RtcpInfo info;
    gsize n = 0;

    /* SR with one report block, then an SDES with an empty chunk. */
    buf[0] = 0x81;
    buf[1] = 200;
    buf[3] = 12;    /* (28 + 24) / 4 - 1 */
    put32(buf + 4, 0x11111111);
    put32(buf + 8, 0xAAAABBBB);
    put32(buf + 12, 0xCCCCDDDD);
    put32(buf + 16, 12345);
    put32(buf + 20, 500);
    put32(buf + 24, 80000);
    put32(buf + 28, 0x22222222);
    buf[32] = 64;                 /* fraction lost 1/4 */
    buf[33] = 0xff;               /* cumulative lost -2 */
    buf[34] = 0xff;
    buf[35] = 0xfe;
    put32(buf + 36, 0x10005);
    put32(buf + 40, 80);          /* jitter */
    put32(buf + 44, 0x12345678);  /* LSR */
    put32(buf + 48, 0x8000);      /* DLSR 0.5 s */
    n = 52;
    buf[n] = 0x81;
    buf[n + 1] = 202;
    buf[n + 3] = 1;
    n += 8;
    g_assert_true(rtcp_parse(buf, n, &info));
    g_assert_cmpuint(info.n_sr, ==, 1);
    g_assert_true(info.has_sr);
    g_assert_cmpuint(info.sr_ntp_middle, ==, 0xBBBBCCCC);
    g_assert_cmpuint(info.sr_packets, ==, 500);
    g_assert_true(info.has_block);
    g_assert_cmpuint(info.block_ssrc, ==, 0x22222222);
    g_assert_cmpuint(info.fraction_lost, ==, 64);
    g_assert_cmpint(info.cumulative_lost, ==, -2);
    g_assert_cmpuint(info.jitter, ==, 80);
    g_assert_cmpuint(info.lsr, ==, 0x12345678);
    g_assert_cmpuint(info.dlsr, ==, 0x8000);

    g_assert_false(rtcp_parse(buf, n - 1, &info));    /* lengths do not add up */
    g_assert_false(rtcp_parse(buf + 52, 8, &info));   /* must start with SR/RR */
    buf[3] = 13;
    g_assert_false(rtcp_parse(buf, n, &info));
    buf[3] = 12;
    buf[0] = 0x83;                                   /* 3 blocks do not fit */
    g_assert_false(rtcp_parse(buf, n, &info));

    g_assert_cmpint(rtcp_rtt_us(1000000, 1600000, 0x8000), ==, 100000);
    g_assert_cmpint(rtcp_rtt_us(0, 1600000, 0), ==, -1);
    g_assert_cmpint(rtcp_rtt_us(1000000, 1400000, 0x8000), ==, 0);
}

static void
expect_conf_error(const char *text, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("rtp.conf", text, -1, &error);
    g_autoptr(RtpConf) conf = NULL;

    g_assert_no_error(error);
    conf = rtp_conf_parse(cfg, &error);
    g_assert_null(conf);
    g_assert_nonnull(error);
    if (!strstr(error->message, needle))
        g_error("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_conf(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RtpConf) def = rtp_conf_parse(NULL, &error);
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(RtpConf) conf = NULL;

    g_assert_no_error(error);
    g_assert_cmpuint(def->port_start, ==, 10000);
    g_assert_cmpuint(def->port_end, ==, 20000);
    g_assert_cmpuint(def->workers, ==, 0);
    g_assert_cmpstr(def->bind, ==, "0.0.0.0");
    g_assert_cmpstr(def->bind6, ==, "::");
    g_assert_cmpuint(def->tos, ==, 0xb8);

    cfg = pbx_config_load_data("rtp.conf",
                               "[general]\nport_start = 30000\nport_end = 30100\n"
                               "workers = 3\nbind = 127.0.0.1\nbind6 = ::1\n", -1, &error);
    conf = rtp_conf_parse(cfg, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(conf->port_start, ==, 30000);
    g_assert_cmpuint(conf->port_end, ==, 30100);
    g_assert_cmpuint(conf->workers, ==, 3);
    g_assert_cmpstr(conf->bind6, ==, "::1");

    expect_conf_error("[general]\nport_start = 20000\nport_end = 10000\n", "rtp.conf:3:");
    expect_conf_error("[general]\n; comment\nport_start = banana\n", "rtp.conf:3:");
    expect_conf_error("[general]\nworkers = 1000\n", "rtp.conf:2:");
    expect_conf_error("[general]\n\nbind = 10.0.0.300\n", "rtp.conf:3:");
    expect_conf_error("[general]\nbind6 = 127.0.0.1\n", "rtp.conf:2:");
    expect_conf_error("[general]\nport = 5\n", "rtp.conf:2:");
    expect_conf_error("[general]\ntos = 256\n", "rtp.conf:2:");
    expect_conf_error("[general]\nport_start = 10001\nport_end = 10002\n", "rtp.conf:3:");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("RTP/RTCP parsing, loss and jitter (RFC 3550 A.1, A.3, A.8), rtp.conf");
    g_test_add_func("/rtp/stats/header", test_header);
    g_test_add_func("/rtp/stats/loss", test_loss);
    g_test_add_func("/rtp/stats/wrap", test_wrap);
    g_test_add_func("/rtp/stats/ssrc-change-and-restart", test_ssrc_change_and_restart);
    g_test_add_func("/rtp/stats/jitter", test_jitter);
    g_test_add_func("/rtp/stats/rtcp", test_rtcp);
    g_test_add_func("/rtp/conf", test_conf);
    return g_test_run();
}
