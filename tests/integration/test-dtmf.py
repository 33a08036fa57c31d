#!/usr/bin/env python3
"""DTMF end to end through Carillon, with real phones and sipp.

The dialplan dials the number and logs every on_dtmf(leg, digit, info)
it gets; `*` is swallowed (returned true).  Checks:

1. RFC 4733 both ways between two baresip phones (1001 -> 1002): each
   digit reaches on_dtmf once, on the leg that sent it, with its duration
   and source "rfc4733", and the other phone receives it once; `*` never
   reaches the other phone.
2. INFO <-> RFC 4733: sipp as 1003 (dtmf_mode=info) sends INFO
   dtmf-relay 7 and application/dtmf 3 (200 each; another content type
   gets 415) to baresip 1004, which receives them as RFC 4733 events;
   1004's 9 reaches sipp as an INFO (the scenario checks Signal=9).
3. sipp as 1005 plays sipp's own RFC 4733 capture of the digit 1 (280 ms,
   end packet three times) to baresip 1006: on_dtmf gets one 1 of 280 ms.
4. In band <-> RFC 4733: baresip 1007 (dtmf_mode=inband) sends DTMF tones
   in its audio: on_dtmf hears them (source "inband") and baresip 1008
   receives them as events; 1008's digit 6 reaches 1007 as tones (its
   decoded audio holds 770 + 1477 Hz)."""
import glob
import math
import os
import re
import shutil
import struct
import subprocess
import time
import wave

from audio import write_tone
from baresip import Baresip
from carillon import TOP, Carillon, Tap, free_port, wait_for

t = Tap()
if not shutil.which("baresip") or not shutil.which("sipp"):
    print("1..0 # SKIP baresip or sipp not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

SIPP = os.path.join(TOP, "contrib", "sipp")
DTMF_HZ = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209),
           "5": (770, 1336), "6": (770, 1477), "7": (852, 1209), "8": (852, 1336),
           "9": (852, 1477), "*": (941, 1209), "0": (941, 1336), "#": (941, 1477)}

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "44000")
pbx.conf("rtp.conf", "general", "port_end", "44999")
pbx.conf("endpoints.conf", "1003", "dtmf_mode", "info")
pbx.conf("endpoints.conf", "1007", "dtmf_mode", "inband")
pbx.write_file("extensions.lua", """
context("office", {
    on_invite = function(call) call:dial(call.to, {timeout = 20}) end,
    on_dtmf = function(leg, digit, info)
        pbx.log("notice", string.format("on_dtmf %s %s %d %s", leg.name, digit,
                                        info.duration, info.source))
        return digit == "*"
    end,
})
""")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

phones = []


def phone(user, answer=False, source=None):
    src = source or os.path.join(pbx.run_dir, f"tone-{user}.wav")
    if not source:
        write_tone(src, 440, 40, amplitude=3000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=60, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                # no jitter buffer: an event is reported when it arrives,
                # not when later packets push it out
                config_extra=[f"snd_path {rec}", "jitter_buffer_delay 0-0"],
                answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def up(n=2):
    out = pbx.rx("core show channels")[1]
    return len(re.findall(r"^SIP/\S+\s+UP", out, re.M)) == n


def gone():
    return "0 active channels" in pbx.rx("core show channels")[1]


def heard():
    """(leg user, digit, duration, source) of each on_dtmf, in order."""
    return [(m.group(1), m.group(2), int(m.group(3)), m.group(4)) for m in
            re.finditer(r"on_dtmf SIP/(\d+)-\S+ (\S) (\d+) (\S+)", pbx.log_text())]


def received(b):
    """Digits a baresip phone received as RFC 4733 events (one per end)."""
    return re.findall(r"received event: '(.)' \(end=1\)", b.log_text())


def hangup_all(caller):
    caller.command("/hangup")
    wait_for(gone, 10)


def press(b, digits, gap=0.6):
    for d in digits:
        b.command(d)
        time.sleep(gap)


try:
    # ---- 1. RFC 4733 both ways -------------------------------------------------
    a, b = phone("1001"), phone("1002", answer=True)
    t.ok(wait_for(lambda: pbx.registered("1001", "1002"), 15), "1001 and 1002 register")
    a.command("/dial 1002")
    t.ok(wait_for(up, 15), "1001 calls 1002: up", pbx.rx("core show channels")[1])
    time.sleep(1)
    press(a, "12*#")
    press(b, "5")
    ok = wait_for(lambda: len(heard()) >= 5, 5)
    h = heard()
    t.ok(ok and [(u, d, s) for u, d, _, s in h] ==
         [("1001", "1", "rfc4733"), ("1001", "2", "rfc4733"), ("1001", "*", "rfc4733"),
          ("1001", "#", "rfc4733"), ("1002", "5", "rfc4733")],
         "on_dtmf hears 1, 2, *, # on 1001's leg and 5 on 1002's, once each, rfc4733", h)
    t.ok(h and all(60 <= dur <= 2000 for _, _, dur, _ in h),
         "each digit comes with its duration (baresip's: 60-2000 ms)", h)
    t.ok(wait_for(lambda: received(b) == ["1", "2", "#"], 5),
         "1002 receives 1, 2, # once each, not the swallowed *", received(b))
    t.ok(wait_for(lambda: received(a) == ["5"], 5), "1001 receives 5", received(a))
    rc, out = pbx.rx("rtp show sessions")
    sid = re.search(r"^(\d+)\s", out, re.M)
    rc, one = pbx.rx(f"rtp show session {sid.group(1)}") if sid else (1, out)
    t.ok(rc == 0 and re.search(r"DTMF:\s+rfc4733 \(telephone-event 101\), [1-9]\d* received", one),
         "rtp show session: the DTMF format and the digits counted", one)
    hangup_all(a)

    # ---- 2. INFO <-> RFC 4733 ----------------------------------------------------
    c = phone("1004", answer=True)
    t.ok(wait_for(lambda: pbx.registered("1004"), 15), "1004 registers")
    before = len(heard())
    port, mport = free_port(), free_port()
    sipp = subprocess.Popen(
        ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", os.path.join(SIPP, "uac-dtmf-info.xml"),
         "-m", "1", "-s", "1004", "-i", "127.0.0.1", "-p", str(port), "-mp", str(mport),
         "-au", "1003", "-ap", "pw1003", "-key", "caller", "1003", "-timeout", "40",
         "-timeout_error", "-nostdin", "-trace_err", "-error_file",
         os.path.join(pbx.run_dir, "sipp-info-errors.log")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=pbx.run_dir)
    ok = wait_for(lambda: len(heard()) >= before + 2, 15)
    h = heard()[before:]
    t.ok(ok and h[:2] == [("1003", "7", 160, "info"), ("1003", "3", 250, "info")],
         "INFO dtmf-relay 7 (160 ms) and application/dtmf 3 (250 ms default) reach on_dtmf",
         h)
    t.ok(wait_for(lambda: received(c) == ["7", "3"], 5),
         "the RFC 4733 phone 1004 receives 7 and 3 as events", received(c))
    press(c, "9")
    try:
        out, _ = sipp.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        sipp.kill()
        out, _ = sipp.communicate()
    errs = open(os.path.join(pbx.run_dir, "sipp-info-errors.log")).read() \
        if os.path.exists(os.path.join(pbx.run_dir, "sipp-info-errors.log")) else ""
    t.ok(sipp.returncode == 0,
         "sipp: every INFO answered 200 (415 for text/plain) and 1004's 9 arrives as "
         "INFO Signal=9", out[-2000:] + errs[-2000:])
    t.ok(("1004", "9") in [(u, d) for u, d, _, _ in heard()[before:]],
         "on_dtmf hears 1004's 9", heard()[before:])
    wait_for(gone, 10)

    # ---- 3. sipp's RFC 4733 capture ---------------------------------------------
    e = phone("1006", answer=True)
    t.ok(wait_for(lambda: pbx.registered("1006"), 15), "1006 registers")
    before = len(heard())
    port, mport = free_port(), free_port()
    r = subprocess.run(
        ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", os.path.join(SIPP, "uac-dtmf-rfc4733.xml"),
         "-m", "1", "-s", "1006", "-d", "2500", "-i", "127.0.0.1", "-p", str(port),
         "-mp", str(mport), "-au", "1005", "-ap", "pw1005", "-key", "caller", "1005",
         "-timeout", "30", "-timeout_error", "-nostdin"],
        capture_output=True, text=True, timeout=60, cwd=pbx.run_dir)
    t.ok(r.returncode == 0, "sipp 1005 calls 1006 and plays the digit 1", r.stdout[-1500:])
    h = heard()[before:]
    t.ok(h == [("1005", "1", 280, "rfc4733")],
         "on_dtmf: one 1 of 280 ms (redundant updates and 3 end packets made one digit)", h)
    t.ok(wait_for(lambda: received(e) == ["1"], 5), "1006 receives the 1 once", received(e))
    wait_for(gone, 10)

    # ---- 4. in band <-> RFC 4733 --------------------------------------------------
    tones = os.path.join(pbx.run_dir, "digits.wav")
    w = wave.open(tones, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    frames = []
    # 3 s of quiet, then 4 and 8 (150 ms each, 300 ms apart), then quiet
    plan = [(None, 3.0), ("4", 0.15), (None, 0.3), ("8", 0.15), (None, 40.0)]
    for digit, secs in plan:
        for i in range(int(8000 * secs)):
            v = 0.0
            if digit:
                lo, hi = DTMF_HZ[digit]
                v = 5000 * (math.sin(2 * math.pi * lo * i / 8000) +
                            1.26 * math.sin(2 * math.pi * hi * i / 8000))
            frames.append(struct.pack("<h", int(v)))
    w.writeframes(b"".join(frames))
    w.close()
    f = phone("1007", source=tones)
    g = phone("1008", answer=True)
    t.ok(wait_for(lambda: pbx.registered("1007", "1008"), 30), "1007 and 1008 register")
    before = len(heard())
    f.command("/dial 1008")
    t.ok(wait_for(up, 15), "1007 (inband) calls 1008 (rfc4733): up")
    ok = wait_for(lambda: len(heard()) >= before + 2, 10)
    h = heard()[before:]
    t.ok(ok and [(u, d, s) for u, d, _, s in h[:2]] == [("1007", "4", "inband"),
                                                          ("1007", "8", "inband")],
         "on_dtmf hears the tones 4 and 8 in 1007's audio (source inband)", h)
    t.ok(h and all(110 <= dur <= 200 for _, _, dur, _ in h[:2]),
         "with about their 150 ms", h)
    t.ok(wait_for(lambda: received(g) == ["4", "8"], 5),
         "1008 receives 4 and 8 as RFC 4733 events", received(g))
    rc, out = pbx.rx("rtp show sessions")
    t.ok(len(re.findall(r"\btranscode\b", out)) == 2,
         "both legs are decoded (in band DTMF)", out)
    press(g, "6")
    time.sleep(1.5)
    hangup_all(f)
    for p in (f, g):
        p.stop()
    rec = glob.glob(os.path.join(f.rec, "dump-*-dec.wav"))
    found = None
    if rec:
        w = wave.open(rec[0])
        data = w.readframes(w.getnframes())
        rate = w.getframerate()
        s = struct.unpack(f"<{len(data) // 2}h", data)
        n = rate // 25              # 40 ms windows

        def power(block, hz):
            k = 2 * math.cos(2 * math.pi * hz / rate)
            a1 = a2 = 0.0
            for x in block:
                a1, a2 = x + k * a1 - a2, a1
            return a1 * a1 + a2 * a2 - k * a1 * a2
        for i in range(0, len(s) - n, n):
            block = s[i:i + n]
            p = {hz: power(block, hz) for hz in (697, 770, 852, 941, 1209, 1336, 1477, 1633)}
            best = sorted(p, key=p.get, reverse=True)[:2]
            if set(best) == {770, 1477} and p[770] > 1e9:
                found = i / rate
                break
    t.ok(found is not None, "1007's decoded audio holds the tones of 6 (770 + 1477 Hz)",
         (rec, found))

    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in phones:
        p.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
