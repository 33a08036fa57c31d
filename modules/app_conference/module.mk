# The tones are made with libm (sin, cos, lrint).
app_conference_LIBS = -lm
# The mixer's benchmark links the mixer alone (ring, mixer, mix, tone)
# and loads codec_g711 from the tree for its reference, G.711 decoding.
APP_CONFERENCE_MIXER_OBJS = $(patsubst %,modules/app_conference/%.o,ring mixer mix tone)
tests/bench/bench-conference: $(APP_CONFERENCE_MIXER_OBJS)
tests/bench/bench-conference: ALL_LDFLAGS += -Wl,--export-dynamic
