#!/usr/bin/env python3
"""Two real baresip phones with no codec in common talk through Carillon.

Each pair of phones calls once: the caller offers only its codec, the
callee accepts only its own; Carillon answers each leg with that leg's
codec and transcodes through signed linear.  Each phone sends a tone
(caller 1 kHz, callee 440 Hz) and records what it decodes (baresip's
sndfile dump); the test checks the frequency at each far end, that both
legs are transcoded (`rtp show sessions`) and the codecs in the CDR.

Pairs: Opus only <-> PCMU only; G.722 only <-> PCMA only; GSM <-> PCMU.
Also the bug of the issue: a caller offering PCMU and PCMA calling a
callee that accepts only PCMA must be answered with PCMA alone (the
codec the other leg uses), and the tones must get through relayed.  And
the dialplan's dial option `codecs = {"alaw"}` forces the callee's leg
to A-law although both phones speak PCMU: transcoded."""
import glob
import os
import re
import shutil

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so", "opus.so", "g722.so", "gsm.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

# (caller's baresip audio_codecs, its endpoint's codecs, the same for the
# callee, the bridge mode expected, the codec each phone ends up sending)
PAIRS = [
    ("opus/48000/2", "opus", "PCMU", "ulaw", "transcode", "opus", "PCMU"),
    ("G722/16000/1", "g722", "PCMA", "alaw", "transcode", "G722", "PCMA"),
    ("GSM", "gsm", "PCMU", "ulaw", "transcode", "GSM", "PCMU"),
    ("PCMU,PCMA", "ulaw,alaw", "PCMA", "alaw", "relay", "PCMA", "PCMA"),
    # the dialplan forces the callee's leg to A-law (dial option codecs)
    ("PCMU", "ulaw", "PCMU,PCMA", "ulaw,alaw", "transcode", "PCMU", "PCMA"),
]
FORCED = {4: "alaw"}      # pair index -> codec the dial forces
CALLER_HZ, CALLEE_HZ = 1000, 440

pbx = Carillon()
pbx.write_file("extensions.lua", """
context("office", {
    on_invite = function(call)
        -- "1010*alaw" dials 1010 with the callee's leg forced to A-law
        local to, force = call.to:match("^(%d+)%*(%a+)$")
        call:dial(to or call.to, {timeout = 20, codecs = force and {force} or nil})
    end,
})
""")
pbx.conf("rtp.conf", "general", "port_start", "43000")
pbx.conf("rtp.conf", "general", "port_end", "43999")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()


def phone(user, tone_hz, codecs, answer):
    """baresip's aufile wants the codec's own rate and channels."""
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    rate, ch = {"opus": (48000, 2), "G722": (16000, 1)}.get(codecs.split("/")[0], (8000, 1))
    write_tone(src, tone_hz, 30, rate=rate, channels=ch)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=60, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so", "opus.so", "g722.so", "gsm.so"],
                config_extra=[f"snd_path {rec}"], codecs=codecs,
                answermode="auto" if answer else None)
    b.rec = rec
    return b


def registered(user):
    rc, out = pbx.rx("sip show registrations")
    return any(l.split()[:1] == [user] for l in out.splitlines())


def channels():
    rc, out = pbx.rx("core show channels")
    return [l.split() for l in out.splitlines() if l.startswith("SIP/")], out


def both_up():
    rows, out = channels()
    return len(rows) == 2 and all(r[1] == "UP" for r in rows)


def sessions():
    rc, out = pbx.rx("rtp show sessions")
    return out


def modes(out):
    return re.findall(r"\b(relay|transcode)\b", out)


def encoders(b):
    """The codecs baresip set as its encoder, in order."""
    return re.findall(r"Set audio encoder: (\S+)", b.log_text())


def recording(b):
    files = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    return files[0] if files else None


def one_call(n, pair):
    bcaller, ccaller, bcallee, ccallee, mode, enc_caller, enc_callee = pair
    a, b = f"{1001 + 2 * n}", f"{1002 + 2 * n}"
    pbx.conf("endpoints.conf", a, "codecs", ccaller)
    pbx.conf("endpoints.conf", b, "codecs", ccallee)
    pbx.rx("module reload res_sip")
    caller = phone(a, CALLER_HZ, bcaller, False)
    callee = phone(b, CALLEE_HZ, bcallee, True)
    name = f"{bcaller} -> {bcallee}"
    try:
        t.ok(wait_for(lambda: registered(a) and registered(b), 15),
             f"{name}: both phones register", pbx.rx("sip show registrations")[1])
        caller.command(f"/dial {b}" + (f"*{FORCED[n]}" if n in FORCED else ""))
        t.ok(wait_for(both_up, 15), f"{name}: the call is up",
             channels()[1] + caller.log_text()[-1500:] + callee.log_text()[-1500:]
             + pbx.log_text()[-2000:])
        if ccaller == "opus":
            rc, out = pbx.rx("module unload codec_opus")
            t.ok(rc != 0 and re.search(r"in use", out, re.I),
                 f"{name}: unloading codec_opus during the call is refused", out)
        ok = wait_for(lambda: modes(sessions()) == [mode, mode], 5)
        out = sessions()
        t.ok(ok, f"{name}: both RTP legs: {mode}", out)
        wait_for(lambda: False, 1)
        jit = [float(l.split()[-1]) for l in sessions().splitlines()
               if re.match(r"^\d+\s", l) and len(l.split()) >= 10]
        t.ok(len(jit) == 2 and all(j < 30 for j in jit),
             f"{name}: interarrival jitter on each leg's own clock (< 30 ms: {jit})", sessions())
        wait_for(lambda: False, 4)          # 4 s of audio
        sent = (encoders(caller), encoders(callee))
        t.ok(sent == ([enc_caller], [enc_callee]),
             f"{name}: the caller sends {enc_caller} only, the callee {enc_callee} only "
             f"(baresip's encoders: {sent})")
        caller.command("/hangup")
        t.ok(wait_for(lambda: not channels()[0], 10), f"{name}: hangup clears the call",
             channels()[1])
    finally:
        caller.stop()
        callee.stop()
    for ph, hz, who in ((callee, CALLER_HZ, "callee"), (caller, CALLEE_HZ, "caller")):
        path = recording(ph)
        r = analyse(path, skip=0.5) if path else None
        t.ok(r and r[0] >= 2 and r[1] > 1000 and abs(r[2] - hz) < hz * 0.05,
             f"{name}: the {who} hears the other's {hz} Hz tone "
             f"(seconds, RMS, Hz = {r})", (path, ph.log_text()[-1500:]))


for n, pair in enumerate(PAIRS):
    one_call(n, pair)

bad = pbx.assertion_lines()
t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
