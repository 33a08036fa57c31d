#!/usr/bin/env python3
"""Registrar: REGISTER with digest auth through sipp and a raw client,
refresh, unregister, wildcard, wrong password vs unknown user, expiry,
423, NAT contacts, qualify, persistence across restart and crash,
blocking after failures, and sipvicious svwar/svcrack finding nothing."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from carillon import Carillon, TOP, Tap, free_port, wait_for
from sipclient import SipClient, header_values, parse_response

SIPP = os.path.join(TOP, "contrib", "sipp")
t = Tap()


SIPP_PORT = free_port()


def sipp(pbx, scenario, user, password, keys=None, src="127.0.0.1", timeout=20,
         port=None):
    """One sipp run; the same local port each time, like one phone."""
    cmd = ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", os.path.join(SIPP, scenario),
           "-m", "1", "-s", user, "-au", user, "-ap", password, "-i", src,
           "-p", str(port or SIPP_PORT), "-timeout", "10", "-timeout_error",
           "-nostdin", "-trace_err", "-error_file",
           os.path.join(pbx.run_dir, "sipp-errors.log")]
    for k, v in (keys or {}).items():
        cmd += ["-key", k, str(v)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       cwd=pbx.run_dir)
    return p.returncode, p.stdout[-2000:] + p.stderr[-2000:]


def contacts_of(pbx, aor):
    rc, out = pbx.rx("sip show registrations")
    return [l for l in out.splitlines() if l.split()[:1] == [aor]]



pbx = Carillon()
pbx.write_file("registrar.conf",
               "[general]\nmin_expiry = 2\ndefault_expiry = 600\nmax_expiry = 3600\n"
               "qualify_timeout = 1000\n")
pbx.conf("sip.conf", "auth", "max_failures", "5")
pbx.conf("sip.conf", "auth", "failure_window", "60")
pbx.conf("sip.conf", "auth", "block_time", "300")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("endpoints.conf", "1007", "qualify_frequency", "1")
t.ok(pbx.start(), "daemon starts with the registrar", pbx.log_text())
rc, out = pbx.rx("module show like registrar")
t.ok("res_registrar" in out, "res_registrar is loaded", out)

# -- register with auth, refresh, unregister (sipp) ----------------------
rc, out = sipp(pbx, "register.xml", "1001", "pw1001", {"expires": 600})
t.ok(rc == 0, "sipp: REGISTER with digest auth gets 200", out)
c = contacts_of(pbx, "1001")
t.ok(len(c) == 1 and "sipp-test" in c[0], "the binding is listed with its user agent", c)
rc, out = sipp(pbx, "register.xml", "1001", "pw1001", {"expires": 600})
c = contacts_of(pbx, "1001")
t.ok(rc == 0 and len(c) == 1, "sipp: a refresh keeps one binding", c)
rc, out = pbx.rx("event show recent like registrar/")
t.ok("registrar/registered aor=1001" in out and "registrar/refreshed aor=1001" in out,
     "registered and refreshed events", out)
rc, out = sipp(pbx, "register.xml", "1001", "pw1001", {"expires": 0})
t.ok(rc == 0 and not contacts_of(pbx, "1001"), "sipp: Expires 0 unregisters", out)

# -- several contacts, wildcard -------------------------------------------
a, b = SipClient(pbx.sip_port), SipClient(pbx.sip_port)
ra = a.register_auth("1002", "pw1002", expires=600)
rb = b.register_auth("1002", "pw1002", expires=300, contact_params=";q=0.5")
t.ok(ra and ra[0] == 200 and rb and rb[0] == 200, "two phones register one AOR",
     (ra, rb))
cts = header_values(rb[2], "Contact")
t.ok(len(cts) == 2 and all(re.search(r";expires=\d+", v) for v in cts)
     and any(";q=0.500" in v for v in cts),
     "the 200 lists every binding with its remaining expiry and q", cts)
t.ok(len(contacts_of(pbx, "1002")) == 2, "both bindings are in the location service")
rq = a.register("1002", contact="-", expires=None)
t.ok(rq and rq[0] == 401, "a query needs authentication too", rq)
rq = a.register_auth("1002", "pw1002", contact="-", expires=None)
t.ok(rq and rq[0] == 200 and len(header_values(rq[2], "Contact")) == 2,
     "a REGISTER without Contact lists the bindings", rq)
rc, out = sipp(pbx, "unregister-all.xml", "1002", "pw1002")
t.ok(rc == 0 and not contacts_of(pbx, "1002"), "sipp: Contact: * removes every binding",
     out)
r = a.register_auth("1002", "pw1002", contact="*", expires=60)
t.ok(r and r[0] == 400, "Contact: * with a non-zero Expires is a 400", r)

# -- max_contacts: the oldest is replaced ----------------------------------
phones = [SipClient(pbx.sip_port) for _ in range(4)]
for p in phones:
    p.register_auth("1003", "pw1003", expires=600)
    time.sleep(1.05)   # registration times are whole seconds
c = contacts_of(pbx, "1003")
t.ok(len(c) == 3 and not any(f":{phones[0].port}>" in l for l in c),
     "a 4th contact replaces the oldest of max_contacts=3", c)

# -- too brief, out of order, wrong To -------------------------------------
rc, out = sipp(pbx, "register-brief.xml", "1004", "pw1004", {"expires": 1})
t.ok(rc == 0, "sipp: expiry under min_expiry gets 423 with Min-Expires", out)
r = a.register_auth("1004", "pw1004", expires=1)
t.ok(r and r[0] == 423 and header_values(r[2], "Min-Expires") == ["2"],
     "423 carries Min-Expires: 2", r)
r = a.register_auth("1004", "pw1004", to_user="1005")
t.ok(r and r[0] == 403, "credentials of one user cannot register another", r)
r = a.register_auth("1004", "pw1004", expires=600, cseq=100)
r2 = a.register_auth("1004", "pw1004", expires=600, cseq=50)
t.ok(r and r[0] == 200 and r2 and r2[0] == 400 and "order" in r2[1],
     "a lower CSeq with the same Call-ID is refused", (r, r2))

# -- unknown user looks exactly like a wrong password ----------------------
def shape(r):
    return (r[0], r[1], sorted(n.lower() for n, _ in r[2]
                               if n.lower() not in ("via", "from", "to", "call-id",
                                                    "cseq")),
            len(header_values(r[2], "WWW-Authenticate")))

x = SipClient(pbx.sip_port, bind_host="127.0.0.3")
known_nocred = x.register("1005")
unknown_nocred = x.register("7777")
known_wrong = x.register_auth("1005", "wrong")
unknown_wrong = x.register_auth("7777", "wrong")
t.ok(known_nocred and unknown_nocred and shape(known_nocred) == shape(unknown_nocred),
     "no credentials: known and unknown users get the same challenge",
     (known_nocred, unknown_nocred))
t.ok(known_wrong and unknown_wrong and shape(known_wrong) == shape(unknown_wrong)
     and known_wrong[0] == 401,
     "wrong password and unknown user get the same response",
     (known_wrong, unknown_wrong))
chal = header_values(known_nocred[2], "WWW-Authenticate")
t.ok(len(chal) == 2 and "algorithm=MD5" in chal[0] and "algorithm=SHA-256" in chal[1],
     "the challenge offers MD5 and SHA-256 together, in the configured order", chal)
ua = x.register("1005", extra="User-Agent: baresip v1.0.0 (x86_64/linux)\r\n")
chal = header_values(ua[2], "WWW-Authenticate") if ua else []
t.ok(len(chal) == 1 and "algorithm=MD5" in chal[0],
     "a baresip 1.x User-Agent gets only the MD5 challenge", chal)
r = x.register_auth("1005", "pw1005", algorithm="SHA-256", expires=600)
t.ok(r and r[0] == 200, "SHA-256 digest works", r)
x.close()

# -- expiry ---------------------------------------------------------------
e = SipClient(pbx.sip_port)
r = e.register_auth("1006", "pw1006", expires=2)
t.ok(r and r[0] == 200 and len(contacts_of(pbx, "1006")) == 1, "short registration", r)
t.ok(wait_for(lambda: not contacts_of(pbx, "1006"), 6), "the binding expires")
rc, out = pbx.rx("event show recent like registrar/expired")
t.ok("registrar/expired aor=1006" in out, "an expired event is published", out)

# -- NAT and qualify -------------------------------------------------------
q = SipClient(pbx.sip_port)
r = q.register_auth("1007", "pw1007", expires=600, contact="<sip:1007@127.0.0.9:5099>")
t.ok(r and r[0] == 200, "a phone behind NAT registers a contact unlike its source", r)
c = contacts_of(pbx, "1007")
t.ok(len(c) == 1 and " nat " in c[0] and f"127.0.0.1:{q.port}" in c[0],
     "the contact is marked nat and kept with its source address", c)
q.sock.settimeout(5)
got = None
try:
    data, addr = q.sock.recvfrom(65535)
    got = data.decode()
except socket.timeout:
    pass
t.ok(got and got.startswith("OPTIONS sip:1007@127.0.0.9:5099 SIP/2.0"),
     "qualify sends OPTIONS to the NATed phone's source address", got)
if got:
    head = got.split("\r\n\r\n")[0].split("\r\n")
    keep = [l for l in head if re.match(r"(Via|From|To|Call-ID|CSeq):", l, re.I)]
    resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n"
    q.sock.sendto(resp.encode(), addr)
st = wait_for(lambda: [l for l in contacts_of(pbx, "1007") if "reachable" in l
                       and "unreachable" not in l], 5)
t.ok(st and re.search(r"\d+\.\dms", st[0]), "an answered qualify: reachable with RTT", st)
st = wait_for(lambda: [l for l in contacts_of(pbx, "1007") if "unreachable" in l], 8)
t.ok(st, "an unanswered qualify: unreachable", st)
rc, out = pbx.rx("event show recent like registrar/")
t.ok("registrar/reachable aor=1007" in out and "registrar/unreachable aor=1007" in out,
     "reachable and unreachable events", out)

# -- CLI -------------------------------------------------------------------
rc, out = pbx.rx("sip show endpoints")
t.ok(rc == 0 and re.search(r"^1001\s+\"Alice Anders\" <1001>\s+office", out, re.M)
     and "10 endpoints" in out, "sip show endpoints", out)
rc, out = pbx.rx("sip show endpoint 1004")
t.ok(rc == 0 and "Context:           office" in out and "Max contacts:      3" in out
     and "1004 " in out, "sip show endpoint NAME", out)
rc, out = pbx.rx("sip show endpoint 4242")
t.ok(rc == 1, "sip show endpoint of an unknown name fails", out)

# -- persistence: graceful restart and crash -------------------------------
p8 = SipClient(pbx.sip_port)
r = p8.register_auth("1008", "pw1008", expires=3600)
t.ok(r and r[0] == 200, "1008 registers for an hour", r)
time.sleep(0.5)
pbx.stop()
t.ok(pbx.start(), "daemon restarts", pbx.log_text())
c = contacts_of(pbx, "1008")
m = re.search(r"\s(\d+)\s+udp", c[0]) if c else None
t.ok(c and m and 3500 < int(m.group(1)) <= 3600,
     "after a restart the binding is back with its remaining expiry", c)
rc, out = pbx.rx("event show recent like registrar/restored")
t.ok("aor=1008" in out, "restored bindings are announced", out)
r = p8.register_auth("1008", "pw1008", expires=1800, contact=f"<sip:1008b@{p8.host}:{p8.port}>")
time.sleep(1.5)   # past registrar.conf write_delay (1 s)
pbx.proc.send_signal(signal.SIGKILL)
pbx.stop()
t.ok(pbx.start(), "daemon starts after being killed", pbx.log_text())
t.ok(len(contacts_of(pbx, "1008")) == 2, "bindings survive a crash",
     contacts_of(pbx, "1008"))
# a refresh (only the expiry changes: the store updates just that)
r = p8.register_auth("1008", "pw1008", expires=600)
time.sleep(1.5)
pbx.proc.send_signal(signal.SIGKILL)
pbx.stop()
t.ok(r and r[0] == 200 and pbx.start(), "refresh, crash, restart", pbx.log_text())
c = contacts_of(pbx, "1008")
left = sorted(int(m.group(1)) for m in (re.search(r"\s(\d+)\s+udp", x) for x in c) if m)
t.ok(len(left) == 2 and 500 < left[0] <= 600 and 1700 < left[1] <= 1800,
     "a refreshed expiry survives a crash (600 s and the other 1800 s)", c)

# -- blocking after failed attempts ----------------------------------------
bad = SipClient(pbx.sip_port, bind_host="127.0.0.2")
for i in range(5):
    bad.register_auth("1009", f"guess{i}")
r = bad.register("1009")
t.ok(r is None, "after 5 failures the source gets no answers", r)
rc, out = pbx.rx("sip show blocked")
t.ok(rc == 0 and "127.0.0.2" in out, "sip show blocked lists the source", out)
good = SipClient(pbx.sip_port)
r = good.register_auth("1009", "pw1009")
t.ok(r and r[0] == 200, "other sources are not affected", r)
rc, out = pbx.rx("sip unblock 127.0.0.2")
r = bad.register_auth("1009", "pw1009")
t.ok(rc == 0 and r and r[0] == 200, "sip unblock lets the source in again", (out, r))
rc, out = pbx.rx("sip unblock 127.0.0.99")
t.ok(rc == 1, "unblocking an address that is not blocked fails", out)

# -- sipvicious ------------------------------------------------------------
def udp_received(pbx):
    rc, out = pbx.rx("sip show transports")
    m = re.search(r"^udp\s+udp\s+127\.0\.0\.1:\d+\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def svwar(pbx, *extra):
    p = subprocess.run(["svwar", "-e1000-1020", "-m", "REGISTER", "-t", "0.02",
                        "-p", str(pbx.sip_port), *extra, "127.0.0.1"],
                       capture_output=True, text=True, timeout=180)
    found = set(int(x) for x in re.findall(r"^\|\s*(\d+)\s*\|", p.stdout, re.M))
    return found, p.stdout[-1500:] + p.stderr[-800:]


before = udp_received(pbx)
found, out = svwar(pbx)
t.ok(udp_received(pbx) > before and not found,
     "svwar talks to Carillon and enumerates no extension", out)
found, out = svwar(pbx, "--force")
t.ok(found in (set(), set(range(1000, 1021))),
     "svwar --force cannot tell real extensions from others", (sorted(found), out))
words = os.path.join(pbx.run_dir, "words.txt")
with open(words, "w") as f:
    f.write("\n".join([f"guess{i}" for i in range(30)] + ["pw1010"]) + "\n")
before = udp_received(pbx)
p = subprocess.run(["svcrack", "-u1010", "-d", words, "-t", "0.02",
                    "-p", str(pbx.sip_port), "127.0.0.1"],
                   capture_output=True, text=True, timeout=180)
t.ok(udp_received(pbx) > before and "pw1010" not in p.stdout,
     "svcrack is blocked before it finds the password",
     p.stdout[-1500:] + p.stderr[-500:])
rc, out = pbx.rx("sip show blocked")
t.ok("127.0.0.1" in out, "svcrack's source is blocked", out)
pbx.rx("sip unblock 127.0.0.1")

rc, _ = pbx.rx("core show version")
t.ok(rc == 0 and pbx.running(), "the daemon is still running")
t.ok(pbx.stop() == 0, "clean exit", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
