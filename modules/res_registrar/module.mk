res_registrar_LIBS = $(SIPMSG_LINK)
res_registrar_DEPS = $(SIPMSG_LIB)
