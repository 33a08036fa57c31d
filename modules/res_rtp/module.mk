# The RTP load generator runs the relay engine in-process (without the
# module descriptor, which would clash with chan_sip's in that program).
tests/bench/bench-rtpflood: $(filter-out modules/res_rtp/module.o,$(patsubst %.c,%.o,$(wildcard modules/res_rtp/*.c)))
# In-band DTMF (inband.c) runs on spandsp's detector and generator; the
# unit tests and the load generator link the same objects.
res_rtp_LIBS = $(SPANDSP_LIBS) $(SRTP_LIBS)
res_rtp_TEST_LIBS = $(SPANDSP_LIBS)
tests/bench/bench-rtpflood: ALL_LIBS += $(SPANDSP_LIBS)
# The playout buffer's micro-benchmark links the buffer alone and loads
# the codec modules from the tree, which bind to the core's symbols.
tests/bench/bench-playout: modules/res_rtp/playout.o
tests/bench/bench-playout: ALL_LDFLAGS += -Wl,--export-dynamic
# Its unit tests load the codec modules, each with its own descriptor:
# res_rtp's stays out of them (AddressSanitizer reports the two
# pbx_module_info as an ODR violation).
res_rtp_TEST_EXCLUDE = modules/res_rtp/module.o
