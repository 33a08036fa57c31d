/* Carillon - DTMF digit values. */
#include <string.h>
#include <carillon/dtmf.h>

const char *
pbx_dtmf_source_to_string(PbxDtmfSource source)
{
    switch (source) {
    case PBX_DTMF_RFC4733:
        return "rfc4733";
    case PBX_DTMF_INFO:
        return "info";
    case PBX_DTMF_INBAND:
        return "inband";
    case PBX_DTMF_API:
        return "api";
    }
    return "unknown";
}

gboolean
pbx_dtmf_digit_is_valid(char digit)
{
    return digit != '\0' && strchr("0123456789*#ABCD", digit) != NULL;
}

guint
pbx_dtmf_clamp_duration(guint duration_ms)
{
    if (duration_ms == 0)
        return PBX_DTMF_DEFAULT_MS;
    return CLAMP(duration_ms, PBX_DTMF_MIN_MS, PBX_DTMF_MAX_MS);
}
