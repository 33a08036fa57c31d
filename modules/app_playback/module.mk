# Its unit tests load app_playback.so and res_sounds.so from the tree, as
# the daemon does, so none of its objects are linked into them (a second
# copy of the descriptor and the statics otherwise); they write their
# test sounds with libsndfile.
app_playback_TEST_EXCLUDE = $(app_playback_OBJS)
app_playback_TEST_LIBS = $(SNDFILE_LIBS)
# The playback benchmark loads the modules too, which bind to the core's
# symbols.
tests/bench/bench-playback: ALL_LDFLAGS += -Wl,--export-dynamic
