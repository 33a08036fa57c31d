/* Carillon - micro-benchmark of the SIP message parser: parses a typical
 * INVITE, 200 OK and REGISTER in a loop on one thread and prints
 * messages/second (per core) and nanoseconds per message for each.  No
 * assertion on time: it is a measurement, not a test.
 *
 *   tests/bench/bench-parse [seconds-per-message]   (default 1.0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/msg.h>

static const char invite[] =
    "INVITE sip:2001@pbx.example.com;transport=udp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.34:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f60718;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Contact: <sip:1001@192.168.1.34:5060;transport=udp>\r\n"
    "To: <sip:2001@pbx.example.com>\r\n"
    "From: \"Front Desk\" <sip:1001@pbx.example.com>;tag=8f2c91a4\r\n"
    "Call-ID: 5f8b0c1e9d2a4b6c8e0f1a3b5c7d9e1f@192.168.1.34\r\n"
    "CSeq: 1 INVITE\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
    "Content-Type: application/sdp\r\n"
    "Supported: replaces, norefersub, extended-refer, timer, X-cisco-serviceuri\r\n"
    "User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
    "Allow-Events: presence, kpml, talk\r\n"
    "Content-Length: 232\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 20045 20045 IN IP4 192.168.1.34\r\n"
    "s=SDP data\r\n"
    "c=IN IP4 192.168.1.34\r\n"
    "t=0 0\r\n"
    "m=audio 11780 RTP/AVP 8 0 9 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

static const char ok200[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.168.1.34:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f60718;rport=5060;received=192.168.1.34\r\n"
    "Record-Route: <sip:192.168.1.2;lr;ftag=8f2c91a4;did=a2f.b6e1>\r\n"
    "Contact: <sip:2001@192.168.1.50:5060>\r\n"
    "To: <sip:2001@pbx.example.com>;tag=as4b1c2d3e\r\n"
    "From: \"Front Desk\" <sip:1001@pbx.example.com>;tag=8f2c91a4\r\n"
    "Call-ID: 5f8b0c1e9d2a4b6c8e0f1a3b5c7d9e1f@192.168.1.34\r\n"
    "CSeq: 1 INVITE\r\n"
    "Server: Carillon PBX 0.1.0\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
    "Supported: replaces, timer\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 186\r\n"
    "\r\n"
    "v=0\r\n"
    "o=carillon 1 2 IN IP4 192.168.1.2\r\n"
    "s=Carillon\r\n"
    "c=IN IP4 192.168.1.2\r\n"
    "t=0 0\r\n"
    "m=audio 10000 RTP/AVP 8 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=sendrecv\r\n";

static const char registr[] =
    "REGISTER sip:pbx.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.34:5060;branch=z9hG4bK1371463591;rport\r\n"
    "From: \"1001\" <sip:1001@pbx.example.com>;tag=1617298732\r\n"
    "To: \"1001\" <sip:1001@pbx.example.com>\r\n"
    "Call-ID: 1926862914@192.168.1.34\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Contact: <sip:1001@192.168.1.34:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-805EC01B2C3D>\";reg-id=1\r\n"
    "Authorization: Digest username=\"1001\", realm=\"pbx.example.com\", "
    "nonce=\"Y2FyaWxsb24tbm9uY2UtMTcwMDAwMDAwMA\", uri=\"sip:pbx.example.com\", "
    "response=\"6e0c5a3b2f1d4e7a8b9c0d1e2f3a4b5c\", algorithm=MD5, qop=auth, nc=00000001, "
    "cnonce=\"a1b2c3d4\"\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
    "Expires: 3600\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static volatile guint sink;

/* Parse text repeatedly for about seconds; returns ns per message. */
static double
measure(SipMsg *msg, const char *text, gsize len, double seconds)
{
    guint64 iterations = 0, batch = 10000;
    gint64 start = g_get_monotonic_time(), now;

    do {
        for (guint64 i = 0; i < batch; i++) {
            if (sip_msg_parse(msg, text, len, SIP_PARSE_DATAGRAM, NULL) != SIP_PARSE_OK)
                abort();
            sink += msg->n_headers;
        }
        iterations += batch;
        now = g_get_monotonic_time();
    } while ((double) (now - start) < seconds * 1e6);
    return (double) (now - start) * 1000.0 / (double) iterations;
}

static void
report(SipMsg *msg, const char *name, const char *text, double seconds)
{
    gsize len = strlen(text);
    double ns;

    measure(msg, text, len, seconds / 5);    /* warm-up */
    ns = measure(msg, text, len, seconds);
    printf("%-10s %5zu bytes  %8.0f ns/msg  %10.0f msgs/s/core  %7.1f MB/s\n", name, len, ns,
           1e9 / ns, (double) len * 1e3 / ns);
}

int
main(int argc, char **argv)
{
    double seconds = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 1.0;
    g_autoptr(SipMsg) msg = sip_msg_new();

    if (seconds <= 0)
        seconds = 1.0;
    printf("sip_msg_parse, one thread, %.1f s per message\n", seconds);
    report(msg, "INVITE", invite, seconds);
    report(msg, "200 OK", ok200, seconds);
    report(msg, "REGISTER", registr, seconds);
    return 0;
}
