res_registrar_EXTRA_OBJS = $(SIP_MSG_OBJS) modules/chan_sip/endpoint.o
