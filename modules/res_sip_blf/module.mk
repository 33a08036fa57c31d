res_sip_blf_TEST_OBJS = $(SIPMSG_OBJS)
