#!/bin/bash
# Calls per second: sipp UAC (caller 1001) -> server -> sipp UAS (callee
# 1002, registered from its own port), 1-second answered calls: INVITE,
# 407 digest challenge, INVITE with credentials, 100/180/200, ACK, 1000 ms
# pause, BYE, 200.  sipp starts BENCH_CALL_RATE calls per second (open
# loop, evenly spread) with at most BENCH_CALL_LIMIT in progress; the result
# is successful calls per second, failed calls, and the server's CPU per
# call.
# Reference: Kamailio as a stateful proxy, tests/bench/kamailio/proxy.cfg
# (auth 407, usrloc lookup of the registered UAS, record_route, t_relay):
# signalling only.  Carillon: the sample office dialplan (Lua context
# "office" dials 10xx), a B2BUA: two dialogs per call and the media anchored
# (RTP ports allocated, both SDPs rewritten; no RTP is sent in this test).
# One UAS sipp serves the calls of both servers for the whole run.
# See tests/bench/README.md.
#
# Then, Carillon only (Kamailio relays no media): calls with RTP flowing,
# BENCH_CALL_RTP concurrent calls at a time (levels, default "100 200 400";
# 0 = skip), each playing g711a.pcap through Carillon to the UAS, which
# echoes it back; packets relayed, loss and jitter from Carillon's own RTP
# counters (`rtp show sessions`), and its CPU per relayed packet.
#
#   tests/bench/bench-calls.sh        (BENCH_* knobs: see lib.sh, and
#     BENCH_CALL_RATE (400 calls/s), BENCH_CALL_LIMIT (2 x rate in progress),
#     BENCH_CALL_RTP (concurrency levels of the RTP part, or 0))
. "$(dirname "$0")/lib.sh"
bench_init calls

# Open loop (sipp -r -l instead of lib.sh's closed -users loop): a closed
# loop of N users with 1 s calls starts N calls at once, then again each
# second, in waves; a fixed rate spreads them.  Each call lasts ~1 s, so
# about RATE calls are in progress; a server that falls behind makes
# setups slower, calls pile up to the LIMIT and the rate drops below RATE.
# A round of CALLS calls takes CALLS / RATE seconds plus the last call's
# 1 s, so the measured rate is a little under RATE even for a perfect server.
BENCH_USERS=0
rate=${BENCH_CALL_RATE:-400}
limit=${BENCH_CALL_LIMIT:-$(( 2 * rate ))}
calls=$(scaled 2000)
rtp_levels=${BENCH_CALL_RTP:-100 200 400}
PCAP=/usr/share/sip-tester/g711a.pcap
UAS_PID=""
UAS_PORT=""
UAS_MPORT=""

uas_stop() {
    [ -n "$UAS_PID" ] || return 0
    kill -TERM "$UAS_PID" 2>/dev/null
    wait_gone 5 "$UAS_PID" || kill -KILL "$UAS_PID" 2>/dev/null
    wait "$UAS_PID" 2>/dev/null
    UAS_PID=""
}
# bench_cleanup reads $? first: keep the exit status through uas_stop.
trap 'rc=$?; uas_stop; (exit $rc); bench_cleanup' EXIT

# sipp 3.6 answers MD5 digest challenges only: offer MD5 only (sip.conf
# [auth], as bench-register.sh does); no OPTIONS pings to the endpoints
# (the sipp UAS would count an unexpected request as a failed call).
carillon_config() {
    local key
    key=$(sed -n '/^\[auth\]/,/^\[/p' "$1/sip.conf" 2>/dev/null |
        grep -m 1 -oE '^;?[[:space:]]*(digest_)?algorithms?[[:space:]]*=' |
        tr -d ';= \t')
    [ -n "$key" ] && ini_set "$1/sip.conf" auth "$key" md5
    ini_set "$1/endpoints.conf" office-phone qualify_frequency 0
}

# register PORT: the UAS's address registers as 1002 (password pw1002)
# with the server on 127.0.0.1:PORT, from UAS_PORT.
register_uas() {
    local port=$1 dir=$BENCH_TMP/sipp
    mkdir -p "$dir"
    (cd "$dir" && exec timeout -k 5 25 "$SIPP_BIN" "127.0.0.1:$port" \
        -sf "$TOP/contrib/sipp/register.xml" -i 127.0.0.1 -p "$UAS_PORT" \
        -m 1 -s 1002 -au 1002 -ap pw1002 -key expires 3600 \
        -recv_timeout 5000 -timeout 20s -timeout_error -nostdin \
        -trace_err -error_file "$dir/register-$port-errors.log" \
        >"$dir/register-$port.out" 2>&1)
}

if ! start_servers "$BENCH_DIR/kamailio/proxy.cfg" carillon_config; then
    echo "SKIP: calls: no server to measure"
    exit 0
fi

UAS_PORT=$(free_port)
UAS_MPORT=$(free_port)
if [ -n "$KAM_PID" ] && ! register_uas "$KAM_PORT"; then
    KAM_FAILED="the UAS could not register"
    say "$BENCH_NAME: kamailio: $KAM_FAILED"
    kam_stop
fi
if [ -n "$CAR_PID" ] && ! register_uas "$CAR_PORT"; then
    CAR_FAILED="the UAS could not register (1002/pw1002)"
    say "$BENCH_NAME: carillon: $CAR_FAILED"
    car_stop
fi
[ -n "$KAM_PID" ] || [ -n "$CAR_PID" ] || { echo "SKIP: calls: the UAS registered nowhere"; exit 0; }

# The callee: one sipp UAS for the whole run (bounded by -timeout and
# coreutils timeout; stopped by the EXIT trap).
uas_limit=$(( 120 + BENCH_ROUNDS * 2 * (calls / rate + 10) ))
(cd "$BENCH_TMP/sipp" && exec timeout -k 5 $((uas_limit + 10)) "$SIPP_BIN" \
    -sf "$BENCH_DIR/sipp/call-uas.xml" -i 127.0.0.1 -p "$UAS_PORT" \
    -mp "$UAS_MPORT" -rtp_echo -m 100000000 -buff_size 4194304 -timeout "${uas_limit}s" \
    -nd -nostdin -trace_err -error_file "$BENCH_TMP/sipp/uas-errors.log" \
    -trace_stat -stf "$BENCH_TMP/sipp/uas.csv" -fd 5 \
    >"$BENCH_TMP/sipp/uas.out" 2>"$BENCH_TMP/sipp/uas.err") &
UAS_PID=$!
sleep 0.5
alive "$UAS_PID" || die "the sipp UAS did not start: $(head -c 300 "$BENCH_TMP/sipp/uas.err")"

RUN_WARM=$(( calls / 4 ))
run_rounds calls "$BENCH_DIR/sipp/call-uac.xml" "$calls" \
    -r "$rate" -l "$limit" -s 1002 -au 1001 -ap pw1001 -key caller 1001 \
    -d 1000 -mp "$(free_port)"
car_thread_report
kam_stop

# rtp_snapshot FILE: Carillon's RTP sessions and CPU ticks, now.
rtp_snapshot() {
    { echo "ticks $(cpu_ticks "$CAR_PID") $(date +%s.%N)"; car_rx "rtp show sessions"; } >"$1"
}

# rtp_level N: N calls started at N/2 per second (all up within 2 s), each
# talking 8 s while sipp plays the 7 s pcap; Carillon's counters are read
# 4.5 s and 6.5 s after the start: between the two every call has media
# both ways.  Prints one table row.
rtp_level() {
    local calls_up=$1 dir=$BENCH_TMP/sipp tag=rtp-$1 r
    r=$(( calls_up / 2 )); [ "$r" -lt 1 ] && r=1
    (cd "$dir" && exec timeout -k 5 40 "$SIPP_BIN" "127.0.0.1:$CAR_PORT" \
        -sf "$BENCH_DIR/sipp/call-uac-rtp.xml" -i 127.0.0.1 -p "$(free_port)" \
        -mp "$(free_port)" -m "$calls_up" -l "$calls_up" -r "$r" -d 8000 \
        -s 1002 -au 1001 -ap pw1001 -key caller 1001 \
        -buff_size 4194304 -recv_timeout 10000 -timeout 30s -nd -nostdin \
        -trace_stat -stf "$dir/$tag.csv" -fd 1 \
        -trace_err -error_file "$dir/$tag-errors.log" \
        >"$dir/$tag.out" 2>"$dir/$tag.err") &
    SIPP_PID=$!
    sleep 4.5
    rtp_snapshot "$dir/$tag-a.txt"
    sleep 2
    rtp_snapshot "$dir/$tag-b.txt"
    wait "$SIPP_PID"
    SIPP_PID=""
    python3 - "$calls_up" "$dir/$tag-a.txt" "$dir/$tag-b.txt" "$dir/$tag.csv" "$CLK_TCK" <<'PY'
import re, sys
n, fa, fb, stf, hz = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def snap(path):
    ticks, t, rows = 0, 0.0, {}
    for line in open(path):
        f = line.split()
        if f and f[0] == "ticks":
            ticks, t = int(f[1]), float(f[2])
        elif len(f) >= 11 and re.match(r"^\d+$", f[0]):
            # ID Wrk Peer Local Remote RxPkts RxBytes TxPkts TxBytes Lost Jit
            rows[f[0]] = (int(f[-6]), int(f[-2]), float(f[-1]))
    return ticks, t, rows
ta, sa, ra = snap(fa)
tb, sb, rb = snap(fb)
both = [k for k in rb if k in ra]
rx = sum(rb[k][0] - ra[k][0] for k in both)
lost = sum(max(0, rb[k][1] - ra[k][1]) for k in both)
flowing = sum(1 for k in both if rb[k][0] > ra[k][0])
jit = max([rb[k][2] for k in both] or [0])
secs = (sb - sa) or 1
cpu = (tb - ta) / hz
ok = fail = 0
try:
    last = open(stf).read().strip().splitlines()[-1].split(";")
    ok, fail = int(last[15]), int(last[17])
except (OSError, IndexError, ValueError):
    pass
fail = max(fail, n - ok)
print("%-7d %6d %6d %10s %10.0f %8.3f %8.1f %8.0f %9s" % (
    n, ok, fail, "%d/%d" % (flowing, 2 * n), rx / secs,
    100.0 * lost / (rx + lost) if rx + lost else 0, jit, 100 * cpu / secs,
    "%.2f" % (cpu * 1e6 / rx) if rx else "-"))
PY
}

rtp_rows=""
rtp_why=""
if [ "$rtp_levels" = 0 ]; then
    rtp_why="BENCH_CALL_RTP=0"
elif [ -z "$CAR_PID" ]; then
    rtp_why="carillon is not running"
elif [ ! -r "$PCAP" ]; then
    rtp_why="$PCAP not found (sip-tester)"
elif [ "$(id -u)" != 0 ]; then
    rtp_why="sipp plays pcap audio through a raw socket: needs root"
else
    cp "$PCAP" "$BENCH_TMP/sipp/g711a.pcap"
    for lvl in $rtp_levels; do
        [ -n "$CAR_PID" ] || break
        rtp_rows+=$(rtp_level "$lvl")$'\n'
        server_alive carillon || break
        sleep 1
    done
fi
car_stop
uas_stop

report_header "1 s calls 1001 -> 1002 (INVITE, 407, INVITE, 180, 200, ACK, 1000 ms, BYE), UDP loopback: $calls calls x $BENCH_ROUNDS rounds at $rate calls/s, at most $limit in progress (median)"
report_row kamailio:calls "kamailio proxy (children=1)"
report_row carillon:calls "carillon B2BUA"
report_ratio calls "1 s calls" kamailio:calls carillon:calls "$(bench_notes)"

echo
if [ -n "$rtp_rows" ]; then
    echo "== Carillon alone: concurrent calls with RTP (g711a.pcap, ~33 packets/s each way, echoed by the UAS), counters over 2 s"
    printf '%-7s %6s %6s %10s %10s %8s %8s %8s %9s\n' calls ok failed "media legs" "relayed/s" "loss %" "jit ms" "CPU %" "us/packet"
    printf '%s' "$rtp_rows"
else
    echo "RTP part not run: $rtp_why"
fi
