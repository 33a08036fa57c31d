/* Carillon libcarillon-sipmsg - address ranges (CIDR) for trunk `match`
 * (carillon/sip/trunk.h).  No state; callable from any thread. */
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include <carillon/sip/trunk.h>

/* The address part of text, brackets removed, into out (4 or 16 bytes). */
static gboolean
parse_address(const char *text, gsize len, SipCidr *out)
{
    char buf[INET6_ADDRSTRLEN + 2];

    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof buf)
        return FALSE;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family_len = 4;
        return TRUE;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
        out->family_len = 16;
        return TRUE;
    }
    return FALSE;
}

/* Where a ":port" suffix starts: after "]" for IPv6, at the only ':'
 * of an IPv4 form; NULL when there is none. */
static const char *
port_suffix(const char *text)
{
    const char *close = strchr(text, ']');
    const char *colon;

    if (text[0] == '[')
        return close && close[1] == ':' ? close + 1 : NULL;
    colon = strchr(text, ':');
    return colon && !strchr(colon + 1, ':') ? colon : NULL;
}

gboolean
sip_cidr_parse(const char *text, SipCidr *out)
{
    const char *colon, *slash, *end;
    guint64 v;
    g_autofree char *bits = NULL;

    g_return_val_if_fail(text && out, FALSE);
    memset(out, 0, sizeof *out);
    colon = port_suffix(text);
    end = colon ? colon : text + strlen(text);
    if (colon && !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &v, NULL))
        return FALSE;
    out->port = colon ? (guint16) v : 0;
    slash = memchr(text, '/', end - text);
    if (!parse_address(text, (slash ? slash : end) - text, out))
        return FALSE;
    out->prefix = out->family_len * 8;
    if (!slash)
        return TRUE;
    bits = g_strndup(slash + 1, end - slash - 1);
    if (!g_ascii_string_to_unsigned(bits, 10, 0, out->family_len * 8, &v, NULL))
        return FALSE;
    out->prefix = (guint8) v;
    return TRUE;
}

gboolean
sip_cidr_contains(const SipCidr *cidr, const char *ip, guint16 port)
{
    SipCidr addr;
    guint whole, rest;

    if (cidr->port && port != cidr->port)
        return FALSE;
    if (!ip || !parse_address(ip, strlen(ip), &addr) || addr.family_len != cidr->family_len)
        return FALSE;
    whole = cidr->prefix / 8;
    rest = cidr->prefix % 8;
    if (memcmp(addr.bytes, cidr->bytes, whole) != 0)
        return FALSE;
    if (rest == 0)
        return TRUE;
    return ((addr.bytes[whole] ^ cidr->bytes[whole]) & (0xffu << (8 - rest)) & 0xff) == 0;
}
