#!/usr/bin/env python3
"""Transfers between real softphones through the sample office, with the
audio of the final parties checked by frequency both ways.

Each baresip phone sends a tone of its own (1001 1000 Hz, 1002 440 Hz,
1003 700 Hz, 1004 1300 Hz) and records what it decodes.

1. Blind, by baresip: 1001 calls 1002, 1002 types `/transfer 1003`
   (REFER).  While 1003 rings 1001 hears music on hold (res_moh is
   loaded: a listener of the default class, no ringback tone in its
   audio); 1003 answers; 1001 hears 700 Hz and 1003 hears 1000 Hz; 1002
   is released.
2. The same with res_moh unloaded: 1001 hears the ringback tone
   (440 + 480 Hz) meanwhile.
3. Attended, by linphone (baresip 1.0 has no attended transfer):
   1001 calls linphone 1002, which holds it, calls 1004 and transfers
   (`transfer 1 --to-call 2`: REFER with Replaces naming its call to
   1004): 1001 and 1004 talk (1300 Hz and 1000 Hz heard), both of
   linphone's calls end.
After each, `core show channels` is empty and no subscription is left."""
import glob
import os
import re
import shutil
import time

from audio import read_samples, rms, tone_share, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

HZ = {"1001": 1000, "1002": 440, "1003": 700, "1004": 1300}

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "45000")
pbx.conf("rtp.conf", "general", "port_end", "45999")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("carillon.conf", "logger", "dialplan", "info")
if not t.ok(pbx.start(), "daemon starts (the sample office)", pbx.log_text()):
    t.done()

phones = []


def phone(user, answer=True):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, HZ[user], 120, amplitude=6000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=180, audio_source=src,
                audio_player="aubridge,nobody-feeds-this", codecs="PCMU",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"], answermode="auto" if answer else None)
    b.rec = rec
    phones.append(b)
    return b


def recordings(b):
    return sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")), key=os.path.getmtime)


def registered(*users):
    out = pbx.rx("sip show registrations")[1]
    have = {l.split()[0] for l in out.splitlines() if l.split()}
    return all(u in have for u in users)


def channels():
    return re.findall(r"^SIP/(\d+)-\S+\s+(\S+)", pbx.rx("core show channels")[1], re.M)


def up(*users):
    rows = channels()
    return sorted(u for u, _ in rows) == sorted(users) and all(s == "UP" for _, s in rows)


def listeners():
    for line in pbx.rx("moh show classes")[1].splitlines():
        f = line.split()
        if f and f[0] == "default":
            return int(f[4])
    return -1


def nothing_left():
    return (not channels() and "0 active RTP sessions" in pbx.rx("rtp show sessions")[1]
            and no_subscription())


def no_subscription():
    """`sip show subscriptions` lists none (the REFERs' implicit ones
    end with their last NOTIFY: the dialogs they live in are gone)."""
    out = pbx.rx("sip show subscriptions")[1]
    return re.search(r"^0 (active )?subscriptions", out, re.M) is not None


def window(samples, rate, start, end):
    return samples[int(start * rate):int(end * rate)]


def shares(samples, rate, hz):
    return round(tone_share(samples, rate, hz), 2) if samples else 0.0


def loud(samples, rate):
    """The quarter seconds of samples that are not silence, end to end
    (the ringback tone is 2 s on, 4 s off)."""
    q = rate // 4
    parts = [samples[i:i + q] for i in range(0, len(samples) - q + 1, q)]
    return [x for p in parts if rms(p) > 300 for x in p]


def received_digits(ph):
    return re.findall(r"received event: '(.)' \(end=1\)", ph.log_text())


def last_samples(b):
    recs = recordings(b)
    return read_samples(recs[-1]) if recs else (8000, [])


def blind(a, b, c, check_wait):
    """a calls b, b transfers a to c (answering after 4 s): checks."""
    a.command("/dial 1002")
    t.ok(wait_for(lambda: up("1001", "1002"), 15), "1001 calls 1002: up", channels())
    t_up = time.monotonic()
    time.sleep(2)
    b.command("/transfer 1003")
    ringing = wait_for(lambda: "1003" in [u for u, _ in channels()], 10)
    t_ring = time.monotonic()
    t.ok(ringing, "1002 transfers (REFER): 1003 rings (1002 is released once it answers)",
         pbx.rx("core show channels")[1] + b.log_text()[-1500:])
    waited = check_wait()
    time.sleep(max(0, 4 - (time.monotonic() - t_ring)))
    c.command("/accept")
    t.ok(wait_for(lambda: up("1001", "1003"), 10),
         "1003 answers: 1001 and 1003 up, 1002 released",
         channels())
    t_talk = time.monotonic()
    time.sleep(3)
    c.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1003 hangs up: no channel, RTP session or "
         "subscription left", pbx.rx("core show channels")[1])
    time.sleep(0.5)
    rate_a, sa = last_samples(a)
    rate_c, sc = last_samples(c)
    before = window(sa, rate_a, 0.5, 1.8)
    wait = window(sa, rate_a, t_ring - t_up + 0.5, t_ring - t_up + 3.0)
    after = window(sa, rate_a, t_talk - t_up + 0.8, t_talk - t_up + 2.5)
    heard_c = window(sc, rate_c, 0.8, 2.5)
    t.ok(shares(before, rate_a, HZ["1002"]) > 0.7,
         f"1001 hears 1002's 440 Hz before the transfer (share {shares(before, rate_a, 440)})")
    t.ok(shares(after, rate_a, HZ["1003"]) > 0.7,
         f"1001 hears 1003's 700 Hz after it (share {shares(after, rate_a, 700)})")
    t.ok(shares(heard_c, rate_c, HZ["1001"]) > 0.7,
         f"1003 hears 1001's 1000 Hz (share {shares(heard_c, rate_c, 1000)})")
    return waited, wait, rate_a


try:
    a, b, c = phone("1001", answer=False), phone("1002"), phone("1003", answer=False)
    d = phone("1004", answer=False)
    t.ok(wait_for(lambda: registered("1001", "1002", "1003", "1004"), 15),
         "four phones register")

    # ---- 1. blind, music while 1003 rings ---------------------------------------
    waited, wait, rate = blind(a, b, c, lambda: wait_for(lambda: listeners() == 1, 5))
    ring = shares(wait, rate, 440) + shares(wait, rate, 480)
    t.ok(re.search(r"SIP/1001-\S+ waits with music", pbx.log_text()), "the log says music")
    t.ok(waited and wait and rms(wait) > 300 and ring < 0.3,
         f"while 1003 rings, 1001 hears music on hold (a listener of the default class; "
         f"RMS {rms(wait) if wait else 0:.0f}, ringback share {ring:.2f})")

    # ---- 2. blind without res_moh: ringback ----------------------------------------
    rc, out = pbx.rx("module unload res_moh")
    t.ok(rc == 0, "res_moh unloads", out)
    waited, wait, rate = blind(a, b, c, lambda: True)
    wait = loud(wait, rate)
    ring = shares(wait, rate, 440) + shares(wait, rate, 480)
    t.ok(re.search(r"SIP/1001-\S+ waits with ringback", pbx.log_text()),
         "the log says ringback")
    t.ok(len(wait) >= rate // 2 and ring > 0.8,
         f"without res_moh 1001 hears the ringback tone (440 + 480 Hz share {ring:.2f})")
    rc, out = pbx.rx("module load res_moh")
    t.ok(rc == 0, "res_moh loads again", out)

    # ---- 4. a failed transfer whose referrer left: on_transfer_failed ----------------
    a.command("/dial 1002")
    t.ok(wait_for(lambda: up("1001", "1002"), 15), "1001 calls 1002 again: up", channels())
    time.sleep(1)
    b.command("/transfer 1004")
    t.ok(wait_for(lambda: "1004" in [u for u, _ in channels()], 10), "1002 transfers to 1004",
         channels())
    b.command("/hangup")
    t.ok(wait_for(lambda: "1002" not in [u for u, _ in channels()], 10),
         "1002 hangs up while 1004 rings", channels())
    time.sleep(0.5)
    d.command("/hangup")                        # 1004 declines
    t.ok(wait_for(lambda: "1003" in [u for u, _ in channels()], 10)
         and re.search(r"transfer of SIP/1001-\S+ to 1004 failed \((486|603)\): "
                       r"on_transfer_failed sends it to 1003", pbx.log_text()),
         "1004 declines: the sample's on_transfer_failed sends 1001 to the operator (1003)",
         pbx.rx("core show channels")[1] + pbx.log_text()[-2000:])
    time.sleep(1)
    c.command("/accept")
    t.ok(wait_for(lambda: up("1001", "1003"), 10), "the operator answers: 1001 and 1003 up",
         channels())
    time.sleep(2.5)
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1001 hangs up: nothing left",
         pbx.rx("core show channels")[1])
    rate_a, sa = last_samples(a)
    after = sa[-int(2.0 * rate_a):-int(0.5 * rate_a)] if sa else []
    t.ok(shares(after, rate_a, HZ["1003"]) > 0.7,
         f"1001 hears the operator's 700 Hz (share {shares(after, rate_a, 700)})")

    # ---- 5. *2: the sample's attended feature code --------------------------------------
    def press(ph, digits):
        for digit in digits:
            ph.command(digit)
            time.sleep(0.5)

    def consult_1003():
        press(b, "*21003")
        ok = wait_for(lambda: "1003" in [u for u, _ in channels()], 10)
        ok = ok and wait_for(lambda: listeners() == 1, 5)
        time.sleep(1)
        c.command("/accept")
        return ok and wait_for(lambda: up("1001", "1002", "1003"), 10)

    a.command("/dial 1002")
    t.ok(wait_for(lambda: up("1001", "1002"), 15), "*2: 1001 calls 1002", channels())
    time.sleep(1)
    t.ok(consult_1003(), "1002 keys *21003: 1001 hears music on hold, 1003 rings and "
         "answers, 1002 talks to it", pbx.rx("core show channels")[1] + pbx.log_text()[-2000:])
    t_consult = time.monotonic()
    time.sleep(2)
    b.command("/hangup")
    t.ok(wait_for(lambda: up("1001", "1003"), 10), "1002 hangs up: 1001 and 1003 talk",
         pbx.rx("core show channels")[1] + pbx.log_text()[-2000:])
    time.sleep(2.5)
    c.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1003 hangs up: nothing left",
         pbx.rx("core show channels")[1])
    time.sleep(0.5)
    rate_c, sc = last_samples(c)
    rate_a, sa = last_samples(a)
    consulted = window(sc, rate_c, 0.5, 1.8)
    after_c = sc[-int(2.0 * rate_c):-int(0.5 * rate_c)] if sc else []
    after_a = sa[-int(2.0 * rate_a):-int(0.5 * rate_a)] if sa else []
    t.ok(shares(consulted, rate_c, HZ["1002"]) > 0.7,
         f"1003 hears 1002's 440 Hz while consulted (share {shares(consulted, rate_c, 440)})")
    t.ok(shares(after_c, rate_c, HZ["1001"]) > 0.7 and shares(after_a, rate_a, 700) > 0.7,
         f"then 1003 hears 1001's 1000 Hz and 1001 1003's 700 Hz (shares "
         f"{shares(after_c, rate_c, 1000)}, {shares(after_a, rate_a, 700)})")
    t.ok("*" not in received_digits(c) and "2" not in received_digits(c),
         "the feature digits were swallowed (1003 got none)", received_digits(c))

    a.command("/dial 1002")
    t.ok(wait_for(lambda: up("1001", "1002"), 15), "*2 again: 1001 calls 1002", channels())
    t_up = time.monotonic()
    time.sleep(1)
    t.ok(consult_1003(), "1002 consults 1003", pbx.rx("core show channels")[1])
    time.sleep(1)
    press(b, "*")
    t.ok(wait_for(lambda: up("1001", "1002"), 10) and wait_for(lambda: listeners() == 0, 5),
         "1002 keys * (abort): 1003 is hung up, 1001 and 1002 talk again, no music",
         pbx.rx("core show channels")[1] + pbx.log_text()[-2000:])
    t_back = time.monotonic()
    time.sleep(2.5)
    t.ok(consult_1003(), "1002 consults 1003 once more", pbx.rx("core show channels")[1])
    time.sleep(1)
    press(b, "#")
    t.ok(wait_for(lambda: up("1001", "1003"), 10),
         "1002 keys # (complete): 1002 is released, 1001 and 1003 talk",
         pbx.rx("core show channels")[1] + pbx.log_text()[-2000:])
    a.command("/hangup")
    t.ok(wait_for(nothing_left, 10), "1001 hangs up: nothing left",
         pbx.rx("core show channels")[1])
    time.sleep(0.5)
    rate_a, sa = last_samples(a)
    back_a = window(sa, rate_a, t_back - t_up + 0.8, t_back - t_up + 2.3)
    t.ok(shares(back_a, rate_a, HZ["1002"]) > 0.7,
         f"after the abort 1001 hears 1002's 440 Hz again (share {shares(back_a, rate_a, 440)})")

    # ---- 3. attended, by linphone ------------------------------------------------------
    if not shutil.which("linphonecsh"):
        t.diag("linphone-cli not installed (contrib/scripts/install-prereq): no attended test")
        t.ok(False, "linphonecsh is installed")
    else:
        from linphone import Linphone
        b.stop()
        d.command("/answermode auto")
        lp = Linphone(pbx, "1002", "pw1002")
        phones.append(lp)                   # stopped with the others
        t.ok(wait_for(lambda: registered("1002", "1004"), 15),
             "linphone registers as 1002, baresip as 1004", lp.log_text()[-2000:])
        lp.command("autoanswer enable")
        a.command("/dial 1002")
        t.ok(wait_for(lambda: up("1001", "1002"), 15), "1001 calls linphone 1002: up",
             channels())
        time.sleep(1)
        out = lp.command("pause 1")[1]
        t.ok(wait_for(lambda: listeners() == 1, 10),
             "linphone holds 1001 (pause 1): 1001 hears music on hold", out)
        out = lp.command(f"call sip:1004@127.0.0.1:{pbx.sip_port}")[1]
        t.ok(wait_for(lambda: up("1001", "1002", "1002", "1004"), 15),
             "linphone calls 1004: four legs up",
             pbx.rx("core show channels")[1] + out + lp.log_text()[-3000:])
        time.sleep(1)
        rc, out = lp.command("transfer 1 --to-call 2")
        t.ok(wait_for(lambda: up("1001", "1004"), 10),
             "linphone transfers attended (REFER with Replaces): 1001 and 1004 up, both "
             "of linphone's legs gone", pbx.rx("core show channels")[1] + out
             + pbx.log_text()[-2500:])
        t.ok(re.search(r"SIP/1002-\S+ transfers SIP/1001-\S+ to SIP/1002-", pbx.log_text()),
             "it was a REFER with Replaces naming linphone's call to 1004",
             pbx.log_text()[-2500:])
        t_talk = time.monotonic()
        time.sleep(3)
        a.command("/hangup")
        t.ok(wait_for(nothing_left, 10), "1001 hangs up: nothing left",
             pbx.rx("core show channels")[1])
        time.sleep(0.5)
        rate_a, sa = last_samples(a)
        rate_d, sd = last_samples(d)
        after = sa[-int(2.5 * rate_a):-int(0.8 * rate_a)] if sa else []
        heard = window(sd, rate_d, 0.8, 2.5) if sd else []
        t.ok(shares(after, rate_a, HZ["1004"]) > 0.7,
             f"1001 hears 1004's 1300 Hz after the transfer "
             f"(share {shares(after, rate_a, 1300)})")
        t.ok(shares(heard, rate_d, HZ["1001"]) > 0.7,
             f"1004 hears 1001's 1000 Hz (share {shares(heard, rate_d, 1000)})")
    t.ok(not pbx.assertion_lines(), "no assertion failed", pbx.assertion_lines())
finally:
    for p in phones:
        p.stop()
    rc = pbx.stop()
    t.ok(rc == 0, f"the daemon exits cleanly (under CARILLON_VALGRIND=1: no memory error or "
         f"definite leak): status {rc}", pbx.log_text()[-3000:])
    pbx.cleanup()
t.done()
