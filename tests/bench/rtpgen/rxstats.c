/* rtpgen - what arrived of one stream, per RFC 3550: sequence numbers
 * (A.1, without the probation of new sources: the generator knows its
 * streams), expected and lost packets (A.3) and interarrival jitter (A.8).
 *
 * Relayed streams (rx_update): `transit` is the packet's arrival (kernel
 * timestamp) minus the moment it was sent, in 1/8 ms: the delay of the
 * path through the relay.  A.8 takes differences of transit with the RTP
 * timestamp as the send time; rtpgen uses the actual send time instead,
 * so that the jitter is the relay's and not the variation of the
 * generator's own pacing on a busy machine (reported apart as send lag).
 * "Late" is a delay above late_ms.
 *
 * Streams the PBX encodes (rx_update_term, transcoded calls): the send
 * time is gone with the payload, so transit is arrival minus the PBX's
 * RTP timestamp (A.8 as written), and the delay is how much later than
 * the stream's fastest packet so far a packet came: what a receiver's
 * jitter buffer has to absorb.  "Late" is that above late_ms. */
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
update_timing(RxStats *r, double transit, double delay_ms, unsigned late_ms)
{
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
    update_timing(r, transit, transit / 8.0, late_ms);
}

bool
rx_update_term(RxStats *r, uint32_t ssrc, uint16_t seq, uint32_t ts, unsigned ts_per_ms,
               int64_t arrival_ns, unsigned late_ms)
{
    double transit;

    if (!r->started) {
        r->started = true;
        r->ssrc = ssrc;
        r->base_seq = r->max_seq = seq;
        r->last_ts = ts;
    } else if (ssrc != r->ssrc) {
        return false;
    } else {
        update_seq(r, seq);
        r->ts_ext += (int32_t) (ts - r->last_ts);
        r->last_ts = ts;
    }
    r->received++;
    transit = (double) arrival_ns * 8e-6 - (double) r->ts_ext * 8.0 / ts_per_ms;
    if (r->received == 1 || transit < r->transit_min)
        r->transit_min = transit;
    update_timing(r, transit, (transit - r->transit_min) / 8.0, late_ms);
    return true;
}

void
rx_window_count(RxStats *r)
{
    int64_t seq = (int64_t) r->cycles + r->max_seq;

    if (!r->win_received++)
        r->win_first_seq = seq;
    r->win_last_seq = seq;
}

int64_t
rx_window_missing(const RxStats *r, double window_ms, int64_t *gaps, int64_t *silent)
{
    int64_t span = r->win_received ? r->win_last_seq - r->win_first_seq + 1 : 0;
    int64_t slots = (int64_t) (window_ms / RTPGEN_TICKS_PER_PACKET);

    *gaps = MAX(span - (int64_t) r->win_received, 0);
    *silent = MAX(slots - 1 - span, 0);
    return MAX(span, slots);
}

int64_t
rx_expected(const RxStats *r)
{
    if (!r->started)
        return 0;
    return (int64_t) r->cycles + r->max_seq - r->base_seq + 1;
}
