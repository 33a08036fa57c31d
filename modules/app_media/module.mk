# app_media: tones through spandsp's generator, recordings through
# libsndfile.  Its unit tests link its objects without the module
# descriptor (app_media.o): they set it up themselves.
app_media_LIBS = $(SPANDSP_LIBS) $(SNDFILE_LIBS)
app_media_TEST_LIBS = $(SPANDSP_LIBS) $(SNDFILE_LIBS)
app_media_TEST_EXCLUDE = modules/app_media/app_media.o
