#!/usr/bin/env python3
"""pbx.endpoint(name) against the real daemon: 1001 calls in, and the
dialplan looks up endpoint 1002 (context "lab" in this test's
endpoints.conf) and "nosuch", logs what it got and hangs up with a status
that says it: 404 when 1002 is unknown, 480 when known but not
registered, 486 when registered, 403 if "nosuch" were found.

The endpoint and its context come from chan_sip's endpoint provider,
registered/contacts from res_registrar's: without those providers
pbx.endpoint returns nil for every name and the 480/486 checks fail."""
import os
import re
import time

from carillon import Carillon, Tap
from sipclient import SipClient, header_values

SCRIPT = """
local function describe(e)
    if e == nil then return "nil" end
    return string.format("name=%s context=%s registered=%s contacts=%s",
                         tostring(e.name), tostring(e.context),
                         tostring(e.registered), tostring(e.contacts))
end

context("office", {
    on_invite = function(call)
        local known, unknown = pbx.endpoint("1002"), pbx.endpoint("nosuch")
        pbx.log("notice", "endpoint probe " .. call.to .. ": 1002 " .. describe(known)
                .. "; nosuch " .. describe(unknown))
        if unknown ~= nil then return call:hangup(403) end
        if known == nil then return call:hangup(404) end
        call:hangup(known.registered and 486 or 480)
    end,
})
"""

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 39100 RTP/AVP 0 8\r\n")

t = Tap()
pbx = Carillon()
pbx.write_file("extensions.lua", SCRIPT)
pbx.conf("endpoints.conf", "1002", "context", "lab")
# No OPTIONS pings to the test's sockets.
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()


def send_request(c, method, ruri, call_id, cseq, branch, to, extra="", body=""):
    ct = "Content-Type: application/sdp\r\n" if body else ""
    c.send_raw(f"{method} {ruri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {c.host}:{c.port};branch={branch};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag={c.tag}\r\n"
               f"To: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
               f"Contact: <sip:1001@{c.host}:{c.port}>\r\n{extra}{ct}"
               f"Content-Length: {len(body)}\r\n\r\n{body}")


def call(to):
    """INVITE sip:TO from 1001, answering the 407; every final response is
    ACKed.  Returns the last final response (code, reason, headers, raw)
    or None."""
    c = SipClient(pbx.sip_port)
    ruri = f"sip:{to}@127.0.0.1:{pbx.sip_port}"
    call_id = f"{os.urandom(6).hex()}@endpoint"
    auth, r = "", None
    try:
        for cseq in (1, 2):
            branch = "z9hG4bK" + os.urandom(6).hex()
            send_request(c, "INVITE", ruri, call_id, cseq, branch,
                         f"<{ruri}>", auth, SDP)
            r = c.recv(5.0)
            if r is None:
                return None
            send_request(c, "ACK", ruri, call_id, cseq, branch,
                         header_values(r[2], "To")[0])
            if r[0] != 407:
                return r
            auth = c.authorization(header_values(r[2], "Proxy-Authenticate")[0],
                                   "1001", "pw1001", "INVITE", ruri,
                                   header="Proxy-Authorization")
        return r
    finally:
        c.close()


def probe_line(to, seconds=5):
    """The dialplan's log line for the call to TO (the log is written by
    another process: wait for it)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        m = re.search(rf"endpoint probe {to}: (.*)", pbx.log_text())
        if m:
            return m.group(1)
        time.sleep(0.05)
    return None


# -- 1002 known, not registered ------------------------------------------
r = call("probe1")
line = probe_line("probe1")
t.ok(line is not None and line.endswith("; nosuch nil"),
     "pbx.endpoint('nosuch') is nil", line)
t.ok(line is not None and
     line.startswith("1002 name=1002 context=lab registered=false contacts=0;"),
     "pbx.endpoint('1002') names the endpoint and its context, not registered "
     "(needs chan_sip's provider)", line)
t.ok(r is not None and r[0] == 480,
     "the dialplan saw 1002 known and unregistered: 480", r and r[3])

# -- 1002 registered ---------------------------------------------------------
phone = SipClient(pbx.sip_port)
reg = phone.register_auth("1002", "pw1002", expires=600)
t.ok(reg is not None and reg[0] == 200, "1002 registers", reg and reg[3])
r = call("probe2")
line = probe_line("probe2")
t.ok(line is not None and
     line.startswith("1002 name=1002 context=lab registered=true contacts=1;"),
     "pbx.endpoint('1002') sees the registration (needs res_registrar's "
     "provider)", line)
t.ok(r is not None and r[0] == 486,
     "the dialplan saw 1002 registered: 486", r and r[3])
phone.register_auth("1002", "pw1002", expires=0)
phone.close()

log = pbx.log_text()
t.ok("on_invite:" not in log, "no dialplan errors",
     "\n".join(l for l in log.splitlines() if "dialplan" in l))
t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion lines",
     "\n".join(pbx.assertion_lines()))
rc = pbx.stop()
t.ok(rc == 0, "daemon stops cleanly", pbx.log_text())
pbx.cleanup()
t.done()
