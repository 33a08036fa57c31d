# res_sounds reads files with libsndfile and converts rates with
# speexdsp (linked into the core too, but a module names what it uses).
res_sounds_LIBS = $(SNDFILE_LIBS) $(SPEEXDSP_LIBS)
res_sounds_TEST_LIBS = $(SNDFILE_LIBS)
