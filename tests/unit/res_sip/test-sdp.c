/* Carillon - unit tests of SDP parsing/writing and offer/answer
 * (modules/res_sip/sdp.h). */
#include <string.h>

#include <carillon/sip/sdp.h>
#include <carillon/sip/msg.h>

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static SdpSession *
parse_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    SdpSession *s = sdp_session_parse(text, strlen(text), &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

static void
parse_bad(const char *text, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    SdpSession *s = sdp_session_parse(text, strlen(text), &error);

    g_test_message("%s", text);
    g_assert_null(s);
    g_assert_error(error, SDP_ERROR, SDP_ERROR_PARSE);
    if (fragment)
        g_assert_nonnull(strstr(error->message, fragment));
}

static const char *offer_text =
    "v=0\r\n"
    "o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r\n"
    "s=Call\r\n"
    "i=A call\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "b=AS:128\r\n"
    "t=0 0\r\n"
    "a=tool:x\r\n"
    "m=audio 49172 RTP/AVP 0 8 97 101 13\r\n"
    "a=rtpmap:97 iLBC/8000\r\n"
    "a=fmtp:97 mode=30\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=rtcp:49173\r\n"
    "a=sendonly\r\n"
    "m=video 51372 RTP/AVP 31 96\r\n"
    "c=IN IP6 2001:db8::7\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f\r\n";

static void
test_parse(void)
{
    g_autoptr(SdpSession) s = parse_ok(offer_text);
    const SdpMedia *audio, *video;
    const SdpCodec *c;
    const SdpConnection *conn;

    g_assert_cmpuint(s->version, ==, 0);
    g_assert_cmpstr(s->origin.username, ==, "alice");
    g_assert_cmpstr(s->origin.sess_id, ==, "2890844526");
    g_assert_cmpuint(s->origin.sess_version, ==, 2890844527u);
    g_assert_cmpstr(s->origin.address.address, ==, "host.atlanta.example.com");
    g_assert_cmpstr(s->session_name, ==, "Call");
    g_assert_cmpstr(s->connection.address, ==, "192.0.2.101");
    g_assert_cmpint(s->connection.type, ==, SDP_ADDR_IP4);
    g_assert_cmpuint(s->bandwidths->len, ==, 1);
    g_assert_cmpuint(s->media->len, ==, 2);
    g_assert_false(s->has_direction);

    audio = g_ptr_array_index(s->media, 0);
    g_assert_cmpstr(audio->media, ==, "audio");
    g_assert_cmpuint(audio->port, ==, 49172);
    g_assert_cmpstr(audio->proto, ==, "RTP/AVP");
    g_assert_cmpuint(audio->codecs->len, ==, 5);
    g_assert_cmpuint(audio->formats->len, ==, 5);
    c = sdp_media_find_codec(audio, 0);
    g_assert_cmpstr(c->encoding, ==, "PCMU");
    g_assert_cmpuint(c->clock_rate, ==, 8000);
    g_assert_false(c->has_rtpmap);
    c = sdp_media_find_codec(audio, 97);
    g_assert_cmpstr(c->encoding, ==, "iLBC");
    g_assert_cmpstr(c->fmtp, ==, "mode=30");
    c = sdp_media_find_codec(audio, 101);
    g_assert_cmpstr(c->encoding, ==, "telephone-event");
    g_assert_cmpstr(c->fmtp, ==, "0-15");
    g_assert_null(sdp_media_find_codec(audio, 18));
    g_assert_cmpuint(audio->ptime, ==, 20);
    g_assert_nonnull(sdp_media_find_attribute(audio, "rtcp"));
    g_assert_cmpstr(sdp_media_find_attribute(audio, "rtcp")->value, ==, "49173");
    g_assert_cmpint(sdp_media_get_direction(s, audio), ==, SDP_DIR_SENDONLY);
    conn = sdp_media_get_connection(s, audio);
    g_assert_cmpstr(conn->address, ==, "192.0.2.101");

    video = g_ptr_array_index(s->media, 1);
    conn = sdp_media_get_connection(s, video);
    g_assert_cmpstr(conn->address, ==, "2001:db8::7");
    g_assert_cmpint(conn->type, ==, SDP_ADDR_IP6);
    g_assert_cmpint(sdp_media_get_direction(s, video), ==, SDP_DIR_SENDRECV);
    g_assert_cmpstr(sdp_media_find_codec(video, 96)->fmtp, ==, "profile-level-id=42e01f");
}

static void
test_parse_variants(void)
{
    g_autoptr(SdpSession) a = NULL;
    g_autoptr(SdpSession) b = NULL;
    g_autoptr(SdpSession) c = NULL;
    const SdpMedia *m;

    /* LF only, no s=/t= (mismatch02.dat style), session-level direction */
    a = parse_ok("v=0\no=- 1 1 IN IP4 10.0.0.1\nc=IN IP4 224.2.1.1/127/3\na=inactive\n"
                 "m=audio 5004/2 RTP/AVP 0\nm=image 4000 udptl t38\na=T38FaxVersion:0\n");
    g_assert_cmpstr(a->session_name, ==, "-");
    g_assert_cmpuint(a->connection.ttl, ==, 127);
    g_assert_cmpuint(a->connection.num_addresses, ==, 3);
    m = g_ptr_array_index(a->media, 0);
    g_assert_cmpuint(m->num_ports, ==, 2);
    g_assert_cmpint(sdp_media_get_direction(a, m), ==, SDP_DIR_INACTIVE);
    m = g_ptr_array_index(a->media, 1);
    g_assert_cmpuint(m->codecs->len, ==, 0);
    g_assert_cmpstr(g_ptr_array_index(m->formats, 0), ==, "t38");

    /* IPv6 multicast with a count, crypto kept opaque, stereo opus */
    b = parse_ok(
        "v=0\r\no=- 1 1 IN IP6 ::1\r\ns= \r\nc=IN IP6 ff15::101/3\r\nt=0 0\r\n"
        "m=audio 4000 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n"
        "a=rtcp-mux\r\n\r\n");
    g_assert_cmpuint(b->connection.num_addresses, ==, 3);
    m = g_ptr_array_index(b->media, 0);
    g_assert_cmpuint(m->crypto->len, ==, 2);
    g_assert_true(
        g_str_has_prefix(g_ptr_array_index(m->crypto, 0), "1 AES_CM_128_HMAC_SHA1_80 inline:"));
    g_assert_cmpuint(sdp_media_find_codec(m, 111)->channels, ==, 2);
    g_assert_null(sdp_media_find_attribute(m, "rtcp-mux")->value);

    /* the SDP body of an RFC 4475 message, found through the message API */
    {
        g_autofree char *path = g_build_filename(data_dir(), "rfc4475", "wsinv.dat", NULL);
        g_autofree char *data = NULL;
        g_autoptr(SipMsg) msg = sip_msg_new();
        g_autoptr(GError) error = NULL;
        SipSlice body;
        gsize len;

        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        g_assert_cmpint(sip_msg_parse(msg, data, len, SIP_PARSE_DATAGRAM, NULL), ==, SIP_PARSE_OK);
        g_assert_true(sip_msg_find_body(msg, "application", "sdp", &body));
        c = sdp_session_parse(body.p, body.len, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(c->media->len, ==, 2);
        m = g_ptr_array_index(c->media, 1);
        g_assert_cmpstr(sdp_media_find_codec(m, 31)->encoding, ==, "LPC");
        g_assert_cmpuint(sdp_media_find_codec(m, 31)->clock_rate, ==, 90000);
    }
}

static void
test_parse_errors(void)
{
    parse_bad("", "empty");
    parse_bad("v=1\r\n", "v=0");
    parse_bad("o=- 1 1 IN IP4 1.2.3.4\r\n", "v=0");
    parse_bad("v=0\r\nbogus line\r\n", "line 2");
    parse_bad("v=0\r\nV=0\r\n", NULL);
    parse_bad("v=0\r\nv=0\r\n", "repeated");
    parse_bad("v=0\r\no=- 1 IN IP4 1.2.3.4\r\n", "o=");
    parse_bad("v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n", NULL);
    parse_bad("v=0\r\nc=IN IP4\r\n", NULL);
    parse_bad("v=0\r\nc=IN IP6 not:an:addr:zz\r\n", "bad address");
    parse_bad("v=0\r\nc=IN IP4 1.2.3.4 extra\r\n", NULL);
    parse_bad("v=0\r\nc=IN IP4 224.2.1.1/300\r\n", "TTL");
    parse_bad("v=0\r\nm=audio\r\n", NULL);
    parse_bad("v=0\r\nm=audio 70000 RTP/AVP 0\r\n", "port");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 128\r\n", "payload type");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/fast\r\n", "rtpmap");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/0\r\n", "rtpmap");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n", "rtpmap");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 0\r\na=fmtp:zz a=b\r\n", "fmtp");
    parse_bad("v=0\r\na=\r\n", "attribute");
    parse_bad("v=0\r\nm=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", NULL);
    {
        static const char nul[] = "v=0\r\ns=a\0b\r\n";
        g_autoptr(GError) error = NULL;

        g_assert_null(sdp_session_parse(nul, sizeof nul - 1, &error));
        g_assert_error(error, SDP_ERROR, SDP_ERROR_PARSE);
    }
}

/* fuzz find: an rtpmap without a clock rate must not be written as "/0" */
static void
test_rtpmap_without_clock(void)
{
    g_autoptr(SdpSession) s = parse_ok("v=0\r\nm=audio 1 RTP/AVP 96 31\r\na=rtpmap:96 X\r\n"
                                       "a=rtpmap:31 LPC\r\n");
    g_autofree char *text = sdp_session_to_string(s);
    g_autoptr(SdpSession) again = parse_ok(text);
    const SdpMedia *m = g_ptr_array_index(again->media, 0);

    g_assert_nonnull(strstr(text, "a=rtpmap:96 X\r\n"));
    g_assert_cmpuint(sdp_media_find_codec(m, 96)->clock_rate, ==, 0);
    g_assert_cmpstr(sdp_media_find_codec(m, 31)->encoding, ==, "LPC");
}

static void
test_write_roundtrip(void)
{
    g_autoptr(SdpSession) s = parse_ok(offer_text);
    g_autofree char *text = sdp_session_to_string(s);
    g_autoptr(SdpSession) again = parse_ok(text);
    g_autofree char *text2 = sdp_session_to_string(again);
    const SdpMedia *m;

    g_assert_cmpstr(text, ==, text2);
    g_assert_true(g_str_has_prefix(text, "v=0\r\no=alice 2890844526 2890844527 IN IP4 "));
    g_assert_nonnull(
        strstr(text, "\r\ns=Call\r\ni=A call\r\nc=IN IP4 192.0.2.101\r\nb=AS:128\r\nt=0 0\r\n"));
    g_assert_nonnull(strstr(text, "m=audio 49172 RTP/AVP 0 8 97 101 13\r\n"));
    g_assert_nonnull(strstr(text, "a=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=30\r\n"));
    g_assert_nonnull(strstr(text, "a=sendonly\r\n"));
    g_assert_null(strstr(text, "a=rtpmap:0 "));    /* static types stay implicit */
    m = g_ptr_array_index(again->media, 0);
    g_assert_cmpuint(m->ptime, ==, 20);
    g_assert_cmpint(m->direction, ==, SDP_DIR_SENDONLY);
}

static void
test_direction(void)
{
    SdpDirection d;

    g_assert_cmpint(sdp_direction_answer(SDP_DIR_SENDONLY, SDP_DIR_SENDRECV), ==, SDP_DIR_RECVONLY);
    g_assert_cmpint(sdp_direction_answer(SDP_DIR_RECVONLY, SDP_DIR_SENDRECV), ==, SDP_DIR_SENDONLY);
    g_assert_cmpint(sdp_direction_answer(SDP_DIR_INACTIVE, SDP_DIR_SENDRECV), ==, SDP_DIR_INACTIVE);
    g_assert_cmpint(sdp_direction_answer(SDP_DIR_SENDRECV, SDP_DIR_SENDONLY), ==, SDP_DIR_SENDONLY);
    g_assert_cmpint(sdp_direction_answer(SDP_DIR_SENDONLY, SDP_DIR_SENDONLY), ==, SDP_DIR_INACTIVE);
    g_assert_cmpint(sdp_direction_answer(SDP_DIR_RECVONLY, SDP_DIR_RECVONLY), ==, SDP_DIR_INACTIVE);
    g_assert_true(sdp_direction_from_string("recvonly", &d));
    g_assert_cmpint(d, ==, SDP_DIR_RECVONLY);
    g_assert_false(sdp_direction_from_string("SENDRECV", &d));
    g_assert_cmpstr(sdp_direction_to_string(SDP_DIR_INACTIVE), ==, "inactive");
}

static const SdpCodecPref pbx_codecs[] = {
    { "opus", 48000, 2, 111, "useinbandfec=1" },
    { "PCMA", 8000, 1, 8, NULL },
    { "PCMU", 8000, 1, 0, NULL },
    { "telephone-event", 8000, 1, 101, NULL },
};

static void
test_offer(void)
{
    static const char *const crypto[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:key", NULL };
    static const char *const protos[] = { "RTP/SAVP", NULL };
    SdpMediaPref media = {
        "audio", 10000, pbx_codecs, G_N_ELEMENTS(pbx_codecs), SDP_DIR_SENDRECV, protos, crypto, 20,
    };
    SdpLocalParams local = { NULL, 42, 1, "2001:db8::10", NULL, &media, 1 };
    g_autoptr(SdpSession) offer = sdp_offer_create(&local);
    g_autofree char *text = sdp_session_to_string(offer);
    g_autoptr(SdpSession) parsed = parse_ok(text);
    const SdpMedia *m = g_ptr_array_index(parsed->media, 0);

    g_assert_true(g_str_has_prefix(text, "v=0\r\no=- 42 1 IN IP6 2001:db8::10\r\ns=-\r\n"
                                         "c=IN IP6 2001:db8::10\r\nt=0 0\r\n"
                                         "m=audio 10000 RTP/SAVP 111 8 0 101\r\n"));
    g_assert_nonnull(strstr(text, "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"));
    g_assert_nonnull(strstr(text, "a=rtpmap:8 PCMA/8000\r\n"));
    g_assert_nonnull(strstr(text, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:key\r\n"));
    g_assert_nonnull(strstr(text, "a=ptime:20\r\n"));
    g_assert_nonnull(strstr(text, "a=sendrecv\r\n"));
    g_assert_cmpuint(m->codecs->len, ==, 4);
    g_assert_cmpuint(m->crypto->len, ==, 1);
}

static void
test_answer(void)
{
    SdpMediaPref media = {
        "audio", 20000, pbx_codecs, G_N_ELEMENTS(pbx_codecs), SDP_DIR_SENDRECV, NULL, NULL, 0,
    };
    SdpLocalParams local = { "carillon", 7, 7, "192.0.2.10", "Carillon", &media, 1 };
    g_autoptr(SdpSession) offer = parse_ok(offer_text);
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpSession) answer = sdp_answer_create(offer, &local, &error);
    g_autofree char *text = NULL;
    const SdpMedia *a, *v;
    const SdpCodec *c;

    g_assert_no_error(error);
    g_assert_cmpuint(answer->media->len, ==, 2);
    a = g_ptr_array_index(answer->media, 0);
    g_assert_cmpuint(a->port, ==, 20000);
    /* our order (PCMA before PCMU), the offer's PT for telephone-event */
    g_assert_cmpuint(a->codecs->len, ==, 3);
    c = &g_array_index(a->codecs, SdpCodec, 0);
    g_assert_cmpuint(c->payload_type, ==, 8);
    c = &g_array_index(a->codecs, SdpCodec, 1);
    g_assert_cmpuint(c->payload_type, ==, 0);
    c = &g_array_index(a->codecs, SdpCodec, 2);
    g_assert_cmpuint(c->payload_type, ==, 101);
    g_assert_cmpstr(c->fmtp, ==, "0-15");        /* echoed from the offer */
    g_assert_cmpint(sdp_media_get_direction(answer, a), ==, SDP_DIR_RECVONLY);
    v = g_ptr_array_index(answer->media, 1);
    g_assert_cmpuint(v->port, ==, 0);               /* video rejected */
    g_assert_cmpstr(v->media, ==, "video");
    text = sdp_session_to_string(answer);
    g_assert_nonnull(strstr(text, "m=audio 20000 RTP/AVP 8 0 101\r\n"));
    g_assert_nonnull(strstr(text, "m=video 0 RTP/AVP 31\r\n"));
    g_assert_nonnull(strstr(text, "o=carillon 7 7 IN IP4 192.0.2.10\r\ns=Carillon\r\n"));
    g_assert_nonnull(strstr(text, "a=recvonly\r\n"));
}

static void
test_answer_dynamic_and_reject(void)
{
    SdpMediaPref media = {
        "audio", 20000, pbx_codecs, G_N_ELEMENTS(pbx_codecs), SDP_DIR_SENDONLY, NULL, NULL, 0,
    };
    SdpLocalParams local = { NULL, 1, 1, "192.0.2.10", NULL, &media, 1 };
    g_autoptr(GError) error = NULL;

    /* opus at a different dynamic PT: the answer keeps 109 */
    {
        g_autoptr(SdpSession) offer = parse_ok(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            "m=audio 3000 RTP/AVP 109 0 100\r\na=rtpmap:109 OPUS/48000/2\r\n"
            "a=rtpmap:100 telephone-event/8000\r\n"
            "m=audio 3002 RTP/AVP 0\r\n");
        g_autoptr(SdpSession) answer = sdp_answer_create(offer, &local, &error);
        const SdpMedia *a, *second;

        g_assert_no_error(error);
        a = g_ptr_array_index(answer->media, 0);
        g_assert_cmpuint(g_array_index(a->codecs, SdpCodec, 0).payload_type, ==, 109);
        g_assert_cmpstr(g_array_index(a->codecs, SdpCodec, 0).fmtp, ==, "useinbandfec=1");
        g_assert_cmpuint(g_array_index(a->codecs, SdpCodec, 2).payload_type, ==, 100);
        g_assert_cmpint(a->direction, ==, SDP_DIR_SENDONLY);    /* we hold */
        second = g_ptr_array_index(answer->media, 1);
        g_assert_cmpuint(second->port, ==, 0);    /* one audio stream per pref */
    }
    /* only telephone-event in common: nothing acceptable */
    {
        g_autoptr(SdpSession) offer = parse_ok(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            "m=audio 3000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n");
        SdpSession *answer = sdp_answer_create(offer, &local, &error);

        g_assert_null(answer);
        g_assert_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA);
        g_clear_error(&error);
    }
    /* SAVP is refused unless the pref lists it; a disabled stream stays 0 */
    {
        g_autoptr(SdpSession) offer = parse_ok(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            "m=audio 3000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"
            "m=audio 0 RTP/AVP 0\r\n");
        SdpSession *answer = sdp_answer_create(offer, &local, &error);

        g_assert_null(answer);
        g_assert_error(error, SDP_ERROR, SDP_ERROR_NO_COMMON_MEDIA);
        g_clear_error(&error);
    }
    {
        static const char *const protos[] = { "RTP/AVP", "RTP/SAVP", NULL };
        static const char *const crypto[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:ours", NULL };
        SdpMediaPref srtp = media;
        SdpLocalParams l2 = local;
        g_autoptr(SdpSession) offer = parse_ok(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            "m=audio 3000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n");
        g_autoptr(SdpSession) answer = NULL;
        const SdpMedia *a;

        srtp.protos = protos;
        srtp.crypto = crypto;
        srtp.direction = SDP_DIR_SENDRECV;
        l2.media = &srtp;
        answer = sdp_answer_create(offer, &l2, &error);
        g_assert_no_error(error);
        a = g_ptr_array_index(answer->media, 0);
        g_assert_cmpstr(a->proto, ==, "RTP/SAVP");
        g_assert_cmpuint(a->crypto->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(a->crypto, 0), ==,
                        "1 AES_CM_128_HMAC_SHA1_80 inline:ours");
    }
}

static void
test_static_payloads(void)
{
    const char *enc;
    guint rate, ch;

    g_assert_true(sdp_static_payload(9, &enc, &rate, &ch));
    g_assert_cmpstr(enc, ==, "G722");
    g_assert_cmpuint(rate, ==, 8000);
    g_assert_true(sdp_static_payload(10, &enc, &rate, &ch));
    g_assert_cmpuint(ch, ==, 2);
    g_assert_false(sdp_static_payload(2, &enc, &rate, &ch));
    g_assert_false(sdp_static_payload(96, &enc, &rate, &ch));
}

static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-sdp", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-sdp regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        g_autoptr(SdpSession) s = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL))
            continue;
        g_test_message("regression %s", name);
        s = sdp_session_parse(data, len, NULL);
        if (s != NULL) {
            g_autofree char *text = sdp_session_to_string(s);
            g_autoptr(SdpSession) again = sdp_session_parse(text, strlen(text), NULL);

            g_assert_nonnull(again);
            g_assert_cmpuint(again->media->len, ==, s->media->len);
        }
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("SDP parsing, writing and offer/answer");

    g_test_add_func("/sip/sdp/parse", test_parse);
    g_test_add_func("/sip/sdp/parse-variants", test_parse_variants);
    g_test_add_func("/sip/sdp/parse-errors", test_parse_errors);
    g_test_add_func("/sip/sdp/write-roundtrip", test_write_roundtrip);
    g_test_add_func("/sip/sdp/rtpmap-without-clock", test_rtpmap_without_clock);
    g_test_add_func("/sip/sdp/direction", test_direction);
    g_test_add_func("/sip/sdp/offer", test_offer);
    g_test_add_func("/sip/sdp/answer", test_answer);
    g_test_add_func("/sip/sdp/answer-dynamic-and-reject", test_answer_dynamic_and_reject);
    g_test_add_func("/sip/sdp/static-payloads", test_static_payloads);
    g_test_add_func("/sip/sdp/fuzz-regressions", test_fuzz_regressions);

    return g_test_run();
}
