/* Carillon - unit tests of res_rtp's media paths with real sockets on
 * loopback and the codec modules of the tree: RFC 4733 events taken out
 * of a relayed stream (numbering kept contiguous) and injected into one,
 * transcoding G.711 mu-law <-> A-law checked by frequency, and in-band
 * DTMF detected and generated on a decoded leg. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../../core/module_private.h"
#include "../../../modules/res_rtp/rtp_engine.h"
#include "../../../modules/res_rtp/dtmf4733.h"

#define PT_TE 101

typedef struct {
    int fd;
    guint16 port;
} Phone;

typedef struct {
    char digit;
    guint duration_ms;
    RtpDtmfMode source;
} Digit;

static GArray *digits;          /* Digit, as the session events report them */

static void
on_dtmf(RtpSession *s, char digit, guint duration_ms, RtpDtmfMode source, gpointer data)
{
    Digit d = { digit, duration_ms, source };

    g_array_append_val(digits, d);
}

static const RtpSessionEvents events = { .dtmf = on_dtmf };

static RtpEngine *
engine_new(void)
{
    g_autoptr(GError) error = NULL;
    guint start = (guint) g_test_rand_int_range(20000, 60000) & ~1u;
    RtpConf conf = {
        .port_start = start, .port_end = start + 2000, .workers = 1,
        .bind = (char *) "127.0.0.1", .bind6 = (char *) "::1",
    };
    RtpEngine *e = rtp_engine_new(&conf, &error);

    g_assert_no_error(error);
    return e;
}

static Phone
phone_new(void)
{
    struct timeval tv = { .tv_sec = 2 };
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sin);
    Phone p;

    p.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(bind(p.fd, (struct sockaddr *) &sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(getsockname(p.fd, (struct sockaddr *) &sin, &len), ==, 0);
    setsockopt(p.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    p.port = ntohs(sin.sin_port);
    return p;
}

static guint16
port_of(const RtpSession *s)
{
    guint16 port;

    rtp_session_get_local(s, &port);
    return port;
}

static void
send_packet(const Phone *p, const RtpSession *to, gboolean marker, guint8 pt, guint16 seq,
            guint32 ts, const guint8 *payload, gsize len)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port_of(to)),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    guint8 buf[512] = { 0x80, (guint8) ((marker ? 0x80 : 0) | pt) };

    buf[2] = (guint8) (seq >> 8);
    buf[3] = (guint8) seq;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (guint8) (ts >> (24 - 8 * i));
        buf[8 + i] = (guint8) (0xabcdefu >> (24 - 8 * i));
    }
    memcpy(buf + 12, payload, len);
    g_assert_cmpint(sendto(p->fd, buf, 12 + len, 0, (struct sockaddr *) &sin, sizeof(sin)), ==,
                    (gssize) (12 + len));
}

/* One packet, or -1 after 2 s. */
static gssize
receive(const Phone *p, guint8 *buf, gsize size)
{
    return recv(p->fd, buf, size, 0);
}

/* Drops what is waiting in p's socket. */
static void
drain(const Phone *p)
{
    guint8 buf[512];

    while (recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}

static RtpSession *
session(RtpEngine *e, const Phone *far, const char *codec, guint8 pt, RtpDtmfMode dtmf)
{
    g_autoptr(GError) error = NULL;
    RtpSession *s = rtp_session_new(e, AF_INET, &error);
    RtpFormat f = { .codec = pbx_codec_find(codec), .payload_type = pt,
                    .te_payload_type = dtmf == RTP_DTMF_RFC4733 ? PT_TE : 0, .dtmf = dtmf };

    g_assert_nonnull(s);
    g_assert_nonnull(f.codec);
    pbx_codec_params_init(f.codec, &f.params);
    g_assert_true(rtp_session_set_remote(s, "127.0.0.1", far->port, &error));
    g_assert_true(rtp_session_set_format(s, &f, &error));
    rtp_session_set_events(s, &events, NULL);
    return s;
}

static void
send_event(const Phone *p, const RtpSession *to, guint16 seq, guint32 ts, char digit,
           gboolean end, guint16 duration, gboolean marker)
{
    RtpTelEvent ev = { .event = (guint8) rtp_dtmf_event_from_digit(digit), .end = end,
                       .volume = 10, .duration = duration };
    guint8 payload[RTP_TEL_EVENT_SIZE];

    rtp_tel_event_write(&ev, payload);
    send_packet(p, to, marker, PT_TE, seq, ts, payload, sizeof(payload));
}

static guint16
seq_of(const guint8 *pkt)
{
    return (guint16) ((pkt[2] << 8) | pkt[3]);
}

static void
wait_digits(RtpEngine *e, guint n)
{
    for (int i = 0; i < 300 && digits->len < n; i++) {
        rtp_engine_sync(e);
        rtp_engine_dispatch(e);
        g_usleep(10000);
    }
    g_assert_cmpuint(digits->len, ==, n);
}

/* Phone X sends audio 100-104, the digit 5 (start, update, three ends),
 * audio again: phone Y gets the audio only, numbered without a gap, and
 * the session reports one 5 of its duration.  Then a 7 sent to Y comes
 * as events in Y's stream: same SSRC, the next numbers, the end packet
 * three times, and the audio after it follows on. */
static void
test_relay_events(void)
{
    RtpEngine *e = engine_new();
    Phone x = phone_new(), y = phone_new();
    RtpSession *a = session(e, &x, "ulaw", 0, RTP_DTMF_RFC4733);
    RtpSession *b = session(e, &y, "ulaw", 0, RTP_DTMF_RFC4733);
    guint8 audio[160], buf[512];
    guint16 expect = 100;
    guint ends = 0, events_seen = 0;
    RtpStats st;

    memset(audio, 0xff, sizeof(audio));
    digits = g_array_new(FALSE, FALSE, sizeof(Digit));
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    g_assert_cmpint(rtp_session_get_bridge_mode(a), ==, RTP_BRIDGE_RELAY);
    for (guint16 i = 0; i < 5; i++)
        send_packet(&x, a, FALSE, 0, 100 + i, 1000 + i * 160u, audio, 160);
    send_event(&x, a, 105, 1800, '5', FALSE, 160, TRUE);
    send_event(&x, a, 106, 1800, '5', FALSE, 800, FALSE);
    for (guint16 i = 0; i < 3; i++)
        send_event(&x, a, 107 + i, 1800, '5', TRUE, 960, FALSE);
    for (guint16 i = 0; i < 5; i++)
        send_packet(&x, a, FALSE, 0, 110 + i, 2760 + i * 160u, audio, 160);
    for (guint i = 0; i < 10; i++) {
        g_assert_cmpint(receive(&y, buf, sizeof(buf)), ==, 172);
        g_assert_cmpuint(buf[1] & 0x7f, ==, 0);
        g_assert_cmpuint(seq_of(buf), ==, expect++);
    }
    wait_digits(e, 1);
    g_assert_cmpint(g_array_index(digits, Digit, 0).digit, ==, '5');
    g_assert_cmpuint(g_array_index(digits, Digit, 0).duration_ms, ==, 120);
    g_assert_cmpint(g_array_index(digits, Digit, 0).source, ==, RTP_DTMF_RFC4733);

    g_assert_true(rtp_session_send_dtmf(b, '7', 100, NULL));
    while (ends < 3) {
        gssize n = receive(&y, buf, sizeof(buf));
        RtpTelEvent ev;

        g_assert_cmpint(n, ==, 16);
        g_assert_cmpuint(buf[1] & 0x7f, ==, PT_TE);
        g_assert_cmpuint(seq_of(buf), ==, expect++);
        g_assert_cmpuint(buf[9] << 16 | buf[10] << 8 | buf[11], ==, 0xabcdef);  /* its SSRC */
        g_assert_true(rtp_tel_event_parse(buf + 12, 4, &ev));
        g_assert_cmpuint(ev.event, ==, 7);
        g_assert_true((events_seen++ == 0) == ((buf[1] & 0x80) != 0));
        ends += ev.end;
    }
    send_packet(&x, a, FALSE, 0, 115, 3560, audio, 160);
    g_assert_cmpint(receive(&y, buf, sizeof(buf)), ==, 172);
    g_assert_cmpuint(seq_of(buf), ==, expect);       /* the audio follows on */
    rtp_session_get_stats(b, &st);
    g_assert_cmpuint(st.dtmf_tx, ==, 1);
    rtp_session_get_stats(a, &st);
    g_assert_cmpuint(st.dtmf_rx, ==, 1);
    g_assert_false(rtp_session_send_dtmf(b, 'x', 100, NULL));
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    close(x.fd);
    close(y.fd);
    g_array_unref(digits);
}

/* The frequency of a 16-bit signal by zero crossings. */
static double
frequency(const gint16 *s, gsize n, guint rate)
{
    guint crossings = 0;

    for (gsize i = 1; i < n; i++)
        crossings += (s[i - 1] < 0) != (s[i] < 0);
    return crossings * (double) rate / n / 2;
}

/* Goertzel power of hz in n samples at rate. */
static double
power(const gint16 *s, gsize n, double hz, guint rate)
{
    double k = 2 * cos(2 * G_PI * hz / rate), a1 = 0, a2 = 0;

    for (gsize i = 0; i < n; i++) {
        double a0 = s[i] + k * a1 - a2;
        a2 = a1;
        a1 = a0;
    }
    return a1 * a1 + a2 * a2 - k * a1 * a2;
}

/* 20 ms of a tone (or two) encoded with codec. */
static gsize
encode_tone(PbxCodecInstance *enc, guint n, double f1, double f2, guint8 *out)
{
    gint16 pcm[160];

    for (guint i = 0; i < 160; i++) {
        double t = (n * 160 + i) / 8000.0;
        pcm[i] =
            (gint16) (6000 * sin(2 * G_PI * f1 * t) + (f2 > 0 ? 6000 * sin(2 * G_PI * f2 * t) : 0));
    }
    return (gsize) pbx_codec_encode(enc, pcm, 160, out, 160);
}

/* Decodes what phone p receives for `packets` packets of codec. */
static GArray *
receive_audio(const Phone *p, const char *codec, guint packets)
{
    g_autoptr(PbxCodecInstance) dec = pbx_codec_instance_new(pbx_codec_find(codec), NULL, NULL);
    GArray *pcm = g_array_new(FALSE, FALSE, sizeof(gint16));
    guint8 buf[512];

    for (guint i = 0; i < packets; i++) {
        gssize n = receive(p, buf, sizeof(buf));
        gint16 out[960];
        gint k;

        g_assert_cmpint(n, >, 12);
        if ((buf[1] & 0x7f) != pbx_codec_find(codec)->payload_type)
            continue;
        k = pbx_codec_decode(dec, buf + 12, (gsize) n - 12, out, G_N_ELEMENTS(out));
        g_assert_cmpint(k, >, 0);
        g_array_append_vals(pcm, out, (guint) k);
    }
    return pcm;
}

/* Phone X speaks mu-law, phone Y A-law: a 1 kHz tone from X reaches Y
 * as A-law at 1 kHz through the jitter buffer and both encoders. */
static void
test_transcode(void)
{
    RtpEngine *e = engine_new();
    Phone x = phone_new(), y = phone_new();
    RtpSession *a = session(e, &x, "ulaw", 0, RTP_DTMF_RFC4733);
    RtpSession *b = session(e, &y, "alaw", 8, RTP_DTMF_RFC4733);
    g_autoptr(PbxCodecInstance) enc = pbx_codec_instance_new(pbx_codec_find("ulaw"), NULL, NULL);
    g_autoptr(GArray) pcm = NULL;
    guint8 payload[160];
    RtpStats st;

    digits = g_array_new(FALSE, FALSE, sizeof(Digit));
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    g_assert_cmpint(rtp_session_get_bridge_mode(a), ==, RTP_BRIDGE_TRANSCODE);
    for (guint i = 0; i < 50; i++) {
        gsize n = encode_tone(enc, i, 1000, 0, payload);
        send_packet(&x, a, i == 0, 0, (guint16) (7 + i), i * 160, payload, n);
        g_usleep(20000);
    }
    pcm = receive_audio(&y, "alaw", 40);
    g_assert_cmpuint(pcm->len, >=, 30 * 160);
    /* the last 20 packets: past the jitter buffer's start */
    g_assert_cmpfloat(fabs(frequency(&g_array_index(pcm, gint16, pcm->len - 3200), 3200, 8000)
                           - 1000), <, 20);
    rtp_session_get_stats(a, &st);
    g_assert_true(st.decoded);
    g_assert_cmpuint(st.jb_delay_ms, <=, 100);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    close(x.fd);
    close(y.fd);
    g_array_unref(digits);
}

/* Leg A's digits are in band: a 4 in X's audio is reported (and muted),
 * and a 6 sent to A reaches X as tones of 770 and 1477 Hz. */
static void
test_inband(void)
{
    RtpEngine *e = engine_new();
    Phone x = phone_new(), y = phone_new();
    RtpSession *a = session(e, &x, "ulaw", 0, RTP_DTMF_INBAND);
    RtpSession *b = session(e, &y, "ulaw", 0, RTP_DTMF_RFC4733);
    g_autoptr(PbxCodecInstance) enc = pbx_codec_instance_new(pbx_codec_find("ulaw"), NULL, NULL);
    g_autoptr(GArray) pcm = NULL;
    guint8 payload[160];
    gboolean heard = FALSE;

    digits = g_array_new(FALSE, FALSE, sizeof(Digit));
    rtp_session_relay(a, b);
    rtp_engine_sync(e);
    g_assert_cmpint(rtp_session_get_bridge_mode(a), ==, RTP_BRIDGE_TRANSCODE);
    /* 200 ms quiet, 160 ms of 4 (770 + 1209 Hz), 400 ms quiet */
    for (guint i = 0; i < 38; i++) {
        gboolean tone = i >= 10 && i < 18;
        gsize n = encode_tone(enc, i, tone ? 770 : 0, tone ? 1209 : 0, payload);
        send_packet(&x, a, i == 0, 0, (guint16) i, i * 160, payload, n);
        g_usleep(20000);
    }
    wait_digits(e, 1);
    g_assert_cmpint(g_array_index(digits, Digit, 0).digit, ==, '4');
    g_assert_cmpint(g_array_index(digits, Digit, 0).source, ==, RTP_DTMF_INBAND);
    g_assert_cmpuint(g_array_index(digits, Digit, 0).duration_ms, >=, 130);
    g_assert_cmpuint(g_array_index(digits, Digit, 0).duration_ms, <=, 190);

    drain(&x);
    g_assert_true(rtp_session_send_dtmf(a, '6', 200, NULL));
    pcm = receive_audio(&x, "ulaw", 25);          /* Y is quiet: tones over silence */
    for (guint i = 0; i + 320 <= pcm->len && !heard; i += 160) {
        const gint16 *w = &g_array_index(pcm, gint16, i);
        double lo = power(w, 320, 770, 8000), hi = power(w, 320, 1477, 8000);
        double other = power(w, 320, 697, 8000) + power(w, 320, 1209, 8000);
        heard = lo > 1e9 && hi > 1e9 && other < (lo + hi) / 100;
    }
    g_assert_true(heard);
    rtp_session_free(a);
    rtp_session_free(b);
    rtp_engine_free(e);
    close(x.fd);
    close(y.fd);
    g_array_unref(digits);
}

/* An echo port: what it hears it plays back a tick later. */
typedef struct {
    PbxAudioFrame last;
    gboolean have;
    gint writes, reads, released;
} Echo;

static void
echo_write(gpointer data, const PbxAudioFrame *in)
{
    Echo *e = data;

    memcpy(&e->last, in, sizeof(*in));
    e->have = TRUE;
    g_atomic_int_inc(&e->writes);
}

static gboolean
echo_read(gpointer data, PbxAudioFrame *out)
{
    Echo *e = data;

    g_atomic_int_inc(&e->reads);
    if (!e->have)
        return FALSE;
    memcpy(out, &e->last, sizeof(*out));
    return TRUE;
}

static void
echo_released(gpointer data)
{
    ((Echo *) data)->released++;
}

static const PbxAudioPortFuncs echo_port = {
    .read = echo_read, .write = echo_write, .released = echo_released,
};

static void
wait_released(RtpEngine *e, const Echo *echo, gint n)
{
    for (int i = 0; i < 300 && echo->released < n; i++) {
        rtp_engine_sync(e);
        rtp_engine_dispatch(e);
        g_usleep(5000);
    }
    g_assert_cmpint(echo->released, ==, n);
}

/* A port on a session that is not bridged: it hears the phone (write)
 * and what it reads goes back to the phone; it is released when
 * removed, when the session is bridged, and when the session is freed;
 * a bridged session refuses one. */
static void
test_port(void)
{
    RtpEngine *e = engine_new();
    Phone x = phone_new(), y = phone_new();
    RtpSession *a = session(e, &x, "ulaw", 0, RTP_DTMF_RFC4733);
    RtpSession *b = session(e, &y, "alaw", 8, RTP_DTMF_RFC4733);
    g_autoptr(PbxCodecInstance) enc = pbx_codec_instance_new(pbx_codec_find("ulaw"), NULL, NULL);
    g_autoptr(GArray) pcm = NULL;
    g_autoptr(GError) error = NULL;
    Echo *echo = g_new0(Echo, 1), *second = g_new0(Echo, 1);
    guint8 payload[160];

    digits = g_array_new(FALSE, FALSE, sizeof(Digit));
    g_assert_true(rtp_session_set_port(a, &echo_port, echo, &error));
    for (guint i = 0; i < 40; i++) {
        gsize n = encode_tone(enc, i, 600, 0, payload);
        send_packet(&x, a, i == 0, 0, (guint16) i, i * 160, payload, n);
        g_usleep(20000);
    }
    pcm = receive_audio(&x, "ulaw", 40);
    g_assert_cmpuint(pcm->len, >=, 30 * 160);
    g_assert_cmpfloat(fabs(frequency(&g_array_index(pcm, gint16, pcm->len - 2400), 2400, 8000)
                           - 600), <, 15);
    g_assert_cmpint(g_atomic_int_get(&echo->writes), >, 30);
    /* replaced, then removed */
    g_assert_true(rtp_session_set_port(a, &echo_port, second, NULL));
    wait_released(e, echo, 1);
    g_assert_true(rtp_session_set_port(a, NULL, NULL, NULL));
    wait_released(e, second, 1);
    /* a bridge lets go of the port; a bridged session takes none */
    g_assert_true(rtp_session_set_port(a, &echo_port, echo, NULL));
    rtp_session_relay(a, b);
    wait_released(e, echo, 2);
    g_assert_false(rtp_session_set_port(a, &echo_port, echo, &error));
    g_assert_error(error, RTP_ERROR, RTP_ERROR_FAILED);
    rtp_session_unrelay(a);
    g_assert_true(rtp_session_set_port(b, &echo_port, second, NULL));
    rtp_session_free(b);                           /* freed with its port */
    wait_released(e, second, 2);
    rtp_session_free(a);
    rtp_engine_free(e);
    close(x.fd);
    close(y.fd);
    g_free(echo);
    g_free(second);
    g_array_unref(digits);
}

/* A digit that removes the port that heard it (an application stops a
 * prompt on it): the session goes back to relaying, a change of format,
 * and the end packet's two retransmissions after it are still the same
 * digit, not a second one. */
static void
test_port_digit(void)
{
    RtpEngine *e = engine_new();
    Phone x = phone_new();
    RtpSession *a = session(e, &x, "ulaw", 0, RTP_DTMF_RFC4733);
    Echo *echo = g_new0(Echo, 1);

    digits = g_array_new(FALSE, FALSE, sizeof(Digit));
    g_assert_true(rtp_session_set_port(a, &echo_port, echo, NULL));
    rtp_engine_sync(e);
    send_event(&x, a, 1, 1800, '5', FALSE, 160, TRUE);
    send_event(&x, a, 2, 1800, '5', TRUE, 960, FALSE);
    wait_digits(e, 1);
    g_assert_true(rtp_session_set_port(a, NULL, NULL, NULL));
    wait_released(e, echo, 1);
    send_event(&x, a, 3, 1800, '5', TRUE, 960, FALSE);
    send_event(&x, a, 4, 1800, '5', TRUE, 960, FALSE);
    for (int i = 0; i < 10; i++) {
        rtp_engine_sync(e);
        rtp_engine_dispatch(e);
        g_usleep(5000);
    }
    g_assert_cmpuint(digits->len, ==, 1);
    rtp_session_free(a);
    rtp_engine_free(e);
    close(x.fd);
    g_free(echo);
    g_array_unref(digits);
}

int
main(int argc, char **argv)
{
    const char *top = g_getenv("TOP_BUILDDIR");
    g_autofree char *mods = g_build_filename(top ? top : ".", "modules", NULL);
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_rtp media: DTMF in relayed streams, transcoding, in-band DTMF");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    pbx_modules_init(mods);
    g_assert_nonnull(pbx_module_load("codec_g711", &error));
    g_assert_no_error(error);
    g_test_add_func("/rtp/media/relay-events", test_relay_events);
    g_test_add_func("/rtp/media/transcode", test_transcode);
    g_test_add_func("/rtp/media/inband", test_inband);
    g_test_add_func("/rtp/media/port", test_port);
    g_test_add_func("/rtp/media/port-digit", test_port_digit);
    return g_test_run();
}
