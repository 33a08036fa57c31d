/* Carillon - libFuzzer harness for URIs, name-addr and parameter lists:
 * a URI that parses must re-emit to text that parses to an equal URI. */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/msg.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    SipSlice text = { (const char *) data, (guint32) size };
    SipUri uri, copy;
    SipNameAddr na;
    SipParam param;
    SipSlice cursor, value;

    if (size > 4096)
        return 0;
    if (sip_uri_parse(text, &uri)) {
        GString *out = g_string_new(NULL);
        GString *un = g_string_new(NULL);

        if (!sip_uri_equal(&uri, &uri))
            abort();
        sip_uri_append(&uri, out);
        if (!sip_uri_parse((SipSlice) { out->str, (guint32) out->len }, &copy))
            abort();
        if (!sip_uri_equal(&uri, &copy) || !sip_uri_equal(&copy, &uri))
            abort();
        sip_uri_get_param(&uri, "transport", &value);
        sip_uri_get_header(&uri, "replaces", &value);
        sip_unescape(uri.user, un);
        g_string_free(out, TRUE);
        g_string_free(un, TRUE);
    }
    if (sip_parse_name_addr(text, &na)) {
        sip_uri_parse(na.uri, &uri);
        cursor = na.params;
        while (sip_param_next(&cursor, &param) > 0)
            ;
    }
    cursor = text;
    while (sip_param_next(&cursor, &param) > 0)
        ;
    return 0;
}
