#!/usr/bin/env python3
"""CPU a SIP flood costs the daemon before the abuse limits trip and after
(issue 14): one daemon, a flood from 127.0.0.2 of valid OPTIONS, REGISTER
and INVITE plus malformed requests, three phases in one run:
  open     rate = 0 (no rate limit): every packet parsed and answered
  silence  rate tripped, rate_answer = silence: dropped before parsing
  503      rate tripped, rate_answer = 503: parsed, answered 503
Daemon CPU (utime+stime from /proc) per packet it received; ratios
against `open`.  BENCH_SCALE scales the packets per phase (default 200000)."""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
from carillon import Carillon  # noqa: E402

N = int(200000 * float(os.environ.get("BENCH_SCALE", "1")))
TICK = os.sysconf("SC_CLK_TCK")


def packets(port):
    junk = [b"\x00\x01garbage" * 20, b"INVITE sip:x SIP/2.0\r\n\r\n"]
    out = []
    for n in range(64):
        kind = ("OPTIONS", "REGISTER", "INVITE")[n % 3]
        out.append(junk[n % 2] if n % 4 == 3 else
                   (f"{kind} sip:{1000 + n}@127.0.0.1:{port} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bKb{n};rport\r\n"
                    f"Max-Forwards: 70\r\nFrom: <sip:{1000 + n}@127.0.0.1>;tag=b{n}\r\n"
                    f"To: <sip:{1000 + n}@127.0.0.1>\r\nCall-ID: bench{n}\r\n"
                    f"CSeq: 1 {kind}\r\nContact: <sip:x@127.0.0.2:5999>\r\n"
                    f"Content-Length: 0\r\n\r\n").encode())
    return out


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def received(pbx):
    out = pbx.rx("sip show transports")[1]
    m = re.search(r"^udp\s+udp\s+127\.0\.0\.1:\d+\s+(\d+)", out, re.M)
    return int(m.group(1))


def phase(pbx, pkts):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.2", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    dest = ("127.0.0.1", pbx.sip_port)
    r0, c0 = received(pbx), cpu(pbx.proc.pid)
    for i in range(N):
        s.sendto(pkts[i % len(pkts)], dest)
        if i % 64 == 63:
            time.sleep(0.0002)      # paced so the kernel does not drop
    time.sleep(0.5)
    r1, c1 = received(pbx), cpu(pbx.proc.pid)
    s.close()
    return (c1 - c0) * 1e6 / max(1, r1 - r0), r1 - r0


pbx = Carillon()
pbx.conf("sip.conf", "limits", "exempt", "")
pbx.conf("sip.conf", "limits", "rate", "0")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
if not pbx.start():
    print("daemon did not start", file=sys.stderr)
    sys.exit(1)
pkts = packets(pbx.sip_port)
results = {}
for name, rate, answer in (("open", "0", "silence"), ("silence", "40", "silence"),
                           ("503", "40", "503")):
    pbx.conf("sip.conf", "limits", "rate", rate)
    pbx.conf("sip.conf", "limits", "rate_answer", answer)
    pbx.rx("module reload res_sip")
    pbx.rx("sip unlimit 127.0.0.2")
    results[name] = phase(pbx, pkts)
pbx.stop()
pbx.cleanup()
base = results["open"][0]
print(f"{'case':10s} {'packets':>9s} {'us/packet':>10s} {'x open':>7s}")
for name, (us, n) in results.items():
    print(f"{name:10s} {n:9d} {us:10.2f} {base / us if us else 0:6.1f}x")
if os.environ.get("BENCH_RESULTS"):
    with open(os.environ["BENCH_RESULTS"], "a") as f:
        for name in ("silence", "503"):
            us = results[name][0]
            f.write(f"limits|flood-{name}|-|-|-|{base:.2f}|{us:.2f}|"
                    f"{base / us if us else 0:.1f}|us/packet: ref = no limit, car = tripped\n")
