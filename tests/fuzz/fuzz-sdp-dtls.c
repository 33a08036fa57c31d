/* Carillon - libFuzzer harness for the DTLS-SRTP SDP attributes
 * (sdp_setup_parse, sdp_fingerprint_parse, sdp_media_get_dtls,
 * sdp_media_add_dtls).  The input is an SDP body; its first line of
 * the form "fingerprint <value>" is also parsed alone. */
#include <stdlib.h>
#include <string.h>

#include <carillon/sip/sdp_dtls.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

/* A fingerprint that parsed is written and parses back the same. */
static void
check_fingerprint(const SdpFingerprint *fp)
{
    SdpFingerprint back;
    char *value;

    if (fp->len == 0 || fp->len > SDP_FINGERPRINT_MAX)
        abort();
    value = sdp_fingerprint_to_value(fp);
    if (!sdp_fingerprint_parse(value, &back, NULL) || back.len != fp->len ||
        memcmp(back.digest, fp->digest, fp->len) != 0 || strcmp(back.hash, fp->hash) != 0)
        abort();
    g_free(value);
}

static void
check_media(SdpSession *s, SdpMedia *m)
{
    SdpDtlsAttrs a, back;
    GError *error = NULL;

    if (!sdp_media_get_dtls(s, m, &a, &error)) {
        if (!error || error->domain != SDP_DTLS_ERROR)
            abort();
        g_error_free(error);
        return;
    }
    if (a.setup > SDP_SETUP_HOLDCONN)
        abort();
    if (!a.has_fingerprint || a.setup == SDP_SETUP_NONE)
        return;
    check_fingerprint(&a.fingerprint);
    g_ptr_array_set_size(m->attributes, 0);
    sdp_media_add_dtls(m, a.setup, &a.fingerprint, a.rtcp_mux);
    if (!sdp_media_get_dtls(NULL, m, &back, NULL) || back.setup != a.setup ||
        back.rtcp_mux != a.rtcp_mux || memcmp(back.fingerprint.digest, a.fingerprint.digest,
                                              32) != 0)
        abort();
}

static void
check_value(const char *text)
{
    SdpFingerprint fp;
    SdpSetup setup;

    if (strncmp(text, "fingerprint ", 12) == 0 && sdp_fingerprint_parse(text + 12, &fp, NULL))
        check_fingerprint(&fp);
    if (sdp_setup_parse(text, &setup, NULL) && !sdp_setup_to_string(setup))
        abort();
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    char *text;
    SdpSession *s;

    if (size > 8192)
        return 0;
    text = g_strndup((const char *) data, size);
    check_value(text);
    s = sdp_session_parse(text, strlen(text), NULL);
    for (guint i = 0; s && i < s->media->len; i++)
        check_media(s, s->media->pdata[i]);
    if (s)
        sdp_session_free(s);
    g_free(text);
    return 0;
}
