#!/usr/bin/env python3
"""Call pickup with real baresip phones and the sample office (**NNNN
directed, *8 group; everybody in call_group/pickup_group 1, 1006 moved
to pickup_group 2 here).

1. 1001 calls 1002, which rings (a BLF key on 1002 sees it early); 1003
   dials **1002: 1001 and 1003 talk (each hears the other's tone), 1002's
   ringing leg is CANCELled with Reason: SIP;cause=200;text="Call
   completed elsewhere", the BLF key goes dark; the CDR of 1001's call
   has 1003 as the answered party (peer), the picker's CDR the same
   linked id; event pickup/picked.
2. Nothing rings: **1002 and *8 are refused (404), nothing left.
3. Group pickup: 1001 calls 1002, then 1004 calls 1005; 1003 dials *8
   and gets the oldest (1001's), then *8 again gets 1004's; audio both
   ways; the picker hanging up ends the call.
4. 1006 (pickup_group 2) cannot *8 a call ringing at 1002 (404, 1002
   still rings), but can **1002 (directed pickup ignores groups).
After each: `core show channels` empty; at the end no subscription."""
import glob
import os
import re
import shutil
import sqlite3
import time

from audio import read_samples, tone_share, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for
from watcher import Watcher

HZ = {"1001": 1000, "1002": 440, "1003": 700, "1004": 300, "1005": 1300, "1006": 1700}
ELSEWHERE = 'Reason: SIP;cause=200;text="Call completed elsewhere"'

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "48000")
pbx.conf("rtp.conf", "general", "port_end", "48999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("endpoints.conf", "1006", "pickup_group", "2")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

phones = []


def phone(user):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, HZ[user], 120, amplitude=6000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=240, audio_source=src,
                audio_player="aubridge,nobody-feeds-this", codecs="PCMU",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"])
    b.rec = rec
    phones.append(b)
    return b


def recording(b):
    """(rate, samples) of b's latest call."""
    recs = sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")), key=os.path.getmtime)
    return read_samples(recs[-1]) if recs else (8000, [])


def registered(*users):
    out = pbx.rx("sip show registrations")[1]
    have = {line.split()[0] for line in out.splitlines() if line.split()}
    return all(u in have for u in users)


def channels():
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", pbx.rx("core show channels")[1], re.M)


def state_of(user):
    return [s for u, s in channels() if u == user]


def talking(*users):
    rows = channels()
    return sorted(u for u, _ in rows) == sorted(users) and all(s == "UP" for _, s in rows)


def ringing(*users):
    return all(state_of(u) == ["RINGING"] for u in users)


def nothing_left():
    return not channels()


def cdr_rows(where):
    """CDR rows (dicts) matching `where`, once the batch is written."""
    deadline = time.time() + 3
    while True:
        db = sqlite3.connect(os.path.join(pbx.run_dir, "var", "carillon.db"), timeout=5)
        try:
            db.row_factory = sqlite3.Row
            rows = [dict(r) for r in db.execute(f"SELECT * FROM cdr WHERE {where}")]
        except sqlite3.Error:
            rows = []
        finally:
            db.close()
        if rows or time.time() > deadline:
            return rows
        time.sleep(0.2)


def heard(b, user, seconds=1.5):
    """The share of `user`'s tone in the last seconds of b's recording
    (its call has just ended)."""
    rate, s = recording(b)
    part = s[-int((seconds + 0.4) * rate):-int(0.4 * rate)] if len(s) > rate else []
    return round(tone_share(part, rate, HZ[user]), 2) if part else 0


def refused(b, since):
    return wait_for(lambda: re.search(r"404|Not Found", b.log_text()[since:]), 10)


try:
    a, b, c, d, e, f = (phone(u) for u in ("1001", "1002", "1003", "1004", "1005", "1006"))
    t.ok(wait_for(lambda: registered("1001", "1002", "1003", "1004", "1005", "1006"), 15),
         "six phones register", pbx.rx("sip show registrations")[1])
    pbx.rx("core set debug 0")
    pbx.rx("sip set debug on")

    # ---- 1. directed pickup **1002 ------------------------------------------------
    w = Watcher(pbx.sip_port, "1007", "pw1007")         # a BLF key on 1002
    r = w.subscribe("1002")
    t.ok(r and r[0] == 200 and w.wait_notify(lambda n: n.dialog_states() == ["terminated"]),
         "a BLF key subscribes to 1002", w.notifies)
    start = len(w.notifies)
    a.command("/dial 1002")
    t.ok(wait_for(lambda: ringing("1002"), 10), "1001 calls 1002: it rings", channels())
    t.ok(w.wait_notify(lambda n: "early" in n.dialog_states(), 5, start),
         "the BLF key sees 1002 ringing (early)", w.notifies[start:])
    start = len(w.notifies)
    log0 = len(pbx.log_text())
    c.command("/dial **1002")
    t.ok(wait_for(lambda: talking("1001", "1003"), 10), "1003 dials **1002: 1001 and 1003 talk",
         pbx.rx("core show channels")[1])
    cancels = [m for m in pbx.log_text()[log0:].split("CANCEL sip:")[1:] if "1002" in m[:200]]
    t.ok(cancels and ELSEWHERE in cancels[0].split("\n\n")[0],
         "1002's ringing leg is CANCELled with Reason: call completed elsewhere",
         pbx.log_text()[log0:][-3000:])
    t.ok(wait_for(lambda: "1002" not in [u for u, _ in channels()], 5) and
         wait_for(lambda: re.search(r"closed|terminated|cancel", b.log_text(), re.I), 5),
         "1002 stops ringing", b.log_text()[-800:])
    t.ok(w.wait_notify(lambda n: n.dialog_states() == ["terminated"], 5, start),
         "the BLF key on 1002 goes dark", w.notifies[start:])
    out = pbx.rx("event show recent 50 like pickup/")[1]
    t.ok(re.search(r"channel=SIP/1003-.*callee=1002|callee=1002.*channel=SIP/1003-", out),
         "event pickup/picked: 1003 took the call to 1002", out)
    time.sleep(2.5)
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1001 hangs up: nothing left",
         pbx.rx("core show channels")[1])
    time.sleep(0.5)
    ha, hc = heard(a, "1003"), heard(c, "1001")
    t.ok(ha > 0.7 and hc > 0.7, f"audio: 1001 hears 1003's tone ({ha}), 1003 hears 1001's "
         f"({hc})")
    rows = cdr_rows("caller = '1001' AND callee = '1002'")
    picker = cdr_rows("caller = '1003'")
    t.ok(len(rows) == 1 and "SIP/1003-" in (rows[0]["peer"] or "")
         and rows[0]["disposition"] == "ANSWERED",
         "CDR: 1001's call to 1002, answered, the answered party is 1003", rows)
    t.ok(len(picker) == 1 and picker[0]["callee"] == "**1002" and rows
         and picker[0]["linked_id"] == rows[0]["linked_id"]
         and "SIP/1001-" in (picker[0]["peer"] or ""),
         "CDR: the picker's record has the caller's linked id", picker)

    # ---- 2. nothing rings -------------------------------------------------------------
    since = len(c.log_text())
    c.command("/dial **1002")
    t.ok(refused(c, since) and wait_for(nothing_left, 5), "**1002 with nothing ringing: 404",
         c.log_text()[since:])
    time.sleep(0.5)
    since = len(c.log_text())
    c.command("/dial *8")
    t.ok(refused(c, since) and wait_for(nothing_left, 5), "*8 with nothing ringing: 404",
         c.log_text()[since:])

    # ---- 3. group pickup *8, the oldest first ----------------------------------------
    time.sleep(0.5)
    a.command("/dial 1002")
    t.ok(wait_for(lambda: ringing("1002"), 10), "1001 calls 1002: rings", channels())
    time.sleep(0.3)
    d.command("/dial 1005")
    t.ok(wait_for(lambda: ringing("1002", "1005"), 10), "1004 calls 1005: rings", channels())
    c.command("/dial *8")
    t.ok(wait_for(lambda: sorted(u for u, s in channels() if s == "UP")
                  == ["1001", "1003"], 10) and ringing("1005"),
         "1003 dials *8: gets the oldest call (1001's), 1005 still rings", channels())
    time.sleep(2.5)
    c.command("/hangup")
    t.ok(wait_for(lambda: ringing("1005") and len(channels()) == 2, 10),
         "1003 hangs up: 1001's call ends too", channels())
    time.sleep(0.5)
    ha, hc = heard(a, "1003"), heard(c, "1001")
    t.ok(ha > 0.7 and hc > 0.7, f"audio: 1001 hears 1003 ({ha}), 1003 hears 1001 ({hc})")
    c.command("/dial *8")
    t.ok(wait_for(lambda: talking("1004", "1003"), 10),
         "*8 again: 1003 gets 1004's call to 1005", channels())
    time.sleep(2.5)
    d.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1004 hangs up: nothing left", channels())
    time.sleep(0.5)
    hd, hc = heard(d, "1003"), heard(c, "1004")
    t.ok(hd > 0.7 and hc > 0.7, f"audio: 1004 hears 1003 ({hd}), 1003 hears 1004 ({hc})")

    # ---- 4. outside the group --------------------------------------------------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: ringing("1002"), 10), "1001 calls 1002: rings", channels())
    since = len(f.log_text())
    f.command("/dial *8")
    t.ok(refused(f, since), "1006 (pickup_group 2) dials *8: 404", f.log_text()[since:])
    t.ok(wait_for(lambda: sorted(u for u, _ in channels()) == ["1001", "1002"], 5)
         and ringing("1002"), "1002 still rings", channels())
    time.sleep(0.5)
    f.command("/dial **1002")
    t.ok(wait_for(lambda: talking("1001", "1006"), 10),
         "1006 dials **1002: directed pickup works whatever the groups", channels())
    time.sleep(1)
    f.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "hung up: nothing left", channels())

    r = w.subscribe("1002", expires=0)
    t.ok(r and r[0] == 200 and wait_for(lambda: re.search(
        r"\b0 subscriptions", pbx.rx("sip show subscriptions")[1]), 5),
        "unsubscribed: no subscription left", pbx.rx("sip show subscriptions")[1])
    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in phones:
        p.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
