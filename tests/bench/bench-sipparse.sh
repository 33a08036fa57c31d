#!/bin/bash
# Full-message processing throughput: sipp sends realistic INVITEs (with
# SDP, about 830 bytes) and REGISTERs (about 690 bytes) as fast as it can
# and counts those that get any final response (INVITEs are ACKed).
# Reference: Kamailio with tests/bench/kamailio/sipparse.cfg (parses every
# header, reads From/To/Call-ID/CSeq/Contact, answers 404 statelessly);
# Carillon answers with whatever its stack does without a dialplan
# handler or registrar (e.g. 480 to the INVITE, 405 or 401 to REGISTER).
# See tests/bench/README.md.
#
#   tests/bench/bench-sipparse.sh        (BENCH_* knobs: see lib.sh)
. "$(dirname "$0")/lib.sh"
bench_init sipparse

calls=$(scaled 30000)

if ! start_servers "$BENCH_DIR/kamailio/sipparse.cfg"; then
    echo "SKIP: sipparse: no server to measure"
    exit 0
fi
# -s: the called extension / the registering user (not a configured
# endpoint on either server).
run_rounds invite "$BENCH_DIR/sipp/invite.xml" "$calls" -s 3000
run_rounds register "$BENCH_DIR/sipp/register.xml" "$calls" -s 2101
car_thread_report
car_stop
kam_stop
note=$(bench_notes)

report_header "INVITE (SDP) -> any final + ACK, UDP loopback: $calls x $BENCH_ROUNDS rounds, $BENCH_USERS in flight (median)"
report_row kamailio:invite "kamailio (children=1)"
report_row carillon:invite carillon
report_ratio sipparse "INVITE->final+ACK" kamailio:invite carillon:invite "$note"

report_header "REGISTER -> any final, UDP loopback: $calls x $BENCH_ROUNDS rounds, $BENCH_USERS in flight (median)"
report_row kamailio:register "kamailio (children=1)"
report_row carillon:register carillon
report_ratio sipparse "REGISTER->final" kamailio:register carillon:register "$note"
