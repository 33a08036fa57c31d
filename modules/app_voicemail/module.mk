# app_voicemail: flows.lua is built into flows.o (.incbin).
modules/app_voicemail/flows.o: modules/app_voicemail/flows.lua
# The unit tests of the flows drive flows.lua with a fake call and V.
tests/unit/app_voicemail/test-vm-flows.o: tests/unit/app_voicemail/flows_test.lua
# Unsolicited MWI names transports with the SIP message library.
app_voicemail_LIBS = $(SIPMSG_LINK)
app_voicemail_DEPS = $(SIPMSG_LIB)
app_voicemail_TEST_OBJS = $(SIPMSG_OBJS)
