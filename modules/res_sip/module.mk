# res_sip links the shared SIP message layer (libcarillon-sipmsg, see
# Makefile.in); its unit tests link the message layer's objects.
res_sip_LIBS = $(SIPMSG_LINK) $(OPENSSL_LIBS) $(CARES_LIBS)
res_sip_DEPS = $(SIPMSG_LIB)
res_sip_TEST_OBJS = $(SIPMSG_OBJS)
res_sip_TEST_LIBS = $(CARES_LIBS)
