/* Carillon - SDP parsing and writing (RFC 8866).  The parser walks the
 * description line by line, keeping what the PBX negotiates on (o=, c=,
 * m=, rtpmap, fmtp, direction, ptime, crypto) in fields and every other
 * line in order so that writing it back loses nothing important. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <carillon/sip/sdp.h>
#include <carillon/sip/sdp_crypto.h>

G_DEFINE_QUARK(sdp-error-quark, sdp_error)

#define MAX_SDP_LINES 512
#define MAX_FORMATS 64

/* ---------------------------------------------------------------- objects */

static void
connection_clear(SdpConnection *c)
{
    g_clear_pointer(&c->nettype, g_free);
    g_clear_pointer(&c->addrtype, g_free);
    g_clear_pointer(&c->address, g_free);
}

static void
attribute_free(gpointer data)
{
    SdpAttribute *a = data;

    g_free(a->name);
    g_free(a->value);
    g_free(a);
}

static void
codec_clear(gpointer data)
{
    SdpCodec *c = data;

    g_free(c->encoding);
    g_free(c->fmtp);
}

SdpMedia *
sdp_media_new(const char *media, guint port, const char *proto)
{
    SdpMedia *m = g_new0(SdpMedia, 1);

    m->media = g_strdup(media);
    m->port = port;
    m->num_ports = 1;
    m->proto = g_strdup(proto);
    m->formats = g_ptr_array_new_with_free_func(g_free);
    m->codecs = g_array_new(FALSE, TRUE, sizeof(SdpCodec));
    g_array_set_clear_func(m->codecs, codec_clear);
    m->bandwidths = g_ptr_array_new_with_free_func(g_free);
    /* a=crypto values hold keys: wiped when freed */
    m->crypto = g_ptr_array_new_with_free_func((GDestroyNotify) sdp_crypto_free_value);
    m->attributes = g_ptr_array_new_with_free_func(attribute_free);
    return m;
}

void
sdp_media_free(SdpMedia *m)
{
    if (m == NULL)
        return;
    g_free(m->media);
    g_free(m->proto);
    g_free(m->info);
    g_ptr_array_unref(m->formats);
    g_array_unref(m->codecs);
    connection_clear(&m->connection);
    g_ptr_array_unref(m->bandwidths);
    g_ptr_array_unref(m->crypto);
    g_ptr_array_unref(m->attributes);
    g_free(m);
}

SdpSession *
sdp_session_new(void)
{
    SdpSession *s = g_new0(SdpSession, 1);

    s->extra_lines = g_ptr_array_new_with_free_func(g_free);
    s->bandwidths = g_ptr_array_new_with_free_func(g_free);
    s->time_lines = g_ptr_array_new_with_free_func(g_free);
    s->attributes = g_ptr_array_new_with_free_func(attribute_free);
    s->media = g_ptr_array_new_with_free_func((GDestroyNotify) sdp_media_free);
    return s;
}

void
sdp_session_free(SdpSession *s)
{
    if (s == NULL)
        return;
    g_free(s->origin.username);
    g_free(s->origin.sess_id);
    connection_clear(&s->origin.address);
    g_free(s->session_name);
    g_ptr_array_unref(s->extra_lines);
    connection_clear(&s->connection);
    g_ptr_array_unref(s->bandwidths);
    g_ptr_array_unref(s->time_lines);
    g_ptr_array_unref(s->attributes);
    g_ptr_array_unref(s->media);
    g_free(s);
}

/* ---------------------------------------------------------------- tables */

static const struct {
    const char *encoding;
    guint clock_rate;
    guint channels;
} static_payloads[35] = {
    [0] = { "PCMU", 8000, 1 }, [3] = { "GSM", 8000, 1 }, [4] = { "G723", 8000, 1 },
    [5] = { "DVI4", 8000, 1 }, [6] = { "DVI4", 16000, 1 }, [7] = { "LPC", 8000, 1 },
    [8] = { "PCMA", 8000, 1 }, [9] = { "G722", 8000, 1 }, [10] = { "L16", 44100, 2 },
    [11] = { "L16", 44100, 1 }, [12] = { "QCELP", 8000, 1 }, [13] = { "CN", 8000, 1 },
    [14] = { "MPA", 90000, 1 }, [15] = { "G728", 8000, 1 }, [16] = { "DVI4", 11025, 1 },
    [17] = { "DVI4", 22050, 1 }, [18] = { "G729", 8000, 1 }, [25] = { "CelB", 90000, 1 },
    [26] = { "JPEG", 90000, 1 }, [28] = { "nv", 90000, 1 }, [31] = { "H261", 90000, 1 },
    [32] = { "MPV", 90000, 1 }, [33] = { "MP2T", 90000, 1 }, [34] = { "H263", 90000, 1 },
};

gboolean
sdp_static_payload(guint pt, const char **encoding, guint *clock_rate, guint *channels)
{
    if (pt >= G_N_ELEMENTS(static_payloads) || static_payloads[pt].encoding == NULL)
        return FALSE;
    if (encoding)
        *encoding = static_payloads[pt].encoding;
    if (clock_rate)
        *clock_rate = static_payloads[pt].clock_rate;
    if (channels)
        *channels = static_payloads[pt].channels;
    return TRUE;
}

static const char *const direction_names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

const char *
sdp_direction_to_string(SdpDirection d)
{
    return (guint) d < G_N_ELEMENTS(direction_names) ? direction_names[d] : "sendrecv";
}

gboolean
sdp_direction_from_string(const char *s, SdpDirection *d)
{
    for (guint i = 0; i < G_N_ELEMENTS(direction_names); i++) {
        if (strcmp(s, direction_names[i]) == 0) {
            *d = (SdpDirection) i;
            return TRUE;
        }
    }
    return FALSE;
}

SdpDirection
sdp_direction_answer(SdpDirection offered, SdpDirection local)
{
    gboolean we_send = local == SDP_DIR_SENDRECV || local == SDP_DIR_SENDONLY;
    gboolean we_recv = local == SDP_DIR_SENDRECV || local == SDP_DIR_RECVONLY;

    switch (offered) {
    case SDP_DIR_SENDONLY:
        return we_recv ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
    case SDP_DIR_RECVONLY:
        return we_send ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
    case SDP_DIR_INACTIVE:
        return SDP_DIR_INACTIVE;
    case SDP_DIR_SENDRECV:
    default:
        return local;
    }
}

/* ---------------------------------------------------------------- accessors */

SdpDirection
sdp_media_get_direction(const SdpSession *session, const SdpMedia *media)
{
    if (media->has_direction)
        return media->direction;
    if (session->has_direction)
        return session->direction;
    return SDP_DIR_SENDRECV;
}

const SdpConnection *
sdp_media_get_connection(const SdpSession *session, const SdpMedia *media)
{
    if (media->connection.address != NULL)
        return &media->connection;
    if (session->connection.address != NULL)
        return &session->connection;
    return NULL;
}

const SdpCodec *
sdp_media_find_codec(const SdpMedia *media, guint pt)
{
    for (guint i = 0; i < media->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(media->codecs, SdpCodec, i);

        if (c->payload_type == pt)
            return c;
    }
    return NULL;
}

static SdpCodec *
find_codec_mutable(SdpMedia *media, guint pt)
{
    return (SdpCodec *) sdp_media_find_codec(media, pt);
}

void
sdp_media_add_codec(SdpMedia *media, guint pt, const char *encoding, guint clock_rate,
                    guint channels, const char *fmtp)
{
    SdpCodec c = {
        .payload_type = pt,
        .encoding = g_strdup(encoding),
        .clock_rate = clock_rate,
        .channels = channels ? channels : 1,
        .fmtp = g_strdup(fmtp),
        .has_rtpmap = TRUE,
    };

    g_array_append_val(media->codecs, c);
    g_ptr_array_add(media->formats, g_strdup_printf("%u", pt));
}

void
sdp_media_add_attribute(SdpMedia *media, const char *name, const char *value)
{
    SdpAttribute *a = g_new0(SdpAttribute, 1);

    a->name = g_strdup(name);
    a->value = g_strdup(value);
    g_ptr_array_add(media->attributes, a);
}

const SdpAttribute *
sdp_media_find_attribute(const SdpMedia *media, const char *name)
{
    for (guint i = 0; i < media->attributes->len; i++) {
        const SdpAttribute *a = g_ptr_array_index(media->attributes, i);

        if (strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

/* ---------------------------------------------------------------- parsing */

typedef struct {
    SdpSession *session;
    SdpMedia *media;            /* current m= section, NULL at session level */
    guint line_no;
    GError **error;
} ParseState;

static gboolean G_GNUC_PRINTF(2, 3)
fail(ParseState *st, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(st->error, SDP_ERROR, SDP_ERROR_PARSE, "SDP line %u: %s", st->line_no, msg);
    return FALSE;
}

/* Strict unsigned decimal that fills s, <= max. */
static gboolean
parse_uint(const char *s, guint64 max, guint64 *out)
{
    guint64 v = 0;

    if (*s == '\0')
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s))
            return FALSE;
        v = v * 10 + (guint64) (*s - '0');
        if (v > max)
            return FALSE;
    }
    *out = v;
    return TRUE;
}

/* Split on single spaces (RFC 8866 fields are separated by one SP; we
 * tolerate runs).  Returns the number of fields, at most max. */
static guint
split_fields(char *line, char **fields, guint max)
{
    guint n = 0;
    char *p = line;

    while (*p && n < max) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        fields[n++] = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

static gboolean
valid_address(SdpAddrType type, const char *addr)
{
    struct in6_addr a6;
    struct in_addr a4;

    if (type == SDP_ADDR_IP6)
        return inet_pton(AF_INET6, addr, &a6) == 1;
    if (type == SDP_ADDR_IP4) {
        if (inet_pton(AF_INET, addr, &a4) == 1)
            return TRUE;
    }
    /* FQDN (allowed by RFC 8866) or another addrtype's address */
    for (const char *p = addr; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != ':' && *p != '_')
            return FALSE;
    }
    return *addr != '\0';
}

/* "<nettype> <addrtype> <address>[/ttl][/count]" */
static gboolean
parse_connection(ParseState *st, char *value, SdpConnection *c, gboolean allow_slash)
{
    char *f[4];
    char *slash;
    guint64 v;

    if (split_fields(value, f, 4) != 3)
        return fail(st, "expected '<nettype> <addrtype> <address>'");
    connection_clear(c);
    c->nettype = g_strdup(f[0]);
    c->addrtype = g_strdup(f[1]);
    c->type = strcmp(f[1], "IP4") == 0 ? SDP_ADDR_IP4
              : strcmp(f[1], "IP6") == 0 ? SDP_ADDR_IP6 : SDP_ADDR_OTHER;
    c->num_addresses = 1;
    c->ttl = 0;
    slash = allow_slash ? strchr(f[2], '/') : NULL;
    if (slash != NULL) {
        char *second;

        *slash++ = '\0';
        second = strchr(slash, '/');
        if (second != NULL)
            *second++ = '\0';
        if (c->type == SDP_ADDR_IP4) {
            if (!parse_uint(slash, 255, &v))
                return fail(st, "bad multicast TTL");
            c->ttl = (guint) v;
            slash = second;
        } else if (second != NULL) {
            return fail(st, "bad multicast address count");
        }
        if (slash != NULL) {
            if (!parse_uint(slash, 65535, &v) || v == 0)
                return fail(st, "bad multicast address count");
            c->num_addresses = (guint) v;
        }
    }
    if (!valid_address(c->type, f[2]))
        return fail(st, "bad address '%s'", f[2]);
    c->address = g_strdup(f[2]);
    return TRUE;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static gboolean
parse_origin(ParseState *st, char *value)
{
    SdpOrigin *o = &st->session->origin;
    char *f[7];
    guint64 v;
    char *addr;

    if (split_fields(value, f, 7) != 6)
        return fail(st, "o= needs 6 fields");
    if (strlen(f[1]) > 32 || strspn(f[1], "0123456789") != strlen(f[1])
        || !parse_uint(f[2], G_MAXUINT64 / 10, &v))
        return fail(st, "bad session id or version");
    g_free(o->username);
    g_free(o->sess_id);
    o->username = g_strdup(f[0]);
    o->sess_id = g_strdup(f[1]);
    o->sess_version = v;
    addr = g_strdup_printf("%s %s %s", f[3], f[4], f[5]);
    {
        gboolean ok = parse_connection(st, addr, &o->address, FALSE);

        g_free(addr);
        return ok;
    }
}

static gboolean
is_rtp_proto(const char *proto)
{
    return strstr(proto, "RTP/") != NULL;
}

/* m=<media> <port>[/<number>] <proto> <fmt> ... */
static gboolean
parse_media(ParseState *st, char *value)
{
    char *f[MAX_FORMATS + 3];
    guint n = split_fields(value, f, G_N_ELEMENTS(f));
    char *slash;
    guint64 port, count = 1, pt;
    SdpMedia *m;

    if (n < 3)
        return fail(st, "m= needs media, port and proto");
    slash = strchr(f[1], '/');
    if (slash != NULL) {
        *slash++ = '\0';
        if (!parse_uint(slash, 65535, &count) || count == 0)
            return fail(st, "bad port count");
    }
    if (!parse_uint(f[1], 65535, &port))
        return fail(st, "bad port");
    m = sdp_media_new(f[0], (guint) port, f[2]);
    m->num_ports = (guint) count;
    g_ptr_array_add(st->session->media, m);
    st->media = m;
    for (guint i = 3; i < n; i++) {
        g_ptr_array_add(m->formats, g_strdup(f[i]));
        if (!is_rtp_proto(m->proto))
            continue;
        if (!parse_uint(f[i], 127, &pt))
            return fail(st, "bad RTP payload type '%s'", f[i]);
        if (sdp_media_find_codec(m, (guint) pt) == NULL) {
            SdpCodec c = { .payload_type = (guint) pt, .channels = 1 };
            const char *enc;

            if (sdp_static_payload((guint) pt, &enc, &c.clock_rate, &c.channels))
                c.encoding = g_strdup(enc);
            g_array_append_val(m->codecs, c);
        }
    }
    return TRUE;
}

/* a=rtpmap:<pt> <encoding>/<clock>[/<channels>].  A missing clock rate
 * (seen in the RFC 4475 messages: "a=rtpmap:31 LPC") keeps the static
 * payload type's rate, or 0 for a dynamic one. */
static gboolean
parse_rtpmap(ParseState *st, const char *value)
{
    g_auto(GStrv) parts = NULL;
    char *f[3];
    g_autofree char *copy = g_strdup(value);
    guint64 pt, clock = 0, channels = 1;
    SdpCodec *c;

    if (split_fields(copy, f, 3) != 2 || !parse_uint(f[0], 127, &pt))
        return fail(st, "bad a=rtpmap");
    parts = g_strsplit(f[1], "/", 4);
    if (g_strv_length(parts) > 3 || parts[0][0] == '\0'
        || (parts[1] && (!parse_uint(parts[1], G_MAXUINT32, &clock) || clock == 0))
        || (parts[1] && parts[2] && (!parse_uint(parts[2], 255, &channels) || channels == 0)))
        return fail(st, "bad a=rtpmap encoding");
    c = st->media ? find_codec_mutable(st->media, (guint) pt) : NULL;
    if (c == NULL)
        return TRUE;    /* rtpmap for a format not offered: ignored */
    g_free(c->encoding);
    c->encoding = g_strdup(parts[0]);
    if (parts[1] != NULL)
        c->clock_rate = (guint) clock;
    c->channels = (guint) channels;
    c->has_rtpmap = TRUE;
    return TRUE;
}

/* a=fmtp:<pt> <parameters> */
static gboolean
parse_fmtp(ParseState *st, const char *value)
{
    const char *sp = strchr(value, ' ');
    g_autofree char *pt_str = g_strndup(value, sp ? (gsize) (sp - value) : strlen(value));
    guint64 pt;
    SdpCodec *c;

    if (st->media == NULL || !is_rtp_proto(st->media->proto))
        return TRUE;
    if (!parse_uint(pt_str, 127, &pt))
        return fail(st, "bad a=fmtp");
    c = find_codec_mutable(st->media, (guint) pt);
    if (c == NULL)
        return TRUE;
    g_free(c->fmtp);
    c->fmtp = g_strdup(sp ? sp + 1 : "");
    return TRUE;
}

static gboolean
parse_attribute(ParseState *st, char *value)
{
    char *colon = strchr(value, ':');
    const char *name = value, *arg = NULL;
    SdpDirection dir;
    guint64 v;

    if (colon != NULL) {
        *colon = '\0';
        arg = colon + 1;
    }
    if (*name == '\0')
        return fail(st, "empty attribute name");
    if (arg == NULL && sdp_direction_from_string(name, &dir)) {
        if (st->media) {
            st->media->direction = dir;
            st->media->has_direction = TRUE;
        } else {
            st->session->direction = dir;
            st->session->has_direction = TRUE;
        }
        return TRUE;
    }
    if (st->media != NULL && arg != NULL) {
        if (strcmp(name, "rtpmap") == 0)
            return parse_rtpmap(st, arg);
        if (strcmp(name, "fmtp") == 0)
            return parse_fmtp(st, arg);
        if (strcmp(name, "crypto") == 0) {
            g_ptr_array_add(st->media->crypto, g_strdup(arg));
            return TRUE;
        }
        if (strcmp(name, "ptime") == 0 && parse_uint(arg, 10000, &v)) {
            st->media->ptime = (guint) v;
            return TRUE;
        }
        if (strcmp(name, "maxptime") == 0 && parse_uint(arg, 10000, &v)) {
            st->media->maxptime = (guint) v;
            return TRUE;
        }
    }
    {
        SdpAttribute *a = g_new0(SdpAttribute, 1);

        a->name = g_strdup(name);
        a->value = g_strdup(arg);
        g_ptr_array_add(st->media ? st->media->attributes : st->session->attributes, a);
    }
    return TRUE;
}

static gboolean
parse_line(ParseState *st, char type, char *value, const char *raw)
{
    SdpSession *s = st->session;

    switch (type) {
    case 'v':
        return fail(st, "repeated v=");
    case 'o':
        if (st->media != NULL)
            return fail(st, "o= inside a media section");
        return parse_origin(st, value);
    case 's':
        if (st->media == NULL) {
            g_free(s->session_name);
            s->session_name = g_strdup(value);
        }
        return TRUE;
    case 'c':
        return parse_connection(st, value, st->media ? &st->media->connection : &s->connection,
                                TRUE);
    case 'b':
        g_ptr_array_add(st->media ? st->media->bandwidths : s->bandwidths, g_strdup(value));
        return TRUE;
    case 't':
    case 'r':
        if (st->media == NULL)
            g_ptr_array_add(s->time_lines, g_strdup(raw));
        return TRUE;
    case 'm':
        return parse_media(st, value);
    case 'a':
        return parse_attribute(st, value);
    case 'i':
        if (st->media != NULL) {
            g_free(st->media->info);
            st->media->info = g_strdup(value);
            return TRUE;
        }
        /* fall through */
    case 'u':
    case 'e':
    case 'p':
    case 'z':
    case 'k':
        if (st->media == NULL)
            g_ptr_array_add(s->extra_lines, g_strdup(raw));
        return TRUE;
    default:
        return TRUE;    /* unknown type: ignored (RFC 8866 5) */
    }
}

SdpSession *
sdp_session_parse(const char *buf, gsize len, GError **error)
{
    g_autoptr(SdpSession) session = sdp_session_new();
    ParseState st = { .session = session, .error = error };
    const char *p = buf, *end = buf + len;

    g_return_val_if_fail(buf != NULL || len == 0, NULL);
    while (p < end) {
        const char *eol = memchr(p, '\n', (gsize) (end - p));
        const char *line_end = eol ? eol : end;
        g_autofree char *line = NULL;

        if (line_end > p && line_end[-1] == '\r')
            line_end--;
        st.line_no++;
        if (st.line_no > MAX_SDP_LINES) {
            fail(&st, "too many lines");
            return NULL;
        }
        if (line_end == p && eol == NULL)
            break;
        if (line_end - p < 2 || p[1] != '=' || !g_ascii_islower(p[0])
            || memchr(p, '\0', (gsize) (line_end - p)) != NULL) {
            if (line_end == p && st.line_no > 1) {
                p = eol ? eol + 1 : end;
                continue;   /* blank line (trailing CRLF of some stacks) */
            }
            fail(&st, "not a '<type>=<value>' line");
            return NULL;
        }
        line = g_strndup(p, (gsize) (line_end - p));
        if (st.line_no == 1) {
            if (strcmp(line, "v=0") != 0) {
                fail(&st, "first line must be v=0");
                return NULL;
            }
        } else if (!parse_line(&st, line[0], line + 2, line)) {
            return NULL;
        }
        p = eol ? eol + 1 : end;
    }
    if (st.line_no == 0) {
        g_set_error(error, SDP_ERROR, SDP_ERROR_PARSE, "SDP is empty");
        return NULL;
    }
    if (session->session_name == NULL)
        session->session_name = g_strdup("-");
    return g_steal_pointer(&session);
}

/* ---------------------------------------------------------------- writing */

static void
write_connection(GString *out, const SdpConnection *c)
{
    if (c->address == NULL)
        return;
    g_string_append_printf(out, "c=%s %s %s", c->nettype ? c->nettype : "IN",
                           c->addrtype ? c->addrtype : (c->type == SDP_ADDR_IP6 ? "IP6" : "IP4"),
                           c->address);
    if (c->ttl)
        g_string_append_printf(out, "/%u", c->ttl);
    if (c->num_addresses > 1)
        g_string_append_printf(out, "/%u", c->num_addresses);
    g_string_append(out, "\r\n");
}

static void
write_strings(GString *out, const char *prefix, const GPtrArray *lines)
{
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(out, "%s%s\r\n", prefix, (const char *) g_ptr_array_index(lines, i));
}

/* Raw session lines of one type, in the order they came. */
static void
write_extra(GString *out, const GPtrArray *lines, char type)
{
    for (guint i = 0; i < lines->len; i++) {
        const char *l = g_ptr_array_index(lines, i);

        if (l[0] == type)
            g_string_append_printf(out, "%s\r\n", l);
    }
}

static void
write_attributes(GString *out, const GPtrArray *attrs)
{
    for (guint i = 0; i < attrs->len; i++) {
        const SdpAttribute *a = g_ptr_array_index(attrs, i);

        if (a->value)
            g_string_append_printf(out, "a=%s:%s\r\n", a->name, a->value);
        else
            g_string_append_printf(out, "a=%s\r\n", a->name);
    }
}

static void
write_media(GString *out, const SdpMedia *m)
{
    g_string_append_printf(out, "m=%s %u", m->media, m->port);
    if (m->num_ports > 1)
        g_string_append_printf(out, "/%u", m->num_ports);
    g_string_append_printf(out, " %s", m->proto);
    for (guint i = 0; i < m->formats->len; i++)
        g_string_append_printf(out, " %s", (const char *) g_ptr_array_index(m->formats, i));
    g_string_append(out, "\r\n");
    if (m->info)
        g_string_append_printf(out, "i=%s\r\n", m->info);
    write_connection(out, &m->connection);
    write_strings(out, "b=", m->bandwidths);
    for (guint i = 0; i < m->codecs->len; i++) {
        const SdpCodec *c = &g_array_index(m->codecs, SdpCodec, i);

        if (c->encoding != NULL && (c->has_rtpmap || c->payload_type >= 96)) {
            g_string_append_printf(out, "a=rtpmap:%u %s", c->payload_type, c->encoding);
            if (c->clock_rate != 0)     /* 0: no rate was given */
                g_string_append_printf(out, "/%u", c->clock_rate);
            if (c->clock_rate != 0 && c->channels > 1)
                g_string_append_printf(out, "/%u", c->channels);
            g_string_append(out, "\r\n");
        }
        if (c->fmtp != NULL)
            g_string_append_printf(out, "a=fmtp:%u %s\r\n", c->payload_type, c->fmtp);
    }
    if (m->ptime)
        g_string_append_printf(out, "a=ptime:%u\r\n", m->ptime);
    if (m->maxptime)
        g_string_append_printf(out, "a=maxptime:%u\r\n", m->maxptime);
    write_strings(out, "a=crypto:", m->crypto);
    write_attributes(out, m->attributes);
    if (m->has_direction)
        g_string_append_printf(out, "a=%s\r\n", sdp_direction_to_string(m->direction));
}

void
sdp_session_write(const SdpSession *s, GString *out)
{
    const SdpOrigin *o = &s->origin;

    g_string_append(out, "v=0\r\n");
    g_string_append_printf(out, "o=%s %s %" G_GUINT64_FORMAT " %s %s %s\r\n",
                           o->username ? o->username : "-", o->sess_id ? o->sess_id : "0",
                           o->sess_version, o->address.nettype ? o->address.nettype : "IN",
                           o->address.addrtype ? o->address.addrtype : "IP4",
                           o->address.address ? o->address.address : "0.0.0.0");
    g_string_append_printf(out, "s=%s\r\n", s->session_name ? s->session_name : "-");
    write_extra(out, s->extra_lines, 'i');
    write_extra(out, s->extra_lines, 'u');
    write_extra(out, s->extra_lines, 'e');
    write_extra(out, s->extra_lines, 'p');
    write_connection(out, &s->connection);
    write_strings(out, "b=", s->bandwidths);
    if (s->time_lines->len == 0)
        g_string_append(out, "t=0 0\r\n");
    write_strings(out, "", s->time_lines);
    write_extra(out, s->extra_lines, 'z');
    write_extra(out, s->extra_lines, 'k');
    write_attributes(out, s->attributes);
    if (s->has_direction)
        g_string_append_printf(out, "a=%s\r\n", sdp_direction_to_string(s->direction));
    for (guint i = 0; i < s->media->len; i++)
        write_media(out, g_ptr_array_index(s->media, i));
}

char *
sdp_session_to_string(const SdpSession *session)
{
    GString *out = g_string_sized_new(512);

    sdp_session_write(session, out);
    return g_string_free(out, FALSE);
}
