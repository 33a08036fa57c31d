chan_sip_LIBS = $(OPENSSL_LIBS)
