/* Carillon - libFuzzer harness for digest credentials and challenges. */
#include <stdlib.h>

#include <carillon/sip/msg.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    SipSlice text = { (const char *) data, (guint32) size };
    SipDigestParams dp;

    if (size > 8192)
        return 0;
    if (sip_parse_digest(text, &dp) && dp.scheme == SIP_AUTH_SCHEME_DIGEST) {
        GString *s = g_string_new(NULL);

        sip_unquote(dp.username, s);
        sip_unquote(dp.realm, s);
        sip_unquote(dp.nonce, s);
        sip_unquote(dp.uri, s);
        if (dp.nc.p != NULL && dp.nc.len != 8)
            abort();
        g_string_free(s, TRUE);
    }
    return 0;
}
