# The RTP load generator runs the relay engine in-process (without the
# module descriptor, which would clash with chan_sip's in that program).
tests/bench/bench-rtpflood: $(filter-out modules/res_rtp/module.o,$(patsubst %.c,%.o,$(wildcard modules/res_rtp/*.c)))
