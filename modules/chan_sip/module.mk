chan_sip_LIBS = $(OPENSSL_LIBS)
# The message layer keeps no global state; other SIP modules link their
# own copy instead of calling through function pointers.
SIP_MSG_OBJS = $(addprefix modules/chan_sip/,sip_lex.o parser.o uri.o headers.o \
	digest_parse.o multipart.o validate.o serialize.o sdp.o sdp_negotiate.o framing.o)
