#!/usr/bin/env python3
"""SIP trunks against a sipp "provider" on 127.0.0.1: Carillon registers to
it (401 answered, checked by sipp's verifyauth), calls out through it (407
answered, From and P-Asserted-Identity checked), takes its call to the DID
5550100 to 1001, and refuses toll fraud: a context not marked for the
trunk, a phone past max_trunk_calls, a call that came in from the trunk
trying to go back out, an unauthenticated source."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from carillon import Carillon, Tap, free_port, wait_for, TOP  # noqa: E402
from sipclient import parse_response  # noqa: E402

SIPP = os.path.join(TOP, "contrib", "sipp")
PCAP = "/usr/share/sip-tester/g711a.pcap"
t = Tap()

PROVIDER = free_port()
pbx = Carillon()
pbx.conf("endpoints.conf", "provider", "port", str(PROVIDER))
pbx.conf("endpoints.conf", "provider", "match", f"127.0.0.1:{PROVIDER}")
pbx.conf("endpoints.conf", "provider", "register_retry", "1")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
# 1002 lives in a context the trunk does not serve; 1003 may not call out.
pbx.conf("endpoints.conf", "1002", "context", "lobby")
pbx.conf("endpoints.conf", "1003", "max_trunk_calls", "0")
# 1005 calls out anonymously (context hidden); the provider also gets RPID.
pbx.conf("endpoints.conf", "1005", "context", "hidden")
pbx.conf("endpoints.conf", "provider", "outbound_contexts", "office,hidden")
pbx.conf("endpoints.conf", "provider", "send_rpid", "yes")
pbx.conf("rtp.conf", "general", "port_start", "35000")
pbx.conf("rtp.conf", "general", "port_end", "35999")
lua = open(os.path.join(pbx.etc, "extensions.lua")).read()
# DID 5550999 tries to send the outside caller back out through the trunk.
lua = lua.replace('    ["5550800"] = ivr,\n',
                  '    ["5550800"] = ivr,\n'
                  '    ["5550999"] = function(call) outside_call(call, "0044123") end,\n', 1)
lua += """
context("lobby", {
    on_invite = function(call)
        local outcome, detail = call:dial({ trunk = "provider", number = call.to })
        pbx.log("notice", "lobby: " .. outcome .. " " .. detail.cause)
        call:hangup(detail.code)
    end,
})
context("hidden", {
    on_invite = function(call)
        local outcome, detail = call:dial({ trunk = "provider", number = call.to },
                                          { caller_id = "anonymous" })
        if call.state ~= "UP" then call:hangup(detail.code or 503) end
    end,
})
"""
assert "5550999" in lua
pbx.write_file("extensions.lua", lua)
os.makedirs(os.path.join(pbx.run_dir, "pcap"), exist_ok=True)
if os.path.exists(PCAP):
    shutil.copy(PCAP, os.path.join(pbx.run_dir, "pcap", "g711a.pcap"))

PROCS = []


def sipp(sf, port, keys=None, service="s", remote=True, extra=(), pause_ms=1000):
    cmd = ["sipp"] + ([f"127.0.0.1:{pbx.sip_port}"] if remote else []) + [
        "-sf", os.path.join(SIPP, sf), "-m", "1", "-s", service, "-d", str(pause_ms),
        "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port()), "-timeout", "30",
        "-timeout_error", "-nostdin", "-trace_err", "-error_file",
        os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")] + list(extra)
    for k, v in (keys or {}).items():
        cmd += ["-key", k, str(v)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    return p


def finish(p, timeout=40):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-2500:]
    return p.returncode, out[-2500:]


def errors(port):
    try:
        return open(os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")).read()[-2000:]
    except OSError:
        return ""


def fail_scenario(code):
    """uac-fail.xml expecting `code` instead of 486."""
    text = open(os.path.join(SIPP, "uac-fail.xml")).read()
    out = os.path.join(pbx.run_dir, f"uac-fail-{code}.xml")
    with open(out, "w") as f:
        f.write(text.replace('<recv response="486"/>', f'<recv response="{code}"/>'))
    return out


def expecting(name, **words):
    """A copy of a contrib scenario with its placeholder words replaced."""
    text = open(os.path.join(SIPP, name)).read()
    for k, v in words.items():
        text = text.replace(k, v)
    out = os.path.join(pbx.run_dir, "expect-" + name)
    with open(out, "w") as f:
        f.write(text)
    return out


def record_routed(name):
    """A copy of a contrib scenario whose first INVITE carries two
    Record-Route values (proxies at the scenario's own address) and whose
    200 must carry them back in order (RFC 3261 12.1.1)."""
    text = open(os.path.join(SIPP, name)).read()
    text = text.replace("      Max-Forwards: 70\n",
                        "      Max-Forwards: 70\n"
                        "      Record-Route: <sip:[local_ip]:[local_port];lr;p=1>\n"
                        "      Record-Route: <sip:[local_ip]:[local_port];lr;p=2>\n", 1)
    check = ('<recv response="200" rtd="true" rrs="true">\n    <action>\n'
             '      <ereg regexp="Record-Route: &lt;sip:[^;]+;lr;p=1&gt;[^R]*'
             'Record-Route: &lt;sip:[^;]+;lr;p=2&gt;" search_in="msg" check_it="true" '
             'assign_to="rr"/>\n    </action>\n  </recv>')
    assert '<recv response="200" rtd="true" rrs="true"/>' in text
    text = text.replace('<recv response="200" rtd="true" rrs="true"/>', check, 1)
    text = text.replace("</scenario>", '  <Reference variables="rr"/>\n</scenario>')
    out = os.path.join(pbx.run_dir, "rr-" + name)
    with open(out, "w") as f:
        f.write(text)
    return out


def raw_invite(port, did):
    """An INVITE from 127.0.0.1:port to did without credentials: the final
    status (ACKed), None when none came."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(5)
    branch = f"z9hG4bK{time.time_ns()}"
    head = (f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n"
            f"From: <sip:15557654321@provider.test>;tag=f{port}\r\n"
            f"Call-ID: raw-{branch}\r\n")
    sock.sendto((f"INVITE sip:{did}@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n{head}"
                 f"Max-Forwards: 70\r\nTo: <sip:{did}@127.0.0.1>\r\nCSeq: 1 INVITE\r\n"
                 f"Contact: <sip:p@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n").encode(),
                ("127.0.0.1", pbx.sip_port))
    code = None
    try:
        while code is None or code < 200:
            r = parse_response(sock.recv(65535))
            code = r[0] if r else code
            to = [v for n, v in r[2] if n.lower() in ("to", "t")][0] if r else ""
    except OSError:
        sock.close()
        return code
    sock.sendto((f"ACK sip:{did}@127.0.0.1:{pbx.sip_port} SIP/2.0\r\n{head}"
                 f"Max-Forwards: 70\r\nTo: {to}\r\nCSeq: 1 ACK\r\n"
                 f"Content-Length: 0\r\n\r\n").encode(), ("127.0.0.1", pbx.sip_port))
    sock.close()
    return code


PROVIDER_KEYS = {"user": "carillon", "pass": "trunkpw"}
try:
    # ---- registration: 401 answered with the trunk's credentials ---------------
    reg = sipp("provider-register.xml", PROVIDER, dict(PROVIDER_KEYS, expires=120),
               remote=False)
    if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
        t.done()
    rc, out = finish(reg)
    t.ok(rc == 0, "the provider got a REGISTER with good credentials", out + errors(PROVIDER))
    ok = wait_for(lambda: "Registered" in pbx.rx("sip show registrations outbound")[1], 5)
    rc, out = pbx.rx("sip show registrations outbound")
    t.ok(ok and re.search(r"provider\s+127\.0\.0\.1:\d+\s+Registered\s+120\s", out),
         "sip show registrations outbound: provider Registered for 120 s", out)
    rc, out = pbx.rx("event show recent")
    t.ok("sip/outbound-registration" in out and "Registered" in out,
         "the registration's state changes are events", out[-1500:])

    # ---- an outbound call: 9 + number from 1001 --------------------------------
    prov = sipp(expecting("provider-invite.xml", FROM_USER="carillon", PAI_USER="1001"),
                PROVIDER, PROVIDER_KEYS, remote=False,
                extra=["-rtp_echo"])
    time.sleep(0.3)
    caller = sipp("uac-call.xml", free_port(), {"caller": "1001"}, service="915551234567",
                  extra=["-au", "1001", "-ap", "pw1001"], pause_ms=2000)
    rc, out = finish(caller)
    t.ok(rc == 0, "1001 calls 9 15551234567 through the trunk and hangs up", out)
    rc, out = finish(prov)
    t.ok(rc == 0, "the provider answered the 401 check, saw From carillon and PAI 1001",
         out + errors(PROVIDER))

    # ---- an anonymous call: 407 answered, Privacy: id, RPID/PAI of 1005 -------
    prov = sipp(expecting("provider-invite-407.xml", RPID_USER="1005"), PROVIDER,
                remote=False, extra=["-rtp_echo"])
    time.sleep(0.3)
    caller = sipp("uac-call.xml", free_port(), {"caller": "1005"}, service="15551234567",
                  extra=["-au", "1005", "-ap", "pw1005"], pause_ms=2000)
    rc, out = finish(caller)
    t.ok(rc == 0, "1005 calls out anonymously through the trunk", out)
    rc, out = finish(prov)
    t.ok(rc == 0, "the provider's 407 was answered with Proxy-Authorization; From "
         "Anonymous, Privacy: id, RPID (privacy=full) and PAI name 1005",
         out + errors(PROVIDER))

    # ---- an inbound call to the DID 5550100 rings 1001 --------------------------
    phone = free_port()
    reg = sipp("register.xml", phone, {"expires": 600}, service="1001",
               extra=["-au", "1001", "-ap", "pw1001"])
    rc, out = finish(reg)
    t.ok(rc == 0, "1001 registers", out)
    callee = sipp("uas-answer.xml", phone, extra=["-rtp_echo"], remote=False, pause_ms=300)
    time.sleep(0.3)
    inbound = sipp(record_routed("provider-call.xml"), PROVIDER, {"caller": "15557654321"},
                   service="5550100", pause_ms=2000)
    rc, out = finish(inbound)
    t.ok(rc == 0, "the provider's call to 5550100 is answered (by 1001); the 200 carries "
         "the INVITE's two Record-Route values in order", out)
    rc, out = finish(callee)
    t.ok(rc == 0, "1001 rang and answered the outside call", out + errors(phone))

    # ---- toll fraud -------------------------------------------------------------
    lobby = sipp(fail_scenario(403), free_port(), {"caller": "1002"}, service="0044123",
                 extra=["-au", "1002", "-ap", "pw1002"])
    rc, out = finish(lobby)
    t.ok(rc == 0, "a context not in the trunk's outbound_contexts gets 403", out)
    c3 = sipp(fail_scenario(403), free_port(), {"caller": "1003"}, service="915551234567",
              extra=["-au", "1003", "-ap", "pw1003"])
    rc, out = finish(c3)
    t.ok(rc == 0, "a phone with max_trunk_calls = 0 gets 403", out)
    intl = sipp(fail_scenario(403), free_port(), {"caller": "1004"}, service="90044123",
                extra=["-au", "1004", "-ap", "pw1004"])
    rc, out = finish(intl)
    t.ok(rc == 0, "an international number past international_per_hour (0) gets 403", out)

    t.ok(raw_invite(PROVIDER, "5550999") == 403,
         "a call in from the trunk that tries to go back out through it gets 403")
    t.ok(raw_invite(free_port(), "5550100") == 407,
         "an INVITE to the DID from another port than the trunk's gets 407 (no way in)")
    rc, out = pbx.rx("core show channels")
    t.ok(wait_for(lambda: "0 active" in pbx.rx("core show channels")[1], 10),
         "no channel is left", out)
finally:
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.communicate()
    t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
    t.ok(not pbx.assertion_lines(), "no assertion failures", pbx.assertion_lines())
    pbx.cleanup()
t.done()
