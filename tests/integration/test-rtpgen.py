#!/usr/bin/env python3
"""rtpgen, the RTP load generator of tests/bench/ (tests/bench/rtpgen/),
against a test daemon: it registers 1002, places 5 calls from 1001 (digest
auth), answers them and streams G.711 both ways for 3 s.  Every call comes
up, every callee leg is answered, and less than 1 % of the packets is
lost; so the tool the relay benchmark relies on cannot rot unnoticed.
Then, with the transcoding benchmark's dialplan (tests/bench/transcode.lua
forces the callee's codec by number), 3 calls each to a G.722 and an Opus
callee (--callee-codec): the daemon transcodes (rtpgen receives packets the
daemon encoded, none of its own relayed), still with < 1 % loss.
No assertion on timing (jitter, delay): the machine is shared."""
import os
import subprocess

from carillon import TOP, Carillon, Tap

RTPGEN = os.path.join(TOP, "tests", "bench", "rtpgen", "rtpgen")
DIALPLAN = os.path.join(TOP, "tests", "bench", "transcode.lua")
CALLS = 5
TRANSCODED = 3
# transcode.lua: the callee's number chooses its codec
CALLEES = {"g722": "1004", "opus": "1005"}


def result_line(out):
    """The key=value pairs of rtpgen's last line."""
    lines = out.strip().splitlines()
    pairs = lines[-1].split() if lines else []
    return dict(p.split("=", 1) for p in pairs if "=" in p)


def rtpgen(pbx, calls, seconds, *extra):
    """(exit status, key=value result, all output) of one rtpgen run."""
    try:
        p = subprocess.run([RTPGEN, "-p", str(pbx.sip_port), "-n", str(calls), "-d",
                            str(seconds), "-r", "20", "-t", "60", "--pbx-pid",
                            str(pbx.proc.pid), *extra],
                           capture_output=True, text=True, timeout=90)
        return p.returncode, result_line(p.stdout), p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        return 124, {}, f"rtpgen did not end within 90 s: {e}"


t = Tap()
if not t.ok(os.access(RTPGEN, os.X_OK), "rtpgen is built", RTPGEN):
    t.done()

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "30000")
pbx.conf("rtp.conf", "general", "port_end", "30999")
# No OPTIONS pings to rtpgen's callee.
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
with open(DIALPLAN) as f:
    pbx.write_file("extensions.lua", f.read())
t.ok(pbx.start(), "daemon starts", pbx.log_text())

rc, r, out = rtpgen(pbx, CALLS, 3)
t.ok(rc == 0, "rtpgen exits 0 (every call came up, no timeout)", out)
t.ok(r.get("up") == str(CALLS) and r.get("failed") == "0", f"{CALLS} calls up, none failed", out)
t.ok(r.get("legs_up") == str(CALLS), f"{CALLS} callee legs answered and ACKed", out)
t.ok(r.get("streams") == str(2 * CALLS), "media flowed both ways on every call", out)
sent, received = int(r.get("sent", 0)), int(r.get("received", 0))
# 50 packets/s per stream for at least the 3 s window.
t.ok(sent >= 2 * CALLS * 50 * 3, "the streams sent 50 packets/s", out)
t.ok(received > 0 and float(r.get("loss_pct", 100)) < 1.0, "less than 1 % loss", out)
t.ok(r.get("transcoded") == "0", "PCMU both ways: relayed, not transcoded", out)
t.ok(r.get("foreign") == "0", "no packet reached the wrong call", out)
t.ok(r.get("bye_failed") == "0", "every BYE was answered", out)

for codec, callee in CALLEES.items():
    rc, r, out = rtpgen(pbx, TRANSCODED, 2, "--callee", callee, "--callee-codec", codec)
    t.ok(rc == 0 and r.get("up") == str(TRANSCODED) and r.get("legs_up") == str(TRANSCODED),
         f"ulaw<->{codec}: {TRANSCODED} calls up, the callee answering {codec}", out)
    t.ok(r.get("transcoded") == "1" and r.get("term_streams") == str(2 * TRANSCODED)
         and r.get("relayed_back") == "0",
         f"ulaw<->{codec}: every stream got packets the daemon encoded, none relayed", out)
    t.ok(int(r.get("term_received", 0)) >= 2 * TRANSCODED * 50 * 2
         and float(r.get("loss_pct", 100)) < 1.0,
         f"ulaw<->{codec}: 50 packets/s each way, less than 1 % loss", out)
    t.ok(r.get("foreign") == "0", f"ulaw<->{codec}: nothing but the negotiated codec", out)

rc, show = pbx.rx("rtp show sessions")
t.ok(rc == 0 and "0 active RTP sessions" in show, "no RTP session left after the BYEs", show)

t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion in the log",
     "\n".join(pbx.assertion_lines()))
pbx.cleanup()
t.done()
