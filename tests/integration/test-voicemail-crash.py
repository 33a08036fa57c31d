#!/usr/bin/env python3
"""kill -9 in the middle of a deletion, then restart: nothing saved is
lost, the numbering is repaired, and the counts (CLI, MWI NOTIFY) agree
with the files.

The window is hit by a real method, no test knob: 1010's INBOX holds
N messages, so deleting the first (7 while listening, DTMF from a
baresip phone) renumbers the N - 1 after it, one link, unlink and folder
fsync each (vm_spool.h): seconds on a real disk.  The test watches the
folder and sends SIGKILL once msg0500.wav is the old msg0501 (the
renumbering is a third done) while the last number still exists (it has not
ended).  Each message's audio and envelope carry its original index, so
the check after the restart is exact: messages 1..N-1, in order, under
numbers 0..N-2, each audio with its own envelope."""
import glob
import os
import re
import shutil
import signal
import struct
import time
import wave

from audio import write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for
from watcher import Watcher

t = Tap()
N = 1500
AT = N // 3   # the kill comes once message AT + 1 took number AT
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)

pbx = Carillon(keep=os.environ.get("KEEP") == "1")
pbx.conf("rtp.conf", "general", "port_start", "37000")
pbx.conf("rtp.conf", "general", "port_end", "37999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("voicemail.conf", "general", "mailcmd", "/bin/true")
pbx.conf("voicemail.conf", "general", "maxmsg", "9999")
inbox = os.path.join(pbx.run_dir, "var", "spool", "voicemail", "office", "1010", "INBOX")
os.makedirs(inbox)


def msg(k, ext):
    return os.path.join(inbox, f"msg{k:04d}.{ext}")


# message i: 0.1 s of the sample value i + 1, envelope naming i
for i in range(N):
    with wave.open(msg(i, "wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack("<h", i + 1) * 800)
    with open(msg(i, "txt"), "w") as f:
        f.write(f"[message]\norigmailbox=1010\ncontext=office\ncallerid=\"M{i}\" <{i}>\n"
                f"origtime={1700000000 + i}\nduration=1\nmsg_id={1700000000 + i}-{i:08d}\n")


def original_index(k):
    """The original index of what is now msgk (its audio, its envelope)."""
    with wave.open(msg(k, "wav")) as w:
        audio = struct.unpack("<h", w.readframes(1))[0] - 1
    m = re.search(r"callerid=\"M(\d+)\"", open(msg(k, "txt")).read())
    return audio, int(m.group(1)) if m else None


def readers():
    m = re.search(r"(\d+) calls reading digits", pbx.rx("playback show")[1])
    return int(m.group(1)) if m else -1


def keys(b, text, what):
    t.ok(wait_for(lambda: readers() == 1, 30), f"asked: {what}", pbx.log_text()[-800:])
    for k in text:
        b.command(k)
        time.sleep(0.35)


if not t.ok(pbx.start(timeout=60), "daemon starts with 1010's big INBOX", pbx.log_text()):
    t.done()
out = pbx.rx("voicemail show counts")[1]
t.ok(re.search(rf"1010@office\s+{N}\s+0", out), f"{N} messages counted", out)
inode = [os.stat(msg(k, "wav")).st_ino for k in range(N)]

src = os.path.join(pbx.run_dir, "silence.wav")
write_tone(src, 440, 120, amplitude=0)
phone = Baresip(pbx, "1010", "pw1010", timeout=180, audio_source=src, codecs="PCMU")
try:
    t.ok(wait_for(lambda: pbx.registered("1010"), 20), "1010 registers")
    phone.command("/dial *97")
    keys(phone, "1010#", "the PIN")
    keys(phone, "1", "main menu: 1 listens")
    keys(phone, "7", "after the first message: 7 deletes it")
    # ---- the kill, once the renumbering is under way
    hit = False
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if os.stat(msg(AT, "wav")).st_ino == inode[AT + 1]:
                pbx.proc.send_signal(signal.SIGKILL)
                hit = True
                break
        except FileNotFoundError:
            pass
    pbx.proc.wait()
    pbx.log.close()
    pbx.proc = None
    names = set(os.listdir(inbox))
    t.ok(hit and f"msg{N - 1:04d}.wav" in names,
         f"SIGKILL hit the renumbering (msg{AT:04d} is the old msg{AT + 1:04d}, "
         f"msg{N - 1:04d} still there)",
         f"hit={hit} files={len(names)}")
    dups = len([k for k in range(N) if os.path.exists(msg(k, "wav"))]) - \
        len({os.stat(msg(k, "wav")).st_ino for k in range(N) if os.path.exists(msg(k, "wav"))})
    t.diag(f"at the kill: {len(names)} files, {dups} message(s) under two numbers")
    phone.stop()

    # ---- restart: the repair
    t.ok(pbx.start(timeout=60), "the daemon starts again", pbx.log_text()[-1500:])
    wavs = sorted(glob.glob(os.path.join(inbox, "msg*.wav")))
    txts = sorted(glob.glob(os.path.join(inbox, "msg*.txt")))
    t.ok([os.path.basename(p) for p in wavs] == [f"msg{k:04d}.wav" for k in range(N - 1)],
         f"numbering repaired: msg0000..msg{N - 2:04d}, no gap, no duplicate",
         f"{len(wavs)} wavs")
    t.ok([p[:-4] for p in txts] == [p[:-4] for p in wavs], "each audio has its envelope")
    got = [original_index(k) for k in range(len(wavs))]
    t.ok(got == [(k + 1, k + 1) for k in range(N - 1)],
         "every message but the deleted one is there, in order, its audio with its envelope",
         str([(k, g) for k, g in enumerate(got) if g != (k + 1, k + 1)][:5]))
    t.ok(re.search(r"renumbered|duplicate|folded", pbx.log_text()) is not None,
         "the repair is logged", pbx.log_text()[-1500:])
    out = pbx.rx("voicemail show counts")[1]
    t.ok(re.search(rf"1010@office\s+{N - 1}\s+0", out), f"voicemail show counts: {N - 1}", out)
    w = Watcher(pbx.sip_port, "1010", "pw1010")
    r = w.subscribe("1010", event="message-summary")
    n = w.wait_notify(lambda n: "Voice-Message" in n.body)
    t.ok(r and r[0] == 200 and n and f"Voice-Message: {N - 1}/0 " in n.body,
         f"the MWI NOTIFY says {N - 1}/0", repr(n))
finally:
    phone.stop()
    if pbx.proc:
        pbx.stop()
    t.ok(not pbx.assertion_lines(), "no assertion failed", "\n".join(pbx.assertion_lines()))
t.done()
