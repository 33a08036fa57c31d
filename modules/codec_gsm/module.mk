codec_gsm_LIBS = $(GSM_LIBS)
# The tests also compare libgsm with spandsp's own GSM 06.10.
codec_gsm_TEST_LIBS = $(GSM_LIBS) $(SPANDSP_LIBS)
