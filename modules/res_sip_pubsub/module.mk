res_sip_pubsub_LIBS = $(SIPMSG_LINK) $(SQLITE_LIBS)
res_sip_pubsub_DEPS = $(SIPMSG_LIB)
res_sip_pubsub_TEST_OBJS = $(SIPMSG_OBJS)
