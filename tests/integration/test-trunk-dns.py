#!/usr/bin/env python3
"""RFC 3263 for a trunk: the trunk's host is a DNS name without a port, and
Carillon's resolver asks a dnsmasq this test starts on 127.0.0.1 (sip.conf
dns_servers).  NAPTR for SIP+D2U points at an SRV name of its own (the
default _sip._udp name leads nowhere, and a SIP+D2T record of a better
order must be skipped by a UDP trunk); the SRV records give two targets:
the first by priority is dead (a socket that swallows the INVITE), so the
call fails over to the second, a sipp provider that challenges it."""
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from carillon import Carillon, Tap, free_port, wait_for, TOP  # noqa: E402

SIPP = os.path.join(TOP, "contrib", "sipp")
DNSMASQ = "/usr/sbin/dnsmasq"
t = Tap()
if not os.path.exists(DNSMASQ):
    print("1..0 # SKIP dnsmasq not installed (contrib/scripts/install-prereq)")
    sys.exit(0)

DNS_PORT, DEAD, LIVE, NOWHERE = free_port(), free_port(), free_port(), free_port()
pbx = Carillon()
pbx.conf("sip.conf", "general", "dns_servers", f"127.0.0.1:{DNS_PORT}")
pbx.conf("sip.conf", "general", "t1", "100")       # timer B: 6.4 s for the dead target
pbx.conf("endpoints.conf", "provider", "host", "provider.test")
pbx.conf("endpoints.conf", "provider", "port", "0")
pbx.conf("endpoints.conf", "provider", "register", "no")
pbx.conf("endpoints.conf", "provider", "match", f"127.0.0.1:{LIVE}")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("rtp.conf", "general", "port_start", "36000")
pbx.conf("rtp.conf", "general", "port_end", "36999")

zone = os.path.join(pbx.run_dir, "dnsmasq.conf")
with open(zone, "w") as f:
    f.write(f"""port={DNS_PORT}
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-negcache
log-queries
host-record=dead.provider.test,127.0.0.1
host-record=live.provider.test,127.0.0.1
host-record=wrong.provider.test,127.0.0.1
naptr-record=provider.test,20,10,"s","SIP+D2U","",_sip._udp.sip.provider.test
naptr-record=provider.test,10,10,"s","SIP+D2T","",_sip._tcp.provider.test
srv-host=_sip._udp.sip.provider.test,live.provider.test,{LIVE},20,100
srv-host=_sip._udp.sip.provider.test,dead.provider.test,{DEAD},10,100
srv-host=_sip._udp.provider.test,wrong.provider.test,{NOWHERE},10,100
srv-host=_sip._tcp.provider.test,wrong.provider.test,{NOWHERE},10,100
""")
DNS_LOG = os.path.join(pbx.run_dir, "dnsmasq.log")
PCAP = "/usr/share/sip-tester/g711a.pcap"
os.makedirs(os.path.join(pbx.run_dir, "pcap"), exist_ok=True)
if os.path.exists(PCAP):
    shutil.copy(PCAP, os.path.join(pbx.run_dir, "pcap", "g711a.pcap"))
PROCS = []


def expecting(name, **words):
    text = open(os.path.join(SIPP, name)).read()
    for k, v in words.items():
        text = text.replace(k, v)
    out = os.path.join(pbx.run_dir, "expect-" + name)
    with open(out, "w") as f:
        f.write(text)
    return out


def sipp(sf, port, keys=None, service="s", remote=True, extra=(), pause_ms=1000):
    cmd = ["sipp"] + ([f"127.0.0.1:{pbx.sip_port}"] if remote else []) + [
        "-sf", sf, "-m", "1", "-s", service, "-d", str(pause_ms),
        "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port()), "-timeout", "40",
        "-timeout_error", "-nostdin", "-trace_err", "-error_file",
        os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")] + list(extra)
    for k, v in (keys or {}).items():
        cmd += ["-key", k, str(v)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    return p


def finish(p, timeout=50):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-2500:]
    return p.returncode, out[-2500:]


dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dead.bind(("127.0.0.1", DEAD))
dead.settimeout(0.2)
try:
    dns = subprocess.Popen([DNSMASQ, "--keep-in-foreground", "--conf-file=" + zone,
                            "--log-facility=" + DNS_LOG, "--pid-file="],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    PROCS.append(dns)
    up = wait_for(lambda: os.path.exists(DNS_LOG) and "started" in open(DNS_LOG).read(), 5)
    t.ok(up and dns.poll() is None, "dnsmasq serves the test zone on 127.0.0.1",
         open(DNS_LOG).read() if os.path.exists(DNS_LOG) else "")
    if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
        t.done()

    prov = sipp(expecting("provider-invite.xml", FROM_USER="carillon", PAI_USER="1001"),
                LIVE, {"user": "carillon", "pass": "trunkpw"}, remote=False,
                extra=["-rtp_echo"])
    time.sleep(0.3)
    caller = sipp(os.path.join(SIPP, "uac-call.xml"), free_port(), {"caller": "1001"},
                  service="915551234567", extra=["-au", "1001", "-ap", "pw1001"],
                  pause_ms=2000)
    first = b""
    deadline = time.time() + 10
    while not first and time.time() < deadline:
        try:
            first = dead.recv(65535)
        except socket.timeout:
            pass
    t.ok(first.startswith(b"INVITE sip:15551234567@provider.test SIP/2.0"),
         "the INVITE goes first to the SRV target of the best priority, Request-URI "
         "keeping the domain", first[:300])
    rc, out = finish(caller)
    t.ok(rc == 0, "after the dead target times out the call is answered by the next one",
         out + pbx.log_text()[-2000:])
    rc, out = finish(prov)
    t.ok(rc == 0, "the live target challenged the INVITE and saw From carillon, PAI 1001", out)
    log = open(DNS_LOG).read()
    t.ok("query[NAPTR] provider.test" in log and "query[SRV] _sip._udp.sip.provider.test" in log,
         "Carillon asked NAPTR, then the SRV name the SIP+D2U record gave", log[-2000:])
    t.ok("_sip._tcp.provider.test" not in log and "query[SRV] _sip._udp.provider.test" not in log,
         "the SIP+D2T record and the default SRV name were not used", log[-2000:])
    t.ok("trying the next address" in pbx.log_text(), "the failover is logged",
         pbx.log_text()[-2000:])
    t.ok(wait_for(lambda: "0 active" in pbx.rx("core show channels")[1], 10),
         "no channel is left")
finally:
    dead.close()
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.communicate()
    t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
    t.ok(not pbx.assertion_lines(), "no assertion failures", pbx.assertion_lines())
    pbx.cleanup()
t.done()
