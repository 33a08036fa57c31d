/* Carillon - libFuzzer harness for the transfer headers: Refer-To with an
 * embedded Replaces, Referred-By and sipfrag status lines.  A Refer-To
 * that parses must give a target URI that parses again, without headers,
 * and a Replaces with its three parts. */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/refer.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
check_refer_to(const SipReferTo *r)
{
    SipUri uri;

    if (!sip_uri_parse(sip_slice_from_str(r->uri), &uri) || uri.headers.p)
        abort();
    if (r->replaces && (!r->rep.call_id.p || !r->rep.to_tag.p || !r->rep.from_tag.p))
        abort();
    if (!r->replaces && r->rep.call_id.p)
        abort();
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    SipSlice text = { (const char *) data, (guint32) size };
    SipReferTo r;
    GError *error = NULL;
    char *by;
    guint code;

    if (size > 4096)
        return 0;
    if (sip_refer_to_parse(text, &r, &error)) {
        check_refer_to(&r);
        sip_refer_to_clear(&r);
    } else if (!error || r.uri || r.replaces) {
        abort();
    }
    g_clear_error(&error);
    by = sip_referred_by_uri(text);
    g_free(by);
    if (sip_sipfrag_parse_status(text, &code) && (code < 100 || code > 699))
        abort();
    return 0;
}
