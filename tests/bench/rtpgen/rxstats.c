/* rtpgen - what arrived of one stream, per RFC 3550: sequence numbers
 * (A.1, without the probation of new sources: the generator knows its
 * streams), expected and lost packets (A.3) and interarrival jitter (A.8).
 *
 * `transit` is the packet's arrival (kernel timestamp) minus the moment
 * it was sent, in timestamp units (1/8 ms): the delay of the path through
 * the relay.  A.8 takes differences of transit with the RTP timestamp as
 * the send time; rtpgen uses the actual send time instead, so that the
 * jitter is the relay's and not the variation of the generator's own
 * pacing on a busy machine (reported apart as send lag).  "Late" is a
 * delay above late_ms. */
#include <math.h>

#include "rtpgen.h"

#define MAX_DROPOUT 3000

static void
update_seq(RxStats *r, uint16_t seq)
{
    uint16_t udelta = (uint16_t) (seq - r->max_seq);

    if (udelta != 0 && udelta < MAX_DROPOUT) {
        if (seq < r->max_seq)
            r->cycles += 65536;
        r->max_seq = seq;
    } else {
        r->misordered++;        /* duplicate, late or a jump back */
    }
}

static void
update_timing(RxStats *r, double transit, unsigned late_ms)
{
    double delay_ms = transit / 8.0;

    if (r->received > 1) {
        r->jitter += (fabs(transit - r->transit) - r->jitter) / 16.0;
        if (r->jitter > r->jitter_max)
            r->jitter_max = r->jitter;
    }
    r->transit = transit;
    if (delay_ms > late_ms)
        r->late++;
    if (delay_ms > r->delay_max_ms)
        r->delay_max_ms = delay_ms;
}

void
rx_update(RxStats *r, int fd, uint16_t seq, double transit, unsigned late_ms)
{
    if (!r->started) {
        r->started = true;
        r->fd = fd;
        r->base_seq = r->max_seq = seq;
    } else {
        update_seq(r, seq);
    }
    r->received++;
    update_timing(r, transit, late_ms);
}

int64_t
rx_expected(const RxStats *r)
{
    if (!r->started)
        return 0;
    return (int64_t) r->cycles + r->max_seq - r->base_seq + 1;
}
