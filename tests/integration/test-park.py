#!/usr/bin/env python3
"""Call parking with real baresip phones and the sample office
(slots 701-720, the #72 feature code, blind transfer to a slot).

1. 1001 calls 1002, which keys #72: 1001 is parked in 701 and hears the
   music on hold class (not silence, not either phone's tone), 1002
   hears the slot said and is hung up; `parking show` lists 701 and the
   bus carries park/parked.  1003 dials 701: 1001 and 1003 talk (each
   hears the other's tone), park/retrieved.
2. The timeout: parked by 1002 again, nobody dials 701; after the
   timeout 1002 (the parker, auto answer) rings, answers and talks to
   1001 (park/timeout then park/retrieved).
3. The parker does not answer: 1001 calls 1003 (which accepts), 1003
   parks 1001; after the timeout 1003 rings unanswered, then the sample
   dialplan sends 1001 to the operator (1004 here), which talks to it.
4. A parked caller that hangs up leaves nothing (park/hangup, the slot
   free); dialing an empty slot gets 404.
5. A blind transfer (REFER) to 705 parks 1001 in 705.
After each: `core show channels` empty, no parked call."""
import glob
import os
import re
import shutil
import time

from audio import read_samples, rms, tone_share, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for
from watcher import Watcher

MOH_DIR = "/usr/share/asterisk/moh"
HZ = {"1001": 1000, "1002": 440, "1003": 700, "1004": 300}
TIMEOUT, RING = 8, 4

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)
if not glob.glob(os.path.join(MOH_DIR, "*.wav")):
    print(f"1..0 # SKIP no music on hold in {MOH_DIR} (contrib/scripts/install-prereq)")
    raise SystemExit(0)

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "47000")
pbx.conf("rtp.conf", "general", "port_end", "47999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
lua = open(os.path.join(pbx.etc, "extensions.lua")).read()
lua = lua.replace("local PARK_TIMEOUT, PARK_RING = 45, 20",
                  f"local PARK_TIMEOUT, PARK_RING = {TIMEOUT}, {RING}", 1)
lua = lua.replace('local OPERATOR = "1003"', 'local OPERATOR = "1004"', 1)
assert f"= {TIMEOUT}, {RING}" in lua and '"1004"' in lua
pbx.write_file("extensions.lua", lua)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

phones = []


def phone(user, answer=False):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, HZ[user], 120, amplitude=6000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=240, audio_source=src,
                audio_player="aubridge,nobody-feeds-this", codecs="PCMU",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"], answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def recording(b):
    """(rate, samples) of b's latest call."""
    recs = sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")), key=os.path.getmtime)
    return read_samples(recs[-1]) if recs else (8000, [])


def registered(*users):
    out = pbx.rx("sip show registrations")[1]
    have = {l.split()[0] for l in out.splitlines() if l.split()}
    return all(u in have for u in users)


def channels():
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", pbx.rx("core show channels")[1], re.M)


def talking(*users):
    rows = channels()
    return sorted(u for u, _ in rows) == sorted(users) and all(s == "UP" for _, s in rows)


def parked():
    out = pbx.rx("parking show")[1]
    return dict(re.findall(r"^(\d+)\s+SIP/(\d+)-", out, re.M))


def nothing_left():
    return not channels() and not parked()


def events(kind):
    out = pbx.rx(f"event show recent 500 like park/{kind}")[1]
    return re.findall(r"slot=(\d+)", out)


def press(b, digits, gap=0.5):
    for d in digits:
        b.command(d)
        time.sleep(gap)


def share(samples, rate, user, t0, t1):
    part = samples[int(t0 * rate):int(t1 * rate)]
    return part, (round(tone_share(part, rate, HZ[user]), 2) if part else 0)


try:
    a, b, c, d = phone("1001"), phone("1002", True), phone("1003"), phone("1004", True)
    t.ok(wait_for(lambda: registered("1001", "1002", "1003", "1004"), 15),
         "four phones register", pbx.rx("sip show registrations")[1])
    pbx.rx("core set debug 0")

    # ---- 1. park with #72, retrieve by dialing 701 --------------------------------
    w = Watcher(pbx.sip_port, "1005", "pw1005")         # a BLF key on slot 701
    r = w.subscribe("701")
    t.ok(r and r[0] == 200 and w.wait_notify(lambda n: n.dialog_states() == ["terminated"]),
         "a BLF key subscribes to 701: accepted, idle", w.notifies)
    a.command("/dial 1002")
    t.ok(wait_for(lambda: talking("1001", "1002"), 15), "1001 calls 1002: up",
         pbx.rx("core show channels")[1])
    time.sleep(1)
    press(b, "#72")
    t.ok(wait_for(lambda: parked() == {"701": "1001"}, 5), "1002 keys #72: 1001 parked in 701",
         pbx.rx("parking show")[1])
    t_park = time.monotonic()
    out = pbx.rx("parking show")[1]
    t.ok("Parking slots 701-720, 1 parked" in out and re.search(r"701\s+SIP/1001-\S+\s+1001"
                                                                r"\s+1002", out),
         "parking show: slot, channel, caller and parker", out)
    t.ok(wait_for(lambda: talking("1001"), 10),
         "1002 hears the slot and is hung up; 1001 stays", pbx.rx("core show channels")[1])
    spoken = time.monotonic() - t_park
    rate, sb = recording(b)
    said = sb[-int(spoken * rate):] if spoken > 0.5 else []
    t.ok(1.0 < spoken < 6 and "not announced" not in pbx.log_text() and said
         and rms(said) > 200, f"1002 heard the slot said before its hangup ({spoken:.1f} s "
         f"after the park, RMS {rms(said) if said else 0:.0f})", pbx.log_text()[-1500:])
    t.ok(w.wait_notify(lambda n: n.dialog_states() == ["confirmed"]
                       and "1001" in n.body, 5),
         "the BLF key on 701 is lit: confirmed, the parked caller 1001", w.notifies[-1:])
    start = len(w.notifies)
    time.sleep(3)
    c.command("/dial 701")
    t.ok(wait_for(lambda: talking("1001", "1003"), 10), "1003 dials 701: talks to 1001",
         pbx.rx("core show channels")[1])
    t_ret = time.monotonic()
    t.ok(wait_for(lambda: not parked(), 3), "701 is free again", pbx.rx("parking show")[1])
    t.ok(w.wait_notify(lambda n: n.dialog_states() == ["terminated"], 5, start),
         "the BLF key on 701 goes dark", w.notifies[-1:])
    r = w.subscribe("701", expires=0)
    t.ok(r and r[0] == 200 and wait_for(lambda: re.search(
        r"\b0 subscriptions", pbx.rx("sip show subscriptions")[1]), 5),
        "unsubscribed: no subscription left", pbx.rx("sip show subscriptions")[1])
    time.sleep(3)
    c.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1003 hangs up: no channel left",
         pbx.rx("core show channels")[1])
    time.sleep(0.5)
    rate, sa = recording(a)
    start = len(sa) / rate - (time.monotonic() - t_park)     # the recording's t_park
    music = sa[int((start + 1) * rate):int((start + 3) * rate)]
    tones = [round(tone_share(music, rate, HZ[u]), 2) if music else 1 for u in HZ]
    t.ok(music and rms(music) > 300 and max(tones) < 0.1,
         f"1001 hears music while parked (RMS {rms(music) if music else 0:.0f}, "
         f"tone shares {tones})", len(sa))
    back = sa[int((start + (t_ret - t_park) + 1) * rate):int((start + (t_ret - t_park) + 2.5)
                                                             * rate)]
    t.ok(back and tone_share(back, rate, HZ["1003"]) > 0.7,
         f"1001 hears 1003's {HZ['1003']} Hz after the retrieval "
         f"(share {tone_share(back, rate, HZ['1003']) if back else 0:.2f})", len(sa))
    rate, sc = recording(c)
    heard = sc[int(1 * rate):int(2.5 * rate)]
    t.ok(heard and tone_share(heard, rate, HZ["1001"]) > 0.7,
         f"1003 hears 1001's {HZ['1001']} Hz", len(sc))
    t.ok(events("parked") == ["701"] and events("retrieved") == ["701"],
         "events park/parked and park/retrieved for 701",
         pbx.rx("event show recent 50 like park/")[1])

    # ---- 2. the timeout rings the parker back, who answers ------------------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: talking("1001", "1002"), 15), "1001 calls 1002 again",
         pbx.rx("core show channels")[1])
    time.sleep(1)
    press(b, "#72")
    ok = wait_for(lambda: parked() == {"701": "1001"}, 5)
    t0 = time.monotonic()
    t.ok(ok and wait_for(lambda: talking("1001"), 10), "parked in 701, 1002 hung up",
         pbx.rx("parking show")[1])
    t.ok(wait_for(lambda: talking("1001", "1002"), TIMEOUT + 8) and not parked(),
         "after the timeout the parker 1002 rings and takes 1001 back",
         pbx.rx("core show channels")[1] + pbx.rx("parking show")[1])
    waited = time.monotonic() - t0
    t.ok(TIMEOUT - 1.5 < waited < TIMEOUT + 4, f"rung back after {waited:.1f} s "
         f"(timeout {TIMEOUT} s)")
    time.sleep(2.5)
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "hung up: nothing left", pbx.rx("core show channels")[1])
    time.sleep(0.5)
    rate, sa = recording(a)
    back = sa[-int(2 * rate):-int(0.3 * rate)]
    t.ok(back and tone_share(back, rate, HZ["1002"]) > 0.7,
         f"1001 hears 1002's {HZ['1002']} Hz again "
         f"(share {tone_share(back, rate, HZ['1002']) if back else 0:.2f})", len(sa))
    t.ok(events("timeout") == ["701"], "event park/timeout",
         pbx.rx("event show recent 50 like park/")[1])

    # ---- 3. the parker does not answer: the dialplan sends the call on -------------
    a.command("/dial 1003")
    wait_for(lambda: "Incoming call" in c.log_text() or "incoming call" in c.log_text(), 10)
    time.sleep(0.5)
    c.command("/accept")
    t.ok(wait_for(lambda: talking("1001", "1003"), 10), "1001 calls 1003, which accepts",
         pbx.rx("core show channels")[1] + c.log_text()[-800:])
    time.sleep(1)
    press(c, "#72")
    t.ok(wait_for(lambda: parked() == {"701": "1001"}, 5) and
         wait_for(lambda: talking("1001"), 10), "1003 parks 1001 in 701",
         pbx.rx("parking show")[1])
    t.ok(wait_for(lambda: any(u == "1003" for u, _ in channels()), TIMEOUT + 5),
         "after the timeout 1003 rings", pbx.rx("core show channels")[1])
    t.ok(wait_for(lambda: talking("1001", "1004"), RING + 10) and not parked(),
         "unanswered, the sample dialplan sends 1001 to the operator (1004)",
         pbx.rx("core show channels")[1])
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "hung up: nothing left", pbx.rx("core show channels")[1])

    # ---- 4. a hangup while parked; an empty slot ---------------------------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: talking("1001", "1002"), 15), "1001 calls 1002",
         pbx.rx("core show channels")[1])
    time.sleep(1)
    press(b, "#72")
    t.ok(wait_for(lambda: parked() == {"701": "1001"}, 5), "parked in 701")
    time.sleep(1)
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10) and events("hangup") == ["701"],
         "1001 hangs up while parked: the slot is free, no channel left (park/hangup)",
         pbx.rx("core show channels")[1] + pbx.rx("parking show")[1])
    c.command("/dial 702")
    t.ok(wait_for(lambda: "404" in c.log_text()[-3000:], 10)
         and wait_for(nothing_left, 10), "dialing an empty slot: 404, nothing left",
         c.log_text()[-1500:])

    # ---- 5. blind transfer (REFER) to 705 parks --------------------------------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: talking("1001", "1002"), 15), "1001 calls 1002",
         pbx.rx("core show channels")[1])
    time.sleep(1)
    b.command("/transfer 705")
    t.ok(wait_for(lambda: parked() == {"705": "1001"}, 5) and
         wait_for(lambda: talking("1001"), 10),
         "1002 transfers to 705: 1001 parked there, 1002 released",
         pbx.rx("parking show")[1] + b.log_text()[-1000:])
    c.command("/dial 705")
    t.ok(wait_for(lambda: talking("1001", "1003"), 10), "1003 dials 705: talks to 1001",
         pbx.rx("core show channels")[1])
    c.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "nothing left", pbx.rx("core show channels")[1])
    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for p in phones:
        p.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
