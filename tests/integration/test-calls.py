#!/usr/bin/env python3
"""Calls through Carillon with sipp: a sipp UAS registered as 1002 and a
sipp UAC as 1001 (digest auth on the INVITE, 407) calling it through the
sample office dialplan.  Answered calls hung up by either side with RTP
relayed through Carillon, busy (486), no answer (480 after the ring
timeout), CANCEL by the caller (487), an unknown extension (404), an
extension that is not registered (480), hold passthrough with re-INVITE
and with UPDATE (res_moh unloaded: with it, the callee hears music on
hold instead, test-moh.py), and the loop / Max-Forwards checks (482 /
483)."""
import os
import re
import shutil
import subprocess
import time

from carillon import Carillon, TOP, Tap, free_port, wait_for
from sipclient import SipClient, header_values

SIPP = os.path.join(TOP, "contrib", "sipp")
PCAP = "/usr/share/sip-tester/g711a.pcap"
t = Tap()

pbx = Carillon()
# A short ring so the no-answer case does not take 20 s.
lua = open(os.path.join(pbx.etc, "extensions.lua")).read()
lua = re.sub(r"RING_SECONDS = \d+", "RING_SECONDS = 3", lua)
# Extension "hangupNNN": the dialplan rejects the call with call:hangup(NNN).
lua = lua.replace("    on_invite = function(call)\n",
                  "    on_invite = function(call)\n"
                  "        local code = call.to:match('^hangup(%d+)$')\n"
                  "        if code then return call:hangup(tonumber(code)) end\n", 1)
assert "hangup(%d+)" in lua
pbx.write_file("extensions.lua", lua)
pbx.conf("rtp.conf", "general", "port_start", "34000")
pbx.conf("rtp.conf", "general", "port_end", "34999")
# No OPTIONS pings: the sipp UAS would take one for an unexpected message.
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

UAS_PORT = free_port()
UAC_PORT = free_port()
# sipp media ports (RTP and RTCP on mport and mport+2): free ones, not fixed
UAS_MPORT = free_port()
UAS2_MPORT = free_port()
UAC_MPORT = free_port()
os.makedirs(os.path.join(pbx.run_dir, "pcap"), exist_ok=True)
if os.path.exists(PCAP):
    shutil.copy(PCAP, os.path.join(pbx.run_dir, "pcap", "g711a.pcap"))


def scenario(name, code=None):
    """Path of a contrib scenario; uac-fail.xml with another final code."""
    path = os.path.join(SIPP, name)
    if code is None:
        return path
    text = open(path).read().replace('<recv response="486"/>', f'<recv response="{code}"/>')
    out = os.path.join(pbx.run_dir, f"uac-fail-{code}.xml")
    with open(out, "w") as f:
        f.write(text)
    return out


PROCS = []


def sipp_cmd(sf, port, mport, keys=None, service="1002", extra=(), pause_ms=1000):
    """sipp with bounded timeouts; pause_ms is -d, the length of <pause/>."""
    cmd = ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", sf, "-m", "1", "-s", service,
           "-d", str(pause_ms),
           "-i", "127.0.0.1", "-p", str(port), "-mp", str(mport), "-timeout", "25",
           "-timeout_error", "-nostdin", "-trace_err", "-error_file",
           os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")] + list(extra)
    for k, v in (keys or {}).items():
        cmd += ["-key", k, str(v)]
    return cmd


def uas(sf, pause_ms=300, port=None, mport=None):
    """The callee 1002: a background sipp UAS on UAS_PORT echoing RTP."""
    p = subprocess.Popen(sipp_cmd(sf, port or UAS_PORT, mport or UAS_MPORT, extra=["-rtp_echo"],
                                  pause_ms=pause_ms),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    return p


def uac(sf, callee="1002", pause_ms=1500, background=False, tcp=False):
    """The caller 1001 (sipp answers the 407 with MD5)."""
    cmd = sipp_cmd(sf, UAC_PORT, UAC_MPORT, service=callee, pause_ms=pause_ms,
                   extra=["-au", "1001", "-ap", "pw1001", "-key", "caller", "1001"]
                   + (["-t", "t1"] if tcp else []))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    if background:
        return p
    return finish(p)


def finish(p, timeout=40):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-3000:]
    return p.returncode, out[-3000:]


def errors(port):
    try:
        return open(os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")).read()[-2000:]
    except OSError:
        return ""



def channels():
    rc, out = pbx.rx("core show channels")
    return out


def no_channels():
    rc, out = pbx.rx("rtp show sessions")
    return "0 active RTP sessions" in out


try:
    # ---- register 1002 from the port its UAS will listen on --------------------
    reg = subprocess.run(sipp_cmd(os.path.join(SIPP, "register.xml"), UAS_PORT, UAS_MPORT,
                                  {"expires": 600}, service="1002",
                                  extra=["-au", "1002", "-ap", "pw1002"]),
                         capture_output=True, text=True, timeout=30, cwd=pbx.run_dir)
    t.ok(reg.returncode == 0, "1002 registers", reg.stdout[-1500:] + errors(UAS_PORT))

    # ---- answered, the caller hangs up; RTP through Carillon -------------------
    callee = uas(os.path.join(SIPP, "uas-answer.xml"))
    time.sleep(0.3)
    caller = uac(os.path.join(SIPP, "uac-call.xml"), pause_ms=3000, background=True)


    def relayed_rows():
        rc, out = pbx.rx("rtp show sessions")
        rows = [l.split() for l in out.splitlines() if re.match(r"^\d+\s", l)]
        # RxPkts column of sessions relaying to a peer
        moving = [r for r in rows if len(r) >= 10 and r[2] != "-" and int(r[-6]) > 0]
        return out if len(moving) >= 2 else None


    rtp_out = wait_for(relayed_rows, 8, 0.2)
    t.ok(rtp_out, "RTP is relayed between the two legs (rtp show sessions)",
         pbx.rx("rtp show sessions")[1])
    rc_c, out_c = finish(caller)
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "answered call, BYE from the caller: caller side", out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "answered call, BYE from the caller: callee gets the BYE",
         out_u + errors(UAS_PORT))
    t.ok(wait_for(no_channels, 5), "the RTP sessions are gone after the call",
         pbx.rx("rtp show sessions")[1])
    rc, out = pbx.rx("cdr show recent 5")
    t.ok(rc == 0 and re.search(r"1001\s+1002\s+\S+.*ulaw", out),
         "the CDR of the call has the negotiated codec (ulaw)", out)

    # ---- answered, the callee hangs up -------------------------------------------
    callee = uas(os.path.join(SIPP, "uas-answer-bye.xml"), 1000)
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-call-wait-bye.xml"))
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "answered call, BYE from the callee: caller gets the BYE",
         out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "answered call, BYE from the callee: callee side", out_u + errors(UAS_PORT))

    # ---- the caller over TCP, the callee over UDP ---------------------------------
    callee = uas(os.path.join(SIPP, "uas-answer.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-call.xml"), pause_ms=500, tcp=True)
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "a call from a phone on TCP", out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "a call from a phone on TCP: the UDP callee gets the BYE",
         out_u + errors(UAS_PORT))

    # ---- hold and resume on the caller's leg reach the callee -----------------
    # Passed on when no music on hold plays (res_moh plays it to the callee
    # instead: test-moh.py).
    rc, out = pbx.rx("module unload res_moh")
    t.ok(rc == 0, "without res_moh, holds are passed on", out)
    callee = uas(os.path.join(SIPP, "uas-hold.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-hold.xml"), pause_ms=500)
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "hold: the caller's re-INVITEs are answered (recvonly, then sendrecv)",
         out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "hold: the callee gets re-INVITEs with sendonly, then sendrecv",
         out_u + errors(UAS_PORT))

    # ---- hold and resume by UPDATE (RFC 3311) on the caller's leg ---------------
    callee = uas(os.path.join(SIPP, "uas-hold.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-hold-update.xml"), pause_ms=500)
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "hold by UPDATE: answered with recvonly, then sendrecv",
         out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "hold by UPDATE: the callee is put on hold and resumed",
         out_u + errors(UAS_PORT))

    # ---- busy ---------------------------------------------------------------------
    callee = uas(os.path.join(SIPP, "uas-busy.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(scenario("uac-fail.xml", 486))
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "busy: the caller gets 486", out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "busy: the callee's 486 is ACKed", out_u + errors(UAS_PORT))

    # ---- decline: the callee's 603 reaches the caller ---------------------------
    decline = os.path.join(pbx.run_dir, "uas-decline.xml")
    with open(decline, "w") as f:
        f.write(open(os.path.join(SIPP, "uas-busy.xml")).read()
                .replace("486 Busy Here", "603 Decline"))
    callee = uas(decline)
    time.sleep(0.3)
    rc_c, out_c = uac(scenario("uac-fail.xml", 603))
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "decline: the caller gets 603", out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "decline: the callee's 603 is ACKed", out_u + errors(UAS_PORT))

    # ---- other final responses of the callee reach the caller unchanged ----------
    for code, reason in ((600, "Busy Everywhere"), (503, "Service Unavailable")):
        rejecting = os.path.join(pbx.run_dir, f"uas-reject-{code}.xml")
        with open(rejecting, "w") as f:
            f.write(open(os.path.join(SIPP, "uas-busy.xml")).read()
                    .replace("486 Busy Here", f"{code} {reason}"))
        callee = uas(rejecting)
        time.sleep(0.3)
        rc_c, out_c = uac(scenario("uac-fail.xml", code))
        rc_u, out_u = finish(callee)
        t.ok(rc_c == 0, f"the callee's {code} reaches the caller as {code}",
             errors(UAC_PORT) + out_c)
        t.ok(rc_u == 0, f"the callee's {code} is ACKed", out_u + errors(UAS_PORT))

    # ---- call:hangup(code) in the dialplan: that status, unchanged ---------------
    for code in (600, 603, 404, 503):
        rc_c, out_c = uac(scenario("uac-fail.xml", code), callee=f"hangup{code}")
        t.ok(rc_c == 0, f"call:hangup({code}): the caller gets {code}",
             out_c + errors(UAC_PORT))

    # ---- no answer: the dial times out, the callee gets CANCEL --------------------
    callee = uas(os.path.join(SIPP, "uas-ring.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(scenario("uac-fail.xml", 480))
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "no answer: the caller gets 480 after the ring timeout",
         out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "no answer: the callee is CANCELled (200 + 487 + ACK)",
         out_u + errors(UAS_PORT))

    # ---- the caller CANCELs --------------------------------------------------------
    callee = uas(os.path.join(SIPP, "uas-ring.xml"))
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-cancel.xml"))
    rc_u, out_u = finish(callee)
    t.ok(rc_c == 0, "CANCEL by the caller: 200 then 487", out_c + errors(UAC_PORT))
    t.ok(rc_u == 0, "CANCEL by the caller: the callee is CANCELled", out_u + errors(UAS_PORT))

    # ---- unknown and unregistered extensions --------------------------------------
    rc_c, out_c = uac(scenario("uac-fail.xml", 404), callee="2999")
    t.ok(rc_c == 0, "unknown extension: 404", out_c + errors(UAC_PORT))
    rc_c, out_c = uac(scenario("uac-fail.xml", 480), callee="1003")
    t.ok(rc_c == 0, "extension not registered: 480", out_c + errors(UAC_PORT))

    # ---- forking: 1002 registered twice, the first 2xx wins ------------------
    UAS2_PORT = free_port()
    reg = subprocess.run(sipp_cmd(os.path.join(SIPP, "register.xml"), UAS2_PORT, UAS2_MPORT,
                                  {"expires": 600}, service="1002",
                                  extra=["-au", "1002", "-ap", "pw1002"]),
                         capture_output=True, text=True, timeout=30, cwd=pbx.run_dir)
    t.ok(reg.returncode == 0, "a second phone registers as 1002", reg.stdout[-1500:])
    answering = uas(os.path.join(SIPP, "uas-answer.xml"), 500)
    ringing = uas(os.path.join(SIPP, "uas-ring.xml"), port=UAS2_PORT, mport=UAS2_MPORT)
    time.sleep(0.3)
    rc_c, out_c = uac(os.path.join(SIPP, "uac-call.xml"), pause_ms=1000)
    rc_a, out_a = finish(answering)
    rc_r, out_r = finish(ringing)
    t.ok(rc_c == 0, "forked call: answered", out_c + errors(UAC_PORT))
    t.ok(rc_a == 0, "forked call: the phone that answered gets the BYE",
         out_a + errors(UAS_PORT))
    t.ok(rc_r == 0, "forked call: the other phone is CANCELled", out_r + errors(UAS2_PORT))

    # ---- loops and Max-Forwards (raw client) ----------------------------------------
    def invite(c, via_extra="", max_forwards=70):
        c.cseq += 1
        branch = f"z9hG4bK{os.urandom(6).hex()}"
        c.send_raw(
            f"INVITE sip:1002@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {c.host}:{c.port};branch={branch};rport\r\n{via_extra}"
            f"Max-Forwards: {max_forwards}\r\n"
            f"From: <sip:1001@127.0.0.1>;tag={c.tag}\r\nTo: <sip:1002@127.0.0.1>\r\n"
            f"Call-ID: {os.urandom(6).hex()}@test\r\nCSeq: {c.cseq} INVITE\r\n"
            f"Contact: <sip:1001@{c.host}:{c.port}>\r\nContent-Length: 0\r\n\r\n")
        r = c.recv(3.0)
        if r and r[0] >= 300:       # ACK the error so nothing retransmits
            pass
        return r


    # ---- raw client: 2xx retransmitted until the ACK, 488, 481, 500 ---------
    SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 39000 RTP/AVP {pts}\r\n")

    def raw_request(c, method, callee, branch, cseq, to_tag="", extra="", body=""):
        to = f"<sip:{callee}@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        c.send_raw(
            f"{method} sip:{callee}@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {c.host}:{c.port};branch={branch};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag={c.tag}\r\nTo: {to}\r\n"
            f"Call-ID: {c.call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:1001@{c.host}:{c.port}>\r\n{extra}{ct}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")

    def auth_invite(c, callee, body):
        """INVITE, 407, ACK, INVITE with credentials; the final response."""
        b1 = f"z9hG4bK{os.urandom(6).hex()}"
        raw_request(c, "INVITE", callee, b1, 1, body=body)
        r = c.recv(3.0)
        if not r or r[0] != 407:
            return r
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(r[2], "To")[0]).group(1)
        raw_request(c, "ACK", callee, b1, 1, to_tag=to_tag)
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        uri = f"sip:{callee}@127.0.0.1:{pbx.sip_port}"
        auth = c.authorization(chal, "1001", "pw1001", "INVITE", uri,
                               header="Proxy-Authorization")
        raw_request(c, "INVITE", callee, f"z9hG4bK{os.urandom(6).hex()}", 2, extra=auth,
                    body=body)
        return c.recv(8.0)

    c = SipClient(pbx.sip_port)
    r = auth_invite(c, "hangup600", SDP.format(pts="0 8"))
    t.ok(r is not None and r[0] == 600 and r[1] == "Busy Everywhere",
         "call:hangup(600): 600 with its default reason phrase", r and r[:2])
    c.close()

    c = SipClient(pbx.sip_port)
    r = auth_invite(c, "1002", SDP.format(pts="18"))
    t.ok(r is not None and r[0] == 488, "an offer without a common codec: 488", r and r[:2])
    warn = header_values(r[2], "Warning") if r else []
    t.ok(warn and re.match(r'30[45] \S+ ".+"', warn[0]),
         "... with a Warning (305 or 304, our host, why)", warn)
    c.close()

    callee = uas(os.path.join(SIPP, "uas-answer.xml"), 200)
    time.sleep(0.3)
    c = SipClient(pbx.sip_port)
    r = auth_invite(c, "1002", SDP.format(pts="0 8"))
    t.ok(r is not None and r[0] == 200 and "m=audio" in r[3], "raw call answered with SDP",
         r and r[3])
    again = c.recv(2.0)
    t.ok(again is not None and again[0] == 200, "the 200 is retransmitted until the ACK",
         again and again[:2])
    if r and r[0] == 200:
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(r[2], "To")[0]).group(1)
        raw_request(c, "ACK", "1002", f"z9hG4bK{os.urandom(6).hex()}", 2, to_tag=to_tag)
        time.sleep(0.3)
        while c.recv(0.2):
            pass
        t.ok(c.recv(1.5) is None, "no retransmission after the ACK")
        raw_request(c, "BYE", "1002", f"z9hG4bK{os.urandom(6).hex()}", 3, to_tag="nope")
        r2 = c.recv(3.0)
        t.ok(r2 is not None and r2[0] == 481, "BYE with an unknown To tag: 481", r2 and r2[:2])
        raw_request(c, "BYE", "1002", f"z9hG4bK{os.urandom(6).hex()}", 1, to_tag=to_tag)
        r2 = c.recv(3.0)
        t.ok(r2 is not None and r2[0] == 500, "BYE with an old CSeq: 500", r2 and r2[:2])
        raw_request(c, "BYE", "1002", f"z9hG4bK{os.urandom(6).hex()}", 4, to_tag=to_tag)
        r2 = c.recv(3.0)
        t.ok(r2 is not None and r2[0] == 200, "BYE: 200", r2 and r2[:2])
    rc_u, out_u = finish(callee)
    t.ok(rc_u == 0, "raw call: the callee gets the BYE", out_u + errors(UAS_PORT))
    c.close()

    c = SipClient(pbx.sip_port)
    r = invite(c, via_extra=f"Via: SIP/2.0/UDP 127.0.0.1:{pbx.sip_port};branch=z9hG4bKours1\r\n")
    t.ok(r is not None and r[0] == 482, "an INVITE that went through us already: 482",
         r and r[0])
    r = invite(c, max_forwards=0)
    t.ok(r is not None and r[0] == 483, "Max-Forwards 0: 483", r and r[0])
    c.close()

    t.ok(wait_for(no_channels, 10), "no RTP session left", pbx.rx("rtp show sessions")[1])
    rc, out = pbx.rx("core show channels")
    t.ok(rc == 0 and not re.search(r"SIP/\S+", out), "no channel left", out)
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
