#!/usr/bin/env python3
"""Blind transfer through Carillon with sipp phones (contrib/sipp/*refer*):
A (sipp UAC 1001) calls B (sipp UAS 1002); B sends REFER in the dialog.
Allowed to C (1003, answers and hangs up): 202, NOTIFY sipfrag 100, 180,
200, B released with BYE, A talks to C until C's BYE.  Redirected by
on_refer (1099 -> 1003).  Denied by on_refer (403; the call goes on until
A's BYE).  C busy (1004) and C not answering (1005, TRANSFER_TIMEOUT 2 s):
NOTIFY with the failure, A and B bridged again, B's BYE reaches A.  A
REFER outside a dialog: 403.  After each, no channel is left."""
import os
import re
import shutil
import subprocess
import time

from carillon import Carillon, TOP, Tap, free_port

SIPP = os.path.join(TOP, "contrib", "sipp")
t = Tap()
pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "38000")
pbx.conf("rtp.conf", "general", "port_end", "38999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.write_file("extensions.lua", """
context("office", {
    on_invite = function(call)
        call.vars.TRANSFER_TIMEOUT = "2"
        call:dial(call.to, { timeout = 20 })
    end,
    on_refer = function(call, refer)
        if refer.target == "1009" then return 403 end
        if refer.target == "1099" then return "1003" end
        return true
    end,
})
""")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

PCAP = "/usr/share/sip-tester/g711a.pcap"     # what uac-call*.xml plays
os.makedirs(os.path.join(pbx.run_dir, "pcap"), exist_ok=True)
if os.path.exists(PCAP):
    shutil.copy(PCAP, os.path.join(pbx.run_dir, "pcap", "g711a.pcap"))
PORTS = {ext: (free_port(), free_port()) for ext in ("1001", "1002", "1003", "1004", "1005")}
PROCS = []


def sipp(sf, ext, service, keys=None, extra=(), pause_ms=1000):
    port, mport = PORTS[ext]
    cmd = ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", os.path.join(SIPP, sf), "-m", "1",
           "-s", service, "-d", str(pause_ms), "-i", "127.0.0.1", "-p", str(port),
           "-mp", str(mport), "-timeout", "20", "-timeout_error", "-nostdin", "-trace_err",
           "-error_file", os.path.join(pbx.run_dir, f"sipp-{ext}-errors.log")] + list(extra)
    for k, v in (keys or {}).items():
        cmd += ["-key", k, str(v)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    return p


def finish(p, timeout=30):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-300:]
    return p.returncode, out[-300:]


def errors(ext):
    try:
        return open(os.path.join(pbx.run_dir, f"sipp-{ext}-errors.log")).read()[-1500:]
    except OSError:
        return ""


def phone(ext, sf, keys=None, pause_ms=1000):
    """A registered phone's UAS scenario in the background (-rtp_echo)."""
    return sipp(sf, ext, ext, keys, extra=["-rtp_echo"], pause_ms=pause_ms)


def caller(sf, pause_ms=1000):
    return sipp(sf, "1001", "1002", {"caller": "1001"},
                extra=["-au", "1001", "-ap", "pw1001"], pause_ms=pause_ms)


def empty():
    deadline = time.time() + 5
    while time.time() < deadline:
        if not re.search(r"SIP/\S+", pbx.rx("core show channels")[1]):
            return True
        time.sleep(0.2)
    return False


def case(name, procs):
    """Every sipp of the case ends with success; then no channel is left."""
    results = {ext: finish(p) for ext, p in procs.items()}
    bad = {ext: (rc, out, errors(ext)) for ext, (rc, out) in results.items() if rc != 0}
    t.ok(not bad, f"{name}: every phone's scenario passes", bad)
    t.ok(empty(), f"{name}: no channel left", pbx.rx("core show channels")[1])


try:
    for ext in ("1002", "1003", "1004", "1005"):
        r = sipp("register.xml", ext, ext, {"expires": 600}, ["-au", ext, "-ap", "pw" + ext])
        t.ok(finish(r)[0] == 0, f"{ext} registers", errors(ext))

    c = phone("1003", "uas-answer-bye.xml")
    b = phone("1002", "uas-refer-blind.xml", {"refer_to": "1003"}, pause_ms=500)
    a = caller("uac-call-wait-bye.xml")
    case("blind transfer to 1003", {"1001": a, "1002": b, "1003": c})

    c = phone("1003", "uas-answer-bye.xml")
    b = phone("1002", "uas-refer-blind.xml", {"refer_to": "1099"}, pause_ms=500)
    a = caller("uac-call-wait-bye.xml")
    case("transfer redirected by on_refer (1099 -> 1003)", {"1001": a, "1002": b, "1003": c})

    b = phone("1002", "uas-refer-refused.xml", {"refer_to": "1009"}, pause_ms=500)
    a = caller("uac-call.xml", pause_ms=2500)
    case("transfer denied by on_refer (403), the call goes on", {"1001": a, "1002": b})

    d = phone("1004", "uas-busy.xml")
    b = phone("1002", "uas-refer-failed.xml", {"refer_to": "1004"}, pause_ms=500)
    a = caller("uac-call-wait-bye.xml")
    case("target busy: A and B bridged again", {"1001": a, "1002": b, "1004": d})

    e = phone("1005", "uas-ring.xml")
    b = phone("1002", "uas-refer-failed.xml", {"refer_to": "1005"}, pause_ms=500)
    a = caller("uac-call-wait-bye.xml")
    case("target not answering: A and B bridged again", {"1001": a, "1002": b, "1005": e})

    o = sipp("refer-out-of-dialog.xml", "1002", "1002", {"refer_to": "1003"})
    case("REFER outside a dialog: 403", {"1002": o})
finally:
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    pbx.stop()
    t.ok(not pbx.assertion_lines(), "no assertion failed", pbx.assertion_lines())
    pbx.cleanup()
t.done()
