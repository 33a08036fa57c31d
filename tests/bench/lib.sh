# shellcheck shell=bash
# Shared helpers of the load benchmarks (sourced by tests/bench/bench-*.sh).
#
# Each benchmark runs the same sipp scenario against Kamailio (the Debian
# package, with a config from tests/bench/kamailio/) and against Carillon,
# both on free 127.0.0.1 ports, in rounds that alternate the two, and prints
# the median rate of each and the ratio Carillon/Kamailio.  Besides the
# rate it measures the CPU time the server process(es) used per request
# (from /proc/PID/stat), because on a 2-core machine sipp itself is often
# the bottleneck and the rate alone cannot tell two fast servers apart.
#
# Everything started here is stopped by the EXIT trap; every sipp run is
# bounded by a call count (-m) and by a time limit (sipp -timeout plus
# coreutils timeout).  Nothing but loopback traffic.
#
# Environment knobs (all optional):
#   BENCH_ROUNDS=5         rounds per target (the median is reported)
#   BENCH_SCALE=1          multiply every request count by this (0.1 = quick)
#   BENCH_USERS=50         calls sipp keeps in flight (sipp -users)
#   BENCH_TARGETS="kamailio carillon"   which servers to measure
#   BENCH_KAM_MEM=tlsf     Kamailio memory manager (-x): tlsf, fm or qm
#   BENCH_KAM_CHILDREN2=1  also measure Kamailio with children=2
#   BENCH_RESULTS=FILE     append one summary line per result (run-all)
#   BENCH_KEEP=1           keep the temp dir (logs, configs, sipp stats)
#   BENCH_VERBOSE=1        print every round
#   BENCH_THREADS=1        print Carillon's CPU per thread after the rounds

set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
CARILLON_BIN=${CARILLON_BIN:-$TOP/carillon}
KAMAILIO_BIN=${KAMAILIO_BIN:-$(command -v kamailio || echo /usr/sbin/kamailio)}
SIPP_BIN=${SIPP_BIN:-$(command -v sipp || echo /usr/bin/sipp)}

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_USERS=${BENCH_USERS:-50}
BENCH_TARGETS=${BENCH_TARGETS:-kamailio carillon}
BENCH_KAM_MEM=${BENCH_KAM_MEM:-tlsf}
BENCH_KAM_CHILDREN2=${BENCH_KAM_CHILDREN2:-0}
BENCH_RESULTS=${BENCH_RESULTS:-}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_VERBOSE=${BENCH_VERBOSE:-0}
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

KAM_PID=""
KAM_PORT=""
KAM_DIR=""
CAR_PID=""
CAR_PORT=""
CAR_RUN=""
CAR_WHY=""
CAR_DIED=0
CAR_FAILED=""
CAR_NA=""
KAM_NA=""
KAM_FAILED=""
BENCH_NAME=""
BENCH_TMP=""
SIPP_PID=""

# ------------------------------------------------------------------ basics
say() { printf '%s\n' "$*" >&2; }
die() { say "$BENCH_NAME: $*"; exit 1; }

# bench_init NAME [nosipp]: temp dir, clean-up trap, tool checks (sipp
# unless the bench does not use it).
bench_init() {
    BENCH_NAME=$1
    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/carillon-bench-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [ "${2:-}" = nosipp ] || [ -x "$SIPP_BIN" ] ||
        die "sipp not found (contrib/scripts/install-prereq installs sip-tester)"
    command -v python3 >/dev/null || die "python3 not found"
}

bench_cleanup() {
    local rc=$?
    if [ -n "$SIPP_PID" ]; then
        kill -TERM "$SIPP_PID" 2>/dev/null
        wait "$SIPP_PID" 2>/dev/null
    fi
    car_stop
    kam_stop
    if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
        if [ "$BENCH_KEEP" = 1 ]; then
            say "$BENCH_NAME: kept $BENCH_TMP"
        else
            rm -rf "$BENCH_TMP"
        fi
    fi
    exit "$rc"
}

wants_target() {
    case " $BENCH_TARGETS " in *" $1 "*) return 0 ;; esac
    return 1
}

# scaled N: N * BENCH_SCALE, at least 100.
scaled() {
    awk -v n="$1" -v s="$BENCH_SCALE" 'BEGIN { v = int(n * s); if (v < 100) v = 100; print v }'
}

# free_port: a port free for UDP and TCP on 127.0.0.1 (best effort).
free_port() {
    python3 - <<'EOF'
import socket
for _ in range(50):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
EOF
}

# alive PID
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# wait_gone SECONDS PID...: 0 once all are gone, 1 on timeout.
wait_gone() {
    local limit=$(( $1 * 20 )) i p left
    shift
    for ((i = 0; i < limit; i++)); do
        left=0
        for p in "$@"; do alive "$p" && left=1; done
        [ "$left" = 0 ] && return 0
        sleep 0.05
    done
    return 1
}

# cpu_ticks PID...: utime+stime (clock ticks) summed over PIDs; for a
# multi-threaded process /proc/PID/stat already covers all its threads.
cpu_ticks() {
    local total=0 p f
    local -a v
    for p in "$@"; do
        f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
        read -r -a v <<<"$f"
        # after "pid (comm) ": state is v[0], utime v[11], stime v[12]
        total=$(( total + v[11] + v[12] ))
    done
    echo "$total"
}

# sip_probe PORT: 0 when an OPTIONS to 127.0.0.1:PORT gets a 200.
sip_probe() {
    local port=$1
    if command -v sipsak >/dev/null; then
        timeout 5 sipsak -s "sip:ping@127.0.0.1:$port" >/dev/null 2>&1
        return $?
    fi
    python3 - "$port" <<'EOF'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(1.0)
lp = s.getsockname()[1]
msg = ("OPTIONS sip:ping@127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-probe-%d\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\n"
       "To: <sip:ping@127.0.0.1>\r\nCall-ID: probe-%d@127.0.0.1\r\n"
       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (port, lp, lp, lp)
for _ in range(3):
    s.sendto(msg.encode(), ("127.0.0.1", port))
    try:
        data = s.recv(65535)
        sys.exit(0 if data.startswith(b"SIP/2.0 200") else 1)
    except socket.timeout:
        pass
sys.exit(1)
EOF
}

# ------------------------------------------------------------------ Kamailio
kam_available() {
    [ -x "$KAMAILIO_BIN" ]
}

# kam_start TEMPLATE CHILDREN [KEY=VALUE...]: Kamailio in the foreground
# (-DD -E) as the current user, with TEMPLATE copied to a temp dir and its
# @PORT@, @CHILDREN@, @DIR@ and @KEY@ placeholders replaced.  Sets KAM_PID
# (main process), KAM_PORT, KAM_DIR.
kam_start() {
    local template=$1 children=$2 kv key val i
    shift 2
    kam_stop
    KAM_DIR=$BENCH_TMP/kamailio
    mkdir -p "$KAM_DIR"
    KAM_PORT=$(free_port)
    [ -n "$KAM_PORT" ] || die "no free port"
    local sedargs=(-e "s|@PORT@|$KAM_PORT|g" -e "s|@CHILDREN@|$children|g"
                   -e "s|@DIR@|$KAM_DIR|g")
    for kv in "$@"; do
        key=${kv%%=*}
        val=${kv#*=}
        sedargs+=(-e "s|@$key@|$val|g")
    done
    sed "${sedargs[@]}" "$template" >"$KAM_DIR/kamailio.cfg"
    if ! "$KAMAILIO_BIN" -c -f "$KAM_DIR/kamailio.cfg" -Y "$KAM_DIR" \
            >"$KAM_DIR/check.log" 2>&1; then
        say "$BENCH_NAME: kamailio rejects $KAM_DIR/kamailio.cfg:"
        grep -E 'ERROR|CRITICAL' "$KAM_DIR/check.log" | head -n 5 >&2
        return 1
    fi
    # -DD: no fork into background, -E: log to stderr, -Y/-w: runtime and
    # working dir inside our temp dir; nothing under /etc or /run is used.
    "$KAMAILIO_BIN" -f "$KAM_DIR/kamailio.cfg" -DD -E -x "$BENCH_KAM_MEM" \
        -Y "$KAM_DIR" -w "$KAM_DIR" >"$KAM_DIR/kamailio.log" 2>&1 &
    KAM_PID=$!
    for ((i = 0; i < 200; i++)); do
        alive "$KAM_PID" || break
        sip_probe "$KAM_PORT" && return 0
        sleep 0.1
    done
    say "$BENCH_NAME: kamailio did not answer on 127.0.0.1:$KAM_PORT; log:"
    tail -n 5 "$KAM_DIR/kamailio.log" >&2
    kam_stop
    return 1
}

# kam_pids: Kamailio's main process and its children (workers, timers).
kam_pids() {
    [ -n "$KAM_PID" ] || return 0
    echo "$KAM_PID $(ps -o pid= --ppid "$KAM_PID" | tr '\n' ' ')"
}

kam_stop() {
    [ -n "$KAM_PID" ] || return 0
    local pids
    pids=$(kam_pids)
    kill -TERM "$KAM_PID" 2>/dev/null
    # shellcheck disable=SC2086
    if ! wait_gone 5 $pids; then
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null
    fi
    wait "$KAM_PID" 2>/dev/null
    KAM_PID=""
}

# ------------------------------------------------------------------ rtpgen benches
# raise_nofile N: the soft descriptor limit (and the hard one, when this
# user may) to at least N; 1 when that is not possible.
raise_nofile() {
    local want=$1 hard
    [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$want" ] && return 0
    hard=$(ulimit -Hn)
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
        ulimit -Hn "$want" 2>/dev/null || return 1
    fi
    ulimit -n "$want" 2>/dev/null
}

# choose_ports: Carillon's RTP ports for the rtpgen benches (relay,
# transcode): from 10000 up to just below the kernel's ephemeral range,
# where rtpgen's own sockets get their ports.  Sets RTP_PORT_START,
# RTP_PORT_END and MAX_CALLS (4 ports per call: 2 sessions of RTP + RTCP).
choose_ports() {
    local lo hi
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
    if [ "$lo" -gt 12000 ]; then
        RTP_PORT_START=10000
        RTP_PORT_END=$((lo - 1))
    else
        RTP_PORT_START=$((hi + 1))
        RTP_PORT_END=65535
    fi
    # shellcheck disable=SC2034  # read by the bench scripts
    MAX_CALLS=$(( (RTP_PORT_END - RTP_PORT_START + 1) / 4 ))
}

# ------------------------------------------------------------------ Carillon
car_rx() {
    timeout 10 "$CARILLON_BIN" -C "$CAR_RUN/etc" -rx "$1" 2>&1
}

# car_start [HOOK]: mkrundir on a free port, log level warning, HOOK (a
# function name, called with the etc dir) edits the config, then
# `carillon -f` in the background until `core show version` answers and
# an OPTIONS ping gets 200.  Sets CAR_PID, CAR_PORT, CAR_RUN; on failure
# returns 1 with the reason in CAR_WHY.
car_start() {
    local hook=${1:-} i
    car_stop
    CAR_WHY=""
    if [ ! -x "$CARILLON_BIN" ]; then
        CAR_WHY="$CARILLON_BIN not built (make -j2)"
        return 1
    fi
    CAR_RUN=$BENCH_TMP/carillon
    CAR_PORT=$(free_port)
    if ! "$TOP/contrib/scripts/mkrundir" "$CAR_RUN" "$CAR_PORT" "$TOP/modules" \
            >"$BENCH_TMP/mkrundir.log" 2>&1; then
        CAR_WHY="mkrundir failed: $(tail -n 1 "$BENCH_TMP/mkrundir.log")"
        return 1
    fi
    ini_set "$CAR_RUN/etc/carillon.conf" logger default warning
    # Non-INVITE transactions stay 32 s (timer J) after their response: at
    # benchmark rates more than the default 100000 are alive at once, and
    # the 503s would measure that cap instead of the processing.
    ini_set_documented "$CAR_RUN/etc/sip.conf" general max_transactions 2000000
    if [ -n "$hook" ]; then
        "$hook" "$CAR_RUN/etc" || { CAR_WHY="config hook $hook failed"; return 1; }
    fi
    "$CARILLON_BIN" -f -C "$CAR_RUN/etc" >"$CAR_RUN/carillon.log" 2>&1 &
    CAR_PID=$!
    for ((i = 0; i < 200; i++)); do
        if ! alive "$CAR_PID"; then
            CAR_WHY="carillon exited at start-up: $(tail -n 1 "$CAR_RUN/carillon.log")"
            wait "$CAR_PID" 2>/dev/null
            CAR_PID=""
            return 1
        fi
        if car_rx "core show version" >/dev/null; then
            break
        fi
        sleep 0.1
    done
    if [ "$i" -ge 200 ]; then
        CAR_WHY="carillon control socket did not answer in 20 s"
        car_stop
        return 1
    fi
    if ! car_rx "module show" | grep -q '^chan_sip\b'; then
        CAR_WHY="chan_sip is not loaded"
        car_stop
        return 1
    fi
    for ((i = 0; i < 20; i++)); do
        sip_probe "$CAR_PORT" && return 0
        sleep 0.1
    done
    CAR_WHY="no 200 to OPTIONS on 127.0.0.1:$CAR_PORT"
    car_stop
    return 1
}

# car_thread_report: with BENCH_THREADS=1, Carillon's CPU time per thread
# so far (seconds, busiest first): which thread is the bottleneck.
car_thread_report() {
    [ "${BENCH_THREADS:-0}" = 1 ] && [ -n "$CAR_PID" ] || return 0
    local t name
    local -a v
    echo "carillon CPU per thread (s, since start):"
    for t in /proc/"$CAR_PID"/task/*; do
        name=$(cat "$t/comm" 2>/dev/null) || continue
        read -r -a v <<<"$(sed 's/^.*) //' "$t/stat" 2>/dev/null)"
        awk -v n="$name" -v t="${t##*/}" -v c=$((v[11] + v[12])) -v hz="$CLK_TCK" \
            'BEGIN { printf "  %8.2f  %s (%s)\n", c / hz, n, t }'
    done | sort -rn | head -n 8
}

# car_has_module NAME: the running Carillon lists NAME in `module show`.
car_has_module() {
    car_rx "module show" | grep -q "^$1\b"
}

car_stop() {
    [ -n "$CAR_PID" ] || return 0
    if alive "$CAR_PID"; then
        car_rx "core stop now" >/dev/null 2>&1
        if ! wait_gone 5 "$CAR_PID"; then
            kill -TERM "$CAR_PID" 2>/dev/null
            wait_gone 2 "$CAR_PID" || kill -KILL "$CAR_PID" 2>/dev/null
        fi
    fi
    wait "$CAR_PID" 2>/dev/null
    CAR_PID=""
}

# ini_set FILE SECTION KEY VALUE: set KEY in [SECTION] (added if missing).
ini_set() {
    python3 - "$@" <<'EOF'
import re, sys
path, section, key, value = sys.argv[1:5]
try:
    lines = open(path).read().splitlines()
except OSError:
    lines = []
out, cur, done = [], None, False
for line in lines:
    m = re.match(r"\s*\[([^\]]+)\]", line)
    if m:
        if cur == section and not done:
            out.append(f"{key} = {value}")
            done = True
        cur = m.group(1)
    elif cur == section and re.match(rf"\s*{re.escape(key)}\s*=", line):
        if not done:
            out.append(f"{key} = {value}")
        done = True
        continue
    out.append(line)
if not done:
    if cur != section:
        out.append(f"[{section}]")
    out.append(f"{key} = {value}")
open(path, "w").write("\n".join(out) + "\n")
EOF
}

# ini_set_documented FILE SECTION KEY VALUE: ini_set, but only when FILE
# already mentions KEY in SECTION (set or commented out), so that a renamed
# option cannot make the daemon refuse its config; otherwise says so.
ini_set_documented() {
    if sed -n "/^\[$2\]/,/^\[/p" "$1" 2>/dev/null |
            grep -qE "^;?[[:space:]]*$3[[:space:]]*="; then
        ini_set "$@"
    else
        say "$BENCH_NAME: $(basename "$1") [$2] has no $3 option any more: not set"
    fi
}

# ------------------------------------------------------------------ sipp
# sipp_run TAG SCENARIO PORT CALLS [SIPP ARGS...]: sipp as UAC against
# 127.0.0.1:PORT, CALLS calls with BENCH_USERS in flight, then parses its
# statistics file.  Sets SIPP_OK, SIPP_FAIL (failed + unfinished calls),
# SIPP_RETRANS, SIPP_SECS, SIPP_RATE (successful calls per second).
sipp_run() {
    local tag=$1 scen=$2 port=$3 calls=$4
    shift 4
    local dir=$BENCH_TMP/sipp
    local stf=$dir/$tag.csv limit line lport
    mkdir -p "$dir"
    # A free local port (sipp would take 5060 when it is free), or the
    # same one for every run when SIPP_LPORT is set.
    lport=${SIPP_LPORT:-$(free_port)}
    # Closed loop: BENCH_USERS calls in flight, a new one as one ends
    # (BENCH_USERS=0: open loop, give -r/-l in the extra arguments).
    local -a load=(-users "$BENCH_USERS")
    [ "$BENCH_USERS" = 0 ] && load=()
    rm -f "$stf"
    # Time limit: generous for 5k calls/s, so a slow server still ends.
    limit=$(( calls / 5000 + 30 ))
    # In the background + wait, so that a signal to this script is handled
    # at once (bench_cleanup stops sipp too).
    (cd "$dir" && exec timeout -k 5 $((limit + 10)) "$SIPP_BIN" "127.0.0.1:$port" \
        -sf "$scen" -i 127.0.0.1 -p "$lport" -m "$calls" "${load[@]}" \
        -buff_size 4194304 -recv_timeout 5000 -timeout "${limit}s" \
        -nd -nostdin -trace_stat -stf "$stf" -fd 1 \
        -trace_err -error_file "$dir/$tag-errors.log" "$@" \
        >"$dir/$tag.out" 2>"$dir/$tag.err") &
    SIPP_PID=$!
    wait "$SIPP_PID"
    SIPP_PID=""
    SIPP_OK=0 SIPP_FAIL=$calls SIPP_RETRANS=0 SIPP_SECS=0 SIPP_RATE=0
    [ -s "$stf" ] || { say "$BENCH_NAME: sipp wrote no statistics: $(head -c 300 "$dir/$tag.err")"; return 1; }
    line=$(tail -n 1 "$stf")
    # Fields (see sipp -h stat): 1 StartTime, 3 CurrentTime (date, time and
    # epoch separated by tabs), 16 SuccessfulCall(C), 18 FailedCall(C),
    # 58 Retransmissions(C).
    read -r SIPP_OK SIPP_FAIL SIPP_RETRANS SIPP_SECS SIPP_RATE < <(
        awk -F';' -v calls="$calls" '{
            split($1, a, "\t"); split($3, b, "\t")
            secs = b[3] - a[3]; ok = $16 + 0; fail = calls - ok
            if (fail < $18) fail = $18
            printf "%d %d %d %.3f %.1f\n", ok, fail, $58, secs, (secs > 0 ? ok / secs : 0)
        }' <<<"$line")
    return 0
}

# ------------------------------------------------------------------ rounds
# measure TARGET TAG SCENARIO PORT CALLS PIDS [SIPP ARGS...]: one sipp run
# plus the CPU the server PIDS used during it; appends
# "TARGET rate fail retrans us_per_call" to $BENCH_TMP/samples.
measure() {
    local target=$1 tag=$2 scen=$3 port=$4 calls=$5 pids=$6
    shift 6
    local t0 t1 us
    # shellcheck disable=SC2086
    t0=$(cpu_ticks $pids)
    sipp_run "$tag" "$scen" "$port" "$calls" "$@" || true
    # shellcheck disable=SC2086
    t1=$(cpu_ticks $pids)
    us=$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$SIPP_OK" \
        'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
    echo "$target $SIPP_RATE $SIPP_FAIL $SIPP_RETRANS $us" >>"$BENCH_TMP/samples"
    if [ "$BENCH_VERBOSE" = 1 ]; then
        printf '  %-28s %9s/s  ok %d  fail %d  retrans %d  %.3fs  cpu %s us/call\n' \
            "$tag" "$SIPP_RATE" "$SIPP_OK" "$SIPP_FAIL" "$SIPP_RETRANS" \
            "$SIPP_SECS" "$us" >&2
    fi
}

# run_rounds CASE SCENARIO CALLS [SIPP ARGS...]: a warm-up run (RUN_WARM
# calls, default 5% of CALLS) then BENCH_ROUNDS measured runs against each
# server that is up (Kamailio when KAM_PID is set, Carillon when CAR_PID
# is), alternating which goes first.  Samples are recorded as kamailio:CASE, carillon:CASE.
# A server that dies is reported and dropped.
run_rounds() {
    local case=$1 scen=$2 calls=$3 r warm t do_kam=0 do_car=0
    shift 3
    warm=${RUN_WARM:-$(( calls / 20 ))}
    [ "$warm" -lt 100 ] && warm=100
    if [ -n "$KAM_PID" ]; then
        sipp_run "warm-kam-$case" "$scen" "$KAM_PORT" "$warm" "$@"
        warm_ok kamailio "$case" && do_kam=1
    fi
    if [ -n "$CAR_PID" ]; then
        sipp_run "warm-car-$case" "$scen" "$CAR_PORT" "$warm" "$@"
        warm_ok carillon "$case" && do_car=1
    fi
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
        for t in $( ((r % 2)) && echo kamailio carillon || echo carillon kamailio); do
            if [ "$t" = kamailio ] && [ "$do_kam" = 1 ] && [ -n "$KAM_PID" ]; then
                measure "kamailio:$case" "kam-$case-$r" "$scen" "$KAM_PORT" "$calls" "$(kam_pids)" "$@"
                server_alive kamailio || true
            elif [ "$t" = carillon ] && [ "$do_car" = 1 ] && [ -n "$CAR_PID" ]; then
                measure "carillon:$case" "car-$case-$r" "$scen" "$CAR_PORT" "$calls" "$CAR_PID" "$@"
                server_alive carillon || true
            fi
        done
    done
}

# warm_ok kamailio|carillon CASE: after a warm-up run, 1 when its calls
# failed (>1%, or the server died); the reason, with sipp's first error,
# goes to stderr and to CAR_FAILED / KAM_FAILED (for the notes).  The
# server is then not measured in this case.
warm_ok() {
    local who=$1 case=$2 why err first
    server_alive "$who" || return 1
    [ "$SIPP_FAIL" -le $(( (SIPP_OK + SIPP_FAIL) / 100 )) ] && return 0
    why="$case: $SIPP_FAIL of $((SIPP_OK + SIPP_FAIL)) warm-up calls failed"
    err=$BENCH_TMP/sipp/warm-${who:0:3}-$case-errors.log
    # sipp's error lines: "date<TAB>time<TAB>epoch: message"
    first=$(grep -m 1 -v '^The following events' "$err" 2>/dev/null |
        sed 's/^[^:]*:[^:]*:[^:]*: //' | cut -c 1-160)
    [ -n "$first" ] && why="$why (sipp: $first)"
    say "$BENCH_NAME: $who: $why"
    if [ "$who" = carillon ]; then
        CAR_FAILED="${CAR_FAILED:+$CAR_FAILED; }$why"
    else
        KAM_FAILED="${KAM_FAILED:+$KAM_FAILED; }$why"
    fi
    return 1
}

# server_alive kamailio|carillon: 1 (and the server forgotten, with its log
# tail printed) when it died.
server_alive() {
    if [ "$1" = kamailio ]; then
        alive "$KAM_PID" && return 0
        say "$BENCH_NAME: kamailio died; log tail:"
        tail -n 5 "$KAM_DIR/kamailio.log" >&2
        wait "$KAM_PID" 2>/dev/null
        KAM_PID=""
        return 1
    fi
    alive "$CAR_PID" && return 0
    wait "$CAR_PID" 2>/dev/null
    CAR_WHY="carillon died during the run (exit $?)"
    say "$BENCH_NAME: $CAR_WHY; log tail:"
    tail -n 10 "$CAR_RUN/carillon.log" >&2
    CAR_PID=""
    # shellcheck disable=SC2034  # read by the bench scripts
    CAR_DIED=1
    return 1
}

# summarize TARGET: "median_rate total_fail total_retrans median_us
# spread" over the samples of TARGET (empty output when there are none);
# spread = half the range of us/call across rounds, in % of the median.
summarize() {
    awk -v t="$1" '
        function median(arr, n,   i, j, x) {
            for (i = 2; i <= n; i++) {
                x = arr[i]
                for (j = i - 1; j >= 1 && arr[j] > x; j--) arr[j + 1] = arr[j]
                arr[j + 1] = x
            }
            return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
        }
        $1 == t {
            n++; r[n] = $2; f += $3; re += $4; u[n] = $5
            if (n == 1 || $5 < lo) lo = $5
            if (n == 1 || $5 > hi) hi = $5
        }
        END {
            if (!n) exit
            m = median(u, n)
            printf "%.0f %d %d %.2f %.0f\n", median(r, n), f, re, m,
                (m > 0 ? 50 * (hi - lo) / m : 0)
        }
    ' "$BENCH_TMP/samples" 2>/dev/null
}

# ------------------------------------------------------------------ report
# report_header TITLE: start a result table.
report_header() {
    printf '\n== %s\n' "$1"
    printf '%-24s %9s %7s %7s %11s %6s %11s\n' \
        target "rate/s" failed retrans "CPU us/call" "+/-%" "calls/CPU-s"
}

# report_row TARGET LABEL: one table row from the samples of TARGET.
report_row() {
    local s rate fail re us sp eff
    s=$(summarize "$1")
    if [ -z "$s" ]; then
        printf '%-24s %9s\n' "$2" "n/a"
        return
    fi
    read -r rate fail re us sp <<<"$s"
    eff=$(awk -v u="$us" 'BEGIN { printf "%.0f", (u > 0 ? 1e6 / u : 0) }')
    printf '%-24s %9s %7s %7s %11s %6s %11s\n' "$2" "$rate" "$fail" "$re" "$us" "$sp" "$eff"
}

# report_ratio BENCH CASE KAM_TARGET CAR_TARGET [NOTE]: prints the ratio
# lines and appends the summary line for run-all to $BENCH_RESULTS:
#   bench|case|kam rate|car rate|rate ratio|kam us|car us|cpu ratio|note
# Both ratios are "higher is better for Carillon": rate C/K, and
# calls per CPU second C/K (= Kamailio us/call divided by Carillon's).
report_ratio() {
    local bench=$1 case=$2 kt=$3 ct=$4 note=${5:-}
    local ks cs kr kf ku cr cf cu rr er
    ks=$(summarize "$kt")
    cs=$(summarize "$ct")
    read -r kr kf _ ku _ <<<"${ks:-- - - - -}"
    read -r cr cf _ cu _ <<<"${cs:-- - - - -}"
    if [ -n "$ks" ] && [ -n "$cs" ]; then
        rr=$(awk -v c="$cr" -v k="$kr" 'BEGIN { printf "%.2f", (k > 0 ? c / k : 0) }')
        er=$(awk -v c="$cu" -v k="$ku" 'BEGIN { printf "%.2f", (c > 0 ? k / c : 0) }')
        printf 'ratio Carillon/Kamailio: rate %s   calls per CPU-second %s   (>1: Carillon better)\n' "$rr" "$er"
    else
        rr="-"
        er="-"
    fi
    [ -n "$cs" ] && [ "$cf" != 0 ] && note="${note:+$note; }carillon: $cf calls failed"
    [ -n "$ks" ] && [ "$kf" != 0 ] && note="${note:+$note; }kamailio: $kf calls failed"
    [ -n "$note" ] && printf 'note: %s\n' "$note"
    if [ -n "$BENCH_RESULTS" ]; then
        echo "$bench|$case|$kr|$cr|$rr|$ku|$cu|$er|$note" >>"$BENCH_RESULTS"
    fi
}

# bench_notes: what the reader of a result must know, "; "-separated:
# a sanitizer build, a server that could not start, failed or died.
bench_notes() {
    local n=()
    if grep -qE '^SANITIZE_FLAGS *= *-' "$TOP/Makefile" 2>/dev/null; then
        n+=("built with sanitizers: Carillon figures are not representative")
    fi
    [ -n "$CAR_NA" ] && n+=("carillon n/a: $CAR_NA")
    [ -n "$CAR_FAILED" ] && n+=("carillon: $CAR_FAILED")
    [ "$CAR_DIED" = 1 ] && n+=("$CAR_WHY")
    [ -n "$KAM_NA" ] && n+=("kamailio n/a: $KAM_NA")
    [ -n "$KAM_FAILED" ] && n+=("kamailio: $KAM_FAILED")
    local out="" x
    for x in "${n[@]}"; do out="${out:+$out; }$x"; done
    echo "$out"
}

# start_servers KAM_TEMPLATE [CAR_HOOK] [KEY=VALUE...]: starts the wanted
# servers (BENCH_TARGETS); a Carillon that cannot start is noted in CAR_NA.
# Returns 1 when neither runs.
start_servers() {
    local template=$1 hook=${2:-}
    shift 2 2>/dev/null || shift $#
    if wants_target kamailio; then
        if ! kam_available; then
            KAM_NA="kamailio not installed (contrib/scripts/install-prereq)"
        elif ! kam_start "$template" 1 "$@"; then
            KAM_NA="kamailio did not start"
        fi
        [ -n "$KAM_NA" ] && say "$BENCH_NAME: $KAM_NA"
    fi
    if wants_target carillon && ! car_start "$hook"; then
        CAR_NA=$CAR_WHY
        say "$BENCH_NAME: carillon n/a: $CAR_WHY"
    fi
    [ -n "$KAM_PID" ] || [ -n "$CAR_PID" ]
}
