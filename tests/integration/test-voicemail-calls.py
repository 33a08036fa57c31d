#!/usr/bin/env python3
"""Voicemail from real phones (baresip) through the sample office
dialplan:

1. 1004 calls 1001, which is not registered: the caller hears the
   standard greeting (the number spoken), the beep, and records a 700 Hz
   tone ended by #; the message is filed in 1001's INBOX with its
   envelope, and the stored WAV is that tone.
2. Greeting variants: a caller to a box with a recorded busy greeting
   hears it (call:voicemail("1002", {greeting = "busy"}) from a test
   extension); one whose box has only a recorded name hears the name.
3. A client subscribed to 1001's message-summary gets a NOTIFY with
   Messages-Waiting: yes and 1/0.  (baresip's mwi module as the phone's
   lamp: test-voicemail-mwi.py.)
4. 1001 dials *97, types its PIN, hears "you have 1 new message", presses
   1 and hears the 700 Hz message; # and # leave the box and the message
   moves to Old (the NOTIFY says 0/1).
5. PIN lockout: three wrong PINs for 1005 through *98 lock the box: the
   right PIN is then refused too.
   pbx.voicemail.count("1001") and .messages("1001", "Old") in the
   dialplan say the same.
6. A message shorter than minsecs is discarded; one in progress when the
   daemon is killed with SIGKILL leaves no message and no half file (the
   next start removes the temporary file); the saved ones are intact.
After each call: no channel is left."""
import glob
import os
import re
import signal
import shutil
import time
import wave

from audio import read_mono, tone_share, write_tone
from baresip import Baresip
from carillon import TOP, Carillon, Tap, wait_for
from watcher import Watcher

t = Tap()
SOUNDS = "/usr/share/asterisk/sounds/en"
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)
for s in ("vm-intro", "vm-theperson", "vm-isunavail", "vm-password", "vm-youhave", "beep"):
    if not os.path.exists(os.path.join(SOUNDS, s + ".wav")):
        print(f"1..0 # SKIP the core English prompts are not installed ({s})")
        raise SystemExit(0)

pbx = Carillon(keep=os.environ.get("KEEP") == "1")
pbx.conf("rtp.conf", "general", "port_start", "38000")
pbx.conf("rtp.conf", "general", "port_end", "38999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("voicemail.conf", "general", "mailcmd", "/bin/true")
pbx.conf("voicemail.conf", "general", "minsecs", "2")
pbx.conf("voicemail.conf", "general", "maxsilence", "0")
TEST_EXTENSIONS = """
-- test-voicemail-calls.py: 851 is 1002's mailbox with the busy greeting
local office = contexts.office.on_invite
contexts.office.on_invite = function(call)
    if call.to == "851" then
        local how, msg = call:voicemail("1002", { greeting = "busy" })
        pbx.log("notice", "851: " .. tostring(how) .. " " .. tostring(msg))
        return
    end
    if call.to == "853" then
        local new, old = pbx.voicemail.count("1001")
        local m = pbx.voicemail.messages("1001", "Old")[1] or {}
        pbx.log("notice", string.format("853: new=%s old=%s first=%s dur=%s nobox=%s", new, old,
                                        m.callerid, m.duration,
                                        tostring(pbx.voicemail.count("4711"))))
        return call:hangup(486)
    end
    return office(call)
end
"""
with open(os.path.join(TOP, "contrib/configs/sample-office/extensions.lua")) as f:
    pbx.write_file("extensions.lua", f.read() + TEST_EXTENSIONS)
spool = os.path.join(pbx.run_dir, "var", "spool", "voicemail", "office")
for box, name, freq in (("1002", "busy", 500), ("1003", "greet", 600)):
    os.makedirs(os.path.join(spool, box), exist_ok=True)
    write_tone(os.path.join(spool, box, name + ".wav"), freq, 3)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
phones = []


def phone(user, freq=None, answer=False, extra=()):
    src = os.path.join(pbx.run_dir, f"src-{user}-{len(phones)}.wav")
    write_tone(src, freq or 440, 90, amplitude=8000 if freq else 0)
    rec = os.path.join(pbx.run_dir, f"rec-{user}-{len(phones)}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=120, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"] + list(extra),
                config_extra=[f"snd_path {rec}", "jitter_buffer_delay 0-0"], codecs="PCMU",
                answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def registered(*users):
    out = pbx.rx("sip show registrations")[1]
    have = {l.split()[0] for l in out.splitlines() if l.split()}
    return all(u in have for u in users)


def channels():
    out = pbx.rx("core show channels")[1]
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", out, re.M), out


def no_channels():
    return not channels()[0]


def heard(b):
    """What phone b decoded (its sndfile dump), 8 kHz mono samples."""
    rec = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    return read_mono(rec[0]) if rec else (8000, [])


def msgs(box, folder="INBOX"):
    return sorted(glob.glob(os.path.join(spool, box, folder, "msg*.wav")))


def dtmf(b, keys, gap=0.3):
    for k in keys:
        b.command(k)
        time.sleep(gap)


def log_has(text, seconds=15):
    return wait_for(lambda: text in pbx.log_text(), seconds)


try:
    # ---- 1. leaving a message ------------------------------------------------
    caller = phone("1004", freq=700)
    t.ok(wait_for(lambda: registered("1004"), 20), "1004 registers")
    caller.command("/dial 1001")
    t.ok(wait_for(lambda: channels()[0] == [("1004", "UP")], 15),
         "1001 is unregistered: the call to it is answered by voicemail", channels()[1])
    # greeting: "the person at extension 1 0 0 1 is unavailable, leave your message"
    t.ok(wait_for(lambda: ".wav" in "".join(os.listdir(os.path.join(spool, "1001", "tmp")))
                  if os.path.isdir(os.path.join(spool, "1001", "tmp")) else False, 25),
         "after the greeting and the beep the recording starts in 1001's tmp/",
         pbx.log_text()[-2000:])
    time.sleep(4)
    caller.command("#")
    t.ok(wait_for(lambda: len(msgs("1001")) == 1, 10), "# ends it: msg0000 is in 1001's INBOX",
         pbx.log_text()[-3000:])
    t.ok(wait_for(no_channels, 15), "the caller hears goodbye and the call ends", channels()[1])
    caller.stop()
    if msgs("1001"):
        rate, s = read_mono(msgs("1001")[0])
        share = tone_share(s, rate, 700)
        t.ok(len(s) / rate > 3 and share > 0.8,
             f"the stored message is the caller's 700 Hz tone ({len(s) / rate:.1f} s, "
             f"{share:.2f} of the energy at 700 Hz)")
        env = open(msgs("1001")[0][:-4] + ".txt").read()
        t.ok("callerid=" in env and "1004" in env and re.search(r"duration=[3-9]", env),
             "its envelope names the caller and the duration", env)
    rate, s = heard(caller)
    t.diag(f"the caller heard {len(s) / max(rate, 1):.1f} s")

    # ---- 2. greetings --------------------------------------------------------
    for number, freq, what in (("851", 500, "1002's recorded busy greeting"),
                               ("1003", 600, "1003's recorded name")):
        c = phone("1005")
        t.ok(wait_for(lambda: registered("1005"), 20), "1005 registers")
        c.command(f"/dial {number}")
        tmp = os.path.join(spool, number if number != "851" else "1002", "tmp")
        t.ok(wait_for(lambda: os.path.isdir(tmp) and os.listdir(tmp), 25),
             f"{number}: the recording starts after the greeting", pbx.log_text()[-1500:])
        c.command("/hangup")
        t.ok(wait_for(no_channels, 15), f"{number}: a hangup while recording leaves no channel",
             channels()[1])
        c.stop()
        rate, h = heard(c)
        best = max((tone_share(h[i:i + 4000], rate, freq) for i in range(0, len(h) - 4000, 2000)),
                   default=0)
        t.ok(best > 0.9, f"{number}: the caller heard {what} ({freq} Hz, share {best:.2f})")
    t.ok(wait_for(lambda: not os.listdir(os.path.join(spool, "1002", "tmp")), 10),
         "a recording cut by the hangup that is shorter than minsecs is discarded",
         str(os.listdir(os.path.join(spool, "1002", "tmp"))))

    # ---- 3. MWI -------------------------------------------------------------
    def mwi(n):
        m = re.search(r"Voice-Message:\s*(\d+)/(\d+)", n.body)
        return (int(m.group(1)), int(m.group(2))) if m else None

    w = Watcher(pbx.sip_port, "1001", "pw1001")
    r = w.subscribe("1001", event="message-summary", expires=600)
    t.ok(r and r[0] == 200, "1001 subscribes to its message-summary", str(r))
    n = w.wait_notify(lambda n: mwi(n) == (1, 0))
    t.ok(n and "Messages-Waiting: yes" in n.body, "the NOTIFY says 1 new, 0 old", str(w.notifies))
    seen = len(w.notifies)
    owner = phone("1001")
    t.ok(wait_for(lambda: registered("1001"), 20), "1001 registers")

    # ---- 4. retrieving with DTMF -------------------------------------------
    owner.command("/dial *97")
    t.ok(wait_for(lambda: channels()[0] == [("1001", "UP")], 15), "*97 answers",
         channels()[1])
    time.sleep(1.5)
    dtmf(owner, "1001#")
    t.ok(log_has("1001@office: logged in"), "the PIN (the extension number) is accepted",
         pbx.log_text()[-1500:])
    time.sleep(1)
    dtmf(owner, "1")
    time.sleep(9)
    dtmf(owner, "#")
    time.sleep(1)
    dtmf(owner, "#")
    t.ok(wait_for(no_channels, 15), "# and # leave the box: the call ends", channels()[1])
    t.ok(wait_for(lambda: len(msgs("1001", "Old")) == 1 and not msgs("1001"), 10),
         "the message heard moved to Old",
         str(msgs("1001")) + str(msgs("1001", "Old")))
    n = w.wait_notify(lambda n: mwi(n) == (0, 1), start=seen, timeout=10)
    t.ok(n and "Messages-Waiting: no" in n.body, "the subscriber gets the NOTIFY 0/1",
         str(w.notifies[seen:]))
    owner.command("/dial 853")
    t.ok(log_has("853: "), "853 runs", pbx.log_text()[-1000:])
    t.ok(re.search(r'853: new=0 old=1 first="[^"]*" <1004> dur=[3-9] nobox=nil',
                   pbx.log_text()),
         "pbx.voicemail.count() and messages() in the dialplan agree",
         "\n".join(l for l in pbx.log_text().splitlines() if "853" in l))
    t.ok(wait_for(no_channels, 15), "853 ends", channels()[1])
    owner.stop()
    rate, h = heard(owner)
    best = max((tone_share(h[i:i + 4000], rate, 700) for i in range(0, len(h) - 4000, 2000)),
               default=0)
    t.ok(best > 0.9, f"the phone heard the 700 Hz message (share {best:.2f})")

    # ---- 5. PIN lockout ----------------------------------------------------
    def readers():
        m = re.search(r"(\d+) playbacks, (\d+) calls reading digits",
                      pbx.rx("playback show")[1])
        return int(m.group(2)) if m else -1

    def login(b, box, pin):
        t.ok(wait_for(lambda: readers() == 1, 10), f"asked for the box ({box}/{pin})")
        dtmf(b, box + "#")
        time.sleep(0.6)
        t.ok(wait_for(lambda: readers() == 1, 10), "asked for the PIN")
        dtmf(b, pin + "#")

    intruder = phone("1006")
    t.ok(wait_for(lambda: registered("1006"), 20), "1006 registers")
    intruder.command("/dial *98")
    for i in range(3):
        login(intruder, "1005", "99" + str(i))
        time.sleep(0.5)
    t.ok(log_has("1005@office: wrong PIN: the box is locked"),
         "the third wrong PIN locks 1005", pbx.log_text()[-1500:])
    t.ok(wait_for(no_channels, 15), "and the call ends", channels()[1])
    intruder.command("/dial *98")
    login(intruder, "1005", "1005")
    t.ok(log_has("1005@office: login refused, the box is locked"),
         "the right PIN is refused while the box is locked", pbx.log_text()[-1500:])
    t.ok(wait_for(no_channels, 15), "the call ends", channels()[1])
    t.ok("1005@office: logged in" not in pbx.log_text(), "nobody got into 1005")
    intruder.stop()

    # ---- 6. SIGKILL while recording ------------------------------------------
    killer = phone("1007", freq=700)
    t.ok(wait_for(lambda: registered("1007"), 20), "1007 registers")
    killer.command("/dial 1009")
    tmp = os.path.join(spool, "1009", "tmp")
    t.ok(wait_for(lambda: os.path.isdir(tmp) and os.listdir(tmp), 25),
         "1009: recording", pbx.log_text()[-1500:])
    time.sleep(3)
    pbx.proc.send_signal(signal.SIGKILL)
    pbx.proc.wait()
    pbx.log.close()
    pbx.proc = None
    t.ok(not msgs("1009"), "killed mid-recording: no message in 1009's INBOX")
    left = os.listdir(tmp)
    t.ok(all(f.startswith(".") for f in left),
         f"only a temporary file is left in tmp/ ({left})")
    killer.stop()
    t.ok(pbx.start(), "the daemon starts again")
    t.ok(not os.listdir(tmp), "the start-up check removed the cut recording",
         pbx.log_text()[-1500:])
    t.ok(len(msgs("1001", "Old")) == 1 and tone_share(read_mono(msgs("1001", "Old")[0])[1],
                                                      8000, 700) > 0.8,
         "the message saved before is intact")
    out = pbx.rx("voicemail show counts")[1]
    t.ok(re.search(r"1001@office\s+0\s+1", out) and re.search(r"1009@office\s+0\s+0", out),
         "the counts agree with the files", out)
finally:
    for b in phones:
        b.stop()
    pbx.stop()
    t.ok(not pbx.assertion_lines(), "no assertion failed", "\n".join(pbx.assertion_lines()))
t.done()
