codec_opus_LIBS = $(OPUS_LIBS)
codec_opus_TEST_LIBS = $(OPUS_LIBS)
