# res_moh reads the headers of its classes' files with libsndfile (the
# decoding is res_sounds'); its unit tests write WAV files with it too.
res_moh_LIBS = $(SNDFILE_LIBS)
res_moh_TEST_LIBS = $(SNDFILE_LIBS)
