/* Carillon - libFuzzer harness for SDP: parse, write and re-parse, and
 * answer every description that parses with a typical PBX codec list. */
#include <stdlib.h>

#include <carillon/sip/sdp.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static const SdpCodecPref audio_codecs[] = {
    { "opus", 48000, 2, 111, "useinbandfec=1" },
    { "PCMA", 8000, 1, 8, NULL },
    { "PCMU", 8000, 1, 0, NULL },
    { "telephone-event", 8000, 1, 101, "0-16" },
};
static const char *const protos[] = { "RTP/AVP", "RTP/SAVP", NULL };
static const char *const crypto[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:abcd", NULL };
static const SdpMediaPref media[] = {
    { "audio", 10000, audio_codecs, G_N_ELEMENTS(audio_codecs), SDP_DIR_SENDRECV, protos, crypto,
      20 },
};
static const SdpLocalParams local = { "carillon", 1, 2, "192.0.2.10", NULL, media, 1 };

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    SdpSession *s, *again, *answer;
    GString *out;

    if (size > 16384)
        return 0;
    s = sdp_session_parse((const char *) data, size, NULL);
    if (s == NULL)
        return 0;
    out = g_string_new(NULL);
    sdp_session_write(s, out);
    again = sdp_session_parse(out->str, out->len, NULL);
    if (again == NULL || again->media->len != s->media->len)
        abort();
    answer = sdp_answer_create(s, &local, NULL);
    if (answer != NULL) {
        if (answer->media->len != s->media->len)
            abort();
        g_string_truncate(out, 0);
        sdp_session_write(answer, out);
        sdp_session_free(answer);
    }
    sdp_session_free(again);
    sdp_session_free(s);
    g_string_free(out, TRUE);
    return 0;
}
