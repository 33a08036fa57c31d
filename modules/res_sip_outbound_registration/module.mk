res_sip_outbound_registration_LIBS = $(SIPMSG_LINK)
res_sip_outbound_registration_DEPS = $(SIPMSG_LIB)
res_sip_outbound_registration_TEST_OBJS = $(SIPMSG_OBJS)
