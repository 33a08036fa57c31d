chan_sip_LIBS = $(SIPMSG_LINK)
chan_sip_DEPS = $(SIPMSG_LIB)
# Its unit tests (tests/unit/chan_sip/) link the message layer's objects.
chan_sip_TEST_OBJS = $(SIPMSG_OBJS)
