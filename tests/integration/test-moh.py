#!/usr/bin/env python3
"""Music on hold (res_moh) with real baresip phones and the sample
office's moh.conf (Debian's /usr/share/asterisk/moh).

1. 1001 calls 1002; each phone sends a tone (1001 1 kHz, 1002 440 Hz).
   1001 holds (/hold: a re-INVITE with sendonly): 1002 hears the default
   class, not 1001's tone, and no re-INVITE reaches it; meanwhile 1003
   calls 610 (the sample dialplan's call:moh("default")) and hears the
   class too.  1001 resumes: 1002 hears the 1 kHz tone again.  What 1002
   and 1003 heard of the music is found in the class's files (normalized
   correlation of the decoded audio with the files' samples, end to end)
   at the position the class had at that moment (`moh show classes` Now
   at): both joined the one playback where it was, not at its start.
2. An Opus phone calls 610: music at 48 kHz, the class decoded at 8 kHz
   only (its files are 8 kHz).
3. call:moh() results from a test extension: a duration, an unknown
   class, a terminator digit, a bad option.
4. A hangup of either leg during the hold leaves no channel, RTP
   session or descriptor behind; `module unload res_moh` is refused
   while music plays.
5. With res_moh unloaded the hold is passed on: 1002 gets the re-INVITE
   (sendonly) and hears no music; loaded again, music is back."""
import glob
import os
import re
import shutil
import time

from audio import find_excerpt, read_samples, rms, tone_share, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

MOH_DIR = "/usr/share/asterisk/moh"
A_HZ, B_HZ = 1000, 440

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so", "opus.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)
if not glob.glob(os.path.join(MOH_DIR, "*.wav")):
    print(f"1..0 # SKIP no music on hold in {MOH_DIR} (contrib/scripts/install-prereq)")
    raise SystemExit(0)

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "49000")
pbx.conf("rtp.conf", "general", "port_end", "49999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
# The sample dialplan (610 is its own) and 611 in its apps table for call:moh()'s
# results.
lua = open(os.path.join(pbx.etc, "extensions.lua")).read()
lua = lua.replace("local apps = {\n", """\
local apps = {
    ["611"] = function(call)
        call:answer()
        local function show(...)
            local r = table.pack(...)
            pbx.log("notice", string.format("moh-result %s %s %s", tostring(r[1]),
                                            tostring(r[2]), tostring(r[3])))
        end
        show(call:moh("default", {duration = 1}))
        show(call:moh("nosuch"))
        show(call:moh(nil, {terminator = "5"}))
        show(pcall(call.moh, call, "default", {colour = "blue"}))
    end,
""", 1)
assert "moh-result" in lua
pbx.write_file("extensions.lua", lua)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

phones = []


def phone(user, hz, answer=False, codecs="PCMU"):
    """A baresip phone sending a tone, recording what it decodes."""
    opus = codecs.startswith("opus")
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, hz, 60, amplitude=6000, rate=48000 if opus else 8000,
               channels=2 if opus else 1)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=120, audio_source=src,
                audio_player="aubridge,nobody-feeds-this", codecs=codecs,
                extra_modules=["aubridge.so", "sndfile.so", "opus.so"],
                config_extra=[f"snd_path {rec}"], answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def recordings(b):
    """b's recordings of what it decoded, oldest first (one per call)."""
    return sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")), key=os.path.getmtime)


def registered(*users):
    out = pbx.rx("sip show registrations")[1]
    have = {l.split()[0] for l in out.splitlines() if l.split()}
    return all(u in have for u in users)


def channels():
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", pbx.rx("core show channels")[1], re.M)


def up(n):
    rows = channels()
    return len(rows) == n and all(state == "UP" for _, state in rows)


def moh_line():
    """The default class's line of `moh show classes`, as a dict."""
    out = pbx.rx("moh show classes")[1]
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "default":
            return {"files": int(f[1]), "seconds": float(f[2]), "at": f[3],
                    "listeners": int(f[4]), "decoded": " ".join(f[6:-1]), "raw": out}
    return {"raw": out, "listeners": -1}


def listeners(n):
    return moh_line()["listeners"] == n


def no_media_left():
    return (not channels()
            and "0 active RTP sessions" in pbx.rx("rtp show sessions")[1])


def open_fds():
    return len(os.listdir(f"/proc/{pbx.proc.pid}/fd"))


# The class's files end to end, as the class plays them (alpha order).
REFERENCE = None
STARTS = []


def reference():
    global REFERENCE
    if REFERENCE is None:
        import array
        REFERENCE = array.array("h")
        for path in sorted(glob.glob(os.path.join(MOH_DIR, "*.wav"))):
            STARTS.append(len(REFERENCE))
            REFERENCE.extend(read_samples(path)[1])
    return REFERENCE


def class_clock():
    """(monotonic time, the class's position in samples at 8 kHz) now."""
    now = time.monotonic()
    f, s = moh_line()["at"].split(":")
    reference()
    return now, STARTS[int(f) - 1] + int(float(s) * 8000)


def find_music(samples, at_s, rate, clock, t0, slack_s=2.0):
    """Looks for 0.5 s excerpts of a recording (from at_s, at_s + 0.7 and
    at_s + 1.4 s; a phone's jitter buffer may skip or repeat a packet in
    one) in the class's files within slack_s of where the class was then
    (the recording began at monotonic time t0); the best (distance from
    that position in seconds, correlation)."""
    best = (None, 0.0)
    for at in (at_s, at_s + 0.7, at_s + 1.4):
        ex = samples[int(at * rate):int((at + 0.5) * rate):rate // 8000]
        expect = expected_at(clock, t0 + at)
        if len(ex) < 3900:
            continue
        pos, corr = find_excerpt(reference(), ex, int(expect - slack_s * 8000),
                                 int(expect + slack_s * 8000))
        if pos is not None and corr > best[1]:
            best = ((pos - expect) / 8000, corr)
    return best


def expected_at(clock, wall):
    """Where the class was at monotonic time `wall`, from one reading."""
    t0, p0 = clock
    return (p0 + int((wall - t0) * 8000)) % len(reference())


try:
    a, b, c = phone("1001", A_HZ), phone("1002", B_HZ, answer=True), phone("1003", 700)
    t.ok(wait_for(lambda: registered("1001", "1002", "1003"), 15), "three phones register",
         pbx.rx("sip show registrations")[1])
    line = moh_line()
    t.ok(line.get("files") == 5 and line["seconds"] > 1000 and line["listeners"] == 0
         and line["decoded"] == "none" and line["at"] == "-",
         "moh show classes: the default class of the sample config, 5 files, nothing "
         "decoded before its first use", line["raw"])

    # ---- 1. hold: 1002 hears the class, 1003 on 610 too ----------------------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: up(2), 15), "1001 calls 1002: up", pbx.rx("core show channels")[1])
    t_up = time.monotonic()
    time.sleep(2.5)
    a.command("/hold")
    t.ok(wait_for(lambda: listeners(1), 5), "1001 holds: 1002 listens to the default class",
         moh_line()["raw"] + a.log_text()[-1500:])
    t_hold = time.monotonic()
    rc, out = pbx.rx("module unload res_moh")
    t.ok(rc != 0 and "in use" in out, "res_moh cannot be unloaded under a listener", out)
    c.command("/dial 610")
    t.ok(wait_for(lambda: listeners(2), 10), "1003 calls 610: a second listener",
         moh_line()["raw"])
    t_c = time.monotonic()
    time.sleep(3)
    clock = class_clock()
    line = moh_line()
    t.ok(line["decoded"] == "8000 ready", "the class is decoded at 8 kHz (its files' rate)",
         line["raw"])
    time.sleep(1)
    a.command("/resume")
    t.ok(wait_for(lambda: listeners(1), 5), "1001 resumes: 1002's music stops",
         moh_line()["raw"])
    t_res = time.monotonic()
    time.sleep(3)
    a.command("/hangup")
    c.command("/hangup")
    t.ok(wait_for(lambda: listeners(0) and no_media_left(), 10),
         "both calls end: no listener, channel or RTP session left",
         pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1])
    t.ok("got re-INVITE" not in b.log_text(), "1002 got no re-INVITE for the hold",
         b.log_text()[-2000:])

    time.sleep(0.5)
    recs_b, recs_c = recordings(b), recordings(c)
    rate_b, sb = read_samples(recs_b[-1]) if recs_b else (8000, [])
    rate_c, sc = read_samples(recs_c[-1]) if recs_c else (8000, [])
    talk = sb[int(0.5 * rate_b):int((t_hold - t_up - 0.5) * rate_b)]
    held = sb[int((t_hold - t_up + 1.0) * rate_b):int((t_res - t_up - 0.5) * rate_b)]
    back = sb[int((t_res - t_up + 1.0) * rate_b):int((t_res - t_up + 2.5) * rate_b)]
    shares = [round(tone_share(x, rate_b, A_HZ), 2) if x else None for x in (talk, held, back)]
    t.ok(talk and shares[0] > 0.7, f"1002 hears 1001's {A_HZ} Hz before the hold "
         f"(share of the tone in the audio: {shares[0]})", recs_b)
    t.ok(held and rms(held) > 300 and shares[1] < 0.1 and tone_share(held, rate_b, B_HZ) < 0.1,
         f"1002 hears music during the hold (RMS {rms(held):.0f}, {A_HZ} Hz share "
         f"{shares[1]})", recs_b)
    t.ok(back and shares[2] > 0.7, f"1002 hears 1001's {A_HZ} Hz again after the resume "
         f"(share {shares[2]})", recs_b)
    # Where in the class each listener was: the recordings started about
    # when the calls were up.
    for who, s, rate, t0, at in (("1002", sb, rate_b, t_up, t_hold - t_up + 1.5),
                                 ("1003", sc, rate_c, t_c, 1.0)):
        off, corr = find_music(s, at, rate, clock, t0)
        t.ok(off is not None and corr > 0.9,
             f"{who} hears the class where it is: its audio is the class's files at the "
             f"class's position (correlation {corr:.3f}, {off or 0:+.2f} s from the position "
             f"`moh show classes` gives)", len(s))

    # ---- 2. an Opus phone on 610 -----------------------------------------------------
    d = phone("1004", 300, codecs="opus/48000/2")
    t.ok(wait_for(lambda: registered("1004"), 15), "an Opus phone registers")
    d.command("/dial 610")
    t.ok(wait_for(lambda: listeners(1), 10), "it calls 610", moh_line()["raw"])
    t_d = time.monotonic()
    time.sleep(3)
    clock = class_clock()
    line = moh_line()
    d.command("/hangup")
    t.ok(wait_for(lambda: listeners(0) and no_media_left(), 10), "it hangs up: nothing left",
         pbx.rx("core show channels")[1])
    t.ok(line["decoded"] == "8000 ready",
         "an Opus listener of 8 kHz files does not make the class decode them at 48 kHz",
         line["raw"])
    time.sleep(0.5)
    recs = recordings(d)
    rate_d, sd = read_samples(recs[-1]) if recs else (48000, [])
    music = sd[int(1.0 * rate_d):int(2.5 * rate_d)]
    off, corr = find_music(sd, 0.8, rate_d, clock, t_d)
    t.ok(rate_d == 48000 and music and rms(music) > 300 and corr > 0.8,
         f"the Opus phone hears the class at 48 kHz (RMS {rms(music) if music else 0:.0f}, "
         f"correlation with the files {corr:.3f})", recs)

    # ---- 3. call:moh() results ---------------------------------------------------------
    c.command("/dial 611")
    wait_for(lambda: "moh-result" in pbx.log_text(), 10)
    time.sleep(2.5)
    c.command("1")                              # not a terminator
    time.sleep(0.5)
    c.command("5")
    wait_for(lambda: len(re.findall("moh-result", pbx.log_text())) >= 4, 10)
    results = re.findall(r"moh-result (.*)", pbx.log_text())
    t.ok(results[:3] == ["true nil nil", "nil no music on hold class 'nosuch' class",
                         "true 5 nil"],
         "call:moh(): true after the duration; nil, message, \"class\" for an unknown class; "
         "true, digit for a terminator (another digit does not end it)", results)
    t.ok(len(results) == 4 and results[3].startswith("false ")
         and "unknown option 'colour'" in results[3],
         "call:moh(): an unknown option is an error", results)
    t.ok(wait_for(no_media_left, 10), "the 611 call ends: nothing left",
         pbx.rx("core show channels")[1])

    # ---- 4. hangups during the hold ----------------------------------------------------
    time.sleep(1)
    baseline = open_fds()
    for who, ph in (("1002 (the listener)", b), ("1001 (the holder)", a)):
        a.command("/dial 1002")
        ok = wait_for(lambda: up(2), 15)
        time.sleep(1)
        a.command("/hold")
        ok = ok and wait_for(lambda: listeners(1), 5)
        time.sleep(1)
        ph.command("/hangup")
        gone = wait_for(lambda: no_media_left() and listeners(0), 10)
        fds = wait_for(lambda: open_fds() <= baseline, 5)
        t.ok(ok and gone and fds,
             f"{who} hangs up during the music: no channel, RTP session, listener or "
             f"descriptor left ({open_fds()} open, {baseline} before)",
             pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1]
             + moh_line()["raw"])

    # ---- 5. without res_moh the hold is passed on ------------------------------------
    rc, out = pbx.rx("module unload res_moh")
    t.ok(rc == 0, "res_moh unloads once no one listens", out)
    a.command("/dial 1002")
    ok = wait_for(lambda: up(2), 15)
    time.sleep(1)
    before = b.log_text().count("got re-INVITE")
    a.command("/hold")
    t.ok(ok and wait_for(lambda: b.log_text().count("got re-INVITE") > before, 5),
         "without res_moh, 1002 gets 1001's hold as a re-INVITE", b.log_text()[-2500:])
    a.command("/resume")
    time.sleep(1)
    a.command("/hangup")
    t.ok(wait_for(no_media_left, 10), "the call ends", pbx.rx("core show channels")[1])
    rc, out = pbx.rx("module load res_moh")
    line = moh_line()
    t.ok(rc == 0 and line.get("files") == 5, "res_moh loads again", out + line["raw"])

    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in phones:
        p.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
