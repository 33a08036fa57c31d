#!/usr/bin/env python3
"""app_media with real phones: baresip calls through Carillon and what
it hears (its sndfile dump of the decoded audio) or what Carillon
records (libsndfile WAVs under var_dir/recordings) is measured.

1. The sample office dialplan: 600 echoes the phone's 440 Hz tone back
   to it; "#" (RFC 4733 from baresip) ends it.  601 plays 1004 Hz at
   0 dBm0 until the phone hangs up.
2. The test's own dialplan (`dialplan reload`), which logs what each
   method returned: a busy tone (480 + 620 Hz, 0.5 s on, 0.5 s off),
   then hung up;
   call:record() ending at max (with the beep first, which the phone
   hears), at "#", at the phone's hangup and after a second of silence:
   each file has the tone, about the right length, and only its final
   name once done (a temporary one while it records).
3. Hanging up in the middle of each method leaves no channel, no RTP
   session and no descriptor behind (/proc/PID/fd back to the idle
   count; the recording writer keeps no file open once done).
4. `module unload app_media` is refused while a call records and works
   once it is over; `core stop now` in the middle of a recording stops
   the daemon cleanly, the file finished under its name and every module
   use ended before the modules unload (no "uses still active")."""
import glob
import math
import os
import re
import shutil
import struct
import subprocess
import time
import wave

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

TONE_HZ = 440
WAIT_FDS_S = 3

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "47000")
pbx.conf("rtp.conf", "general", "port_end", "47999")
pbx.conf("endpoints.conf", "office-phone", "codecs", "ulaw")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
pid = pbx.proc.pid
recordings = os.path.join(pbx.run_dir, "var", "recordings", "it")

OWN_DIALPLAN = """
local function show(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    return table.concat(t, ",")
end
local record_opts = {
    ["700"] = {max = 3, beep = true},
    ["701"] = {max = 30},               -- the phone presses #
    ["702"] = {max = 30},               -- the phone hangs up
    ["703"] = {max = 30, silence = 1},  -- the phone goes quiet
    ["704"] = {max = 30},               -- the module cannot unload meanwhile
    ["705"] = {max = 30},               -- the daemon stops meanwhile
}
context("office", {
    on_invite = function(call)
        local to = call.to
        call:answer()
        if to == "602" then
            pbx.log("notice", "app tone " .. show(call:tone("busy", {duration = 4})))
        elseif to == "600" then
            pbx.log("notice", "app echo " .. show(call:echo()))
        elseif to == "601" then
            pbx.log("notice", "app milliwatt " .. show(call:milliwatt()))
        elseif record_opts[to] then
            pbx.log("notice", "app record " .. to .. " "
                    .. show(call:record("it/" .. to .. ".wav", record_opts[to])))
        end
    end,
})
"""


def open_fds():
    return len(os.listdir(f"/proc/{pid}/fd"))


def channels():
    return pbx.rx("core show channels")[1]


def gone():
    return "0 active channels" in channels()


def no_sessions():
    return "0 active RTP sessions" in pbx.rx("rtp show sessions")[1]


def up():
    return re.search(r"^SIP/\S+\s+UP", channels(), re.M)


def registered(user):
    out = pbx.rx("sip show registrations")[1]
    return any(l.split()[:1] == [user] for l in out.splitlines())


def logged(what):
    m = re.findall(r"app " + what + r" (\S*)", pbx.log_text())
    return m[-1] if m else None


def phone(user, source):
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=120, audio_source=source,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}", "jitter_buffer_delay 0-0"], codecs="PCMU")
    b.rec = rec
    return b


def dumps(b):
    return set(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")))


def call(b, ext, seconds, end=None, press=None, during=None):
    """Dials ext, lets it run `seconds` once up (pressing `press` half way
    through, if given), then ends it: "#", "hangup" or None (the PBX ends
    it).  Returns the new dump of what b heard and whether the call was
    still up before the end."""
    before = dumps(b)
    b.command(f"/dial {ext}")
    ok = wait_for(up, 15)
    time.sleep(seconds / 2)
    if press:
        b.command(press)
    if during:
        during()
    time.sleep(seconds / 2)
    still = bool(up())
    if end == "#":
        b.command("#")
    elif end == "hangup":
        b.command("/hangup")
    ended = wait_for(gone, 15)
    t.ok(ok and ended, f"call to {ext}: up, then over ({end or 'by the PBX'})",
         channels() + b.log_text()[-1500:] + pbx.log_text()[-1500:])
    wait_for(lambda: dumps(b) - before, 5)
    time.sleep(0.5)                       # baresip closes its dump at the call's end
    new = sorted(dumps(b) - before)
    return (new[-1] if new else None), still


def clean_after(what, baseline):
    """No channel, no RTP session, descriptors back to the idle count."""
    ok = wait_for(lambda: gone() and no_sessions() and open_fds() <= baseline, WAIT_FDS_S)
    t.ok(ok, f"{what}: no channel, RTP session or descriptor left "
             f"({open_fds()} fds, idle {baseline})",
         channels() + pbx.rx("rtp show sessions")[1] + "\n".join(
             sorted(os.readlink(f"/proc/{pid}/fd/{f}") for f in os.listdir(f"/proc/{pid}/fd"))))


def samples(path):
    w = wave.open(path)
    data = w.readframes(w.getnframes())
    rate = w.getframerate()
    w.close()
    return struct.unpack(f"<{len(data) // 2}h", data), rate


def share(block, rate, hz):
    """Goertzel: the part of block's energy at hz."""
    k = 2 * math.cos(2 * math.pi * hz / rate)
    a1 = a2 = 0.0
    energy = sum(x * x for x in block) or 1
    for x in block:
        a1, a2 = x + k * a1 - a2, a1
    return 2 * (a1 * a1 + a2 * a2 - k * a1 * a2) / (len(block) * energy)


def on_runs(path):
    """Lengths (ms) of the runs of sound in 20 ms blocks, inner ones only."""
    s, rate = samples(path)
    n = rate // 50
    flags = [math.sqrt(sum(x * x for x in s[i:i + n]) / n) > 300
             for i in range(0, len(s) - n, n)]
    runs, count = [], 0
    for f in flags:
        if f:
            count += 1
        elif count:
            runs.append(count * 20)
            count = 0
    return runs[1:]           # the first may be cut by the start of the dump


tone = os.path.join(pbx.run_dir, "tone.wav")
write_tone(tone, TONE_HZ, 60, amplitude=8000)
quiet = os.path.join(pbx.run_dir, "tone-then-quiet.wav")
write_tone(quiet, TONE_HZ, 2, amplitude=8000)
with wave.open(quiet, "rb") as w:
    head = w.readframes(w.getnframes())
with wave.open(quiet, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(head + b"\0\0" * 8000 * 30)

a = phone("1001", tone)
q = phone("1002", quiet)
try:
    t.ok(wait_for(lambda: registered("1001") and registered("1002"), 15),
         "the phones register", pbx.rx("sip show registrations")[1])
    baseline = open_fds()

    # ---- 1. the sample dialplan: 600 echo, 601 milliwatt ---------------------
    heard, _ = call(a, "600", 4, end="#")
    r = analyse(heard, skip=1.0) if heard else None
    t.ok(r and r[1] > 2000 and abs(r[2] - TONE_HZ) < 10,
         f"600 (echo): the phone hears its own {TONE_HZ} Hz back (s, RMS, Hz = {r})", heard)
    clean_after("echo ended by #", baseline)
    heard, _ = call(a, "601", 4, end="hangup")
    r = analyse(heard, skip=1.0) if heard else None
    level = 20 * math.log10(r[1] / 16141) if r and r[1] > 0 else None
    t.ok(r and abs(r[2] - 1004) < 5 and level is not None and abs(level) < 1,
         f"601 (milliwatt): 1004 Hz at 0 dBm0 (s, RMS, Hz = {r}; {level} dB)", heard)
    clean_after("milliwatt hung up", baseline)

    # ---- 2. the test's dialplan: tone, echo, milliwatt, record -----------------
    pbx.write_file("extensions.lua", OWN_DIALPLAN)
    rc, out = pbx.rx("dialplan reload")
    t.ok(rc == 0, "the test's dialplan loads", out)

    heard, _ = call(a, "602", 6)
    runs = on_runs(heard) if heard else []
    s, rate = samples(heard) if heard else ((), 8000)
    block = s[rate:rate + rate // 5] if s else ()
    both = share(block, rate, 480) + share(block, rate, 620) if block else 0
    t.ok(logged("tone") == "true", "call:tone('busy', {duration = 4}) returns true",
         logged("tone"))
    t.ok(len(runs) >= 2 and all(abs(x - 500) <= 60 for x in runs) and both > 0.9,
         f"the phone hears busy: 480 + 620 Hz ({both:.2f} of the energy), "
         f"0.5 s bursts ({runs} ms)", heard)

    call(a, "602", 2, end="hangup")
    t.ok(logged("tone") == "nil,hangup", "call:tone() hung up returns nil, \"hangup\"",
         logged("tone"))
    clean_after("tone hung up", baseline)
    call(a, "600", 3, end="hangup")
    t.ok(logged("echo") == "nil,hangup", "call:echo() returns nil, \"hangup\"", logged("echo"))
    clean_after("echo hung up", baseline)
    _, still = call(a, "601", 3, press="#", end="hangup")
    t.ok(still and logged("milliwatt") == "nil,hangup",
         "call:milliwatt() ignores # and returns nil, \"hangup\"", logged("milliwatt"))
    clean_after("milliwatt hung up", baseline)

    def check_record(ext, reason, lo, hi, heard=None):
        res = logged(f"record {ext}")
        path = os.path.join(recordings, f"{ext}.wav")
        parts = res.split(",") if res else []
        t.ok(len(parts) == 3 and parts[0] == path and parts[2] == reason
             and lo <= float(parts[1]) <= hi,
             f"record {ext}: returns its path, {lo}-{hi} s and {reason!r}", res)
        r = analyse(path, skip=0.3) if os.path.exists(path) else None
        t.ok(r and lo - 0.05 <= r[0] <= hi + 0.05 and abs(r[2] - TONE_HZ) < 5 and r[1] > 2000,
             f"record {ext}: the file has the {TONE_HZ} Hz tone (s, RMS, Hz = {r})", path)
        names = sorted(os.listdir(recordings))
        t.ok(f"{ext}.wav" in names and not [n for n in names if n.startswith(".")],
             f"record {ext}: the final name, no temporary file left", names)

    heard, _ = call(a, "700", 5)
    check_record("700", "max", 3.0, 3.0)
    s, rate = samples(heard) if heard else ((), 8000)
    first = next((i for i in range(0, len(s) - 400, 80)
                  if share(s[i:i + 400], rate, 1000) > 0.8), None)
    t.ok(first is not None, "record 700: the phone hears the beep (1 kHz) first", heard)
    clean_after("record at max", baseline)

    call(a, "701", 2.5, end="#")
    check_record("701", "#", 1.5, 3.2)
    clean_after("record ended by #", baseline)

    def only_temporary():
        names = os.listdir(recordings)
        t.ok("702.wav" not in names and [n for n in names if n.startswith(".702.wav.")],
             "record 702: while it records, only a temporary file exists", names)

    call(a, "702", 2.5, end="hangup", during=only_temporary)
    check_record("702", "hangup", 1.5, 3.2)
    clean_after("record hung up", baseline)

    call(q, "703", 5)
    check_record("703", "silence", 0.5, 2.2)
    clean_after("record ended by silence", baseline)

    # ---- 4. the module and the daemon going away around a recording -------------
    a.command("/dial 704")
    t.ok(wait_for(up, 15), "call to 704: up", channels())
    time.sleep(1)
    rc, out = pbx.rx("module unload app_media")
    t.ok(rc != 0 and "in use" in out, "unloading app_media is refused while a call records", out)
    a.command("/hangup")
    wait_for(gone, 15)
    # the recording's use ends once the writer has closed its file
    tries = []

    def unloaded():
        tries.append(pbx.rx("module unload app_media"))
        return tries[-1][0] == 0

    wait_for(unloaded, 5)
    rc, out = tries[-1]
    t.ok(rc == 0, "app_media unloads once its calls are over", out)
    rc, out = pbx.rx("module load app_media")
    t.ok(rc == 0, "and loads again", out)
    a.command("/dial 705")
    t.ok(wait_for(up, 15), "call to 705 (recording): up", channels() + pbx.log_text()[-1500:])
    time.sleep(2.5)          # analyse() needs a second past its 0.3 s margins
    pbx.rx("core stop now")
    try:
        status = pbx.proc.wait(30)
    except subprocess.TimeoutExpired:
        status = None
    t.ok(status == 0 and "uses still active" not in pbx.log_text(),
         "core stop now in the middle of a recording: the daemon stops cleanly, "
         "every use ended before the modules unload", pbx.log_text()[-3000:])
    path = os.path.join(recordings, "705.wav")
    r = analyse(path, skip=0.3) if os.path.exists(path) else None
    names = sorted(os.listdir(recordings))
    t.ok(r and 2.0 <= r[0] <= 3.5 and abs(r[2] - TONE_HZ) < 5
         and not [n for n in names if n.startswith(".")],
         f"and the recording is finished in place (s, RMS, Hz = {r})", names)
    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    a.stop()
    q.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
