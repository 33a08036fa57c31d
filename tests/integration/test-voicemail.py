#!/usr/bin/env python3
"""Voicemail (app_voicemail) against the real daemon: the sample office's
mailboxes, messages filed into Asterisk's spool layout through the CLI,
MWI NOTIFYs (message-summary, RFC 3842) with the counts seen by a
subscribed phone on every change, a stranger refused, the email produced
(parsed back as MIME, the attachment equal to the message's audio), and
the start-up repair after a crash left half-done files."""
import email
import email.policy
import os
import re
import struct
import time
import wave

from carillon import Carillon, Tap, wait_for
from watcher import Watcher

t = Tap()


def write_wav(path, seconds=1.0, freq=440):
    import math
    n = int(8000 * seconds)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i
                                                                       / 8000)))
                               for i in range(n)))


def counts(n):
    m = re.search(r"Voice-Message:\s*(\d+)/(\d+)", n.body)
    return (int(m.group(1)), int(m.group(2))) if m else None


pbx = Carillon()
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
mail_out = os.path.join(pbx.run_dir, "mail")
os.makedirs(mail_out)
pbx.conf("voicemail.conf", "general", "mailcmd",
         f"/bin/sh -c 'cat > {mail_out}/$$.eml'")
spool = os.path.join(pbx.run_dir, "var", "spool", "voicemail", "office")
# What a kill -9 can leave in 1002's box: an envelope without audio
# (a save cut short), a recording cut in tmp/, a gap in the numbering.
inbox2 = os.path.join(spool, "1002", "INBOX")
os.makedirs(inbox2)
os.makedirs(os.path.join(spool, "1002", "tmp"))
write_wav(os.path.join(inbox2, "msg0001.wav"))
with open(os.path.join(inbox2, "msg0001.txt"), "w") as f:
    f.write("[message]\ncallerid=\"Kept\" <1005>\nduration=1\n")
with open(os.path.join(inbox2, "msg0003.txt"), "w") as f:
    f.write("[message]\ncallerid=lost\n")
with open(os.path.join(spool, "1002", "tmp", "rec.wav"), "wb") as f:
    f.write(b"RIFF")

if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

rc, out = pbx.rx("voicemail show users")
t.ok(rc == 0 and "10 voicemail users configured" in out and "Office 1007" in out,
     "voicemail show users lists the sample office's 10 boxes", out)

# ---- start-up repair
t.ok(os.path.exists(os.path.join(inbox2, "msg0000.wav"))
     and not os.path.exists(os.path.join(inbox2, "msg0001.wav")),
     "repair: the gap closed (msg0001 renumbered msg0000)", str(os.listdir(inbox2)))
t.ok(not os.path.exists(os.path.join(inbox2, "msg0003.txt")),
     "repair: the envelope without audio removed")
t.ok(os.listdir(os.path.join(spool, "1002", "tmp")) == [],
     "repair: the cut recording in tmp/ removed")
log = pbx.log_text()
t.ok("envelope without audio removed" in log and "renumbered" in log
     and "unfinished recording removed" in log, "repair: each finding logged", log[-2000:])
rc, out = pbx.rx("voicemail show messages 1002")
t.ok(rc == 0 and re.search(r"INBOX\s+1\s.*Kept", out) is not None,
     "show messages: the kept message with its caller", out)

# ---- MWI
w = Watcher(pbx.sip_port, "1001", "pw1001")
r = w.subscribe("1001", event="message-summary", expires=600)
t.ok(r is not None and r[0] == 200, "SUBSCRIBE message-summary for the own box: 200",
     str(r and r[:2]))
n = w.wait_notify(lambda n: n.event.startswith("message-summary"))
t.ok(n is not None and counts(n) == (0, 0) and "Messages-Waiting: no" in n.body,
     "first NOTIFY: no messages (0/0)", repr(n))
t.ok(n is not None and "application/simple-message-summary" in
     " ".join(v for k, v in n.headers if k.lower() in ("content-type", "c")),
     "NOTIFY body type application/simple-message-summary")

msg = os.path.join(pbx.run_dir, "import.wav")
write_wav(msg, 1.5, 1000)
start = len(w.notifies)
rc, out = pbx.rx(f"voicemail import 1001 {msg}")
t.ok(rc == 0, "voicemail import 1001 FILE", out)
n = w.wait_notify(lambda n: counts(n) == (1, 0), start=start)
t.ok(n is not None and "Messages-Waiting: yes" in n.body,
     "NOTIFY after a new message: Messages-Waiting yes, 1/0", repr(w.notifies[start:]))
t.ok(n is not None and "Message-Account: sip:1001@" in n.body, "Message-Account names the box")
inbox1 = os.path.join(spool, "1001", "INBOX")
t.ok(os.path.exists(os.path.join(inbox1, "msg0000.wav"))
     and os.path.exists(os.path.join(inbox1, "msg0000.txt")),
     "stored as INBOX/msg0000.wav + msg0000.txt", str(os.listdir(os.path.join(spool, "1001"))))
with open(msg, "rb") as a, open(os.path.join(inbox1, "msg0000.wav"), "rb") as b:
    t.ok(a.read() == b.read(), "the stored audio is the file's")
with open(os.path.join(inbox1, "msg0000.txt")) as f:
    env = f.read()
t.ok("[message]" in env and "origmailbox=1001" in env and "context=office" in env
     and re.search(r"origtime=\d+", env), "envelope in Asterisk's form", env)

start = len(w.notifies)
pbx.rx(f"voicemail import 1001 {msg}")
n = w.wait_notify(lambda n: counts(n) == (2, 0), start=start)
t.ok(n is not None, "second message: 2/0", repr(w.notifies[start:]))
rc, out = pbx.rx("voicemail show counts")
t.ok(rc == 0 and re.search(r"1001@office\s+2\s+0", out) is not None
     and re.search(r"1002@office\s+1\s+0", out) is not None, "voicemail show counts", out)

# ---- a stranger may not watch 1001's box; an unknown box is 404
s = Watcher(pbx.sip_port, "1003", "pw1003")
r = s.subscribe("1001", event="message-summary")
t.ok(r is not None and r[0] == 403, "1003 watching 1001's box: 403", str(r and r[:2]))
s2 = Watcher(pbx.sip_port, "1003", "pw1003")
r = s2.subscribe("4242", event="message-summary")
t.ok(r is not None and r[0] == 404, "unknown box: 404", str(r and r[:2]))

# ---- reload keeps the messages
rc, out = pbx.rx("voicemail reload")
t.ok(rc == 0 and "10 mailboxes" in out, "voicemail reload", out)
rc, out = pbx.rx("voicemail show counts")
t.ok(re.search(r"1001@office\s+2\s+0", out) is not None, "counts unchanged by the reload", out)

# ---- email: a box with an address gets a MIME message with the WAV
pbx.conf("voicemail.conf", "office", "1004", "1004,Dana Doe,dana@example.com,,attach=yes")
rc, out = pbx.rx("voicemail reload")
pbx.rx(f"voicemail import 1004 {msg}")
files = wait_for(lambda: [f for f in os.listdir(mail_out)
                          if os.path.getsize(os.path.join(mail_out, f)) > 1000], 10)
t.ok(bool(files), "the mail command got a message", pbx.log_text()[-1500:])
if files:
    time.sleep(0.3)
    with open(os.path.join(mail_out, files[0]), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    t.ok(m["To"].addresses[0].addr_spec == "dana@example.com" and "mailbox 1004" in m["Subject"],
         "To and Subject from the template", str(m["To"]) + " / " + str(m["Subject"]))
    body = m.get_body(("plain",)).get_content()
    t.ok("Dear Dana Doe" in body and "Import" in body, "body template expanded", body)
    atts = list(m.iter_attachments())
    t.ok(len(atts) == 1 and atts[0].get_content_type() == "audio/x-wav",
         "one audio/x-wav attachment")
    if atts:
        data = atts[0].get_payload(decode=True)
        with open(os.path.join(spool, "1004", "INBOX", "msg0000.wav"), "rb") as f:
            t.ok(data == f.read(), "the attachment is the stored message")
        path = os.path.join(pbx.run_dir, "att.wav")
        with open(path, "wb") as f:
            f.write(data)
        with wave.open(path) as wv:
            t.ok(wv.getframerate() == 8000 and wv.getnframes() == 12000,
                 "the attachment is a playable WAV (1.5 s at 8 kHz)")

# ---- a failing mail command is logged, the message stays
pbx.conf("voicemail.conf", "general", "mailcmd", "/nonexistent/sendmail -t")
pbx.rx("voicemail reload")
pbx.rx(f"voicemail import 1004 {msg}")
t.ok(wait_for(lambda: "email was not sent" in pbx.log_text(), 10),
     "a failing mail command is logged")
t.ok(os.path.exists(os.path.join(spool, "1004", "INBOX", "msg0001.wav")),
     "and the message is kept")

t.ok(pbx.stop() == 0, "daemon stops cleanly")
t.ok(not pbx.assertion_lines(), "no assertion in the log", "\n".join(pbx.assertion_lines()))
pbx.cleanup()
t.done()
