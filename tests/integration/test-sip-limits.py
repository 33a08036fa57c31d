#!/usr/bin/env python3
"""Abuse limits (issue 14 part 4): sipvicious svmap/svwar/svcrack from
another address learn nothing and get limited; unauthenticated INVITEs to
unknown users are answered exactly like those to known users; a flood of
malformed and valid requests from 127.0.0.2 while a legitimate phone on
127.0.0.1 keeps registering and calling (the fraction of its requests that
succeeded is measured and asserted); per-source dialog and connection
limits answer 503 / close; sip show limits, the log and its counts."""
import random
import re
import socket
import statistics
import subprocess
import threading
import time

from carillon import Carillon, Tap, wait_for
from sipclient import SipClient, header_values, parse_response

t = Tap()
ATTACKER = "127.0.0.2"
SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def branch():
    return f"z9hG4bK{random.getrandbits(48):x}"


class Caller(SipClient):
    """A phone that places calls: INVITE, answer the 407, ACK, BYE.  Like
    any UA over UDP it retransmits a request that got no answer (T1 =
    0.5 s, doubling), since under a flood the kernel drops datagrams."""

    def send_raw(self, text):
        self.last = text
        super().send_raw(text)

    def matching(self, timeout, want_final):
        """The next response to the last request (same Call-ID and CSeq):
        stale ones (retransmitted 2xx, answers to retransmissions) are
        skipped."""
        text = self.last.decode() if isinstance(self.last, bytes) else self.last
        key = [re.search(rf"^{h}: (.*?)\r?$", text, re.M).group(1) for h in ("Call-ID", "CSeq")]
        end = time.time() + timeout
        while time.time() < end:
            r = super().recv(end - time.time(), want_final)
            if r and [header_values(r[2], h)[0] for h in ("Call-ID", "CSeq")] == key:
                return r
        return None

    def recv(self, timeout=2.0, want_final=True):
        end, wait = time.time() + timeout, 0.5
        while True:
            r = self.matching(min(wait, max(0.01, end - time.time())), want_final)
            if r or time.time() >= end:
                return r
            self.retransmissions = getattr(self, "retransmissions", 0) + 1
            super().send_raw(self.last)
            wait *= 2

    def request(self, method, target, cseq, call_id, to_tag=None, br=None, extra="",
                body=""):
        uri = f"sip:{target}@{self.server_host}:{self.server[1]}"
        to = f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        self.send_raw(f"{method} {uri} SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP {self.host}:{self.port};branch={br or branch()};rport\r\n"
                      f"Max-Forwards: 70\r\nFrom: <sip:{self.user}@{self.server_host}>;"
                      f"tag={self.tag}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n"
                      f"CSeq: {cseq} {method}\r\n"
                      f"Contact: <sip:{self.user}@{self.host}:{self.port}>\r\n"
                      f"{extra}{ctype}Content-Length: {len(body)}\r\n\r\n{body}")
        return uri

    def invite(self, target, password=None, call_id=None, timeout=8.0):
        """Returns (final response, call_id, cseq) of an INVITE, answering
        one 407 when a password is given."""
        call_id = call_id or f"{random.getrandbits(64):x}@limits"
        body = SDP.format(port=self.port + 2)
        br = branch()
        uri = self.request("INVITE", target, 1, call_id, br=br, body=body)
        r = self.recv(timeout)
        if not r or r[0] != 407 or password is None:
            return r, call_id, 1
        self.ack(target, call_id, 1, r, br)
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        auth = self.authorization(chal, self.user, password, "INVITE", uri,
                                  header="Proxy-Authorization")
        self.request("INVITE", target, 2, call_id, extra=auth, body=body)
        return self.recv(timeout), call_id, 2

    def ack(self, target, call_id, cseq, resp, br=None):
        tag = re.search(r"tag=([^;>\s]+)", header_values(resp[2], "To")[0]).group(1)
        self.request("ACK", target, cseq, call_id, to_tag=tag, br=br)
        return tag

    def call(self, target, password):
        """A whole answered call; True when INVITE and BYE got 200."""
        r, call_id, cseq = self.invite(target, password)
        if not r or r[0] != 200:
            return False
        tag = self.ack(target, call_id, cseq, r)
        self.request("BYE", target, cseq + 1, call_id, to_tag=tag)
        r = self.recv(8.0)
        return bool(r and r[0] == 200)


def phone(pbx, user, host="127.0.0.1"):
    c = Caller(pbx.sip_port, bind_host=host)
    c.user = user
    return c


def show_limits(pbx):
    rc, out = pbx.rx("sip show limits")
    return out


pbx = Carillon()
pbx.conf("sip.conf", "limits", "exempt", "")          # loopback is exempt by default
pbx.conf("sip.conf", "limits", "rate", "40")
pbx.conf("sip.conf", "limits", "burst", "80")
pbx.conf("sip.conf", "limits", "rate_block_time", "5")
pbx.conf("sip.conf", "general", "tcp_max_connections_per_ip", "4")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
t.ok(pbx.start(), "daemon starts with [limits]", pbx.log_text())
out = show_limits(pbx)
t.ok("rate: 40/s per source, burst 80, limited for 5 s, answer silence" in out
     and re.search(r"dialogs\s+100\s+10000\s+0", out), "sip show limits shows the configuration",
     out)

# -- unknown users are answered like known ones --------------------------
probe = phone(pbx, "9999", "127.0.0.3")


def shape(r):
    """What a response tells: code, reason and header names (not values)."""
    return (r[0], r[1], tuple(sorted(n.lower() for n, _ in r[2]))) if r else None


shapes, times = {}, {"1001": [], "4711": []}
for round_ in range(6):
    for target in ("1001", "4711"):
        start = time.perf_counter()
        r, call_id, _ = probe.invite(target)
        times[target].append(time.perf_counter() - start)
        shapes.setdefault(target, set()).add(shape(r))
        if r and r[0] >= 300:
            probe.ack(target, call_id, 1, r)
t.ok(len(shapes["1001"]) == 1 and shapes["1001"] == shapes["4711"]
     and next(iter(shapes["1001"]))[0] == 407,
     "unauthenticated INVITE: a known and an unknown user get the same 407 and headers",
     shapes)
m_known, m_unknown = statistics.median(times["1001"]), statistics.median(times["4711"])
t.ok(abs(m_known - m_unknown) < 0.005,
     f"... in the same time (median {m_known * 1e3:.2f} vs {m_unknown * 1e3:.2f} ms)")
# wrong credentials for a known user and any credentials for an unknown one
probe.user = "1001"
r1, cid, _ = probe.invite("1002", "wrong")
probe.user = "4711"
r2, _, _ = probe.invite("1002", "wrong")
t.ok(r1 and r2 and shape(r1) == shape(r2) and r1[0] == 407,
     "bad password of a known user and an unknown user get the same answer",
     (shape(r1), shape(r2)))
probe.close()

# -- a flood from 127.0.0.2 while a phone registers and calls -------------
JUNK = [b"\x00\x01garbage" * 20, b"INVITE sip:x SIP/2.0\r\n\r\n",
        b"OPTIONS sip:1001@127.0.0.1 SIP/2.0\r\nVia: broken\r\n\r\n",
        b"REGISTER sip:127.0.0.1 SIP/9.9\r\nContent-Length: 99999\r\n\r\n"]


def valid(kind, n, port):
    return (f"{kind} sip:{1000 + n % 20}@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ATTACKER}:5999;branch=z9hG4bKf{n};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{1000 + n % 20}@127.0.0.1>;tag=f{n}\r\n"
            f"To: <sip:{1000 + n % 20}@127.0.0.1>\r\nCall-ID: flood{n}\r\n"
            f"CSeq: 1 {kind}\r\nContact: <sip:x@{ATTACKER}:5999>\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


stop = threading.Event()
sent = [0]


def flood(seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ATTACKER, 5999))
    s.setblocking(False)
    dest = ("127.0.0.1", pbx.sip_port)
    n, end = 0, time.time() + seconds
    while time.time() < end and not stop.is_set():
        n += 1
        pkt = JUNK[n % 4] if n % 3 == 0 else valid(("OPTIONS", "REGISTER", "INVITE")[n % 3],
                                                   n, pbx.sip_port)
        try:
            s.sendto(pkt, dest)
        except BlockingIOError:
            time.sleep(0.0005)
        try:
            while s.recv(65535):
                pass
        except BlockingIOError:
            pass
    sent[0] = n
    s.close()


FLOOD_S = 12
th = threading.Thread(target=flood, args=(FLOOD_S,))
th.start()
legit = phone(pbx, "1001")
regs = calls = reg_ok = call_ok = 0
end = time.time() + FLOOD_S - 1
while time.time() < end:
    regs += 1
    r = legit.register_auth("1001", "pw1001", expires=60, cseq=legit.cseq + 1)
    reg_ok += bool(r and r[0] == 200)
    calls += 1
    call_ok += legit.call("800", "pw1001")
stop.set()
th.join(30)
rate = sent[0] / FLOOD_S
frac = (reg_ok + call_ok) / max(1, regs + calls)
t.diag(f"flood: {sent[0]} packets ({rate:.0f}/s) from {ATTACKER}; legitimate phone: "
       f"{reg_ok}/{regs} registrations, {call_ok}/{calls} calls succeeded ({frac:.1%})")
t.ok(sent[0] > 2000, f"the flood sent {sent[0]} packets")
t.diag(f"the phone retransmitted {getattr(legit, 'retransmissions', 0)} times")
t.ok(regs >= 5 and calls >= 5 and frac >= 0.9,
     f"the phone kept registering and calling: {frac:.1%} of its requests succeeded")
out = show_limits(pbx)
t.ok(re.search(r"127\.0\.0\.2\s+\d+\s+\d+\s+[1-9]", out),
     "the flooding source is listed with its trips", out)
t.diag(out)
t.ok(re.search(r"rate \(msg/s\)\s+40\s+-\s+-\s+[1-9]", out), "rate trips are counted", out)
t.ok("limit rate tripped by 127.0.0.2" in pbx.log_text(), "the trip is logged (and published)")
t.ok(len(re.findall("limit rate tripped by 127.0.0.2", pbx.log_text())) <= 3,
     "... once per source every 10 s, not per packet")


def tripped_events(limit, source):
    """Lines of `event show recent` for sip/limit-tripped of limit by source."""
    out = pbx.rx("event show recent 500 like sip/limit-tripped")[1]
    return [l for l in out.splitlines()
            if "sip/limit-tripped" in l and re.search(rf"\blimit=\"?{limit}\b", l)
            and re.search(rf"\bsource=\"?{re.escape(source)}\b", l)]


ev = tripped_events("rate", ATTACKER)
t.ok(1 <= len(ev) <= 3 and re.search(r"\bcount=\"?[1-9]", ev[0]),
     "the event sip/limit-tripped (limit=rate, source, count) is on the bus, not per packet",
     pbx.rx("event show recent 20")[1])
rc, out = pbx.rx("sip unlimit 127.0.0.2")
t.ok(rc == 0 and "Lifted" in out, "sip unlimit lifts the limit", out)

# -- dialogs per source ---------------------------------------------------
pbx.conf("sip.conf", "limits", "max_dialogs_per_source", "2")
rc, out = pbx.rx("module reload res_sip")
t.ok(rc == 0 and "dialogs                           2" in show_limits(pbx),
     "module reload res_sip applies [limits]", out)
a = phone(pbx, "1002", "127.0.0.7")     # a source with no call left from the flood
results = []
held = []
for i in range(3):
    r, call_id, cseq = a.invite("800", "pw1002")
    results.append(r[0] if r else None)
    if r and r[0] == 200:
        held.append((call_id, cseq, a.ack("800", call_id, cseq, r)))
t.ok(results[:2] == [200, 200] and results[2] == 503,
     "max_dialogs_per_source = 2: the third concurrent call gets 503", results)
t.ok(tripped_events("dialogs", "127.0.0.7"),
     "... and sip/limit-tripped limit=dialogs source=127.0.0.7 is published",
     pbx.rx("event show recent 20")[1])
t.ok(re.search(r"127\.0\.0\.7\s+\d+\s+\d+\s+[1-9]", show_limits(pbx)),
     "... and sip show limits lists 127.0.0.7 with its trip", show_limits(pbx))
r503 = None
for call_id, cseq, tag in held:
    a.request("BYE", "800", cseq + 1, call_id, to_tag=tag)
    a.recv(2)
wait_for(lambda: re.search(r"dialogs\s+2\s+10000\s+0\s", show_limits(pbx)), 10)
r, call_id, cseq = a.invite("800", "pw1002")
t.ok(r and r[0] == 200, "after hanging up, a call goes through again", r and r[:2])
if r and r[0] == 200:
    tag = a.ack("800", call_id, cseq, r)
    a.request("BYE", "800", cseq + 1, call_id, to_tag=tag)
    a.recv(2)
a.close()

# -- connections per source -----------------------------------------------
conns = []
for i in range(6):
    s = socket.socket()
    s.bind(("127.0.0.6", 0))
    s.settimeout(2)
    s.connect(("127.0.0.1", pbx.sip_port))
    conns.append(s)
closed = 0
for s in conns:
    try:
        s.sendall(b"\r\n\r\n")
        closed += s.recv(10) == b""
    except (ConnectionResetError, BrokenPipeError):
        closed += 1
    except socket.timeout:
        pass
t.ok(closed == 2, f"tcp_max_connections_per_ip = 4: 2 of 6 connections closed ({closed})")
out = show_limits(pbx)
t.ok(re.search(r"connections\s+4\s+4096\s+\d+\s+2\b", out), "connection trips are counted",
     out)
for s in conns:
    s.close()

# -- sipvicious (last: 0.3.3 sends from 127.0.0.1 whatever -b says) -----
REAL = set(range(1001, 1011))
def sv(*cmd, timeout=120):
    p = subprocess.run([*cmd], capture_output=True, text=True, timeout=timeout)
    return p.stdout + p.stderr


out = sv("svmap", "-b", "127.0.0.4", "-p", str(pbx.sip_port), "127.0.0.1")
t.ok("Carillon" in out and not re.search(r"Carillon[ /]\d", out),
     "svmap finds a SIP server but no version", out[-600:])
for method in ("REGISTER", "INVITE", "OPTIONS"):
    out = sv("svwar", "-b", "127.0.0.4", "--force", "-m", method, "-e1000-1015", "-t", "0.02",
             "-p", str(pbx.sip_port), "127.0.0.1")
    found = set(int(x) for x in re.findall(r"^\|\s*(\d+)\s*\|", out, re.M))
    t.ok(not (found & REAL) or found >= set(range(1000, 1016)),
         f"svwar -m {method} cannot tell the real extensions 1001-1010 from others",
         (sorted(found), out[-800:]))
words = "\n".join([f"guess{i}" for i in range(300)] + ["pw1010"]) + "\n"
with open(pbx.run_dir + "/words.txt", "w") as f:
    f.write(words)
out = sv("svcrack", "-b", "127.0.0.5", "-u1010", "-d", pbx.run_dir + "/words.txt",
         "-t", "0.001", "-p", str(pbx.sip_port), "127.0.0.1")
t.ok("pw1010" not in out, "svcrack does not find the password", out[-800:])
out = show_limits(pbx) + pbx.rx("sip show blocked")[1]
t.ok(re.search(r"127\.0\.0\.1\s+\d+\s+\d+\s+[1-9]", out),
     "the scanners' source tripped the rate limit", out)


rc, _ = pbx.rx("core show version")
t.ok(rc == 0 and pbx.running(), "the daemon is still running")
t.ok(pbx.stop() == 0, "clean exit", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
