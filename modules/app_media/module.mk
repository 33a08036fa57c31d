# app_media: tones through spandsp's generator, recordings through
# libsndfile.  Its unit tests and the recording benchmark link its objects
# without the module descriptor (app_media.o): they set it up themselves.
app_media_LIBS = $(SPANDSP_LIBS) $(SNDFILE_LIBS)
app_media_TEST_LIBS = $(SPANDSP_LIBS) $(SNDFILE_LIBS)
app_media_TEST_EXCLUDE = modules/app_media/app_media.o
tests/bench/bench-record: $(filter-out modules/app_media/app_media.o,$(patsubst %.c,%.o,$(wildcard modules/app_media/*.c)))
tests/bench/bench-record: ALL_LIBS += $(SPANDSP_LIBS) $(SNDFILE_LIBS)
