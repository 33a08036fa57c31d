#!/bin/bash
# Relayed calls: rtpgen (tests/bench/rtpgen/) registers 1002, places N
# calls 1001 -> 1002 through Carillon, answers them and streams G.711 both
# ways on each (160-byte payloads, 50 packets/s per direction).  For
# BENCH_RELAY_DURATION seconds with every call up it measures what comes
# back (loss, jitter, packets delayed > 40 ms through the relay) and
# Carillon's CPU (/proc/PID/stat, all threads), at each level of
# BENCH_RELAY_CALLS.  See tests/bench/README.md, "Relay".
#
# Reference, in the same run: the Carillon built from BENCH_BASE_REF (by
# default the commit this branch started from, `git merge-base HEAD main`;
# a `git archive` of it, built once with this build's CFLAGS and cached),
# run alternately with this tree's binary at each level, same generator,
# same config.  The ratio of CPU per relayed packet says
# whether the relay costs more than before.  Kamailio relays no media and
# rtpengine is not installed, hence an older Carillon as the reference;
# `rtpgen --direct` (the calls' sockets streaming to each other, no PBX)
# is also run at each level to show what the generator alone can do here.
#
#   tests/bench/bench-relay.sh         (knobs: these, and lib.sh's)
#     BENCH_RELAY_CALLS="1000 2000 5000"  concurrent calls per level
#     BENCH_RELAY_DURATION=15             seconds measured with every call up
#     BENCH_RELAY_RATE=250                call set-ups per second
#     BENCH_RELAY_ROUNDS=1                runs per binary and level (median)
#     BENCH_RELAY_THREADS=1               rtpgen media threads
#     BENCH_RELAY_DIRECT=1                0: no rtpgen --direct runs
#     BENCH_BASE_REF=REF                  the old binary (default: merge-base
#                                         of HEAD and main; "": this tree only)
#     BENCH_BASE_DIR=DIR                  a built tree to use as the old binary
#     BENCH_BASE_CACHE=DIR                built refs (${TMPDIR:-/tmp}/carillon-bench-base)
. "$(dirname "$0")/lib.sh"
bench_init relay nosipp

NEW_TOP=$TOP
NEW_BIN=$CARILLON_BIN
RTPGEN=$NEW_TOP/tests/bench/rtpgen/rtpgen
duration=${BENCH_RELAY_DURATION:-15}
rate=${BENCH_RELAY_RATE:-250}
rounds=${BENCH_RELAY_ROUNDS:-1}
threads=${BENCH_RELAY_THREADS:-1}
base_ref=${BENCH_BASE_REF-$(git -C "$TOP" merge-base HEAD main 2>/dev/null)}
SAMPLES=$BENCH_TMP/relay-samples
FD_MARGIN=128
OLD_TOP=""
GEN_PID=""
NOTES=()

note() {
    NOTES+=("$*")
    say "relay: $*"
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

# BENCH_SCALE multiplies the levels (at least 10 calls).
scaled_levels() {
    local l
    for l in ${BENCH_RELAY_CALLS:-1000 2000 5000}; do
        awk -v n="$l" -v s="$BENCH_SCALE" 'BEGIN { v = int(n * s); if (v < 10) v = 10; print v }'
    done
}

# fitting_level CALLS: FIT=CALLS, or the most the port range and the
# descriptor limit allow (Carillon has 4 sockets per call and ~20 more,
# rtpgen 2 per call; the limit is raised here, in the shell that starts
# both), with a note; FIT="" when not even 10 calls fit.
fitting_level() {
    local hard need
    FIT=$1
    if [ "$FIT" -gt "$MAX_CALLS" ]; then
        note "$FIT calls run as $MAX_CALLS: RTP ports $RTP_PORT_START-$RTP_PORT_END hold no more"
        FIT=$MAX_CALLS
    fi
    need=$((4 * FIT + FD_MARGIN))
    raise_nofile "$need" && return
    hard=$(ulimit -Hn)
    FIT=$(( (hard - FD_MARGIN) / 4 / 10 * 10 ))
    if [ "$FIT" -lt 10 ] || ! raise_nofile "$hard"; then
        note "$1 calls skipped: $need descriptors needed, ulimit -Hn is $hard"
        FIT=""
        return
    fi
    note "$1 calls run as $FIT: $need descriptors needed, ulimit -Hn is $hard and may not be raised here"
}

# LEVELS: the levels to run, each once.
choose_levels() {
    local l
    LEVELS=()
    for l in $(scaled_levels); do
        fitting_level "$l"
        [ -n "$FIT" ] || continue
        case " ${LEVELS[*]} " in *" $FIT "*) ;; *) LEVELS+=("$FIT") ;; esac
    done
}

# The bench config: the sample office with the wide port range and no
# OPTIONS pings (qualify) to rtpgen's callee.
relay_config() {
    ini_set_documented "$1/rtp.conf" general port_start "$RTP_PORT_START"
    ini_set_documented "$1/rtp.conf" general port_end "$RTP_PORT_END"
    ini_set "$1/endpoints.conf" office-phone qualify_frequency 0
}

# base_tree REF: a built tree of REF (git archive, configure with this
# build's CFLAGS, make of the daemon and its modules), cached by commit
# under BENCH_BASE_CACHE; its path on stdout.
base_tree() {
    local ref=$1 sha dir cflags
    sha=$(git -C "$NEW_TOP" rev-parse --verify -q "$ref^{commit}") || {
        say "relay: BENCH_BASE_REF=$ref is not a commit"
        return 1
    }
    dir=${BENCH_BASE_CACHE:-${TMPDIR:-/tmp}/carillon-bench-base}/$sha
    if [ ! -f "$dir/.built" ]; then
        say "relay: building $ref ($sha) in $dir"
        rm -rf "$dir" && mkdir -p "$dir" || return 1
        git -C "$NEW_TOP" archive "$sha" | tar -x -C "$dir" || return 1
        cflags=$(sed -n 's/^CFLAGS *= *//p' "$NEW_TOP/Makefile")
        # shellcheck disable=SC2046  # one word per module
        if ! (cd "$dir" && ./configure CFLAGS="$cflags" &&
              make -j2 carillon $(for m in modules/*/; do
                  m=${m%/}; ls "$m"/*.c >/dev/null 2>&1 && echo "$m/${m##*/}.so"; done)) \
                >"$dir/build.log" 2>&1; then
            say "relay: the build of $ref failed; see $dir/build.log"
            return 1
        fi
        touch "$dir/.built"
    fi
    echo "$dir"
}

# use_tree new|old: which Carillon car_start, car_rx and car_stop use.
use_tree() {
    if [ "$1" = old ]; then
        TOP=$OLD_TOP
        CARILLON_BIN=$OLD_TOP/carillon
    else
        TOP=$NEW_TOP
        CARILLON_BIN=$NEW_BIN
    fi
}

# ------------------------------------------------------------------ runs

# generate TAG ARGS...: rtpgen in the background (so that a signal to this
# script is handled at once), bounded by its own timeout and coreutils'.
# Its last line (key=value) goes to $SAMPLES prefixed with TAG.
generate() {
    local tag=$1 calls=$3 out=$BENCH_TMP/$1.out line limit
    shift
    limit=$(awk -v n="$calls" -v r="$rate" -v d="$duration" \
        'BEGIN { printf "%d", n / r + d + n / 200 + 120 }')
    timeout -k 5 $((limit + 15)) "$RTPGEN" -t "$limit" -d "$duration" -r "$rate" \
        -T "$threads" "$@" >"$out" 2>"$BENCH_TMP/$tag.err" &
    GEN_PID=$!
    wait "$GEN_PID"
    GEN_PID=""
    [ "$BENCH_VERBOSE" = 1 ] && sed 's/^/  /' "$out" | grep -v '^  calls=' >&2
    line=$(tail -n 1 "$out")
    case "$line" in
    calls=*) echo "$tag $line" >>"$SAMPLES" ;;
    *) note "$tag: rtpgen printed no result: $(tail -n 2 "$BENCH_TMP/$tag.err" | tr '\n' ' ')" ;;
    esac
}

# run_one new|old CALLS ROUND: a fresh Carillon of that tree, one rtpgen
# run against it, stop.
run_one() {
    local target=$1 calls=$2 tag=$1:$2:$3
    use_tree "$target"
    rm -rf "$BENCH_TMP/carillon"
    if car_start relay_config; then
        say "relay: $target binary, $calls calls"
        generate "$tag" -n "$calls" -p "$CAR_PORT" --pbx-pid "$CAR_PID"
        server_alive carillon || note "$target: $CAR_WHY at $calls calls"
        car_stop
    else
        note "$target: carillon did not start: $CAR_WHY"
    fi
    use_tree new
}

run_level() {
    local calls=$1 r t
    if [ "${BENCH_RELAY_DIRECT:-1}" = 1 ]; then
        say "relay: rtpgen --direct, $calls calls"
        duration=$(awk -v d="$duration" 'BEGIN { print (d < 5 ? d : 5) }') \
            generate "direct:$calls:1" -n "$calls" --direct
    fi
    for ((r = 1; r <= rounds; r++)); do
        for t in $( ((r % 2)) && echo "new old" || echo "old new"); do
            [ "$t" = old ] && [ -z "$OLD_TOP" ] && continue
            run_one "$t" "$calls" "$r"
        done
    done
}

# ------------------------------------------------------------------ main
if [ ! -x "$RTPGEN" ]; then
    echo "SKIP: relay: $RTPGEN not built (make -j2)"
    exit 0
fi
if [ ! -x "$NEW_BIN" ]; then
    echo "SKIP: relay: $NEW_BIN not built (make -j2)"
    exit 0
fi
if [ -n "${BENCH_BASE_DIR:-}" ]; then
    OLD_TOP=$(cd "$BENCH_BASE_DIR" && pwd)
    base_ref="$OLD_TOP"
elif [ -n "$base_ref" ]; then
    OLD_TOP=$(base_tree "$base_ref") || {
        note "no old binary ($base_ref): this tree measured alone"
        OLD_TOP=""
    }
    [ -n "$OLD_TOP" ] && [ "$(git -C "$NEW_TOP" rev-parse HEAD)" = "${OLD_TOP##*/}" ] &&
        [ -z "$(git -C "$NEW_TOP" status --porcelain --untracked-files=no)" ] &&
        note "BENCH_BASE_REF=$base_ref is this very commit: the ratio shows the noise"
fi
choose_ports
choose_levels
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for calls in "${LEVELS[@]}"; do
    run_level "$calls"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
[ -s "$SAMPLES" ] || { echo "SKIP: relay: no run produced a result"; exit 0; }

notes=$(bench_notes)
[ -n "$notes" ] && NOTES+=("$notes")
old_label=none
[ -n "$OLD_TOP" ] && old_label="$base_ref (${OLD_TOP##*/})"
[ -n "$OLD_TOP" ] && [ -z "${BENCH_BASE_REF+set}" ] &&
    old_label="${OLD_TOP##*/}, where this branch left main"
printf '\n== relay: G.711 both ways (50 packets/s per direction), %s s measured with every call up, set-ups at %s/s, %s round(s); old = %s\n' \
    "$duration" "$rate" "$rounds" "$old_label"
printf 'load average: %s at the start, %s at the end (2 CPUs; the generator runs on the same machine)\n' \
    "$load_start" "$load_end"
python3 "$BENCH_DIR/relay-report.py" "$SAMPLES" "${BENCH_RESULTS:-}" "$(IFS='; '; echo "${NOTES[*]}")"
