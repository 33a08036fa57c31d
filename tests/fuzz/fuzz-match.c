/* Carillon - libFuzzer harness for a trunk's `match` entries
 * (sip_cidr_parse, sip_cidr_contains): an entry that parses has a prefix
 * within its family, and contains its own address (at its port). */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <carillon/sip/trunk.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *text = NULL;
    char ip[INET6_ADDRSTRLEN];
    SipCidr cidr;

    if (size > 512)
        return 0;
    text = g_strndup((const char *) data, size);
    if (!sip_cidr_parse(text, &cidr))
        return 0;
    if ((cidr.family_len != 4 && cidr.family_len != 16) || cidr.prefix > cidr.family_len * 8)
        abort();
    if (!inet_ntop(cidr.family_len == 4 ? AF_INET : AF_INET6, cidr.bytes, ip, sizeof ip))
        abort();
    if (!sip_cidr_contains(&cidr, ip, cidr.port ? cidr.port : 5060))
        abort();
    if (cidr.port && sip_cidr_contains(&cidr, ip, (guint16) (cidr.port + 1)))
        abort();
    sip_cidr_contains(&cidr, text, 5060);       /* any text as the source IP */
    return 0;
}
