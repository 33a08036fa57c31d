/* Carillon - SIP message layer: socket addresses without GObjects
 * (SipAddr, carillon/sip/addr.h). */
#include <string.h>
#include <arpa/inet.h>
#include <carillon/sip/addr.h>

gboolean
sip_addr_from_ip(const char *ip, gsize ip_len, guint16 port, SipAddr *out)
{
    char buf[INET6_ADDRSTRLEN];

    if (ip_len == 0 || ip_len >= sizeof(buf))
        return FALSE;
    memcpy(buf, ip, ip_len);
    buf[ip_len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, &out->u.sin.sin_addr) == 1) {
        out->u.sin.sin_family = AF_INET;
        out->u.sin.sin_port = htons(port);
        out->len = sizeof(struct sockaddr_in);
        return TRUE;
    }
    if (inet_pton(AF_INET6, buf, &out->u.sin6.sin6_addr) == 1) {
        out->u.sin6.sin6_family = AF_INET6;
        out->u.sin6.sin6_port = htons(port);
        out->len = sizeof(struct sockaddr_in6);
        return TRUE;
    }
    return FALSE;
}

/* Accepts "ip", "ip:port", "[v6]" and "[v6]:port". */
gboolean
sip_addr_parse(const char *text, guint16 default_port, SipAddr *out)
{
    const char *host = text, *host_end, *port_str = NULL;
    guint64 port = default_port;

    if (!text || !*text)
        return FALSE;
    if (*text == '[') {
        host = text + 1;
        host_end = strchr(host, ']');
        if (!host_end || (host_end[1] != '\0' && host_end[1] != ':'))
            return FALSE;
        if (host_end[1] == ':')
            port_str = host_end + 2;
    } else {
        host_end = strchr(text, ':');
        if (host_end && strchr(host_end + 1, ':'))
            return FALSE;   /* bare IPv6 needs brackets */
        if (host_end)
            port_str = host_end + 1;
        else
            host_end = text + strlen(text);
    }
    if (port_str && !g_ascii_string_to_unsigned(port_str, 10, 0, 65535, &port, NULL))
        return FALSE;
    if (!sip_addr_from_ip(host, host_end - host, (guint16) port, out))
        return FALSE;
    return *text == '[' ? sip_addr_is_v6(out) : !sip_addr_is_v6(out);
}

guint16
sip_addr_port(const SipAddr *a)
{
    if (a->u.sa.sa_family == AF_INET6)
        return ntohs(a->u.sin6.sin6_port);
    return ntohs(a->u.sin.sin_port);
}

void
sip_addr_set_port(SipAddr *a, guint16 port)
{
    if (a->u.sa.sa_family == AF_INET6)
        a->u.sin6.sin6_port = htons(port);
    else
        a->u.sin.sin_port = htons(port);
}

gboolean
sip_addr_is_v6(const SipAddr *a)
{
    return a->u.sa.sa_family == AF_INET6;
}

gboolean
sip_addr_is_any(const SipAddr *a)
{
    if (a->u.sa.sa_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&a->u.sin6.sin6_addr);
    return a->u.sin.sin_addr.s_addr == htonl(INADDR_ANY);
}

const char *
sip_addr_ip_string(const SipAddr *a, char *buf, gsize size)
{
    const void *src = a->u.sa.sa_family == AF_INET6
        ? (const void *) &a->u.sin6.sin6_addr : (const void *) &a->u.sin.sin_addr;

    /* IPv4 by hand: inet_ntop formats with sprintf, and this runs for
     * every request (received=, the peer's address). */
    if (a->u.sa.sa_family == AF_INET && size >= INET_ADDRSTRLEN) {
        const guint8 *b = src;
        char *p = buf;
        for (int i = 0; i < 4; i++) {
            guint v = b[i];
            if (v >= 100)
                *p++ = (char) ('0' + v / 100);
            if (v >= 10)
                *p++ = (char) ('0' + v / 10 % 10);
            *p++ = (char) ('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        return buf;
    }
    if (!inet_ntop(a->u.sa.sa_family, src, buf, size))
        g_strlcpy(buf, "?", size);
    return buf;
}

const char *
sip_addr_to_string(const SipAddr *a, char *buf, gsize size)
{
    char ip[INET6_ADDRSTRLEN];

    sip_addr_ip_string(a, ip, sizeof(ip));
    if (sip_addr_is_v6(a))
        g_snprintf(buf, size, "[%s]:%u", ip, sip_addr_port(a));
    else
        g_snprintf(buf, size, "%s:%u", ip, sip_addr_port(a));
    return buf;
}

gboolean
sip_addr_ip_equal(const SipAddr *a, const SipAddr *b)
{
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return FALSE;
    if (a->u.sa.sa_family == AF_INET6)
        return memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
    return a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
}

gboolean
sip_addr_equal(const SipAddr *a, const SipAddr *b)
{
    return sip_addr_ip_equal(a, b) && sip_addr_port(a) == sip_addr_port(b);
}

guint
sip_addr_ip_hash(const SipAddr *a)
{
    const guint8 *p;
    gsize n;
    guint h = 2166136261u;

    if (a->u.sa.sa_family == AF_INET6) {
        p = (const guint8 *) &a->u.sin6.sin6_addr;
        n = 16;
    } else {
        p = (const guint8 *) &a->u.sin.sin_addr;
        n = 4;
    }
    for (gsize i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

guint
sip_addr_hash(const SipAddr *a)
{
    return (sip_addr_ip_hash(a) ^ sip_addr_port(a)) * 16777619u;
}
