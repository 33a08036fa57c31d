#!/usr/bin/env python3
"""Dialing sip: URIs from the dialplan, and early media.

A raw caller 1001 (digest auth) calls numbers of a test context that dial
URIs of raw callees (Python sockets on loopback, not registered):

  2001  sip:bob@127.0.0.1:P   answered; RTP both ways through Carillon;
                              BYE from the caller (the callee's Contact is
                              sip:bob@localhost with another port: the ACK
                              of the 2xx and the BYE go there), then (a
                              second call) from the callee
  2002  sip:bob@localhost:P   the same with a host name in the URI and in
                              the callee's Contact: the INVITE, the ACK of
                              the 2xx and the BYE reach it through an
                              asynchronous lookup (Carillon has IPv4
                              transports only here: the ::1 that
                              "localhost" also gives must be skipped)
  2003  sip:x@nonexistent.invalid   does not resolve: the caller gets a
                              clean failure (dial outcome unavailable, 502)
                              and the daemon keeps answering
  2004  sip:bob@127.0.0.1:P   answers 486: dial outcome busy
  2005  sip:bob@127.0.0.1:P   183 with SDP and RTP before its 200: the
                              caller gets a 183 with Carillon's media
                              address and the callee's early RTP through
                              Carillon before the 200
  2006  sip:bob@127.0.0.1:P;transport=tcp   answered; INVITE, ACK and BYE
                              over TCP

The dialplan logs "URI-DIAL <number> <outcome> <cause>" for every
non-answered dial and hangs up with the outcome's own code, so the tests
see what the dialplan saw."""
import os
import re
import select
import socket
import struct
import time

from carillon import Carillon, Tap
from sipclient import header_values, parse_response

t = Tap()
pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "37000")
pbx.conf("rtp.conf", "general", "port_end", "37999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")


def udp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


# the callees' SIP sockets (their ports go into the dialplan)
callee_socks = {n: udp_socket() for n in ("2001", "2002", "2004", "2005")}
# 2006 is dialed over TCP (;transport=tcp): its callee listens on TCP
callee_socks["2006"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
callee_socks["2006"].setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
callee_socks["2006"].bind(("127.0.0.1", 0))
callee_socks["2006"].listen(4)
port_of = {n: s.getsockname()[1] for n, s in callee_socks.items()}
TARGETS = {
    "2001": f"sip:bob@127.0.0.1:{port_of['2001']}",
    "2002": f"sip:bob@localhost:{port_of['2002']}",
    "2003": "sip:x@nonexistent.invalid",
    "2004": f"sip:bob@127.0.0.1:{port_of['2004']}",
    "2005": f"sip:bob@127.0.0.1:{port_of['2005']}",
    "2006": f"sip:bob@127.0.0.1:{port_of['2006']};transport=tcp",
}
# busy/unavailable/failed get codes of their own: the caller's final
# response tells which outcome the dialplan saw.
# (codes that survive pbx_cause_from_sip() and back)
OUTCOME_CODE = {"busy": 603, "unavailable": 404, "failed": 500, "noanswer": 408}
lua = "local targets = {\n" + "".join(f'    ["{n}"] = "{u}",\n' for n, u in TARGETS.items()) + "}\n"
lua += """local outcome_code = { busy = 603, unavailable = 404, failed = 500, noanswer = 408 }
context("office", {
    on_invite = function(call)
        local target = targets[call.to]
        if not target then return call:hangup(404) end
        local outcome, detail = call:dial(target, { timeout = 10 })
        if outcome == "answered" or outcome == "cancelled" then return end
        pbx.log("notice", string.format("URI-DIAL %s %s %s", call.to, outcome, detail.cause))
        call:hangup(outcome_code[outcome] or 503)
    end,
})
"""
pbx.write_file("extensions.lua", lua)
# IPv4 transports only: "localhost" gives ::1 and 127.0.0.1 (GLib answers
# it itself, IPv6 first), and the callees listen on 127.0.0.1 only, so
# the lookup must skip the address family no transport is bound to.
sip_conf = open(os.path.join(pbx.etc, "sip.conf")).read()
sip_conf = re.sub(r"(?ms)^\[(udp6|tcp6)\]\n.*?(?=^\[|\Z)", "", sip_conf)
pbx.write_file("sip.conf", sip_conf)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()


def head_of(text):
    return text.split("\r\n\r\n", 1)[0].split("\r\n")


def hdr(text, name):
    for line in head_of(text)[1:]:
        n, _, v = line.partition(":")
        if n.strip().lower() == name.lower():
            return v.strip()
    return None


def body_of(text):
    return text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def sdp_media(text):
    """(ip, port) of the SDP body of a message, or None."""
    b = body_of(text)
    c = re.search(r"(?m)^c=IN IP[46] (\S+)", b)
    m = re.search(r"(?m)^m=audio (\d+)", b)
    return (c.group(1), int(m.group(1))) if c and m else None


def rtp_packet(seq, ssrc, marker=b"\xff"):
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160, ssrc) + marker * 160


def tag_of(value):
    m = re.search(r"tag=([^;>\s]+)", value or "")
    return m.group(1) if m else None


class Endpoint:
    """A raw SIP UA on a UDP socket with an RTP socket, logging all it gets."""

    def __init__(self, sock=None):
        self.sock = sock or udp_socket()
        self.host, self.port = self.sock.getsockname()
        self.rtp = udp_socket()
        self.rtp_port = self.rtp.getsockname()[1]
        self.msgs = []          # (time, text) of SIP messages received
        self.rtp_in = []        # (time, packet) of RTP received
        self.tag = os.urandom(4).hex()

    def close(self):
        self.sock.close()
        self.rtp.close()

    def send(self, text):
        self.sock.sendto(text.encode(), ("127.0.0.1", pbx.sip_port))

    def requests(self, method):
        return [x for _, x in self.msgs if x.startswith(method + " ")]

    def responses(self, code=None, method=None):
        out = []
        for _, x in self.msgs:
            r = parse_response(x.encode())
            if not r or (code is not None and r[0] != code):
                continue
            if method and not (hdr(x, "CSeq") or "").endswith(method):
                continue
            out.append(x)
        return out

    def respond(self, req, code, reason, extra="", body="", to_tag=True):
        keep = []
        for line in head_of(req)[1:]:
            if re.match(r"(?i)(via|from|call-id|cseq):", line):
                keep.append(line)
            elif re.match(r"(?i)to:", line):
                keep.append(line if "tag=" in line or not to_tag else line + f";tag={self.tag}")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        self.send(f"SIP/2.0 {code} {reason}\r\n" + "\r\n".join(keep) + "\r\n" + extra
                  + ct + f"Content-Length: {len(body)}\r\n\r\n{body}")


class Callee(Endpoint):
    """Answers INVITEs as told by `mode`: "answer", "busy" or "early"."""

    def __init__(self, number, mode="answer", contact_host="127.0.0.1", alt=False):
        super().__init__(callee_socks[number])
        self.mode = mode
        # alt: the Contact names a second socket, not the one dialed
        self.alt = udp_socket() if alt else None
        self.alt_got = []       # requests that arrived there
        self.contact_port = self.alt.getsockname()[1] if alt else self.port
        self.contact = f"<sip:bob@{contact_host}:{self.contact_port}>"
        self.invite = None
        self.early_at = None    # when the 183 was sent
        self.answer_at = None   # when to send the 200 (early mode)

    def contact_hdr(self):
        return f"Contact: {self.contact}\r\n"

    def on_message(self, text):
        if text.startswith("SIP/2.0"):
            return
        method = text.split(" ", 1)[0]
        if method == "INVITE" and self.invite is None:
            self.invite = text
            if self.mode == "busy":
                self.respond(text, 486, "Busy Here")
            elif self.mode == "early":
                self.respond(text, 183, "Session Progress", self.contact_hdr(),
                             sdp(self.rtp_port))
                self.early_at = time.time()
                self.answer_at = time.time() + 1.5
            else:
                self.respond(text, 180, "Ringing", self.contact_hdr())
                self.respond(text, 200, "OK", self.contact_hdr(), sdp(self.rtp_port))
        elif method in ("BYE", "CANCEL"):
            self.respond(text, 200, "OK")

    def tick(self):
        if self.answer_at and time.time() >= self.answer_at:
            self.answer_at = None
            self.respond(self.invite, 200, "OK", self.contact_hdr(), sdp(self.rtp_port))


class TcpCallee(Callee):
    """A callee answering on TCP connections Carillon opens to it."""

    def __init__(self, number):
        super().__init__(number, "answer")
        self.contact = f"<sip:bob@127.0.0.1:{self.port};transport=tcp>"
        self.conns = []
        self.buf = {}

    def send(self, text):
        self.conns[-1].sendall(text.encode())

    def accept(self):
        c, _ = self.sock.accept()
        self.conns.append(c)
        self.buf[c] = b""

    def receive(self, c):
        """The complete messages read from connection c."""
        data = c.recv(65535)
        if not data:
            self.conns.remove(c)
            c.close()
            return []
        self.buf[c] += data
        out = []
        while b"\r\n\r\n" in self.buf[c]:
            head, rest = self.buf[c].split(b"\r\n\r\n", 1)
            m = re.search(rb"(?im)^(?:Content-Length|l)\s*:\s*(\d+)", head)
            n = int(m.group(1)) if m else 0
            if len(rest) < n:
                break
            out.append((head + b"\r\n\r\n" + rest[:n]).decode("utf-8", "replace"))
            self.buf[c] = rest[n:]
        return out

    def close(self):
        for c in self.conns:
            c.close()
        self.rtp.close()


def pump(eps, seconds, until=None, tick=None):
    """Reads every socket of eps for up to `seconds` (less when until())."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if until and until():
            return True
        socks = {}
        for e in eps:
            socks[e.sock] = (e, "accept" if isinstance(e, TcpCallee) else "sip")
            socks[e.rtp] = (e, "rtp")
            if getattr(e, "alt", None):
                socks[e.alt] = (e, "alt")
            for c in getattr(e, "conns", []):
                socks[c] = (e, "tcp")
        rd, _, _ = select.select(list(socks), [], [], 0.05)
        for s in rd:
            e, kind = socks[s]
            if kind == "accept":
                e.accept()
                continue
            if kind == "tcp":
                texts = e.receive(s)
            else:
                data, _ = s.recvfrom(65535)
                if kind == "rtp":
                    e.rtp_in.append((time.time(), data))
                    continue
                texts = [data.decode("utf-8", "replace")]
                if kind == "alt":
                    e.alt_got += texts
            for text in texts:
                e.msgs.append((time.time(), text))
                if isinstance(e, Callee):
                    e.on_message(text)
        for e in eps:
            if isinstance(e, Callee):
                e.tick()
        if tick:
            tick()
    return bool(until and until())


class Caller(Endpoint):
    """1001 calling a number through Carillon (407 answered)."""

    def __init__(self, number):
        super().__init__()
        self.number = number
        self.ruri = f"sip:{number}@127.0.0.1:{pbx.sip_port}"
        self.call_id = f"{os.urandom(6).hex()}@uri"
        self.cseq = 0
        self.to_tag = None
        self.auth = ""

    def request(self, method, cseq=None, extra="", body="", branch=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        to = f"<sip:{self.number}@127.0.0.1>" + (f";tag={self.to_tag}" if self.to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        self.send(f"{method} {self.ruri} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch="
                  f"{branch or 'z9hG4bK' + os.urandom(6).hex()};rport\r\n"
                  f"Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag={self.tag}\r\nTo: {to}\r\n"
                  f"Call-ID: {self.call_id}\r\nCSeq: {cseq} {method}\r\n"
                  f"Contact: <sip:1001@127.0.0.1:{self.port}>\r\n{extra}{ct}"
                  f"Content-Length: {len(body)}\r\n\r\n{body}")
        return cseq

    def invite(self, eps=()):
        """INVITE, 407, ACK, INVITE with credentials; returns its CSeq."""
        cseq = self.request("INVITE", body=sdp(self.rtp_port))
        pump([self] + list(eps), 3.0, until=lambda: self.responses(407))
        r407 = self.responses(407)
        if not r407:
            return cseq
        text = r407[0]
        br = re.search(r"branch=([^;\s]+)", hdr(text, "Via")).group(1)
        self.to_tag = tag_of(hdr(text, "To"))
        self.request("ACK", cseq, branch=br)
        self.to_tag = None
        r = parse_response(text.encode())
        from sipclient import SipClient
        helper = SipClient.__new__(SipClient)
        helper.nc = 0
        self.auth = helper.authorization(header_values(r[2], "Proxy-Authenticate")[0], "1001",
                                         "pw1001", "INVITE", self.ruri,
                                         header="Proxy-Authorization")
        self.msgs.clear()
        return self.request("INVITE", extra=self.auth, body=sdp(self.rtp_port))

    def final(self):
        for x in self.responses(method="INVITE"):
            code = parse_response(x.encode())[0]
            if code >= 200:
                return code, x
        return None, None


def rtp_until(eps, frm, to_addr, ssrc, until, seconds=3.0):
    """frm sends a packet to to_addr each pump round (the relay is linked by
    the RTP workers a moment after the answer) until until() or seconds."""
    seq = [0]

    def one():
        seq[0] += 1
        frm.rtp.sendto(rtp_packet(seq[0], ssrc), to_addr)
    one()
    return pump(eps, seconds, until=until, tick=one)


def daemon_answers_options():
    s = udp_socket()
    s.settimeout(3.0)
    s.sendto((f"OPTIONS sip:127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP 127.0.0.1:{s.getsockname()[1]};branch=z9hG4bK{os.urandom(6).hex()}"
              f";rport\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\n"
              f"To: <sip:127.0.0.1>\r\nCall-ID: {os.urandom(6).hex()}@opt\r\n"
              f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", pbx.sip_port))
    try:
        data, _ = s.recvfrom(65535)
        r = parse_response(data)
        return r is not None and r[0] == 200
    except socket.timeout:
        return False
    finally:
        s.close()


def answered_call(number, uri, contact_host, bye_from, tcp=False, alt=False):
    """One answered call to number (dialing uri); bye_from "caller"/"callee";
    alt: the callee's Contact has another port than the URI."""
    what = f"{uri} (BYE from the {bye_from})"
    callee = (TcpCallee(number) if tcp
              else Callee(number, "answer", contact_host, alt=alt))
    caller = Caller(number)
    eps = [caller, callee]
    try:
        inv_cseq = caller.invite([callee])
        pump(eps, 8.0, until=lambda: caller.final()[0] is not None and callee.requests("ACK"))
        code, ok = caller.final()
        t.ok(callee.invite is not None and callee.invite.startswith(f"INVITE {uri} SIP/2.0"),
             f"{uri}: the callee gets the INVITE with the URI as Request-URI",
             callee.invite and head_of(callee.invite)[0])
        t.ok(code == 200 and sdp_media(ok) is not None, f"{uri}: the caller gets 200 with SDP",
             (code, caller.msgs[-3:]))
        acks = callee.requests("ACK")
        t.ok(len(acks) >= 1
             and acks[0].startswith(f"ACK sip:bob@{contact_host}:{callee.contact_port}")
             and (not alt or acks[0] in callee.alt_got),
             f"{uri}: the 2xx is ACKed at its Contact {callee.contact}",
             [head_of(x)[0] for x in acks] or callee.msgs)
        if code != 200 or not callee.invite:
            return
        caller.to_tag = tag_of(hdr(ok, "To"))
        caller.request("ACK", inv_cseq)
        # audio: caller -> Carillon -> callee and back
        rtp_until(eps, caller, sdp_media(ok), 0x1111, lambda: callee.rtp_in)
        rtp_until(eps, callee, sdp_media(callee.invite), 0x2222, lambda: caller.rtp_in)
        t.ok(callee.rtp_in and callee.rtp_in[0][1][8:12] == struct.pack("!I", 0x1111),
             f"{uri}: the caller's RTP reaches the callee through Carillon",
             len(callee.rtp_in))
        t.ok(caller.rtp_in and caller.rtp_in[0][1][8:12] == struct.pack("!I", 0x2222),
             f"{uri}: the callee's RTP reaches the caller through Carillon",
             len(caller.rtp_in))
        t.ok(sdp_media(ok)[1] != callee.rtp_port and sdp_media(callee.invite)[1] != caller.rtp_port,
             f"{uri}: media is anchored (each side sees Carillon's ports)",
             (sdp_media(ok), sdp_media(callee.invite)))
        if bye_from == "caller":
            caller.request("BYE")
            pump(eps, 5.0, until=lambda: caller.responses(200, "BYE") and callee.requests("BYE"))
            byes = callee.requests("BYE")
            t.ok(caller.responses(200, "BYE"), f"{what}: the caller's BYE gets 200",
                 caller.msgs[-2:])
            t.ok(byes and byes[0].startswith(f"BYE sip:bob@{contact_host}:{callee.contact_port}")
                 and (not alt or byes[0] in callee.alt_got),
                 f"{what}: Carillon sends BYE to the callee's Contact",
                 [head_of(x)[0] for x in byes])
        else:
            invite = callee.invite
            callee.send(f"BYE sip:carillon@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
                        f"Via: SIP/2.0/UDP 127.0.0.1:{callee.port};branch=z9hG4bK"
                        f"{os.urandom(6).hex()};rport\r\nMax-Forwards: 70\r\n"
                        f"From: {hdr(invite, 'To')};tag={callee.tag}\r\n"
                        f"To: {hdr(invite, 'From')}\r\nCall-ID: {hdr(invite, 'Call-ID')}\r\n"
                        f"CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")
            got_bye = lambda: caller.requests("BYE")
            pump(eps, 5.0, until=lambda: callee.responses(200, "BYE") and got_bye())
            if got_bye():
                caller.respond(got_bye()[0], 200, "OK", to_tag=False)
            t.ok(callee.responses(200, "BYE"), f"{what}: the callee's BYE gets 200",
                 callee.msgs[-2:])
            t.ok(got_bye(), f"{what}: Carillon sends BYE to the caller", caller.msgs[-2:])
        pump(eps, 0.3)
        if tcp:
            t.ok(re.match(r"(?i)SIP/2\.0/TCP ", hdr(callee.invite, "Via") or "")
                 and all(re.match(r"(?i)SIP/2\.0/TCP ", hdr(x, "Via") or "")
                         for x in callee.requests("ACK") + callee.requests("BYE")),
                 f"{uri}: INVITE, ACK and BYE came over TCP",
                 [hdr(x, "Via") for _, x in callee.msgs])
    finally:
        caller.close()
        if tcp:
            callee.close()
        elif alt:
            callee.alt.close()


try:
    # ---- answered, IP literal and host name, BYE either way ------------------------
    # (number, the callee's Contact host, who hangs up): an IP literal
    # URI whose 2xx has a host name Contact makes Carillon look the ACK's
    # target up; with "localhost" in the URI too, the INVITE's lookup is
    # reused.
    # alt: the Contact's port is not the URI's, so the ACK and the BYE must
    # follow the Contact, not the address the INVITE went to.
    for number, contact, by, alt in (("2001", "localhost", "caller", True),
                                     ("2001", "127.0.0.1", "callee", False),
                                     ("2002", "localhost", "caller", False),
                                     ("2002", "localhost", "callee", True)):
        answered_call(number, TARGETS[number], contact, by, alt=alt)
    answered_call("2006", TARGETS["2006"], "127.0.0.1", "caller", tcp=True)

    rc, out = pbx.rx("core show channels")
    t.ok(rc == 0 and not re.search(r"(?i)SIP/", out),
         "no channel left after the answered calls", out)

    # ---- a host that does not resolve ------------------------------------------------
    caller = Caller("2003")
    caller.invite()
    pump([caller], 10.0, until=lambda: caller.final()[0] is not None)
    code, _ = caller.final()
    t.ok(code == OUTCOME_CODE["unavailable"],
         "an unresolvable URI host: the caller gets a final response "
         "(dial outcome unavailable)", (code, caller.msgs[-2:]))
    t.ok(re.search(r"URI-DIAL 2003 unavailable DESTINATION_OUT_OF_ORDER", pbx.log_text()),
         "... the leg ended with DESTINATION_OUT_OF_ORDER (502)",
         [l for l in pbx.log_text().splitlines() if "2003" in l or "resolve" in l][-5:])
    caller.close()
    t.ok(pbx.running() and daemon_answers_options(),
         "the daemon is alive and answers OPTIONS after the failed lookup")

    # ---- 486 from a URI target: busy --------------------------------------------------
    callee = Callee("2004", "busy")
    caller = Caller("2004")
    caller.invite([callee])
    pump([caller, callee], 8.0, until=lambda: caller.final()[0] is not None
         and callee.requests("ACK"))
    code, _ = caller.final()
    t.ok(callee.invite is not None and code == OUTCOME_CODE["busy"]
         and re.search(r"URI-DIAL 2004 busy USER_BUSY", pbx.log_text()),
         "a URI target answering 486: the dial outcome is busy", (code, caller.msgs[-2:]))
    t.ok(callee.requests("ACK"), "the 486 is ACKed", callee.msgs)
    caller.close()

    # ---- early media: 183 with SDP and RTP before the 200 --------------------------
    callee = Callee("2005", "early")
    caller = Caller("2005")
    eps = [caller, callee]
    inv_cseq = caller.invite([callee])
    pump(eps, 5.0, until=lambda: callee.early_at is not None and caller.responses(183))
    p183 = caller.responses(183)
    media = sdp_media(p183[0]) if p183 else None
    t.ok(media is not None and media[0] == "127.0.0.1" and media[1] != callee.rtp_port,
         "early media: the caller gets a 183 with SDP (Carillon's media address)",
         p183[:1] or caller.msgs)
    if callee.invite:
        # the callee's announcement, while the 200 is still to come
        def early_rtp():
            if callee.answer_at and len(callee.rtp_sent) < 20:
                callee.rtp.sendto(rtp_packet(len(callee.rtp_sent) + 1, 0x3333),
                                  sdp_media(callee.invite))
                callee.rtp_sent.append(time.time())
        callee.rtp_sent = []
        pump(eps, 8.0, until=lambda: caller.final()[0] is not None, tick=early_rtp)
    code, ok = caller.final()
    answered_at = min([ts for ts, x in caller.msgs if x.startswith("SIP/2.0 200")
                       and (hdr(x, "CSeq") or "").endswith("INVITE")] or [0])
    early = [ts for ts, pkt in caller.rtp_in
             if pkt[8:12] == struct.pack("!I", 0x3333) and answered_at and ts < answered_at]
    t.ok(code == 200 and early,
         "early media: the callee's RTP reaches the caller through Carillon before the 200",
         (code, len(caller.rtp_in), answered_at))
    if code == 200:
        caller.to_tag = tag_of(hdr(ok, "To"))
        caller.request("ACK", inv_cseq)
        caller.rtp_in.clear()
        rtp_until(eps, callee, sdp_media(callee.invite), 0x4444, lambda: caller.rtp_in)
        t.ok(caller.rtp_in, "after the 200 the callee's RTP still reaches the caller",
             len(caller.rtp_in))
        caller.request("BYE")
        pump(eps, 5.0, until=lambda: caller.responses(200, "BYE") and callee.requests("BYE"))
        t.ok(callee.requests("BYE"), "early media call: BYE reaches the callee", callee.msgs[-2:])
    caller.close()

    t.ok(pbx.running() and daemon_answers_options(), "the daemon still answers OPTIONS")
finally:
    for s in callee_socks.values():
        s.close()
    rc = pbx.stop()
    t.ok(rc == 0, "daemon exits cleanly", rc)
    pbx.cleanup()
t.done()
