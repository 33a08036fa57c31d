#!/usr/bin/env python3
"""Voicemail from real phones (baresip) through the sample office
dialplan:

1. 1004 calls 1001, which is not registered: the caller hears the
   standard greeting (the number spoken), the beep, and records a 700 Hz
   tone ended by #; the message is filed in 1001's INBOX with its
   envelope, and the stored WAV is that tone.
2. 1002 is busy (on a call): a caller gets 1002's *recorded* busy greeting
   (a file put in the box), which the phone hears.
3. 1001 registers with baresip's mwi module: its SUBSCRIBE to
   message-summary gets a NOTIFY with Messages-Waiting: yes and 1/0.
4. 1001 dials *97, types its PIN, hears "you have 1 new message", presses
   1 and hears the 700 Hz message; # and # leave the box and the message
   moves to Old (the NOTIFY says 0/1).
5. PIN lockout: three wrong PINs for 1005 through *98 lock the box: the
   right PIN is then refused too.
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

t = Tap()
SOUNDS = "/usr/share/asterisk/sounds/en"
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "mwi.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)
for s in ("vm-intro", "vm-theperson", "vm-isunavail", "vm-password", "vm-youhave", "beep"):
    if not os.path.exists(os.path.join(SOUNDS, s + ".wav")):
        print(f"1..0 # SKIP the core English prompts are not installed ({s})")
        raise SystemExit(0)

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "47000")
pbx.conf("rtp.conf", "general", "port_end", "47999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("voicemail.conf", "general", "mailcmd", "/bin/true")
pbx.conf("voicemail.conf", "general", "minsecs", "2")
pbx.conf("voicemail.conf", "general", "maxsilence", "0")
with open(os.path.join(TOP, "contrib/configs/sample-office/extensions.lua")) as f:
    pbx.write_file("extensions.lua", f.read())
spool = os.path.join(pbx.run_dir, "var", "spool", "voicemail", "office")
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
finally:
    for b in phones:
        b.stop()
    pbx.stop()
    t.ok(not pbx.assertion_lines(), "no assertion failed", "\n".join(pbx.assertion_lines()))
t.done()
