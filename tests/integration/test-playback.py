#!/usr/bin/env python3
"""Prompts played to real phones (app_playback), with the sample office
dialplan and two extensions of the test's own on top of it:

1. baresip 1004 calls 850, which answers and plays vm-intro (5.7 s of
   8 kHz speech, G.711 both ways): what the phone decoded (its sndfile
   dump) matches the source WAV, normalised cross-correlation > 0.8 after
   alignment, and call:play() returned true.
2. baresip 1005 calls 800, the sample office's attendant: while its menu
   plays the phone types 2 (RFC 4733); the menu stops at once, and after
   the inter-digit timeout the IVR rings 1002 (baresip, auto answer):
   both legs are up in `core show channels`.
3. baresip 1006 calls 851 (a 25 s prompt) and hangs up 2 s into it:
   call:play() returns nil, "hangup", and no channel, RTP session,
   playback, module use or descriptor (/proc/PID/fd) is left behind.
4. Early media: 852 sends 183 with SDP (call:progress()), plays
   hello-world to the caller before any answer and rejects the call
   with 486; the phone heard the prompt (correlation > 0.8)."""
import glob
import math
import operator
import os
import re
import shutil
import struct
import time
import wave

from audio import write_tone
from baresip import Baresip
from carillon import TOP, Carillon, Tap, wait_for

t = Tap()
SOUNDS = "/usr/share/asterisk/sounds/en"
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)
for s in ("vm-intro", "basic-pbx-ivr-main", "hello", "vm-press", "transfer", "hello-world"):
    if not os.path.exists(os.path.join(SOUNDS, s + ".wav")):
        print(f"1..0 # SKIP the core English prompts are not installed ({s})")
        raise SystemExit(0)

TEST_EXTENSIONS = """
-- test-playback.py: two extensions on top of the sample office
local office = contexts.office.on_invite
contexts.office.on_invite = function(call)
    if call.to == "852" then
        call:progress()
        local ok, why = call:play("hello-world")
        pbx.log("notice", string.format("play 852 in %s: %s %s", call.state, tostring(ok),
                                        tostring(why)))
        return call:hangup(486)
    end
    if call.to == "850" or call.to == "851" then
        call:answer()
        local ok, why, code = call:play(call.to == "850" and "vm-intro" or "basic-pbx-ivr-main")
        pbx.log("notice", string.format("play %s: %s %s %s", call.to, tostring(ok),
                                        tostring(why), tostring(code)))
        if ok then pbx.sleep(1) end
        return
    end
    return office(call)
end
"""

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "48000")
pbx.conf("rtp.conf", "general", "port_end", "48999")
with open(os.path.join(TOP, "contrib/configs/sample-office/extensions.lua")) as f:
    pbx.write_file("extensions.lua", f.read() + TEST_EXTENSIONS)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
pid = pbx.proc.pid
phones = []


def phone(user, answer=False):
    src = os.path.join(pbx.run_dir, f"quiet-{user}.wav")
    write_tone(src, 440, 60, amplitude=0)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=90, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}", "jitter_buffer_delay 0-0"], codecs="PCMU",
                answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def channels():
    out = pbx.rx("core show channels")[1]
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", out, re.M), out


def playbacks():
    out = pbx.rx("playback show")[1]
    m = re.search(r"(\d+) playbacks, (\d+) calls reading digits", out)
    return (int(m.group(1)), int(m.group(2))) if m else None, out


def idle():
    rc, rtp = pbx.rx("rtp show sessions")
    return (not channels()[0] and "0 active RTP sessions" in rtp
            and playbacks()[0] == (0, 0))


def samples(path):
    w = wave.open(path)
    rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    data = w.readframes(w.getnframes())
    w.close()
    if width != 2:
        return rate, []
    return rate, list(struct.unpack(f"<{len(data) // 2}h", data)[::ch])


def envelope(s, block=80):
    return [sum(abs(x) for x in s[i:i + block]) for i in range(0, len(s) - block + 1, block)]


def ncc(a, b):
    """Normalised cross-correlation of two equally long sequences."""
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    a = [x - ma for x in a]
    b = [x - mb for x in b]
    den = math.sqrt(sum(map(operator.mul, a, a)) * sum(map(operator.mul, b, b)))
    return sum(map(operator.mul, a, b)) / den if den else 0.0


def best_alignment(rec, src):
    """(lag, correlation) of src inside rec: the lag of 10 ms blocks whose
    envelopes match best, then the best sample lag around it."""
    er, es = envelope(rec), envelope(src)
    if len(er) < len(es):
        return None, 0.0
    coarse = max(range(len(er) - len(es) + 1), key=lambda k: ncc(er[k:k + len(es)], es))
    lo = max(0, coarse * 80 - 160)
    hi = min(len(rec) - len(src), coarse * 80 + 160)
    part = src[:16000]
    lag = max(range(lo, hi + 1), key=lambda k: ncc(rec[k:k + len(part)], part))
    return lag, ncc(rec[lag:lag + len(src)], src)


def heard_prompt(b, name):
    """The normalised cross-correlation of what phone b decoded with the
    prompt's WAV, aligned; with a line of diagnostics."""
    rec = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    rate, heard = samples(rec[0]) if rec else (0, [])
    srate, source = samples(os.path.join(SOUNDS, name + ".wav"))
    lag, corr = best_alignment(heard, source) if rate == srate == 8000 else (None, 0.0)
    t.diag(f"{name}: {len(heard)} samples recorded at {rate} Hz, aligned at {lag}, "
           f"correlation {corr:.4f}")
    return corr


def open_fds():
    return sorted(os.readlink(f"/proc/{pid}/fd/{f}") for f in os.listdir(f"/proc/{pid}/fd"))


try:
    a, b, c, d = phone("1004"), phone("1005"), phone("1006"), phone("1002", answer=True)
    t.ok(wait_for(lambda: pbx.registered("1002", "1004", "1005", "1006"), 20),
         "1002, 1004, 1005 and 1006 register", pbx.rx("sip show registrations")[1])

    # ---- 1. vm-intro reaches the phone as it is --------------------------------
    a.command("/dial 850")
    t.ok(wait_for(lambda: playbacks()[0] == (1, 0), 15), "850 answers and plays",
         playbacks()[1] + a.log_text()[-1500:])
    t.ok(wait_for(lambda: "play 850:" in pbx.log_text(), 15) and
         "play 850: true nil nil" in pbx.log_text(),
         "call:play('vm-intro') returns true at the end", pbx.log_text()[-2000:])
    t.ok(wait_for(idle, 10), "the call ends: no channel, RTP session or playback left",
         channels()[1] + playbacks()[1])
    a.stop()
    corr = heard_prompt(a, "vm-intro")
    t.ok(corr > 0.8, f"the phone heard vm-intro (normalised cross-correlation {corr:.3f} > 0.8)")

    # ---- 2. the IVR: a digit stops the menu and routes the call ---------------
    b.command("/dial 800")
    t.ok(wait_for(lambda: playbacks()[0] == (1, 1), 15), "800 answers, plays its menu and "
         "waits for digits", playbacks()[1] + b.log_text()[-1500:])
    time.sleep(2)
    t.ok(playbacks()[0] == (1, 1), "the menu is still playing 2 s in", playbacks()[1])
    b.command("2")
    pressed = time.time()
    stopped = wait_for(lambda: playbacks()[0] == (0, 1), 3, step=0.05)
    t.ok(stopped, f"the digit 2 stops the menu at once ({time.time() - pressed:.2f} s after "
         "it was typed; the call still reads digits)", playbacks()[1])
    both = wait_for(lambda: sorted(channels()[0]) == [("1002", "UP"), ("1005", "UP")], 20)
    t.ok(both, "after the inter-digit timeout the IVR rings 1002, which answers: both legs up",
         channels()[1] + pbx.log_text()[-2000:])
    b.command("/hangup")
    t.ok(wait_for(idle, 10), "hangup: nothing left", channels()[1] + playbacks()[1])

    # ---- 3. hanging up in the middle of a prompt ------------------------------
    time.sleep(0.5)
    baseline = open_fds()
    c.command("/dial 851")
    t.ok(wait_for(lambda: playbacks()[0] == (1, 0), 15), "851 plays a 25 s prompt",
         playbacks()[1])
    time.sleep(2)
    c.command("/hangup")
    t.ok(wait_for(lambda: "play 851:" in pbx.log_text(), 10) and
         "play 851: nil hangup hangup" in pbx.log_text(),
         "a hangup in the middle: call:play() returns nil, \"hangup\"", pbx.log_text()[-2000:])
    t.ok(wait_for(idle, 10), "no channel, RTP session or playback left",
         channels()[1] + playbacks()[1])
    rc, out = pbx.rx("module show like app_playback")
    t.ok(re.search(r"^app_playback\s.*\s0\s", out, re.M), "app_playback holds no use", out)
    fds = wait_for(lambda: open_fds() if len(open_fds()) <= len(baseline) else None, 5)
    t.ok(fds is not None, f"the daemon's descriptors are back to {len(baseline)}",
         [f for f in open_fds() if f not in baseline])

    # ---- 4. early media --------------------------------------------------------
    e = phone("1007")
    t.ok(wait_for(lambda: pbx.registered("1007"), 20), "1007 registers")
    e.command("/dial 852")
    t.ok(wait_for(lambda: "play 852" in pbx.log_text(), 15) and
         "play 852 in PROGRESS: true nil" in pbx.log_text(),
         "after call:progress() the call is in PROGRESS and hello-world plays to its end",
         pbx.log_text()[-2000:])
    t.ok(wait_for(lambda: "486 Busy Here" in e.log_text(), 10) and wait_for(idle, 10),
         "then the caller gets 486 and nothing is left", e.log_text()[-1500:])
    e.stop()
    corr = heard_prompt(e, "hello-world")
    t.ok(corr > 0.8, f"the phone heard hello-world before any answer (normalised "
         f"cross-correlation {corr:.3f} > 0.8)")

    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in phones:
        p.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
