# Carillon - libFuzzer harnesses of the SIP message layer, of DTMF and
# of reading sound files (clang only).
# Run from the top directory:
#
#   make fuzz [FUZZ_TIME=60]                    build all, run each in turn
#   make -f tests/fuzz/fuzz.mk build             build only
#   make -f tests/fuzz/fuzz.mk run-fuzz-sdp FUZZ_TIME=600
#
# Binaries, the growing corpus and crash artifacts go to tests/fuzz/build/
# (ignored by git, removed by make clean).  The seed corpus in
# tests/fuzz/corpus/<harness>/ is only read.  See tests/fuzz/README.md.

CLANG ?= clang
FUZZ_TIME ?= 60
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
GLIB_FLAGS := $(shell pkg-config --cflags --libs glib-2.0)
BUILD = tests/fuzz/build

# The whole message layer (libcarillon-sipmsg), compiled in with the
# sanitizers.
SIP_MSG_SRCS = $(wildcard modules/res_sip/msg/*.c)
SIP_MSG_HDRS = $(wildcard modules/res_sip/include/carillon/sip/*.h)
HARNESSES = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz-*.c))

build: $(addprefix $(BUILD)/,$(HARNESSES))

$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(SIP_MSG_SRCS) $(SIP_MSG_HDRS)
	@mkdir -p $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) -Icore/include -Imodules/res_sip/include -Imodules/res_sip/msg \
	    -o $@ $< $(SIP_MSG_SRCS) $(GLIB_FLAGS)

# fuzz-dtmf: the DTMF units of res_rtp and chan_sip, compiled in instead
# of the message layer.
DTMF_SRCS = modules/res_rtp/dtmf4733.c modules/chan_sip/dtmf_info.c
$(BUILD)/fuzz-dtmf: tests/fuzz/fuzz-dtmf.c tests/fuzz/fuzz-dtmf.h $(DTMF_SRCS) \
                    $(DTMF_SRCS:.c=.h)
	@mkdir -p $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) -Icore/include -o $@ $< $(DTMF_SRCS) $(GLIB_FLAGS)

# fuzz-sounds: res_sounds' reading of files (libsndfile, our checks,
# mixing down, rate conversion), linked with libsndfile and speexdsp.
SOUNDS_SRCS = modules/res_sounds/decode.c modules/res_sounds/convert.c \
              modules/res_sounds/sound.c
SOUNDS_HDRS = modules/res_sounds/sounds_private.h modules/res_sounds/include/carillon/sounds.h
$(BUILD)/fuzz-sounds: tests/fuzz/fuzz-sounds.c $(SOUNDS_SRCS) $(SOUNDS_HDRS)
	@mkdir -p $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) -Icore/include -Imodules/res_sounds/include -o $@ $< \
	    $(SOUNDS_SRCS) $(GLIB_FLAGS) $(shell pkg-config --cflags --libs sndfile speexdsp)

# fuzz-pickup-groups: the core's group lists (core/pickup_group.c).
$(BUILD)/fuzz-pickup-groups: tests/fuzz/fuzz-pickup-groups.c core/pickup_group.c \
                             core/include/carillon/pickup.h
	@mkdir -p $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) -Icore/include -o $@ $< core/pickup_group.c $(GLIB_FLAGS)

run-%: $(BUILD)/%
	@mkdir -p $(BUILD)/$*-corpus $(BUILD)/$*-artifacts
	$(BUILD)/$* -max_total_time=$(FUZZ_TIME) -max_len=8192 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/$*-artifacts/ $(BUILD)/$*-corpus tests/fuzz/corpus/$*

run: build
	@for h in $(HARNESSES); do $(MAKE) -f tests/fuzz/fuzz.mk --no-print-directory run-$$h || exit 1; done

.PHONY: build run

# fuzz-voicemail: voicemail.conf and message envelopes (app_voicemail's
# readers over the core's INI reader).
VM_FUZZ_SRCS = core/config.c modules/app_voicemail/vm_conf.c modules/app_voicemail/vm_box.c \
               modules/app_voicemail/vm_envelope.c
$(BUILD)/fuzz-voicemail: tests/fuzz/fuzz-voicemail.c $(VM_FUZZ_SRCS) \
                         modules/app_voicemail/vm_conf.h modules/app_voicemail/vm_spool.h
	@mkdir -p $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) -Icore/include -o $@ $< $(VM_FUZZ_SRCS) $(GLIB_FLAGS)
