#!/usr/bin/env python3
"""Message waiting indication (app_voicemail, RFC 3842) seen by real
subscribers: a sipp client (contrib/sipp/subscribe-mwi.xml: SUBSCRIBE,
digest, the NOTIFY counts checked by its regexp actions), a box shared
by several phones (endpoints whose `mailbox` names the same box,
subscribed to the box or to their own address, and one endpoint
registered from two devices), and `mwi_unsolicited = yes`: NOTIFYs
without a subscription to every registered contact, at registration
and on every change, and none to endpoints without it.  Last, a real
phone: baresip's mwi module, on an endpoint sharing box 1001, subscribed
to its own address, shows the box's counts and their change.

baresip 1.0.0's mwi module arms a 1 ms timer at its init that walks its
list of subscriptions and subscribes again for each - appending to the
very list it walks: if a registration has completed before the timer
fires, the list is not empty and baresip spins forever (seen under load
even with mwi.so loaded before account.so).  So baresip starts with no
account; once the timer has fired on the empty list, `/uanew` creates
the account, whose registration then subscribes once."""
import os
import re
import subprocess
import time

from baresip import Baresip
from carillon import TOP, Carillon, Tap, free_port, wait_for
from watcher import Watcher

t = Tap()
SIPP = os.path.join(TOP, "contrib", "sipp")


def counts(n):
    m = re.search(r"Voice-Message:\s*(\d+)/(\d+)", n.body)
    return (int(m.group(1)), int(m.group(2))) if m else None


def write_wav(path, seconds=1.0):
    import math
    import struct
    import wave
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 500 * i
                                                                       / 8000)))
                               for i in range(int(8000 * seconds))))


def unsolicited(c, start=0):
    """The NOTIFYs c got outside any subscription of its own."""
    return [n for n in c.notifies[start:] if n.call_id != c.call_id]


pbx = Carillon()
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
with open(os.path.join(pbx.etc, "endpoints.conf"), "a") as f:
    f.write("\n[1011](office-phone)\nsecret = pw1011\nmailbox = 1001\n"
            "\n[1012](office-phone)\nsecret = pw1012\nmailbox = 1001@office\n"
            "mwi_unsolicited = yes\n"
            "\n[1013](office-phone)\nsecret = pw1013\nmwi_unsolicited = yes\n")
pbx.conf("endpoints.conf", "1002", "mwi_unsolicited", "yes")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
msg = os.path.join(pbx.run_dir, "m.wav")
write_wav(msg)

# ---- sipp subscribes to 1003's box and checks the counts itself
sp = subprocess.Popen(["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf",
                       os.path.join(SIPP, "subscribe-mwi.xml"), "-m", "1", "-s", "1003",
                       "-au", "1003", "-ap", "pw1003", "-key", "watcher", "1003",
                       "-i", "127.0.0.1", "-p", str(free_port()), "-timeout", "30",
                       "-timeout_error", "-nostdin"],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                      cwd=pbx.run_dir)
t.ok(wait_for(lambda: re.search(r"message-summary\s+1003",
                                pbx.rx("sip show subscriptions")[1]), 15),
     "sipp's subscription to 1003's box is active", pbx.rx("sip show subscriptions")[1])
time.sleep(0.5)   # its first NOTIFY answered
pbx.rx(f"voicemail import 1003 {msg}")
try:
    out, _ = sp.communicate(timeout=40)
except subprocess.TimeoutExpired:
    sp.kill()
    out, _ = sp.communicate()
t.ok(sp.returncode == 0, "sipp: NOTIFY 0/0 (no), then 1/0 (yes) after the message, "
     "then terminated", out[-2500:])

# ---- one box, several phones
w1 = Watcher(pbx.sip_port, "1001", "pw1001")
w11 = Watcher(pbx.sip_port, "1011", "pw1011")
w11b = Watcher(pbx.sip_port, "1011", "pw1011")
r1 = w1.subscribe("1001", event="message-summary")
r11 = w11.subscribe("1011", event="message-summary")
r11b = w11b.subscribe("1001", event="message-summary")
t.ok(all(r and r[0] == 200 for r in (r1, r11, r11b)),
     "1001 watches its box; 1011 (mailbox = 1001) watches its own address and the box",
     str([r and r[:2] for r in (r1, r11, r11b)]))
first = [w.wait_notify(lambda n: counts(n) is not None) for w in (w1, w11, w11b)]
t.ok(all(n and counts(n) == (0, 0) for n in first), "each first NOTIFY: 0/0", repr(first))

# 1012 (mailbox = 1001@office, mwi_unsolicited) registers from two devices
d1 = Watcher(pbx.sip_port, "1012", "pw1012")
d2 = Watcher(pbx.sip_port, "1012", "pw1012")
regs = [d.register_auth("1012", "pw1012", expires=600) for d in (d1, d2)]
t.ok(all(r and r[0] == 200 for r in regs), "1012 registers two devices",
     str([r and r[:2] for r in regs]))
got = [d.wait_notify(lambda n: counts(n) is not None) for d in (d1, d2)]
t.ok(all(n and counts(n) == (0, 0) and n.event == "message-summary" for n in got),
     "unsolicited: each device gets a message-summary NOTIFY 0/0 at registration",
     repr(got))
t.ok(all(n and "Message-Account: sip:1001@" in n.body
         and "application/simple-message-summary" in
         " ".join(v for k, v in n.headers if k.lower() == "content-type") for n in got),
     "unsolicited: the body names box 1001, typed application/simple-message-summary",
     repr(got))
t.ok(all(n and "active" in n.state for n in got), "unsolicited: Subscription-State active",
     repr(got))
# a phone without mwi_unsolicited that registers gets nothing unsolicited
p1 = Watcher(pbx.sip_port, "1001", "pw1001")
r = p1.register_auth("1001", "pw1001", expires=600)
t.ok(r and r[0] == 200, "1001 registers (no mwi_unsolicited)")

marks = [len(w.notifies) for w in (w1, w11, w11b, d1, d2, p1)]
pbx.rx(f"voicemail import 1001 {msg}")
seen = [w.wait_notify(lambda n: counts(n) == (1, 0), start=m)
        for w, m in zip((w1, w11, w11b, d1, d2), marks)]
t.ok(all(n and "Messages-Waiting: yes" in n.body for n in seen),
     "a new message in 1001: the two subscribers to the box, the one to 1011's address "
     "and both devices of 1012 (unsolicited) get 1/0", repr(seen))
p1.pump(2.0)
t.ok(p1.notifies[marks[5]:] == [], "1001's registered phone (no mwi_unsolicited) got no NOTIFY",
     repr(p1.notifies))

marks = [len(w.notifies) for w in (w1, d1)]
pbx.rx(f"voicemail import 1001 {msg}")
n = d1.wait_notify(lambda n: counts(n) == (2, 0), start=marks[1])
t.ok(n is not None and w1.wait_notify(lambda n: counts(n) == (2, 0), start=marks[0]),
     "the next change: 2/0 everywhere", repr(d1.notifies[marks[1]:]))

# ---- 1002 (its own box, unsolicited): only its box's changes reach it
d3 = Watcher(pbx.sip_port, "1002", "pw1002")
r = d3.register_auth("1002", "pw1002", expires=600)
n = d3.wait_notify(lambda n: counts(n) is not None)
t.ok(r and r[0] == 200 and n and counts(n) == (0, 0) and "sip:1002@" in n.body,
     "1002 (mwi_unsolicited, mailbox = 1002) registers: NOTIFY 0/0 for 1002", repr(n))
mark = len(d3.notifies)
pbx.rx(f"voicemail import 1001 {msg}")
time.sleep(1.5)
d3.pump(0.5)
t.ok(d3.notifies[mark:] == [], "a message in 1001 sends nothing to 1002",
     repr(d3.notifies[mark:]))
pbx.rx(f"voicemail import 1002 {msg}")
n = d3.wait_notify(lambda n: counts(n) == (1, 0), start=mark)
t.ok(n is not None, "a message in 1002: unsolicited NOTIFY 1/0", repr(d3.notifies[mark:]))

# ---- 1013: mwi_unsolicited but no box (neither mailbox nor a box 1013)
d4 = Watcher(pbx.sip_port, "1013", "pw1013")
r = d4.register_auth("1013", "pw1013", expires=600)
d4.pump(1.5)
t.ok(r and r[0] == 200 and d4.notifies == [], "1013 without a box: no NOTIFY",
     repr(d4.notifies))

# ---- who may watch what
s = Watcher(pbx.sip_port, "1013", "pw1013")
r = s.subscribe("1011", event="message-summary")
t.ok(r is not None and r[0] == 403, "1013 watching 1011's address (box 1001): 403",
     str(r and r[:2]))
s2 = Watcher(pbx.sip_port, "1011", "pw1011")
r = s2.subscribe("1002", event="message-summary")
t.ok(r is not None and r[0] == 403, "1011 watching box 1002: 403", str(r and r[:2]))

# ---- unregistered: no more unsolicited NOTIFYs
mark = len(d3.notifies)
r = d3.register_auth("1002", "pw1002", expires=0)
pbx.rx(f"voicemail import 1002 {msg}")
d3.pump(1.5)
t.ok(r and r[0] == 200 and d3.notifies[mark:] == [],
     "after unregistering, 1002 gets nothing", repr(d3.notifies[mark:]))

# ---- a real phone: baresip's mwi module, 1011 (mailbox = 1001) -------------
def vm_counts(log):
    return [tuple(map(int, m)) for m in re.findall(r"Voice-Message: (\d+)/(\d+)", log)]


m = re.search(r"1001@office\s+(\d+)\s+(\d+)", pbx.rx("voicemail show counts")[1])
have = (int(m.group(1)), int(m.group(2))) if m else None
phone = Baresip(pbx, "1011", "pw1011", extra_modules=["mwi.so"], account_extra=";mwi=yes",
                register_later=True)
time.sleep(1.0)   # its mwi start-up timer has fired, on an empty list
phone.add_account()
t.ok(wait_for(lambda: re.search(r"message-summary\s+1011",
                                pbx.rx("sip show subscriptions")[1]), 15),
     "baresip (1011) subscribes to message-summary at its own address",
     pbx.rx("sip show subscriptions")[1] + phone.log_text()[-1500:])
t.ok(wait_for(lambda: have in vm_counts(phone.log_text()), 10),
     f"baresip shows box 1001's counts {have}", phone.log_text()[-1500:])
t.ok(phone.log_text().count("mwi: subscribing") == 1, "baresip subscribed once (no loop)",
     phone.log_text()[-600:])
pbx.rx(f"voicemail import 1001 {msg}")
t.ok(wait_for(lambda: (have[0] + 1, have[1]) in vm_counts(phone.log_text()), 10)
     and "Messages-Waiting: yes" in phone.log_text(),
     "a new message: baresip shows the new count", phone.log_text()[-1500:])
phone.stop()

t.ok(pbx.stop() == 0, "daemon stops cleanly")
t.ok(not pbx.assertion_lines(), "no assertion in the log", "\n".join(pbx.assertion_lines()))
pbx.cleanup()
t.done()
