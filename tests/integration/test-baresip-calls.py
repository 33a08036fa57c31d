#!/usr/bin/env python3
"""A real call between two baresip softphones through Carillon.

1001 dials 1002 (which auto-answers); each phone sends a sine tone read
from a WAV generated here (1001: 1 kHz, 1002: 440 Hz) and records what it
receives with baresip's sndfile filter (dump-*-dec.wav: the decoded audio
as it arrives).  Checks: both channels UP, RTP relayed both ways, the call
survives a `dialplan reload` of a changed extensions.lua, the tone arrives
at the other phone (loud enough, at the right frequency), the caller's
hangup removes both channels and RTP sessions, and the CDR says ANSWERED
with billsec > 0 and a G.711 codec (CLI and SQLite).

baresip 1.0.0's aufile module is a source only, so the player is an
aubridge device nobody feeds (it does nothing and does not spin)."""
import glob
import os
import re
import shutil
import sqlite3
import time

from audio import analyse, write_tone
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

pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "42000")
pbx.conf("rtp.conf", "general", "port_end", "42999")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

phones = []


def phone(user, tone_hz):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, tone_hz, 90)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=120, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"],
                answermode="auto" if user == "1002" else None)
    b.rec = rec
    phones.append(b)
    return b


def channel_rows():
    rc, out = pbx.rx("core show channels")
    return [l.split() for l in out.splitlines() if l.startswith("SIP/")], out


def both_up():
    rows, out = channel_rows()
    return len(rows) == 2 and all(r[1] == "UP" for r in rows)


def rtp_rows():
    """(id, peer, rx packets, tx packets) of each RTP session, and the output."""
    rc, out = pbx.rx("rtp show sessions")
    rows = []
    for l in out.splitlines():
        f = l.split()
        if re.match(r"^\d+$", f[0] if f else "") and len(f) >= 10:
            rows.append((f[0], f[2], int(f[-6]), int(f[-4])))
    return rows, out


def relayed(threshold):
    rows, out = rtp_rows()
    return (len(rows) == 2 and all(p != "-" and rx >= threshold and tx >= threshold
                                   for _, p, rx, tx in rows))


def recording(b):
    files = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    return files[0] if files else None


try:
    caller = phone("1001", 1000)
    callee = phone("1002", 440)
    t.ok(wait_for(lambda: pbx.registered("1001", "1002"), 15),
         "both baresip phones register", pbx.rx("sip show registrations")[1]
         + caller.log_text()[-800:] + callee.log_text()[-800:])

    caller.command("/dial 1002")
    up = wait_for(both_up, 15)
    t.ok(up, "1001 calls 1002, which auto-answers: two channels UP",
         channel_rows()[1] + "\n" + caller.log_text()[-1500:] + callee.log_text()[-1500:])
    t.ok(wait_for(lambda: "Call established" in caller.log_text(), 5),
         "baresip 1001 sees the call established", caller.log_text()[-1500:])

    # 50 packets/s each way: 100 packets is 2 s of audio.
    ok = wait_for(lambda: relayed(100), 10, 0.5)
    rows, out = rtp_rows()
    t.ok(ok, "rtp show sessions: >= 100 packets relayed each way on both legs", out)

    # ---- dialplan reload during the call ------------------------------------
    lua_path = os.path.join(pbx.etc, "extensions.lua")
    with open(lua_path, "a") as f:
        f.write("\n-- changed during a call by test-baresip-calls\n"
                'context("lab", {\n'
                "    on_invite = function(call) call:hangup(403) end,\n"
                "})\n")
    rc, out = pbx.rx("dialplan reload")
    t.ok(rc == 0, "dialplan reload of a changed extensions.lua during the call", out)
    before = {r[0]: r[2] for r in rtp_rows()[0]}
    time.sleep(1.5)
    rows_after, rtp_after = rtp_rows()
    t.ok(both_up(), "the call survives the reload: still two channels UP",
         channel_rows()[1] + pbx.log_text()[-1500:])
    t.ok(len(rows_after) == 2 and all(r[2] > before.get(r[0], 1 << 62) for r in rows_after),
         "RTP still relayed after the reload (packet counts go on growing)",
         f"before {before}\n{rtp_after}")
    rc, out = pbx.rx("dialplan show")
    t.ok(rc == 0 and re.search(r"^Generation:\s+2$", out, re.M)
         and re.search(r"^lab\s+on_invite$", out, re.M),
         "dialplan show: generation 2 with the new context", out)
    m = re.search(r"Calls in dialplan: (\d+) \((\d+) on older scripts\)", out)
    t.diag(f"dialplan show during the call: {m.group(0) if m else out}")

    # ---- hang up from 1001 ------------------------------------------------------
    time.sleep(1)   # a few seconds of call: billsec > 0, seconds of recording
    caller.command("/hangup")
    gone = wait_for(lambda: not channel_rows()[0], 10)
    t.ok(gone, "1001 hangs up: both channels gone", channel_rows()[1])
    t.ok(wait_for(lambda: not rtp_rows()[0], 5), "no RTP session left", rtp_rows()[1])
    t.ok(wait_for(lambda: re.search(r"Call with \S+ terminated", callee.log_text()), 5),
         "baresip 1002 gets the BYE: its call ends", callee.log_text()[-1500:])

    # ---- CDR ----------------------------------------------------------------------
    rc, out = pbx.rx("cdr show recent 5")
    m = re.search(r"^\S+ \S+\s+1001\s+1002\s+ANSWERED\s+(\d+)\s+(\d+)\s+(\S+)", out, re.M)
    t.ok(rc == 0 and m and int(m.group(2)) > 0 and m.group(3) in ("ulaw", "alaw"),
         "cdr show recent: 1001 -> 1002 ANSWERED, billsec > 0, G.711", out)

    def cdr_row():
        db = sqlite3.connect(os.path.join(pbx.run_dir, "var", "carillon.db"), timeout=5)
        try:
            db.row_factory = sqlite3.Row
            r = db.execute("SELECT * FROM cdr WHERE caller='1001' AND callee='1002' "
                           "ORDER BY start DESC LIMIT 1").fetchone()
            return dict(r) if r else None
        finally:
            db.close()
    row = wait_for(cdr_row, 5)
    t.ok(row and row["disposition"] == "ANSWERED" and row["billsec"] > 0
         and row["codec"] in ("ulaw", "alaw"),
         "SQLite cdr row: ANSWERED, billsec > 0, codec ulaw/alaw", row)
    t.ok(row and row["cause"] == "NORMAL_CLEARING",
         "the CDR's cause is NORMAL_CLEARING (caller's BYE)", row)
    t.ok(row and row["rtp_packets_sent"] > 100 and row["rtp_packets_received"] > 100,
         "the CDR has the RTP packet counts", row)

    # ---- what the phones received ------------------------------------------------
    for b in phones:
        b.stop()    # closes the sndfile dumps (the WAV header gets its length)
    for b, user, hz in ((callee, "1002", 1000), (caller, "1001", 440)):
        path = recording(b)
        a = analyse(path) if path else None
        t.ok(a and a[0] >= 2 and a[1] > 1000,
             f"{user} received audio: the recording is not silent (>= 2 s, RMS > 1000)",
             (path, a, b.log_text()[-1500:]))
        t.ok(a and abs(a[2] - hz) < hz * 0.05,
             f"{user} received the other phone's {hz} Hz tone (zero crossings)", (path, a))

    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
finally:
    for b in phones:
        b.stop()
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
