#!/usr/bin/env python3
"""SIP session timers (RFC 4028) through Carillon, with short intervals
(sip.conf min_se = 2, session_expires = 4): a raw caller 1001 calls a sipp
UAS 1002 through the sample office dialplan.  Session-Expires below
Min-SE gets 422 with Min-SE; a caller asking refresher=uac that never
refreshes gets a BYE (and so does the callee, through the bridge) within
the interval; a caller refreshing with re-INVITE keeps the call up; with
refresher=uas Carillon refreshes the caller's leg with re-INVITEs.
Outbound legs (a raw callee 1003): the INVITE asks for session_expires,
refresher=uac in the 2xx makes Carillon refresh, refresher=uas without
refreshes ends both legs, and a 422 is retried with its Min-SE."""
import os
import re
import socket
import subprocess
import time

from carillon import Carillon, TOP, Tap, free_port, wait_for
from sipclient import SipClient, header_values, parse_response

SIPP = os.path.join(TOP, "contrib", "sipp")
t = Tap()

pbx = Carillon()
pbx.conf("sip.conf", "general", "min_se", "2")
pbx.conf("sip.conf", "general", "session_expires", "4")
pbx.conf("rtp.conf", "general", "port_start", "35000")
pbx.conf("rtp.conf", "general", "port_end", "35999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

UAS_PORT = free_port()
UAS_MPORT = free_port()
PROCS = []
SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 39000 RTP/AVP 0 8\r\n")


def sipp_cmd(sf, port, mport, extra=(), service="1002", pause_ms=200):
    return ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", sf, "-m", "1", "-s", service,
            "-d", str(pause_ms), "-i", "127.0.0.1", "-p", str(port), "-mp", str(mport),
            "-timeout", "25", "-timeout_error", "-nostdin", "-trace_err", "-error_file",
            os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")] + list(extra)


def uas():
    p = subprocess.Popen(sipp_cmd(os.path.join(SIPP, "uas-answer.xml"), UAS_PORT, UAS_MPORT,
                                  extra=["-rtp_echo"]),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    time.sleep(0.3)
    return p


def finish(p, timeout=30):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-3000:]
    return p.returncode, out[-3000:]


def no_channels():
    rc, out = pbx.rx("core show channels")
    return rc == 0 and not re.search(r"SIP/\S+", out)



class Caller:
    """A raw UAC 1001 that also answers the requests Carillon sends it."""

    def __init__(self, callee="1002"):
        self.callee = callee
        self.c = SipClient(pbx.sip_port)
        self.c.call_id = f"{os.urandom(6).hex()}@st"
        self.cseq = 0
        self.to_tag = ""
        self.requests = []          # (method, time) of requests from Carillon

    def request(self, method, cseq=None, extra="", body="", branch=None):
        c = self.c
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        to = f"<sip:{self.callee}@127.0.0.1>" + (f";tag={self.to_tag}" if self.to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        c.send_raw(
            f"{method} sip:{self.callee}@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {c.host}:{c.port};branch="
            f"{branch or 'z9hG4bK' + os.urandom(6).hex()};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag={c.tag}\r\nTo: {to}\r\n"
            f"Call-ID: {c.call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:1001@{c.host}:{c.port}>\r\n{extra}{ct}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")

    def answer_request(self, text):
        """200 to a request from Carillon (with our SDP for an INVITE)."""
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        method = head[0].split(" ", 1)[0]
        keep = [l for l in head[1:] if re.match(r"(?i)(via|from|to|call-id|cseq):", l)]
        body = SDP if method == "INVITE" else ""
        ct = "Content-Type: application/sdp\r\n" if body else ""
        se = [l for l in head[1:] if re.match(r"(?i)session-expires:", l)]
        self.c.send_raw("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\n"
                        + (se[0] + "\r\n" if se else "")
                        + f"Contact: <sip:1001@{self.c.host}:{self.c.port}>\r\n{ct}"
                        + f"Content-Length: {len(body)}\r\n\r\n{body}")
        if method != "ACK":
            self.requests.append((method, time.time(), text))

    def recv(self, timeout):
        """The next response; requests from Carillon are answered on the way."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.c.sock.settimeout(left)
            try:
                data, _ = self.c.sock.recvfrom(65535)
            except socket.timeout:
                return None
            text = data.decode("utf-8", "replace")
            if text.startswith("SIP/2.0"):
                r = parse_response(data)
                if r and r[0] >= 200:
                    return r
                continue
            if text.startswith("ACK"):
                continue
            self.answer_request(text)

    def ack(self, r, cseq):
        tag = re.search(r"tag=([^;>\s]+)", header_values(r[2], "To")[0]).group(1)
        if r[0] >= 300:
            via = header_values(r[2], "Via")[0]
            branch = re.search(r"branch=([^;\s]+)", via).group(1)
            saved, self.to_tag = self.to_tag, tag
            self.request("ACK", cseq=cseq, branch=branch)
            self.to_tag = saved
        else:
            self.to_tag = tag
            self.request("ACK", cseq=cseq)

    def invite(self, extra=""):
        """INVITE, 407, ACK, INVITE with credentials; the final response (ACKed)."""
        self.request("INVITE", extra=extra, body=SDP)
        r = self.recv(3.0)
        if not r or r[0] != 407:
            return r
        self.ack(r, self.cseq)
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        auth = self.c.authorization(chal, "1001", "pw1001", "INVITE",
                                    f"sip:{self.callee}@127.0.0.1:{pbx.sip_port}",
                                    header="Proxy-Authorization")
        self.request("INVITE", extra=extra + auth, body=SDP)
        r = self.recv(8.0)
        if r:
            self.ack(r, self.cseq)
        return r

    def reinvite(self, extra=""):
        self.request("INVITE", extra=extra, body=SDP)
        r = self.recv(3.0)
        if r and r[0] == 200:
            self.ack(r, self.cseq)
        return r

    def wait_request(self, method, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(m == method for m, _, _ in self.requests):
                return True
            self.recv(min(0.2, max(0.01, deadline - time.time())))
        return any(m == method for m, _, _ in self.requests)

    def close(self):
        self.c.close()


class Callee:
    """A raw UAS registered as 1003: answers Carillon's INVITEs with
    the given Session-Expires (or 422 first), records what it got."""

    def __init__(self, se_2xx, first_422=None):
        self.c = SipClient(pbx.sip_port)
        self.se_2xx = se_2xx
        self.first_422 = first_422
        self.got = []               # (method, time, text)
        self.tag = os.urandom(4).hex()

    def register(self):
        return self.c.register_auth("1003", "pw1003", expires=600)

    def poll(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.c.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                data, _ = self.c.sock.recvfrom(65535)
            except socket.timeout:
                return
            text = data.decode("utf-8", "replace")
            if text.startswith("SIP/2.0"):
                continue
            head = text.split("\r\n\r\n", 1)[0].split("\r\n")
            method = head[0].split(" ", 1)[0]
            self.got.append((method, time.time(), text))
            if method == "ACK":
                continue
            keep = []
            for l in head[1:]:
                if re.match(r"(?i)(via|from|call-id|cseq):", l):
                    keep.append(l)
                elif re.match(r"(?i)to:", l):
                    keep.append(l if "tag=" in l else l + f";tag={self.tag}")
            if method == "INVITE" and self.first_422 and \
                    sum(1 for m, _, _ in self.got if m == "INVITE") == 1:
                self.c.send_raw("SIP/2.0 422 Session Interval Too Small\r\n" + "\r\n".join(keep)
                                + f"\r\nMin-SE: {self.first_422}\r\nContent-Length: 0\r\n\r\n")
                continue
            body = SDP if method == "INVITE" else ""
            ct = "Content-Type: application/sdp\r\n" if body else ""
            se = f"Session-Expires: {self.se_2xx}\r\nRequire: timer\r\n" \
                if self.se_2xx and method in ("INVITE", "UPDATE") else ""
            self.c.send_raw("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\n" + se
                            + f"Contact: <sip:1003@{self.c.host}:{self.c.port}>\r\n{ct}"
                            + f"Content-Length: {len(body)}\r\n\r\n{body}")

    def methods(self):
        return [m for m, _, _ in self.got]

    def close(self):
        self.c.close()


def call_1003(callee, tries=30):
    """Caller 1001 calls the raw callee 1003 (407 answered); the final response."""
    c = Caller("1003")
    c.request("INVITE", body=SDP)
    r = c.recv(3.0)
    if r and r[0] == 407:
        c.ack(r, c.cseq)
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        auth = c.c.authorization(chal, "1001", "pw1001", "INVITE",
                                 f"sip:1003@127.0.0.1:{pbx.sip_port}",
                                 header="Proxy-Authorization")
        c.request("INVITE", extra=auth, body=SDP)
        r = None
        for _ in range(tries):
            callee.poll(0.1)
            r = c.recv(0.1)
            if r:
                break
        if r:
            c.ack(r, c.cseq)
    return c, r


try:
    # ---- 1002 registers from the port its sipp UAS will listen on -------------------
    reg = subprocess.run(sipp_cmd(os.path.join(SIPP, "register.xml"), UAS_PORT, UAS_MPORT,
                                  extra=["-au", "1002", "-ap", "pw1002", "-key", "expires", "600"]),
                         capture_output=True, text=True, timeout=30, cwd=pbx.run_dir)
    t.ok(reg.returncode == 0, "1002 registers", reg.stdout[-1500:])

    # ---- (c) below Min-SE: 422 with Min-SE --------------------------------------
    c = Caller()
    r = c.invite("Supported: timer\r\nSession-Expires: 1\r\n")
    t.ok(r is not None and r[0] == 422 and header_values(r[2], "Min-SE") == ["2"],
         "Session-Expires below min_se: 422 with Min-SE: 2", r and r[3])
    c.close()

    # ---- OPTIONS lists timer in Supported; Require: timer is accepted --------------
    c = SipClient(pbx.sip_port)
    c.send_raw(f"OPTIONS sip:127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {c.host}:{c.port};branch=z9hG4bK{os.urandom(6).hex()};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
               f"Call-ID: {os.urandom(6).hex()}@st\r\nCSeq: 1 OPTIONS\r\n"
               f"Require: timer\r\nContent-Length: 0\r\n\r\n")
    r = c.recv(3.0)
    t.ok(r is not None and r[0] == 200
         and "timer" in ",".join(header_values(r[2], "Supported")).replace(" ", "").split(","),
         "Require: timer is accepted and Supported lists timer", r and r[3])
    c.close()

    # ---- (a) refresher=uac that never refreshes: BYE to both legs -------------------
    callee = uas()
    c = Caller()
    r = c.invite("Supported: timer\r\nSession-Expires: 4;refresher=uac\r\n")
    ok = r is not None and r[0] == 200
    t.ok(ok and re.match(r"4\s*;\s*refresher=uac",
                         (header_values(r[2], "Session-Expires") or [""])[0])
         and "timer" in ",".join(header_values(r[2], "Require")),
         "the 200 carries Session-Expires: 4;refresher=uac and Require: timer", r and r[3])
    start = time.time()
    got = c.wait_request("BYE", 7.0)
    took = time.time() - start
    t.ok(got and took <= 4.5, f"no refresh: Carillon sends the caller a BYE ({took:.1f} s)",
         [m for m, _, _ in c.requests])
    rc_u, out_u = finish(callee)
    t.ok(rc_u == 0, "no refresh: the callee gets a BYE through the bridge", out_u)
    t.ok(wait_for(no_channels, 5), "no refresh: no channel left", pbx.rx("core show channels")[1])
    c.close()

    # ---- (b) the caller refreshes with re-INVITE: the call stays up -----------------
    callee = uas()
    c = Caller()
    r = c.invite("Supported: timer\r\nSession-Expires: 4;refresher=uac\r\n")
    t.ok(r is not None and r[0] == 200, "refreshing caller: answered", r and r[:2])
    refreshed = True
    end = time.time() + 8.0
    while time.time() < end:
        c.recv(1.5)
        if any(m == "BYE" for m, _, _ in c.requests):
            break
        rr = c.reinvite("Supported: timer\r\nSession-Expires: 4;refresher=uac\r\n")
        refreshed = refreshed and rr is not None and rr[0] == 200 \
            and bool(header_values(rr[2], "Session-Expires"))
    t.ok(refreshed, "each refresh re-INVITE gets 200 with Session-Expires")
    t.ok(not any(m == "BYE" for m, _, _ in c.requests),
         "refreshing caller: the call outlives the 4 s interval (8 s, no BYE)",
         [m for m, _, _ in c.requests])
    c.request("BYE")
    r = c.recv(3.0)
    t.ok(r is not None and r[0] == 200, "refreshing caller: BYE from the caller: 200", r and r[:2])
    rc_u, out_u = finish(callee)
    t.ok(rc_u == 0, "refreshing caller: the callee gets the BYE", out_u)
    c.close()

    # ---- refresher=uas: Carillon refreshes the caller's leg --------------------------
    callee = uas()
    c = Caller()
    r = c.invite("Supported: timer\r\nSession-Expires: 4;refresher=uas\r\n")
    t.ok(r is not None and r[0] == 200 and re.match(
        r"4\s*;\s*refresher=uas", (header_values(r[2], "Session-Expires") or [""])[0]),
         "refresher=uas: the 200 says refresher=uas", r and r[3])
    c.wait_request("BYE", 6.0)
    methods = [m for m, _, _ in c.requests]
    invites = [x for x in c.requests if x[0] == "INVITE"]
    t.ok(len(invites) >= 2 and "BYE" not in methods,
         "refresher=uas: Carillon re-INVITEs every N/2 and keeps the call", methods)
    t.ok(invites and re.search(r"(?im)^Session-Expires:\s*4;refresher=uac", invites[0][2]),
         "refresher=uas: its re-INVITE has Session-Expires: 4;refresher=uac",
         invites and invites[0][2])
    c.request("BYE")
    r = c.recv(3.0)
    t.ok(r is not None and r[0] == 200, "refresher=uas: BYE: 200", r and r[:2])
    rc_u, out_u = finish(callee)
    t.ok(rc_u == 0, "refresher=uas: the callee gets the BYE", out_u)
    c.close()

    # ---- outbound leg: the callee's 2xx says refresher=uac, so Carillon refreshes ---
    callee = Callee("4;refresher=uac")
    r = callee.register()
    t.ok(r is not None and r[0] == 200, "1003 (raw callee) registers", r and r[:2])
    c, r = call_1003(callee)
    t.ok(r is not None and r[0] == 200, "call to the raw callee answered", r and r[:2])
    inv = [x for x in callee.got if x[0] == "INVITE"]
    t.ok(inv and re.search(r"(?im)^Supported:.*timer", inv[0][2])
         and re.search(r"(?im)^Session-Expires:\s*4\s*$", inv[0][2]),
         "the outbound INVITE has Supported: timer and Session-Expires: 4",
         inv and inv[0][2])
    end = time.time() + 6.0
    while time.time() < end:
        callee.poll(0.2)
        c.recv(0.05)
    inv = [x for x in callee.got if x[0] == "INVITE"]
    t.ok(len(inv) >= 3 and "BYE" not in callee.methods()
         and not any(m == "BYE" for m, _, _ in c.requests),
         "refresher=uac in the callee's 2xx: Carillon re-INVITEs the callee and the call stays",
         callee.methods())
    c.request("BYE")
    r = None
    for _ in range(30):
        callee.poll(0.1)
        r = c.recv(0.1)
        if r:
            break
    callee.poll(0.5)
    t.ok(r is not None and r[0] == 200 and "BYE" in callee.methods(),
         "the caller's BYE reaches the raw callee", callee.methods())
    c.close()

    # ---- outbound leg: refresher=uas and the callee never refreshes: BYE both legs ---
    callee.got, callee.se_2xx = [], "4;refresher=uas"
    c, r = call_1003(callee)
    start = time.time()
    while time.time() < start + 6.0 and "BYE" not in callee.methods():
        callee.poll(0.2)
        c.recv(0.05)
    took = time.time() - start
    c.wait_request("BYE", 2.0)
    t.ok(r is not None and r[0] == 200 and "BYE" in callee.methods() and took <= 4.5
         and any(m == "BYE" for m, _, _ in c.requests),
         f"refresher=uas, no refresh from the callee: BYE to the callee ({took:.1f} s) "
         "and to the caller", (r and r[:2], callee.methods(), [m for m, _, _ in c.requests]))
    c.close()

    # ---- outbound 422: retried once with the callee's Min-SE --------------------------
    callee.got, callee.se_2xx, callee.first_422 = [], "6;refresher=uac", 6
    c, r = call_1003(callee, 40)
    inv = [x for x in callee.got if x[0] == "INVITE"]
    t.ok(r is not None and r[0] == 200 and len(inv) >= 2
         and re.search(r"(?im)^Session-Expires:\s*6", inv[1][2])
         and re.search(r"(?im)^Min-SE:\s*6", inv[1][2]),
         "422 from the callee: Carillon retries with Session-Expires and Min-SE 6",
         (r and r[:2], [x[2] for x in inv[1:2]]))
    c.request("BYE")
    for _ in range(30):
        callee.poll(0.1)
        if c.recv(0.1):
            break
    callee.poll(0.3)
    c.close()
    callee.close()

    t.ok(wait_for(no_channels, 10), "no channel left", pbx.rx("core show channels")[1])
    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
