#!/usr/bin/env python3
"""TLS registrations beside UDP ones, on one Carillon (the sample office
from mkrundir, TLS on SIP_PORT+1).

Each round registers users 1001..1010 in turn with digest auth (REGISTER,
401, REGISTER with credentials, 200), BENCH_TLS_REGS times (default 1500,
times BENCH_SCALE) per case:

  udp          the reference: over UDP
  tls-reuse    over one TLS connection per user, opened before the round
               (a phone that keeps its connection, RFC 5923 style)
  tls-connect  a new TCP connection and full TLS handshake per
               registration (the worst case: no reuse, no session resumption)

Cases alternate within each round; the median of BENCH_ROUNDS (5) rounds
is reported as registrations per second of wall time (the client is
Python on the same machine, so this is a floor) and the daemon's CPU per
registration (utime + stime of the carillon process: what TLS costs the
PBX).  Ratios are UDP/TLS: >1 means TLS is cheaper, so expect < 1.
"""
import os
import socket
import ssl
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from carillon import Carillon  # noqa: E402
from sipclient import SipClient  # noqa: E402
import tls_client  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
REGS = max(50, int(int(os.environ.get("BENCH_TLS_REGS", "1500")) * SCALE))
USERS = [str(u) for u in range(1001, 1011)]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(pbx, case, ctx):
    clients = {}
    if case == "udp":
        clients = {u: SipClient(pbx.sip_port) for u in USERS}
    elif case == "tls-reuse":
        clients = {u: tls_client.TlsClient(pbx.sip_port + 1, ctx) for u in USERS}
    ok = 0
    pid = pbx.proc.pid
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    for i in range(REGS):
        u = USERS[i % len(USERS)]
        c = clients.get(u) or tls_client.TlsClient(pbx.sip_port + 1, ctx)
        r = c.register_auth(u, f"pw{u}", expires=600)
        ok += bool(r and r[0] == 200)
        if u not in clients:
            c.close()
    wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    for c in clients.values():
        c.close()
    if ok != REGS:
        print(f"{case}: only {ok} of {REGS} registrations succeeded", file=sys.stderr)
    return ok / wall, cpu / max(ok, 1) * 1e6


def main():
    pbx = Carillon()
    for u in USERS:
        pbx.conf("endpoints.conf", u, "qualify_frequency", "0")
    if not pbx.start():
        print("SKIP: Carillon did not start")
        return 0
    ctx = ssl.create_default_context(cafile=os.path.join(pbx.run_dir, "tls", "carillon.crt"))
    cases = ("udp", "tls-reuse", "tls-connect")
    res = {c: [] for c in cases}
    try:
        for c in cases:                      # warm-up
            run_case(pbx, c, ctx)
        for r in range(ROUNDS):
            for c in cases:
                res[c].append(run_case(pbx, c, ctx))
                print(f"round {r + 1} {c:12s} {res[c][-1][0]:8.0f} reg/s "
                      f"{res[c][-1][1]:8.1f} us CPU/reg", flush=True)
    finally:
        pbx.stop()
        pbx.cleanup()
    med = {c: (statistics.median(x[0] for x in res[c]), statistics.median(x[1] for x in res[c]))
           for c in cases}
    out = os.environ.get("BENCH_RESULTS")
    print(f"\n{'case':12s} {'reg/s':>8s} {'us CPU/reg':>11s} {'CPU vs udp':>11s}")
    for c in cases:
        print(f"{c:12s} {med[c][0]:8.0f} {med[c][1]:11.1f} {med[c][1] / med['udp'][1]:10.2f}x")
    if out:
        with open(out, "a") as f:
            for c in cases[1:]:
                f.write(f"tls|{c} (ref udp)|{med['udp'][0]:.0f}|{med[c][0]:.0f}|"
                        f"{med[c][0] / med['udp'][0]:.2f}|{med['udp'][1]:.1f}|{med[c][1]:.1f}|"
                        f"{med['udp'][1] / med[c][1]:.2f}|daemon CPU per registration\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
