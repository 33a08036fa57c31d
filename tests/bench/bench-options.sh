#!/bin/bash
# OPTIONS request/response rate over UDP loopback: sipp (UAC) sends
# OPTIONS, the server answers 200 OK statelessly.  Reference: Kamailio
# with tests/bench/kamailio/options.cfg (sl + maxfwd, children=1, i.e. one
# worker process like Carillon's one signalling thread); Carillon answers
# OPTIONS in chan_sip.  See tests/bench/README.md.
#
#   tests/bench/bench-options.sh         (BENCH_* knobs: see lib.sh)
. "$(dirname "$0")/lib.sh"
bench_init options

calls=$(scaled 50000)
scen=$BENCH_DIR/sipp/options.xml

if ! start_servers "$BENCH_DIR/kamailio/options.cfg"; then
    echo "SKIP: options: no server to measure"
    exit 0
fi
run_rounds options "$scen" "$calls"
car_thread_report
car_stop
kam_stop

if [ "$BENCH_KAM_CHILDREN2" = 1 ] && wants_target kamailio && kam_available; then
    kam_start "$BENCH_DIR/kamailio/options.cfg" 2 &&
        run_rounds options2 "$scen" "$calls"
    kam_stop
fi

report_header "OPTIONS -> 200, UDP loopback: $calls requests x $BENCH_ROUNDS rounds, $BENCH_USERS in flight (median)"
report_row kamailio:options "kamailio (children=1)"
[ "$BENCH_KAM_CHILDREN2" = 1 ] && report_row kamailio:options2 "kamailio (children=2)"
report_row carillon:options carillon
report_ratio options "OPTIONS 200" kamailio:options carillon:options "$(bench_notes)"
