/* Carillon - libFuzzer harness for DTMF: RFC 4733 payloads through the
 * receiver and the sender (res_rtp/dtmf4733.c), SIP INFO bodies
 * (chan_sip/dtmf_info.c).  The input format and the checks are in
 * fuzz-dtmf.h, which the unit tests share to replay regressions. */
#define FUZZ_DTMF_RTP
#define FUZZ_DTMF_INFO
#include "fuzz-dtmf.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    if (fuzz_dtmf_is_rtp(data, size))
        fuzz_dtmf_rtp(data, size);
    else
        fuzz_dtmf_info(data, size);
    return 0;
}
