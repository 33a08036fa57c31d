res_sip_blf_LIBS = $(SIPMSG_LINK)
res_sip_blf_DEPS = $(SIPMSG_LIB)
res_sip_blf_TEST_OBJS = $(SIPMSG_OBJS)
