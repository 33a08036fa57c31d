#!/usr/bin/env python3
"""Reliable provisional responses (RFC 3262, 100rel/PRACK) through
Carillon: a raw caller 1001 with Require: 100rel calls a raw callee 1003
(registered) that sends a reliable 180 (Require: 100rel, RSeq) before its
200.  Carillon PRACKs the callee's 180 once (not its retransmission); the
caller gets its 180 with Require: 100rel and RSeq, retransmitted until
its PRACK; a PRACK with a wrong RAck gets 481, the right one 200; the call
then proceeds to 200/ACK/BYE.  OPTIONS lists 100rel in Supported."""
import os
import re
import select
import time

from carillon import Carillon, Tap
from sipclient import SipClient, header_values, parse_response

t = Tap()
pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "36000")
pbx.conf("rtp.conf", "general", "port_end", "36999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("sip.conf", "general", "t1", "100")     # 64*T1 = 6.4 s without PRACK
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 39000 RTP/AVP 0 8\r\n")


def head_of(text):
    return text.split("\r\n\r\n", 1)[0].split("\r\n")


def hdr(text, name):
    for l in head_of(text)[1:]:
        n, _, v = l.partition(":")
        if n.strip().lower() == name.lower():
            return v.strip()
    return None


caller = SipClient(pbx.sip_port)
callee = SipClient(pbx.sip_port)
try:
    # ---- Supported lists 100rel; Require: 100rel is accepted ------------------------
    c = SipClient(pbx.sip_port)
    c.send_raw(f"OPTIONS sip:127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {c.host}:{c.port};branch=z9hG4bK{os.urandom(6).hex()};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
               f"Call-ID: {os.urandom(6).hex()}@pr\r\nCSeq: 1 OPTIONS\r\n"
               f"Require: 100rel\r\nContent-Length: 0\r\n\r\n")
    r = c.recv(3.0)
    t.ok(r is not None and r[0] == 200
         and "100rel" in ",".join(header_values(r[2], "Supported")).replace(" ", "").split(","),
         "Require: 100rel is accepted and Supported lists 100rel", r and r[3])
    c.close()

    r = callee.register_auth("1003", "pw1003", expires=600)
    t.ok(r is not None and r[0] == 200, "1003 registers", r and r[3])

    call_id = f"{os.urandom(6).hex()}@pr"
    cseq = 0
    to_tag = ""
    ruri = f"sip:1003@127.0.0.1:{pbx.sip_port}"

    def creq(method, num, extra="", body="", branch=None):
        to = "<sip:1003@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        caller.send_raw(
            f"{method} {ruri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {caller.host}:{caller.port};branch="
            f"{branch or 'z9hG4bK' + os.urandom(6).hex()};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag={caller.tag}\r\nTo: {to}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {num} {method}\r\n"
            f"Contact: <sip:1001@{caller.host}:{caller.port}>\r\n{extra}{ct}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")

    # the callee's side: a reliable 180, 200 to PRACK, 200 to the INVITE
    ctag = os.urandom(4).hex()
    callee_got = []
    callee_invite = None
    callee_rseq = 4711
    callee_answered = False
    callee_first = (180, "Ringing", "")
    caller_msgs = []            # (time, text) of everything the caller got

    def callee_resp(req, code, reason, extra="", body=""):
        keep = []
        for l in head_of(req)[1:]:
            if re.match(r"(?i)(via|from|call-id|cseq):", l):
                keep.append(l)
            elif re.match(r"(?i)to:", l):
                keep.append(l if "tag=" in l else l + f";tag={ctag}")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        callee.send_raw(f"SIP/2.0 {code} {reason}\r\n" + "\r\n".join(keep) + "\r\n" + extra
                        + f"Contact: <sip:1003@{callee.host}:{callee.port}>\r\n{ct}"
                        + f"Content-Length: {len(body)}\r\n\r\n{body}")

    def pump(seconds):
        global callee_invite
        deadline = time.time() + seconds
        while time.time() < deadline:
            rd, _, _ = select.select([caller.sock, callee.sock], [], [],
                                     max(0.0, deadline - time.time()))
            for s in rd:
                data, _ = s.recvfrom(65535)
                text = data.decode("utf-8", "replace")
                if s is caller.sock:
                    caller_msgs.append((time.time(), text))
                    continue
                if text.startswith("SIP/2.0"):
                    continue
                method = text.split(" ", 1)[0]
                callee_got.append((method, time.time(), text))
                if method == "INVITE" and callee_invite is None:
                    callee_invite = text
                    code, reason, body = callee_first
                    callee_resp(text, code, reason,
                                f"Require: 100rel\r\nRSeq: {callee_rseq}\r\n", body)
                elif method in ("PRACK", "BYE"):
                    callee_resp(text, 200, "OK")
                elif method == "CANCEL":
                    callee_resp(text, 200, "OK")
                    callee_resp(callee_invite, 487, "Request Terminated")

    def caller_responses(code=None):
        out = []
        for _, text in caller_msgs:
            r = parse_response(text.encode())
            if r and (code is None or r[0] == code):
                out.append(r)
        return out

    # INVITE, 407, ACK, INVITE with credentials
    cseq += 1
    creq("INVITE", cseq, "Require: 100rel\r\n", SDP)
    pump(1.0)
    r407 = caller_responses(407)
    auth = ""
    if r407:
        via = header_values(r407[0][2], "Via")[0]
        br = re.search(r"branch=([^;\s]+)", via).group(1)
        tag407 = re.search(r"tag=([^;>\s]+)", header_values(r407[0][2], "To")[0]).group(1)
        to_tag = tag407
        creq("ACK", cseq, branch=br)
        to_tag = ""
        auth = caller.authorization(header_values(r407[0][2], "Proxy-Authenticate")[0],
                                    "1001", "pw1001", "INVITE", ruri,
                                    header="Proxy-Authorization")
    caller_msgs.clear()
    cseq += 1
    invite_cseq = cseq
    creq("INVITE", cseq, "Require: 100rel\r\n" + auth, SDP)
    pump(1.0)
    # the callee's 180 again (a retransmission): Carillon must not PRACK twice
    if callee_invite:
        callee_resp(callee_invite, 180, "Ringing",
                    f"Require: 100rel\r\nRSeq: {callee_rseq}\r\n")
    pump(1.5)

    pracks = [x[2] for x in callee_got if x[0] == "PRACK"]
    t.ok(callee_invite is not None and re.search(r"(?im)^Supported:.*100rel", callee_invite),
         "the outbound INVITE has Supported: 100rel", callee_invite)
    t.ok(len(pracks) == 1 and re.search(rf"(?im)^RAck:\s*{callee_rseq}\s+\d+\s+INVITE", pracks[0])
         and f"tag={ctag}" in (hdr(pracks[0], "To") or ""),
         "Carillon PRACKs the callee's reliable 180 once (RAck, early dialog)",
         (len(pracks), pracks[:1], [m for m, _, _ in callee_got]))

    rel = [r for r in caller_responses() if 100 < r[0] < 200
           and "100rel" in ",".join(header_values(r[2], "Require"))]
    rseqs = [header_values(r[2], "RSeq") for r in rel]
    t.ok(len(rel) >= 2 and rseqs[0] and 1 <= int(rseqs[0][0]) < 2 ** 31
         and all(x == rseqs[0] for x in rseqs),
         "the caller's 18x has Require: 100rel and RSeq, retransmitted until the PRACK",
         ([r[:2] for r in caller_responses()], rseqs))

    if rel:
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(rel[0][2], "To")[0]).group(1)
        rseq = int(rseqs[0][0])
        code = rel[0][0]
        # a PRACK with a wrong RAck: 481
        caller_msgs.clear()
        cseq += 1
        creq("PRACK", cseq, f"RAck: {rseq + 1} {invite_cseq} INVITE\r\n")
        pump(0.4)
        r = [x for x in caller_responses() if "PRACK" in (header_values(x[2], "CSeq") or [""])[0]]
        t.ok(r and r[0][0] == 481, "a PRACK with a wrong RAck gets 481", [x[:2] for x in r])
        # the right one: 200, and the retransmissions stop
        caller_msgs.clear()
        cseq += 1
        creq("PRACK", cseq, f"RAck: {rseq} {invite_cseq} INVITE\r\n")
        pump(0.4)
        r = [x for x in caller_responses() if "PRACK" in (header_values(x[2], "CSeq") or [""])[0]]
        t.ok(r and r[0][0] == 200, "the matching PRACK gets 200", [x[:2] for x in r])
        caller_msgs.clear()
        pump(1.5)
        again = [x for x in caller_responses() if x[0] == code]
        t.ok(not again, "no retransmission of the 18x after its PRACK", [x[:2] for x in again])
    else:
        for _ in range(3):
            t.ok(False, "skipped: no reliable 18x")

    # the callee answers: the caller gets 200, ACKs, BYE
    caller_msgs.clear()
    if callee_invite:
        callee_resp(callee_invite, 200, "OK", "", SDP)
    pump(2.0)
    ok = [x for x in caller_responses(200) if "INVITE" in header_values(x[2], "CSeq")[0]]
    t.ok(bool(ok), "the call is answered: 200 to the caller's INVITE",
         [x[:2] for x in caller_responses()])
    if ok:
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(ok[0][2], "To")[0]).group(1)
        creq("ACK", invite_cseq)
        pump(0.5)
        caller_msgs.clear()
        cseq += 1
        creq("BYE", cseq)
        pump(1.5)
        byeok = [x for x in caller_responses(200) if "BYE" in header_values(x[2], "CSeq")[0]]
        t.ok(bool(byeok) and any(m == "BYE" for m, _, _ in callee_got),
             "BYE: 200 to the caller, BYE to the callee", [m for m, _, _ in callee_got])
    else:
        t.ok(False, "BYE (no call)")

    # ---- no PRACK within 64*T1: 504 to the caller, the callee's leg cancelled ----------
    call_id = f"{os.urandom(6).hex()}@pr"
    to_tag = ""
    callee_invite = None
    callee_got.clear()
    caller_msgs.clear()
    cseq += 1
    invite_cseq = cseq
    creq("INVITE", cseq, "Require: 100rel\r\n" + auth.replace("", ""), SDP)
    pump(1.0)
    r407 = caller_responses(407)
    if r407:
        via = header_values(r407[0][2], "Via")[0]
        br = re.search(r"branch=([^;\s]+)", via).group(1)
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(r407[0][2], "To")[0]).group(1)
        creq("ACK", cseq, branch=br)
        to_tag = ""
        auth = caller.authorization(header_values(r407[0][2], "Proxy-Authenticate")[0],
                                    "1001", "pw1001", "INVITE", ruri,
                                    header="Proxy-Authorization")
        caller_msgs.clear()
        cseq += 1
        invite_cseq = cseq
        creq("INVITE", cseq, "Require: 100rel\r\n" + auth, SDP)
    start = time.time()
    while time.time() < start + 10 and not caller_responses(504):
        pump(0.2)
    took = time.time() - start
    r504 = caller_responses(504)
    t.ok(bool(r504) and 5.0 <= took <= 9.0,
         f"no PRACK within 64*T1: 504 to the INVITE ({took:.1f} s)",
         [x[:2] for x in caller_responses()])
    if r504:
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(r504[0][2], "To")[0]).group(1)
        via = header_values(r504[0][2], "Via")[0]
        creq("ACK", invite_cseq, branch=re.search(r"branch=([^;\s]+)", via).group(1))
    pump(1.0)
    t.ok(any(m == "CANCEL" for m, _, _ in callee_got), "the callee's leg is cancelled",
         [m for m, _, _ in callee_got])

    # ---- Supported: 100rel and a 183 with SDP: reliable, the 200 waits for the PRACK ----
    call_id = f"{os.urandom(6).hex()}@pr"
    to_tag = ""
    callee_invite = None
    callee_first = (183, "Session Progress", SDP)
    callee_got.clear()
    caller_msgs.clear()
    cseq += 1
    invite_cseq = cseq
    creq("INVITE", cseq, "Supported: 100rel\r\n", SDP)
    pump(0.5)
    r407 = caller_responses(407)
    if r407:
        via = header_values(r407[0][2], "Via")[0]
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(r407[0][2], "To")[0]).group(1)
        creq("ACK", cseq, branch=re.search(r"branch=([^;\s]+)", via).group(1))
        to_tag = ""
        auth = caller.authorization(header_values(r407[0][2], "Proxy-Authenticate")[0],
                                    "1001", "pw1001", "INVITE", ruri,
                                    header="Proxy-Authorization")
        caller_msgs.clear()
        cseq += 1
        invite_cseq = cseq
        creq("INVITE", cseq, "Supported: 100rel\r\n" + auth, SDP)
    pump(1.5)
    rel = [r for r in caller_responses(183) if "100rel" in ",".join(header_values(r[2], "Require"))
           and header_values(r[2], "RSeq") and "application/sdp" in r[3]]
    if callee_invite:
        callee_resp(callee_invite, 200, "OK", "", SDP)     # the callee answers at once
    pump(1.0)
    early = [x for x in caller_responses(200) if "INVITE" in header_values(x[2], "CSeq")[0]]
    t.ok(bool(rel) and not early,
         "Supported: 100rel: the 183 with SDP is reliable and the 200 waits for its PRACK",
         ([x[:2] for x in caller_responses()], len(rel)))
    if rel:
        to_tag = re.search(r"tag=([^;>\s]+)", header_values(rel[0][2], "To")[0]).group(1)
        cseq += 1
        creq("PRACK", cseq, f"RAck: {header_values(rel[0][2], 'RSeq')[0]} {invite_cseq} INVITE\r\n")
    pump(1.0)
    ok = [x for x in caller_responses(200) if "INVITE" in header_values(x[2], "CSeq")[0]]
    t.ok(bool(ok), "after the PRACK the 200 comes", [x[:2] for x in caller_responses()])
    if ok:
        creq("ACK", invite_cseq)
        cseq += 1
        creq("BYE", cseq)
        pump(1.0)

    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    caller.close()
    callee.close()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
