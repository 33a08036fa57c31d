/* rtpgen - parsing the few fields of SIP messages and SDP bodies that the
 * generator acts on.  Lenient where it can be (it talks to one known
 * server), strict about bounds: every field is a slice of the datagram. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "rtpgen.h"

/* Next line of [*p, end) without its CRLF (or LF); advances *p. */
static Slice
next_line(const char **p, const char *end)
{
    const char *s = *p, *nl = memchr(s, '\n', (size_t) (end - s));
    Slice line = { s, (size_t) ((nl ? nl : end) - s) };

    *p = nl ? nl + 1 : end;
    if (line.len && line.p[line.len - 1] == '\r')
        line.len--;
    return line;
}

static bool
parse_status_line(Slice line, SipMsg *m)
{
    if (line.len < 12 || !slice_has_prefix(line, "SIP/2.0 "))
        return false;
    m->response = true;
    m->status = atoi(strndupa(line.p + 8, 3));
    return m->status >= 100 && m->status < 700;
}

/* "METHOD URI SIP/2.0" */
static bool
parse_request_line(Slice line, SipMsg *m)
{
    const char *sp1 = memchr(line.p, ' ', line.len), *sp2;

    if (!sp1)
        return false;
    sp2 = memchr(sp1 + 1, ' ', (size_t) (line.p + line.len - sp1 - 1));
    if (!sp2)
        return false;
    m->method = (Slice) { line.p, (size_t) (sp1 - line.p) };
    m->ruri = (Slice) { sp1 + 1, (size_t) (sp2 - sp1 - 1) };
    return true;
}

/* Splits a comma-separated Via value into m->via. */
static void
add_vias(SipMsg *m, Slice value)
{
    const char *p = value.p, *end = value.p + value.len;

    while (p < end && m->n_via < SIP_MAX_VIAS) {
        const char *comma = memchr(p, ',', (size_t) (end - p));
        const char *stop = comma ? comma : end;
        Slice one = slice_trim((Slice) { p, (size_t) (stop - p) });

        if (one.len)
            m->via[m->n_via++] = one;
        p = comma ? comma + 1 : end;
    }
}

static void
parse_cseq(SipMsg *m, Slice value)
{
    char *rest;
    const char *num = strndupa(value.p, value.len);

    m->cseq = strtoul(num, &rest, 10);
    while (*rest == ' ' || *rest == '\t')
        rest++;
    m->cseq_method = (Slice) { value.p + (rest - num), strlen(rest) };
}

static bool
name_is(Slice name, const char *full, const char *compact)
{
    return slice_eq(name, full) || (compact && slice_eq(name, compact));
}

static void
take_header(SipMsg *m, Slice name, Slice value)
{
    if (name_is(name, "Via", "v"))
        add_vias(m, value);
    else if (name_is(name, "Call-ID", "i"))
        m->call_id = value;
    else if (name_is(name, "From", "f"))
        m->from = value;
    else if (name_is(name, "To", "t"))
        m->to = value;
    else if (name_is(name, "Contact", "m"))
        m->contact = value;
    else if (name_is(name, "CSeq", NULL))
        parse_cseq(m, value);
    else if ((name_is(name, "WWW-Authenticate", NULL) ||
              name_is(name, "Proxy-Authenticate", NULL)) &&
             m->n_challenge < SIP_MAX_CHALLENGES)
        m->challenge[m->n_challenge++] = value;
}

/* Headers up to the empty line; folded lines are not expected from the
 * PBX and end the parse as an error. */
static bool
parse_headers(const char **p, const char *end, SipMsg *m)
{
    while (*p < end) {
        Slice line = next_line(p, end);
        const char *colon;

        if (line.len == 0)
            return true;
        if (line.p[0] == ' ' || line.p[0] == '\t')
            return false;
        colon = memchr(line.p, ':', line.len);
        if (!colon)
            return false;
        take_header(m, slice_trim((Slice) { line.p, (size_t) (colon - line.p) }),
                    slice_trim((Slice) { colon + 1, (size_t) (line.p + line.len - colon - 1) }));
    }
    return false;
}

bool
sip_parse(const char *data, size_t len, SipMsg *m)
{
    const char *p = data, *end = data + len;
    Slice first;

    memset(m, 0, sizeof(*m));
    first = next_line(&p, end);
    if (slice_has_prefix(first, "SIP/2.0 ") ? !parse_status_line(first, m)
                                            : !parse_request_line(first, m))
        return false;
    if (!parse_headers(&p, end, m))
        return false;
    m->body = (Slice) { p, (size_t) (end - p) };
    return m->call_id.len && m->cseq && m->from.len && m->to.len && m->n_via;
}

Slice
sip_header_param(Slice value, const char *name)
{
    size_t n = strlen(name);
    const char *gt = memchr(value.p, '>', value.len);
    const char *p = gt ? gt : value.p, *end = value.p + value.len;

    while ((p = memchr(p, ';', (size_t) (end - p)))) {
        p++;
        while (p < end && *p == ' ')
            p++;
        if ((size_t) (end - p) > n && g_ascii_strncasecmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1, *stop = v;

            while (stop < end && *stop != ';' && *stop != ',' && *stop != ' ' && *stop != '>')
                stop++;
            return (Slice) { v, (size_t) (stop - v) };
        }
    }
    return (Slice) { "", 0 };
}

Slice
sip_uri(Slice value)
{
    const char *lt = memchr(value.p, '<', value.len), *gt, *semi;

    if (lt) {
        gt = memchr(lt, '>', (size_t) (value.p + value.len - lt));
        if (gt)
            return (Slice) { lt + 1, (size_t) (gt - lt - 1) };
    }
    semi = memchr(value.p, ';', value.len);
    return slice_trim((Slice) { value.p, semi ? (size_t) (semi - value.p) : value.len });
}

static bool
sdp_connection(Slice line, struct sockaddr_in *dest)
{
    const char *addr;

    if (!slice_has_prefix(line, "c=IN IP4 "))
        return false;
    addr = strndupa(line.p + 9, MIN(line.len - 9, (size_t) INET_ADDRSTRLEN));
    return inet_pton(AF_INET, addr, &dest->sin_addr) == 1;
}

bool
sdp_audio_dest(Slice body, struct sockaddr_in *dest)
{
    const char *p = body.p, *end = body.p + body.len;
    bool have_addr = false;
    unsigned long port = 0;

    memset(dest, 0, sizeof(*dest));
    dest->sin_family = AF_INET;
    while (p < end) {
        Slice line = next_line(&p, end);

        if (slice_has_prefix(line, "c="))
            have_addr = sdp_connection(line, dest) || have_addr;
        else if (slice_has_prefix(line, "m=audio ") && port == 0)
            port = strtoul(strndupa(line.p + 8, MIN(line.len - 8, (size_t) 8)), NULL, 10);
        else if (slice_has_prefix(line, "m=") && port)
            break;
    }
    dest->sin_port = htons((uint16_t) port);
    return have_addr && port > 0 && port < 65536;
}

/* Whether the format list of an m= line ("m=audio 4000 RTP/AVP 0 8 96")
 * has payload type pt. */
static bool
m_line_has(Slice line, unsigned pt)
{
    g_autofree char *text = slice_dup(line);
    g_auto(GStrv) words = g_strsplit(text, " ", -1);

    for (unsigned i = 3; words[0] && words[1] && words[2] && words[i]; i++)
        if (strtoul(words[i], NULL, 10) == pt && g_ascii_isdigit(words[i][0]))
            return true;
    return false;
}

/* The payload type of "a=rtpmap:96 opus/48000/2"; -1 when malformed. */
static int
rtpmap_pt(Slice line)
{
    const char *text = strndupa(line.p + 9, MIN(line.len - 9, (size_t) 8));
    char *end;
    unsigned long n = strtoul(text, &end, 10);

    return end != text && *end == ' ' && n <= 127 ? (int) n : -1;
}

/* Whether an rtpmap line names codec ("opus/48000" then "/2" or the end). */
static bool
rtpmap_is(Slice line, const Codec *codec)
{
    g_autofree char *want = g_strdup_printf("%s/%u", codec->rtp_name, codec->clock);
    const char *sp = memchr(line.p, ' ', line.len);
    size_t len = strlen(want), rest;

    if (!sp)
        return false;
    rest = (size_t) (line.p + line.len - sp - 1);
    return rest >= len && g_ascii_strncasecmp(sp + 1, want, len) == 0 &&
           (rest == len || sp[1 + len] == '/');
}

bool
sdp_payload_type(Slice body, const Codec *codec, unsigned *pt)
{
    const char *p = body.p, *end = body.p + body.len;
    Slice m = { NULL, 0 };
    bool static_mapped = false;         /* its static type has an rtpmap of its own */

    while (p < end) {
        Slice line = next_line(&p, end);
        int n;

        if (slice_has_prefix(line, "m=") && m.p)
            break;
        if (slice_has_prefix(line, "m=audio ")) {
            m = line;
            continue;
        }
        if (!m.p || !slice_has_prefix(line, "a=rtpmap:") || (n = rtpmap_pt(line)) < 0)
            continue;
        if (rtpmap_is(line, codec) && m_line_has(m, (unsigned) n)) {
            *pt = (unsigned) n;
            return true;
        }
        static_mapped = static_mapped || n == codec->static_pt;
    }
    if (!m.p || codec->static_pt < 0 || static_mapped ||
        !m_line_has(m, (unsigned) codec->static_pt))
        return false;
    *pt = (unsigned) codec->static_pt;     /* a static type listed without rtpmap */
    return true;
}
