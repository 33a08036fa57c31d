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

gboolean
sip_cidr_parse(const char *text, SipCidr *out)
{
    const char *slash;
    guint64 bits;

    g_return_val_if_fail(text && out, FALSE);
    memset(out, 0, sizeof *out);
    slash = strchr(text, '/');
    if (!parse_address(text, slash ? (gsize) (slash - text) : strlen(text), out))
        return FALSE;
    out->prefix = out->family_len * 8;
    if (!slash)
        return TRUE;
    if (!g_ascii_string_to_unsigned(slash + 1, 10, 0, out->family_len * 8, &bits, NULL))
        return FALSE;
    out->prefix = (guint8) bits;
    return TRUE;
}

gboolean
sip_cidr_contains(const SipCidr *cidr, const char *ip)
{
    SipCidr addr;
    guint whole, rest;

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
