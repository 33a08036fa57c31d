#!/bin/bash
# Transcoded calls: rtpgen (tests/bench/rtpgen/) places N calls 1001 ->
# CALLEE through Carillon; the caller speaks PCMU, the callee answers with
# another codec, which the dialplan (tests/bench/transcode.lua) forces on
# the callee's leg with the dial option `codecs`, so Carillon decodes and
# re-encodes every packet both ways (through signed linear).  Pairs:
# ulaw<->alaw, ulaw<->g722, ulaw<->opus, and relayed calls (PCMU both
# ways) as the baseline, in the same run.  For BENCH_TRANSCODE_DURATION
# seconds with every call up it measures loss, late packets and
# Carillon's CPU (all threads); `rtp show sessions`, read once in that
# window, must show every session in the pair's mode and codecs.
#
# Results (tests/bench/README.md, "Transcoding"):
#   - transcoded (and relayed) calls per core at < 0.1 % loss: calls
#     divided by the cores of CPU Carillon used;
#   - Carillon's CPU per transcoded call, in microseconds per second of
#     call, divided by the cost of the codecs alone for the same audio
#     (tests/bench/bench-codec, run first: 50 x (encode + decode) per
#     second for each of the two legs' codecs).
#
#   tests/bench/bench-transcode.sh     (knobs: these, and lib.sh's)
#     BENCH_TRANSCODE_PAIRS="relay alaw g722 opus"   what to run
#     BENCH_TRANSCODE_CALLS="relay:400 alaw:400 g722:200 opus:40"
#                                        concurrent calls per pair (a comma list:
#                                        levels, e.g. g722:100,200,300)
#     BENCH_TRANSCODE_DURATION=10        seconds measured with every call up
#     BENCH_TRANSCODE_RATE=100           call set-ups per second
#     BENCH_TRANSCODE_ROUNDS=3           runs per pair and level (median)
#     BENCH_TRANSCODE_THREADS=1          rtpgen media threads
#     BENCH_TRANSCODE_CODEC_SECONDS=1    bench-codec time per case
#     BENCH_CARILLON_DIR=DIR             a built tree whose daemon and modules
#                                        are measured (default: this tree)
. "$(dirname "$0")/lib.sh"
bench_init transcode nosipp

RTPGEN=$TOP/tests/bench/rtpgen/rtpgen
BENCH_CODEC=$TOP/tests/bench/bench-codec
CODEC_TOP=$TOP
if [ -n "${BENCH_CARILLON_DIR:-}" ]; then
    if ! TOP=$(cd "$BENCH_CARILLON_DIR" 2>/dev/null && pwd); then
        echo "SKIP: transcode: BENCH_CARILLON_DIR=$BENCH_CARILLON_DIR is not a directory"
        exit 0
    fi
    CARILLON_BIN=$TOP/carillon
fi
pairs=${BENCH_TRANSCODE_PAIRS:-relay alaw g722 opus}
duration=${BENCH_TRANSCODE_DURATION:-10}
rate=${BENCH_TRANSCODE_RATE:-100}
rounds=${BENCH_TRANSCODE_ROUNDS:-3}
threads=${BENCH_TRANSCODE_THREADS:-1}
codec_seconds=${BENCH_TRANSCODE_CODEC_SECONDS:-1}
SAMPLES=$BENCH_TMP/transcode-samples
CODEC_OUT=$BENCH_TMP/bench-codec.out
FD_MARGIN=128
GEN_PID=""
NOTES=()

note() {
    NOTES+=("$*")
    say "transcode: $*"
}

gen_stop() {
    [ -n "$GEN_PID" ] || return 0
    kill -TERM "$GEN_PID" 2>/dev/null
    wait "$GEN_PID" 2>/dev/null
    GEN_PID=""
}
# bench_cleanup reads $? first: keep the exit status through gen_stop.
# shellcheck disable=SC2154
trap 'rc=$?; gen_stop; (exit $rc); bench_cleanup' EXIT

# ------------------------------------------------------------------ set-up

# pair_callee PAIR / pair_codec PAIR: whom rtpgen calls (transcode.lua
# forces the codec by number) and what its callee answers with.
pair_callee() {
    case "$1" in alaw) echo 1003 ;; g722) echo 1004 ;; opus) echo 1005 ;; *) echo 1002 ;; esac
}
pair_codec() {
    case "$1" in relay) echo ulaw ;; *) echo "$1" ;; esac
}

# pair_levels PAIR: its levels, scaled by BENCH_SCALE (at least 10 calls),
# no more than the RTP ports hold.  A pair costs what its codecs cost:
# each gets its own levels, a fair share of a core here by default.
pair_levels() {
    local l list="" w
    for w in ${BENCH_TRANSCODE_CALLS:-relay:400 alaw:400 g722:200 opus:40}; do
        [ "${w%%:*}" = "$1" ] && list=${w#*:}
    done
    for l in ${list//,/ }; do
        awk -v n="$l" -v s="$BENCH_SCALE" -v max="$MAX_CALLS" \
            'BEGIN { v = int(n * s); if (v < 10) v = 10; if (v > max) v = max; print v }'
    done
}

# The bench config: the sample office with the wide port range, no
# OPTIONS pings (qualify) to rtpgen's callee, and transcode.lua.
transcode_config() {
    ini_set_documented "$1/rtp.conf" general port_start "$RTP_PORT_START"
    ini_set_documented "$1/rtp.conf" general port_end "$RTP_PORT_END"
    ini_set "$1/endpoints.conf" office-phone qualify_frequency 0
    cp "$BENCH_DIR/transcode.lua" "$1/extensions.lua"
}

# ------------------------------------------------------------------ runs

# sessions_check TAG ERRFILE: once rtpgen says its window opened (with -v
# on stderr), one reading of `rtp show sessions`: how many sessions, in
# which mode, with which codecs, the packets Carillon received and lost
# on them, and the mean delay of the jitter buffers of decoded legs; as
# key=value on stdout.
sessions_check() {
    local err=$2 i pause
    for ((i = 0; i < 3000; i++)); do
        alive "$GEN_PID" || return 0
        grep -q 'window opens' "$err" 2>/dev/null && break
        sleep 0.2
    done
    pause=$(awk -v d="$duration" 'BEGIN { print (d < 2 ? d / 2 : 1) }')
    sleep "$pause"
    # Columns found by the header's names: Mode and Codec counted from
    # the start, RxPkts and Lost from the end (the header's "Remote (*
    # latched)" and a data line's latching mark are words of their own).
    car_rx "rtp show sessions" | awk '
        $1 == "ID" {
            for (i = 1; i <= NF; i++) {
                if ($i == "Mode") mc = i
                if ($i == "Codec") cc = i
                if ($i == "JB") jc = i
                if ($i == "RxPkts") rxo = NF - i
                if ($i == "Lost") lo = NF - i
            }
            next
        }
        mc && $1 ~ /^[0-9]+$/ && NF > rxo + cc {
            n++; mode[$mc]++; codec[$cc]++; rx += $(NF - rxo); lost += $(NF - lo)
            if (jc && $jc ~ /^[0-9]+$/) { jbn++; jb += $jc }
        }
        END {
            c = ""
            for (k in codec) c = c (c == "" ? "" : ",") k ":" codec[k]
            printf "sessions=%d mode_transcode=%d mode_relay=%d codecs=%s pbx_rx=%d pbx_lost=%d jb_ms=%.1f\n",
                n, mode["transcode"], mode["relay"], (c == "" ? "-" : c), rx, lost,
                (jbn ? jb / jbn : 0)
        }'
}

# run_one PAIR CALLS ROUND: a fresh Carillon, one rtpgen run against it,
# stop.  Appends "PAIR:CALLS:ROUND key=value..." to $SAMPLES.
run_one() {
    local pair=$1 calls=$2 tag=$1:$2:$3 out err limit line check
    out=$BENCH_TMP/$pair-$calls-$3.out
    err=$BENCH_TMP/$pair-$calls-$3.err
    rm -rf "$BENCH_TMP/carillon"
    if ! car_start transcode_config; then
        note "$pair: carillon did not start: $CAR_WHY"
        return
    fi
    say "transcode: $pair, $calls calls, round $3"
    limit=$(awk -v n="$calls" -v r="$rate" -v d="$duration" \
        'BEGIN { printf "%d", n / r + d + n / 200 + 120 }')
    # In the background (a signal to this script is handled at once),
    # bounded by its own timeout and coreutils'.
    timeout -k 5 $((limit + 15)) "$RTPGEN" -v -t "$limit" -d "$duration" -r "$rate" \
        -T "$threads" -n "$calls" -p "$CAR_PORT" --pbx-pid "$CAR_PID" \
        --callee "$(pair_callee "$pair")" --callee-codec "$(pair_codec "$pair")" \
        >"$out" 2>"$err" &
    GEN_PID=$!
    check=$(sessions_check "$tag" "$err")
    wait "$GEN_PID"
    GEN_PID=""
    [ "$BENCH_VERBOSE" = 1 ] && grep -v '^calls=' "$out" | sed 's/^/  /' >&2
    line=$(tail -n 1 "$out")
    case "$line" in
    calls=*) echo "$tag $line $check" >>"$SAMPLES" ;;
    *) note "$tag: rtpgen printed no result: $(grep -v '^rtpgen: *[0-9.]* s ' "$err" |
           tail -n 2 | tr '\n' ' ')" ;;
    esac
    server_alive carillon || note "$pair: $CAR_WHY at $calls calls"
    car_stop
}

# codec_cost: bench-codec, with the codec modules of the tree it was
# built in; its table goes to $CODEC_OUT and is shown as is.
codec_cost() {
    if ! TOP_BUILDDIR=$CODEC_TOP timeout 300 "$BENCH_CODEC" "$codec_seconds" \
            >"$CODEC_OUT" 2>"$BENCH_TMP/bench-codec.err"; then
        note "bench-codec failed: $(tail -n 1 "$BENCH_TMP/bench-codec.err")"
        return 1
    fi
    cat "$CODEC_OUT"
}

# ------------------------------------------------------------------ main
for f in "$RTPGEN" "$CARILLON_BIN" "$BENCH_CODEC"; do
    if [ ! -x "$f" ]; then
        echo "SKIP: transcode: $f not built (make -j2)"
        exit 0
    fi
done
if ! "$RTPGEN" --help | grep -q -- --callee-codec; then
    echo "SKIP: transcode: $RTPGEN has no --callee-codec (make -j2)"
    exit 0
fi
for m in codec_g711 codec_g722 codec_opus chan_sip; do
    if [ ! -f "$TOP/modules/$m/$m.so" ]; then
        echo "SKIP: transcode: $TOP/modules/$m/$m.so not built"
        exit 0
    fi
done
choose_ports
raise_nofile $((4 * MAX_CALLS + FD_MARGIN)) || raise_nofile "$(ulimit -Hn)" ||
    note "descriptors: ulimit -n is $(ulimit -n)"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo
codec_cost || { echo "SKIP: transcode: bench-codec failed"; exit 0; }
for ((r = 1; r <= rounds; r++)); do
    # Rounds alternate the order of the pairs, so drift hits them alike.
    order=$pairs
    ((r % 2)) || order=$(echo "$pairs" | tr ' ' '\n' | tac | tr '\n' ' ')
    for pair in $order; do
        for calls in $(pair_levels "$pair"); do
            run_one "$pair" "$calls" "$r"
        done
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
[ -s "$SAMPLES" ] || { echo "SKIP: transcode: no run produced a result"; exit 0; }

notes=$(bench_notes)
[ -n "$notes" ] && NOTES+=("$notes")
[ -n "${BENCH_CARILLON_DIR:-}" ] && NOTES+=("daemon and modules of $TOP")
printf '\n== transcode: 1001 (PCMU) -> callee (its codec), 50 packets/s each way, %s s measured with every call up, set-ups at %s/s, %s round(s) (median)\n' \
    "$duration" "$rate" "$rounds"
printf 'load average: %s at the start, %s at the end (%s CPUs; the generator runs on the same machine)\n' \
    "$load_start" "$load_end" "$(nproc)"
python3 "$BENCH_DIR/transcode-report.py" "$SAMPLES" "$CODEC_OUT" "${BENCH_RESULTS:-}" \
    "$(IFS='; '; echo "${NOTES[*]}")"
