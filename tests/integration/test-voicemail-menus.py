#!/usr/bin/env python3
"""Voicemail menus driven by DTMF from a real phone (baresip, RFC 4733),
each checked on the spool and, where there is audio, by what the phone
heard:

1008's box holds three messages: A (400 Hz), B (800 Hz), C (1200 Hz).
1008 dials *97, types its PIN, and:
  1  listens: hears A;  9 2  saves A to Work;
     hears B;  7  deletes B;
     hears C;  8 1009#  forwards C to 1009;  #  back to the main menu;
  0 5 4321# 4321#  changes its PIN;
  0 1 (tone) #  records its unavailable greeting, 0 2 its busy one,
  0 3 its name;  #  hangs up.
Then: Work holds A, B is gone everywhere, C (heard) is in Old and in
1009's INBOX, the numbering has no gap, `voicemail show counts` and the
subscribed client's last NOTIFY agree with the files; the new PIN opens
the box through *98; and a caller to 1008 (unregistered) hears the
greeting 1008 recorded."""
import glob
import os
import re
import shutil
import threading
import time

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
if not os.path.exists(os.path.join(SOUNDS, "vm-savefolder.wav")):
    print("1..0 # SKIP the core English prompts are not installed")
    raise SystemExit(0)

pbx = Carillon(keep=os.environ.get("KEEP") == "1")
pbx.conf("rtp.conf", "general", "port_start", "39000")
pbx.conf("rtp.conf", "general", "port_end", "39999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("voicemail.conf", "general", "mailcmd", "/bin/true")
pbx.conf("voicemail.conf", "general", "minsecs", "1")
pbx.conf("voicemail.conf", "general", "maxsilence", "0")
spool = os.path.join(pbx.run_dir, "var", "spool", "voicemail", "office")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
FREQ = {"A": 400, "B": 800, "C": 1200}
for name in "ABC":
    path = os.path.join(pbx.run_dir, f"{name}.wav")
    write_tone(path, FREQ[name], 3)
    pbx.rx(f"voicemail import 1008 {path}")
phones = []


def phone(user, freq=None):
    src = os.path.join(pbx.run_dir, f"src-{user}-{len(phones)}.wav")
    write_tone(src, freq or 440, 120, amplitude=8000 if freq else 0)
    rec = os.path.join(pbx.run_dir, f"rec-{user}-{len(phones)}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=180, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}", "jitter_buffer_delay 0-0"], codecs="PCMU")
    b.rec = rec
    phones.append(b)
    return b


def channels():
    out = pbx.rx("core show channels")[1]
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", out, re.M), out


def heard_share(b, freq):
    """The best share of `freq` in any half second phone b decoded."""
    rec = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    rate, h = read_mono(rec[0]) if rec else (8000, [])
    return max((tone_share(h[i:i + 4000], rate, freq) for i in range(0, len(h) - 4000, 1000)),
               default=0)


def msgs(box, folder="INBOX"):
    return sorted(glob.glob(os.path.join(spool, box, folder, "msg*.wav")))


def share_of(path, freq):
    rate, s = read_mono(path)
    return tone_share(s, rate, freq)


def readers():
    m = re.search(r"(\d+) calls reading digits", pbx.rx("playback show")[1])
    return int(m.group(1)) if m else -1


def keys(b, text, what, gap=0.35):
    """Waits until the call reads digits, then types text."""
    t.ok(wait_for(lambda: readers() == 1, 20), f"asked: {what}", pbx.log_text()[-800:])
    for k in text:
        b.command(k)
        time.sleep(gap)
    time.sleep(0.8)


def record(b, what):
    tmp = os.path.join(spool, "1008", "tmp")
    t.ok(wait_for(lambda: os.path.isdir(tmp) and os.listdir(tmp), 20),
         f"{what}: recording after the prompt and the beep", pbx.log_text()[-800:])
    time.sleep(2.5)
    b.command("#")
    time.sleep(0.8)


pumping = threading.Event()
try:
    w = Watcher(pbx.sip_port, "1008", "pw1008")
    r = w.subscribe("1008", event="message-summary")
    t.ok(r and r[0] == 200, "a client watches 1008's box")
    # it answers its NOTIFYs all along (a thread of its own until the checks)
    pumper = threading.Thread(target=lambda: [w.pump(0.1) for _ in iter(pumping.is_set, True)])
    pumper.start()
    owner = phone("1008", freq=900)
    t.ok(wait_for(lambda: pbx.registered("1008"), 20), "1008 registers")
    owner.command("/dial *97")
    t.ok(wait_for(lambda: channels()[0] == [("1008", "UP")], 15), "*97 answers",
         channels()[1])
    keys(owner, "1008#", "the PIN")
    t.ok(wait_for(lambda: "1008@office: logged in" in pbx.log_text(), 10), "logged in")
    keys(owner, "1", "main menu: 1 listens")
    keys(owner, "9", "after A: 9 saves it")
    keys(owner, "2", "the folder: 2 is Work")
    t.ok(wait_for(lambda: len(msgs("1008", "Work")) == 1, 10), "A is in Work")
    keys(owner, "7", "after B: 7 deletes it")
    t.ok(wait_for(lambda: len(msgs("1008")) == 1, 10), "B is deleted: one left in INBOX")
    keys(owner, "8", "after C: 8 forwards it")
    keys(owner, "1009#", "the box to forward to")
    t.ok(wait_for(lambda: len(msgs("1009")) == 1, 10), "C is in 1009's INBOX")
    keys(owner, "#", "# back to the main menu")
    keys(owner, "0", "main menu: 0 mailbox options")
    keys(owner, "5", "options: 5 changes the PIN")
    keys(owner, "4321#", "the new PIN")
    keys(owner, "4321#", "the new PIN again")
    pin_file = os.path.join(spool, "1008", "pin")
    t.ok(wait_for(lambda: os.path.exists(pin_file), 10)
         and open(pin_file).read().strip() == "4321", "the new PIN is kept in <box>/pin")
    for k, name in (("1", "unavail"), ("2", "busy"), ("3", "greet")):
        keys(owner, "0", "main menu: 0 mailbox options")
        keys(owner, k, f"options: {k} records {name}")
        record(owner, name)
        greeting = os.path.join(spool, "1008", name + ".wav")
        t.ok(wait_for(lambda: os.path.exists(greeting), 10), f"{name}.wav is installed")
        if os.path.exists(greeting):
            share = share_of(greeting, 900)
            t.ok(share > 0.8, f"{name}.wav is the phone's 900 Hz (share {share:.2f})")
    keys(owner, "#", "main menu: # leaves")
    t.ok(wait_for(lambda: not channels()[0], 15), "the call ends", channels()[1])
    owner.stop()
    for name in "ABC":
        share = heard_share(owner, FREQ[name])
        t.ok(share > 0.9, f"the phone heard message {name} ({FREQ[name]} Hz, share {share:.2f})")

    # ---- the spool after the menus
    work, old, inbox, fwd = msgs("1008", "Work"), msgs("1008", "Old"), msgs("1008"), msgs("1009")
    t.ok([os.path.basename(p) for p in work] == ["msg0000.wav"] and share_of(work[0], 400) > 0.9,
         "Work/msg0000 is A (400 Hz)")
    t.ok(inbox == [] and [os.path.basename(p) for p in old] == ["msg0000.wav"]
         and share_of(old[0], 1200) > 0.9, "INBOX is empty; C was heard: Old/msg0000 is C")
    t.ok(len(fwd) == 1 and share_of(fwd[0], 1200) > 0.9, "1009's INBOX/msg0000 is C")
    every = glob.glob(os.path.join(spool, "1008", "*", "msg*.wav"))
    t.ok(not any(share_of(p, 800) > 0.5 for p in every), "B is nowhere in 1008's box")
    txts = glob.glob(os.path.join(spool, "1008", "*", "msg*.txt"))
    t.ok(sorted(p[:-4] for p in txts) == sorted(p[:-4] for p in every),
         "each message has its envelope and no envelope is left alone")
    out = pbx.rx("voicemail show counts")[1]
    t.ok(re.search(r"1008@office\s+0\s+1", out) and re.search(r"1009@office\s+1\s+0", out),
         "voicemail show counts agrees with the files", out)
    pumping.set()
    pumper.join()

    def last_notify():
        w.pump(0.2)
        return w.notifies[-1].body if w.notifies else ""
    t.ok(wait_for(lambda: "Voice-Message: 0/1 " in last_notify(), 10),
         "the subscriber's last NOTIFY: 0/1", str([n.body for n in w.notifies]))
    seq = []
    for n in w.notifies:
        m = re.search(r"Voice-Message: (\d+/\d+)", n.body)
        if m and (not seq or seq[-1] != m.group(1)):
            seq.append(m.group(1))
    t.ok(seq == ["3/0", "2/0", "1/0", "0/1"],
         "NOTIFYs follow each change: 3/0, saved 2/0, deleted 1/0, heard 0/1", str(seq))

    # ---- the new PIN opens the box
    other = phone("1006")
    t.ok(wait_for(lambda: pbx.registered("1006"), 20), "1006 registers")
    other.command("/dial *98")
    keys(other, "1008#", "*98: the box")
    keys(other, "4321#", "*98: the new PIN")
    t.ok(wait_for(lambda: pbx.log_text().count("1008@office: logged in") == 2, 10),
         "the new PIN opens 1008 through *98", pbx.log_text()[-1000:])
    other.command("/hangup")
    t.ok(wait_for(lambda: not channels()[0], 15), "hung up", channels()[1])

    # ---- a caller hears the recorded unavailable greeting
    t.ok(wait_for(lambda: not pbx.registered("1008"), 10), "1008 is unregistered")
    caller = phone("1005")
    t.ok(wait_for(lambda: pbx.registered("1005"), 20), "1005 registers")
    caller.command("/dial 1008")
    tmp = os.path.join(spool, "1008", "tmp")
    t.ok(wait_for(lambda: os.listdir(tmp), 25),
         "after the greeting the recording starts", pbx.log_text()[-1000:])
    caller.command("/hangup")
    t.ok(wait_for(lambda: not channels()[0], 15), "hung up", channels()[1])
    caller.stop()
    share = heard_share(caller, 900)
    t.ok(share > 0.9, f"the caller heard 1008's recorded greeting (900 Hz, share {share:.2f})")
finally:
    pumping.set()
    for b in phones:
        b.stop()
    pbx.stop()
    t.ok(not pbx.assertion_lines(), "no assertion failed", "\n".join(pbx.assertion_lines()))
t.done()
