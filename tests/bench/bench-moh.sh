#!/bin/bash
# Music on hold listeners per core: rtpgen (tests/bench/rtpgen/) places N
# calls 1001 -> 1003, which the dialplan (tests/bench/moh.lua) answers with
# call:moh("default"): each caller hears the sample office's default class
# (Debian's 8 kHz files, one playback shared by all, res_moh) in PCMU while
# it sends PCMU of its own, as a held phone may.  The reference, in the
# same run: N relayed calls 1001 -> 1002 (PCMU both ways).  For
# BENCH_MOH_DURATION seconds with every call up it measures loss and
# Carillon's CPU (all threads); `moh show classes`, read once in that
# window, must count N listeners.
#
# Results (tests/bench/README.md, "Music on hold"): listeners per core and
# relayed calls per core at < 0.1 % loss (calls divided by the cores of
# CPU Carillon used), their ratio, and the CPU per listener-second.
#
#   tests/bench/bench-moh.sh     (knobs: these, and lib.sh's)
#     BENCH_MOH_CASES="relay moh"        what to run
#     BENCH_MOH_CALLS="relay:400 moh:400"   concurrent calls per case (a comma
#                                        list: levels, e.g. moh:400,800)
#     BENCH_MOH_DURATION=10              seconds measured with every call up
#     BENCH_MOH_RATE=100                 call set-ups per second
#     BENCH_MOH_ROUNDS=3                 runs per case and level (median)
. "$(dirname "$0")/lib.sh"
bench_init moh nosipp

RTPGEN=$TOP/tests/bench/rtpgen/rtpgen
cases=${BENCH_MOH_CASES:-relay moh}
duration=${BENCH_MOH_DURATION:-10}
rate=${BENCH_MOH_RATE:-100}
rounds=${BENCH_MOH_ROUNDS:-3}
SAMPLES=$BENCH_TMP/moh-samples
FD_MARGIN=128
GEN_PID=""
NOTES=()

note() {
    NOTES+=("$*")
    say "moh: $*"
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

# case_callee CASE: whom rtpgen calls (moh.lua answers 1003 with music).
case_callee() {
    case "$1" in moh) echo 1003 ;; *) echo 1002 ;; esac
}

# case_levels CASE: its levels, scaled by BENCH_SCALE (at least 10
# calls), no more than the RTP ports hold.
case_levels() {
    local l list="" w
    for w in ${BENCH_MOH_CALLS:-relay:400 moh:400}; do
        [ "${w%%:*}" = "$1" ] && list=${w#*:}
    done
    for l in ${list//,/ }; do
        awk -v n="$l" -v s="$BENCH_SCALE" -v max="$MAX_CALLS" \
            'BEGIN { v = int(n * s); if (v < 10) v = 10; if (v > max) v = max; print v }'
    done
}

# The bench config: the sample office (its moh.conf included) with the
# wide port range, no OPTIONS pings (qualify) to rtpgen's callee, moh.lua.
moh_config() {
    ini_set_documented "$1/rtp.conf" general port_start "$RTP_PORT_START"
    ini_set_documented "$1/rtp.conf" general port_end "$RTP_PORT_END"
    ini_set "$1/endpoints.conf" office-phone qualify_frequency 0
    cp "$BENCH_DIR/moh.lua" "$1/extensions.lua"
}

# listeners_check ERRFILE: once rtpgen says its window opened, one
# reading of `moh show classes`: the default class's listeners and the
# rates it is decoded at, as key=value.
listeners_check() {
    local err=$1 i
    for ((i = 0; i < 3000; i++)); do
        alive "$GEN_PID" || return 0
        grep -q 'window opens' "$err" 2>/dev/null && break
        sleep 0.2
    done
    sleep 1
    car_rx "moh show classes" | awk '
        $1 == "default" { printf "listeners=%d decoded=%s\n", $5, $7 }'
}

# run_one CASE CALLS ROUND: a fresh Carillon, one rtpgen run against it,
# stop.  Appends "CASE:CALLS:ROUND key=value..." to $SAMPLES.
run_one() {
    local tag=$1:$2:$3 out err limit line check
    out=$BENCH_TMP/$1-$2-$3.out
    err=$BENCH_TMP/$1-$2-$3.err
    rm -rf "$BENCH_TMP/carillon"
    if ! car_start moh_config; then
        note "$1: carillon did not start: $CAR_WHY"
        return
    fi
    say "moh: $1, $2 calls, round $3"
    limit=$(awk -v n="$2" -v r="$rate" -v d="$duration" \
        'BEGIN { printf "%d", n / r + d + n / 200 + 120 }')
    timeout -k 5 $((limit + 15)) "$RTPGEN" -v -t "$limit" -d "$duration" -r "$rate" \
        -n "$2" -p "$CAR_PORT" --pbx-pid "$CAR_PID" --callee "$(case_callee "$1")" \
        >"$out" 2>"$err" &
    GEN_PID=$!
    check=$(listeners_check "$err")
    wait "$GEN_PID"
    GEN_PID=""
    [ "$BENCH_VERBOSE" = 1 ] && grep -v '^calls=' "$out" | sed 's/^/  /' >&2
    line=$(tail -n 1 "$out")
    case "$line" in
    calls=*) echo "$tag $line $check" >>"$SAMPLES" ;;
    *) note "$tag: rtpgen printed no result: $(grep -v '^rtpgen: *[0-9.]* s ' "$err" |
           tail -n 2 | tr '\n' ' ')" ;;
    esac
    server_alive carillon || note "$1: $CAR_WHY at $2 calls"
    car_stop
}

# ------------------------------------------------------------------ main
for f in "$RTPGEN" "$CARILLON_BIN"; do
    if [ ! -x "$f" ]; then
        echo "SKIP: moh: $f not built (make -j2)"
        exit 0
    fi
done
for m in res_moh res_sounds codec_g711 chan_sip; do
    if [ ! -f "$TOP/modules/$m/$m.so" ]; then
        echo "SKIP: moh: $TOP/modules/$m/$m.so not built"
        exit 0
    fi
done
if ! ls /usr/share/asterisk/moh/*.wav >/dev/null 2>&1; then
    echo "SKIP: moh: no music in /usr/share/asterisk/moh (contrib/scripts/install-prereq)"
    exit 0
fi
choose_ports
raise_nofile $((4 * MAX_CALLS + FD_MARGIN)) || raise_nofile "$(ulimit -Hn)" ||
    note "descriptors: ulimit -n is $(ulimit -n)"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    # Rounds alternate the order of the cases, so drift hits them alike.
    order=$cases
    ((r % 2)) || order=$(echo "$cases" | tr ' ' '\n' | tac | tr '\n' ' ')
    for c in $order; do
        for calls in $(case_levels "$c"); do
            run_one "$c" "$calls" "$r"
        done
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
[ -s "$SAMPLES" ] || { echo "SKIP: moh: no run produced a result"; exit 0; }

notes=$(bench_notes)
[ -n "$notes" ] && NOTES+=("$notes")
printf '\n== moh: 1001 (PCMU) -> 1003, answered with call:moh("default") (PCMU, 50 packets/s each way) against relayed calls 1001 -> 1002; %s s measured with every call up, set-ups at %s/s, %s round(s) (median)\n' \
    "$duration" "$rate" "$rounds"
printf 'load average: %s at the start, %s at the end (%s CPUs; the generator runs on the same machine)\n' \
    "$load_start" "$load_end" "$(nproc)"
python3 "$BENCH_DIR/moh-report.py" "$SAMPLES" "${BENCH_RESULTS:-}" \
    "$(IFS='; '; echo "${NOTES[*]}")"
