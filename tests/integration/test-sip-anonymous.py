#!/usr/bin/env python3
"""Anonymous calls (issue 14 part 4): an INVITE without credentials comes
in only to an extension the [anonymous] endpoint lists, only into a
context the dialplan marks public; everything else gets the usual 407,
and known users still cannot be told from unknown ones (our own probe and
svwar).  Trunk calls matched by address are the trunk's, never anonymous;
an anonymous caller cannot reach a trunk.  Without [anonymous] (the
default) every INVITE authenticates."""
import random
import re
import subprocess
import time

from carillon import Carillon, Tap
from sipclient import SipClient, header_values

t = Tap()
SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
# Replaces the sample's public context: says what the call looks like,
# and tries a trunk when asked to.
PUBLIC = """
context("public", {
    public = PUBLIC_FLAG,
    on_invite = function(call)
        pbx.log("notice", string.format("PUBLIC to=%s from=%s ctx=%s anon=%s", call.to,
                call.from, call.context, tostring(call.vars.SIP_ANONYMOUS)))
        if call.to == "outside" then
            local outcome, detail = call:dial({ trunk = "provider", number = "5551234" })
            pbx.log("notice", "PUBLIC trunk " .. outcome .. " " .. tostring(detail.cause))
            return call:hangup(403)
        end
        call:answer()
        pbx.sleep(30)
    end,
})
"""


def branch():
    return f"z9hG4bK{random.getrandbits(48):x}"


class Probe(SipClient):
    def answer_to(self, call_id, timeout):
        """The final response of this call, skipping strays of earlier ones."""
        end = time.time() + timeout
        while time.time() < end:
            r = self.recv(end - time.time())
            if r and header_values(r[2], "Call-ID")[0] == call_id:
                return r
        return None

    def request(self, method, target, cseq, call_id, to_tag=None, extra="", body="",
                user="9999", br=None):
        uri = f"sip:{target}@{self.server_host}:{self.server[1]}"
        to = f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        self.send_raw(f"{method} {uri} SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP {self.host}:{self.port};"
                      f"branch={br or branch()};rport\r\n"
                      f"Max-Forwards: 70\r\nFrom: \"Visitor\" <sip:{user}@example.org>;"
                      f"tag={self.tag}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n"
                      f"CSeq: {cseq} {method}\r\n"
                      f"Contact: <sip:{user}@{self.host}:{self.port}>\r\n"
                      f"{extra}{ctype}Content-Length: {len(body)}\r\n\r\n{body}")
        return uri

    def invite(self, target, user="9999", extra=""):
        """(final response, call id); a non-2xx is ACKed, a 2xx ACKed and BYEd."""
        call_id, br = f"{random.getrandbits(64):x}@anon", branch()
        self.request("INVITE", target, 1, call_id, extra=extra, user=user, br=br,
                     body=SDP.format(port=self.port + 2))
        r = self.answer_to(call_id, 8.0)
        if r:
            tag = re.search(r"tag=([^;>\s]+)", header_values(r[2], "To")[0]).group(1)
            # a non-2xx's ACK is in the INVITE's transaction (same branch)
            self.request("ACK", target, 1, call_id, to_tag=tag, user=user,
                         br=None if r[0] == 200 else br)
            if r[0] == 200:
                self.request("BYE", target, 2, call_id, to_tag=tag, user=user)
                self.answer_to(call_id, 4.0)
        return r, call_id


def shape(r):
    """What a response tells: code, reason and header names (not values)."""
    return (r[0], r[1], tuple(sorted(n.lower() for n, _ in r[2]))) if r else None


def log_has(pbx, text, seconds=5):
    end = time.time() + seconds
    while time.time() < end:
        if text in pbx.log_text():
            return True
        time.sleep(0.1)
    return text in pbx.log_text()


def set_public(pbx, flag):
    with open(pbx.etc + "/extensions.lua", "a") as f:
        f.write(PUBLIC.replace("PUBLIC_FLAG", flag))
    return pbx.rx("dialplan reload")


pbx = Carillon()
pbx.conf("endpoints.conf", "provider", "match", "127.0.0.6")
pbx.conf("endpoints.conf", "provider", "outbound_contexts", "office,public")
pbx.conf("endpoints.conf", "provider", "register", "no")
pbx.conf("endpoints.conf", "anonymous", "extensions", "reception, outside")
t.ok(pbx.start(), "daemon starts with the sample office's [anonymous]", pbx.log_text())

# -- the sample office as shipped: sip:reception@ reaches the IVR ------------
probe = Probe(pbx.sip_port, bind_host="127.0.0.3")
r, _ = probe.invite("reception")
t.ok(r and r[0] == 200, "sample office: INVITE without credentials to reception -> 200 (IVR)",
     r and r[:2])

rc, out = set_public(pbx, "true")
t.ok(rc == 0, "dialplan reload with the test's public context", out)
r, _ = probe.invite("reception")
t.ok(r and r[0] == 200, "anonymous INVITE to a listed extension is answered", r and r[:2])
t.ok(log_has(pbx, "PUBLIC to=reception from=9999 ctx=public anon=yes"),
     "... in the public context, caller ID from From, SIP_ANONYMOUS=yes")

# -- everything else is challenged, and tells nothing ------------------------
shapes = {}
for target in ("1001", "4711", "1001", "4711", "800"):
    r, _ = probe.invite(target)
    shapes.setdefault(target, set()).add(shape(r))
t.ok(shapes["1001"] == shapes["4711"] == shapes["800"] and len(shapes["1001"]) == 1
     and next(iter(shapes["1001"]))[0] == 407,
     "unlisted extensions (known 1001, unknown 4711, 800) all get the same 407", shapes)
shapes = set()
for user in ("1001", "4711"):
    r, _ = probe.invite("1002", user=user)
    shapes.add(shape(r))
t.ok(len(shapes) == 1 and next(iter(shapes))[0] == 407,
     "a From of a known or an unknown user to 1002: the same 407", shapes)
r, _ = probe.invite("1001")
auth = probe.authorization(header_values(r[2], "Proxy-Authenticate")[0], "1001", "wrong",
                           "INVITE", f"sip:reception@127.0.0.1:{pbx.sip_port}",
                           header="Proxy-Authorization")
r, _ = probe.invite("reception", extra=auth)
t.ok(r and r[0] == 407, "credentials to a public extension: authenticated as usual (407)",
     r and r[:2])

# -- an anonymous caller never reaches a trunk -------------------------------
r, _ = probe.invite("outside")
t.ok(log_has(pbx, "PUBLIC trunk failed OUTGOING_CALL_BARRED")
     and "the caller came in from a trunk or unauthenticated" in pbx.log_text(),
     "an anonymous call dialing the trunk is barred, though its context is in "
     "outbound_contexts", pbx.log_text()[-1500:])

# -- a trunk's match= address is the trunk's, not anonymous -------------------
trunk = Probe(pbx.sip_port, bind_host="127.0.0.6")
r, _ = trunk.invite("reception")
t.ok(r and r[0] == 404 and log_has(pbx, "call from outside to unknown DID reception"),
     "an INVITE from the trunk's address to reception goes to the trunk's context (404)",
     r and r[:2])
trunk.close()

# -- svwar learns no real extension -------------------------------------------
out = subprocess.run(["svwar", "--force", "-m", "INVITE", "-e1000-1015", "-t", "0.02",
                      "-p", str(pbx.sip_port), "127.0.0.1"],
                     capture_output=True, text=True, timeout=120)
out = out.stdout + out.stderr
found = set(int(x) for x in re.findall(r"^\|\s*(\d+)\s*\|", out, re.M))
real = set(range(1001, 1011))
t.ok(not (found & real) or found >= set(range(1000, 1016)),
     "svwar -m INVITE with anonymous calls on cannot tell 1001-1010 from others",
     (sorted(found), out[-600:]))

# -- the dialplan must agree: not public -> challenged ------------------------
rc, out = set_public(pbx, "false")
r, _ = probe.invite("reception")
t.ok(rc == 0 and r and r[0] == 407,
     "context not marked public: the listed extension is challenged (407)", r and r[:2])
t.ok(log_has(pbx, "context 'public' is not marked public in the dialplan"),
     "... and the admin is told why in the log")
rc, out = set_public(pbx, "true")
r, _ = probe.invite("reception")
t.ok(r and r[0] == 200, "marked public again: answered", (rc, out, r and r[:2]))

# -- transports of the anonymous endpoint hold --------------------------------
pbx.conf("endpoints.conf", "anonymous", "transports", "tls")
rc, out = pbx.rx("module reload res_sip")
r, _ = probe.invite("reception")
t.ok(rc == 0 and r and r[0] == 407,
     "anonymous endpoint with transports = tls: an INVITE over UDP is challenged",
     (out, r and r[:2]))

# -- default: no [anonymous] section, every INVITE authenticates -------------
with open(pbx.etc + "/endpoints.conf") as f:
    text = f.read()
text = re.sub(r"\n\[anonymous\]\n(?:[^\[].*\n?)*", "\n", text)
with open(pbx.etc + "/endpoints.conf", "w") as f:
    f.write(text)
rc, out = pbx.rx("module reload res_sip")
r, _ = probe.invite("reception")
t.ok(rc == 0 and "[anonymous]" not in text and r and r[0] == 407,
     "without [anonymous] (the default) the same INVITE gets 407", (out, r and r[:2]))
probe.close()

t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion in the log", pbx.assertion_lines())
t.ok(pbx.stop() == 0, "daemon exits cleanly")
pbx.cleanup()
t.done()
