chan_sip_LIBS = $(SIPMSG_LINK)
chan_sip_DEPS = $(SIPMSG_LIB)
