#!/usr/bin/env python3
"""Call transfer through Carillon with raw SIP phones on 127.0.0.1: A
(1001) calls B (1002) through the dialplan; B sends REFER in its dialog.
Blind transfer to C (1003): 202, NOTIFY message/sipfrag 100, 180, 200
(the last terminating the subscription), C sees A as the caller, B is
released with BYE and A-C hang up cleanly.  on_refer denying (403: the
call goes on), redirecting (1099 -> 1003), C busy (NOTIFY 486, A and B
talk again), C not answering (TRANSFER_TIMEOUT), Refer-Sub: false (no
NOTIFY), REFER outside a dialog (481).  The sample office's feature
codes: `##` blind; `*2` attended with the target busy (A and B again)
and abandoned with `*` while it rings (CANCEL), the consulting leg shown
as the caller.  Afterwards no channel is left."""
import os
import re
import select
import sqlite3
import time

from carillon import Carillon, Tap
from sipclient import SipClient, header_values, parse_response

t = Tap()
pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "37000")
pbx.conf("rtp.conf", "general", "port_end", "37999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("endpoints.conf", "office-phone", "dtmf_mode", "info")     # digits we can see
pbx.write_file("extensions.lua", """
context("office", {
    on_invite = function(call)
        call.vars.TRANSFER_TIMEOUT = "2"
        call:dial(call.to, { timeout = 20 })
    end,
    on_refer = function(call, refer)
        if refer.target == "1009" then return 403 end
        if refer.target == "1099" then return "1003" end
        pbx.log("info", "refer by " .. call.name .. " of " .. refer.other.name)
        return true
    end,
})
""")
# A CDR table from before the transfer columns: the daemon adds them.
os.makedirs(os.path.join(pbx.run_dir, "var"), exist_ok=True)
with sqlite3.connect(os.path.join(pbx.run_dir, "var", "carillon.db")) as old:
    old.execute("CREATE TABLE cdr (id TEXT PRIMARY KEY, caller TEXT, callee TEXT,"
                " channel TEXT, peer TEXT, start INTEGER, answer INTEGER, end INTEGER,"
                " duration INTEGER, billsec INTEGER, disposition TEXT, cause TEXT,"
                " cause_code INTEGER, codec TEXT, rtp_packets_sent INTEGER,"
                " rtp_packets_received INTEGER, rtp_packets_lost INTEGER,"
                " rtp_jitter_ms REAL, rtp_rtt_ms REAL)")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def head(text):
    return text.split("\r\n\r\n", 1)[0].split("\r\n")


def hdr(text, name):
    for line in head(text)[1:]:
        n, _, v = line.partition(":")
        if n.strip().lower() == name.lower():
            return v.strip()
    return None


def tag_of(value):
    m = re.search(r"tag=([^;>\s]+)", value or "")
    return m.group(1) if m else None


class Phone:
    """A registered raw phone: answers, rings or is busy as told."""

    def __init__(self, user, media_port):
        self.user = user
        self.c = SipClient(pbx.sip_port)
        self.media_port = media_port
        self.mode = "answer"
        self.got = []           # (method, text) of requests
        self.responses = []     # parsed responses
        self.invite = None      # the last INVITE received
        self.dialog = None      # (call_id, local_tag, remote_tag, remote_target)
        self.cseq = 100
        r = self.c.register_auth(user, "pw" + user, expires=600)
        t.ok(r is not None and r[0] == 200, f"{user} registers", r and r[3])

    def respond(self, req, code, reason, body="", totag=None):
        keep = []
        for line in head(req)[1:]:
            if re.match(r"(?i)(via|from|call-id|cseq|record-route):", line):
                keep.append(line)
            elif re.match(r"(?i)to:", line):
                keep.append(line if "tag=" in line else line + f";tag={totag or self.c.tag}")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        self.c.send_raw(f"SIP/2.0 {code} {reason}\r\n" + "\r\n".join(keep) + "\r\n"
                        + f"Contact: <sip:{self.user}@{self.c.host}:{self.c.port}>\r\n{ct}"
                        + f"Content-Length: {len(body)}\r\n\r\n{body}")

    def on_request(self, text):
        method = text.split(" ", 1)[0]
        self.got.append((method, text))
        if method == "INVITE" and not tag_of(hdr(text, "To")):
            self.invite = text
            if self.mode == "busy":
                self.respond(text, 486, "Busy Here")
            elif self.mode == "ring":
                self.respond(text, 180, "Ringing")
            else:
                self.respond(text, 180, "Ringing")
                self.respond(text, 200, "OK", sdp(self.media_port))
                contact = re.search(r"<([^>]+)>", hdr(text, "Contact") or "")
                self.dialog = (hdr(text, "Call-ID"), self.c.tag, tag_of(hdr(text, "From")),
                               contact.group(1) if contact else None)
        elif method == "INVITE":
            self.respond(text, 200, "OK", sdp(self.media_port))
        elif method == "CANCEL":
            self.respond(text, 200, "OK")
            if self.invite:
                self.respond(self.invite, 487, "Request Terminated")
        elif method in ("BYE", "NOTIFY", "OPTIONS", "UPDATE", "INFO"):
            self.respond(text, 200, "OK")

    def send_in_dialog(self, method, extra="", body=""):
        call_id, local, remote, target = self.dialog
        self.cseq += 1
        self.c.send_raw(
            f"{method} {target} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {self.c.host}:{self.c.port};branch=z9hG4bK"
            f"{os.urandom(6).hex()};rport\r\nMax-Forwards: 70\r\n"
            f"From: <sip:{self.user}@127.0.0.1>;tag={local}\r\n"
            f"To: <sip:1001@127.0.0.1>;tag={remote}\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {self.cseq} {method}\r\n"
            f"Contact: <sip:{self.user}@{self.c.host}:{self.c.port}>\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")

    def requests(self, method):
        return [x for m, x in self.got if m == method]


phones = {}


def pump(seconds, until=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if until and until():
            return True
        socks = [p.c.sock for p in phones.values()]
        rd, _, _ = select.select(socks, [], [], min(0.1, max(0.0, deadline - time.time())))
        for s in rd:
            p = next(x for x in phones.values() if x.c.sock is s)
            text = s.recvfrom(65535)[0].decode("utf-8", "replace")
            if text.startswith("SIP/2.0"):
                p.responses.append(parse_response(text.encode()))
            else:
                p.on_request(text)
    return bool(until and until())


class Caller:
    """A phone's outgoing call (to 1002 unless told, with the 407 round), then BYE."""

    def __init__(self, a, to="1002"):
        self.a = a
        self.to = to
        self.call_id = f"{os.urandom(6).hex()}@xfer"
        self.to_tag = None
        self.cseq = 1

    def send(self, method, cseq, extra="", body="", branch=None, ctype="application/sdp"):
        a = self.a
        to = f"<sip:{self.to}@127.0.0.1>" + (f";tag={self.to_tag}" if self.to_tag else "")
        ct = f"Content-Type: {ctype}\r\n" if body else ""
        a.c.send_raw(
            f"{method} sip:{self.to}@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {a.c.host}:{a.c.port};branch="
            f"{branch or 'z9hG4bK' + os.urandom(6).hex()};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{a.user}@127.0.0.1>;tag={a.c.tag}\r\nTo: {to}\r\n"
            f"Call-ID: {self.call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{a.user}@{a.c.host}:{a.c.port}>\r\n{extra}{ct}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")

    def finals(self, code):
        return [r for r in self.a.responses if r and r[0] == code
                and "INVITE" in (header_values(r[2], "CSeq") or [""])[0]]

    def call(self, extra=""):
        self.a.responses.clear()
        self.send("INVITE", 1, extra, sdp(self.a.media_port))
        pump(2.0, lambda: self.finals(407))
        r407 = self.finals(407)
        if not r407:
            return False
        via = header_values(r407[0][2], "Via")[0]
        self.to_tag = tag_of(header_values(r407[0][2], "To")[0])
        self.send("ACK", 1, branch=re.search(r"branch=([^;\s]+)", via).group(1))
        self.to_tag = None
        auth = self.a.c.authorization(header_values(r407[0][2], "Proxy-Authenticate")[0],
                                      self.a.user, "pw" + self.a.user, "INVITE",
                                      f"sip:{self.to}@127.0.0.1:{pbx.sip_port}",
                                      header="Proxy-Authorization")
        self.cseq = 2
        self.send("INVITE", 2, auth + extra, sdp(self.a.media_port))
        if not pump(5.0, lambda: self.finals(200)):
            return False
        self.to_tag = tag_of(header_values(self.finals(200)[0][2], "To")[0])
        self.send("ACK", 2)
        return True

    def bye(self):
        self.cseq += 1
        self.send("BYE", self.cseq)


def channels():
    return pbx.rx("core show channels")[1]


def sipfrags(p):
    out = []
    for n in p.requests("NOTIFY"):
        body = n.split("\r\n\r\n", 1)[1]
        m = re.match(r"SIP/2.0 (\d{3})", body)
        out.append((int(m.group(1)) if m else None, hdr(n, "Subscription-State")))
    return out


def cdr_rows(where):
    """CDR rows (dicts) matching `where`, once the batch is written."""
    deadline = time.time() + 3
    while True:
        db = sqlite3.connect(os.path.join(pbx.run_dir, "var", "carillon.db"), timeout=5)
        try:
            db.row_factory = sqlite3.Row
            rows = [dict(r) for r in db.execute(f"SELECT * FROM cdr WHERE {where}")]
        except sqlite3.Error:
            rows = []
        finally:
            db.close()
        if rows or time.time() > deadline:
            return rows
        time.sleep(0.2)


def refer_responses(p):
    return [r[0] for r in p.responses if r and "REFER" in (header_values(r[2], "CSeq") or [""])[0]]


A = phones["1001"] = Phone("1001", 40000)
B = phones["1002"] = Phone("1002", 40002)
C = phones["1003"] = Phone("1003", 40004)
D = phones["1004"] = Phone("1004", 40006)
D.mode = "busy"
E = phones["1005"] = Phone("1005", 40008)
E.mode = "ring"


def reset():
    for p in phones.values():
        p.got.clear()
        p.responses.clear()
        p.dialog = None
        p.invite = None


def start_call():
    reset()
    a = Caller(A)
    ok = a.call() and B.dialog is not None
    t.ok(ok, "A calls B and B answers", [r[:2] for r in A.responses if r])
    pump(0.3)
    return a


def refer(to, extra=""):
    B.send_in_dialog("REFER", f"Refer-To: <sip:{to}@127.0.0.1>\r\n"
                     f"Referred-By: <sip:1002@127.0.0.1>\r\n{extra}")


def settle():
    pump(0.5)
    return wait_empty()


def wait_empty():
    deadline = time.time() + 5
    while time.time() < deadline:
        if not re.search(r"SIP/\S+", channels()):
            return True
        pump(0.2)
    return False


try:
    # ---- blind transfer to 1003 ----------------------------------------------------
    a = start_call()
    refer("1003")
    pump(4.0, lambda: C.dialog is not None and B.requests("BYE"))
    frags = sipfrags(B)
    t.ok(refer_responses(B)[:1] == [202], "REFER gets 202 Accepted", refer_responses(B))
    t.ok(C.invite is not None and "1001" in (hdr(C.invite, "From") or ""),
         "C is called with A as the caller", C.invite and hdr(C.invite, "From"))
    t.ok([f[0] for f in frags] == [100, 180, 200]
         and all(s.startswith("active") for _, s in frags[:-1])
         and frags[-1][1].startswith("terminated"),
         "NOTIFY sipfrag 100, 180, 200 and the last terminates the subscription", frags)
    t.ok(all("Event: refer" in n for n in B.requests("NOTIFY")), "NOTIFYs carry Event: refer",
         B.requests("NOTIFY")[:1])
    t.ok(len(B.requests("BYE")) == 1, "B is released with BYE", [m for m, _ in B.got])
    a.bye()
    pump(1.5, lambda: C.requests("BYE"))
    t.ok(len(C.requests("BYE")) == 1, "A's BYE ends C's leg", [m for m, _ in C.got])
    t.ok(settle(), "no channel left after the blind transfer", channels())
    rows = cdr_rows("transfer LIKE 'blind;%'")
    t.ok(len(rows) == 1 and rows[0]["caller"] == "1001" and rows[0]["callee"] == "1002"
         and rows[0]["linked_id"] == rows[0]["id"] and "SIP/1003" in (rows[0]["peer"] or ""),
         "CDR of A's call: transfer blind;by=..;to=.., its own linked id, peer C", rows)

    # ---- denied: 403, the call goes on ----------------------------------------------
    a = start_call()
    refer("1009")
    pump(1.0, lambda: refer_responses(B))
    t.ok(refer_responses(B) == [403] and not B.requests("NOTIFY"),
         "on_refer returning 403 refuses the REFER, no NOTIFY", (refer_responses(B), sipfrags(B)))
    a.bye()
    pump(1.5, lambda: B.requests("BYE"))
    t.ok(len(B.requests("BYE")) == 1, "the call went on: A's BYE reaches B",
         [m for m, _ in B.got])
    t.ok(settle(), "no channel left after the denied REFER", channels())

    # ---- redirected: 1099 -> 1003 ----------------------------------------------------
    a = start_call()
    refer("1099")
    pump(4.0, lambda: C.dialog is not None and B.requests("BYE"))
    t.ok(C.invite is not None and [f[0] for f in sipfrags(B)][-1:] == [200],
         "on_refer returning \"1003\" redirects the transfer to C", sipfrags(B))
    a.bye()
    pump(1.5, lambda: C.requests("BYE"))
    t.ok(settle(), "no channel left after the redirected transfer", channels())

    # ---- C busy: NOTIFY 486, A and B talk again --------------------------------------
    a = start_call()
    refer("1004")
    pump(3.0, lambda: sipfrags(B) and sipfrags(B)[-1][0] == 486)
    t.ok([f[0] for f in sipfrags(B)][-1:] == [486] and not B.requests("BYE"),
         "C busy: NOTIFY 486 and B stays", (sipfrags(B), [m for m, _ in B.got]))
    B.send_in_dialog("BYE")
    pump(1.5, lambda: A.requests("BYE"))
    t.ok(len(A.requests("BYE")) == 1, "A and B were bridged again: B's BYE reaches A",
         [m for m, _ in A.got])
    t.ok(settle(), "no channel left after the busy target", channels())

    # ---- C does not answer: TRANSFER_TIMEOUT (2 s) -----------------------------------
    a = start_call()
    refer("1005")
    pump(5.0, lambda: sipfrags(B) and sipfrags(B)[-1][0] >= 400)
    t.ok(sipfrags(B) and sipfrags(B)[-1][0] in (408, 480, 487) and E.requests("CANCEL"),
         "C not answering: its leg is cancelled and B gets a failure NOTIFY", sipfrags(B))
    a.bye()
    pump(1.5, lambda: B.requests("BYE"))
    t.ok(len(B.requests("BYE")) == 1, "then A's BYE reaches B", [m for m, _ in B.got])
    t.ok(settle(), "no channel left after the unanswered target", channels())

    # ---- Refer-Sub: false: 202 with Refer-Sub: false, no NOTIFY ----------------------
    a = start_call()
    refer("1003", "Refer-Sub: false\r\nSupported: norefersub\r\n")
    pump(4.0, lambda: C.dialog is not None and B.requests("BYE"))
    r202 = [r for r in B.responses if r and r[0] == 202]
    t.ok(r202 and "false" in ",".join(header_values(r202[0][2], "Refer-Sub"))
         and not B.requests("NOTIFY") and C.dialog is not None,
         "Refer-Sub: false: 202 says so, no NOTIFY, the transfer happens", sipfrags(B))
    a.bye()
    pump(1.5, lambda: C.requests("BYE"))
    t.ok(settle(), "no channel left after the norefersub transfer", channels())

    # ---- attended: B calls C, then REFER with Replaces naming the B-C dialog ----------
    a = start_call()
    b = Caller(B, "1003")
    t.ok(b.call() and C.dialog is not None, "B calls C while A waits", B.responses[-1:])
    pump(0.3)
    rep = f"{b.call_id}%3Bto-tag%3D{b.to_tag}%3Bfrom-tag%3D{B.c.tag}".replace("@", "%40")
    B.send_in_dialog("REFER", f"Refer-To: <sip:1003@127.0.0.1?Replaces={rep}>\r\n"
                     "Referred-By: <sip:1002@127.0.0.1>\r\n")
    pump(4.0, lambda: len(B.requests("BYE")) >= 2)
    t.ok(refer_responses(B)[:1] == [202], "REFER with Replaces gets 202",
         refer_responses(B))
    t.ok([f[0] for f in sipfrags(B)] == [100, 200] and sipfrags(B)[-1][1].startswith("terminated"),
         "attended: NOTIFY 100 then 200 terminating the subscription", sipfrags(B))
    byes = B.requests("BYE")
    t.ok(len(byes) == 2 and {hdr(x, "Call-ID") for x in byes} == {B.dialog[0], b.call_id},
         "both of B's legs are released", [hdr(x, "Call-ID") for x in byes])
    t.ok(not A.requests("BYE") and not C.requests("BYE"), "A and C stay up",
         [m for m, _ in A.got + C.got])
    a.bye()
    pump(2.0, lambda: C.requests("BYE"))
    t.ok(len(C.requests("BYE")) == 1, "A and C were joined: A's BYE reaches C",
         [m for m, _ in C.got])
    t.ok(settle(), "no channel left after the attended transfer", channels())
    rows = cdr_rows("transfer LIKE 'attended;%'")
    t.ok(len(rows) == 2 and {(r["caller"], r["callee"]) for r in rows}
         == {("1001", "1002"), ("1002", "1003")}
         and len({r["linked_id"] for r in rows}) == 1
         and rows[0]["linked_id"] in {r["id"] for r in rows if r["caller"] == "1001"},
         "attended: the CDRs of A->B and B->C share A's linked id and the transfer field",
         rows)

    # ---- attended with a Replaces naming no call: 403, the call goes on --------------
    a = start_call()
    B.send_in_dialog("REFER", "Refer-To: <sip:1003@127.0.0.1?Replaces=nope%3Bto-tag%3Dx"
                     "%3Bfrom-tag%3Dy>\r\n")
    pump(1.0, lambda: refer_responses(B))
    t.ok(refer_responses(B) == [403], "Replaces naming an unknown call: 403",
         refer_responses(B))
    a.bye()
    pump(1.5, lambda: B.requests("BYE"))
    t.ok(len(B.requests("BYE")) == 1, "the call went on", [m for m, _ in B.got])
    t.ok(settle(), "no channel left", channels())

    # ---- INVITE with Replaces: C takes over B's side of the A-B call (RFC 3891) -------
    a = start_call()
    call_id, b_tag, our_tag, _ = B.dialog
    c = Caller(C, "1002")
    t.ok(c.call(f"Replaces: {call_id};to-tag={our_tag};from-tag={b_tag}\r\n"),
         "an INVITE with Replaces naming B's call is answered",
         [r[:2] for r in C.responses if r])
    pump(1.5, lambda: B.requests("BYE"))
    t.ok(len(B.requests("BYE")) == 1 and not A.requests("BYE"),
         "the replaced leg (B) gets BYE, A stays", [m for m, _ in A.got + B.got])
    t.ok(C.invite is None, "nobody is dialed for it (no on_invite)", C.invite and head(C.invite)[0])
    c.bye()
    pump(1.5, lambda: A.requests("BYE"))
    t.ok(len(A.requests("BYE")) == 1, "A and C were joined: C's BYE reaches A",
         [m for m, _ in A.got])
    t.ok(settle(), "no channel left after the INVITE with Replaces", channels())
    rows = cdr_rows("transfer LIKE 'replaces;%'")
    t.ok(len(rows) == 2 and len({r["linked_id"] for r in rows}) == 1,
         "INVITE with Replaces: the CDRs of A's call and C's share A's linked id", rows)

    # ---- INVITE with Replaces naming no call: 481; a malformed one: 400 ---------------
    for value, want in (("gone@x;to-tag=1;from-tag=2", 481), (";;;", 400)):
        reset()
        c = Caller(C, "1002")
        c.call(f"Replaces: {value}\r\n")
        pump(1.0, lambda: c.finals(want))
        t.ok(c.finals(want), f"INVITE with Replaces {value!r}: {want}",
             [r[:2] for r in C.responses if r])
        c.send("ACK", 2)
    t.ok(wait_empty(), "no channel left", channels())

    # ---- the sample office's feature codes: "##" then the number -------------------
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "contrib", "configs", "sample-office",
                           "extensions.lua")) as f:
        pbx.write_file("extensions.lua", f.read())
    rc, out = pbx.rx("dialplan reload")
    t.ok(rc == 0, "the sample office's dialplan loads", out)

    def key(p, digits):
        """p keys digits by SIP INFO: B in its dialog, A (a Caller) in its own."""
        for d in digits:
            body = f"Signal={d}\r\nDuration=100\r\n"
            if isinstance(p, Caller):
                p.cseq += 1
                p.send("INFO", p.cseq, body=body, ctype="application/dtmf-relay")
            else:
                p.send_in_dialog("INFO", "Content-Type: application/dtmf-relay\r\n", body)
            pump(0.15)

    def signals(p):
        return [m.group(1) for x in p.requests("INFO")
                for m in [re.search(r"Signal=(\S)", x)] if m]

    a = start_call()
    key(B, "5")
    pump(1.0, lambda: signals(A))
    t.ok(signals(A) == ["5"], "an ordinary digit reaches the other party", signals(A))
    key(B, "##1003")
    pump(4.0, lambda: C.dialog is not None and B.requests("BYE"))
    t.ok(C.invite is not None and "1001" in (hdr(C.invite, "From") or ""),
         "B keys ##1003: C is called with A as the caller", C.invite and hdr(C.invite, "From"))
    t.ok(len(B.requests("BYE")) == 1, "B is released", [m for m, _ in B.got])
    t.ok(signals(A) == ["5"], "the feature code's digits are swallowed", signals(A))
    a.bye()
    pump(1.5, lambda: C.requests("BYE"))
    t.ok(len(C.requests("BYE")) == 1, "A talked to C: A's BYE reaches C", [m for m, _ in C.got])
    t.ok(settle(), "no channel left after the keypad transfer", channels())

    # "##" then "*": given up, the call goes on; "##1004" busy: A and B again.
    a = start_call()
    key(B, "##10*")
    key(a, "##1004")
    pump(3.0, lambda: D.invite is not None)
    t.ok(C.invite is None and D.invite is not None and "1002" in (hdr(D.invite, "From") or ""),
         "\"*\" abandons B's code; A's ##1004 transfers B to 1004", D.invite and head(D.invite)[0])
    pump(1.5)
    t.ok(not A.requests("BYE") and not B.requests("BYE"),
         "1004 busy: A and B stay (bridged again)", [m for m, _ in A.got + B.got])
    B.send_in_dialog("BYE")
    pump(1.5, lambda: A.requests("BYE"))
    t.ok(len(A.requests("BYE")) == 1, "B's BYE reaches A", [m for m, _ in A.got])
    t.ok(settle(), "no channel left", channels())

    # "*2" (attended): the target busy, then given up while it rings: A and B again.
    a = start_call()
    key(B, "*21004")
    pump(3.0, lambda: D.invite is not None)
    t.ok(D.invite is not None and "1002" in (hdr(D.invite, "From") or ""),
         "B keys *21004: 1004 is called, B (who consults) the caller",
         D.invite and hdr(D.invite, "From"))
    pump(1.5)
    t.ok(not A.requests("BYE") and not B.requests("BYE") and not A.requests("INVITE")[1:],
         "1004 busy: A and B stay (bridged again)", [m for m, _ in A.got + B.got])
    C.mode = "ring"
    key(B, "*21003")
    pump(3.0, lambda: C.invite is not None)
    key(B, "*")
    pump(2.0, lambda: C.requests("CANCEL"))
    t.ok(C.invite is not None and len(C.requests("CANCEL")) == 1
         and not A.requests("BYE") and not B.requests("BYE"),
         "B keys *21003, then * while 1003 rings: 1003 is cancelled, A and B stay",
         [m for m, _ in A.got + B.got + C.got])
    t.ok(signals(A) == [], "A heard none of B's feature digits", signals(A))
    C.mode = "answer"
    B.send_in_dialog("BYE")
    pump(1.5, lambda: A.requests("BYE"))
    t.ok(len(A.requests("BYE")) == 1, "B's BYE reaches A", [m for m, _ in A.got])
    t.ok(settle(), "no channel left", channels())

    # ---- REFER outside a dialog: 481 -------------------------------------------------
    reset()
    B.c.send_raw(f"REFER sip:1001@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n"
                 f"Via: SIP/2.0/UDP {B.c.host}:{B.c.port};branch=z9hG4bK{os.urandom(6).hex()}"
                 f";rport\r\nMax-Forwards: 70\r\nFrom: <sip:1002@127.0.0.1>;tag=x1\r\n"
                 f"To: <sip:1001@127.0.0.1>\r\nCall-ID: {os.urandom(6).hex()}@ood\r\n"
                 f"CSeq: 1 REFER\r\nRefer-To: <sip:1003@127.0.0.1>\r\nContent-Length: 0\r\n\r\n")
    pump(1.0, lambda: refer_responses(B))
    t.ok(refer_responses(B) == [403],
         "REFER outside a dialog is refused", refer_responses(B))
    t.ok(wait_empty(), "no channel left", channels())
finally:
    for p in phones.values():
        p.c.close()
    rc = pbx.stop()
    t.ok(rc == 0, f"the daemon exits cleanly (under CARILLON_VALGRIND=1: no memory error or "
         f"definite leak): status {rc}", pbx.log_text()[-3000:])
    t.ok(not pbx.assertion_lines(), "no assertion failed", pbx.assertion_lines())
    pbx.cleanup()
t.done()
