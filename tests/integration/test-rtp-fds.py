#!/usr/bin/env python3
"""After the last call ends, the daemon closes its RTP sockets without
waiting for more traffic.  res_rtp applies frees lazily, without waking a
media worker of their own; a worker that no packet woke any more kept them
queued, so one call left its 4 descriptors (2 sessions x RTP and RTCP)
open until the next call, and a burst of 100 calls left 400.  Here: one
call, then a burst of 100 (rtpgen, tests/bench/rtpgen/), and each time,
within a bounded wait after the last BYE, the daemon's open descriptors
(/proc/PID/fd) are back to the idle baseline and none of its sockets is
bound to a port of the RTP range any more.  (Other daemons on the machine
may use the range: only this daemon's sockets count.)"""
import os
import subprocess
import time

from carillon import TOP, Carillon, Tap

RTPGEN = os.environ.get("RTPGEN", os.path.join(TOP, "tests", "bench", "rtpgen", "rtpgen"))
# Below the kernel's usual ephemeral range (32768-60999), where the SIP
# port the harness picks may fall.
PORTS = (29000, 29999)
WAIT_S = 3          # the frees take 20-40 ms; generous for a busy machine


def open_fds(pid):
    return sorted(os.readlink(f"/proc/{pid}/fd/{f}") for f in os.listdir(f"/proc/{pid}/fd"))


def bound_rtp_ports(pid):
    """UDP ports of the RTP range bound by sockets of process pid (IPv4
    and IPv6): /proc/net/udp's lines whose inode is one of its fds; its
    SIP port does not count."""
    inodes = {f[8:-1] for f in open_fds(pid) if f.startswith("socket:[")}
    ports = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if PORTS[0] <= port <= PORTS[1] and fields[9] in inodes and port != pbx.sip_port:
                ports.add(port)
    return sorted(ports)


def settle(pid, baseline):
    """Waits up to WAIT_S for the descriptors to drop back to the baseline
    and the RTP ports to be released; returns what is left."""
    deadline = time.time() + WAIT_S
    while True:
        fds, ports = open_fds(pid), bound_rtp_ports(pid)
        if (len(fds) <= len(baseline) and not ports) or time.time() >= deadline:
            return fds, ports
        time.sleep(0.05)


def calls(pbx, n):
    try:
        p = subprocess.run([RTPGEN, "-p", str(pbx.sip_port), "-n", str(n), "-d", "1",
                            "-r", "200", "-t", "60"], capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as e:
        return False, f"rtpgen did not end within 90 s: {e}"
    last = p.stdout.strip().splitlines()[-1:] or [""]
    return p.returncode == 0 and f" up={n} " in f" {last[0]} ", p.stdout + p.stderr


t = Tap()
if not t.ok(os.access(RTPGEN, os.X_OK), "rtpgen is built", RTPGEN):
    t.done()

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", str(PORTS[0]))
pbx.conf("rtp.conf", "general", "port_end", str(PORTS[1]))
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
t.ok(pbx.start(), "daemon starts", pbx.log_text())
pid = pbx.proc.pid
baseline = open_fds(pid)
t.ok(not bound_rtp_ports(pid), "no RTP port bound before the first call", bound_rtp_ports(pid))

for n in (1, 100):
    ok, out = calls(pbx, n)
    t.ok(ok, f"{n} call(s) with media through the daemon, hung up with BYE", out)
    fds, ports = settle(pid, baseline)
    extra = [f for f in fds if f not in baseline]
    # none left from the calls; one open at idle may have closed since (a
    # socket of the trunk's outbound registration or a DNS query)
    t.ok(not extra and len(fds) <= len(baseline),
         f"after {n} call(s) the open descriptors are back to the idle {len(baseline)}"
         f" within {WAIT_S} s", f"{len(fds)} open; not there at idle: {extra[:12]}")
    t.ok(not ports, f"after {n} call(s) no RTP port is bound", ports[:12])

t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
